//! The store's error type: what the data service maps to AppSync's error types.

/// Everything a store operation can fail with. The first variants are the caller's to
/// handle (AppSync surfaces them as `DynamoDB:ConditionalCheckFailedException`,
/// `ValidationException`, …); `Backend` and `Closed` are internal.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A write's condition was false for the current item (DynamoDB's
    /// `ConditionalCheckFailedException`).
    #[error("the conditional request failed")]
    ConditionFailed,
    /// An operation of [`crate::DocumentStore::transact`] failed; nothing was written.
    #[error("transaction cancelled: operation {index} failed: {reason}")]
    TransactionCanceled {
        index: usize,
        reason: Box<StoreError>,
    },
    #[error("table {0} does not exist")]
    NoSuchTable(String),
    #[error("table {table} has no index {index}")]
    NoSuchIndex { table: String, index: String },
    /// A key is missing an attribute, has one too many, or has a value that is neither a
    /// string nor a number.
    #[error("invalid key: {0}")]
    InvalidKey(String),
    /// The exclusive start key does not fit the query (a tampered or stale `nextToken`).
    #[error("invalid start key: {0}")]
    InvalidStartKey(String),
    #[error("invalid query: {0}")]
    InvalidQuery(String),
    /// The update touches a key attribute, or sets and removes the same attribute.
    #[error("invalid update: {0}")]
    InvalidUpdate(String),
    /// Two operations of one transaction name the same item.
    #[error("invalid transaction: {0}")]
    InvalidTransaction(String),
    /// `ensure_table` with a schema the stored table cannot take without losing data: the
    /// primary key attributes changed. Drop the table explicitly to re-key it.
    #[error("schema conflict: {0}")]
    SchemaConflict(String),
    /// The database failed (I/O, corruption, a panic in a condition, …).
    #[error("storage failure: {0}")]
    Backend(Box<dyn std::error::Error + Send + Sync>),
    /// The store is shutting down.
    #[error("the store is closed")]
    Closed,
}

impl StoreError {
    pub(crate) fn backend(message: impl Into<String>) -> Self {
        StoreError::Backend(message.into().into())
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
