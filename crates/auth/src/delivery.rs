//! Code delivery: verification, reset and (later) MFA codes leave the pool through a
//! [`CodeDelivery`]. The sandbox prints them and keeps them in a [`Mailbox`] that
//! `GET /_ampbase/mailbox` lists; SMTP delivery is a later implementation of the same trait.

use std::sync::{Arc, Mutex};

use ampbase_store::{Item, Key, Query, Store, TableSchema};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::error::AuthResult;

pub const MAILBOX_TABLE: &str = "cognito_mailbox";

/// One delivered message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    /// Sortable id: creation time in microseconds (strictly increasing per process), zero-padded,
    /// then a random suffix.
    pub id: String,
    /// RFC 3339.
    pub created_at: String,
    pub user_pool_id: String,
    /// The user's (internal) username.
    pub username: String,
    /// `EMAIL` or `SMS`.
    pub delivery_medium: String,
    /// `email` or `phone_number`.
    pub attribute_name: String,
    /// The address or number the message went to.
    pub destination: String,
    /// `SIGN_UP`, `RESEND_CODE`, `FORGOT_PASSWORD`, `VERIFY_USER_ATTRIBUTE`, `UPDATE_USER_ATTRIBUTE`.
    pub purpose: String,
    pub subject: Option<String>,
    pub body: String,
    pub code: String,
}

/// Sends codes to users.
#[async_trait]
pub trait CodeDelivery: Send + Sync + 'static {
    async fn deliver(&self, message: &Message) -> AuthResult<()>;

    /// The local mailbox, when this delivery keeps one.
    fn mailbox(&self) -> Option<&Mailbox> {
        None
    }
}

/// Messages kept locally: the latest in memory, all of them in the store (so they survive
/// restarts and are visible to every replica).
pub struct Mailbox {
    store: Store,
    recent: Mutex<Vec<Message>>,
}

const RECENT: usize = 200;

impl Mailbox {
    pub fn new(store: Store) -> Mailbox {
        Mailbox {
            store,
            recent: Mutex::new(Vec::new()),
        }
    }

    pub async fn ensure_table(&self) -> AuthResult<()> {
        self.store
            .ensure_table(&TableSchema::new(MAILBOX_TABLE, "pool").with_sort_key("id"))
            .await?;
        Ok(())
    }

    pub async fn push(&self, message: &Message) -> AuthResult<()> {
        let mut item = match serde_json::to_value(message) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => Item::new(),
        };
        item.insert("pool".into(), message.user_pool_id.clone().into());
        self.store.put(MAILBOX_TABLE, item, None).await?;
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        recent.push(message.clone());
        if recent.len() > RECENT {
            recent.remove(0);
        }
        Ok(())
    }

    /// Messages of a pool, newest first; `to` filters by destination (case-insensitive).
    pub async fn list(
        &self,
        user_pool_id: &str,
        to: Option<&str>,
        limit: usize,
    ) -> AuthResult<Vec<Message>> {
        let mut out = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .store
                .query(
                    MAILBOX_TABLE,
                    &Query::new(user_pool_id)
                        .forward(false)
                        .limit(100)
                        .start(start),
                )
                .await?;
            for item in page.items {
                let Ok(m) = serde_json::from_value::<Message>(serde_json::Value::Object(item))
                else {
                    continue;
                };
                if to.is_none_or(|t| m.destination.eq_ignore_ascii_case(t)) {
                    out.push(m);
                    if out.len() >= limit {
                        return Ok(out);
                    }
                }
            }
            match page.last_evaluated_key {
                Some(k) => start = Some(k),
                None => return Ok(out),
            }
        }
    }

    /// Recent messages held in memory (any pool), newest first.
    pub fn recent(&self) -> Vec<Message> {
        let recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        recent.iter().rev().cloned().collect()
    }

    pub async fn clear(&self, user_pool_id: &str) -> AuthResult<()> {
        for m in self.list(user_pool_id, None, usize::MAX).await? {
            self.store
                .delete(
                    MAILBOX_TABLE,
                    Key::with_sort(user_pool_id, m.id.as_str()),
                    None,
                )
                .await?;
        }
        self.recent
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|m| m.user_pool_id != user_pool_id);
        Ok(())
    }
}

/// The sandbox's delivery: prints `[auth] verification code for <destination>: <code>` on
/// standard output and keeps the message in the mailbox. Nothing leaves the machine.
pub struct SandboxDelivery {
    mailbox: Mailbox,
    print: bool,
}

impl SandboxDelivery {
    pub fn new(store: Store) -> Arc<SandboxDelivery> {
        Arc::new(SandboxDelivery {
            mailbox: Mailbox::new(store),
            print: true,
        })
    }

    /// Keeps messages in the mailbox without printing them (tests).
    pub fn quiet(store: Store) -> Arc<SandboxDelivery> {
        Arc::new(SandboxDelivery {
            mailbox: Mailbox::new(store),
            print: false,
        })
    }
}

#[async_trait]
impl CodeDelivery for SandboxDelivery {
    async fn deliver(&self, message: &Message) -> AuthResult<()> {
        if self.print {
            if message.purpose == "ADMIN_CREATE_USER" {
                // A password: only the mailbox shows it.
                println!(
                    "[auth] invitation for {} (temporary password in the mailbox)",
                    message.destination
                );
            } else {
                println!(
                    "[auth] verification code for {}: {}",
                    message.destination, message.code
                );
            }
        }
        self.mailbox.push(message).await
    }

    fn mailbox(&self) -> Option<&Mailbox> {
        Some(&self.mailbox)
    }
}
