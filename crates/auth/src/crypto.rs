//! Small cryptographic helpers: randomness, codes, constant-time comparison, password hashes
//! and the sealed blobs (`SECRET_BLOCK`, `Session`) that carry sign-in state through the client.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut out = vec![0u8; n];
    aws_lc_rs::rand::fill(&mut out).expect("system randomness");
    out
}

/// A 6-digit code, uniformly distributed.
pub fn six_digit_code() -> String {
    loop {
        let b = random_bytes(4);
        let n = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        // Reject the top sliver so that `n % 1_000_000` is uniform.
        if n < 4_294_000_000 {
            return format!("{:06}", n % 1_000_000);
        }
    }
}

/// An opaque token: `bytes` random bytes, base64url.
pub fn opaque_token(bytes: usize) -> String {
    URL_SAFE_NO_PAD.encode(random_bytes(bytes))
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// Argon2id (default parameters) PHC string.
pub fn hash_password(password: &str) -> String {
    Argon2::default()
        .hash_password(password.as_bytes())
        .expect("argon2 hash")
        .to_string()
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(hash) => Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok(),
        Err(_) => false,
    }
}

/// AES-256-GCM over JSON: what the server hands the client to carry and get back unaltered.
pub struct Sealer {
    key: LessSafeKey,
}

impl Sealer {
    pub fn new(key: &[u8; 32]) -> Sealer {
        Sealer {
            key: LessSafeKey::new(UnboundKey::new(&AES_256_GCM, key).expect("aes key")),
        }
    }

    /// `purpose` is bound as associated data, so a blob sealed for one use cannot be
    /// presented for another.
    pub fn seal(&self, purpose: &str, plaintext: &[u8]) -> Vec<u8> {
        let nonce_bytes = random_bytes(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(&nonce_bytes).expect("nonce");
        let mut data = plaintext.to_vec();
        self.key
            .seal_in_place_append_tag(nonce, Aad::from(purpose.as_bytes()), &mut data)
            .expect("seal");
        let mut out = nonce_bytes;
        out.extend_from_slice(&data);
        out
    }

    pub fn open(&self, purpose: &str, sealed: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() < NONCE_LEN + 16 {
            return None;
        }
        let (nonce, data) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut data = data.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(purpose.as_bytes()), &mut data)
            .ok()?;
        Some(plain.to_vec())
    }

    pub fn seal_b64(&self, purpose: &str, plaintext: &[u8]) -> String {
        STANDARD.encode(self.seal(purpose, plaintext))
    }

    /// Accepts standard base64 or base64url (the client may send either).
    pub fn open_b64(&self, purpose: &str, text: &str) -> Option<Vec<u8>> {
        self.open(purpose, &decode_b64_any(text)?)
    }
}

pub fn decode_b64_any(text: &str) -> Option<Vec<u8>> {
    let t = text.trim_end_matches('=');
    let t: String = t
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(t)
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits() {
        for _ in 0..100 {
            let c = six_digit_code();
            assert_eq!(c.len(), 6);
            assert!(c.chars().all(|c| c.is_ascii_digit()));
        }
    }

    #[test]
    fn sealed_blobs_resist_tampering_and_reuse_for_another_purpose() {
        let s = Sealer::new(&[7u8; 32]);
        let blob = s.seal("a", b"hello");
        assert_eq!(s.open("a", &blob).unwrap(), b"hello");
        assert!(s.open("b", &blob).is_none());
        let mut bad = blob.clone();
        bad[20] ^= 1;
        assert!(s.open("a", &bad).is_none());
        let b64 = s.seal_b64("a", b"x");
        let url = b64
            .replace('+', "-")
            .replace('/', "_")
            .trim_end_matches('=')
            .to_string();
        assert_eq!(s.open_b64("a", &url).unwrap(), b"x");
    }

    #[test]
    fn argon2_round_trip() {
        let h = hash_password("Passw0rd!");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("Passw0rd!", &h));
        assert!(!verify_password("passw0rd!", &h));
    }
}
