//! AppSync's scalars and the values AppSync accepts for them.
//!
//! A value that does not fit is a GraphQL validation error, as AppSync makes it. The same
//! check runs on output values.

use async_graphql::Value;

/// The AWS scalars, in the order AppSync documents them.
pub const AWS_SCALARS: [&str; 9] =
    ["AWSDate", "AWSTime", "AWSDateTime", "AWSTimestamp", "AWSEmail", "AWSJSON", "AWSURL", "AWSPhone", "AWSIPAddress"];

/// Whether `value` is a valid value of the AWS scalar `name` (unknown names accept anything).
pub fn is_valid(name: &str, value: &Value) -> bool {
    match name {
        "AWSTimestamp" => match value {
            Value::Number(n) => n.is_i64() || n.is_u64(),
            _ => false,
        },
        _ => {
            let Value::String(s) = value else { return false };
            is_valid_str(name, s)
        }
    }
}

/// Whether the string `s` is a valid value of the string-valued AWS scalar `name`.
pub fn is_valid_str(name: &str, s: &str) -> bool {
    match name {
        "AWSDate" => {
            let (date, rest) = split_at_checked(s, 10);
            is_date(date) && (rest.is_empty() || is_offset(rest))
        }
        "AWSTime" => {
            let (time, rest) = split_time(s);
            is_time(time) && (rest.is_empty() || is_offset(rest))
        }
        "AWSDateTime" => {
            let Some((date, rest)) = s.split_once(['T', 't']) else { return false };
            let (time, offset) = split_time(rest);
            is_date(date) && is_time(time) && is_offset(offset)
        }
        "AWSEmail" => is_email(s),
        "AWSJSON" => serde_json::from_str::<serde::de::IgnoredAny>(s).is_ok(),
        "AWSURL" => is_url(s),
        "AWSPhone" => is_phone(s),
        "AWSIPAddress" => is_ip(s),
        _ => true,
    }
}

fn split_at_checked(s: &str, at: usize) -> (&str, &str) {
    if s.is_char_boundary(at) && s.len() >= at { s.split_at(at) } else { (s, "") }
}

fn digits(s: &str, n: usize) -> Option<u32> {
    if s.len() != n || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `YYYY-MM-DD` (ISO 8601 extended, as AppSync requires).
fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let (Some(y), Some(m), Some(d)) = (digits(&s[0..4], 4), digits(&s[5..7], 2), digits(&s[8..10], 2)) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    d >= 1 && d <= days
}

/// Splits `hh:mm[:ss[.fff]]` from what follows (an offset).
fn split_time(s: &str) -> (&str, &str) {
    let end = s.find(['Z', 'z', '+', '-']).unwrap_or(s.len());
    s.split_at(end)
}

/// `hh:mm`, `hh:mm:ss`, `hh:mm:ss.sss` (1 to 9 fraction digits).
fn is_time(s: &str) -> bool {
    let mut parts = s.splitn(3, ':');
    let (Some(h), Some(m)) = (parts.next(), parts.next()) else { return false };
    let (Some(h), Some(m)) = (digits(h, 2), digits(m, 2)) else { return false };
    if h > 23 || m > 59 {
        return false;
    }
    match parts.next() {
        None => true,
        Some(sec) => {
            let (sec, frac) = match sec.split_once('.') {
                Some((s, f)) => (s, Some(f)),
                None => (sec, None),
            };
            let Some(sec) = digits(sec, 2) else { return false };
            sec <= 60
                && frac.is_none_or(|f| !f.is_empty() && f.len() <= 9 && f.bytes().all(|b| b.is_ascii_digit()))
        }
    }
}

/// `Z` or `±hh:mm` / `±hh:mm:ss`.
fn is_offset(s: &str) -> bool {
    if s == "Z" || s == "z" {
        return true;
    }
    let Some(rest) = s.strip_prefix(['+', '-']) else { return false };
    let parts: Vec<&str> = rest.split(':').collect();
    match parts.as_slice() {
        [h, m] => digits(h, 2).is_some_and(|h| h <= 23) && digits(m, 2).is_some_and(|m| m <= 59),
        [h, m, sec] => {
            digits(h, 2).is_some_and(|h| h <= 23)
                && digits(m, 2).is_some_and(|m| m <= 59)
                && digits(sec, 2).is_some_and(|s| s <= 59)
        }
        _ => false,
    }
}

fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else { return false };
    !local.is_empty()
        && local.len() <= 64
        && !domain.is_empty()
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && domain.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'[' || b == b']' || b == b':')
        && !local.bytes().any(|b| b.is_ascii_whitespace() || b == b'<' || b == b'>' || b == b'(' || b == b')' || b == b',' || b == b';' || b == b'\\')
}

