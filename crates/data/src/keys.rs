//! Tables and keys: how a model's records are keyed in the document store.
//!
//! This follows Amplify's DynamoDB layout so that data and queries behave as on AWS:
//! one table per model (named after the model), partition key = the first primary key field,
//! sort key = the remaining key fields; with several sort key fields the sort key is a
//! *composite attribute* named `field1#field2` whose value is the field values joined with `#`
//! (`"1.5#2024-01-01"`), exactly as `@primaryKey(sortKeyFields: [...])` and
//! `@index(sortKeyFields: [...])` store them. Each `@index` is a GSI with the same rule.
//! Composite attributes are maintained on every write and stripped from returned records.
//!
//! For models with owner rules on a single-valued owner field, an extra GSI keyed by that field
//! (`ampbase:owner:<field>`) lets owner-restricted lists query only the caller's records
//! instead of scanning the table (see `service::plan_list`).

use ampbase_data_compiler::model::{AuthStrategy, FieldKind, Model, Scalar};
use ampbase_store::{IndexSchema, Item, Key, KeyValue, SortCondition, TableSchema};
use serde_json::Value;

use crate::api::{DataError, DataErrorKind, DataResult};

/// The name of the GSI on an owner field.
pub fn owner_index_name(field: &str) -> String {
    format!("ampbase:owner:{field}")
}

/// The key layout of one key (primary key or index): its partition field, its sort fields and
/// the attribute that holds the (maybe composite) sort key.
#[derive(Debug, Clone)]
pub struct KeyLayout {
    /// `None` for the primary key.
    pub index: Option<String>,
    pub partition: String,
    pub sort_fields: Vec<String>,
}

impl KeyLayout {
    /// The stored attribute holding the sort key: the field itself, or `a#b` when composite.
    pub fn sort_attribute(&self) -> Option<String> {
        match self.sort_fields.len() {
            0 => None,
            1 => Some(self.sort_fields[0].clone()),
            _ => Some(self.sort_fields.join("#")),
        }
    }

    pub fn is_composite(&self) -> bool {
        self.sort_fields.len() > 1
    }
}

/// The key layouts of a model: primary key, `@index`es and owner indexes.
#[derive(Debug, Clone)]
pub struct ModelKeys {
    pub table: String,
    pub primary: KeyLayout,
    pub indexes: Vec<KeyLayout>,
    /// Composite attributes written beside the fields: (attribute, fields).
    pub composites: Vec<(String, Vec<String>)>,
}

impl ModelKeys {
    /// `implicit`: indexes that relationships of other models query on this one without an
    /// `@index` declaring them (`gsi-Blog.posts` of `hasMany(references)`: Amplify creates
    /// these GSIs too), as (name, partition field, sort fields).
    pub fn new(model: &Model, implicit: &[(String, String, Vec<String>)]) -> ModelKeys {
        let primary = KeyLayout {
            index: None,
            partition: model.primary_key.partition_key.clone(),
            sort_fields: model.primary_key.sort_keys.clone(),
        };
        let mut indexes: Vec<KeyLayout> = model
            .indexes
            .iter()
            .map(|i| KeyLayout {
                index: Some(i.name.clone()),
                partition: i.partition_key.clone(),
                sort_fields: i.sort_keys.clone(),
            })
            .collect();
        for (name, partition, sort) in implicit {
            if !indexes
                .iter()
                .any(|l| l.index.as_deref() == Some(name.as_str()))
            {
                indexes.push(KeyLayout {
                    index: Some(name.clone()),
                    partition: partition.clone(),
                    sort_fields: sort.clone(),
                });
            }
        }
        for field in owner_index_fields(model) {
            indexes.push(KeyLayout {
                index: Some(owner_index_name(&field)),
                partition: field,
                sort_fields: Vec::new(),
            });
        }
        let mut composites: Vec<(String, Vec<String>)> = Vec::new();
        for layout in std::iter::once(&primary).chain(indexes.iter()) {
            if layout.is_composite() {
                let attr = layout.sort_attribute().unwrap();
                if !composites.iter().any(|(a, _)| *a == attr) {
                    composites.push((attr, layout.sort_fields.clone()));
                }
            }
        }
        ModelKeys {
            table: model.name.clone(),
            primary,
            indexes,
            composites,
        }
    }

