//! The embedded SQLite store: one writer thread, a pool of reader connections, reads on the
//! caller's thread. The layout and the reasons are in the crate documentation.

mod keys;
mod read;
mod write;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::thread::JoinHandle;
use std::time::Duration;

use async_trait::async_trait;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use tokio::sync::oneshot;

use crate::DocumentStore;
use crate::error::{Result, StoreError};
use crate::types::{IndexSchema, Item, Key, Page, Query, TableSchema, WriteOp};

use keys::SqlKey;
use write::Job;

/// The database layout. `t` and `ix` are the ids of `store_tables` and `store_indexes`; key
/// columns have no declared type, so SQLite keeps each value's own type (no affinity
/// conversion) and orders them as keys::SqlKey::sql_cmp describes.
const LAYOUT: &str = "
CREATE TABLE IF NOT EXISTS store_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS store_tables (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    schema TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS store_indexes (
    id INTEGER PRIMARY KEY,
    table_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    UNIQUE (table_id, name)
);
CREATE TABLE IF NOT EXISTS store_items (
    t INTEGER NOT NULL,
    pk NOT NULL,
    sk NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (t, pk, sk)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS store_index_entries (
    ix INTEGER NOT NULL,
    ipk NOT NULL,
    isk NOT NULL,
    pk NOT NULL,
    sk NOT NULL,
    PRIMARY KEY (ix, ipk, isk, pk, sk)
) WITHOUT ROWID;
INSERT OR IGNORE INTO store_meta (key, value) VALUES ('format', '1');
";

/// The layout version this code reads and writes.
const FORMAT: &str = "1";

/// Reader connections kept open. Reads run on the caller's thread, so at most one per
/// tokio worker and blocking thread is in use at a time; more are opened on demand and
/// closed when returned beyond this number.
const IDLE_READERS: usize = 8;

const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// WAL size (pages) from which the checkpoint thread copies the log back into the database.
/// SQLite's own automatic checkpoint runs, with its `fsync`, on the writer thread inside a
/// commit: with it, creates at 64 concurrent tasks spent 28% of the writer's time
/// checkpointing (`perf`), at 5,400–9,500 creates/s. A PASSIVE checkpoint from another
/// connection runs beside the writer without blocking it (10,000–15,000 creates/s).
const CHECKPOINT_PAGES: i32 = 1_000;

/// WAL size (pages) from which the writer checkpoints itself. Under sustained writes the
/// checkpoint thread never catches up with the last frame, so the log never restarts and grows
/// without bound (1.3 GB in a 20-second benchmark); a checkpoint on the writer, which adds no
/// frame meanwhile, completes, and the next commit restarts the log from its beginning. The
/// thread has usually copied most frames already, so this costs the writer mostly the `fsync`.
const WRITER_CHECKPOINT_PAGES: i32 = 4_000;

/// Memory-mapped I/O for reads: pages come straight from the OS page cache without a
/// `pread` and a copy each.
const MMAP_SIZE: i64 = 256 << 20;

pub(crate) const GET_SQL: &str = "SELECT doc FROM store_items WHERE t = ?1 AND pk = ?2 AND sk = ?3";

/// A stored table, as the catalog knows it.
#[derive(Debug)]
pub(crate) struct TableMeta {
    pub id: i64,
    pub schema: TableSchema,
    /// In the order of `schema.indexes`.
    pub indexes: Vec<IndexMeta>,
}

#[derive(Debug, Clone)]
pub(crate) struct IndexMeta {
    pub id: i64,
    pub schema: IndexSchema,
}

impl TableMeta {
    fn index(&self, name: &str) -> Option<&IndexMeta> {
        self.indexes.iter().find(|i| i.schema.name == name)
    }
}

/// State the writer thread and the readers share.
pub(crate) struct Shared {
    /// Replaced only by the writer thread, after the change committed.
    catalog: RwLock<HashMap<String, Arc<TableMeta>>>,
    writer: Mutex<Connection>,
    /// `None` in memory: reads use the writer's connection.
    readers: Option<ReaderPool>,
}

impl Shared {
    pub(crate) fn table(&self, name: &str) -> Result<Arc<TableMeta>> {
        read_lock(&self.catalog)
            .get(name)
            .cloned()
            .ok_or_else(|| StoreError::NoSuchTable(name.to_owned()))
    }

    fn with_reader<R>(&self, f: impl FnOnce(&Connection) -> Result<R>) -> Result<R> {
        match &self.readers {
            Some(pool) => pool.with(f),
            None => f(&lock(&self.writer)),
        }
    }
}

struct ReaderPool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl ReaderPool {
    fn with<R>(&self, f: impl FnOnce(&Connection) -> Result<R>) -> Result<R> {
        let pooled = lock(&self.idle).pop();
        let conn = match pooled {
            Some(c) => c,
            None => open_reader(&self.path)?,
        };
        let result = f(&conn);
        let mut idle = lock(&self.idle);
        if idle.len() < IDLE_READERS {
            idle.push(conn);
        }
        result
    }
}

/// The SQLite implementation of [`DocumentStore`].
pub struct SqliteStore {
    shared: Arc<Shared>,
    jobs: Option<mpsc::Sender<Job>>,
    writer: Option<JoinHandle<()>>,
    checkpointer: Option<JoinHandle<()>>,
}

impl SqliteStore {
    /// Opens (or creates, with its parent folders) the database file at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore> {
        let path = path.as_ref();
        if let Some(parent) = path.parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent).map_err(|e| StoreError::Backend(Box::new(e)))?;
        }
        let writer = Connection::open(path)?;
        writer.busy_timeout(BUSY_TIMEOUT)?;
        let mode: String =
            writer.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::backend(format!(
                "{} cannot use write-ahead logging (journal mode {mode})",
                path.display()
            )));
        }
        let readers = ReaderPool {
            path: path.to_owned(),
            idle: Mutex::new(Vec::new()),
        };
        let mut store = Self::start(writer, Some(readers))?;
        store.start_checkpointer(path)?;
        // Open the first readers now rather than on the first requests.
        if let Some(pool) = &store.shared.readers {
            let first = (0..2)
                .map(|_| open_reader(&pool.path))
                .collect::<Result<Vec<_>>>()?;
            lock(&pool.idle).extend(first);
        }
        Ok(store)
    }

    /// A private database in memory. One connection serves reads and writes.
    pub fn open_in_memory() -> Result<SqliteStore> {
        Self::start(Connection::open_in_memory()?, None)
    }

    fn start(writer: Connection, readers: Option<ReaderPool>) -> Result<SqliteStore> {
        writer.execute_batch(&format!(
            "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = OFF; PRAGMA temp_store = MEMORY; \
             PRAGMA mmap_size = {MMAP_SIZE}; PRAGMA journal_size_limit = {};",
            64 << 20
        ))?;
        writer.set_prepared_statement_cache_capacity(64);
        stable_plans(&writer)?;
        writer.execute_batch(&format!("BEGIN IMMEDIATE; {LAYOUT} COMMIT;"))?;
        let format: String = writer.query_row(
            "SELECT value FROM store_meta WHERE key = 'format'",
            [],
            |r| r.get(0),
        )?;
        if format != FORMAT {
            return Err(StoreError::backend(format!(
                "the database has store format {format}; this ampbase reads format {FORMAT}"
            )));
        }
        let catalog = write::load_catalog(&writer)?;
        let shared = Arc::new(Shared {
            catalog: RwLock::new(catalog),
            writer: Mutex::new(writer),
            readers,
        });
        let (jobs, queue) = mpsc::channel();
        let thread_shared = shared.clone();
        let writer = std::thread::Builder::new()
            .name("ampbase-store-writer".into())
            .spawn(move || write::run(&thread_shared, queue))
            .map_err(|e| StoreError::Backend(Box::new(e)))?;
        Ok(SqliteStore {
            shared,
            jobs: Some(jobs),
            writer: Some(writer),
            checkpointer: None,
        })
    }

    /// Moves WAL checkpoints off the writer: the writer's WAL hook (which replaces SQLite's
    /// automatic checkpoint) wakes a thread with its own connection once the log is long.
    fn start_checkpointer(&mut self, path: &Path) -> Result<()> {
        let conn = open_reader(path)?;
        conn.execute_batch("PRAGMA query_only = OFF")?;
        let (wake, woken) = mpsc::sync_channel::<()>(1);
        let thread = std::thread::Builder::new()
            .name("ampbase-store-checkpoint".into())
            .spawn(move || {
                while woken.recv().is_ok() {
                    // PASSIVE: copies what no reader needs, never waits for anyone. The next
                    // long-log commit wakes us again for the rest.
                    let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                }
            })
            .map_err(|e| StoreError::Backend(Box::new(e)))?;
        lock(&self.shared.writer).wal_hook(Some(
            move |wal: &mut rusqlite::hooks::Wal, pages: i32| {
                if pages >= WRITER_CHECKPOINT_PAGES {
                    // Guarantees the log restarts: no frame is added while the writer checkpoints.
                    let _ = wal.checkpoint_v2(rusqlite::wal::CheckpointMode::PASSIVE);
                } else if pages >= CHECKPOINT_PAGES {
                    let _ = wake.try_send(());
                }
                Ok(())
            },
        ))?;
        self.checkpointer = Some(thread);
        Ok(())
    }

    fn send<T>(
        &self,
        job: impl FnOnce(oneshot::Sender<Result<T>>) -> Job,
    ) -> oneshot::Receiver<Result<T>> {
        let (reply, receiver) = oneshot::channel();
        if let Some(jobs) = &self.jobs {
            // A send error drops the job and its reply sender: the receiver reports Closed.
            let _ = jobs.send(job(reply));
        }
        receiver
    }

    /// [`DocumentStore::get`] on the calling thread.
    pub fn get_blocking(&self, table: &str, key: &Key) -> Result<Option<Item>> {
        read::get(&self.shared, table, key)
    }

    /// [`DocumentStore::query`] on the calling thread.
    pub fn query_blocking(&self, table: &str, query: &Query) -> Result<Page> {
        read::query(&self.shared, table, query)
    }

    /// [`DocumentStore::scan`] on the calling thread.
    pub fn scan_blocking(
        &self,
        table: &str,
        limit: Option<usize>,
        exclusive_start_key: Option<&Item>,
    ) -> Result<Page> {
        read::scan(&self.shared, table, limit, exclusive_start_key)
    }

    /// The SQLite query plan of a query (`EXPLAIN QUERY PLAN`, one line per step), for tests
    /// and diagnosis.
    pub fn query_plan(&self, table: &str, query: &Query) -> Result<Vec<String>> {
        read::query_plan(&self.shared, table, query)
    }

    /// The query plan of a scan page, the first one or a later one (`resuming`).
    pub fn scan_plan(&self, resuming: bool) -> Result<Vec<String>> {
        read::scan_plan(&self.shared, resuming)
    }

    /// The query plan of a `get`.
    pub fn get_plan(&self) -> Result<Vec<String>> {
        self.shared
            .with_reader(|c| read::explain(c, GET_SQL, &[&1, &"", &""]))
    }
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        // Closing the queue lets the writer finish what is queued and stop.
        self.jobs.take();
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
        if let Some(checkpointer) = self.checkpointer.take() {
            // Dropping the hook closes the checkpointer's queue.
            let _ = lock(&self.shared.writer)
                .wal_hook(None::<fn(&mut rusqlite::hooks::Wal, i32) -> rusqlite::Result<()>>);
            let _ = checkpointer.join();
        }
    }
}

