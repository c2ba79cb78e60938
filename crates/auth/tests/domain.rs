//! The user pool domain, without HTTP.

mod common;

use ampbase_auth::{AuthStep, ErrorKind, PoolConfig, TokenError, UserPool, tokens};
use ampbase_store::Store;
use common::{confirmed_user, latest_code, params, srp_sign_in};

const PW: &str = "Passw0rd!";

fn kind<T: std::fmt::Debug>(r: Result<T, ampbase_auth::AuthError>) -> (ErrorKind, String) {
    let e = r.unwrap_err();
    (e.kind, e.message)
}

#[tokio::test]
async fn sign_up_validates_like_cognito() {
    let pool = common::pool().await;
    let c = pool.config().client_id.clone();
    let attrs = |e: &str| vec![("email".to_string(), e.to_string())];

    // Password policy, in Cognito's order and words.
    for (pw, msg) in [
        (
            "Aa1!",
            "Password did not conform with policy: Password not long enough",
        ),
        (
            "PASSW0RD!",
            "Password did not conform with policy: Password must have lowercase characters",
        ),
        (
            "passw0rd!",
            "Password did not conform with policy: Password must have uppercase characters",
        ),
        (
            "Password!",
            "Password did not conform with policy: Password must have numeric characters",
        ),
        (
            "Passw0rdd",
            "Password did not conform with policy: Password must have symbol characters",
        ),
    ] {
        assert_eq!(
            kind(
                pool.sign_up(&c, "a@example.com", pw, &attrs("a@example.com"))
                    .await
            ),
            (ErrorKind::InvalidPasswordException, msg.to_string())
        );
    }
    assert_eq!(
        kind(
            pool.sign_up(&c, "a@example.com", " Passw0rd!", &attrs("a@example.com"))
                .await
        )
        .0,
        ErrorKind::InvalidParameterException
    );
    // Email pools take an email as the username.
    assert_eq!(
        kind(pool.sign_up(&c, "alice", PW, &[]).await),
        (
            ErrorKind::InvalidParameterException,
            "Username should be an email.".into()
        )
    );
    // Unknown, unauthorized, immutable-typed and out-of-range attributes.
    let (k, m) = kind(
        pool.sign_up(&c, "a@example.com", PW, &[("favorite".into(), "x".into())])
            .await,
    );
    assert_eq!(k, ErrorKind::InvalidParameterException);
    assert!(
        m.starts_with("Attributes did not conform to the schema: Type for attribute {favorite}"),
        "{m}"
    );
    assert_eq!(
        kind(
            pool.sign_up(
                &c,
                "a@example.com",
                PW,
                &[("custom:undeclared".into(), "x".into())]
            )
            .await
        )
        .0,
        ErrorKind::InvalidParameterException
    );
    assert_eq!(
        kind(
            pool.sign_up(
                &c,
                "a@example.com",
                PW,
                &[("email_verified".into(), "true".into())]
            )
            .await
        ),
        (
            ErrorKind::NotAuthorizedException,
            "A client attempted to write unauthorized attribute".into()
        )
    );
    assert_eq!(
        kind(
            pool.sign_up(
                &c,
                "a@example.com",
                PW,
                &[("custom:level".into(), "11".into())]
            )
            .await
        )
        .0,
        ErrorKind::InvalidParameterException
    );
    assert_eq!(
        kind(
            pool.sign_up(
                &c,
                "a@example.com",
                PW,
                &[("custom:tenant".into(), "x".repeat(17))]
            )
            .await
        )
        .0,
        ErrorKind::InvalidParameterException
    );
    // Unknown client.
    assert_eq!(
        kind(pool.sign_up("nope", "a@example.com", PW, &[]).await).0,
        ErrorKind::ResourceNotFoundException
    );

    // A good sign-up: sub as username, code delivered, masked destination.
    let r = pool
        .sign_up(
            &c,
            "Alice@Example.com",
            PW,
            &[
                ("custom:level".into(), "3".into()),
                ("name".into(), "Alice".into()),
            ],
        )
        .await
        .unwrap();
    assert!(!r.user_confirmed);
    let d = r.code_delivery.unwrap();
    assert_eq!(
        (
            d.destination.as_str(),
            d.delivery_medium.as_str(),
            d.attribute_name.as_str()
        ),
        ("A***@E***", "EMAIL", "email")
    );
    let message = &pool
        .delivery()
        .mailbox()
        .unwrap()
        .list(&pool.config().user_pool_id, None, 10)
        .await
        .unwrap()[0];
    assert_eq!(message.subject.as_deref(), Some("Welcome"));
    assert_eq!(message.body, format!("Your code is {}", message.code));
    assert_eq!(message.username, r.user_sub);
    // The email is taken, whatever its case.
    assert_eq!(
        kind(pool.sign_up(&c, "alice@example.com", PW, &[]).await),
        (
            ErrorKind::UsernameExistsException,
            "An account with the given email already exists.".into()
        )
    );
}

