//! `onUpload` / `onDelete` triggers: S3 event notifications, as Lambda receives them
//! (`{"Records": [...]}`, the shape of `S3Handler`'s event), in a durable queue that the
//! functions service drains: [`EventQueue::pending`] then [`EventQueue::ack`] once the function
//! has run. An event is written after the object change committed; one that was not
//! acknowledged is delivered again (at-least-once, as S3 does).

use std::sync::atomic::{AtomicU64, Ordering};

use ampbase_store::{Key, Query, Store, TableSchema};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::objects::{Result, StorageError, now_ms};

pub(crate) const EVENTS: &str = "_ampbase_storage_events";
const PARTITION: &str = "pending";

/// What happened to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventKind {
    /// `ObjectCreated:Put`.
    Put,
    /// `ObjectCreated:Copy`.
    Copy,
    /// `ObjectCreated:CompleteMultipartUpload`.
    CompleteMultipartUpload,
    /// `ObjectRemoved:Delete`.
    Delete,
}

impl EventKind {
    pub fn event_name(self) -> &'static str {
        match self {
            EventKind::Put => "ObjectCreated:Put",
            EventKind::Copy => "ObjectCreated:Copy",
            EventKind::CompleteMultipartUpload => "ObjectCreated:CompleteMultipartUpload",
            EventKind::Delete => "ObjectRemoved:Delete",
        }
    }

    /// The `defineStorage` trigger it fires.
    pub fn trigger(self) -> &'static str {
        match self {
            EventKind::Delete => "onDelete",
            _ => "onUpload",
        }
    }
}

/// One queued invocation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StorageEvent {
    /// Pass to [`EventQueue::ack`].
    pub id: String,
    /// The function to invoke.
    pub function: String,
    /// `onUpload` or `onDelete`.
    pub trigger: String,
    /// The `defineStorage` name.
    pub storage: String,
    /// The Lambda event (`{"Records":[…]}`).
    pub event: Value,
}

/// What the event says about the object.
#[derive(Debug, Clone)]
pub struct ObjectChange<'a> {
    pub kind: EventKind,
    pub bucket: &'a str,
    pub key: &'a str,
    pub size: Option<u64>,
    pub etag: Option<&'a str>,
    /// The caller's principal id (`userIdentity.principalId`).
    pub principal_id: &'a str,
    pub source_ip: &'a str,
}

/// The durable queue (a document-store table, one partition, ids in time order).
#[derive(Clone)]
pub struct EventQueue {
    store: Store,
    region: String,
    seq: std::sync::Arc<AtomicU64>,
}

/// S3 encodes the key of an event like a form value (`+` for a space).
fn event_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for b in key.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' | b'/' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn iso8601(ms: i64) -> String {
    let t = time_from_ms(ms);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.0, t.1, t.2, t.3, t.4, t.5, t.6
    )
}

/// (year, month, day, hour, minute, second, millisecond) in UTC.
fn time_from_ms(ms: i64) -> (i64, u32, u32, u32, u32, u32, u32) {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000) as u32;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400) as u32;
    // Civil from days (Howard Hinnant).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = if m <= 2 { y + 1 } else { y };
    (y, m, d, rem / 3600, rem / 60 % 60, rem % 60, millis)
}

impl EventQueue {
    pub async fn open(store: Store, region: impl Into<String>) -> Result<EventQueue> {
        store
            .ensure_table(&TableSchema::new(EVENTS, "queue").with_sort_key("id"))
            .await?;
        Ok(EventQueue {
            store,
            region: region.into(),
            seq: Default::default(),
        })
    }

