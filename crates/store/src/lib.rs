//! Persistence for ampbase's services: Amplify model records as JSON documents, keyed and
//! indexed the way Amplify's DynamoDB tables key them, with DynamoDB's semantics.
//!
//! The data service calls [`DocumentStore`] (through the cloneable [`Store`] handle); SQLite
//! ([`SqliteStore`], embedded, the default) implements it now, PostgreSQL later. No GraphQL,
//! HTTP or SQL crosses the trait.
//!
//! # Model
//!
//! * A table ([`TableSchema`]) names the attributes of its partition key, optional sort key
//!   and global secondary indexes. The data service computes composite keys itself (an
//!   attribute `status#title` holding `"PUBLISHED#Hello"`); the store indexes attributes.
//! * Key values are strings or numbers ([`KeyValue`], DynamoDB's `S`/`N`): strings order by
//!   UTF-8 bytes, numbers numerically. A sort condition on a string never matches numbers and
//!   the reverse, as with a typed DynamoDB key. Indexes are sparse: an item without the
//!   index's key attributes (or with a `null`, boolean, object there) is not in it.
//! * Writes take an optional [`Condition`], a predicate over the current item evaluated inside
//!   the write transaction: [`StoreError::ConditionFailed`] is exact under any concurrency
//!   (test: 16 concurrent creates of one key, exactly one wins, 20 rounds; 8 tasks doing
//!   optimistic read-modify-write lose no increment). [`DocumentStore::transact`] runs several
//!   writes and checks all-or-nothing, like `TransactWriteItems`.
//! * [`Page::last_evaluated_key`] holds the key attributes of the last item (index key plus
//!   table key for an index query), a plain JSON object the data service can encode as an
//!   opaque `nextToken`. Unlike DynamoDB it is set only when another item follows, so a client
//!   never fetches an empty last page. A start key outside the partition is
//!   [`StoreError::InvalidStartKey`].
//! * `update` is DynamoDB's `UpdateItem`: it creates a missing item unless the condition says
//!   otherwise (the data service passes [`Condition::exists`]); key attributes cannot change.
//! * Schema evolution never loses data: [`DocumentStore::ensure_table`] with a new index fills
//!   it from the stored items in the same transaction; a removed index only loses its
//!   entries; a changed primary key is a [`StoreError::SchemaConflict`] for the caller to
//!   decide (`drop_table`).
//!
//! # SQLite layout
//!
//! One file, five tables: `store_tables` and `store_indexes` (the catalog, name → id and
//! the schema as JSON), `store_items (t, pk, sk, doc)` with primary key `(t, pk, sk)`, and
//! `store_index_entries (ix, ipk, isk, pk, sk)` with primary key `(ix, ipk, isk, pk, sk)`,
//! both `WITHOUT ROWID` (the row is the B-tree entry: a get is one B-tree search). Key
//! columns have no declared type, so SQLite keeps INTEGER/REAL/TEXT as given and orders them
//! exactly as DynamoDB orders one type (numbers numerically, text by `memcmp`); a table
//! without a sort key stores `''` as `sk`. Documents are JSON text.
//!
//! Index entries are rows written in the same transaction as their item, not expression
//! indexes on `json_extract(doc, '$.attr')`:
//! * order is exact: the entry holds the typed value computed by the same code as the table
//!   key, where `json_extract` on an Amplify attribute name like `status#title` needs path
//!   quoting, and an expression index needs per-table DDL (`CREATE INDEX … WHERE t = 7`) whose
//!   partial-index matching only works with literal SQL per table;
//! * ties in an index sort key are ordered by the primary key, and a page resumes with the
//!   row value `(isk, pk, sk) > (?, ?, ?)`, which SQLite serves as one index range (no gaps, no
//!   duplicates, no re-reading earlier pages);
//! * adding, changing or dropping an index is a DML backfill or delete, no DDL, which is what
//!   PostgreSQL wants too: the same two tables there, with `(pk_n numeric, pk_s text COLLATE
//!   "C")`-style typed key columns (or an order-preserving byte encoding in `bytea`) for
//!   DynamoDB's order, and `jsonb` documents. Conditions map to `SELECT … FOR UPDATE` inside
//!   the transaction.
//!
//! Every read is one statement over a primary key: get `SEARCH USING PRIMARY KEY (t=? AND pk=?
//! AND sk=?)`, queries a range of `(t, pk, sk)` or of `(ix, ipk, isk, pk, sk)` joined to the
//! item by its key, scans a range of `(t, pk, sk)`; no table scan and no sort step (the plan
//! test checks `EXPLAIN QUERY PLAN` for every condition, direction and resume). SQLite's query
//! planner stability guarantee is on: otherwise every range or join statement was re-prepared
//! on each call.
//!
//! # Concurrency and speed
//!
//! WAL mode, `synchronous = NORMAL`: a commit survives a process crash (and is atomic: a
//! crash never leaves half an item or half its index entries); the last commits before a
//! power loss may be lost, never corrupted. Numbers below are `store_bench` (release, 2 tokio
//! workers on the 2-core reference machine shared with other builds, 10,000 items of ~300
//! bytes with one index, file database):
//!
//! * **Reads run on the caller's thread**, on a pooled reader connection (`Mutex<Vec<_>>`,
//!   8 kept idle, more opened on demand), with cached statements. A get costs 4–7 µs
//!   (150,000/s from one task, 300,000/s from 64); through `spawn_blocking` it was 20 µs p50
//!   from one task and 670 µs p50 / 19 ms p99 at 64 tasks (38,000/s), so the hop costs more
//!   than the work. Queries and scans of more than 100 items use
//!   `tokio::task::block_in_place` on a multi-threaded runtime so one large page does not stall
//!   other tasks of the worker. A limit-20 index query: 60 µs, 15,000–28,000/s.
//! * **One writer thread** owns the only writing connection and takes jobs from a channel,
//!   replying through a oneshot after the commit. The write jobs that queued up together
//!   commit in one transaction (up to 256): each job is planned (read, check conditions,
//!   build documents) before anything is written, so a failed condition does not disturb
//!   the others; if SQLite fails mid-write the batch rolls back and each job is retried alone.
//!   Creates with a condition: 7,400–9,900/s from one task (54–90 µs p50), 11,600–14,800/s
//!   from 64 (two runs).
//! * **Checkpoints leave the writer**: a checkpoint thread copies the WAL back once it passes
//!   1,000 pages; the writer checkpoints itself only past 4,000 pages, which is what makes
//!   the log restart instead of growing (it reached 1.3 GB without). That checkpoint's `fsync`
//!   is the create p99 at 64 tasks (tens of ms on this disk).
//!
//! Known limits: integers beyond `i64` order with `f64` precision (DynamoDB keeps 38
//! digits); a put replaces the whole document; there are no item size limits yet.

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