#[tokio::test]
async fn confirmation_codes_are_single_use_expire_and_limit_guesses() {
    let pool = common::pool().await;
    let c = pool.config().client_id.clone();
    pool.sign_up(&c, "bob@example.com", PW, &[]).await.unwrap();
    let code = latest_code(&pool, "bob@example.com").await;
    let wrong = if code == "123456" { "654321" } else { "123456" };
    assert_eq!(
        kind(pool.confirm_sign_up(&c, "bob@example.com", wrong).await),
        (
            ErrorKind::CodeMismatchException,
            "Invalid verification code provided, please try again.".into()
        )
    );
    // Expiry (24 h).
    pool.advance_clock(24 * 3600 + 1);
    assert_eq!(
        kind(pool.confirm_sign_up(&c, "bob@example.com", &code).await).0,
        ErrorKind::ExpiredCodeException
    );
    // A new code replaces it; guesses are limited.
    pool.resend_confirmation_code(&c, "bob@example.com")
        .await
        .unwrap();
    let code = latest_code(&pool, "bob@example.com").await;
    let wrong = if code == "123456" { "654321" } else { "123456" };
    for _ in 0..5 {
        assert_eq!(
            kind(pool.confirm_sign_up(&c, "bob@example.com", wrong).await).0,
            ErrorKind::CodeMismatchException
        );
    }
    assert_eq!(
        kind(pool.confirm_sign_up(&c, "bob@example.com", &code).await).0,
        ErrorKind::LimitExceededException
    );
    pool.resend_confirmation_code(&c, "bob@example.com")
        .await
        .unwrap();
    let code = latest_code(&pool, "bob@example.com").await;
    pool.confirm_sign_up(&c, "bob@example.com", &code)
        .await
        .unwrap();
    // Reuse.
    assert_eq!(
        kind(pool.confirm_sign_up(&c, "bob@example.com", &code).await),
        (
            ErrorKind::NotAuthorizedException,
            "User cannot be confirmed. Current status is CONFIRMED".into()
        )
    );
    assert_eq!(
        kind(pool.resend_confirmation_code(&c, "bob@example.com").await),
        (
            ErrorKind::InvalidParameterException,
            "User is already confirmed.".into()
        )
    );
    assert_eq!(
        kind(pool.confirm_sign_up(&c, "nobody@example.com", &code).await),
        (
            ErrorKind::UserNotFoundException,
            "Username/client id combination not found.".into()
        )
    );
}

