//! Filters and conditions: `Model*FilterInput`, `Model*ConditionInput` and
//! `ModelSubscription*FilterInput`, compiled once and evaluated on records.
//!
//! Semantics are DynamoDB's filter/condition expressions, which is what AppSync's resolvers
//! translate these inputs to: comparisons hold only between values of the same type (a string
//! is never less than a number), a missing attribute fails every comparison except `ne` and
//! `notContains`, `contains` is a substring test on strings and a membership test on lists,
//! `size` is the length of a string, list or object, `attributeType` names DynamoDB types
//! (`string`, `number`, `bool`, `list`, `map`, `_null`, ...). Operators given as `null` are
//! ignored, as AppSync ignores them. A filter on a custom-type field may hold a nested filter
//! of the custom type's fields.

use std::cmp::Ordering;

use ampbase_data_compiler::DataModel;
use ampbase_data_compiler::model::{Field, FieldKind};
use serde_json::{Map, Value};

use crate::api::{DataError, DataErrorKind, DataResult};

fn bad(msg: impl Into<String>) -> DataError {
    DataError::new(DataErrorKind::Validation, msg)
}

/// A compiled filter.
#[derive(Debug, Clone)]
pub enum Filter {
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Not(Box<Filter>),
    /// Conditions on one attribute, all of which must hold.
    Field(String, Vec<Op>),
    /// A nested filter on an object attribute (a custom type).
    Nested(String, Box<Filter>),
    True,
}

#[derive(Debug, Clone)]
pub enum Op {
    Eq(Value),
    Ne(Value),
    Le(Value),
    Lt(Value),
    Ge(Value),
    Gt(Value),
    Contains(Value),
    NotContains(Value),
    Between(Value, Value),
    BeginsWith(String),
    In(Vec<Value>),
    NotIn(Vec<Value>),
    AttributeExists(bool),
    AttributeType(String),
    Size(Vec<Op>),
}

const OPERATORS: [&str; 15] = [
    "eq",
    "ne",
    "le",
    "lt",
    "ge",
    "gt",
    "contains",
    "notContains",
    "between",
    "beginsWith",
    "in",
    "notIn",
    "attributeExists",
    "attributeType",
    "size",
];

impl Filter {
    /// Compiles a filter on the fields of `fields` (a model's or custom type's).
    pub fn compile(dm: &DataModel, fields: &[Field], value: Option<&Value>) -> DataResult<Filter> {
        match value {
            None | Some(Value::Null) => Ok(Filter::True),
            Some(Value::Object(map)) => compile_object(dm, fields, map),
            Some(_) => Err(bad("A filter must be an object")),
        }
    }

    pub fn is_true(&self) -> bool {
        matches!(self, Filter::True)
    }

    pub fn matches(&self, record: &Map<String, Value>) -> bool {
        match self {
            Filter::True => true,
            Filter::And(fs) => fs.iter().all(|f| f.matches(record)),
            Filter::Or(fs) => fs.iter().any(|f| f.matches(record)),
            Filter::Not(f) => !f.matches(record),
            Filter::Field(name, ops) => {
                let v = record.get(name);
                ops.iter().all(|op| op.holds(v))
            }
            Filter::Nested(name, f) => match record.get(name) {
                Some(Value::Object(inner)) => f.matches(inner),
                _ => f.matches(&Map::new()),
            },
        }
    }
}

fn compile_object(
    dm: &DataModel,
    fields: &[Field],
    map: &Map<String, Value>,
) -> DataResult<Filter> {
    let mut parts = Vec::new();
    for (k, v) in map {
        if v.is_null() {
            continue;
        }
        match k.as_str() {
            "and" | "or" => {
                let items = match v {
                    Value::Array(items) => items.clone(),
                    obj @ Value::Object(_) => vec![obj.clone()],
                    _ => return Err(bad(format!("{k} takes a list of filters"))),
                };
                let compiled = items
                    .iter()
                    .map(|i| Filter::compile(dm, fields, Some(i)))
                    .collect::<DataResult<Vec<_>>>()?;
                parts.push(if k == "and" {
                    Filter::And(compiled)
                } else {
                    Filter::Or(compiled)
                });
            }
            "not" => parts.push(Filter::Not(Box::new(Filter::compile(dm, fields, Some(v))?))),
            name => {
                let field = fields
                    .iter()
                    .find(|f| f.name == name)
                    .ok_or_else(|| bad(format!("The filter names an unknown field '{name}'")))?;
                let Value::Object(ops) = v else {
                    return Err(bad(format!("The filter on '{name}' must be an object")));
                };
                if field.kind == FieldKind::CustomType
                    && ops.keys().any(|k| !OPERATORS.contains(&k.as_str()))
                {
                    let ct = dm
                        .custom_type(&field.ty.name)
                        .ok_or_else(|| bad(format!("Unknown type {}", field.ty.name)))?;
                    parts.push(Filter::Nested(
                        name.to_string(),
                        Box::new(compile_object(dm, &ct.fields, ops)?),
                    ));
                } else {
                    parts.push(Filter::Field(name.to_string(), compile_ops(name, ops)?));
                }
            }
        }
    }
    Ok(match parts.len() {
        0 => Filter::True,
        1 => parts.pop().unwrap(),
        _ => Filter::And(parts),
    })
}

