//! `@default` checks of the default-value transformer: where the directive may be used, and
//! whether its value is one of the field's type (`TypeValidators`, whose JavaScript semantics —
//! `parseInt`, `parseFloat`, `new URL`, `net.isIP` — are reproduced here).

use serde_json::Value;

use crate::model::{FieldKind, Scalar, TypeRef};
use crate::sdl::Directive;
use crate::CompileError;

/// Validates `@default` on `model.field` (a field of an `@model` type).
pub(crate) fn validate(model: &str, field: &str, ty: &TypeRef, kind: &FieldKind, enum_values: Option<&[String]>, d: &Directive) -> Result<(), CompileError> {
    let err = |m: String| CompileError::directive(model, Some(field), m);
    if ty.is_list || !matches!(kind, FieldKind::Scalar(_) | FieldKind::Enum) {
        return Err(err("The @default directive may only be added to scalar or enum field types.".into()));
    }
    if d.args.is_empty() {
        return Err(err("The @default directive requires a value property on non-Postgres datasources.".into()));
    }
    if d.args.len() > 1 {
        return Err(err("The @default directive only takes a value property".into()));
    }
    let value = match d.arg("value") {
        Some(Value::Null) => return Err(err("The @default directive does not support null values.".into())),
        Some(Value::String(s)) => s.as_str(),
        Some(other) => return Err(err(format!("String cannot represent a non string value: {other}"))),
        None => return Err(err("Unknown argument on directive \"@default\".".into())),
    };
    match kind {
        FieldKind::Enum => {
            if !enum_values.unwrap_or_default().iter().any(|v| v == value) {
                return Err(err(format!("Default value \"{value}\" is not a member of {} enum.", ty.name)));
            }
        }
        FieldKind::Scalar(s) => {
            if !is_valid(*s, value) {
                return Err(err(format!("Default value \"{value}\" is not a valid {}.", s.name())));
            }
        }
        _ => {}
    }
    Ok(())
}

/// Whether `value` passes the transformer's validator for `scalar`.
pub(crate) fn is_valid(scalar: Scalar, value: &str) -> bool {
    match scalar {
        Scalar::ID | Scalar::String => true,
        Scalar::Int | Scalar::AWSTimestamp => js_parse_int_ok(value),
        Scalar::Float => js_parse_float_ok(value),
        Scalar::Boolean => value.eq_ignore_ascii_case("true") || value.eq_ignore_ascii_case("false"),
        Scalar::AWSJSON => serde_json::from_str::<Value>(value).is_ok(),
        Scalar::AWSDate => valid_date(value),
        Scalar::AWSTime => valid_time(value),
        Scalar::AWSDateTime => valid_date_time(value),
        Scalar::AWSEmail => valid_email(value),
        Scalar::AWSURL => valid_url(value),
        Scalar::AWSPhone => valid_phone(value),
        Scalar::AWSIPAddress => valid_ip(value),
    }
}

fn js_trim_start(s: &str) -> &str {
    s.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
}

/// `!Number.isNaN(parseInt(x, 10))`: optional sign, then at least one decimal digit.
fn js_parse_int_ok(s: &str) -> bool {
    let s = js_trim_start(s);
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    s.starts_with(|c: char| c.is_ascii_digit())
}

/// `!Number.isNaN(parseFloat(x))`: optional sign, then `Infinity` or a decimal literal prefix.
fn js_parse_float_ok(s: &str) -> bool {
    let s = js_trim_start(s);
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    if s.starts_with("Infinity") || s.starts_with(|c: char| c.is_ascii_digit()) {
        return true;
    }
    s.strip_prefix('.').is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
}

fn digits(s: &str, n: usize) -> Option<u32> {
    (s.len() == n && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
}

/// `RFC_3339_REGEX_DATE` and the day-of-month check.
fn valid_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let [y, m, d] = parts.as_slice() else { return false };
    let (Some(year), Some(month), Some(day)) = (digits(y, 4), digits(m, 2), digits(d, 2)) else { return false };
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return false;
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    match month {
        2 => day <= if leap { 29 } else { 28 },
        4 | 6 | 9 | 11 => day <= 30,
        _ => true,
    }
}

/// `hh:mm:ss(.f+)?(Z|±hh:mm)` with hours < 24 and minutes/seconds < 60.
fn valid_time(s: &str) -> bool {
    let (clock, zone) = match s.find(['Z', '+', '-']) {
        Some(i) => s.split_at(i),
        None => return false,
    };
    let (hms, fraction) = match clock.split_once('.') {
        Some((hms, f)) => (hms, Some(f)),
        None => (clock, None),
    };
    if fraction.is_some_and(|f| f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit())) {
        return false;
    }
    let parts: Vec<&str> = hms.split(':').collect();
    let [h, m, sec] = parts.as_slice() else { return false };
    let ok = matches!((digits(h, 2), digits(m, 2), digits(sec, 2)), (Some(h), Some(m), Some(s)) if h < 24 && m < 60 && s < 60);
    ok && (zone == "Z" || valid_offset(zone))
}

