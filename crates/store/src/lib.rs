//! DESIGN NOTES (filled in below)

mod error;
pub mod sqlite;
mod types;

use std::ops::Deref;
use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;

pub use error::{Result, StoreError};
pub use sqlite::SqliteStore;
pub use types::{
    Changes, Condition, IndexSchema, Item, Key, KeyValue, Page, Query, SortCondition, TableSchema,
    WriteOp,
};

/// What the data service needs from a database. SQLite ([`SqliteStore`]) implements it now,
/// PostgreSQL later; nothing in it is specific to either.
///
/// Only `transact` writes; `put`, `update` and `delete` are one-operation transactions whose
/// error is the operation's own (`ConditionFailed`, not `TransactionCanceled`).
#[async_trait]
pub trait DocumentStore: Send + Sync + 'static {
    /// Creates the table, or brings its indexes to `schema`. Idempotent, and never
    /// destructive: a new index is filled from the existing items before this returns; a
    /// removed index only loses its entries. Changing the primary key attributes of an existing
    /// table is a [`StoreError::SchemaConflict`].
    async fn ensure_table(&self, schema: &TableSchema) -> Result<()>;

    /// Deletes a table and its items. Returns whether it existed.
    async fn drop_table(&self, table: &str) -> Result<bool>;

    /// The schemas of all tables, by name.
    async fn tables(&self) -> Result<Vec<TableSchema>>;

    async fn get(&self, table: &str, key: &Key) -> Result<Option<Item>>;

    /// One page of one partition of the table or of an index, in sort key order (then primary
    /// key order for equal index keys).
    async fn query(&self, table: &str, query: &Query) -> Result<Page>;

    /// One page of the whole table, in primary key order.
    async fn scan(
        &self,
        table: &str,
        limit: Option<usize>,
        exclusive_start_key: Option<&Item>,
    ) -> Result<Page>;

    /// All operations or none, atomically: every condition is evaluated against the state
    /// inside the transaction before anything is written. Returns one result per operation
    /// (see [`WriteOp`]). An operation's failure is
    /// [`StoreError::TransactionCanceled`] with its index.
    async fn transact(&self, ops: Vec<WriteOp>) -> Result<Vec<Option<Item>>>;

    /// Creates or replaces a whole item.
    async fn put(&self, table: &str, item: Item, condition: Option<Condition>) -> Result<()> {
        let op = WriteOp::Put {
            table: table.to_owned(),
            item,
            condition,
        };
        single(self.transact(vec![op]).await).map(|_| ())
    }

    /// Sets and removes attributes; creates the item when it does not exist unless the
    /// condition says otherwise. Returns the new item.
    async fn update(
        &self,
        table: &str,
        key: Key,
        changes: Changes,
        condition: Option<Condition>,
    ) -> Result<Item> {
        let op = WriteOp::Update {
            table: table.to_owned(),
            key,
            changes,
            condition,
        };
        single(self.transact(vec![op]).await)?
            .ok_or_else(|| StoreError::backend("update returned no item"))
    }

    /// Deletes an item; returns it (`None`: there was none, which is not an error).
    async fn delete(
        &self,
        table: &str,
        key: Key,
        condition: Option<Condition>,
    ) -> Result<Option<Item>> {
        let op = WriteOp::Delete {
            table: table.to_owned(),
            key,
            condition,
        };
        single(self.transact(vec![op]).await)
    }
}

fn single(result: Result<Vec<Option<Item>>>) -> Result<Option<Item>> {
    match result {
        Ok(mut results) => Ok(results.pop().flatten()),
        Err(StoreError::TransactionCanceled { reason, .. }) => Err(*reason),
        Err(e) => Err(e),
    }
}

/// A cheap, cloneable handle on a store; derefs to [`DocumentStore`].
#[derive(Clone)]
pub struct Store(Arc<dyn DocumentStore>);

impl Store {
    /// The embedded SQLite store in the file at `path` (created with its parent folders).
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        Ok(Store(Arc::new(SqliteStore::open(path)?)))
    }

    /// A private SQLite database in memory, for tests.
    pub fn open_in_memory() -> Result<Store> {
        Ok(Store(Arc::new(SqliteStore::open_in_memory()?)))
    }

    pub fn from_backend(backend: Arc<dyn DocumentStore>) -> Store {
        Store(backend)
    }
}

impl Deref for Store {
    type Target = dyn DocumentStore;

    fn deref(&self) -> &Self::Target {
        &*self.0
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}
