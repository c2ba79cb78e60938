//! The writer thread: the only connection that writes. It takes jobs from a queue and commits
//! the write jobs that queued up together in one transaction (group commit), so a burst of
//! concurrent creates costs one commit instead of one each. Schema jobs run alone.
//!
//! A write job is planned first (read the current items, evaluate the conditions, build the
//! new documents) and written only when every operation of it passed, so a failed condition
//! or a bad key never leaves a partial write inside the shared transaction. If SQLite itself
//! fails mid-write, the whole batch is rolled back and each job is retried in a transaction of
//! its own, so one job's failure is never another's.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::mpsc::Receiver;

use rusqlite::Connection;
use rusqlite::types::ToSqlOutput;
use tokio::sync::oneshot;

use super::keys::{self, SqlKey};
use super::{IndexMeta, Shared, TableMeta, lock, parse_doc, read_doc};
use crate::error::{Result, StoreError};
use crate::types::{Changes, Condition, Item, Key, TableSchema, WriteOp};

/// Most write jobs committed in one transaction.
const MAX_BATCH: usize = 256;

pub(crate) enum Job {
    Write {
        ops: Vec<WriteOp>,
        reply: oneshot::Sender<Result<Vec<Option<Item>>>>,
    },
    EnsureTable {
        schema: TableSchema,
        reply: oneshot::Sender<Result<()>>,
    },
    DropTable {
        name: String,
        reply: oneshot::Sender<Result<bool>>,
    },
}

struct WriteJob {
    ops: Vec<WriteOp>,
    reply: oneshot::Sender<Result<Vec<Option<Item>>>>,
}

type Outcome = Result<Vec<Option<Item>>>;

pub(crate) fn run(shared: &Shared, queue: Receiver<Job>) {
    let mut batch: Vec<WriteJob> = Vec::new();
    while let Ok(job) = queue.recv() {
        let mut next = Some(job);
        while let Some(job) = next.take() {
            match job {
                Job::Write { ops, reply } => {
                    batch.push(WriteJob { ops, reply });
                    if batch.len() < MAX_BATCH {
                        next = queue.try_recv().ok();
                    }
                }
                Job::EnsureTable { schema, reply } => {
                    commit_batch(shared, &mut batch);
                    let _ = reply.send(schema_change(shared, |conn| {
                        ensure_table(shared, conn, &schema)
                    }));
                    next = queue.try_recv().ok();
                }
                Job::DropTable { name, reply } => {
                    commit_batch(shared, &mut batch);
                    let _ = reply.send(schema_change(shared, |conn| {
                        drop_table(shared, conn, &name)
                    }));
                    next = queue.try_recv().ok();
                }
            }
        }
        commit_batch(shared, &mut batch);
    }
}

fn exec(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(|_| ())
}

fn commit_batch(shared: &Shared, batch: &mut Vec<WriteJob>) {
    if batch.is_empty() {
        return;
    }
    let conn = lock(&shared.writer);
    let outcomes = match run_in_transaction(shared, &conn, batch) {
        Ok(outcomes) => outcomes,
        Err(e) if batch.len() == 1 => vec![Err(e)],
        Err(_) => batch
            .iter()
            .map(|job| {
                run_in_transaction(shared, &conn, std::slice::from_ref(job))
                    .and_then(|mut o| o.pop().unwrap_or(Err(StoreError::Closed)))
            })
            .collect(),
    };
    drop(conn);
    // Replies go out only after the commit.
    for (job, outcome) in batch.drain(..).zip(outcomes) {
        let _ = job.reply.send(outcome);
    }
}

/// Runs jobs in one transaction. `Err` means the transaction failed and was rolled back;
/// otherwise each job has its outcome (a job that failed its checks wrote nothing).
fn run_in_transaction(
    shared: &Shared,
    conn: &Connection,
    jobs: &[WriteJob],
) -> Result<Vec<Outcome>> {
    exec(conn, "BEGIN IMMEDIATE")?;
    let mut outcomes = Vec::with_capacity(jobs.len());
    for job in jobs {
        match apply(shared, conn, &job.ops) {
            Ok(outcome) => outcomes.push(outcome),
            Err(e) => {
                let _ = exec(conn, "ROLLBACK");
                return Err(e);
            }
        }
    }
    if let Err(e) = exec(conn, "COMMIT") {
        let _ = exec(conn, "ROLLBACK");
        return Err(e.into());
    }
    Ok(outcomes)
}

