//! RS256 JSON Web Tokens with Cognito's claims, the pool's signing keys and their JWKS.
//!
//! Written directly on aws-lc-rs: a JWT here is `b64url(header).b64url(claims).b64url(sig)`
//! with RSASSA-PKCS1-v1_5/SHA-256. Verification is strict: the header's `alg` must be
//! `RS256` and its `kid` one of the pool's keys; `none`, HMAC and unknown keys are refused
//! before any claim is read.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
use aws_lc_rs::signature::{self, KeyPair as _, RsaPublicKeyComponents};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Map, Value, json};

use crate::crypto::sha256_hex;

/// One RSA signing key.
pub struct SigningKey {
    pub kid: String,
    /// Unix seconds.
    pub created: i64,
    pair: signature::RsaKeyPair,
    n: Vec<u8>,
    e: Vec<u8>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A new RSA-2048 key and its PKCS#8 DER (what is persisted).
    pub fn generate(created: i64) -> (SigningKey, Vec<u8>) {
        let pair = RsaKeyPair::generate(KeySize::Rsa2048).expect("RSA key generation");
        let der = pair.as_der().expect("PKCS#8").as_ref().to_vec();
        (
            SigningKey::from_pkcs8(&der, created).expect("fresh key"),
            der,
        )
    }

    pub fn from_pkcs8(der: &[u8], created: i64) -> Option<SigningKey> {
        let pair = signature::RsaKeyPair::from_pkcs8(der).ok()?;
        let comps = RsaPublicKeyComponents::<Vec<u8>>::from(pair.public_key());
        // A stable id from the public key, like Cognito's base64 kids.
        let kid = STANDARD.encode(&hex::decode(sha256_hex(&comps.n)).ok()?[..24]);
        Some(SigningKey {
            kid,
            created,
            pair,
            n: comps.n,
            e: comps.e,
        })
    }

    pub fn jwk(&self) -> Value {
        json!({
            "alg": "RS256",
            "e": URL_SAFE_NO_PAD.encode(&self.e),
            "kid": self.kid,
            "kty": "RSA",
            "n": URL_SAFE_NO_PAD.encode(&self.n),
            "use": "sig",
        })
    }

    pub fn sign(&self, claims: &Map<String, Value>) -> String {
        let header = json!({ "kid": self.kid, "alg": "RS256" });
        let mut input = URL_SAFE_NO_PAD.encode(header.to_string());
        input.push('.');
        input.push_str(&URL_SAFE_NO_PAD.encode(Value::Object(claims.clone()).to_string()));
        let mut sig = vec![0u8; self.pair.public_modulus_len()];
        let rng = aws_lc_rs::rand::SystemRandom::new();
        self.pair
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &rng,
                input.as_bytes(),
                &mut sig,
            )
            .expect("RSA signature");
        input.push('.');
        input.push_str(&URL_SAFE_NO_PAD.encode(sig));
        input
    }

    fn verify(&self, message: &[u8], sig: &[u8]) -> bool {
        RsaPublicKeyComponents {
            n: &self.n,
            e: &self.e,
        }
        .verify(&signature::RSA_PKCS1_2048_8192_SHA256, message, sig)
        .is_ok()
    }
}

/// Why a token was refused (never shown to clients beyond "Invalid Access Token").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("malformed token")]
    Malformed,
    #[error("algorithm not allowed")]
    Algorithm,
    #[error("unknown signing key")]
    UnknownKey,
    #[error("bad signature")]
    Signature,
    #[error("token expired")]
    Expired,
    #[error("wrong issuer")]
    Issuer,
    #[error("wrong token use")]
    TokenUse,
    #[error("wrong client")]
    Client,
    #[error("token revoked")]
    Revoked,
}

/// Checks the signature of `token` against `keys` and returns its claims. Claims are not
/// checked here.
pub fn verify_signature(
    keys: &[SigningKey],
    token: &str,
) -> Result<Map<String, Value>, TokenError> {
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Malformed);
    };
    let header: Value = URL_SAFE_NO_PAD
        .decode(h)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(TokenError::Malformed)?;
    if header.get("alg").and_then(Value::as_str) != Some("RS256") {
        return Err(TokenError::Algorithm);
    }
    let kid = header
        .get("kid")
        .and_then(Value::as_str)
        .ok_or(TokenError::UnknownKey)?;
    let key = keys
        .iter()
        .find(|k| k.kid == kid)
        .ok_or(TokenError::UnknownKey)?;
    let sig = URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|_| TokenError::Malformed)?;
    let signed_len = h.len() + 1 + p.len();
    if !key.verify(&token.as_bytes()[..signed_len], &sig) {
        return Err(TokenError::Signature);
    }
    let claims: Value = URL_SAFE_NO_PAD
        .decode(p)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(TokenError::Malformed)?;
    match claims {
        Value::Object(m) => Ok(m),
        _ => Err(TokenError::Malformed),
    }
}

