#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;

use ampbase_auth::{AuthStep, AuthenticationResult, PoolConfig, SandboxDelivery, UserPool, srp};
use ampbase_definition::BackendDefinition;
use ampbase_outputs::amplify_outputs::OutputsContext;
use ampbase_store::Store;
use num_bigint::BigUint;

/// `defineAuth` of the test app: email sign-in, an optional name, a custom attribute.
pub fn definition() -> BackendDefinition {
    serde_json::from_value(serde_json::json!({
        "version": 1,
        "auth": {
            "loginWith": { "email": { "otpLogin": true, "verificationEmailSubject": "Welcome", "verificationEmailBody": "Your code is {####}" } },
            "userAttributes": {
                "fullname": { "required": false, "mutable": true },
                "birthdate": { "required": false, "mutable": false },
                "custom:tenant": { "dataType": "String", "mutable": true, "maxLen": 16 },
                "custom:level": { "dataType": "Number", "mutable": true, "min": 1, "max": 10 }
            },
            "groups": ["ADMINS"],
            "multifactor": { "mode": "OPTIONAL", "totp": true, "email": true }
        },
        "outputs": {}, "warnings": []
    }))
    .unwrap()
}

pub fn config() -> PoolConfig {
    let def = definition();
    let ctx = OutputsContext::for_definition("authtest", "sandbox", "us-east-1", &def);
    PoolConfig::from_definition(
        def.auth.as_ref().unwrap(),
        &ctx.user_pool_id,
        &ctx.user_pool_client_id,
        &ctx.base_url,
    )
}

pub fn identity_pool_id() -> String {
    OutputsContext::for_definition("authtest", "sandbox", "us-east-1", &definition())
        .identity_pool_id
}

pub async fn identity_pool(
    pool: &Arc<UserPool>,
    allow_guest: bool,
) -> Arc<ampbase_auth::IdentityPool> {
    let config = ampbase_auth::IdentityPoolConfig {
        identity_pool_id: identity_pool_id(),
        allow_guest,
    };
    Arc::new(
        ampbase_auth::IdentityPool::open(config, pool.clone())
            .await
            .unwrap(),
    )
}

pub async fn open(store: &Store, config: PoolConfig) -> Arc<UserPool> {
    Arc::new(
        UserPool::open(config, store.clone(), SandboxDelivery::quiet(store.clone()))
            .await
            .unwrap(),
    )
}

pub async fn pool() -> Arc<UserPool> {
    let store = Store::open_in_memory().unwrap();
    open(&store, config()).await
}

pub async fn latest_code(pool: &UserPool, to: &str) -> String {
    let mailbox = pool.delivery().mailbox().unwrap();
    mailbox
        .list(&pool.config().user_pool_id, Some(to), 1)
        .await
        .unwrap()[0]
        .code
        .clone()
}

/// Signs up and confirms `email`.
pub async fn confirmed_user(pool: &UserPool, email: &str, password: &str) -> String {
    let client = pool.config().client_id.clone();
    let r = pool
        .sign_up(&client, email, password, &[("email".into(), email.into())])
        .await
        .unwrap();
    let code = latest_code(pool, email).await;
    pool.confirm_sign_up(&client, email, &code).await.unwrap();
    r.user_sub
}

pub fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A complete SRP sign-in as the client does it (client-protocol.md §2.4), in Rust.
pub async fn srp_sign_in(
    pool: &UserPool,
    username: &str,
    password: &str,
) -> Result<AuthenticationResult, ampbase_auth::AuthError> {
    let client = pool.config().client_id.clone();
    let a = BigUint::from_bytes_be(&ampbase_auth::crypto::random_bytes(128));
    let a_pub = srp::G.modpow(&a, &srp::N);
    let step = pool
        .initiate_auth(
            &client,
            "USER_SRP_AUTH",
            &params(&[("USERNAME", username), ("SRP_A", &a_pub.to_str_radix(16))]),
        )
        .await?;
    let AuthStep::Challenge {
        name,
        parameters,
        session,
    } = step
    else {
        panic!("expected a challenge")
    };
    assert_eq!(name, "PASSWORD_VERIFIER");
    let responses = srp_responses(pool, &a, &parameters, password);
    match pool
        .respond_to_auth_challenge(&client, "PASSWORD_VERIFIER", &responses, Some(&session))
        .await?
    {
        AuthStep::Authenticated(r) => Ok(r),
        other => panic!("unexpected {other:?}"),
    }
}

pub fn srp_responses(
    pool: &UserPool,
    a: &BigUint,
    parameters: &BTreeMap<String, String>,
    password: &str,
) -> BTreeMap<String, String> {
    let salt = BigUint::parse_bytes(parameters["SALT"].as_bytes(), 16).unwrap();
    let b_pub = BigUint::parse_bytes(parameters["SRP_B"].as_bytes(), 16).unwrap();
    let user_id = &parameters["USER_ID_FOR_SRP"];
    let pool_name = pool.config().pool_name().to_string();
    let key = srp::client_session_key(a, &b_pub, &salt, &pool_name, user_id, password);
    let timestamp = srp::format_timestamp(pool.now());
    let block = ampbase_auth::crypto::decode_b64_any(&parameters["SECRET_BLOCK"]).unwrap();
    let sig = srp::claim_signature(&key, &pool_name, user_id, &block, &timestamp);
    use base64::Engine;
    params(&[
        ("USERNAME", user_id),
        ("PASSWORD_CLAIM_SECRET_BLOCK", &parameters["SECRET_BLOCK"]),
        ("TIMESTAMP", &timestamp),
        (
            "PASSWORD_CLAIM_SIGNATURE",
            &base64::engine::general_purpose::STANDARD.encode(sig),
        ),
    ])
}
