//! Buckets, objects and multipart uploads: records in the document store, bytes in a
//! [`BlobStore`]. No protocol and no authorization here.
//!
//! Why the document store and not sidecar files for what S3 keeps beside the bytes (content
//! type, user metadata, ETag, size, part layout):
//! * **One commit point.** An object exists when its record is committed, in one transaction
//!   that also removes a completed upload and its parts; blobs are written and synced before,
//!   so a crash never shows a partial object, and an overwrite is a compare-and-swap on the
//!   record's `version` (a racing writer retries; the loser's blobs are deleted).
//! * **Listing in key order.** Objects are keyed `(bucket, key)`, and the store orders string
//!   keys by UTF-8 bytes, exactly S3's order: `ListObjectsV2` with a prefix, start-after and a
//!   continuation token is one primary-key range query, and a common prefix is skipped by
//!   restarting the range after it. Sidecar files would need a directory walk and a sort per
//!   page (and keys like `a/` and `a` cannot both be files).
//! * **Shared by replicas.** On `ampbase serve` the records live in PostgreSQL and the bytes in
//!   an S3-compatible store (which keeps no attributes of its own through `object_store`), so
//!   several stateless replicas see the same objects.
//!
//! Objects of up to [`INLINE_MAX`] bytes keep their bytes in the record (base64): no file per
//! small object, and still one commit point.
//!
//! A multipart object is not concatenated on completion: its record lists the part blobs as
//! segments, so `CompleteMultipartUpload` is O(parts) record work, whatever the size, and reads
//! chain the segments.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use ampbase_store::{
    Condition, Key, KeyValue, Query, SortCondition, Store, StoreError, TableSchema, WriteOp,
};
use futures::{StreamExt, TryStreamExt};
use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::blob::{BlobError, BlobInfo, BlobStore, InStream, OutStream};

pub(crate) const BUCKETS: &str = "_ampbase_storage_buckets";
pub(crate) const OBJECTS: &str = "_ampbase_storage_objects";
pub(crate) const UPLOADS: &str = "_ampbase_storage_uploads";
pub(crate) const PARTS: &str = "_ampbase_storage_parts";

/// S3's limits.
pub const MAX_OBJECT_SIZE: u64 = 5 * 1024 * 1024 * 1024;
pub const MAX_PART_SIZE: u64 = 5 * 1024 * 1024 * 1024;
pub const MIN_PART_SIZE: u64 = 5 * 1024 * 1024;
pub const MAX_PART_NUMBER: i32 = 10_000;

/// What went wrong, in S3's terms.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("the specified bucket does not exist")]
    NoSuchBucket,
    #[error("the specified key does not exist")]
    NoSuchKey,
    #[error("the specified multipart upload does not exist")]
    NoSuchUpload,
    #[error("the bucket you tried to delete is not empty")]
    BucketNotEmpty,
    #[error("the bucket already exists")]
    BucketAlreadyOwnedByYou,
    #[error("at least one of the preconditions you specified did not hold")]
    PreconditionFailed,
    #[error("not modified")]
    NotModified,
    #[error("the requested range is not satisfiable")]
    InvalidRange,
    #[error("{0}")]
    InvalidPart(String),
    #[error("the list of parts was not in ascending order")]
    InvalidPartOrder,
    #[error("your proposed upload is smaller than the minimum allowed size")]
    EntityTooSmall,
    #[error("your proposed upload exceeds the maximum allowed size")]
    EntityTooLarge,
    #[error("the Content-MD5 you specified did not match what we received")]
    BadDigest,
    #[error("{0}")]
    InvalidRequest(String),
    #[error("{0}")]
    IncompleteBody(String),
    #[error(transparent)]
    Blob(BlobError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Internal(String),
}

impl From<BlobError> for StorageError {
    fn from(e: BlobError) -> Self {
        match e {
            BlobError::TooLarge(_) => StorageError::EntityTooLarge,
            BlobError::LengthMismatch => {
                StorageError::IncompleteBody("the body does not match its declared length".into())
            }
            other => StorageError::Blob(other),
        }
    }
}

pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The headers S3 keeps with an object and returns on GET/HEAD.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentHeaders {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_encoding: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_disposition: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<String>,
    /// `Expires`, as the HTTP date the client sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// One piece of an object: a blob, or (objects of up to [`INLINE_MAX`] bytes) its bytes kept
/// in the record itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    /// Empty for inline bytes.
    #[serde(default)]
    pub blob: String,
    pub size: u64,
    /// The bytes, base64, when they live in the record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inline: Option<String>,
}