    /// The Lambda S3 event for one change.
    pub fn lambda_event(&self, change: &ObjectChange<'_>, now_ms: i64, sequencer: u64) -> Value {
        let mut object = json!({
            "key": event_key(change.key),
            "sequencer": format!("{sequencer:016X}"),
        });
        if let Some(size) = change.size {
            object["size"] = json!(size);
        }
        if let Some(etag) = change.etag {
            object["eTag"] = json!(etag);
        }
        json!({
            "Records": [{
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": self.region,
                "eventTime": iso8601(now_ms),
                "eventName": change.kind.event_name(),
                "userIdentity": { "principalId": change.principal_id },
                "requestParameters": { "sourceIPAddress": change.source_ip },
                "responseElements": {
                    "x-amz-request-id": format!("{sequencer:016X}"),
                    "x-amz-id-2": format!("ampbase/{sequencer:016X}"),
                },
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": format!("amplify-{}", change.kind.trigger()),
                    "bucket": {
                        "name": change.bucket,
                        "ownerIdentity": { "principalId": "ampbase" },
                        "arn": format!("arn:aws:s3:::{}", change.bucket),
                    },
                    "object": object,
                }
            }]
        })
    }

    /// Queues an invocation of `function` for `change`.
    pub async fn push(
        &self,
        storage: &str,
        function: &str,
        change: &ObjectChange<'_>,
    ) -> Result<String> {
        let now = now_ms();
        let seq = self.seq.fetch_add(1, Ordering::Relaxed);
        let sequencer = ((now as u64) << 16) | (seq & 0xFFFF);
        let id = format!(
            "{now:015}-{seq:08}-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        let event = StorageEvent {
            id: id.clone(),
            function: function.to_string(),
            trigger: change.kind.trigger().to_string(),
            storage: storage.to_string(),
            event: self.lambda_event(change, now, sequencer),
        };
        let mut item = match serde_json::to_value(&event) {
            Ok(Value::Object(m)) => m,
            _ => unreachable!(),
        };
        item.insert("queue".into(), json!(PARTITION));
        self.store.put(EVENTS, item, None).await?;
        Ok(id)
    }

    /// The oldest unacknowledged events, at most `limit`.
    pub async fn pending(&self, limit: usize) -> Result<Vec<StorageEvent>> {
        let page = self
            .store
            .query(EVENTS, &Query::new(PARTITION).limit(limit.max(1)))
            .await?;
        page.items
            .into_iter()
            .map(|mut item| {
                item.remove("queue");
                serde_json::from_value(Value::Object(item))
                    .map_err(|e| StorageError::Internal(e.to_string()))
            })
            .collect()
    }

    /// Removes a delivered event; `false` when it was not queued (acknowledged already).
    pub async fn ack(&self, id: &str) -> Result<bool> {
        Ok(self
            .store
            .delete(EVENTS, Key::with_sort(PARTITION, id), None)
            .await?
            .is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_keys() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
        assert_eq!(iso8601(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(event_key("media/a b+c/ü.txt"), "media/a+b%2Bc/%C3%BC.txt");
    }

    #[tokio::test]
    async fn queue_roundtrip() {
        let store = Store::open_in_memory().unwrap();
        let q = EventQueue::open(store, "us-east-1").await.unwrap();
        let change = ObjectChange {
            kind: EventKind::Put,
            bucket: "b",
            key: "k 1",
            size: Some(3),
            etag: Some("abc"),
            principal_id: "p",
            source_ip: "127.0.0.1",
        };
        let a = q.push("media", "onUploadFn", &change).await.unwrap();
        let b = q
            .push(
                "media",
                "onDeleteFn",
                &ObjectChange {
                    kind: EventKind::Delete,
                    size: None,
                    etag: None,
                    ..change.clone()
                },
            )
            .await
            .unwrap();
        let pending = q.pending(10).await.unwrap();
        assert_eq!(
            pending.iter().map(|e| e.id.clone()).collect::<Vec<_>>(),
            vec![a.clone(), b.clone()]
        );
        let rec = &pending[0].event["Records"][0];
        assert_eq!(rec["eventName"], "ObjectCreated:Put");
        assert_eq!(rec["s3"]["object"]["key"], "k+1");
        assert_eq!(rec["s3"]["bucket"]["arn"], "arn:aws:s3:::b");
        assert_eq!(pending[1].trigger, "onDelete");
        assert!(
            pending[1].event["Records"][0]["s3"]["object"]
                .get("size")
                .is_none()
        );
        assert!(q.ack(&a).await.unwrap());
        assert!(!q.ack(&a).await.unwrap());
        assert_eq!(q.pending(10).await.unwrap().len(), 1);
    }
}