    pub fn schema(&self) -> TableSchema {
        let mut schema = TableSchema::new(&self.table, &self.primary.partition);
        schema.sort_key = self.primary.sort_attribute();
        for i in &self.indexes {
            let mut ix = IndexSchema::new(i.index.clone().unwrap(), &i.partition);
            ix.sort_key = i.sort_attribute();
            schema = schema.with_index(ix);
        }
        schema
    }

    pub fn layout(&self, index: Option<&str>) -> Option<&KeyLayout> {
        match index {
            None => Some(&self.primary),
            Some(name) => self
                .indexes
                .iter()
                .find(|l| l.index.as_deref() == Some(name)),
        }
    }

    /// Sets (or removes, when a part is missing) every composite attribute of `item`.
    pub fn fill_composites(&self, item: &mut Item) {
        for (attr, fields) in &self.composites {
            match composite_value(fields.iter().map(|f| item.get(f))) {
                Some(v) => {
                    item.insert(attr.clone(), Value::String(v));
                }
                None => {
                    item.remove(attr);
                }
            }
        }
    }

    /// Removes the stored-only attributes (composite keys, `__typename`) from a stored item.
    pub fn strip(&self, item: &mut Item) {
        for (attr, _) in &self.composites {
            item.remove(attr);
        }
        item.remove("__typename");
    }

    /// The store key of a record, from its primary key fields.
    pub fn key_of(&self, record: &Item) -> DataResult<Key> {
        let partition = key_value(record.get(&self.primary.partition)).ok_or_else(|| {
            DataError::new(
                DataErrorKind::Validation,
                format!("The key field {} is required", self.primary.partition),
            )
        })?;
        let sort = match self.primary.sort_fields.len() {
            0 => None,
            1 => Some(
                key_value(record.get(&self.primary.sort_fields[0])).ok_or_else(|| {
                    DataError::new(
                        DataErrorKind::Validation,
                        format!("The key field {} is required", self.primary.sort_fields[0]),
                    )
                })?,
            ),
            _ => {
                for f in &self.primary.sort_fields {
                    if key_value(record.get(f)).is_none() {
                        return Err(DataError::new(
                            DataErrorKind::Validation,
                            format!("The key field {f} is required"),
                        ));
                    }
                }
                Some(KeyValue::S(
                    composite_value(self.primary.sort_fields.iter().map(|f| record.get(f)))
                        .unwrap(),
                ))
            }
        };
        Ok(Key { partition, sort })
    }

    /// Every key attribute of an item in `layout` plus the table key: what the store returns as
    /// `last_evaluated_key` for an item, so a page can end after any item.
    pub fn page_key(&self, layout: Option<&KeyLayout>, item: &Item) -> Item {
        let mut key = Item::new();
        let mut add = |attr: &str| {
            if let Some(v) = item.get(attr) {
                key.insert(attr.to_string(), v.clone());
            }
        };
        add(&self.primary.partition);
        if let Some(s) = self.primary.sort_attribute() {
            add(&s);
        }
        if let Some(l) = layout {
            add(&l.partition);
            if let Some(s) = l.sort_attribute() {
                add(&s);
            }
        }
        key
    }
}