async fn receive<T>(receiver: oneshot::Receiver<Result<T>>) -> Result<T> {
    receiver.await.unwrap_or(Err(StoreError::Closed))
}

/// Reads of more than this many items leave the async worker thread
/// ([`tokio::task::block_in_place`]) instead of blocking it. See the crate documentation.
const INLINE_READ_LIMIT: usize = 100;

fn off_executor<R>(heavy: bool, f: impl FnOnce() -> R) -> R {
    use tokio::runtime::{Handle, RuntimeFlavor};
    if heavy
        && Handle::try_current().is_ok_and(|h| h.runtime_flavor() == RuntimeFlavor::MultiThread)
    {
        tokio::task::block_in_place(f)
    } else {
        f()
    }
}

fn is_heavy(limit: Option<usize>) -> bool {
    limit.is_none_or(|l| l > INLINE_READ_LIMIT)
}

#[async_trait]
impl DocumentStore for SqliteStore {
    async fn ensure_table(&self, schema: &TableSchema) -> Result<()> {
        write::validate_schema(schema)?;
        if let Ok(existing) = self.shared.table(&schema.name)
            && existing.schema == *schema
        {
            return Ok(());
        }
        let schema = schema.clone();
        receive(self.send(|reply| Job::EnsureTable { schema, reply })).await
    }

