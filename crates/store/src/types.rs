//! The protocol-free vocabulary of the store: schemas, keys, conditions, queries, pages.

use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value};

/// One stored document: a JSON object, like a DynamoDB item.
pub type Item = Map<String, Value>;

/// A table: Amplify's DynamoDB table of one model. Names are attribute names in the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableSchema {
    pub name: String,
    pub partition_key: String,
    #[serde(default)]
    pub sort_key: Option<String>,
    #[serde(default)]
    pub indexes: Vec<IndexSchema>,
}

impl TableSchema {
    /// A table keyed by one attribute, without indexes.
    pub fn new(name: impl Into<String>, partition_key: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            partition_key: partition_key.into(),
            sort_key: None,
            indexes: Vec::new(),
        }
    }

    pub fn with_sort_key(mut self, sort_key: impl Into<String>) -> Self {
        self.sort_key = Some(sort_key.into());
        self
    }

    pub fn with_index(mut self, index: IndexSchema) -> Self {
        self.indexes.push(index);
        self
    }

    pub fn index(&self, name: &str) -> Option<&IndexSchema> {
        self.indexes.iter().find(|i| i.name == name)
    }
}

/// A global secondary index. Like DynamoDB's, it is sparse: an item appears in it only when
/// it has the index's key attributes as strings or numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexSchema {
    pub name: String,
    pub partition_key: String,
    #[serde(default)]
    pub sort_key: Option<String>,
}

impl IndexSchema {
    pub fn new(name: impl Into<String>, partition_key: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            partition_key: partition_key.into(),
            sort_key: None,
        }
    }

    pub fn with_sort_key(mut self, sort_key: impl Into<String>) -> Self {
        self.sort_key = Some(sort_key.into());
        self
    }
}

/// A key attribute value: DynamoDB's `S` or `N`. Serialises as the plain JSON string or
/// number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum KeyValue {
    S(String),
    N(Number),
}

impl KeyValue {
    /// The key value of a document attribute, if it is a string or a number.
    pub fn from_value(value: &Value) -> Option<KeyValue> {
        match value {
            Value::String(s) => Some(KeyValue::S(s.clone())),
            Value::Number(n) => Some(KeyValue::N(n.clone())),
            _ => None,
        }
    }

    pub fn to_value(&self) -> Value {
        match self {
            KeyValue::S(s) => Value::String(s.clone()),
            KeyValue::N(n) => Value::Number(n.clone()),
        }
    }

    /// DynamoDB's order: strings by UTF-8 bytes, numbers numerically; a string and a
    /// number are not comparable.
    pub fn dynamo_cmp(&self, other: &KeyValue) -> Option<Ordering> {
        match (self, other) {
            (KeyValue::S(a), KeyValue::S(b)) => Some(a.as_bytes().cmp(b.as_bytes())),
            (KeyValue::N(a), KeyValue::N(b)) => Some(cmp_numbers(a, b)),
            _ => None,
        }
    }
}

/// Numeric comparison of two JSON numbers, exact for integers.
pub(crate) fn cmp_numbers(a: &Number, b: &Number) -> Ordering {
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        return x.cmp(&y);
    }
    if let (Some(x), Some(y)) = (a.as_u64(), b.as_u64()) {
        return x.cmp(&y);
    }
    let (x, y) = (a.as_f64().unwrap_or(0.0), b.as_f64().unwrap_or(0.0));
    x.partial_cmp(&y).unwrap_or(Ordering::Equal)
}

impl From<&str> for KeyValue {
    fn from(s: &str) -> Self {
        KeyValue::S(s.to_owned())
    }
}

impl From<String> for KeyValue {
    fn from(s: String) -> Self {
        KeyValue::S(s)
    }
}

impl From<i64> for KeyValue {
    fn from(n: i64) -> Self {
        KeyValue::N(n.into())
    }
}

impl From<i32> for KeyValue {
    fn from(n: i32) -> Self {
        KeyValue::N(n.into())
    }
}

impl From<u64> for KeyValue {
    fn from(n: u64) -> Self {
        KeyValue::N(n.into())
    }
}

impl From<Number> for KeyValue {
    fn from(n: Number) -> Self {
        KeyValue::N(n)
    }
}

impl fmt::Display for KeyValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyValue::S(s) => write!(f, "{s:?}"),
            KeyValue::N(n) => write!(f, "{n}"),
        }
    }
}

/// The primary key of one item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Key {
    pub partition: KeyValue,
    #[serde(default)]
    pub sort: Option<KeyValue>,
}

impl Key {
    pub fn new(partition: impl Into<KeyValue>) -> Self {
        Self {
            partition: partition.into(),
            sort: None,
        }
    }

    pub fn with_sort(partition: impl Into<KeyValue>, sort: impl Into<KeyValue>) -> Self {
        Self {
            partition: partition.into(),
            sort: Some(sort.into()),
        }
    }
}

