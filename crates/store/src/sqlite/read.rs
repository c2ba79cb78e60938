//! Reads: get, query, scan. Each is one statement on a reader connection, served by the
//! primary key of `store_items` or of `store_index_entries` (see the plan tests).

use std::cmp::Ordering;
use std::fmt::Write as _;

use rusqlite::{Connection, ToSql};

use super::keys::{self, Bound, Range, SqlKey};
use super::{Shared, TableMeta, parse_doc};
use crate::error::{Result, StoreError};
use crate::types::{IndexSchema, Item, Key, Page, Query, TableSchema};

pub(crate) fn get(shared: &Shared, table: &str, key: &Key) -> Result<Option<Item>> {
    let meta = shared.table(table)?;
    let (pk, sk) = keys::key_columns(&meta.schema, key)?;
    shared.with_reader(|conn| super::read_doc(conn, meta.id, &pk, &sk))
}

/// One end of the range a statement reads.
enum End<'a> {
    Open,
    Key(Bound<'a>),
    /// Strictly beyond the exclusive start key, compared as the row value
    /// `(isk, pk, sk)` (index queries only).
    Row(SqlKey<'a>),
}

/// A prepared query: the SQL and its parameters (`?n` is `params[n - 2]`, `?1` the table).
///
/// No statement has a `LIMIT`: rows are stepped lazily and the statement is reset after
/// `limit + 1` rows, and a statement per limit value would crowd the statement cache.
struct Plan<'a> {
    sql: String,
    params: Vec<Option<SqlKey<'a>>>,
    t: i64,
    index: Option<&'a IndexSchema>,
}

fn invalid_start(e: StoreError) -> StoreError {
    match e {
        StoreError::InvalidKey(m) => StoreError::InvalidStartKey(m),
        e => e,
    }
}

fn same_partition(a: &SqlKey<'_>, b: &SqlKey<'_>) -> Result<()> {
    if a.sql_cmp(b) == Ordering::Equal {
        Ok(())
    } else {
        Err(StoreError::InvalidStartKey(
            "the start key belongs to another partition".into(),
        ))
    }
}

/// Builds the statement of a query; `None` when it selects nothing.
fn plan<'a>(meta: &'a TableMeta, query: &'a Query) -> Result<Option<Plan<'a>>> {
    let index = match &query.index {
        None => None,
        Some(name) => Some(
            &meta
                .index(name)
                .ok_or_else(|| StoreError::NoSuchIndex {
                    table: meta.schema.name.clone(),
                    index: name.clone(),
                })?
                .schema,
        ),
    };
    let has_sort = match index {
        Some(ix) => ix.sort_key.is_some(),
        None => meta.schema.sort_key.is_some(),
    };
    if query.sort.is_some() && !has_sort {
        return Err(StoreError::InvalidQuery(format!(
            "{} has no sort key to put a condition on",
            query.index.as_deref().unwrap_or(&meta.schema.name)
        )));
    }
    let Some(Range { lower, upper }) = keys::sort_range(query.sort.as_ref())? else {
        return Ok(None);
    };
    let (mut lower, mut upper) = (
        lower.map_or(End::Open, End::Key),
        upper.map_or(End::Open, End::Key),
    );
    let partition = SqlKey::from_key_value(&query.partition);
    let mut start_key = None;
    if let Some(start) = &query.exclusive_start_key {
        let (spk, ssk) = keys::item_key_columns(&meta.schema, start).map_err(invalid_start)?;
        // The position to resume after, on the column that orders this statement.
        let position = match index {
            None => {
                same_partition(&spk, &partition)?;
                ssk.clone()
            }
            Some(ix) => {
                let (ipk, isk) = keys::index_columns(ix, start).ok_or_else(|| {
                    StoreError::InvalidStartKey(format!(
                        "the start key lacks the key of {}",
                        ix.name
                    ))
                })?;
                same_partition(&ipk, &partition)?;
                isk
            }
        };
        // The start replaces the range's end on its side when it lies inside the range; a start
        // outside it is before every item of the range and changes nothing.
        let (end, inside) = if query.forward {
            let inside = match &lower {
                End::Key(b) => b.admits_above(&position),
                _ => true,
            };
            (&mut lower, inside)
        } else {
            let inside = match &upper {
                End::Key(b) => b.admits_below(&position),
                _ => true,
            };
            (&mut upper, inside)
        };
        if inside {
            *end = match index {
                None => End::Key(Bound {
                    key: position,
                    inclusive: false,
                }),
                Some(_) => End::Row(position),
            };
        }
        start_key = Some((spk, ssk));
    }
    let dir = if query.forward { "ASC" } else { "DESC" };
    let mut params: Vec<Option<SqlKey<'a>>> = Vec::with_capacity(8);
    let mut sql = String::with_capacity(256);
    // Appends a parameter and returns its number (?1 is the table id).
    fn bind<'a>(params: &mut Vec<Option<SqlKey<'a>>>, key: SqlKey<'a>) -> usize {
        params.push(Some(key));
        params.len() + 1
    }
    match index {
        None => {
            let p = bind(&mut params, partition);
            write!(
                sql,
                "SELECT doc FROM store_items WHERE t = ?1 AND pk = ?{p}"
            )
            .unwrap();
            for (end, greater) in [(lower, true), (upper, false)] {
                if let End::Key(b) = end {
                    let op = match (greater, b.inclusive) {
                        (true, true) => ">=",
                        (true, false) => ">",
                        (false, true) => "<=",
                        (false, false) => "<",
                    };
                    let p = bind(&mut params, b.key);
                    write!(sql, " AND sk {op} ?{p}").unwrap();
                }
            }
            write!(sql, " ORDER BY sk {dir}").unwrap();
        }
        Some(ix) => {
            let ix_id = meta.index(&ix.name).map_or(0, |i| i.id);
            params.push(Some(SqlKey::Int(ix_id)));
            let p = bind(&mut params, partition);
            // CROSS JOIN fixes the join order: entries first, then each item by its key.
            write!(
                sql,
                "SELECT i.doc FROM store_index_entries AS e CROSS JOIN store_items AS i \
                 ON i.t = ?1 AND i.pk = e.pk AND i.sk = e.sk \
                 WHERE e.ix = ?2 AND e.ipk = ?{p}"
            )
            .unwrap();
            let (spk, ssk) = match &start_key {
                Some((a, b)) => (Some(a.clone()), Some(b.clone())),
                None => (None, None),
            };
            for (end, greater) in [(lower, true), (upper, false)] {
                match end {
                    End::Open => {}
                    End::Key(b) => {
                        let op = match (greater, b.inclusive) {
                            (true, true) => ">=",
                            (true, false) => ">",
                            (false, true) => "<=",
                            (false, false) => "<",
                        };
                        let p = bind(&mut params, b.key);
                        write!(sql, " AND e.isk {op} ?{p}").unwrap();
                    }
                    End::Row(isk) => {
                        let op = if greater { ">" } else { "<" };
                        let a = bind(&mut params, isk);
                        let b = bind(&mut params, spk.clone().unwrap_or(keys::NO_SORT));
                        let c = bind(&mut params, ssk.clone().unwrap_or(keys::NO_SORT));
                        write!(sql, " AND (e.isk, e.pk, e.sk) {op} (?{a}, ?{b}, ?{c})").unwrap();
                    }
                }
            }
            write!(sql, " ORDER BY e.isk {dir}, e.pk {dir}, e.sk {dir}").unwrap();
        }
    }
    Ok(Some(Plan {
        sql,
        params,
        t: meta.id,
        index,
    }))
}