    async fn drop_table(&self, table: &str) -> Result<bool> {
        let name = table.to_owned();
        receive(self.send(|reply| Job::DropTable { name, reply })).await
    }

    async fn tables(&self) -> Result<Vec<TableSchema>> {
        let mut tables: Vec<TableSchema> = read_lock(&self.shared.catalog)
            .values()
            .map(|m| m.schema.clone())
            .collect();
        tables.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(tables)
    }

    async fn get(&self, table: &str, key: &Key) -> Result<Option<Item>> {
        read::get(&self.shared, table, key)
    }

    async fn query(&self, table: &str, query: &Query) -> Result<Page> {
        off_executor(is_heavy(query.limit), || {
            read::query(&self.shared, table, query)
        })
    }

    async fn scan(
        &self,
        table: &str,
        limit: Option<usize>,
        exclusive_start_key: Option<&Item>,
    ) -> Result<Page> {
        off_executor(is_heavy(limit), || {
            read::scan(&self.shared, table, limit, exclusive_start_key)
        })
    }

    async fn transact(&self, ops: Vec<WriteOp>) -> Result<Vec<Option<Item>>> {
        if ops.is_empty() {
            return Ok(Vec::new());
        }
        receive(self.send(|reply| Job::Write { ops, reply })).await
    }
}