/// Tokens whose signature was verified, by their exact text, until they expire: a client
/// sends the same token on every request, and an RSA verification per request would cost more
/// than the request. Only signatures are cached; expiry and revocation are checked each time.
/// Cleared whenever the pool's keys change, so a retired key's tokens stop verifying at once.
#[derive(Default)]
pub struct VerifiedTokens {
    entries: std::sync::RwLock<std::collections::HashMap<Box<str>, VerifiedToken>>,
}

struct VerifiedToken {
    claims: Map<String, Value>,
    exp: i64,
}

/// Entries kept at most; beyond it expired ones are dropped, then everything.
const VERIFIED_TOKENS_CAPACITY: usize = 50_000;

impl VerifiedTokens {
    /// The claims of `token` if its signature was verified before and it has not expired.
    pub fn get(&self, token: &str, now: i64) -> Option<Map<String, Value>> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        entries
            .get(token)
            .filter(|t| t.exp > now)
            .map(|t| t.claims.clone())
    }

    pub fn insert(&self, token: &str, claims: &Map<String, Value>, now: i64) {
        let Some(exp) = claims.get("exp").and_then(Value::as_i64) else {
            return;
        };
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= VERIFIED_TOKENS_CAPACITY {
            entries.retain(|_, t| t.exp > now);
            if entries.len() >= VERIFIED_TOKENS_CAPACITY {
                entries.clear();
            }
        }
        entries.insert(
            token.into(),
            VerifiedToken {
                claims: claims.clone(),
                exp,
            },
        );
    }

    pub fn clear(&self) {
        self.entries
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

/// Sessions (`origin_jti`) the store recently said were not revoked. A token's session is
/// looked up again once its answer is older than [`REVOCATION_RECHECK`]; a revocation made
/// through this pool drops its entry at once, so only another process's revocation (a replica
/// on the same store) can go unseen, for at most that long.
#[derive(Default)]
pub struct RevocationChecks {
    not_revoked_at: std::sync::RwLock<std::collections::HashMap<Box<str>, std::time::Instant>>,
}

pub const REVOCATION_RECHECK: std::time::Duration = std::time::Duration::from_secs(1);

impl RevocationChecks {
    /// Whether the store said `origin_jti` was not revoked less than a recheck period ago.
    pub fn recently_not_revoked(&self, origin_jti: &str) -> bool {
        let entries = self
            .not_revoked_at
            .read()
            .unwrap_or_else(|e| e.into_inner());
        entries
            .get(origin_jti)
            .is_some_and(|at| at.elapsed() < REVOCATION_RECHECK)
    }

    pub fn record_not_revoked(&self, origin_jti: &str) {
        let mut entries = self
            .not_revoked_at
            .write()
            .unwrap_or_else(|e| e.into_inner());
        if entries.len() >= VERIFIED_TOKENS_CAPACITY {
            entries.retain(|_, at| at.elapsed() < REVOCATION_RECHECK);
            if entries.len() >= VERIFIED_TOKENS_CAPACITY {
                entries.clear();
            }
        }
        entries.insert(origin_jti.into(), std::time::Instant::now());
    }

    pub fn forget(&self, origin_jti: &str) {
        self.not_revoked_at
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(origin_jti);
    }
}

/// Claims of a token, without verifying anything (for refresh tokens' companions and tests).
pub fn decode_unverified(token: &str) -> Option<Map<String, Value>> {
    let p = token.split('.').nth(1)?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_and_verify_and_refuse_tampering() {
        let (key, der) = SigningKey::generate(0);
        let again = SigningKey::from_pkcs8(&der, 0).unwrap();
        assert_eq!(key.kid, again.kid);
        let mut claims = Map::new();
        claims.insert("sub".into(), json!("x"));
        let t = key.sign(&claims);
        let keys = vec![again];
        assert_eq!(verify_signature(&keys, &t).unwrap()["sub"], "x");
        // Tampered claims.
        let parts: Vec<&str> = t.split('.').collect();
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(r#"{"sub":"y"}"#),
            parts[2]
        );
        assert_eq!(verify_signature(&keys, &forged), Err(TokenError::Signature));
        // alg none.
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
            parts[1]
        );
        assert_eq!(verify_signature(&keys, &none), Err(TokenError::Algorithm));
        // HS256 with the public key as secret.
        let hs = format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"HS256","kid":"{}"}}"#, keys[0].kid)),
            parts[1],
            parts[2]
        );
        assert_eq!(verify_signature(&keys, &hs), Err(TokenError::Algorithm));
        // Another key with the same kid claim.
        let (other, _) = SigningKey::generate(0);
        let t2 = other.sign(&claims);
        assert_eq!(verify_signature(&keys, &t2), Err(TokenError::UnknownKey));
        assert_eq!(verify_signature(&keys, "a.b"), Err(TokenError::Malformed));
    }
}
