//! The identity pool: identities, credentials, linking, and the wire.

mod common;

use ampbase_auth::{ErrorKind, tokens};
use ampbase_core::IamPrincipal;
use axum::body::Body;
use axum::http::Request;
use common::{confirmed_user, srp_sign_in};
use serde_json::{Map, Value, json};
use tower::ServiceExt;

const PW: &str = "Passw0rd!";

fn logins(pool: &ampbase_auth::IdentityPool, id_token: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(pool.login_providers()[0].clone(), json!(id_token));
    m
}

#[tokio::test]
async fn identities_and_credentials() {
    let pool = common::pool().await;
    let ip = common::identity_pool(&pool, true).await;
    let pid = common::identity_pool_id();
    assert_eq!(
        ip.login_providers()[0],
        format!("localhost:20002/{}", pool.config().user_pool_id)
    );
    let none = Map::new();

    // Guests.
    let guest = ip.get_id(&pid, &none).await.unwrap();
    let creds = ip
        .get_credentials_for_identity(&guest, &none)
        .await
        .unwrap();
    assert_eq!(
        creds.principal,
        IamPrincipal::Guest {
            identity_id: guest.clone()
        }
    );
    assert!(creds.access_key_id.starts_with("ASIA") && creds.access_key_id.len() == 20);
    assert!(creds.expiration >= pool.now() + 3599);
    // SigV4 verifiers find them by key id and session token.
    let found = ip
        .credentials(&creds.access_key_id, &creds.session_token)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.secret_key, creds.secret_key);
    assert!(
        ip.credentials(&creds.access_key_id, "wrong")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        ip.credentials("ASIANOPE", &creds.session_token)
            .await
            .unwrap()
            .is_none()
    );

    // A user: the cached guest identity becomes theirs, and stays theirs.
    let sub = confirmed_user(&pool, "ivy@example.com", PW).await;
    pool.admin_add_user_to_group(&pool.config().user_pool_id, &sub, "ADMINS")
        .await
        .unwrap();
    let t = srp_sign_in(&pool, "ivy@example.com", PW).await.unwrap();
    let l = logins(&ip, &t.id_token);
    let c = ip.get_credentials_for_identity(&guest, &l).await.unwrap();
    assert_eq!(c.identity_id, guest);
    assert_eq!(
        c.principal,
        IamPrincipal::Authenticated {
            identity_id: guest.clone(),
            sub: sub.clone(),
            username: sub.clone(),
            groups: vec!["ADMINS".into()]
        }
    );
    assert_eq!(ip.get_id(&pid, &l).await.unwrap(), guest);
    // Another cached guest id: the user's identity comes back (the client switches to it).
    let other_guest = ip.get_id(&pid, &none).await.unwrap();
    assert_eq!(
        ip.get_credentials_for_identity(&other_guest, &l)
            .await
            .unwrap()
            .identity_id,
        guest
    );
    // The user's identity needs the user's login.
    assert_eq!(
        ip.get_credentials_for_identity(&guest, &none)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::NotAuthorizedException
    );
    confirmed_user(&pool, "jon@example.com", PW).await;
    let t2 = srp_sign_in(&pool, "jon@example.com", PW).await.unwrap();
    assert_eq!(
        ip.get_credentials_for_identity(&guest, &logins(&ip, &t2.id_token))
            .await
            .unwrap_err()
            .message,
        "Logins don't match. Please include at least one valid login for this identity or identity pool."
    );
    // Access tokens, forged tokens and unknown providers are refused.
    assert_eq!(
        ip.get_id(&pid, &logins(&ip, &t.access_token))
            .await
            .unwrap_err()
            .kind,
        ErrorKind::NotAuthorizedException
    );
    assert_eq!(
        ip.get_id(&pid, &logins(&ip, "a.b.c"))
            .await
            .unwrap_err()
            .kind,
        ErrorKind::NotAuthorizedException
    );
    let mut foreign = Map::new();
    foreign.insert("accounts.google.com".into(), json!(t.id_token));
    assert_eq!(
        ip.get_id(&pid, &foreign).await.unwrap_err().kind,
        ErrorKind::NotAuthorizedException
    );
    assert_eq!(
        ip.get_id("us-east-1:nope", &none).await.unwrap_err().kind,
        ErrorKind::ResourceNotFoundException
    );
    assert_eq!(
        ip.get_credentials_for_identity("us-east-1:nope", &none)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::ResourceNotFoundException
    );

    // OpenID tokens.
    let token = ip.get_open_id_token(&guest, &l).await.unwrap();
    let claims = tokens::decode_unverified(&token).unwrap();
    assert_eq!(
        (claims["sub"].as_str(), claims["aud"].as_str()),
        (Some(guest.as_str()), Some(pid.as_str()))
    );
    assert_eq!(claims["amr"][0], "authenticated");

    // Credentials expire.
    pool.advance_clock(3601);
    assert!(
        ip.credentials(&c.access_key_id, &c.session_token)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn guests_can_be_turned_off_and_the_wire_speaks_identity() {
    let pool = common::pool().await;
    let ip = common::identity_pool(&pool, false).await;
    let pid = common::identity_pool_id();
    assert_eq!(
        ip.get_id(&pid, &Map::new()).await.unwrap_err().message,
        "Unauthenticated access is not supported for this identity pool."
    );
    confirmed_user(&pool, "kay@example.com", PW).await;
    let t = srp_sign_in(&pool, "kay@example.com", PW).await.unwrap();

    let router = ampbase_auth::router_with(
        pool.clone(),
        ampbase_auth::RouterOptions {
            identity_pool: Some(ip.clone()),
            ..Default::default()
        },
    );
    let call = |op: &str, body: Value| {
        let router = router.clone();
        let op = op.to_string();
        async move {
            let req = Request::post("/")
                .header("content-type", "application/x-amz-json-1.1")
                .header("x-amz-target", format!("AWSCognitoIdentityService.{op}"))
                .body(Body::from(body.to_string()))
                .unwrap();
            let resp = router.oneshot(req).await.unwrap();
            let status = resp.status().as_u16();
            let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
                .await
                .unwrap();
            (status, serde_json::from_slice::<Value>(&bytes).unwrap())
        }
    };
    let login_key = ip.login_providers()[0].clone();
    let (s, v) = call(
        "GetId",
        json!({ "IdentityPoolId": pid, "Logins": { login_key.clone(): t.id_token } }),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let id = v["IdentityId"].as_str().unwrap().to_string();
    let (_, v) = call(
        "GetCredentialsForIdentity",
        json!({ "IdentityId": id, "Logins": { login_key.clone(): t.id_token } }),
    )
    .await;
    assert_eq!(v["IdentityId"], id.as_str());
    assert!(v["Credentials"]["Expiration"].is_i64());
    for k in ["AccessKeyId", "SecretKey", "SessionToken"] {
        assert!(v["Credentials"][k].is_string(), "{k}");
    }
    let (s, v) = call("GetId", json!({ "IdentityPoolId": pid })).await;
    assert_eq!(
        (s, v["__type"].as_str()),
        (400, Some("NotAuthorizedException"))
    );
    let (_, v) = call(
        "GetOpenIdToken",
        json!({ "IdentityId": id, "Logins": { login_key: t.id_token } }),
    )
    .await;
    assert!(v["Token"].is_string());
    let (_, v) = call("ListIdentities", json!({})).await;
    assert_eq!(v["__type"], "UnknownOperationException");
}

/// What the S3 edge needs to answer as AWS does: unknown key, token missing or not the
/// issued one, expiry.
#[tokio::test]
async fn credential_lookup_says_why_it_refuses() {
    use ampbase_auth::CredentialLookup;
    let pool = common::pool().await;
    let ip = common::identity_pool(&pool, true).await;
    let none = Map::new();
    let guest = ip.get_id(&common::identity_pool_id(), &none).await.unwrap();
    let creds = ip
        .get_credentials_for_identity(&guest, &none)
        .await
        .unwrap();
    let lookup = |token: Option<&'static str>| {
        let ip = ip.clone();
        let key = creds.access_key_id.clone();
        async move { ip.lookup_credentials(&key, token).await.unwrap() }
    };
    let token: &'static str = Box::leak(creds.session_token.clone().into_boxed_str());
    assert_eq!(
        lookup(Some(token)).await,
        CredentialLookup::Valid(creds.clone())
    );
    assert_eq!(lookup(None).await, CredentialLookup::Unknown);
    assert_eq!(
        lookup(Some("not-the-token")).await,
        CredentialLookup::TokenMismatch
    );
    assert_eq!(
        ip.lookup_credentials("ASIAUNKNOWN00000000", Some(token))
            .await
            .unwrap(),
        CredentialLookup::Unknown
    );
    pool.advance_clock(3600);
    assert_eq!(lookup(Some(token)).await, CredentialLookup::Expired);
    assert!(
        ip.credentials(&creds.access_key_id, token)
            .await
            .unwrap()
            .is_none()
    );
}