fn open_reader(path: &Path) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.execute_batch(&format!(
        "PRAGMA query_only = ON; PRAGMA temp_store = MEMORY; PRAGMA mmap_size = {MMAP_SIZE};"
    ))?;
    stable_plans(&conn)?;
    conn.set_prepared_statement_cache_capacity(128);
    Ok(conn)
}

/// Turns on SQLite's query planner stability guarantee. Without it, SQLite marks statements
/// whose plan could depend on a bound value (a range on an indexed column, a join) to be
/// re-prepared on every new binding, and rusqlite's statement cache clears the bindings of
/// each statement it takes back: every query and scan was compiled anew (measured: 15% of a
/// limit-20 index query in `sqlite3Reprepare`). The plans here never depend on the values
/// (see the plan tests), so one plan per statement is what we want.
fn stable_plans(conn: &Connection) -> Result<()> {
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    Ok(())
}

pub(crate) fn parse_doc(value: ValueRef<'_>) -> Result<Item> {
    match value {
        ValueRef::Text(b) | ValueRef::Blob(b) => Ok(serde_json::from_slice(b)?),
        other => Err(StoreError::backend(format!(
            "a stored document is {:?}, not JSON text",
            other.data_type()
        ))),
    }
}

/// The stored document of one key.
pub(crate) fn read_doc(
    conn: &Connection,
    t: i64,
    pk: &SqlKey<'_>,
    sk: &SqlKey<'_>,
) -> Result<Option<Item>> {
    let mut stmt = conn.prepare_cached(GET_SQL)?;
    stmt.raw_bind_parameter(1, t)?;
    stmt.raw_bind_parameter(2, pk)?;
    stmt.raw_bind_parameter(3, sk)?;
    let mut rows = stmt.raw_query();
    match rows.next()? {
        Some(row) => Ok(Some(parse_doc(row.get_ref(0)?)?)),
        None => Ok(None),
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn read_lock<T>(m: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    m.read().unwrap_or_else(|e| e.into_inner())
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Backend(Box::new(e))
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Backend(Box::new(e))
    }
}
