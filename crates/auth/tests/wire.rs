//! The Cognito JSON protocol through the axum router.

mod common;

use std::sync::Arc;

use ampbase_auth::UserPool;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use tower::ServiceExt;

const PW: &str = "Passw0rd!";

async fn call(pool: &Arc<UserPool>, op: &str, body: Value) -> (StatusCode, Value) {
    let (status, _, v) = call_raw(
        pool,
        Some(&format!("AWSCognitoIdentityProviderService.{op}")),
        body.to_string(),
    )
    .await;
    (status, v)
}

async fn call_raw(
    pool: &Arc<UserPool>,
    target: Option<&str>,
    body: String,
) -> (StatusCode, axum::http::HeaderMap, Value) {
    let mut req = Request::post("/").header("content-type", "application/x-amz-json-1.1");
    if let Some(t) = target {
        req = req.header("x-amz-target", t);
    }
    let resp = ampbase_auth::router(pool.clone())
        .oneshot(req.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    let v = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    };
    (status, headers, v)
}

async fn get(pool: &Arc<UserPool>, uri: &str) -> (StatusCode, Value) {
    let resp = ampbase_auth::router(pool.clone())
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn assert_error(r: (StatusCode, Value), ty: &str, message: &str) {
    assert_eq!(r.0, StatusCode::BAD_REQUEST, "{:?}", r.1);
    assert_eq!(r.1["__type"], ty, "{:?}", r.1);
    if !message.is_empty() {
        assert_eq!(r.1["message"], message);
    }
}

#[tokio::test]
async fn account_lifecycle_over_json() {
    let pool = common::pool().await;
    let client = pool.config().client_id.clone();

    let (s, up) = call(&pool, "SignUp", json!({
        "ClientId": client, "Username": "amy@example.com", "Password": PW,
        "UserAttributes": [{ "Name": "email", "Value": "amy@example.com" }, { "Name": "custom:tenant", "Value": "acme" }]
    })).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(up["UserConfirmed"], false);
    assert_eq!(
        up["CodeDeliveryDetails"],
        json!({ "Destination": "a***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email" })
    );
    let sub = up["UserSub"].as_str().unwrap().to_string();

    // The mailbox route, newest first.
    call(
        &pool,
        "ResendConfirmationCode",
        json!({ "ClientId": client, "Username": "amy@example.com" }),
    )
    .await;
    let (s, mail) = get(&pool, "/_ampbase/mailbox").await;
    assert_eq!(s, StatusCode::OK);
    let mail = mail.as_array().unwrap();
    assert_eq!(mail.len(), 2);
    assert!(mail[0]["id"].as_str() > mail[1]["id"].as_str());
    assert_eq!(mail[0]["destination"], "amy@example.com");
    assert_eq!(mail[0]["purpose"], "SIGN_UP");
    let code = mail[0]["code"].as_str().unwrap().to_string();
    assert_eq!(
        get(&pool, "/_ampbase/mailbox?to=someone@else.com").await.1,
        json!([])
    );
    assert_eq!(
        get(&pool, "/_ampbase/mailbox?limit=1")
            .await
            .1
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let (s, v) = call(
        &pool,
        "ConfirmSignUp",
        json!({ "ClientId": client, "Username": "amy@example.com", "ConfirmationCode": code }),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    // The session for auto sign-in (USER_AUTH).
    let (_, auto) = call(&pool, "InitiateAuth", json!({
        "AuthFlow": "USER_AUTH", "ClientId": client, "AuthParameters": { "USERNAME": "amy@example.com" }, "Session": v["Session"]
    })).await;
    assert!(
        auto["AuthenticationResult"]["AccessToken"].is_string(),
        "{auto}"
    );
    let (_, select) = call(&pool, "InitiateAuth", json!({
        "AuthFlow": "USER_AUTH", "ClientId": client, "AuthParameters": { "USERNAME": "amy@example.com" }
    })).await;
    assert_eq!(select["ChallengeName"], "SELECT_CHALLENGE");
    assert_eq!(
        select["AvailableChallenges"],
        json!(["EMAIL_OTP", "PASSWORD", "PASSWORD_SRP"])
    );

    // USER_PASSWORD_AUTH over the wire.
    let (s, v) = call(
        &pool,
        "InitiateAuth",
        json!({
            "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client,
            "AuthParameters": { "USERNAME": "amy@example.com", "PASSWORD": PW }
        }),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let result = &v["AuthenticationResult"];
    assert_eq!(result["TokenType"], "Bearer");
    assert_eq!(result["ExpiresIn"], 3600);
    let access = result["AccessToken"].as_str().unwrap().to_string();
    let refresh = result["RefreshToken"].as_str().unwrap().to_string();

    // SRP challenge shape.
    let (_, v) = call(
        &pool,
        "InitiateAuth",
        json!({
            "AuthFlow": "USER_SRP_AUTH", "ClientId": client,
            "AuthParameters": { "USERNAME": "amy@example.com", "SRP_A": "abcdef" }
        }),
    )
    .await;
    assert_eq!(v["ChallengeName"], "PASSWORD_VERIFIER");
    for p in [
        "SALT",
        "SRP_B",
        "SECRET_BLOCK",
        "USER_ID_FOR_SRP",
        "USERNAME",
    ] {
        assert!(v["ChallengeParameters"][p].is_string(), "{p}");
    }
    assert_eq!(v["ChallengeParameters"]["USER_ID_FOR_SRP"], sub.as_str());
    assert!(v["Session"].is_string());

    let (_, user) = call(&pool, "GetUser", json!({ "AccessToken": access })).await;
    assert_eq!(user["Username"], sub.as_str());
    assert_eq!(
        user["UserAttributes"][0],
        json!({ "Name": "sub", "Value": sub })
    );
    assert!(
        user["UserAttributes"]
            .as_array()
            .unwrap()
            .contains(&json!({ "Name": "email_verified", "Value": "true" }))
    );
    assert!(
        user["UserAttributes"]
            .as_array()
            .unwrap()
            .contains(&json!({ "Name": "custom:tenant", "Value": "acme" }))
    );

    let (_, v) = call(
        &pool,
        "UpdateUserAttributes",
        json!({ "AccessToken": access, "UserAttributes": [{ "Name": "name", "Value": "Amy" }] }),
    )
    .await;
    assert_eq!(v, json!({ "CodeDeliveryDetailsList": [] }));

    let (_, v) = call(
        &pool,
        "GetTokensFromRefreshToken",
        json!({ "ClientId": client, "RefreshToken": refresh }),
    )
    .await;
    assert!(v["AuthenticationResult"]["AccessToken"].is_string());
    assert!(v["AuthenticationResult"].get("RefreshToken").is_none());
    let (_, v) = call(&pool, "InitiateAuth", json!({ "AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": client, "AuthParameters": { "REFRESH_TOKEN": refresh } })).await;
    assert!(v["AuthenticationResult"]["IdToken"].is_string());

    let (_, v) = call(&pool, "ChangePassword", json!({ "AccessToken": access, "PreviousPassword": PW, "ProposedPassword": "N3w!Password" })).await;
    assert_eq!(v, json!({}));
    let (_, v) = call(
        &pool,
        "ForgotPassword",
        json!({ "ClientId": client, "Username": "amy@example.com" }),
    )
    .await;
    assert_eq!(v["CodeDeliveryDetails"]["DeliveryMedium"], "EMAIL");
    let code = common::latest_code(&pool, "amy@example.com").await;
    let (_, v) = call(&pool, "ConfirmForgotPassword", json!({ "ClientId": client, "Username": "amy@example.com", "ConfirmationCode": code, "Password": "R3set!Password" })).await;
    assert_eq!(v, json!({}));

    let (_, v) = call(
        &pool,
        "RevokeToken",
        json!({ "ClientId": client, "Token": refresh }),
    )
    .await;
    assert_eq!(v, json!({}));
    assert_error(
        call(
            &pool,
            "GetTokensFromRefreshToken",
            json!({ "ClientId": client, "RefreshToken": refresh }),
        )
        .await,
        "NotAuthorizedException",
        "Refresh Token has been revoked",
    );
    let (_, v) = call(
        &pool,
        "InitiateAuth",
        json!({
            "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client,
            "AuthParameters": { "USERNAME": "amy@example.com", "PASSWORD": "R3set!Password" }
        }),
    )
    .await;
    let access = v["AuthenticationResult"]["AccessToken"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        call(&pool, "GlobalSignOut", json!({ "AccessToken": access }))
            .await
            .1,
        json!({})
    );
    assert_error(
        call(&pool, "GetUser", json!({ "AccessToken": access })).await,
        "NotAuthorizedException",
        "Access Token has been revoked",
    );

    let (_, v) = call(
        &pool,
        "InitiateAuth",
        json!({
            "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client,
            "AuthParameters": { "USERNAME": "amy@example.com", "PASSWORD": "R3set!Password" }
        }),
    )
    .await;
    let access = v["AuthenticationResult"]["AccessToken"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        call(
            &pool,
            "ListDevices",
            json!({ "AccessToken": access, "Limit": 60 })
        )
        .await
        .1,
        json!({ "Devices": [] })
    );
    assert_error(
        call(
            &pool,
            "ForgetDevice",
            json!({ "AccessToken": access, "DeviceKey": "x" }),
        )
        .await,
        "ResourceNotFoundException",
        "Device does not exist.",
    );
    // DeleteUser answers with an empty body.
    let (s, _, v) = call_raw(
        &pool,
        Some("AWSCognitoIdentityProviderService.DeleteUser"),
        json!({ "AccessToken": access }).to_string(),
    )
    .await;
    assert_eq!((s, v), (StatusCode::OK, Value::Null));
}

#[tokio::test]
async fn errors_have_cognito_shapes() {
    let pool = common::pool().await;
    let client = pool.config().client_id.clone();
    // Header and body both name the error.
    let (s, h, v) = call_raw(
        &pool,
        Some("AWSCognitoIdentityProviderService.SignUp"),
        json!({ "ClientId": client, "Username": "x@example.com", "Password": "short" }).to_string(),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(h["x-amzn-errortype"], "InvalidPasswordException");
    assert_eq!(h["content-type"], "application/x-amz-json-1.1");
    assert_eq!(
        v,
        json!({ "__type": "InvalidPasswordException", "message": "Password did not conform with policy: Password not long enough" })
    );

    assert_error(
        call(
            &pool,
            "SignUp",
            json!({ "ClientId": "wrong", "Username": "x@example.com", "Password": PW }),
        )
        .await,
        "ResourceNotFoundException",
        "User pool client wrong does not exist.",
    );
    assert_error(
        call(
            &pool,
            "SignUp",
            json!({ "ClientId": client, "Password": PW }),
        )
        .await,
        "InvalidParameterException",
        "1 validation error detected: Value null at 'username' failed to satisfy constraint: Member must not be null",
    );
    call(
        &pool,
        "SignUp",
        json!({ "ClientId": client, "Username": "x@example.com", "Password": PW }),
    )
    .await;
    assert_error(
        call(
            &pool,
            "SignUp",
            json!({ "ClientId": client, "Username": "x@example.com", "Password": PW }),
        )
        .await,
        "UsernameExistsException",
        "An account with the given email already exists.",
    );
    assert_error(call(&pool, "ConfirmSignUp", json!({ "ClientId": client, "Username": "x@example.com", "ConfirmationCode": "000000x" })).await, "CodeMismatchException", "Invalid verification code provided, please try again.");
    assert_error(call(&pool, "ConfirmSignUp", json!({ "ClientId": client, "Username": "y@example.com", "ConfirmationCode": "000000" })).await, "UserNotFoundException", "Username/client id combination not found.");
    assert_error(
        call(&pool, "InitiateAuth", json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client, "AuthParameters": { "USERNAME": "x@example.com", "PASSWORD": PW } })).await,
        "UserNotConfirmedException",
        "User is not confirmed.",
    );
    assert_error(
        call(&pool, "InitiateAuth", json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client, "AuthParameters": { "USERNAME": "x@example.com", "PASSWORD": "Wr0ng!pass" } })).await,
        "NotAuthorizedException",
        "Incorrect username or password.",
    );
    assert_error(
        call(
            &pool,
            "InitiateAuth",
            json!({ "AuthFlow": "MAGIC", "ClientId": client }),
        )
        .await,
        "InvalidParameterException",
        "",
    );
    assert_error(
        call(&pool, "GetUser", json!({ "AccessToken": "garbage" })).await,
        "NotAuthorizedException",
        "Invalid Access Token",
    );
    assert_error(
        call(&pool, "GetUser", json!({})).await,
        "InvalidParameterException",
        "",
    );
    assert_error(call(&pool, "RespondToAuthChallenge", json!({ "ClientId": client, "ChallengeName": "PASSWORD_VERIFIER", "ChallengeResponses": {} })).await, "InvalidParameterException", "Missing required parameter PASSWORD_CLAIM_SECRET_BLOCK");
    assert_error(
        call(
            &pool,
            "RespondToAuthChallenge",
            json!({ "ClientId": client, "ChallengeName": "SMS_MFA", "ChallengeResponses": {} }),
        )
        .await,
        "InvalidParameterException",
        "",
    );
    assert_error(
        call(&pool, "AdminCreateUser", json!({})).await,
        "MissingAuthenticationTokenException",
        "Missing Authentication Token",
    );
    let (s, _, v) = call_raw(&pool, None, "{}".into()).await;
    assert_eq!(
        (s, v["__type"].as_str()),
        (StatusCode::BAD_REQUEST, Some("UnknownOperationException"))
    );
    let (s, _, v) = call_raw(
        &pool,
        Some("AWSCognitoIdentityProviderService.SignUp"),
        "{not json".into(),
    )
    .await;
    assert_eq!(
        (s, v["__type"].as_str()),
        (StatusCode::BAD_REQUEST, Some("SerializationException"))
    );
}

#[tokio::test]
async fn jwks_and_openid_configuration() {
    let pool = common::pool().await;
    let id = pool.config().user_pool_id.clone();
    let (s, jwks) = get(&pool, &format!("/{id}/.well-known/jwks.json")).await;
    assert_eq!(s, StatusCode::OK);
    let key = &jwks["keys"][0];
    assert_eq!(
        (
            key["kty"].as_str(),
            key["alg"].as_str(),
            key["use"].as_str(),
            key["e"].as_str()
        ),
        (Some("RSA"), Some("RS256"), Some("sig"), Some("AQAB"))
    );
    assert!(key["n"].as_str().unwrap().len() > 300);
    let (s, oidc) = get(&pool, &format!("/{id}/.well-known/openid-configuration")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(oidc["issuer"], format!("http://localhost:20002/{id}"));
    assert_eq!(
        oidc["jwks_uri"],
        format!("http://localhost:20002/{id}/.well-known/jwks.json")
    );
    assert_eq!(
        oidc["id_token_signing_alg_values_supported"],
        json!(["RS256"])
    );
    assert_eq!(
        get(&pool, "/us-east-1_Nope/.well-known/jwks.json").await.0,
        StatusCode::NOT_FOUND
    );

    // A token's kid is in the JWKS, and the JWK verifies its signature.
    common::confirmed_user(&pool, "kid@example.com", PW).await;
    let t = common::srp_sign_in(&pool, "kid@example.com", PW)
        .await
        .unwrap();
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let parts: Vec<&str> = t.id_token.split('.').collect();
    let header: Value = serde_json::from_slice(&b64.decode(parts[0]).unwrap()).unwrap();
    assert_eq!(header["kid"], key["kid"]);
    let n = b64.decode(key["n"].as_str().unwrap()).unwrap();
    let e = b64.decode(key["e"].as_str().unwrap()).unwrap();
    let public = aws_lc_rs::signature::RsaPublicKeyComponents { n: &n, e: &e };
    public
        .verify(
            &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
            format!("{}.{}", parts[0], parts[1]).as_bytes(),
            &b64.decode(parts[2]).unwrap(),
        )
        .unwrap();
}