#[tokio::test]
async fn srp_and_password_sign_in_with_lockout() {
    let pool = common::pool().await;
    let c = pool.config().client_id.clone();
    // Unconfirmed users are told so once the password is right.
    pool.sign_up(&c, "carol@example.com", PW, &[])
        .await
        .unwrap();
    assert_eq!(
        kind(srp_sign_in(&pool, "carol@example.com", PW).await).0,
        ErrorKind::UserNotConfirmedException
    );
    let code = latest_code(&pool, "carol@example.com").await;
    pool.confirm_sign_up(&c, "carol@example.com", &code)
        .await
        .unwrap();

    let tokens = srp_sign_in(&pool, "carol@example.com", PW).await.unwrap();
    assert!(tokens.refresh_token.is_some());
    assert_eq!(tokens.expires_in, 3600);
    // Unknown users get a challenge too, and then the same error as a wrong password.
    assert_eq!(
        kind(srp_sign_in(&pool, "nobody@example.com", PW).await),
        (
            ErrorKind::NotAuthorizedException,
            "Incorrect username or password.".into()
        )
    );
    let step = pool
        .initiate_auth(
            &c,
            "USER_PASSWORD_AUTH",
            &params(&[("USERNAME", "carol@example.com"), ("PASSWORD", PW)]),
        )
        .await
        .unwrap();
    assert!(matches!(step, AuthStep::Authenticated(_)));
    assert_eq!(
        kind(
            pool.initiate_auth(
                &c,
                "USER_PASSWORD_AUTH",
                &params(&[("USERNAME", "nobody@example.com"), ("PASSWORD", PW)])
            )
            .await
        ),
        (
            ErrorKind::NotAuthorizedException,
            "Incorrect username or password.".into()
        )
    );
    assert_eq!(
        kind(
            pool.initiate_auth(
                &c,
                "USER_SRP_AUTH",
                &params(&[("USERNAME", "carol@example.com")])
            )
            .await
        ),
        (
            ErrorKind::InvalidParameterException,
            "Missing required parameter SRP_A".into()
        )
    );
    assert_eq!(
        kind(
            pool.initiate_auth(
                &c,
                "USER_SRP_AUTH",
                &params(&[("USERNAME", "carol@example.com"), ("SRP_A", "0")])
            )
            .await
        )
        .0,
        ErrorKind::InvalidParameterException
    );
    assert_eq!(
        kind(pool.initiate_auth(&c, "CUSTOM_AUTH", &params(&[])).await).0,
        ErrorKind::InvalidParameterException
    );

    // Five wrong passwords, then the account is locked even for the right one (the clock
    // stands still so that the one-second lock cannot run out on a slow machine).
    pool.freeze_clock(true);
    for _ in 0..5 {
        assert_eq!(
            kind(srp_sign_in(&pool, "carol@example.com", "Wr0ng!pass").await),
            (
                ErrorKind::NotAuthorizedException,
                "Incorrect username or password.".into()
            )
        );
    }
    assert_eq!(
        kind(srp_sign_in(&pool, "carol@example.com", PW).await),
        (
            ErrorKind::NotAuthorizedException,
            "Password attempts exceeded".into()
        )
    );
    assert_eq!(
        kind(
            pool.initiate_auth(
                &c,
                "USER_PASSWORD_AUTH",
                &params(&[("USERNAME", "carol@example.com"), ("PASSWORD", PW)])
            )
            .await
        )
        .1,
        "Password attempts exceeded"
    );
    pool.advance_clock(2);
    srp_sign_in(&pool, "carol@example.com", PW).await.unwrap();
}