/// The indexes relationship lookups need on each model beyond its `@index`es, by model.
pub fn implicit_indexes(
    dm: &ampbase_data_compiler::DataModel,
) -> std::collections::HashMap<String, Vec<(String, String, Vec<String>)>> {
    use ampbase_data_compiler::model::Resolution;
    let mut out: std::collections::HashMap<String, Vec<(String, String, Vec<String>)>> =
        Default::default();
    for m in &dm.models {
        for f in &m.fields {
            let Some(rel) = &f.relationship else { continue };
            let Resolution::Query {
                index: Some(index),
                key_fields,
                ..
            } = &rel.resolution
            else {
                continue;
            };
            let Some(target) = dm.model(&rel.target_model) else {
                continue;
            };
            if target.indexes.iter().any(|i| i.name == *index) || key_fields.is_empty() {
                continue;
            }
            let entry = out.entry(target.name.clone()).or_default();
            if !entry.iter().any(|(n, _, _)| n == index) {
                entry.push((
                    index.clone(),
                    key_fields[0].clone(),
                    key_fields[1..].to_vec(),
                ));
            }
        }
    }
    out
}

/// Single-valued owner fields of the model's owner rules (model level), which get a GSI.
fn owner_index_fields(model: &Model) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for rule in &model.auth {
        if rule.strategy != AuthStrategy::Owner {
            continue;
        }
        let field = rule.owner_field_or_default();
        let scalar = model
            .field(field)
            .map(|f| !f.ty.is_list && matches!(f.kind, FieldKind::Scalar(_)))
            .unwrap_or(true);
        let is_key = model.key_fields().contains(&field);
        if scalar && !is_key && !out.iter().any(|f| f == field) {
            out.push(field.to_string());
        }
    }
    out
}

/// A JSON value as a key value (strings and numbers; booleans are not key types).
pub fn key_value(v: Option<&Value>) -> Option<KeyValue> {
    v.and_then(KeyValue::from_value)
}

/// One part of a composite key, as Amplify's resolvers render it (`"${value}"`).
pub fn part_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `v1#v2#…` when every part is present.
pub fn composite_value<'a>(parts: impl Iterator<Item = Option<&'a Value>>) -> Option<String> {
    let mut out: Vec<String> = Vec::new();
    for p in parts {
        out.push(part_string(p?)?);
    }
    Some(out.join("#"))
}

/// Coerces a key argument to the type of the key field: the edge may give an `Int` key as a
/// JSON number or string; the store compares by type.
pub fn coerce_key_arg(model: &Model, field: &str, v: &Value) -> Value {
    let numeric = matches!(
        model.field(field).map(|f| &f.kind),
        Some(FieldKind::Scalar(
            Scalar::Int | Scalar::Float | Scalar::AWSTimestamp
        ))
    );
    match (numeric, v) {
        (true, Value::String(s)) => s
            .parse::<serde_json::Number>()
            .map(Value::Number)
            .unwrap_or_else(|_| v.clone()),
        _ => v.clone(),
    }
}

fn bad(msg: impl Into<String>) -> DataError {
    DataError::new(DataErrorKind::Validation, msg)
}