fn valid_offset(zone: &str) -> bool {
    let Some(rest) = zone.strip_prefix(['+', '-']) else { return false };
    let Some((h, m)) = rest.split_once(':') else { return false };
    matches!((digits(h, 2), digits(m, 2)), (Some(h), Some(m)) if h < 24 && m < 60)
}

fn valid_date_time(s: &str) -> bool {
    match s.split_once('T') {
        Some((date, time)) => valid_date(date) && valid_time(time),
        None => false,
    }
}

/// `EMAIL_ADDRESS_REGEX`.
fn valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else { return false };
    let local_ok = !local.is_empty() && local.chars().all(|c| c.is_ascii_alphanumeric() || ".!#$%&'*+/=?^_`{|}~-".contains(c));
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    local_ok && domain.split('.').all(label_ok)
}

/// `new URL(x)` succeeds: a scheme, and for the special schemes a host (with a valid port).
fn valid_url(s: &str) -> bool {
    let s = s.trim_matches(|c: char| c <= ' ');
    let Some((scheme, rest)) = s.split_once(':') else { return false };
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok {
        return false;
    }
    let scheme = scheme.to_ascii_lowercase();
    if !matches!(scheme.as_str(), "http" | "https" | "ws" | "wss" | "ftp") {
        return true;
    }
    let rest = rest.trim_start_matches(['/', '\\']);
    let authority = rest.split(['/', '\\', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = if host_port.starts_with('[') {
        match host_port.split_once(']') {
            Some((h, p)) => (&h[1..], p.strip_prefix(':')),
            None => return false,
        }
    } else {
        match host_port.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (host_port, None),
        }
    };
    let port_ok = port.is_none_or(|p| p.is_empty() || (p.bytes().all(|b| b.is_ascii_digit()) && p.parse::<u32>().is_ok_and(|n| n <= 65535)));
    let host_ok = !host.is_empty() && !host.chars().any(|c| c.is_whitespace() || "<>^|%".contains(c));
    port_ok && host_ok
}

/// `isValidNumber` of libphonenumber-js without a default country: an international number
/// (`+` and a country calling code) of plausible length. The per-country numbering plans are
/// not reproduced.
fn valid_phone(s: &str) -> bool {
    let s = s.trim();
    let Some(rest) = s.strip_prefix('+') else { return false };
    if !rest.chars().all(|c| c.is_ascii_digit() || " -.()/".contains(c)) {
        return false;
    }
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    (8..=15).contains(&digits.len()) && !digits.starts_with('0')
}

/// `net.isIP(x) !== 0`.
fn valid_ip(s: &str) -> bool {
    if s.parse::<std::net::Ipv4Addr>().is_ok() {
        return true;
    }
    let addr = s.split_once('%').map_or(s, |(a, zone)| if zone.is_empty() { "" } else { a });
    addr.parse::<std::net::Ipv6Addr>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalar_validators_follow_the_transformer() {
        assert!(is_valid(Scalar::Int, "42") && is_valid(Scalar::Int, " -7px") && !is_valid(Scalar::Int, "three"));
        assert!(is_valid(Scalar::Float, ".5") && is_valid(Scalar::Float, "-Infinity") && !is_valid(Scalar::Float, "x1"));
        assert!(is_valid(Scalar::Boolean, "TRUE") && !is_valid(Scalar::Boolean, "yes"));
        assert!(is_valid(Scalar::AWSDate, "2024-02-29") && !is_valid(Scalar::AWSDate, "2023-02-29"));
        assert!(is_valid(Scalar::AWSTime, "23:59:59.123Z") && is_valid(Scalar::AWSTime, "10:00:00+02:00") && !is_valid(Scalar::AWSTime, "10:00"));
        assert!(is_valid(Scalar::AWSDateTime, "2024-01-01T00:00:00Z") && !is_valid(Scalar::AWSDateTime, "2024-01-01"));
        assert!(is_valid(Scalar::AWSTimestamp, "1700000000") && !is_valid(Scalar::AWSTimestamp, "now"));
        assert!(is_valid(Scalar::AWSEmail, "a.b@example.com") && !is_valid(Scalar::AWSEmail, "a@-x.com"));
        assert!(is_valid(Scalar::AWSURL, "https://example.com:8080/x") && is_valid(Scalar::AWSURL, "mailto:a@b") && !is_valid(Scalar::AWSURL, "example.com") && !is_valid(Scalar::AWSURL, "http://"));
        assert!(is_valid(Scalar::AWSIPAddress, "10.0.0.1") && is_valid(Scalar::AWSIPAddress, "::1") && !is_valid(Scalar::AWSIPAddress, "10.0.0.256"));
        assert!(is_valid(Scalar::AWSJSON, "{\"a\":1}") && !is_valid(Scalar::AWSJSON, "{a:1}"));
        assert!(is_valid(Scalar::AWSPhone, "+1 206 555 0100") && !is_valid(Scalar::AWSPhone, "555-0100"));
    }
}