/// What one operation will do, decided before anything is written.
struct Plan<'a> {
    meta: Arc<TableMeta>,
    pk: SqlKey<'a>,
    sk: SqlKey<'a>,
    old: Option<Item>,
    action: Action<'a>,
}

enum Action<'a> {
    Put(&'a Item),
    Update(Item),
    Delete,
    Check,
}

/// Plans and then writes one job's operations. The outer `Err` is a failed write (the
/// transaction must be rolled back); the inner one a failed check (nothing was written).
fn apply(shared: &Shared, conn: &Connection, ops: &[WriteOp]) -> Result<Outcome> {
    let mut plans = Vec::with_capacity(ops.len());
    for (index, op) in ops.iter().enumerate() {
        match plan(shared, conn, op) {
            Ok(p) => plans.push(p),
            Err(reason) => {
                return Ok(Err(StoreError::TransactionCanceled {
                    index,
                    reason: Box::new(reason),
                }));
            }
        }
    }
    for (i, a) in plans.iter().enumerate() {
        for b in &plans[..i] {
            if a.meta.id == b.meta.id
                && a.pk.sql_cmp(&b.pk) == Ordering::Equal
                && a.sk.sql_cmp(&b.sk) == Ordering::Equal
            {
                return Ok(Err(StoreError::InvalidTransaction(format!(
                    "two operations on one item of {}",
                    a.meta.schema.name
                ))));
            }
        }
    }
    let mut results = Vec::with_capacity(plans.len());
    for plan in plans {
        results.push(write(conn, plan)?);
    }
    Ok(Ok(results))
}

fn check(condition: Option<&Condition>, current: Option<&Item>) -> Result<()> {
    let Some(condition) = condition else {
        return Ok(());
    };
    match catch_unwind(AssertUnwindSafe(|| condition.check(current))) {
        Ok(true) => Ok(()),
        Ok(false) => Err(StoreError::ConditionFailed),
        Err(_) => Err(StoreError::backend("a write condition panicked")),
    }
}

fn plan<'a>(shared: &Shared, conn: &Connection, op: &'a WriteOp) -> Result<Plan<'a>> {
    let meta = shared.table(op.table())?;
    let (pk, sk, condition) = match op {
        WriteOp::Put {
            item, condition, ..
        } => {
            let (pk, sk) = keys::item_key_columns(&meta.schema, item)?;
            (pk, sk, condition.as_ref())
        }
        WriteOp::Update { key, condition, .. } | WriteOp::Delete { key, condition, .. } => {
            let (pk, sk) = keys::key_columns(&meta.schema, key)?;
            (pk, sk, condition.as_ref())
        }
        WriteOp::Check { key, condition, .. } => {
            let (pk, sk) = keys::key_columns(&meta.schema, key)?;
            (pk, sk, Some(condition))
        }
    };
    // A put without a condition and indexes does not need the old item.
    let needs_old =
        !matches!(op, WriteOp::Put { .. }) || condition.is_some() || !meta.indexes.is_empty();
    let old = if needs_old {
        read_doc(conn, meta.id, &pk, &sk)?
    } else {
        None
    };
    check(condition, old.as_ref())?;
    let action = match op {
        WriteOp::Put { item, .. } => Action::Put(item),
        WriteOp::Update { key, changes, .. } => {
            Action::Update(updated(&meta.schema, key, old.as_ref(), changes)?)
        }
        WriteOp::Delete { .. } => Action::Delete,
        WriteOp::Check { .. } => Action::Check,
    };
    Ok(Plan {
        meta,
        pk,
        sk,
        old,
        action,
    })
}

