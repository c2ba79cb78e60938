//! Mutation events: per-model fan-out to in-process subscribers.
//!
//! One `tokio::sync::broadcast` channel per model. A mutation publishes one
//! `Arc<MutationEvent>` (no copy per subscriber); each subscriber's stream receives the `Arc`,
//! checks kind, authorization, filter and arguments, and clones the record only when it
//! delivers it. Writers never wait for subscribers: a subscriber that falls more than
//! [`CHANNEL_CAPACITY`] events behind loses the oldest ones (it skips ahead) rather than
//! slowing anyone down.
//!
//! [`EventHub::publish`] is also the entry point for events from elsewhere (another replica's
//! mutations relayed over a bus); [`EventHub::tap`] gives every local mutation to such a relay.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value};
use tokio::sync::broadcast;

use crate::api::MutationKind;

pub const CHANNEL_CAPACITY: usize = 4096;

/// One mutation of one record.
#[derive(Debug, Clone, PartialEq)]
pub struct MutationEvent {
    pub model: String,
    pub kind: MutationKind,
    /// The record as stored (the new one; for deletes the deleted one).
    pub record: Map<String, Value>,
}

pub struct EventHub {
    channels: HashMap<String, broadcast::Sender<Arc<MutationEvent>>>,
    all: broadcast::Sender<Arc<MutationEvent>>,
}

impl EventHub {
    pub fn new<'a>(models: impl Iterator<Item = &'a str>) -> Self {
        let channels = models
            .map(|m| (m.to_string(), broadcast::channel(CHANNEL_CAPACITY).0))
            .collect();
        EventHub {
            channels,
            all: broadcast::channel(CHANNEL_CAPACITY).0,
        }
    }

    /// Delivers an event to the model's subscribers. Returns whether the model is known.
    pub fn publish(&self, event: MutationEvent) -> bool {
        let Some(tx) = self.channels.get(&event.model) else {
            return false;
        };
        let event = Arc::new(event);
        // No receivers is not an error.
        let _ = tx.send(event.clone());
        true
    }

    /// Local mutations only (not those given to [`EventHub::publish`] from elsewhere) go to
    /// the tap as well, for a relay to other replicas.
    pub fn publish_local(&self, event: MutationEvent) {
        let event = Arc::new(event);
        if let Some(tx) = self.channels.get(&event.model) {
            let _ = tx.send(event.clone());
        }
        let _ = self.all.send(event);
    }

    pub fn receiver(&self, model: &str) -> Option<broadcast::Receiver<Arc<MutationEvent>>> {
        self.channels.get(model).map(|tx| tx.subscribe())
    }

    pub fn tap(&self) -> broadcast::Receiver<Arc<MutationEvent>> {
        self.all.subscribe()
    }
}