#[tokio::test]
async fn srp_sessions_cannot_be_forged_or_replayed_late() {
    use num_bigint::BigUint;
    let pool = common::pool().await;
    let c = pool.config().client_id.clone();
    confirmed_user(&pool, "dave@example.com", PW).await;
    let a = BigUint::from_bytes_be(&ampbase_auth::crypto::random_bytes(128));
    let a_pub = ampbase_auth::srp::G.modpow(&a, &ampbase_auth::srp::N);
    let AuthStep::Challenge {
        parameters,
        session,
        ..
    } = pool
        .initiate_auth(
            &c,
            "USER_SRP_AUTH",
            &params(&[
                ("USERNAME", "dave@example.com"),
                ("SRP_A", &a_pub.to_str_radix(16)),
            ]),
        )
        .await
        .unwrap()
    else {
        panic!()
    };
    let mut responses = common::srp_responses(&pool, &a, &parameters, PW);
    // A tampered secret block.
    let mut forged = responses.clone();
    let mut block =
        ampbase_auth::crypto::decode_b64_any(&forged["PASSWORD_CLAIM_SECRET_BLOCK"]).unwrap();
    block[30] ^= 1;
    use base64::Engine;
    forged.insert(
        "PASSWORD_CLAIM_SECRET_BLOCK".into(),
        base64::engine::general_purpose::STANDARD.encode(block),
    );
    assert_eq!(
        kind(
            pool.respond_to_auth_challenge(&c, "PASSWORD_VERIFIER", &forged, Some(&session))
                .await
        )
        .0,
        ErrorKind::NotAuthorizedException
    );
    // A tampered signature.
    let mut bad = responses.clone();
    bad.insert("PASSWORD_CLAIM_SIGNATURE".into(), "AAAA".into());
    assert_eq!(
        kind(
            pool.respond_to_auth_challenge(&c, "PASSWORD_VERIFIER", &bad, Some(&session))
                .await
        )
        .1,
        "Incorrect username or password."
    );
    // Too late: sessions last three minutes.
    pool.advance_clock(181);
    responses = common::srp_responses(&pool, &a, &parameters, PW);
    assert_eq!(
        kind(
            pool.respond_to_auth_challenge(&c, "PASSWORD_VERIFIER", &responses, Some(&session))
                .await
        )
        .1,
        "Invalid session for the user, session is expired."
    );
}

#[tokio::test]
async fn tokens_carry_cognito_claims_and_verify_strictly() {
    let pool = common::pool().await;
    let sub = confirmed_user(&pool, "erin@example.com", PW).await;
    let t = srp_sign_in(&pool, "erin@example.com", PW).await.unwrap();
    let access = tokens::decode_unverified(&t.access_token).unwrap();
    let id = tokens::decode_unverified(&t.id_token).unwrap();
    let iss = format!("http://localhost:20002/{}", pool.config().user_pool_id);
    assert_eq!(access["iss"], iss.as_str());
    assert_eq!(access["token_use"], "access");
    assert_eq!(access["client_id"], pool.config().client_id.as_str());
    assert_eq!(access["scope"], "aws.cognito.signin.user.admin");
    assert_eq!(access["username"], sub.as_str());
    assert_eq!(access["sub"], sub.as_str());
    assert_eq!(
        access["exp"].as_i64().unwrap() - access["iat"].as_i64().unwrap(),
        3600
    );
    for claim in ["origin_jti", "jti", "event_id", "auth_time"] {
        assert!(access.contains_key(claim), "{claim}");
        assert!(id.contains_key(claim), "{claim}");
    }
    assert_eq!(id["aud"], pool.config().client_id.as_str());
    assert_eq!(id["token_use"], "id");
    assert_eq!(id["cognito:username"], sub.as_str());
    assert_eq!(id["email"], "erin@example.com");
    assert_eq!(id["email_verified"], true);
    assert_eq!(id["origin_jti"], access["origin_jti"]);

    let who = pool
        .verify_access_or_id_token(&t.access_token)
        .await
        .unwrap();
    assert_eq!(
        (who.sub.as_str(), who.username.as_str()),
        (sub.as_str(), sub.as_str())
    );
    assert!(pool.verify_access_or_id_token(&t.id_token).await.is_ok());
    assert_eq!(
        pool.verify_access_or_id_token("x.y.z").await.unwrap_err(),
        TokenError::Malformed
    );

    // Another pool (another issuer and client, its own keys) does not accept them.
    let store = Store::open_in_memory().unwrap();
    let other = common::open(
        &store,
        PoolConfig::new("us-east-1_Other1234", "otherclient"),
    )
    .await;
    assert_eq!(
        other
            .verify_access_or_id_token(&t.access_token)
            .await
            .unwrap_err(),
        TokenError::UnknownKey
    );

    // Expiry.
    pool.advance_clock(3601);
    assert_eq!(
        pool.verify_access_or_id_token(&t.access_token)
            .await
            .unwrap_err(),
        TokenError::Expired
    );
    assert_eq!(
        kind(pool.get_user_by_token(&t.access_token).await).1,
        "Access Token has expired"
    );
    // The refresh token still works, keeps the session and gives fresh tokens.
    let r = pool
        .refresh(
            &pool.config().client_id,
            t.refresh_token.as_deref().unwrap(),
        )
        .await
        .unwrap();
    assert!(r.refresh_token.is_none());
    let again = tokens::decode_unverified(&r.access_token).unwrap();
    assert_eq!(again["origin_jti"], access["origin_jti"]);
    assert_eq!(again["auth_time"], access["auth_time"]);
    pool.get_user_by_token(&r.access_token).await.unwrap();
    assert_eq!(
        kind(pool.refresh(&pool.config().client_id, "not-a-token").await),
        (
            ErrorKind::NotAuthorizedException,
            "Invalid Refresh Token".into()
        )
    );
}

