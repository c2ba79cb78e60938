//! How long verifying one signed GraphQL request takes (canonical request, derived key, HMAC),
//! credential lookup excluded: `cargo run --release -p ampbase-sigv4 --example verify_throughput`.

use std::time::Instant;

use ampbase_core::{Caller, IamPrincipal};
use ampbase_sigv4::{
    CredentialSource, Lookup, RequestParts, SigningCredentials, Verifier, sign_headers,
};

struct OneKey;

#[async_trait::async_trait]
impl CredentialSource for OneKey {
    async fn lookup(&self, _: &str, _: Option<&str>) -> Lookup {
        Lookup::Found {
            secret: "secret".into(),
            caller: Caller::Iam(IamPrincipal::Admin),
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let credentials = SigningCredentials {
        access_key_id: "ASIAEXAMPLE".into(),
        secret_access_key: "secret".into(),
        session_token: Some("token".repeat(80)),
    };
    let body = br#"{"query":"query ($id: ID!) { getTodo(id: $id) { id content createdAt updatedAt } }","variables":{"id":"a1b2c3"}}"#;
    let mut headers = http::HeaderMap::new();
    headers.insert("host", "localhost:20002".parse().unwrap());
    headers.insert(
        "content-type",
        "application/json; charset=UTF-8".parse().unwrap(),
    );
    headers.insert(
        "x-amz-user-agent",
        "aws-amplify/6.22.1 api/1 framework/100".parse().unwrap(),
    );
    let now = chrono::Utc::now().timestamp();
    sign_headers(
        &credentials,
        "us-east-1",
        "appsync",
        now,
        "POST",
        "/graphql",
        "",
        &mut headers,
        body,
    );
    let request = RequestParts {
        method: "POST",
        path: "/graphql",
        query: "",
        headers: &headers,
        body,
    };
    let verifier = Verifier::new("appsync");
    let rounds = 100_000;
    let started = Instant::now();
    for _ in 0..rounds {
        verifier
            .verify_at(&request, &OneKey, now)
            .await
            .expect("verifies");
    }
    let elapsed = started.elapsed();
    println!(
        "{rounds} verifications in {:.2} s: {:.1} µs each, {:.0} per second on one core",
        elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1e6 / rounds as f64,
        rounds as f64 / elapsed.as_secs_f64()
    );
}