/// The item after an update. Key attributes cannot change (setting one to its own value is
/// allowed); an attribute cannot be both set and removed.
fn updated(schema: &TableSchema, key: &Key, old: Option<&Item>, changes: &Changes) -> Result<Item> {
    let key_attrs = [Some(&schema.partition_key), schema.sort_key.as_ref()];
    let key_value = |name: &str| {
        if *name == schema.partition_key {
            Some(&key.partition)
        } else if schema.sort_key.as_deref() == Some(name) {
            key.sort.as_ref()
        } else {
            None
        }
    };
    for name in &changes.remove {
        if key_attrs.iter().flatten().any(|k| *k == name) {
            return Err(StoreError::InvalidUpdate(format!(
                "cannot remove the key attribute {name}"
            )));
        }
        if changes.set.contains_key(name) {
            return Err(StoreError::InvalidUpdate(format!(
                "{name} is both set and removed"
            )));
        }
    }
    for (name, value) in &changes.set {
        if let Some(k) = key_value(name) {
            let same = SqlKey::from_value(value)
                .is_some_and(|v| v.sql_cmp(&SqlKey::from_key_value(k)) == Ordering::Equal);
            if !same {
                return Err(StoreError::InvalidUpdate(format!(
                    "cannot change the key attribute {name}"
                )));
            }
        }
    }
    let mut item = match old {
        Some(old) => old.clone(),
        None => {
            let mut item = Item::new();
            item.insert(schema.partition_key.clone(), key.partition.to_value());
            if let (Some(name), Some(v)) = (&schema.sort_key, &key.sort) {
                item.insert(name.clone(), v.to_value());
            }
            item
        }
    };
    for (name, value) in &changes.set {
        item.insert(name.clone(), value.clone());
    }
    for name in &changes.remove {
        item.shift_remove(name);
    }
    Ok(item)
}

const PUT_SQL: &str = "INSERT OR REPLACE INTO store_items (t, pk, sk, doc) VALUES (?1, ?2, ?3, ?4)";
const DELETE_SQL: &str = "DELETE FROM store_items WHERE t = ?1 AND pk = ?2 AND sk = ?3";
const ENTRY_INSERT_SQL: &str =
    "INSERT OR REPLACE INTO store_index_entries (ix, ipk, isk, pk, sk) VALUES (?1, ?2, ?3, ?4, ?5)";
const ENTRY_DELETE_SQL: &str = "DELETE FROM store_index_entries \
                                WHERE ix = ?1 AND ipk = ?2 AND isk = ?3 AND pk = ?4 AND sk = ?5";

fn write(conn: &Connection, plan: Plan<'_>) -> Result<Option<Item>> {
    let Plan {
        meta,
        pk,
        sk,
        old,
        action,
    } = plan;
    match action {
        Action::Put(item) => {
            put_doc(conn, &meta, &pk, &sk, item)?;
            write_entries(conn, &meta, &pk, &sk, old.as_ref(), Some(item))?;
            Ok(None)
        }
        Action::Update(item) => {
            put_doc(conn, &meta, &pk, &sk, &item)?;
            write_entries(conn, &meta, &pk, &sk, old.as_ref(), Some(&item))?;
            Ok(Some(item))
        }
        Action::Delete => {
            if old.is_some() {
                conn.prepare_cached(DELETE_SQL)?
                    .execute(rusqlite::params![meta.id, pk, sk])?;
                write_entries(conn, &meta, &pk, &sk, old.as_ref(), None)?;
            }
            Ok(old)
        }
        Action::Check => Ok(None),
    }
}

fn put_doc(
    conn: &Connection,
    meta: &TableMeta,
    pk: &SqlKey<'_>,
    sk: &SqlKey<'_>,
    item: &Item,
) -> Result<()> {
    let doc = serde_json::to_string(item)?;
    conn.prepare_cached(PUT_SQL)?
        .execute(rusqlite::params![meta.id, pk, sk, doc])?;
    Ok(())
}