fn bind_plan(stmt: &mut rusqlite::Statement<'_>, plan: &Plan<'_>) -> Result<()> {
    stmt.raw_bind_parameter(1, plan.t)?;
    for (i, p) in plan.params.iter().enumerate() {
        if let Some(p) = p {
            stmt.raw_bind_parameter(i + 2, p)?;
        }
    }
    Ok(())
}

pub(crate) fn query(shared: &Shared, table: &str, query: &Query) -> Result<Page> {
    let meta = shared.table(table)?;
    if query.limit == Some(0) {
        return Ok(Page::default());
    }
    let Some(plan) = plan(&meta, query)? else {
        return Ok(Page::default());
    };
    shared.with_reader(|conn| run(conn, &plan, query.limit, &meta.schema))
}

/// Runs a plan; reads one row beyond the limit to know whether another page follows.
fn run(
    conn: &Connection,
    plan: &Plan<'_>,
    limit: Option<usize>,
    schema: &TableSchema,
) -> Result<Page> {
    let mut stmt = conn.prepare_cached(&plan.sql)?;
    bind_plan(&mut stmt, plan)?;
    collect(stmt.raw_query(), limit, schema, plan.index)
}

fn collect(
    mut rows: rusqlite::Rows<'_>,
    limit: Option<usize>,
    schema: &TableSchema,
    index: Option<&IndexSchema>,
) -> Result<Page> {
    let mut items = Vec::with_capacity(limit.unwrap_or(16).min(1024));
    let mut more = false;
    while let Some(row) = rows.next()? {
        if limit.is_some_and(|l| items.len() == l) {
            more = true;
            break;
        }
        items.push(parse_doc(row.get_ref(0)?)?);
    }
    let last_evaluated_key = match items.last() {
        Some(last) if more => Some(page_key(schema, index, last)),
        _ => None,
    };
    Ok(Page {
        items,
        last_evaluated_key,
    })
}

