//! What an attacker tries against the Cognito JSON protocol, and Cognito's answers: forged
//! access tokens (alg `none`, another key, tampered claims, expired) on GetUser and on the
//! verification the GraphQL edge uses; a wrong SRP proof; a confirmation code used twice; a
//! run of wrong passwords ending in "Password attempts exceeded".

mod common;

use std::sync::Arc;

use ampbase_auth::{UserPool, tokens};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use num_bigint::BigUint;
use serde_json::{Map, Value, json};
use tower::ServiceExt;

const PW: &str = "Passw0rd!";

async fn call(pool: &Arc<UserPool>, op: &str, body: Value) -> (StatusCode, Value) {
    let request = Request::post("/")
        .header("content-type", "application/x-amz-json-1.1")
        .header(
            "x-amz-target",
            format!("AWSCognitoIdentityProviderService.{op}"),
        )
        .body(Body::from(body.to_string()))
        .unwrap();
    let response = ampbase_auth::router(pool.clone())
        .oneshot(request)
        .await
        .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn assert_error(r: &(StatusCode, Value), ty: &str, message: &str) {
    assert_eq!(r.0, StatusCode::BAD_REQUEST, "{:?}", r.1);
    assert_eq!(r.1["__type"], ty, "{:?}", r.1);
    assert_eq!(r.1["message"], message, "{:?}", r.1);
}

async fn password_sign_in(
    pool: &Arc<UserPool>,
    email: &str,
    password: &str,
) -> (StatusCode, Value) {
    let client = pool.config().client_id.clone();
    call(
        pool,
        "InitiateAuth",
        json!({ "ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": { "USERNAME": email, "PASSWORD": password } }),
    )
    .await
}

fn parts(token: &str) -> (Map<String, Value>, Map<String, Value>, String) {
    let mut it = token.split('.');
    let header =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(it.next().unwrap()).unwrap()).unwrap();
    let claims =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(it.next().unwrap()).unwrap()).unwrap();
    (header, claims, it.next().unwrap().to_string())
}

fn encode(value: &Map<String, Value>) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
}

#[tokio::test]
async fn forged_access_tokens_are_refused_on_get_user_and_for_graphql() {
    let pool = common::pool().await;
    common::confirmed_user(&pool, "eve@example.com", PW).await;
    let signed_in = password_sign_in(&pool, "eve@example.com", PW).await;
    assert_eq!(signed_in.0, StatusCode::OK, "{:?}", signed_in.1);
    let access = signed_in.1["AuthenticationResult"]["AccessToken"]
        .as_str()
        .unwrap()
        .to_string();
    let id_token = signed_in.1["AuthenticationResult"]["IdToken"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        call(&pool, "GetUser", json!({ "AccessToken": access }))
            .await
            .0,
        StatusCode::OK
    );
    assert!(pool.verify_access_or_id_token(&access).await.is_ok());

    let (header, claims, signature) = parts(&access);
    let mut none_header = header.clone();
    none_header.insert("alg".into(), json!("none"));
    let alg_none = format!("{}.{}.", encode(&none_header), encode(&claims));

    let (other_key, _) = tokens::SigningKey::generate(pool.now());
    let other_key_token = other_key.sign(&claims);

    let mut elevated = claims.clone();
    elevated.insert("cognito:groups".into(), json!(["ADMINS"]));
    elevated.insert("username".into(), json!("someone-else"));
    let tampered = format!("{}.{}.{signature}", encode(&header), encode(&elevated));

    let mut hs256_header = header.clone();
    hs256_header.insert("alg".into(), json!("HS256"));
    let hs256 = format!("{}.{}.{signature}", encode(&hs256_header), encode(&claims));

    for (what, token) in [
        ("alg none", &alg_none),
        ("another key", &other_key_token),
        ("tampered claims", &tampered),
        ("HS256", &hs256),
    ] {
        let r = call(&pool, "GetUser", json!({ "AccessToken": token })).await;
        assert_error(&r, "NotAuthorizedException", "Invalid Access Token");
        assert!(
            pool.verify_access_or_id_token(token).await.is_err(),
            "{what} accepted for GraphQL"
        );
    }
    // The id token's signature does not carry over to other claims either.
    let (id_header, mut id_claims, id_signature) = parts(&id_token);
    id_claims.insert("email".into(), json!("admin@example.com"));
    assert!(
        pool.verify_access_or_id_token(&format!(
            "{}.{}.{id_signature}",
            encode(&id_header),
            encode(&id_claims)
        ))
        .await
        .is_err()
    );

    // An hour later the genuine token has expired.
    pool.advance_clock(3601);
    assert_error(
        &call(&pool, "GetUser", json!({ "AccessToken": access })).await,
        "NotAuthorizedException",
        "Access Token has expired",
    );
    assert!(
        pool.verify_access_or_id_token(&access).await.is_err(),
        "an expired token must not reach GraphQL"
    );
    assert!(pool.verify_access_or_id_token(&id_token).await.is_err());
}

