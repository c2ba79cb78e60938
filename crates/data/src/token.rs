//! `nextToken`s: opaque, tamper-evident page positions.
//!
//! A token is `base64url(json{k: last key, s: segment, q: query fingerprint}) . base64url(mac)`,
//! with an HMAC-SHA256 under the service's key. The key is kept in the store (table
//! `ampbase:meta`), so tokens stay valid across restarts and between replicas sharing a store,
//! while a forged token, a token edited by hand, or a token of another query (other model,
//! index, partition, key condition, filter, direction or caller scope) is refused with
//! `InvalidNextToken` instead of silently paging something else.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{KeyInit, Mac};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::api::{DataError, DataErrorKind, DataResult};

type HmacSha256 = hmac::Hmac<Sha256>;

#[derive(Clone)]
pub struct TokenCodec {
    key: [u8; 32],
}

/// A decoded position: the store's exclusive start key within segment `segment` of the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Position {
    pub segment: usize,
    pub key: Option<Map<String, Value>>,
}

fn invalid() -> DataError {
    DataError::new(DataErrorKind::InvalidNextToken, "Invalid nextToken")
}

/// A fingerprint of everything that defines a query, so a token only continues its own query.
pub fn fingerprint(parts: &[&Value]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.to_string().as_bytes());
        h.update([0u8]);
    }
    URL_SAFE_NO_PAD.encode(&h.finalize()[..12])
}

impl TokenCodec {
    pub fn new(key: [u8; 32]) -> Self {
        TokenCodec { key }
    }

    fn mac(&self, data: &[u8]) -> Vec<u8> {
        let mut m = <HmacSha256 as KeyInit>::new_from_slice(&self.key).expect("any key length");
        m.update(data);
        m.finalize().into_bytes().to_vec()
    }

    pub fn encode(&self, fingerprint: &str, pos: &Position) -> String {
        let body = json!({"k": pos.key, "s": pos.segment, "q": fingerprint}).to_string();
        let b = URL_SAFE_NO_PAD.encode(body.as_bytes());
        let mac = URL_SAFE_NO_PAD.encode(self.mac(b.as_bytes()));
        format!("{b}.{mac}")
    }

    pub fn decode(&self, fingerprint: &str, token: &str) -> DataResult<Position> {
        let (b, mac) = token.split_once('.').ok_or_else(invalid)?;
        let mac = URL_SAFE_NO_PAD.decode(mac).map_err(|_| invalid())?;
        let mut m = <HmacSha256 as KeyInit>::new_from_slice(&self.key).expect("any key length");
        m.update(b.as_bytes());
        m.verify_slice(&mac).map_err(|_| invalid())?;
        let body: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(b).map_err(|_| invalid())?)
                .map_err(|_| invalid())?;
        if body.get("q").and_then(Value::as_str) != Some(fingerprint) {
            return Err(invalid());
        }
        let segment = body.get("s").and_then(Value::as_u64).ok_or_else(invalid)? as usize;
        let key = match body.get("k") {
            Some(Value::Object(k)) => Some(k.clone()),
            Some(Value::Null) | None => None,
            _ => return Err(invalid()),
        };
        Ok(Position { segment, key })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper() {
        let c = TokenCodec::new([7; 32]);
        let mut k = Map::new();
        k.insert("id".into(), json!("a"));
        let pos = Position {
            segment: 1,
            key: Some(k),
        };
        let t = c.encode("fp", &pos);
        assert_eq!(c.decode("fp", &t).unwrap(), pos);
        assert_eq!(
            c.decode("other", &t).unwrap_err().kind,
            DataErrorKind::InvalidNextToken
        );
        let other = TokenCodec::new([8; 32]);
        assert_eq!(
            other.decode("fp", &t).unwrap_err().kind,
            DataErrorKind::InvalidNextToken
        );
        let mut forged = t.clone();
        forged.replace_range(0..1, if t.starts_with('A') { "B" } else { "A" });
        assert_eq!(
            c.decode("fp", &forged).unwrap_err().kind,
            DataErrorKind::InvalidNextToken
        );
        assert_eq!(
            c.decode("fp", "garbage").unwrap_err().kind,
            DataErrorKind::InvalidNextToken
        );
    }
}