/// A key condition on the sort key of a table or an index (DynamoDB's
/// `KeyConditionExpression` minus the partition equality).
#[derive(Debug, Clone, PartialEq)]
pub enum SortCondition {
    Eq(KeyValue),
    Lt(KeyValue),
    Le(KeyValue),
    Gt(KeyValue),
    Ge(KeyValue),
    /// Both bounds inclusive. A lower bound above the upper bound matches nothing.
    Between(KeyValue, KeyValue),
    /// Strings only, by bytes.
    BeginsWith(String),
}

/// A query of one partition of a table or of one of its indexes.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// `None` queries the table's primary key.
    pub index: Option<String>,
    pub partition: KeyValue,
    pub sort: Option<SortCondition>,
    /// Ascending sort key order when true (DynamoDB's `ScanIndexForward`).
    pub forward: bool,
    /// Items per page; `None` returns the whole partition (the data service always sets one).
    pub limit: Option<usize>,
    /// The `last_evaluated_key` of the previous page.
    pub exclusive_start_key: Option<Item>,
}

impl Query {
    pub fn new(partition: impl Into<KeyValue>) -> Self {
        Self {
            index: None,
            partition: partition.into(),
            sort: None,
            forward: true,
            limit: None,
            exclusive_start_key: None,
        }
    }

    pub fn index(mut self, index: impl Into<String>) -> Self {
        self.index = Some(index.into());
        self
    }

    pub fn sort(mut self, condition: SortCondition) -> Self {
        self.sort = Some(condition);
        self
    }

    pub fn forward(mut self, forward: bool) -> Self {
        self.forward = forward;
        self
    }

    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = Some(limit);
        self
    }

    pub fn start(mut self, key: Option<Item>) -> Self {
        self.exclusive_start_key = key;
        self
    }
}

/// One page of a query or a scan.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    pub items: Vec<Item>,
    /// Set exactly when more items follow: the key attributes of the last item (table key,
    /// plus the index key for an index query). Pass it back as the exclusive start key.
    pub last_evaluated_key: Option<Item>,
}

/// A partial update: attributes to set (replacing whole values) and attributes to remove.
/// Key attributes cannot change.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Changes {
    pub set: Item,
    pub remove: Vec<String>,
}

impl Changes {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn set(mut self, attribute: impl Into<String>, value: impl Into<Value>) -> Self {
        self.set.insert(attribute.into(), value.into());
        self
    }

    pub fn remove(mut self, attribute: impl Into<String>) -> Self {
        self.remove.push(attribute.into());
        self
    }
}

/// A predicate over the current version of an item (`None`: no such item), evaluated inside
/// the write transaction, so a failed check is exact even under concurrent writers. It may be
/// evaluated more than once (a backend may retry a transaction), so it must not have side
/// effects, and it should be cheap: it runs while the database's write lock is held.
#[derive(Clone)]
pub struct Condition(Arc<Predicate>);

type Predicate = dyn Fn(Option<&Item>) -> bool + Send + Sync;

impl Condition {
    pub fn new(predicate: impl Fn(Option<&Item>) -> bool + Send + Sync + 'static) -> Self {
        Self(Arc::new(predicate))
    }

    /// The item exists (`attribute_exists(<partition key>)`).
    pub fn exists() -> Self {
        Self::new(|item| item.is_some())
    }

    /// The item does not exist (`attribute_not_exists(<partition key>)`): a create.
    pub fn not_exists() -> Self {
        Self::new(|item| item.is_none())
    }

    pub fn check(&self, item: Option<&Item>) -> bool {
        (self.0)(item)
    }
}

impl fmt::Debug for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Condition(..)")
    }
}

/// One write of a transaction ([`crate::DocumentStore::transact`]).
#[derive(Debug, Clone)]
pub enum WriteOp {
    /// Create or replace the whole item. Result: `None`.
    Put {
        table: String,
        item: Item,
        condition: Option<Condition>,
    },
    /// Partial update, creating the item if it does not exist (guard with
    /// [`Condition::exists`]). Result: the new item.
    Update {
        table: String,
        key: Key,
        changes: Changes,
        condition: Option<Condition>,
    },
    /// Result: the old item, if there was one.
    Delete {
        table: String,
        key: Key,
        condition: Option<Condition>,
    },
    /// No write, only the condition (DynamoDB's `ConditionCheck`). Result: `None`.
    Check {
        table: String,
        key: Key,
        condition: Condition,
    },
}

impl WriteOp {
    pub fn table(&self) -> &str {
        match self {
            WriteOp::Put { table, .. }
            | WriteOp::Update { table, .. }
            | WriteOp::Delete { table, .. }
            | WriteOp::Check { table, .. } => table,
        }
    }
}