#[tokio::test]
async fn key_rotation_keeps_old_tokens_valid_until_retired() {
    let pool = common::pool().await;
    confirmed_user(&pool, "fay@example.com", PW).await;
    let old = srp_sign_in(&pool, "fay@example.com", PW).await.unwrap();
    let old_kid = pool.jwks()["keys"][0]["kid"].as_str().unwrap().to_string();
    let new_kid = pool.rotate_signing_key().await.unwrap();
    assert_eq!(pool.jwks()["keys"].as_array().unwrap().len(), 2);
    assert_eq!(pool.jwks()["keys"][0]["kid"], new_kid.as_str());
    let fresh = srp_sign_in(&pool, "fay@example.com", PW).await.unwrap();
    let header = |t: &str| -> serde_json::Value {
        use base64::Engine;
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(t.split('.').next().unwrap())
                .unwrap(),
        )
        .unwrap()
    };
    assert_eq!(header(&fresh.access_token)["kid"], new_kid.as_str());
    assert_eq!(header(&old.access_token)["kid"], old_kid.as_str());
    pool.verify_access_or_id_token(&old.access_token)
        .await
        .unwrap();
    pool.verify_access_or_id_token(&fresh.access_token)
        .await
        .unwrap();
    assert!(pool.retire_signing_key(&old_kid).await.unwrap());
    assert_eq!(
        pool.verify_access_or_id_token(&old.access_token)
            .await
            .unwrap_err(),
        TokenError::UnknownKey
    );
    pool.verify_access_or_id_token(&fresh.access_token)
        .await
        .unwrap();
}

