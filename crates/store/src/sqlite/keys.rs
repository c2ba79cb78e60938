//! Key values as SQLite stores and orders them, and the key ranges of sort conditions.
//!
//! SQLite's own order of values is DynamoDB's within a type: INTEGER and REAL compare
//! numerically (exactly, also across the two), TEXT under the default BINARY collation compares
//! by `memcmp`, which for UTF-8 is DynamoDB's byte order. Across types every number sorts
//! before every string; the ranges below use that (`''` is the smallest string) to keep a
//! condition on a string from matching numbers and the reverse, as a typed DynamoDB key would.

use std::borrow::Cow;
use std::cmp::Ordering;

use rusqlite::ToSql;
use rusqlite::types::{ToSqlOutput, ValueRef};
use serde_json::{Number, Value};

use crate::error::{Result, StoreError};
use crate::types::{IndexSchema, Item, Key, KeyValue, SortCondition, TableSchema};

/// A key value as stored in a key column: integers that fit `i64` as INTEGER, other numbers
/// as REAL (so integers beyond `i64` order with `f64` precision), strings as TEXT.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SqlKey<'a> {
    Int(i64),
    Real(f64),
    Text(Cow<'a, str>),
}

/// The sort key column of a table or index that has no sort key.
pub(crate) const NO_SORT: SqlKey<'static> = SqlKey::Text(Cow::Borrowed(""));

impl<'a> SqlKey<'a> {
    pub(crate) fn from_number(n: &Number) -> SqlKey<'static> {
        match n.as_i64() {
            Some(i) => SqlKey::Int(i),
            None => SqlKey::Real(n.as_f64().unwrap_or(0.0)),
        }
    }

    pub(crate) fn from_key_value(v: &'a KeyValue) -> SqlKey<'a> {
        match v {
            KeyValue::S(s) => SqlKey::Text(Cow::Borrowed(s)),
            KeyValue::N(n) => Self::from_number(n),
        }
    }

    /// `None` unless the value is a string or a number.
    pub(crate) fn from_value(v: &'a Value) -> Option<SqlKey<'a>> {
        match v {
            Value::String(s) => Some(SqlKey::Text(Cow::Borrowed(s))),
            Value::Number(n) => Some(Self::from_number(n)),
            _ => None,
        }
    }

    /// SQLite's order of these values (numbers before strings).
    pub(crate) fn sql_cmp(&self, other: &SqlKey<'_>) -> Ordering {
        use SqlKey::*;
        match (self, other) {
            (Int(a), Int(b)) => a.cmp(b),
            (Real(a), Real(b)) => a.total_cmp(b),
            (Int(a), Real(b)) => cmp_int_real(*a, *b),
            (Real(a), Int(b)) => cmp_int_real(*b, *a).reverse(),
            (Text(a), Text(b)) => a.as_bytes().cmp(b.as_bytes()),
            (Text(_), _) => Ordering::Greater,
            (_, Text(_)) => Ordering::Less,
        }
    }

    fn is_text(&self) -> bool {
        matches!(self, SqlKey::Text(_))
    }
}

fn cmp_int_real(i: i64, r: f64) -> Ordering {
    let as_f = i as f64;
    match as_f.total_cmp(&r) {
        // Equal as doubles: decide exactly when the double is an integer in range.
        Ordering::Equal if (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&r) => {
            i.cmp(&(r as i64))
        }
        o => o,
    }
}

impl ToSql for SqlKey<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            SqlKey::Int(i) => ValueRef::Integer(*i),
            SqlKey::Real(r) => ValueRef::Real(*r),
            SqlKey::Text(t) => ValueRef::Text(t.as_bytes()),
        }))
    }
}

/// The key columns (`pk`, `sk`) of a key of `schema`.
pub(crate) fn key_columns<'a>(
    schema: &TableSchema,
    key: &'a Key,
) -> Result<(SqlKey<'a>, SqlKey<'a>)> {
    let pk = SqlKey::from_key_value(&key.partition);
    let sk = match (&schema.sort_key, &key.sort) {
        (Some(_), Some(s)) => SqlKey::from_key_value(s),
        (None, None) => NO_SORT,
        (Some(name), None) => {
            return Err(StoreError::InvalidKey(format!(
                "table {} needs the sort key {name}",
                schema.name
            )));
        }
        (None, Some(_)) => {
            return Err(StoreError::InvalidKey(format!(
                "table {} has no sort key",
                schema.name
            )));
        }
    };
    Ok((pk, sk))
}

fn key_attribute<'a>(table: &str, item: &'a Item, name: &str) -> Result<SqlKey<'a>> {
    match item.get(name) {
        None => Err(StoreError::InvalidKey(format!(
            "an item of {table} must have the key attribute {name}"
        ))),
        Some(v) => SqlKey::from_value(v).ok_or_else(|| {
            StoreError::InvalidKey(format!(
                "the key attribute {name} of {table} must be a string or a number"
            ))
        }),
    }
}

/// The key columns of an item of `schema`.
pub(crate) fn item_key_columns<'a>(
    schema: &TableSchema,
    item: &'a Item,
) -> Result<(SqlKey<'a>, SqlKey<'a>)> {
    let pk = key_attribute(&schema.name, item, &schema.partition_key)?;
    let sk = match &schema.sort_key {
        Some(name) => key_attribute(&schema.name, item, name)?,
        None => NO_SORT,
    };
    Ok((pk, sk))
}