/// The key attributes of an item: the table's key, plus the index's for an index query.
fn page_key(schema: &TableSchema, index: Option<&IndexSchema>, item: &Item) -> Item {
    let names = [
        Some(&schema.partition_key),
        schema.sort_key.as_ref(),
        index.map(|i| &i.partition_key),
        index.and_then(|i| i.sort_key.as_ref()),
    ];
    let mut key = Item::new();
    for name in names.into_iter().flatten() {
        if let Some(v) = item.get(name) {
            key.insert(name.clone(), v.clone());
        }
    }
    key
}

const SCAN_SQL: &str = "SELECT doc FROM store_items WHERE t = ?1 ORDER BY pk, sk";
const SCAN_FROM_SQL: &str = "SELECT doc FROM store_items WHERE t = ?1 AND (pk, sk) > (?2, ?3) \
                             ORDER BY pk, sk";

pub(crate) fn scan(
    shared: &Shared,
    table: &str,
    limit: Option<usize>,
    exclusive_start_key: Option<&Item>,
) -> Result<Page> {
    let meta = shared.table(table)?;
    if limit == Some(0) {
        return Ok(Page::default());
    }
    let start = match exclusive_start_key {
        Some(s) => Some(keys::item_key_columns(&meta.schema, s).map_err(invalid_start)?),
        None => None,
    };
    shared.with_reader(|conn| {
        let mut stmt = conn.prepare_cached(if start.is_some() {
            SCAN_FROM_SQL
        } else {
            SCAN_SQL
        })?;
        stmt.raw_bind_parameter(1, meta.id)?;
        if let Some((pk, sk)) = &start {
            stmt.raw_bind_parameter(2, pk)?;
            stmt.raw_bind_parameter(3, sk)?;
        }
        collect(stmt.raw_query(), limit, &meta.schema, None)
    })
}

pub(crate) fn query_plan(shared: &Shared, table: &str, query: &Query) -> Result<Vec<String>> {
    let meta = shared.table(table)?;
    let Some(plan) = plan(&meta, query)? else {
        return Ok(vec!["(empty range: no statement)".into()]);
    };
    shared.with_reader(|conn| {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {}", plan.sql))?;
        bind_plan(&mut stmt, &plan)?;
        plan_lines(stmt.raw_query())
    })
}

pub(crate) fn explain(conn: &Connection, sql: &str, params: &[&dyn ToSql]) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
    for (i, p) in params.iter().enumerate() {
        stmt.raw_bind_parameter(i + 1, p)?;
    }
    plan_lines(stmt.raw_query())
}

fn plan_lines(mut rows: rusqlite::Rows<'_>) -> Result<Vec<String>> {
    let mut lines = Vec::new();
    while let Some(row) = rows.next()? {
        lines.push(row.get::<_, String>(3)?);
    }
    Ok(lines)
}

/// The plan of a scan page (for the plan tests).
pub(crate) fn scan_plan(shared: &Shared, from: bool) -> Result<Vec<String>> {
    let sql = if from { SCAN_FROM_SQL } else { SCAN_SQL };
    let params: &[&dyn ToSql] = if from { &[&1, &"a", &""] } else { &[&1] };
    shared.with_reader(|c| explain(c, sql, params))
}

#[cfg(test)]
mod tests {
    use rusqlite::StatementStatus;
    use serde_json::json;

    use super::*;
    use crate::DocumentStore;
    use crate::sqlite::SqliteStore;
    use crate::types::{IndexSchema, SortCondition};

    /// Each statement is compiled once per connection, whatever the values bound to it.
    #[tokio::test]
    async fn statements_are_not_re_prepared() {
        let store = SqliteStore::open_in_memory().unwrap();
        let schema = TableSchema::new("T", "id")
            .with_sort_key("n")
            .with_index(IndexSchema::new("byO", "o").with_sort_key("c"));
        store.ensure_table(&schema).await.unwrap();
        for i in 0..60 {
            let it = json!({"id": format!("k{}", i % 3), "n": i, "o": format!("u{}", i % 4), "c": format!("c{i}")});
            store
                .put("T", it.as_object().unwrap().clone(), None)
                .await
                .unwrap();
        }
        let queries = |i: usize| {
            [
                Query::new(format!("u{}", i % 4)).index("byO").limit(3 + i),
                Query::new(format!("u{}", i % 4))
                    .index("byO")
                    .sort(SortCondition::Gt(format!("c{i}").into())),
                Query::new(format!("k{}", i % 3))
                    .sort(SortCondition::Between((i as i64).into(), 50.into())),
            ]
        };
        for i in 0..6 {
            for q in queries(i) {
                store.query_blocking("T", &q).unwrap();
            }
        }
        let meta = store.shared.table("T").unwrap();
        for q in queries(0) {
            let plan = plan(&meta, &q).unwrap().unwrap();
            let reprepared = store
                .shared
                .with_reader(|c| {
                    Ok(c.prepare_cached(&plan.sql)?
                        .get_status(StatementStatus::RePrepare))
                })
                .unwrap();
            assert_eq!(reprepared, 0, "{}", plan.sql);
        }
    }
}