/// A `Model*KeyConditionInput` (single sort key) or `Model*CompositeKeyConditionInput` as a
/// store sort condition on `layout`'s sort attribute.
///
/// Composite conditions join the given parts with `#` as Amplify's resolvers do; parts must be
/// given as a prefix of the sort fields. `eq` with every part is an equality; `eq` with a prefix
/// is `beginsWith("v1#")` (all records under that prefix), `beginsWith` joins the prefix without
/// a trailing separator. Range operators compare the joined strings (so, as on AWS, numeric
/// parts of composite keys compare as strings).
pub fn sort_condition(
    model: &Model,
    layout: &KeyLayout,
    cond: &Value,
) -> DataResult<Option<SortCondition>> {
    let Value::Object(map) = cond else {
        if cond.is_null() {
            return Ok(None);
        }
        return Err(bad("A key condition must be an object"));
    };
    let ops: Vec<(&String, &Value)> = map.iter().filter(|(_, v)| !v.is_null()).collect();
    if ops.is_empty() {
        return Ok(None);
    }
    if ops.len() > 1 {
        return Err(bad("A key condition takes exactly one operator"));
    }
    let (op, arg) = ops[0];
    if layout.sort_fields.is_empty() {
        return Err(bad("This key has no sort key"));
    }
    if !layout.is_composite() {
        let field = &layout.sort_fields[0];
        let kv = |v: &Value| -> DataResult<KeyValue> {
            key_value(Some(&coerce_key_arg(model, field, v)))
                .ok_or_else(|| bad(format!("Invalid key condition value for {field}")))
        };
        return Ok(Some(match op.as_str() {
            "eq" => SortCondition::Eq(kv(arg)?),
            "le" => SortCondition::Le(kv(arg)?),
            "lt" => SortCondition::Lt(kv(arg)?),
            "ge" => SortCondition::Ge(kv(arg)?),
            "gt" => SortCondition::Gt(kv(arg)?),
            "between" => {
                let items = arg
                    .as_array()
                    .filter(|a| a.len() == 2)
                    .ok_or_else(|| bad("between takes two values"))?;
                SortCondition::Between(kv(&items[0])?, kv(&items[1])?)
            }
            "beginsWith" => SortCondition::BeginsWith(
                arg.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| bad("beginsWith takes a string"))?,
            ),
            other => return Err(bad(format!("Unknown key condition operator {other}"))),
        }));
    }
    // Composite.
    let joined = |v: &Value| -> DataResult<(String, bool)> {
        let Value::Object(parts) = v else {
            return Err(bad("A composite key condition takes an object"));
        };
        let mut out: Vec<String> = Vec::new();
        let mut ended = false;
        for f in &layout.sort_fields {
            match parts.get(f).filter(|v| !v.is_null()) {
                Some(p) if !ended => {
                    out.push(part_string(p).ok_or_else(|| bad(format!("Invalid key part {f}")))?)
                }
                Some(_) => {
                    return Err(bad(format!(
                        "Composite key parts must be given in order: {f} follows a missing part"
                    )));
                }
                None => ended = true,
            }
        }
        if let Some(k) = parts.keys().find(|k| !layout.sort_fields.contains(k)) {
            return Err(bad(format!("Unknown composite key part {k}")));
        }
        let complete = out.len() == layout.sort_fields.len();
        Ok((out.join("#"), complete))
    };
    Ok(Some(match op.as_str() {
        "eq" => {
            let (s, complete) = joined(arg)?;
            if complete {
                SortCondition::Eq(KeyValue::S(s))
            } else {
                SortCondition::BeginsWith(format!("{s}#"))
            }
        }
        "le" => SortCondition::Le(KeyValue::S(joined(arg)?.0)),
        "lt" => SortCondition::Lt(KeyValue::S(joined(arg)?.0)),
        "ge" => SortCondition::Ge(KeyValue::S(joined(arg)?.0)),
        "gt" => SortCondition::Gt(KeyValue::S(joined(arg)?.0)),
        "between" => {
            let items = arg
                .as_array()
                .filter(|a| a.len() == 2)
                .ok_or_else(|| bad("between takes two values"))?;
            SortCondition::Between(
                KeyValue::S(joined(&items[0])?.0),
                KeyValue::S(joined(&items[1])?.0),
            )
        }
        "beginsWith" => SortCondition::BeginsWith(joined(arg)?.0),
        other => return Err(bad(format!("Unknown key condition operator {other}"))),
    }))
}

/// The sort condition that selects the records whose first sort fields equal `values`
/// (relationship lookups on a key prefix).
pub fn prefix_condition(layout: &KeyLayout, values: &[Value]) -> Option<SortCondition> {
    if values.is_empty() {
        return None;
    }
    if !layout.is_composite() {
        return key_value(values.first()).map(SortCondition::Eq);
    }
    let s = composite_value(values.iter().map(Some))?;
    if values.len() >= layout.sort_fields.len() {
        Some(SortCondition::Eq(KeyValue::S(s)))
    } else {
        Some(SortCondition::BeginsWith(format!("{s}#")))
    }
}
