//! Cognito's SRP-6a variant, server side (client-protocol.md §2.4).
//!
//! `N` is the 3072-bit RFC 3526 group, `g = 2`, `H` is SHA-256 over the bytes of
//! two's-complement hex (`pad_hex`), `x = H(pad(salt) ‖ H(poolName ‖ userId ‖ ":" ‖ password))`,
//! the session key is HKDF-SHA256(ikm = S, salt = u, info = "Caldera Derived Key")[..16] and
//! the client proves it with `PASSWORD_CLAIM_SIGNATURE = HMAC(K, poolName ‖ userId ‖
//! secretBlock ‖ timestamp)`. The server keeps only the salt and the verifier `v = g^x`.

use std::sync::LazyLock;

use hmac::{Hmac, KeyInit, Mac};
use num_bigint::BigUint;
use num_traits::Zero;
use sha2::{Digest, Sha256};

const N_HEX: &str = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF";

/// The group prime.
pub static N: LazyLock<BigUint> =
    LazyLock::new(|| BigUint::parse_bytes(N_HEX.as_bytes(), 16).expect("N"));
/// The generator.
pub static G: LazyLock<BigUint> = LazyLock::new(|| BigUint::from(2u32));
/// `k = H(pad(N) ‖ pad(g))`.
pub static K: LazyLock<BigUint> = LazyLock::new(|| {
    let mut hex = pad_hex(&N);
    hex.push_str(&pad_hex(&G));
    hash_hex(&hex)
});

/// Bytes of the server's secret ephemeral `b`. 256 bits of entropy are what SRP's security
/// rests on; a short exponent keeps the three modular exponentiations of a sign-in cheap.
const EPHEMERAL_BYTES: usize = 32;

/// Hex as the client writes big integers: lower case, even length, and a leading `00` when
/// the first nibble is 8–f (two's-complement positive form).
pub fn pad_hex(n: &BigUint) -> String {
    let mut hex = n.to_str_radix(16);
    if hex.len() % 2 == 1 {
        hex.insert(0, '0');
    } else if matches!(hex.as_bytes()[0], b'8'..=b'9' | b'a'..=b'f') {
        hex.insert_str(0, "00");
    }
    hex
}

fn hex_bytes(hex: &str) -> Vec<u8> {
    hex::decode(hex).expect("even-length hex")
}

/// `Hhex`: SHA-256 over the bytes a hex string encodes, as a number.
fn hash_hex(hex: &str) -> BigUint {
    BigUint::from_bytes_be(&Sha256::digest(hex_bytes(hex)))
}

/// The client's hash of the user's secret, `x`.
pub fn compute_x(salt: &BigUint, pool_name: &str, user_id: &str, password: &str) -> BigUint {
    let inner = Sha256::digest(format!("{pool_name}{user_id}:{password}").as_bytes());
    let mut hex = pad_hex(salt);
    // The client hashes the lower-case hex of the inner digest, 64 characters.
    hex.push_str(&hex::encode(inner));
    hash_hex(&hex)
}

/// A new salt (128 bits, as the client generates for devices) and the verifier `g^x mod N`.
pub fn make_verifier(pool_name: &str, user_id: &str, password: &str) -> (BigUint, BigUint) {
    let salt = BigUint::from_bytes_be(&crate::crypto::random_bytes(16));
    let v = verifier(&salt, pool_name, user_id, password);
    (salt, v)
}

pub fn verifier(salt: &BigUint, pool_name: &str, user_id: &str, password: &str) -> BigUint {
    crate::bn::modpow_g(&compute_x(salt, pool_name, user_id, password))
}

/// The server's ephemeral pair for one sign-in: `(b, B = k·v + g^b mod N)`.
pub fn server_ephemeral(v: &BigUint) -> (BigUint, BigUint) {
    loop {
        let b = BigUint::from_bytes_be(&crate::crypto::random_bytes(EPHEMERAL_BYTES));
        let big_b = server_public(v, &b);
        if !(&big_b % &*N).is_zero() {
            return (b, big_b);
        }
    }
}

pub fn server_public(v: &BigUint, b: &BigUint) -> BigUint {
    ((&*K * v) + crate::bn::modpow_g(b)) % &*N
}

/// `u = H(pad(A) ‖ pad(B))`.
pub fn compute_u(a: &BigUint, b: &BigUint) -> BigUint {
    let mut hex = pad_hex(a);
    hex.push_str(&pad_hex(b));
    hash_hex(&hex)
}

/// The 16-byte session key the client derives, or `None` when `A` or `u` is degenerate
/// (`A mod N = 0` would let a client authenticate without the password).
pub fn server_session_key(
    a_pub: &BigUint,
    b_pub: &BigUint,
    b: &BigUint,
    v: &BigUint,
) -> Option<[u8; 16]> {
    if (a_pub % &*N).is_zero() {
        return None;
    }
    let u = compute_u(a_pub, b_pub);
    if u.is_zero() {
        return None;
    }
    // S = (A · v^u)^b mod N
    let s = crate::bn::modpow_n(
        &((a_pub * crate::bn::modpow_n_public_exponent(v, &u)) % &*N),
        b,
    );
    Some(hkdf_key(&u, &s))
}