/// A scheme (`http:`, `mailto:`…) and something after it; no whitespace; no `//` in the path.
fn is_url(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else { return false };
    let mut sb = scheme.bytes();
    if !sb.next().is_some_and(|b| b.is_ascii_alphabetic()) || !sb.all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.') {
        return false;
    }
    if rest.is_empty() || s.bytes().any(|b| b.is_ascii_whitespace() || b.is_ascii_control()) {
        return false;
    }
    match rest.strip_prefix("//") {
        Some(after) => {
            let (authority, path) = after.split_at(after.find(['/', '?', '#']).unwrap_or(after.len()));
            !authority.is_empty() && !path.split(['?', '#']).next().unwrap_or("").contains("//")
        }
        None => true,
    }
}

/// Digits with optional `+` country prefix, separated by spaces or hyphens (AppSync).
fn is_phone(s: &str) -> bool {
    let body = s.strip_prefix('+').unwrap_or(s);
    let digit_count = body.bytes().filter(u8::is_ascii_digit).count();
    (3..=20).contains(&digit_count)
        && body.bytes().all(|b| b.is_ascii_digit() || b == b' ' || b == b'-' || b == b'(' || b == b')' || b == b'.')
        && body.as_bytes().first().is_some_and(|b| b.is_ascii_digit() || *b == b'(')
}

/// IPv4 or IPv6, with an optional CIDR prefix.
fn is_ip(s: &str) -> bool {
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    let Ok(ip) = addr.parse::<std::net::IpAddr>() else { return false };
    match prefix {
        None => true,
        Some(p) => {
            let max = if ip.is_ipv4() { 32 } else { 128 };
            !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()) && p.parse::<u32>().is_ok_and(|n| n <= max)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_times() {
        for ok in ["1970-01-01", "2024-02-29", "2024-02-29Z", "2024-02-29+01:00"] {
            assert!(is_valid_str("AWSDate", ok), "{ok}");
        }
        for bad in ["1970-1-01", "2023-02-29", "2024-13-01", "20240101", "2024-01-01T00:00Z", ""] {
            assert!(!is_valid_str("AWSDate", bad), "{bad}");
        }
        for ok in ["12:30", "12:30:59", "12:30:59.123", "12:30:59.123456789Z", "23:59:59-08:00"] {
            assert!(is_valid_str("AWSTime", ok), "{ok}");
        }
        for bad in ["24:00", "12:60", "1:00", "12:30:59.", "noon"] {
            assert!(!is_valid_str("AWSTime", bad), "{bad}");
        }
        for ok in ["2024-01-01T00:00:00Z", "2024-01-01T00:00:00.000Z", "2024-01-01T12:30+05:30", "2024-01-01T12:30:00-08:00:00"] {
            assert!(is_valid_str("AWSDateTime", ok), "{ok}");
        }
        for bad in ["2024-01-01T00:00:00", "2024-01-01", "2024-01-01 00:00:00Z", "yesterday"] {
            assert!(!is_valid_str("AWSDateTime", bad), "{bad}");
        }
    }

    #[test]
    fn others() {
        assert!(is_valid_str("AWSEmail", "a.b+c@example.com"));
        assert!(!is_valid_str("AWSEmail", "not an email"));
        assert!(!is_valid_str("AWSEmail", "a@"));
        assert!(is_valid_str("AWSJSON", r#"{"a":[1,2]}"#));
        assert!(is_valid_str("AWSJSON", "3"));
        assert!(!is_valid_str("AWSJSON", "{a:1}"));
        assert!(is_valid_str("AWSURL", "https://example.com/a?b=c"));
        assert!(is_valid_str("AWSURL", "mailto:a@example.com"));
        assert!(!is_valid_str("AWSURL", "example.com"));
        assert!(!is_valid_str("AWSURL", "https://example.com//a"));
        assert!(is_valid_str("AWSPhone", "+1 555-123-4567"));
        assert!(is_valid_str("AWSPhone", "5551234567"));
        assert!(!is_valid_str("AWSPhone", "call me"));
        assert!(is_valid_str("AWSIPAddress", "10.0.0.1"));
        assert!(is_valid_str("AWSIPAddress", "10.0.0.0/8"));
        assert!(is_valid_str("AWSIPAddress", "::1"));
        assert!(!is_valid_str("AWSIPAddress", "10.0.0.256"));
        assert!(is_valid("AWSTimestamp", &Value::from(1_700_000_000)));
        assert!(!is_valid("AWSTimestamp", &Value::from("1700000000")));
    }
}
