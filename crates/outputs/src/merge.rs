//! `ObjectAccumulator` of `@aws-amplify/platform-core`: lodash `mergeWith` with a
//! customiser that concatenates arrays, refuses to overwrite a set primitive and keeps the
//! highest `version` of one major.

use serde_json::{Map, Value};

use crate::OutputsError;

/// Merges `part` into `acc` as `ObjectAccumulator.accumulate` does.
pub(crate) fn accumulate(
    acc: &mut Map<String, Value>,
    part: &Map<String, Value>,
) -> Result<(), OutputsError> {
    for (key, incoming) in part {
        let existing = acc.get_mut(key);
        match existing {
            Some(Value::Array(items)) => match incoming {
                Value::Array(more) => items.extend(more.iter().cloned()),
                Value::Null => {}
                other => items.push(other.clone()),
            },
            Some(existing) if truthy_primitive(existing) => {
                if key == "version" {
                    let (Some(e), Some(i)) = (coerce(existing), coerce(incoming)) else {
                        continue;
                    };
                    if e.0 != i.0 {
                        return Err(OutputsError::VersionMismatch {
                            existing: display(existing),
                            incoming: display(incoming),
                        });
                    }
                    if i >= e {
                        *existing = incoming.clone();
                    }
                } else {
                    return Err(OutputsError::OutputEntryAlreadyExists { key: key.clone() });
                }
            }
            Some(existing) => match (existing, incoming) {
                (Value::Object(e), Value::Object(i)) => accumulate(e, i)?,
                (_, Value::Null) => {}
                (slot, Value::Object(i)) => {
                    let mut fresh = Map::new();
                    accumulate(&mut fresh, i)?;
                    *slot = Value::Object(fresh);
                }
                (slot, other) => *slot = other.clone(),
            },
            None => {
                if !incoming.is_null() {
                    acc.insert(key.clone(), incoming.clone());
                }
            }
        }
    }
    Ok(())
}

fn truthy_primitive(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        _ => false,
    }
}

fn display(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `semver.coerce`: the first `major[.minor[.patch]]` in the value.
pub(crate) fn coerce(v: &Value) -> Option<(u64, u64, u64)> {
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let start = s.find(|c: char| c.is_ascii_digit())?;
    let mut parts = s[start..].split('.');
    let num = |p: Option<&str>| -> Option<u64> {
        let p = p?;
        let digits: String = p.chars().take_while(|c| c.is_ascii_digit()).collect();
        if digits.is_empty() {
            None
        } else {
            digits.parse().ok()
        }
    };
    let major = num(parts.next())?;
    let minor = num(parts.next()).unwrap_or(0);
    let patch = num(parts.next()).unwrap_or(0);
    Some((major, minor, patch))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn merges_like_object_accumulator() {
        let mut acc = obj(json!({ "storage": { "buckets": [1] }, "version": "1" }));
        accumulate(
            &mut acc,
            &obj(json!({ "storage": { "buckets": [2], "x": "y" }, "version": "1.4" })),
        )
        .unwrap();
        assert_eq!(
            Value::Object(acc.clone()),
            json!({ "storage": { "buckets": [1, 2], "x": "y" }, "version": "1.4" })
        );
        let err = accumulate(&mut acc, &obj(json!({ "storage": { "x": "z" } }))).unwrap_err();
        assert!(matches!(err, OutputsError::OutputEntryAlreadyExists { ref key } if key == "x"));
        let err = accumulate(&mut acc, &obj(json!({ "version": "2" }))).unwrap_err();
        assert!(matches!(err, OutputsError::VersionMismatch { .. }));
        accumulate(&mut acc, &obj(json!({ "version": "1.1" }))).unwrap();
        assert_eq!(acc["version"], "1.4");
    }
}