fn compile_ops(name: &str, ops: &Map<String, Value>) -> DataResult<Vec<Op>> {
    let mut out = Vec::new();
    for (op, arg) in ops {
        if arg.is_null() {
            continue;
        }
        let pair = |arg: &Value| -> DataResult<(Value, Value)> {
            match arg.as_array().map(Vec::as_slice) {
                Some([a, b]) => Ok((a.clone(), b.clone())),
                _ => Err(bad(format!("between on '{name}' takes two values"))),
            }
        };
        let list = |arg: &Value| -> DataResult<Vec<Value>> {
            arg.as_array()
                .cloned()
                .ok_or_else(|| bad(format!("{op} on '{name}' takes a list")))
        };
        out.push(match op.as_str() {
            "eq" => Op::Eq(arg.clone()),
            "ne" => Op::Ne(arg.clone()),
            "le" => Op::Le(arg.clone()),
            "lt" => Op::Lt(arg.clone()),
            "ge" => Op::Ge(arg.clone()),
            "gt" => Op::Gt(arg.clone()),
            "contains" => Op::Contains(arg.clone()),
            "notContains" => Op::NotContains(arg.clone()),
            "between" => {
                let (a, b) = pair(arg)?;
                Op::Between(a, b)
            }
            "beginsWith" => Op::BeginsWith(
                arg.as_str()
                    .ok_or_else(|| bad(format!("beginsWith on '{name}' takes a string")))?
                    .to_string(),
            ),
            "in" => Op::In(list(arg)?),
            "notIn" => Op::NotIn(list(arg)?),
            "attributeExists" => Op::AttributeExists(
                arg.as_bool()
                    .ok_or_else(|| bad("attributeExists takes a Boolean"))?,
            ),
            "attributeType" => {
                let t = arg
                    .as_str()
                    .ok_or_else(|| bad("attributeType takes a ModelAttributeTypes value"))?;
                if ![
                    "binary",
                    "binarySet",
                    "bool",
                    "list",
                    "map",
                    "number",
                    "numberSet",
                    "string",
                    "stringSet",
                    "_null",
                ]
                .contains(&t)
                {
                    return Err(bad(format!("Unknown attributeType {t}")));
                }
                Op::AttributeType(t.to_string())
            }
            "size" => {
                let Value::Object(sops) = arg else {
                    return Err(bad("size takes a ModelSizeInput"));
                };
                Op::Size(compile_ops(name, sops)?)
            }
            other => {
                return Err(bad(format!(
                    "Unknown filter operator '{other}' on '{name}'"
                )));
            }
        });
    }
    Ok(out)
}

/// DynamoDB's comparison: numbers numerically, strings by bytes, booleans only for equality.
fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            if let (Some(x), Some(y)) = (x.as_i64(), y.as_i64()) {
                return Some(x.cmp(&y));
            }
            x.as_f64()?.partial_cmp(&y.as_f64()?)
        }
        (Value::String(x), Value::String(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        _ => None,
    }
}

fn equal(a: &Value, b: &Value) -> bool {
    match compare(a, b) {
        Some(o) => o == Ordering::Equal,
        None => a == b,
    }
}

impl Op {
    fn holds(&self, v: Option<&Value>) -> bool {
        // `null` stored is DynamoDB's NULL type: it exists, equals only null.
        match self {
            Op::AttributeExists(want) => v.is_some_and(|v| !v.is_null()) == *want,
            Op::AttributeType(t) => v.is_some_and(|v| {
                let actual = match v {
                    Value::Null => "_null",
                    Value::Bool(_) => "bool",
                    Value::Number(_) => "number",
                    Value::String(_) => "string",
                    Value::Array(_) => "list",
                    Value::Object(_) => "map",
                };
                actual == t
            }),
            Op::Ne(x) => v.is_none_or(|v| !equal(v, x)),
            Op::NotContains(x) => !contains(v, x),
            Op::NotIn(xs) => v.is_none_or(|v| !xs.iter().any(|x| equal(v, x))),
            _ => {
                let Some(v) = v else { return false };
                match self {
                    Op::Eq(x) => equal(v, x),
                    Op::Le(x) => compare(v, x).is_some_and(|o| o != Ordering::Greater),
                    Op::Lt(x) => compare(v, x) == Some(Ordering::Less),
                    Op::Ge(x) => compare(v, x).is_some_and(|o| o != Ordering::Less),
                    Op::Gt(x) => compare(v, x) == Some(Ordering::Greater),
                    Op::Between(a, b) => {
                        compare(v, a).is_some_and(|o| o != Ordering::Less)
                            && compare(v, b).is_some_and(|o| o != Ordering::Greater)
                    }
                    Op::BeginsWith(p) => v.as_str().is_some_and(|s| s.starts_with(p.as_str())),
                    Op::Contains(x) => contains(Some(v), x),
                    Op::In(xs) => xs.iter().any(|x| equal(v, x)),
                    Op::Size(ops) => {
                        let n = match v {
                            Value::String(s) => s.chars().count(),
                            Value::Array(a) => a.len(),
                            Value::Object(o) => o.len(),
                            _ => return false,
                        };
                        let n = Value::from(n as i64);
                        ops.iter().all(|op| op.holds(Some(&n)))
                    }
                    _ => false,
                }
            }
        }
    }
}

fn contains(v: Option<&Value>, x: &Value) -> bool {
    match (v, x) {
        (Some(Value::String(s)), Value::String(sub)) => s.contains(sub.as_str()),
        (Some(Value::Array(items)), x) => items.iter().any(|i| equal(i, x)),
        _ => false,
    }
}