/// The client's key derivation from `S` (for tests and the device flow).
pub fn hkdf_key(u: &BigUint, s: &BigUint) -> [u8; 16] {
    let mut extract =
        <Hmac<Sha256> as KeyInit>::new_from_slice(&hex_bytes(&pad_hex(u))).expect("hmac key");
    extract.update(&hex_bytes(&pad_hex(s)));
    let prk = extract.finalize().into_bytes();
    let mut expand = <Hmac<Sha256> as KeyInit>::new_from_slice(&prk).expect("hmac key");
    expand.update(b"Caldera Derived Key\x01");
    let okm = expand.finalize().into_bytes();
    let mut key = [0u8; 16];
    key.copy_from_slice(&okm[..16]);
    key
}

/// `PASSWORD_CLAIM_SIGNATURE` as raw bytes.
pub fn claim_signature(
    key: &[u8; 16],
    pool_name: &str,
    user_id: &str,
    secret_block: &[u8],
    timestamp: &str,
) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("hmac key");
    mac.update(pool_name.as_bytes());
    mac.update(user_id.as_bytes());
    mac.update(secret_block);
    mac.update(timestamp.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// The client's side of a sign-in, for tests: `A` from `a`, and the session key from `B`.
pub fn client_session_key(
    a: &BigUint,
    b_pub: &BigUint,
    salt: &BigUint,
    pool_name: &str,
    user_id: &str,
    password: &str,
) -> [u8; 16] {
    let a_pub = crate::bn::modpow_n(&G, a);
    let u = compute_u(&a_pub, b_pub);
    let x = compute_x(salt, pool_name, user_id, password);
    // S = (B − k·g^x)^(a + u·x) mod N
    let kgx = (&*K * crate::bn::modpow_n(&G, &x)) % &*N;
    let base = ((b_pub + &*N) - kgx) % &*N;
    let s = crate::bn::modpow_n(&base, &(a + &u * &x));
    hkdf_key(&u, &s)
}

/// Parses the client's `TIMESTAMP` (`Sun Nov 2 02:36:14 UTC 2026`) into epoch seconds.
pub fn parse_timestamp(ts: &str) -> Option<i64> {
    let parts: Vec<&str> = ts.split_whitespace().collect();
    if parts.len() != 6 || parts[4] != "UTC" {
        return None;
    }
    // The weekday is redundant; the client's clock is trusted no further than the skew window.
    let normalized = format!("{} {} {} {}", parts[1], parts[2], parts[3], parts[5]);
    chrono::NaiveDateTime::parse_from_str(&normalized, "%b %d %H:%M:%S %Y")
        .ok()
        .map(|t| t.and_utc().timestamp())
}

/// The client's timestamp format for an epoch time (tests).
pub fn format_timestamp(epoch: i64) -> String {
    let t = chrono::DateTime::from_timestamp(epoch, 0).unwrap_or_default();
    t.format("%a %b %-d %H:%M:%S UTC %Y").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pad_hex_follows_the_client() {
        assert_eq!(pad_hex(&BigUint::from(0x0fu32)), "0f");
        assert_eq!(pad_hex(&BigUint::from(0x80u32)), "0080");
        assert_eq!(pad_hex(&BigUint::from(0x123u32)), "0123");
        assert!(pad_hex(&N).starts_with("00ffffffff"));
        assert_eq!(pad_hex(&G), "02");
    }

    #[test]
    fn k_is_hash_of_padded_n_and_g() {
        // Known value of the client's k for this group.
        assert_eq!(
            K.to_str_radix(16),
            "538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6"
        );
    }

    #[test]
    fn client_and_server_agree_on_the_key() {
        let (salt, v) = make_verifier("AbCdEfGhI", "alice", "Passw0rd!");
        let a = BigUint::from_bytes_be(&crate::crypto::random_bytes(128));
        let a_pub = G.modpow(&a, &N);
        let (b, b_pub) = server_ephemeral(&v);
        let server = server_session_key(&a_pub, &b_pub, &b, &v).unwrap();
        let client = client_session_key(&a, &b_pub, &salt, "AbCdEfGhI", "alice", "Passw0rd!");
        assert_eq!(server, client);
        let wrong = client_session_key(&a, &b_pub, &salt, "AbCdEfGhI", "alice", "wrong");
        assert_ne!(server, wrong);
        assert!(server_session_key(&BigUint::zero(), &b_pub, &b, &v).is_none());
        assert!(server_session_key(&N, &b_pub, &b, &v).is_none());
    }

    #[test]
    fn timestamps_round_trip() {
        let ts = "Mon Nov 2 02:36:14 UTC 2026";
        let epoch = parse_timestamp(ts).unwrap();
        assert_eq!(format_timestamp(epoch), ts);
        assert!(parse_timestamp("yesterday").is_none());
    }
}