/// The entry of `item` in the index (`ipk`, `isk`), `None` when the item is not in this
/// sparse index.
pub(crate) fn index_columns<'a>(
    index: &IndexSchema,
    item: &'a Item,
) -> Option<(SqlKey<'a>, SqlKey<'a>)> {
    let ipk = SqlKey::from_value(item.get(&index.partition_key)?)?;
    let isk = match &index.sort_key {
        Some(name) => SqlKey::from_value(item.get(name)?)?,
        None => NO_SORT,
    };
    Some((ipk, isk))
}

/// One end of a range.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Bound<'a> {
    pub key: SqlKey<'a>,
    pub inclusive: bool,
}

impl<'a> Bound<'a> {
    fn incl(key: SqlKey<'a>) -> Self {
        Self {
            key,
            inclusive: true,
        }
    }
    fn excl(key: SqlKey<'a>) -> Self {
        Self {
            key,
            inclusive: false,
        }
    }

    /// `v` lies above this lower bound.
    pub(crate) fn admits_above(&self, v: &SqlKey<'_>) -> bool {
        match v.sql_cmp(&self.key) {
            Ordering::Greater => true,
            Ordering::Equal => self.inclusive,
            Ordering::Less => false,
        }
    }

    /// `v` lies below this upper bound.
    pub(crate) fn admits_below(&self, v: &SqlKey<'_>) -> bool {
        match v.sql_cmp(&self.key) {
            Ordering::Less => true,
            Ordering::Equal => self.inclusive,
            Ordering::Greater => false,
        }
    }
}

/// The sort key range of a condition.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Range<'a> {
    pub lower: Option<Bound<'a>>,
    pub upper: Option<Bound<'a>>,
}

/// The range a sort condition selects; `Ok(None)` when it selects nothing.
pub(crate) fn sort_range(condition: Option<&SortCondition>) -> Result<Option<Range<'_>>> {
    use SortCondition::*;
    let Some(condition) = condition else {
        return Ok(Some(Range::default()));
    };
    // The other end of a one-sided condition keeps the range within the value's type.
    let below = |v: &SqlKey<'_>| v.is_text().then(|| Bound::incl(NO_SORT));
    let above = |v: &SqlKey<'_>| (!v.is_text()).then(|| Bound::excl(NO_SORT));
    let range = match condition {
        Eq(v) => {
            let k = SqlKey::from_key_value(v);
            Range {
                lower: Some(Bound::incl(k.clone())),
                upper: Some(Bound::incl(k)),
            }
        }
        Lt(v) | Le(v) => {
            let k = SqlKey::from_key_value(v);
            Range {
                lower: below(&k),
                upper: Some(Bound {
                    inclusive: matches!(condition, Le(_)),
                    key: k,
                }),
            }
        }
        Gt(v) | Ge(v) => {
            let k = SqlKey::from_key_value(v);
            Range {
                upper: above(&k),
                lower: Some(Bound {
                    inclusive: matches!(condition, Ge(_)),
                    key: k,
                }),
            }
        }
        Between(a, b) => {
            let (a, b) = (SqlKey::from_key_value(a), SqlKey::from_key_value(b));
            if a.is_text() != b.is_text() {
                return Err(StoreError::InvalidQuery(
                    "the bounds of between must have the same type".into(),
                ));
            }
            if a.sql_cmp(&b) == Ordering::Greater {
                return Ok(None);
            }
            Range {
                lower: Some(Bound::incl(a)),
                upper: Some(Bound::incl(b)),
            }
        }
        BeginsWith(prefix) => Range {
            lower: Some(Bound::incl(SqlKey::Text(Cow::Borrowed(prefix)))),
            upper: prefix_successor(prefix).map(|s| Bound::excl(SqlKey::Text(Cow::Owned(s)))),
        },
    };
    Ok(Some(range))
}

/// The smallest string above every string that starts with `prefix` (`None`: no string is).
/// UTF-8 preserves code point order and no encoding is a prefix of another, so replacing
/// the last character by its successor is exact.
pub(crate) fn prefix_successor(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let mut next = last as u32 + 1;
        if next == 0xD800 {
            next = 0xE000;
        }
        if let Some(c) = char::from_u32(next) {
            chars.push(c);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn successor_of_prefixes() {
        assert_eq!(prefix_successor("abc").as_deref(), Some("abd"));
        assert_eq!(prefix_successor("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(prefix_successor("\u{D7FF}").as_deref(), Some("\u{E000}"));
        assert_eq!(prefix_successor(""), None);
        assert_eq!(prefix_successor("\u{10FFFF}"), None);
    }

    #[test]
    fn sql_order_matches_sqlite() {
        let c = rusqlite::Connection::open_in_memory().unwrap();
        let vals = [
            SqlKey::Int(-5),
            SqlKey::Real(-4.5),
            SqlKey::Int(2),
            SqlKey::Real(2.0),
            SqlKey::Real(2.5),
            SqlKey::Int(i64::MAX),
            SqlKey::Real(1e300),
            SqlKey::Text("".into()),
            SqlKey::Text("B".into()),
            SqlKey::Text("a".into()),
            SqlKey::Text("é".into()),
            SqlKey::Text("😀".into()),
        ];
        for a in &vals {
            for b in &vals {
                let sqlite: i64 = c
                    .query_row("SELECT (?1 > ?2) - (?1 < ?2)", [a, b], |r| r.get(0))
                    .unwrap();
                assert_eq!(a.sql_cmp(b) as i64, sqlite, "{a:?} vs {b:?}");
            }
        }
    }
}
