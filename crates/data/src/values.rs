//! Values: validation of every input value against the field's type (AppSync's scalar formats,
//! enums, custom types, lists, required fields), `@default` values and timestamps.
//!
//! AppSync validates scalars before a resolver runs; these checks reproduce that so that a
//! record in the store always has the shape its AppSync type declares. Formats follow the
//! AppSync scalar reference: `Int` is 32-bit, `AWSDate` `YYYY-MM-DD`, `AWSTime`
//! `hh:mm[:ss[.sss…]]`, both with an optional zone offset, `AWSDateTime` a date, `T`, a time and
//! a *required* zone offset, `AWSTimestamp` integer seconds, `AWSEmail` `local@domain`,
//! `AWSURL` a scheme and no `//` in the path, `AWSPhone` digits with spaces/hyphens and an
//! optional `+` country code, `AWSIPAddress` IPv4/IPv6 (optionally with a CIDR prefix),
//! `AWSJSON` a string holding valid JSON.

use ampbase_data_compiler::DataModel;
use ampbase_data_compiler::model::{Field, FieldKind, Model, Scalar, TypeRef};
use serde_json::{Map, Value};

use crate::api::{DataError, DataErrorKind, DataResult};

fn bad(msg: impl Into<String>) -> DataError {
    DataError::new(DataErrorKind::Validation, msg)
}

/// Validates a value of `ty` (not null unless allowed: `null` is checked by the caller for
/// top-level fields).
pub fn validate_value(
    model: &DataModel,
    path: &str,
    field: &Field,
    value: &Value,
) -> DataResult<()> {
    validate_typed(model, path, &field.ty, &field.kind, value)
}

fn validate_typed(
    dm: &DataModel,
    path: &str,
    ty: &TypeRef,
    kind: &FieldKind,
    value: &Value,
) -> DataResult<()> {
    if value.is_null() {
        if ty.is_non_null() {
            return Err(bad(format!("Value for {path} must not be null")));
        }
        return Ok(());
    }
    if ty.is_list {
        let Value::Array(items) = value else {
            // GraphQL input coercion: a single value is a list of one; the edge normally does
            // this, but the domain accepts it too.
            return validate_item(dm, path, ty, kind, value);
        };
        for (i, item) in items.iter().enumerate() {
            if item.is_null() {
                if ty.required {
                    return Err(bad(format!("Value for {path}[{i}] must not be null")));
                }
                continue;
            }
            validate_item(dm, &format!("{path}[{i}]"), ty, kind, item)?;
        }
        return Ok(());
    }
    validate_item(dm, path, ty, kind, value)
}

fn validate_item(
    dm: &DataModel,
    path: &str,
    ty: &TypeRef,
    kind: &FieldKind,
    value: &Value,
) -> DataResult<()> {
    match kind {
        FieldKind::Scalar(s) => {
            if !scalar_ok(*s, value) {
                return Err(bad(format!(
                    "Variable '{path}' has an invalid value: {value} is not a valid {}",
                    s.name()
                )));
            }
        }
        FieldKind::Enum => {
            let e = dm.enum_type(&ty.name);
            let ok = value
                .as_str()
                .is_some_and(|v| e.is_none_or(|e| e.values.iter().any(|x| x == v)));
            if !ok {
                return Err(bad(format!(
                    "Variable '{path}' has an invalid value: {value} is not a value of enum {}",
                    ty.name
                )));
            }
        }
        FieldKind::CustomType => {
            let Value::Object(obj) = value else {
                return Err(bad(format!(
                    "Variable '{path}' has an invalid value: expected an object of type {}",
                    ty.name
                )));
            };
            if let Some(ct) = dm.custom_type(&ty.name) {
                for (k, v) in obj {
                    let Some(f) = ct.fields.iter().find(|f| f.name == *k) else {
                        return Err(bad(format!(
                            "Variable '{path}' has an invalid value: unknown field {k} of type {}",
                            ty.name
                        )));
                    };
                    validate_typed(dm, &format!("{path}.{k}"), &f.ty, &f.kind, v)?;
                }
                for f in &ct.fields {
                    if f.ty.is_non_null() && obj.get(&f.name).is_none_or(Value::is_null) {
                        return Err(bad(format!(
                            "Variable '{path}.{}' of required type {} was not provided",
                            f.name, f.ty
                        )));
                    }
                }
            }
        }
        FieldKind::Model => {
            return Err(bad(format!(
                "{path} is a relationship and cannot be written"
            )));
        }
    }
    Ok(())
}

