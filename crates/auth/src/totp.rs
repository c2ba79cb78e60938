//! TOTP (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits) with Cognito's 32-character base32
//! secrets, for `AssociateSoftwareToken` / `VerifySoftwareToken` / `SOFTWARE_TOKEN_MFA`.

use aws_lc_rs::hmac;

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
pub const STEP_SECONDS: i64 = 30;

/// A new secret: 20 random bytes, 32 base32 characters (what Cognito's `SecretCode` is).
pub fn new_secret() -> String {
    base32_encode(&crate::crypto::random_bytes(20))
}

pub fn base32_encode(data: &[u8]) -> String {
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in data {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            out.push(ALPHABET[((buffer >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.chars().filter(|c| *c != '=' && !c.is_whitespace()) {
        let v = ALPHABET
            .iter()
            .position(|a| *a as char == c.to_ascii_uppercase())? as u32;
        buffer = (buffer << 5) | v;
        bits += 5;
        if bits >= 8 {
            out.push((buffer >> (bits - 8)) as u8);
            bits -= 8;
        }
    }
    Some(out)
}

/// The code of one time step.
pub fn code_at_step(secret: &[u8], step: i64) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret);
    let tag = hmac::sign(&key, &step.to_be_bytes());
    let h = tag.as_ref();
    let offset = (h[h.len() - 1] & 0x0f) as usize;
    let bin = (u32::from(h[offset] & 0x7f) << 24)
        | (u32::from(h[offset + 1]) << 16)
        | (u32::from(h[offset + 2]) << 8)
        | u32::from(h[offset + 3]);
    format!("{:06}", bin % 1_000_000)
}

/// The code for a base32 secret at a Unix time (tests, and the e2e suite's computation).
pub fn code_at(secret_b32: &str, unix: i64) -> Option<String> {
    Some(code_at_step(
        &base32_decode(secret_b32)?,
        unix.div_euclid(STEP_SECONDS),
    ))
}

/// The step `code` matches at `unix`, allowing one step of clock drift either way, compared
/// in constant time.
pub fn matching_step(secret_b32: &str, code: &str, unix: i64) -> Option<i64> {
    let secret = base32_decode(secret_b32)?;
    let now = unix.div_euclid(STEP_SECONDS);
    let mut found = None;
    for step in [now - 1, now, now + 1] {
        if crate::crypto::ct_eq(
            code_at_step(&secret, step).as_bytes(),
            code.trim().as_bytes(),
        ) {
            found = Some(step);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_sha1_vectors() {
        // RFC 6238 appendix B, SHA1 secret "12345678901234567890", last 6 digits.
        let secret = b"12345678901234567890";
        for (t, code) in [
            (59, "287082"),
            (1111111109, "081804"),
            (1111111111, "050471"),
            (1234567890, "005924"),
            (2000000000, "279037"),
        ] {
            assert_eq!(code_at_step(secret, t / 30), code);
        }
    }

    #[test]
    fn base32_round_trip_and_secret_shape() {
        let s = new_secret();
        assert_eq!(s.len(), 32);
        assert_eq!(base32_encode(&base32_decode(&s).unwrap()), s);
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        let code = code_at(&s, 1_000_000).unwrap();
        assert_eq!(
            matching_step(&s, &code, 1_000_000 + 29),
            Some(1_000_000 / 30)
        );
        assert_eq!(
            matching_step(&s, &code, 1_000_000 - 31),
            Some(1_000_000 / 30)
        );
        assert_eq!(matching_step(&s, &code, 1_000_000 + 95), None);
    }
}