/// Moves the item's index entries from what `old` implies to what `new` implies.
fn write_entries(
    conn: &Connection,
    meta: &TableMeta,
    pk: &SqlKey<'_>,
    sk: &SqlKey<'_>,
    old: Option<&Item>,
    new: Option<&Item>,
) -> Result<()> {
    for ix in &meta.indexes {
        let before = old.and_then(|d| keys::index_columns(&ix.schema, d));
        let after = new.and_then(|d| keys::index_columns(&ix.schema, d));
        let unchanged = match (&before, &after) {
            (Some((a, b)), Some((c, d))) => {
                a.sql_cmp(c) == Ordering::Equal && b.sql_cmp(d) == Ordering::Equal
            }
            (None, None) => true,
            _ => false,
        };
        if unchanged {
            continue;
        }
        if let Some((ipk, isk)) = before {
            conn.prepare_cached(ENTRY_DELETE_SQL)?
                .execute(rusqlite::params![ix.id, ipk, isk, pk, sk])?;
        }
        if let Some((ipk, isk)) = after {
            conn.prepare_cached(ENTRY_INSERT_SQL)?
                .execute(rusqlite::params![ix.id, ipk, isk, pk, sk])?;
        }
    }
    Ok(())
}

/// Runs a schema change in a transaction of its own.
fn schema_change<T>(shared: &Shared, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
    let conn = lock(&shared.writer);
    exec(&conn, "BEGIN IMMEDIATE")?;
    match f(&conn) {
        Ok(v) => match exec(&conn, "COMMIT") {
            Ok(()) => Ok(v),
            Err(e) => {
                let _ = exec(&conn, "ROLLBACK");
                // The catalog was updated optimistically: reload it from the database.
                if let Ok(catalog) = load_catalog(&conn) {
                    *shared.catalog.write().unwrap_or_else(|e| e.into_inner()) = catalog;
                }
                Err(e.into())
            }
        },
        Err(e) => {
            let _ = exec(&conn, "ROLLBACK");
            Err(e)
        }
    }
}

pub(crate) fn validate_schema(schema: &TableSchema) -> Result<()> {
    let bad = |m: String| {
        Err(StoreError::InvalidQuery(format!(
            "table {}: {m}",
            schema.name
        )))
    };
    if schema.name.is_empty() || schema.partition_key.is_empty() {
        return bad("a table needs a name and a partition key".into());
    }
    if schema.sort_key.as_deref() == Some("") {
        return bad("empty sort key name".into());
    }
    for (i, ix) in schema.indexes.iter().enumerate() {
        if ix.name.is_empty() || ix.partition_key.is_empty() || ix.sort_key.as_deref() == Some("") {
            return bad(format!("index {i} needs a name and a partition key"));
        }
        if schema.indexes[..i].iter().any(|o| o.name == ix.name) {
            return bad(format!("two indexes are named {}", ix.name));
        }
    }
    Ok(())
}

/// Creates the table or brings its indexes to `schema`; new and changed indexes are filled
/// from the stored items in the same transaction. Updates the catalog (the caller commits).
fn ensure_table(shared: &Shared, conn: &Connection, schema: &TableSchema) -> Result<()> {
    validate_schema(schema)?;
    let existing = shared.table(&schema.name).ok();
    let schema_json = serde_json::to_string(schema)?;
    let table_id = match &existing {
        Some(m) => {
            if m.schema.partition_key != schema.partition_key
                || m.schema.sort_key != schema.sort_key
            {
                return Err(StoreError::SchemaConflict(format!(
                    "table {} is keyed by ({}, {:?}), not ({}, {:?}); its items would need new keys",
                    schema.name,
                    m.schema.partition_key,
                    m.schema.sort_key,
                    schema.partition_key,
                    schema.sort_key
                )));
            }
            conn.execute(
                "UPDATE store_tables SET schema = ?2 WHERE id = ?1",
                rusqlite::params![m.id, schema_json],
            )?;
            m.id
        }
        None => {
            conn.execute(
                "INSERT INTO store_tables (name, schema) VALUES (?1, ?2)",
                rusqlite::params![schema.name, schema_json],
            )?;
            conn.last_insert_rowid()
        }
    };
    let old_indexes: &[IndexMeta] = existing.as_ref().map_or(&[], |m| &m.indexes);
    let mut indexes = Vec::with_capacity(schema.indexes.len());
    for ix in &schema.indexes {
        let index = match old_indexes.iter().find(|o| o.schema.name == ix.name) {
            Some(o) if o.schema == *ix => o.clone(),
            Some(o) => {
                // Same name, other keys: rebuild it.
                delete_entries(conn, o.id)?;
                let index = IndexMeta {
                    id: o.id,
                    schema: ix.clone(),
                };
                backfill(conn, table_id, &index)?;
                index
            }
            None => {
                conn.execute(
                    "INSERT INTO store_indexes (table_id, name) VALUES (?1, ?2)",
                    rusqlite::params![table_id, ix.name],
                )?;
                let index = IndexMeta {
                    id: conn.last_insert_rowid(),
                    schema: ix.clone(),
                };
                backfill(conn, table_id, &index)?;
                index
            }
        };
        indexes.push(index);
    }
    for o in old_indexes {
        if schema.index(&o.schema.name).is_none() {
            delete_entries(conn, o.id)?;
            conn.execute("DELETE FROM store_indexes WHERE id = ?1", [o.id])?;
        }
    }
    let meta = Arc::new(TableMeta {
        id: table_id,
        schema: schema.clone(),
        indexes,
    });
    shared
        .catalog
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .insert(schema.name.clone(), meta);
    Ok(())
}