/// Whether a JSON value is a valid value of an AppSync scalar.
pub fn scalar_ok(s: Scalar, v: &Value) -> bool {
    match s {
        Scalar::Int => v.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
        Scalar::AWSTimestamp => v.as_i64().is_some(),
        Scalar::Float => v.is_number(),
        Scalar::Boolean => v.is_boolean(),
        // GraphQL coerces integers to ID.
        Scalar::ID => v.is_string() || v.as_i64().is_some(),
        Scalar::String => v.is_string(),
        _ => {
            let Some(t) = v.as_str() else { return false };
            match s {
                Scalar::AWSDate => valid_date_zoned(t),
                Scalar::AWSTime => valid_time_zoned(t),
                Scalar::AWSDateTime => valid_date_time(t),
                Scalar::AWSEmail => valid_email(t),
                Scalar::AWSURL => valid_url(t),
                Scalar::AWSPhone => valid_phone(t),
                Scalar::AWSIPAddress => valid_ip(t),
                Scalar::AWSJSON => serde_json::from_str::<Value>(t).is_ok(),
                _ => true,
            }
        }
    }
}

fn digits(s: &str, n: usize) -> Option<u32> {
    (s.len() == n && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

fn valid_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    if parts.len() != 3 {
        return false;
    }
    let (Some(y), Some(m), Some(d)) = (
        digits(parts[0], 4),
        digits(parts[1], 2),
        digits(parts[2], 2),
    ) else {
        return false;
    };
    if !(1..=12).contains(&m) || d == 0 {
        return false;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let max = match m {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    d <= max
}

/// `Z` or `±hh:mm[:ss]`.
fn valid_offset(z: &str) -> bool {
    if z == "Z" {
        return true;
    }
    let Some(rest) = z.strip_prefix('+').or_else(|| z.strip_prefix('-')) else {
        return false;
    };
    let parts: Vec<&str> = rest.split(':').collect();
    if !(2..=3).contains(&parts.len()) {
        return false;
    }
    let ok = |p: &str, max: u32| digits(p, 2).is_some_and(|v| v <= max);
    ok(parts[0], 23) && ok(parts[1], 59) && parts.get(2).is_none_or(|p| ok(p, 59))
}

fn split_zone(s: &str) -> (&str, Option<&str>) {
    if let Some(base) = s.strip_suffix('Z') {
        return (base, Some("Z"));
    }
    if let Some(i) = s.rfind(['+', '-']) {
        return (&s[..i], Some(&s[i..]));
    }
    (s, None)
}

fn valid_date_zoned(s: &str) -> bool {
    if s.len() >= 10 && s.is_char_boundary(10) {
        let (d, z) = s.split_at(10);
        return valid_date(d) && (z.is_empty() || valid_offset(z));
    }
    false
}

/// `hh:mm`, `hh:mm:ss` or `hh:mm:ss.f` (1–9 fraction digits), no zone.
fn valid_time(s: &str) -> bool {
    let (hms, frac) = match s.split_once('.') {
        Some((a, f)) => (a, Some(f)),
        None => (s, None),
    };
    if let Some(f) = frac
        && (f.is_empty() || f.len() > 9 || !f.bytes().all(|b| b.is_ascii_digit()))
    {
        return false;
    }
    let parts: Vec<&str> = hms.split(':').collect();
    if !(2..=3).contains(&parts.len()) || (frac.is_some() && parts.len() != 3) {
        return false;
    }
    let ok = |p: &str, max: u32| digits(p, 2).is_some_and(|v| v <= max);
    ok(parts[0], 23) && ok(parts[1], 59) && parts.get(2).is_none_or(|p| ok(p, 59))
}

fn valid_time_zoned(s: &str) -> bool {
    let (t, z) = split_zone(s);
    valid_time(t) && z.is_none_or(valid_offset)
}

fn valid_date_time(s: &str) -> bool {
    let Some((d, rest)) = s.split_once('T') else {
        return false;
    };
    let (t, z) = split_zone(rest);
    valid_date(d) && valid_time(t) && z.is_some_and(valid_offset)
}

fn valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.is_empty()
        && !s.chars().any(|c| c.is_whitespace())
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && domain.chars().all(|c| {
            c.is_alphanumeric() || c == '.' || c == '-' || c == '[' || c == ']' || c == ':'
        })
}

fn valid_url(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let scheme_ok = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok || rest.is_empty() || s.chars().any(|c| c.is_whitespace()) {
        return false;
    }
    // With an authority (`scheme://host/path`), the host must not be empty and the path must
    // not contain `//`.
    if let Some(after) = rest.strip_prefix("//") {
        let (host, path) = after
            .split_once('/')
            .map(|(h, p)| (h, format!("/{p}")))
            .unwrap_or((after, String::new()));
        let path = path
            .split(['?', '#'])
            .next()
            .unwrap_or_default()
            .to_string();
        return !host.is_empty() && !path.contains("//");
    }
    true
}

fn valid_phone(s: &str) -> bool {
    let body = s.strip_prefix('+').unwrap_or(s);
    let digit_count = body.chars().filter(|c| c.is_ascii_digit()).count();
    !body.is_empty()
        && body
            .chars()
            .all(|c| c.is_ascii_digit() || c == ' ' || c == '-' || c == '(' || c == ')' || c == '.')
        && (5..=20).contains(&digit_count)
        && body
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit() || c == '(')
}

fn valid_ip(s: &str) -> bool {
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    match addr.parse::<std::net::IpAddr>() {
        Ok(ip) => prefix.is_none_or(|p| {
            let max = if ip.is_ipv4() { 32 } else { 128 };
            p.parse::<u32>().is_ok_and(|n| n <= max) && !p.is_empty()
        }),
        Err(_) => false,
    }
}

/// The typed value of an `@default(value: "...")` for the field (`"0"` → `0` for `Int`).
pub fn default_value(field: &Field) -> Option<Value> {
    let raw = field.default.as_deref()?;
    Some(match &field.kind {
        FieldKind::Scalar(Scalar::Int | Scalar::AWSTimestamp) => Value::from(
            raw.trim()
                .parse::<i64>()
                .ok()
                .or_else(|| raw.trim().parse::<f64>().ok().map(|f| f as i64))?,
        ),
        FieldKind::Scalar(Scalar::Float) => {
            serde_json::Number::from_f64(raw.trim().parse::<f64>().ok()?).map(Value::Number)?
        }
        FieldKind::Scalar(Scalar::Boolean) => Value::Bool(raw.trim() == "true"),
        _ => Value::String(raw.to_string()),
    })
}

/// Now as AppSync's `$util.time.nowISO8601()`: millisecond precision, `Z`.
pub fn now_iso8601() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// Checks the fields of a write input: known, writable, valid. `creating` also requires every
/// non-null field.
pub fn validate_input(
    dm: &DataModel,
    model: &Model,
    input: &Map<String, Value>,
    _creating: bool,
) -> DataResult<()> {
    for (k, v) in input {
        let Some(field) = model.field(k) else {
            return Err(bad(format!(
                "The variables input contains a field name '{k}' that is not defined for input object type '{}Input'",
                model.name
            )));
        };
        if field.kind == FieldKind::Model {
            return Err(bad(format!(
                "The variables input contains a field name '{k}' that is not defined for input object type '{}Input' (a relationship; set its key fields instead)",
                model.name
            )));
        }
        // `null` removes a field on update and means "absent" on create; neither is possible
        // for a non-null field.
        if v.is_null() && field.ty.is_non_null() {
            return Err(bad(format!(
                "Value for field '{k}' of required type '{}' must not be null",
                field.ty
            )));
        }
        validate_value(dm, k, field, v)?;
    }
    Ok(())
}

/// After defaults, ids and timestamps are applied: every required field is present.
pub fn check_required(model: &Model, record: &Map<String, Value>) -> DataResult<()> {
    for f in &model.fields {
        if f.kind == FieldKind::Model || !f.ty.is_non_null() {
            continue;
        }
        if record.get(&f.name).is_none_or(Value::is_null) {
            return Err(bad(format!(
                "Variable 'input' has coerced Null value for NonNull type '{}' (field '{}')",
                f.ty, f.name
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scalar_formats() {
        let ok = |s, v: Value| assert!(scalar_ok(s, &v), "{s:?} {v} should be valid");
        let no = |s, v: Value| assert!(!scalar_ok(s, &v), "{s:?} {v} should be invalid");
        ok(Scalar::Int, json!(2147483647));
        no(Scalar::Int, json!(2147483648i64));
        no(Scalar::Int, json!(1.5));
        no(Scalar::Int, json!("1"));
        ok(Scalar::Float, json!(1.5));
        ok(Scalar::Float, json!(1));
        no(Scalar::Float, json!("1.5"));
        ok(Scalar::Boolean, json!(false));
        no(Scalar::Boolean, json!("false"));
        ok(Scalar::ID, json!("x"));
        ok(Scalar::ID, json!(5));
        no(Scalar::String, json!(5));
        ok(Scalar::AWSDate, json!("2024-02-29"));
        ok(Scalar::AWSDate, json!("1970-01-01Z"));
        ok(Scalar::AWSDate, json!("1970-01-01+05:30"));
        no(Scalar::AWSDate, json!("2023-02-29"));
        no(Scalar::AWSDate, json!("2023-13-01"));
        no(Scalar::AWSDate, json!("2023-1-01"));
        ok(Scalar::AWSTime, json!("12:30"));
        ok(Scalar::AWSTime, json!("12:30:59.123"));
        ok(Scalar::AWSTime, json!("12:30:59.123456789Z"));
        ok(Scalar::AWSTime, json!("12:30:59-07:00"));
        no(Scalar::AWSTime, json!("24:00"));
        no(Scalar::AWSTime, json!("12:30:59.1234567890"));
        ok(Scalar::AWSDateTime, json!("2024-01-02T03:04:05.678Z"));
        ok(Scalar::AWSDateTime, json!("2024-01-02T03:04:05+01:00"));
        ok(Scalar::AWSDateTime, json!("2024-01-02T03:04Z"));
        no(Scalar::AWSDateTime, json!("2024-01-02T03:04:05"));
        no(Scalar::AWSDateTime, json!("2024-01-02"));
        ok(Scalar::AWSTimestamp, json!(1700000000));
        no(Scalar::AWSTimestamp, json!(1.5));
        ok(Scalar::AWSEmail, json!("a.b@example.com"));
        no(Scalar::AWSEmail, json!("a.example.com"));
        no(Scalar::AWSEmail, json!("a @example.com"));
        ok(
            Scalar::AWSURL,
            json!("https://www.amazon.com/dp/B000NZW3KC/"),
        );
        ok(Scalar::AWSURL, json!("mailto:example@example.com"));
        no(Scalar::AWSURL, json!("www.amazon.com"));
        no(Scalar::AWSURL, json!("https://a.com//x"));
        ok(Scalar::AWSPhone, json!("+1 555-123-4567"));
        ok(Scalar::AWSPhone, json!("555 123 4567"));
        no(Scalar::AWSPhone, json!("call me"));
        ok(Scalar::AWSIPAddress, json!("127.0.0.1"));
        ok(Scalar::AWSIPAddress, json!("::1"));
        ok(Scalar::AWSIPAddress, json!("10.0.0.0/8"));
        no(Scalar::AWSIPAddress, json!("300.0.0.1"));
        ok(Scalar::AWSJSON, json!("{\"a\":1}"));
        no(Scalar::AWSJSON, json!("{a:1}"));
        no(Scalar::AWSJSON, json!({"a": 1}));
    }
}