impl Segment {
    fn blob(info: BlobInfo) -> Segment {
        Segment {
            blob: info.id,
            size: info.size,
            inline: None,
        }
    }

    /// The blob id, when the bytes are in the blob store.
    pub fn blob_id(&self) -> Option<&str> {
        self.inline.is_none().then_some(self.blob.as_str())
    }
}

/// Objects up to this size keep their bytes in their record: a small PUT then creates no file
/// (on ext4, allocating an inode per 1 KiB object cost more than everything else in the
/// request) and a small GET opens none, and the record commit still makes it visible atomically.
pub const INLINE_MAX: usize = 4096;

/// Where a stored body went.
struct Stored {
    segment: Segment,
    md5: [u8; 16],
}

/// An object, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectRecord {
    pub bucket: String,
    pub key: String,
    pub size: u64,
    /// Without quotes: MD5 hex, or `<md5 of the part MD5s>-<parts>`.
    pub etag: String,
    pub last_modified: i64,
    /// A fresh id per write (compare-and-swap on overwrite).
    pub version: String,
    pub segments: Vec<Segment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parts_count: Option<u32>,
    #[serde(default)]
    pub content: ContentHeaders,
    /// `x-amz-meta-*`, names lower-case without the prefix.
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
}

/// A multipart upload in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadRecord {
    pub bucket: String,
    pub upload_id: String,
    pub key: String,
    pub initiated: i64,
    #[serde(default)]
    pub content: ContentHeaders,
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
}

/// An uploaded part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartRecord {
    pub upload_id: String,
    pub part_number: i32,
    pub blob: String,
    pub size: u64,
    /// MD5 hex, no quotes.
    pub etag: String,
    pub last_modified: i64,
}

/// A bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BucketRecord {
    pub name: String,
    pub created: i64,
}

/// Preconditions of a write (`If-None-Match: *`, `If-Match`).
#[derive(Debug, Clone, Default)]
pub struct WriteCondition {
    pub if_none_match_any: bool,
    pub if_match: Option<String>,
}

impl WriteCondition {
    fn check(&self, current: Option<&ObjectRecord>) -> Result<()> {
        if self.if_none_match_any && current.is_some() {
            return Err(StorageError::PreconditionFailed);
        }
        if let Some(etag) = &self.if_match {
            match current {
                Some(c) if etag == "*" || c.etag == *etag => {}
                Some(_) => return Err(StorageError::PreconditionFailed),
                None => return Err(StorageError::NoSuchKey),
            }
        }
        Ok(())
    }
}

/// A page of a listing.
#[derive(Debug, Clone, Default)]
pub struct ListPage {
    pub objects: Vec<ObjectRecord>,
    pub common_prefixes: Vec<String>,
    /// When more follow: the last key or common prefix returned (resume after it).
    pub next: Option<String>,
}

/// A listing request, after the protocol's parsing.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub prefix: String,
    pub delimiter: Option<String>,
    pub max_keys: usize,
    /// Keys after this one (`start-after`, v1 `marker`).
    pub start_after: Option<String>,
    /// The `next` of the previous page.
    pub resume_after: Option<String>,
}

fn to_item<T: Serialize>(value: &T) -> serde_json::Map<String, Value> {
    match serde_json::to_value(value) {
        Ok(Value::Object(map)) => map,
        _ => unreachable!("records serialise to objects"),
    }
}

fn from_item<T: for<'de> Deserialize<'de>>(item: serde_json::Map<String, Value>) -> Result<T> {
    serde_json::from_value(Value::Object(item))
        .map_err(|e| StorageError::Internal(format!("corrupt storage record: {e}")))
}