fn delete_entries(conn: &Connection, ix: i64) -> Result<()> {
    conn.execute("DELETE FROM store_index_entries WHERE ix = ?1", [ix])?;
    Ok(())
}

/// Adds the entries of every stored item of the table to a new index.
fn backfill(conn: &Connection, table_id: i64, index: &IndexMeta) -> Result<()> {
    let mut select = conn.prepare("SELECT pk, sk, doc FROM store_items WHERE t = ?1")?;
    let mut insert = conn.prepare_cached(ENTRY_INSERT_SQL)?;
    let mut rows = select.query([table_id])?;
    while let Some(row) = rows.next()? {
        let doc = parse_doc(row.get_ref(2)?)?;
        if let Some((ipk, isk)) = keys::index_columns(&index.schema, &doc) {
            insert.execute(rusqlite::params![
                index.id,
                ipk,
                isk,
                ToSqlOutput::Borrowed(row.get_ref(0)?),
                ToSqlOutput::Borrowed(row.get_ref(1)?)
            ])?;
        }
    }
    Ok(())
}

fn drop_table(shared: &Shared, conn: &Connection, name: &str) -> Result<bool> {
    let Ok(meta) = shared.table(name) else {
        return Ok(false);
    };
    for ix in &meta.indexes {
        delete_entries(conn, ix.id)?;
    }
    conn.execute("DELETE FROM store_indexes WHERE table_id = ?1", [meta.id])?;
    conn.execute("DELETE FROM store_items WHERE t = ?1", [meta.id])?;
    conn.execute("DELETE FROM store_tables WHERE id = ?1", [meta.id])?;
    shared
        .catalog
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .remove(name);
    Ok(true)
}

/// Reads the catalog: each table's schema, with the ids of its indexes.
pub(crate) fn load_catalog(conn: &Connection) -> Result<HashMap<String, Arc<TableMeta>>> {
    let mut index_ids: HashMap<(i64, String), i64> = HashMap::new();
    let mut stmt = conn.prepare("SELECT id, table_id, name FROM store_indexes")?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        index_ids.insert((row.get(1)?, row.get(2)?), row.get(0)?);
    }
    let mut catalog = HashMap::new();
    let mut stmt = conn.prepare("SELECT id, name, schema FROM store_tables")?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        let name: String = row.get(1)?;
        let schema: TableSchema = serde_json::from_str(&row.get::<_, String>(2)?)?;
        let mut indexes = Vec::new();
        for ix in &schema.indexes {
            let ix_id = index_ids.get(&(id, ix.name.clone())).ok_or_else(|| {
                StoreError::backend(format!(
                    "index {} of table {name} is missing from the catalog",
                    ix.name
                ))
            })?;
            indexes.push(IndexMeta {
                id: *ix_id,
                schema: ix.clone(),
            });
        }
        catalog.insert(
            name,
            Arc::new(TableMeta {
                id,
                schema,
                indexes,
            }),
        );
    }
    Ok(catalog)
}
