//! SRP against vectors the official aws-amplify client produced (tests/node/make-srp-vectors.mjs).

use ampbase_auth::srp;
use base64::Engine;
use num_bigint::BigUint;

#[test]
fn server_side_srp_matches_the_real_client() {
    let file: serde_json::Value = serde_json::from_str(include_str!("srp_vectors.json")).unwrap();
    let cases = file["cases"].as_array().unwrap();
    assert!(cases.len() >= 3);
    for c in cases {
        let s = |k: &str| c[k].as_str().unwrap().to_string();
        let h = |k: &str| BigUint::parse_bytes(c[k].as_str().unwrap().as_bytes(), 16).unwrap();
        assert_eq!(srp::K.to_str_radix(16), s("k"));
        // The verifier the client's formula gives for this password.
        let v = srp::verifier(&h("salt"), &s("poolName"), &s("userId"), &s("password"));
        assert_eq!(
            v.to_str_radix(16),
            s("verifier"),
            "verifier of {}",
            s("userId")
        );
        // B from the fixed b.
        let b_pub = srp::server_public(&v, &h("b"));
        assert_eq!(b_pub.to_str_radix(16), s("B"));
        // The server's key equals the key the client derived from A.
        let key = srp::server_session_key(&h("A"), &b_pub, &h("b"), &v).unwrap();
        assert_eq!(hex::encode(key), s("hkdf"));
        // And the client's PASSWORD_CLAIM_SIGNATURE checks out.
        let block = ampbase_auth::crypto::decode_b64_any(&s("secretBlock")).unwrap();
        let sig = srp::claim_signature(&key, &s("poolName"), &s("userId"), &block, &s("timestamp"));
        assert_eq!(
            base64::engine::general_purpose::STANDARD.encode(sig),
            s("signature")
        );
        // A wrong password gives another verifier, hence another key.
        let wrong = srp::verifier(&h("salt"), &s("poolName"), &s("userId"), "nope");
        assert_ne!(
            srp::server_session_key(
                &h("A"),
                &srp::server_public(&wrong, &h("b")),
                &h("b"),
                &wrong
            )
            .unwrap(),
            key
        );
        // The Rust client helper agrees with the real client.
        assert_eq!(
            srp::client_session_key(
                &h("a"),
                &b_pub,
                &h("salt"),
                &s("poolName"),
                &s("userId"),
                &s("password")
            ),
            key
        );
        // The client's timestamp format parses.
        assert!(srp::parse_timestamp(&s("timestamp")).is_some());
    }
}