/// The smallest string greater than every string that starts with `prefix`.
pub(crate) fn prefix_successor(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let mut next = last as u32 + 1;
        if (0xD800..=0xDFFF).contains(&next) {
            next = 0xE000;
        }
        if let Some(c) = char::from_u32(next) {
            chars.push(c);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// `md5(concat(part md5s))-N`, S3's multipart ETag.
pub fn multipart_etag(part_md5s: &[[u8; 16]]) -> String {
    let mut md5 = Md5::new();
    for p in part_md5s {
        md5.update(p);
    }
    let digest: [u8; 16] = md5.finalize().into();
    format!("{}-{}", hex::encode(digest), part_md5s.len())
}

/// The bytes `a..b` of one segment.
async fn open_segment(
    blobs: &Arc<dyn BlobStore>,
    segment: &Segment,
    a: u64,
    b: u64,
) -> std::result::Result<OutStream, BlobError> {
    match &segment.inline {
        Some(encoded) => {
            use base64::Engine as _;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .map_err(|e| {
                    BlobError::Io(std::io::Error::other(format!("corrupt inline object: {e}")))
                })?;
            let bytes = bytes::Bytes::from(bytes);
            if b > bytes.len() as u64 || a > b {
                return Err(BlobError::Io(std::io::Error::other(
                    "inline object shorter than its record",
                )));
            }
            let piece = bytes.slice(a as usize..b as usize);
            Ok(Box::pin(futures::stream::once(async move { Ok(piece) })))
        }
        None => blobs.get(&segment.blob, a, b).await,
    }
}

/// Buckets, objects and uploads over a document store and a blob store.
#[derive(Clone)]
pub struct Objects {
    store: Store,
    blobs: Arc<dyn BlobStore>,
}

impl Objects {
    pub async fn open(store: Store, blobs: Arc<dyn BlobStore>) -> Result<Objects> {
        store
            .ensure_table(&TableSchema::new(BUCKETS, "name"))
            .await?;
        store
            .ensure_table(&TableSchema::new(OBJECTS, "bucket").with_sort_key("key"))
            .await?;
        store
            .ensure_table(&TableSchema::new(UPLOADS, "bucket").with_sort_key("uploadId"))
            .await?;
        store
            .ensure_table(&TableSchema::new(PARTS, "uploadId").with_sort_key("partNumber"))
            .await?;
        Ok(Objects { store, blobs })
    }

    pub fn blobs(&self) -> &Arc<dyn BlobStore> {
        &self.blobs
    }

    // ---- buckets

    pub async fn bucket(&self, name: &str) -> Result<Option<BucketRecord>> {
        match self.store.get(BUCKETS, &Key::new(name)).await? {
            Some(item) => Ok(Some(from_item(item)?)),
            None => Ok(None),
        }
    }

    pub async fn require_bucket(&self, name: &str) -> Result<BucketRecord> {
        self.bucket(name).await?.ok_or(StorageError::NoSuchBucket)
    }

    /// Creates a bucket; `Ok(false)` when it already existed.
    pub async fn create_bucket(&self, name: &str) -> Result<bool> {
        let record = BucketRecord {
            name: name.to_string(),
            created: now_ms(),
        };
        match self
            .store
            .put(BUCKETS, to_item(&record), Some(Condition::not_exists()))
            .await
        {
            Ok(()) => Ok(true),
            Err(StoreError::ConditionFailed) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn delete_bucket(&self, name: &str) -> Result<()> {
        self.require_bucket(name).await?;
        let objects = self
            .store
            .query(OBJECTS, &Query::new(name).limit(1))
            .await?;
        let uploads = self
            .store
            .query(UPLOADS, &Query::new(name).limit(1))
            .await?;
        if !objects.items.is_empty() || !uploads.items.is_empty() {
            return Err(StorageError::BucketNotEmpty);
        }
        self.store.delete(BUCKETS, Key::new(name), None).await?;
        Ok(())
    }

    pub async fn list_buckets(&self) -> Result<Vec<BucketRecord>> {
        let mut out = Vec::new();
        let mut start = None;
        loop {
            let page = self.store.scan(BUCKETS, Some(1000), start.as_ref()).await?;
            for item in page.items {
                out.push(from_item(item)?);
            }
            match page.last_evaluated_key {
                Some(k) => start = Some(k),
                None => break,
            }
        }
        Ok(out)
    }

    // ---- objects

    pub async fn head(&self, bucket: &str, key: &str) -> Result<Option<ObjectRecord>> {
        match self
            .store
            .get(OBJECTS, &Key::with_sort(bucket, key))
            .await?
        {
            Some(item) => Ok(Some(from_item(item)?)),
            None => Ok(None),
        }
    }

    /// Streams `body` into a new object and commits it. `content_md5`: the raw digest the
    /// client declared (`BadDigest` when it does not match).
    #[allow(clippy::too_many_arguments)]
    pub async fn put(
        &self,
        bucket: &str,
        key: &str,
        body: InStream,
        expected_size: Option<u64>,
        content_md5: Option<[u8; 16]>,
        content: ContentHeaders,
        metadata: BTreeMap<String, String>,
        condition: &WriteCondition,
    ) -> Result<(ObjectRecord, Option<ObjectRecord>)> {
        self.require_bucket(bucket).await?;
        if condition.if_none_match_any || condition.if_match.is_some() {
            // Fail early, before reading the body; checked again at commit.
            condition.check(self.head(bucket, key).await?.as_ref())?;
        }
        let stored = self.store_body(body, expected_size).await?;
        if let Some(md5) = content_md5
            && md5 != stored.md5
        {
            self.delete_blobs(std::slice::from_ref(&stored.segment))
                .await;
            return Err(StorageError::BadDigest);
        }
        let record = ObjectRecord {
            bucket: bucket.to_string(),
            key: key.to_string(),
            size: stored.segment.size,
            etag: hex::encode(stored.md5),
            last_modified: now_ms(),
            version: uuid::Uuid::new_v4().simple().to_string(),
            segments: vec![stored.segment],
            parts_count: None,
            content,
            metadata,
        };
        let old = self.commit(&record, condition, Vec::new()).await?;
        Ok((record, old))
    }

    /// A body of up to [`INLINE_MAX`] bytes becomes an inline segment; a larger one a blob
    /// (the bytes read so far, then the rest of the stream).
    async fn store_body(&self, mut body: InStream, expected_size: Option<u64>) -> Result<Stored> {
        if expected_size.is_none_or(|n| n <= INLINE_MAX as u64) {
            let mut head = bytes::BytesMut::new();
            let mut more: Option<bytes::Bytes> = None;
            while let Some(chunk) = body.next().await {
                let chunk = chunk.map_err(|e| StorageError::from(BlobError::Body(e)))?;
                if head.len() + chunk.len() > INLINE_MAX {
                    more = Some(chunk);
                    break;
                }
                head.extend_from_slice(&chunk);
            }
            match more {
                None => {
                    if expected_size.is_some_and(|n| n != head.len() as u64) {
                        return Err(BlobError::LengthMismatch.into());
                    }
                    use base64::Engine as _;
                    return Ok(Stored {
                        md5: Md5::digest(&head).into(),
                        segment: Segment {
                            blob: String::new(),
                            size: head.len() as u64,
                            inline: Some(base64::engine::general_purpose::STANDARD.encode(&head)),
                        },
                    });
                }
                Some(next) => {
                    let read: Vec<std::result::Result<bytes::Bytes, crate::blob::BoxError>> =
                        vec![Ok(head.freeze()), Ok(next)];
                    body = Box::pin(futures::stream::iter(read).chain(body));
                }
            }
        }
        let blob = self.blobs.put(body, expected_size, MAX_OBJECT_SIZE).await?;
        Ok(Stored {
            md5: blob.md5,
            segment: Segment::blob(blob),
        })
    }

    /// Writes `record` if `condition` holds, replacing the current object atomically (with
    /// `extra` writes in the same transaction); deletes the replaced object's blobs. On failure
    /// the new record's blobs are deleted.
    async fn commit(
        &self,
        record: &ObjectRecord,
        condition: &WriteCondition,
        extra: Vec<WriteOp>,
    ) -> Result<Option<ObjectRecord>> {
        let result = self.commit_inner(record, condition, extra).await;
        match &result {
            Ok(Some(old)) => self.delete_blobs(&old.segments).await,
            Ok(None) => {}
            Err(_) => self.delete_blobs(&record.segments).await,
        }
        result
    }

    async fn commit_inner(
        &self,
        record: &ObjectRecord,
        condition: &WriteCondition,
        extra: Vec<WriteOp>,
    ) -> Result<Option<ObjectRecord>> {
        for _ in 0..64 {
            let current = self.head(&record.bucket, &record.key).await?;
            condition.check(current.as_ref())?;
            let expected_version = current.as_ref().map(|c| c.version.clone());
            let cas = Condition::new(move |item| {
                item.and_then(|i| i.get("version")).and_then(Value::as_str)
                    == expected_version.as_deref()
            });
            let mut ops = vec![WriteOp::Put {
                table: OBJECTS.into(),
                item: to_item(record),
                condition: Some(cas),
            }];
            ops.extend(extra.iter().cloned());
            match self.store.transact(ops).await {
                Ok(_) => return Ok(current),
                Err(StoreError::TransactionCanceled { index: 0, reason })
                    if matches!(*reason, StoreError::ConditionFailed) =>
                {
                    continue;
                }
                Err(StoreError::TransactionCanceled { .. }) => {
                    return Err(StorageError::NoSuchUpload);
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(StorageError::Internal(
            "too many concurrent writes of one key".into(),
        ))
    }

    async fn delete_blobs(&self, segments: &[Segment]) {
        for id in segments.iter().filter_map(Segment::blob_id) {
            if let Err(e) = self.blobs.delete(id).await {
                tracing::warn!(blob = %id, error = %e, "could not delete a blob; garbage collection will");
            }
        }
    }

    /// Deletes an object; returns it (`None`: there was none, which S3 does not report).
    pub async fn delete(&self, bucket: &str, key: &str) -> Result<Option<ObjectRecord>> {
        let old = self
            .store
            .delete(OBJECTS, Key::with_sort(bucket, key), None)
            .await?;
        match old {
            Some(item) => {
                let old: ObjectRecord = from_item(item)?;
                self.delete_blobs(&old.segments).await;
                Ok(Some(old))
            }
            None => Ok(None),
        }
    }

    /// The bytes `start..end` of an object. The first blob is opened before this returns, so a
    /// missing blob (an object replaced meanwhile) is an error here, not mid-body.
    pub async fn read(&self, record: &ObjectRecord, start: u64, end: u64) -> Result<OutStream> {
        let mut pieces = Vec::new();
        let mut offset = 0u64;
        for s in &record.segments {
            let (seg_start, seg_end) = (offset, offset + s.size);
            offset = seg_end;
            if seg_end <= start || seg_start >= end || s.size == 0 {
                continue;
            }
            pieces.push((
                s.clone(),
                start.max(seg_start) - seg_start,
                end.min(seg_end) - seg_start,
            ));
        }
        let mut pieces = pieces.into_iter();
        let Some((first_segment, a, b)) = pieces.next() else {
            return Ok(Box::pin(futures::stream::empty()));
        };
        let blobs = self.blobs.clone();
        let first = open_segment(&blobs, &first_segment, a, b).await?;
        let rest = futures::stream::iter(pieces)
            .then(move |(segment, a, b)| {
                let blobs = blobs.clone();
                async move {
                    open_segment(&blobs, &segment, a, b).await.map_err(|e| {
                        std::io::Error::other(format!("object changed while it was read: {e}"))
                    })
                }
            })
            .try_flatten();
        Ok(Box::pin(first.chain(rest)))
    }

    /// Copies `src` into `dst_bucket/dst_key` (bytes streamed into a new blob), with the given
    /// headers and metadata.
    #[allow(clippy::too_many_arguments)]
    pub async fn copy(
        &self,
        src: &ObjectRecord,
        dst_bucket: &str,
        dst_key: &str,
        content: ContentHeaders,
        metadata: BTreeMap<String, String>,
        condition: &WriteCondition,
    ) -> Result<(ObjectRecord, Option<ObjectRecord>)> {
        self.require_bucket(dst_bucket).await?;
        let body = self.read(src, 0, src.size).await?;
        let body: InStream = Box::pin(body.map_err(|e| Box::new(e) as crate::blob::BoxError));
        let stored = self.store_body(body, Some(src.size)).await?;
        let record = ObjectRecord {
            bucket: dst_bucket.to_string(),
            key: dst_key.to_string(),
            size: stored.segment.size,
            etag: hex::encode(stored.md5),
            last_modified: now_ms(),
            version: uuid::Uuid::new_v4().simple().to_string(),
            segments: vec![stored.segment],
            parts_count: None,
            content,
            metadata,
        };
        let old = self.commit(&record, condition, Vec::new()).await?;
        Ok((record, old))
    }

    /// One page of keys under `query.prefix` in key order, rolled up at the delimiter; `keep`
    /// decides (for authorization) which keys and common prefixes the caller sees.
    pub async fn list(
        &self,
        bucket: &str,
        query: &ListQuery,
        keep: impl Fn(&str) -> bool,
    ) -> Result<ListPage> {
        self.require_bucket(bucket).await?;
        let mut page = ListPage::default();
        if query.max_keys == 0 {
            return Ok(page);
        }
        let prefix = query.prefix.as_str();
        let delimiter = query.delimiter.as_deref().filter(|d| !d.is_empty());
        let common_prefix_of = |key: &str| -> Option<String> {
            let d = delimiter?;
            let rest = key.get(prefix.len()..)?;
            rest.find(d)
                .map(|i| key[..prefix.len() + i + d.len()].to_string())
        };
        // Where to start.
        let mut lower = SortCondition::Ge(KeyValue::from(prefix));
        if let Some(sa) = &query.start_after
            && sa.as_str() >= prefix
        {
            lower = SortCondition::Gt(KeyValue::from(sa.as_str()));
        }
        if let Some(last) = &query.resume_after {
            lower = match common_prefix_of(last) {
                Some(cp) if cp == *last => match prefix_successor(&cp) {
                    Some(s) => SortCondition::Ge(KeyValue::from(s)),
                    None => return Ok(page),
                },
                _ => SortCondition::Gt(KeyValue::from(last.as_str())),
            };
        }
        let batch = (query.max_keys + 1).clamp(100, 1000);
        let mut count = 0usize;
        let mut last_returned: Option<String> = None;
        'outer: loop {
            let result = self
                .store
                .query(
                    OBJECTS,
                    &Query::new(bucket).sort(lower.clone()).limit(batch),
                )
                .await?;
            let more = result.last_evaluated_key.is_some();
            let mut last_key = None;
            for item in result.items {
                let record: ObjectRecord = from_item(item)?;
                if !record.key.starts_with(prefix) {
                    break 'outer;
                }
                if let Some(cp) = common_prefix_of(&record.key) {
                    if keep(&cp) {
                        if count == query.max_keys {
                            page.next = last_returned.clone();
                            break 'outer;
                        }
                        page.common_prefixes.push(cp.clone());
                        count += 1;
                        last_returned = Some(cp.clone());
                    }
                    match prefix_successor(&cp) {
                        Some(s) => lower = SortCondition::Ge(KeyValue::from(s)),
                        None => break 'outer,
                    }
                    continue 'outer;
                }
                last_key = Some(record.key.clone());
                if !keep(&record.key) {
                    continue;
                }
                if count == query.max_keys {
                    page.next = last_returned.clone();
                    break 'outer;
                }
                count += 1;
                last_returned = Some(record.key.clone());
                page.objects.push(record);
            }
            match (more, last_key) {
                (true, Some(k)) => lower = SortCondition::Gt(KeyValue::from(k)),
                _ => break,
            }
        }
        Ok(page)
    }

    // ---- multipart uploads

    pub async fn create_upload(
        &self,
        bucket: &str,
        key: &str,
        content: ContentHeaders,
        metadata: BTreeMap<String, String>,
    ) -> Result<UploadRecord> {
        self.require_bucket(bucket).await?;
        let mut id_bytes = [0u8; 32];
        getrandom::fill(&mut id_bytes).map_err(|e| StorageError::Internal(e.to_string()))?;
        let record = UploadRecord {
            bucket: bucket.to_string(),
            upload_id: hex::encode(id_bytes),
            key: key.to_string(),
            initiated: now_ms(),
            content,
            metadata,
        };
        self.store
            .put(UPLOADS, to_item(&record), Some(Condition::not_exists()))
            .await?;
        Ok(record)
    }

    pub async fn upload(&self, bucket: &str, key: &str, upload_id: &str) -> Result<UploadRecord> {
        match self
            .store
            .get(UPLOADS, &Key::with_sort(bucket, upload_id))
            .await?
        {
            Some(item) => {
                let u: UploadRecord = from_item(item)?;
                if u.key != key {
                    return Err(StorageError::NoSuchUpload);
                }
                Ok(u)
            }
            None => Err(StorageError::NoSuchUpload),
        }
    }

    /// Stores a part (replacing one of the same number).
    pub async fn put_part(
        &self,
        upload: &UploadRecord,
        part_number: i32,
        body: InStream,
        expected_size: Option<u64>,
        content_md5: Option<[u8; 16]>,
    ) -> Result<PartRecord> {
        if !(1..=MAX_PART_NUMBER).contains(&part_number) {
            return Err(StorageError::InvalidRequest(format!(
                "part number must be an integer between 1 and {MAX_PART_NUMBER}, inclusive"
            )));
        }
        let blob: BlobInfo = self.blobs.put(body, expected_size, MAX_PART_SIZE).await?;
        if let Some(md5) = content_md5
            && md5 != blob.md5
        {
            let _ = self.blobs.delete(&blob.id).await;
            return Err(StorageError::BadDigest);
        }
        let part = PartRecord {
            upload_id: upload.upload_id.clone(),
            part_number,
            blob: blob.id.clone(),
            size: blob.size,
            etag: hex::encode(blob.md5),
            last_modified: now_ms(),
        };
        let old = self
            .store
            .get(
                PARTS,
                &Key::with_sort(upload.upload_id.as_str(), part_number as i64),
            )
            .await?;
        let ops = vec![
            WriteOp::Check {
                table: UPLOADS.into(),
                key: Key::with_sort(upload.bucket.as_str(), upload.upload_id.as_str()),
                condition: Condition::exists(),
            },
            WriteOp::Put {
                table: PARTS.into(),
                item: to_item(&part),
                condition: None,
            },
        ];
        if let Err(e) = self.store.transact(ops).await {
            let _ = self.blobs.delete(&blob.id).await;
            return Err(match e {
                StoreError::TransactionCanceled { index: 0, .. } => StorageError::NoSuchUpload,
                e => e.into(),
            });
        }
        if let Some(old) = old {
            let old: PartRecord = from_item(old)?;
            if old.blob != part.blob {
                let _ = self.blobs.delete(&old.blob).await;
            }
        }
        Ok(part)
    }

    /// All parts of an upload, by part number.
    pub async fn parts(&self, upload_id: &str) -> Result<Vec<PartRecord>> {
        let mut out = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .store
                .query(PARTS, &Query::new(upload_id).limit(1000).start(start))
                .await?;
            for item in page.items {
                out.push(from_item(item)?);
            }
            match page.last_evaluated_key {
                Some(k) => start = Some(k),
                None => break,
            }
        }
        Ok(out)
    }

    /// Assembles the listed parts into the object, atomically removing the upload.
    pub async fn complete_upload(
        &self,
        upload: &UploadRecord,
        requested: &[(i32, Option<String>)],
        condition: &WriteCondition,
    ) -> Result<(ObjectRecord, Option<ObjectRecord>)> {
        if requested.is_empty() {
            return Err(StorageError::InvalidRequest(
                "you must specify at least one part".into(),
            ));
        }
        let parts = self.parts(&upload.upload_id).await?;
        let by_number: BTreeMap<i32, &PartRecord> =
            parts.iter().map(|p| (p.part_number, p)).collect();
        let mut chosen: Vec<&PartRecord> = Vec::with_capacity(requested.len());
        let mut previous = 0;
        for (number, etag) in requested {
            if *number <= previous {
                return Err(StorageError::InvalidPartOrder);
            }
            previous = *number;
            let Some(part) = by_number.get(number) else {
                return Err(StorageError::InvalidPart(format!(
                    "part {number} was not uploaded"
                )));
            };
            if let Some(etag) = etag {
                let etag = etag.trim().trim_matches('"');
                if !etag.eq_ignore_ascii_case(&part.etag) {
                    return Err(StorageError::InvalidPart(format!(
                        "part {number}'s ETag does not match"
                    )));
                }
            }
            chosen.push(part);
        }
        for part in &chosen[..chosen.len() - 1] {
            if part.size < MIN_PART_SIZE {
                return Err(StorageError::EntityTooSmall);
            }
        }
        let md5s: Vec<[u8; 16]> = chosen
            .iter()
            .map(|p| {
                let mut d = [0u8; 16];
                hex::decode_to_slice(&p.etag, &mut d).map(|_| d)
            })
            .collect::<Result<_, _>>()
            .map_err(|e| StorageError::Internal(format!("corrupt part record: {e}")))?;
        let record = ObjectRecord {
            bucket: upload.bucket.clone(),
            key: upload.key.clone(),
            size: chosen.iter().map(|p| p.size).sum(),
            etag: multipart_etag(&md5s),
            last_modified: now_ms(),
            version: uuid::Uuid::new_v4().simple().to_string(),
            segments: chosen
                .iter()
                .map(|p| Segment {
                    blob: p.blob.clone(),
                    size: p.size,
                    inline: None,
                })
                .collect(),
            parts_count: Some(chosen.len() as u32),
            content: upload.content.clone(),
            metadata: upload.metadata.clone(),
        };
        let mut extra = vec![WriteOp::Delete {
            table: UPLOADS.into(),
            key: Key::with_sort(upload.bucket.as_str(), upload.upload_id.as_str()),
            condition: Some(Condition::exists()),
        }];
        for p in &parts {
            extra.push(WriteOp::Delete {
                table: PARTS.into(),
                key: Key::with_sort(upload.upload_id.as_str(), p.part_number as i64),
                condition: None,
            });
        }
        // Not `commit`: on failure the part blobs stay with the upload.
        let old = self.commit_inner(&record, condition, extra).await?;
        if let Some(old) = &old {
            self.delete_blobs(&old.segments).await;
        }
        let used: std::collections::HashSet<&str> =
            chosen.iter().map(|p| p.blob.as_str()).collect();
        for p in &parts {
            if !used.contains(p.blob.as_str()) {
                let _ = self.blobs.delete(&p.blob).await;
            }
        }
        Ok((record, old))
    }

    pub async fn abort_upload(&self, upload: &UploadRecord) -> Result<()> {
        let parts = self.parts(&upload.upload_id).await?;
        let mut ops = vec![WriteOp::Delete {
            table: UPLOADS.into(),
            key: Key::with_sort(upload.bucket.as_str(), upload.upload_id.as_str()),
            condition: Some(Condition::exists()),
        }];
        for p in &parts {
            ops.push(WriteOp::Delete {
                table: PARTS.into(),
                key: Key::with_sort(upload.upload_id.as_str(), p.part_number as i64),
                condition: None,
            });
        }
        match self.store.transact(ops).await {
            Ok(_) => {}
            Err(StoreError::TransactionCanceled { index: 0, .. }) => {
                return Err(StorageError::NoSuchUpload);
            }
            Err(e) => return Err(e.into()),
        }
        for p in parts {
            let _ = self.blobs.delete(&p.blob).await;
        }
        Ok(())
    }

    /// The uploads in progress in a bucket, by key then initiation.
    pub async fn uploads(&self, bucket: &str) -> Result<Vec<UploadRecord>> {
        let mut out: Vec<UploadRecord> = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .store
                .query(UPLOADS, &Query::new(bucket).limit(1000).start(start))
                .await?;
            for item in page.items {
                out.push(from_item(item)?);
            }
            match page.last_evaluated_key {
                Some(k) => start = Some(k),
                None => break,
            }
        }
        out.sort_by(|a, b| {
            a.key
                .cmp(&b.key)
                .then(a.initiated.cmp(&b.initiated))
                .then(a.upload_id.cmp(&b.upload_id))
        });
        Ok(out)
    }

    /// Deletes blobs no record refers to (leftovers of crashes between a blob write and its
    /// commit, or of failed deletes). Returns how many were removed. Run it when no write is
    /// in flight (at start).
    pub async fn collect_garbage(&self) -> Result<usize> {
        let mut referenced = std::collections::HashSet::new();
        let mut start = None;
        loop {
            let page = self.store.scan(OBJECTS, Some(1000), start.as_ref()).await?;
            for item in page.items {
                let r: ObjectRecord = from_item(item)?;
                referenced.extend(
                    r.segments
                        .iter()
                        .filter_map(Segment::blob_id)
                        .map(str::to_string),
                );
            }
            match page.last_evaluated_key {
                Some(k) => start = Some(k),
                None => break,
            }
        }
        let mut start = None;
        loop {
            let page = self.store.scan(PARTS, Some(1000), start.as_ref()).await?;
            for item in page.items {
                let p: PartRecord = from_item(item)?;
                referenced.insert(p.blob);
            }
            match page.last_evaluated_key {
                Some(k) => start = Some(k),
                None => break,
            }
        }
        let mut removed = 0;
        for id in self.blobs.list().await? {
            if !referenced.contains(&id) {
                self.blobs.delete(&id).await?;
                removed += 1;
            }
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn successor() {
        assert_eq!(prefix_successor("a/").as_deref(), Some("a0"));
        assert_eq!(prefix_successor("").as_deref(), None);
        assert_eq!(prefix_successor("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(prefix_successor("\u{D7FF}").as_deref(), Some("\u{E000}"));
    }

    #[test]
    fn multipart_etag_form() {
        let a: [u8; 16] = Md5::digest(b"a").into();
        let b: [u8; 16] = Md5::digest(b"b").into();
        let etag = multipart_etag(&[a, b]);
        assert!(etag.ends_with("-2") && etag.len() == 34, "{etag}");
    }
}