#[tokio::test]
async fn sign_out_revocation_and_delete() {
    let pool = common::pool().await;
    let c = pool.config().client_id.clone();
    confirmed_user(&pool, "gus@example.com", PW).await;
    let s1 = srp_sign_in(&pool, "gus@example.com", PW).await.unwrap();
    let s2 = srp_sign_in(&pool, "gus@example.com", PW).await.unwrap();
    // RevokeToken ends one session: its refresh token and its access token.
    pool.revoke_token(&c, s1.refresh_token.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(
        kind(pool.refresh(&c, s1.refresh_token.as_deref().unwrap()).await).1,
        "Refresh Token has been revoked"
    );
    assert_eq!(
        kind(pool.get_user_by_token(&s1.access_token).await).1,
        "Access Token has been revoked"
    );
    assert_eq!(
        pool.verify_access_or_id_token(&s1.id_token)
            .await
            .unwrap_err(),
        TokenError::Revoked
    );
    pool.get_user_by_token(&s2.access_token).await.unwrap();
    // An access token is not a refresh token.
    assert_eq!(
        kind(pool.revoke_token(&c, &s2.access_token).await).0,
        ErrorKind::UnsupportedTokenTypeException
    );
    // GlobalSignOut ends all of them.
    let s3 = srp_sign_in(&pool, "gus@example.com", PW).await.unwrap();
    pool.global_sign_out(&s2.access_token).await.unwrap();
    assert_eq!(
        kind(pool.get_user_by_token(&s2.access_token).await).0,
        ErrorKind::NotAuthorizedException
    );
    assert_eq!(
        kind(pool.get_user_by_token(&s3.access_token).await).1,
        "Access Token has been revoked"
    );
    assert_eq!(
        kind(pool.refresh(&c, s3.refresh_token.as_deref().unwrap()).await).0,
        ErrorKind::NotAuthorizedException
    );
    // Signing in again works; deleting the user ends everything.
    let s4 = srp_sign_in(&pool, "gus@example.com", PW).await.unwrap();
    pool.delete_user(&s4.access_token).await.unwrap();
    assert_eq!(
        kind(pool.get_user_by_token(&s4.access_token).await).0,
        ErrorKind::NotAuthorizedException
    );
    assert_eq!(
        kind(srp_sign_in(&pool, "gus@example.com", PW).await).1,
        "Incorrect username or password."
    );
    // The email is free again.
    pool.sign_up(&c, "gus@example.com", PW, &[]).await.unwrap();
}

#[tokio::test]
async fn attributes_passwords_and_forgot_password() {
    let pool = common::pool().await;
    let c = pool.config().client_id.clone();
    confirmed_user(&pool, "hal@example.com", PW).await;
    confirmed_user(&pool, "ida@example.com", PW).await;
    let t = srp_sign_in(&pool, "hal@example.com", PW).await.unwrap();
    let at = t.access_token.as_str();

    let user = pool.get_user_by_token(at).await.unwrap();
    assert_eq!(user.attribute_list()[0].0, "sub");
    // Immutable once set.
    assert!(
        pool.update_user_attributes(at, &[("birthdate".into(), "2000-01-01".into())])
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        kind(
            pool.update_user_attributes(at, &[("birthdate".into(), "2001-01-01".into())])
                .await
        )
        .0,
        ErrorKind::InvalidParameterException
    );
    assert_eq!(
        kind(
            pool.update_user_attributes(at, &[("email".into(), "ida@example.com".into())])
                .await
        ),
        (
            ErrorKind::AliasExistsException,
            "An account with the given email already exists.".into()
        )
    );
    // A new email is unverified until its code is given back.
    let d = pool
        .update_user_attributes(at, &[("email".into(), "hal2@example.com".into())])
        .await
        .unwrap();
    assert_eq!(d[0].attribute_name, "email");
    let user = pool.get_user_by_token(at).await.unwrap();
    assert_eq!(user.attributes["email_verified"], "false");
    let code = latest_code(&pool, "hal2@example.com").await;
    let wrong = if code == "123456" { "654321" } else { "123456" };
    assert_eq!(
        kind(pool.verify_user_attribute(at, "email", wrong).await).0,
        ErrorKind::CodeMismatchException
    );
    pool.verify_user_attribute(at, "email", &code)
        .await
        .unwrap();
    assert_eq!(
        kind(pool.verify_user_attribute(at, "email", &code).await).0,
        ErrorKind::CodeMismatchException
    );
    assert_eq!(
        pool.get_user_by_token(at).await.unwrap().attributes["email_verified"],
        "true"
    );
    // Signs in with the new email only.
    assert!(srp_sign_in(&pool, "hal@example.com", PW).await.is_err());
    srp_sign_in(&pool, "hal2@example.com", PW).await.unwrap();
    pool.get_user_attribute_verification_code(at, "email")
        .await
        .unwrap();
    assert_eq!(
        kind(
            pool.get_user_attribute_verification_code(at, "phone_number")
                .await
        )
        .0,
        ErrorKind::InvalidParameterException
    );
    // Delete attributes: optional ones only.
    pool.update_user_attributes(at, &[("name".into(), "Hal".into())])
        .await
        .unwrap();
    pool.delete_user_attributes(at, &["name".into()])
        .await
        .unwrap();
    assert!(
        !pool
            .get_user_by_token(at)
            .await
            .unwrap()
            .attributes
            .contains_key("name")
    );
    assert_eq!(
        kind(pool.delete_user_attributes(at, &["email".into()]).await),
        (
            ErrorKind::InvalidParameterException,
            "Attributes did not conform to the schema: email: The attribute is required".into()
        )
    );

    // ChangePassword checks the old one and the policy.
    assert_eq!(
        kind(pool.change_password(at, "Wr0ng!pass", "N3w!Password").await).1,
        "Incorrect username or password."
    );
    assert_eq!(
        kind(pool.change_password(at, PW, "short").await).0,
        ErrorKind::InvalidPasswordException
    );
    pool.change_password(at, PW, "N3w!Password").await.unwrap();
    assert!(srp_sign_in(&pool, "hal2@example.com", PW).await.is_err());
    srp_sign_in(&pool, "hal2@example.com", "N3w!Password")
        .await
        .unwrap();

    // Forgot password.
    let d = pool.forgot_password(&c, "hal2@example.com").await.unwrap();
    assert_eq!(d.delivery_medium, "EMAIL");
    let code = latest_code(&pool, "hal2@example.com").await;
    assert_eq!(
        kind(
            pool.confirm_forgot_password(&c, "hal2@example.com", &code, "weak")
                .await
        )
        .0,
        ErrorKind::InvalidPasswordException
    );
    let wrong = if code == "123456" { "654321" } else { "123456" };
    assert_eq!(
        kind(
            pool.confirm_forgot_password(&c, "hal2@example.com", wrong, "R3set!Password")
                .await
        )
        .0,
        ErrorKind::CodeMismatchException
    );
    pool.confirm_forgot_password(&c, "hal2@example.com", &code, "R3set!Password")
        .await
        .unwrap();
    assert_eq!(
        kind(
            pool.confirm_forgot_password(&c, "hal2@example.com", &code, "R3set!Password2")
                .await
        )
        .0,
        ErrorKind::CodeMismatchException
    );
    srp_sign_in(&pool, "hal2@example.com", "R3set!Password")
        .await
        .unwrap();
    // Reset codes last an hour.
    pool.forgot_password(&c, "hal2@example.com").await.unwrap();
    let code = latest_code(&pool, "hal2@example.com").await;
    pool.advance_clock(3601);
    assert_eq!(
        kind(
            pool.confirm_forgot_password(&c, "hal2@example.com", &code, "R3set!Password")
                .await
        )
        .0,
        ErrorKind::ExpiredCodeException
    );
    // No verified address, no reset.
    pool.sign_up(&c, "joe@example.com", PW, &[]).await.unwrap();
    assert_eq!(
        kind(pool.forgot_password(&c, "joe@example.com").await).0,
        ErrorKind::InvalidParameterException
    );
    assert_eq!(
        kind(pool.forgot_password(&c, "nobody@example.com").await).0,
        ErrorKind::UserNotFoundException
    );
}

#[tokio::test]
async fn everything_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("auth.sqlite");
    let (tokens, sub) = {
        let store = Store::open(&path).unwrap();
        let pool = common::open(&store, common::config()).await;
        let sub = confirmed_user(&pool, "kim@example.com", PW).await;
        (
            srp_sign_in(&pool, "kim@example.com", PW).await.unwrap(),
            sub,
        )
    };
    let store = Store::open(&path).unwrap();
    let pool = common::open(&store, common::config()).await;
    // Same keys: tokens from before the restart verify; same session secret: a challenge
    // issued before a restart could be answered after it.
    assert_eq!(
        pool.verify_access_or_id_token(&tokens.access_token)
            .await
            .unwrap()
            .sub,
        sub
    );
    assert_eq!(
        pool.get_user_by_token(&tokens.access_token)
            .await
            .unwrap()
            .sub,
        sub
    );
    pool.refresh(
        &pool.config().client_id,
        tokens.refresh_token.as_deref().unwrap(),
    )
    .await
    .unwrap();
    srp_sign_in(&pool, "kim@example.com", PW).await.unwrap();
    assert_eq!(
        pool.find_user_by_sub(&sub)
            .await
            .unwrap()
            .unwrap()
            .attributes["email"],
        "kim@example.com"
    );
    let mailbox = pool.delivery().mailbox().unwrap();
    assert_eq!(
        mailbox
            .list(&pool.config().user_pool_id, Some("kim@example.com"), 10)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn username_and_phone_pools() {
    // Usernames chosen by users.
    let mut config = PoolConfig::new("us-east-1_UserNames", "usernameclient");
    config.email_login = false;
    config.attributes.clear();
    let store = Store::open_in_memory().unwrap();
    let pool = common::open(&store, config).await;
    let c = pool.config().client_id.clone();
    let r = pool
        .sign_up(&c, "Zed", PW, &[("email".into(), "zed@example.com".into())])
        .await
        .unwrap();
    assert_eq!(r.code_delivery.unwrap().attribute_name, "email");
    assert_eq!(
        kind(pool.sign_up(&c, "zed", PW, &[]).await),
        (
            ErrorKind::UsernameExistsException,
            "User already exists".into()
        )
    );
    let code = latest_code(&pool, "zed@example.com").await;
    pool.confirm_sign_up(&c, "ZED", &code).await.unwrap();
    let t = srp_sign_in(&pool, "zed", PW).await.unwrap();
    assert_eq!(
        tokens::decode_unverified(&t.id_token).unwrap()["cognito:username"],
        "zed"
    );
    // No email or phone: nothing to deliver, the user waits for an administrator.
    assert!(
        pool.sign_up(&c, "quiet", PW, &[])
            .await
            .unwrap()
            .code_delivery
            .is_none()
    );

    // Phone numbers.
    let def: ampbase_definition::AuthDefinition =
        serde_json::from_value(serde_json::json!({ "loginWith": { "phone": true } })).unwrap();
    let config = PoolConfig::from_definition(
        &def,
        "us-east-1_Phones123",
        "phoneclient",
        "http://localhost:20002/",
    );
    let pool: std::sync::Arc<UserPool> = common::open(&store, config).await;
    let r = pool
        .sign_up("phoneclient", "+15555550100", PW, &[])
        .await
        .unwrap();
    let d = r.code_delivery.unwrap();
    assert_eq!(
        (d.delivery_medium.as_str(), d.destination.as_str()),
        ("SMS", "+*******0100")
    );
    assert_eq!(
        kind(pool.sign_up("phoneclient", "a@example.com", PW, &[]).await).1,
        "Username should be a phone number."
    );
    assert_eq!(
        kind(pool.sign_up("phoneclient", "+1x", PW, &[]).await).0,
        ErrorKind::InvalidParameterException
    );
    let code = latest_code(&pool, "+15555550100").await;
    pool.confirm_sign_up("phoneclient", "+15555550100", &code)
        .await
        .unwrap();
    srp_sign_in(&pool, "+15555550100", PW).await.unwrap();
}

#[tokio::test]
async fn password_policy_from_the_definition() {
    let def: ampbase_definition::AuthDefinition = serde_json::from_value(serde_json::json!({
        "loginWith": { "email": true },
        "passwordPolicy": { "minLength": 12, "requireSymbols": false }
    }))
    .unwrap();
    let config = PoolConfig::from_definition(
        &def,
        "us-east-1_Policy123",
        "policyclient",
        "http://localhost:20002",
    );
    assert_eq!(config.password_policy.min_length, 12);
    let store = Store::open_in_memory().unwrap();
    let pool = common::open(&store, config).await;
    assert_eq!(
        kind(pool.sign_up("policyclient", "a@example.com", PW, &[]).await).0,
        ErrorKind::InvalidPasswordException
    );
    pool.sign_up("policyclient", "a@example.com", "Passw0rdPassw0rd", &[])
        .await
        .unwrap();
}