#[tokio::test]
async fn a_wrong_srp_proof_is_not_authorized() {
    let pool = common::pool().await;
    common::confirmed_user(&pool, "mallory@example.com", PW).await;
    let client = pool.config().client_id.clone();
    let a = BigUint::from_bytes_be(&ampbase_auth::crypto::random_bytes(128));
    let a_pub = ampbase_auth::srp::G.modpow(&a, &ampbase_auth::srp::N);
    let started = call(
        &pool,
        "InitiateAuth",
        json!({ "ClientId": client, "AuthFlow": "USER_SRP_AUTH", "AuthParameters": { "USERNAME": "mallory@example.com", "SRP_A": a_pub.to_str_radix(16) } }),
    )
    .await;
    assert_eq!(
        started.1["ChallengeName"], "PASSWORD_VERIFIER",
        "{:?}",
        started.1
    );
    let parameters = started.1["ChallengeParameters"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
        .collect();
    // The proof of a wrong password: well-formed, and false.
    let responses = common::srp_responses(&pool, &a, &parameters, "Wr0ng!password");
    let r = call(
        &pool,
        "RespondToAuthChallenge",
        json!({ "ClientId": client, "ChallengeName": "PASSWORD_VERIFIER", "Session": started.1["Session"], "ChallengeResponses": responses }),
    )
    .await;
    assert_error(
        &r,
        "NotAuthorizedException",
        "Incorrect username or password.",
    );
}

#[tokio::test]
async fn a_confirmation_code_works_once() {
    let pool = common::pool().await;
    let client = pool.config().client_id.clone();
    let r = call(
        &pool,
        "SignUp",
        json!({ "ClientId": client, "Username": "trent@example.com", "Password": PW, "UserAttributes": [{ "Name": "email", "Value": "trent@example.com" }] }),
    )
    .await;
    assert_eq!(r.0, StatusCode::OK, "{:?}", r.1);
    let code = common::latest_code(&pool, "trent@example.com").await;
    let confirm =
        json!({ "ClientId": client, "Username": "trent@example.com", "ConfirmationCode": code });
    assert_eq!(
        call(&pool, "ConfirmSignUp", confirm.clone()).await.0,
        StatusCode::OK
    );
    // Again: the user is confirmed, as Cognito says.
    assert_error(
        &call(&pool, "ConfirmSignUp", confirm).await,
        "NotAuthorizedException",
        "User cannot be confirmed. Current status is CONFIRMED",
    );

    assert_eq!(
        call(
            &pool,
            "ForgotPassword",
            json!({ "ClientId": client, "Username": "trent@example.com" })
        )
        .await
        .0,
        StatusCode::OK
    );
    let code = common::latest_code(&pool, "trent@example.com").await;
    let reset = |password: &str| json!({ "ClientId": client, "Username": "trent@example.com", "ConfirmationCode": code, "Password": password });
    assert_eq!(
        call(&pool, "ConfirmForgotPassword", reset("N3w!Password"))
            .await
            .0,
        StatusCode::OK
    );
    let reused = call(&pool, "ConfirmForgotPassword", reset("Oth3r!Password")).await;
    assert!(
        reused.1["__type"] == "CodeMismatchException"
            || reused.1["__type"] == "ExpiredCodeException",
        "a reset code used twice: {:?}",
        reused.1
    );
    assert_eq!(
        password_sign_in(&pool, "trent@example.com", "N3w!Password")
            .await
            .0,
        StatusCode::OK
    );
    assert_error(
        &password_sign_in(&pool, "trent@example.com", "Oth3r!Password").await,
        "NotAuthorizedException",
        "Incorrect username or password.",
    );
}

#[tokio::test]
async fn wrong_passwords_end_in_password_attempts_exceeded() {
    let pool = common::pool().await;
    common::confirmed_user(&pool, "oscar@example.com", PW).await;
    // The clock stands still so that the lock cannot run out on a slow machine.
    pool.freeze_clock(true);
    let mut answers = Vec::new();
    for attempt in 0..8 {
        let r = password_sign_in(&pool, "oscar@example.com", &format!("Wr0ng!{attempt}")).await;
        assert_eq!(r.1["__type"], "NotAuthorizedException", "{:?}", r.1);
        answers.push(r.1["message"].as_str().unwrap().to_string());
    }
    assert_eq!(answers[0], "Incorrect username or password.");
    assert_eq!(
        answers.last().unwrap(),
        "Password attempts exceeded",
        "{answers:?}"
    );
    // Locked: even the right password is refused while the lock lasts.
    assert_error(
        &password_sign_in(&pool, "oscar@example.com", PW).await,
        "NotAuthorizedException",
        "Password attempts exceeded",
    );
}
