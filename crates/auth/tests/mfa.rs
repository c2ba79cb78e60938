//! MFA: TOTP set-up with an access token or during sign-in (REQUIRED pools), TOTP and email
//! challenges, SELECT_MFA_TYPE, replay and brute force.

mod common;

use std::sync::Arc;

use ampbase_auth::{AuthStep, ErrorKind, PoolConfig, UserPool, totp};
use ampbase_store::Store;
use common::{confirmed_user, latest_code, params};

const PW: &str = "Passw0rd!";

async fn mfa_pool(mode: &str) -> Arc<UserPool> {
    let def: ampbase_definition::AuthDefinition = serde_json::from_value(serde_json::json!({
        "loginWith": { "email": true },
        "multifactor": { "mode": mode, "totp": true, "email": true }
    }))
    .unwrap();
    let config = PoolConfig::from_definition(
        &def,
        "us-east-1_Mfa123456",
        "mfaclient",
        "http://localhost:20002",
    );
    common::open(&Store::open_in_memory().unwrap(), config).await
}

async fn password_step(pool: &UserPool, user: &str) -> AuthStep {
    pool.initiate_auth(
        "mfaclient",
        "USER_PASSWORD_AUTH",
        &params(&[("USERNAME", user), ("PASSWORD", PW)]),
    )
    .await
    .unwrap()
}

fn challenge(step: AuthStep) -> (String, std::collections::BTreeMap<String, String>, String) {
    match step {
        AuthStep::Challenge {
            name,
            parameters,
            session,
        } => (name, parameters, session),
        _ => panic!("expected a challenge"),
    }
}

#[tokio::test]
async fn optional_totp_with_access_token() {
    let pool = mfa_pool("OPTIONAL").await;
    confirmed_user(&pool, "tom@example.com", PW).await;
    // No MFA yet: straight in.
    let AuthStep::Authenticated(t) = password_step(&pool, "tom@example.com").await else {
        panic!()
    };
    let at = t.access_token.as_str();
    assert_eq!(
        pool.set_user_mfa_preference(at, Some((true, true)), None, None)
            .await
            .unwrap_err()
            .message,
        "User has not verified software token mfa"
    );
    assert_eq!(
        pool.verify_software_token(Some(at), None, "123456")
            .await
            .unwrap_err()
            .kind,
        ErrorKind::SoftwareTokenMFANotFoundException
    );
    let (secret, session) = pool.associate_software_token(Some(at), None).await.unwrap();
    assert_eq!(secret.len(), 32);
    assert!(session.is_none());
    let now = pool.now();
    let wrong = if totp::code_at(&secret, now).unwrap() == "000000" {
        "111111"
    } else {
        "000000"
    };
    assert_eq!(
        pool.verify_software_token(Some(at), None, wrong)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::EnableSoftwareTokenMFAException
    );
    pool.verify_software_token(Some(at), None, &totp::code_at(&secret, now).unwrap())
        .await
        .unwrap();
    pool.set_user_mfa_preference(at, Some((true, true)), None, None)
        .await
        .unwrap();
    let user = pool.get_user_by_token(at).await.unwrap();
    assert_eq!(
        (user.mfa_enabled.clone(), user.mfa_preferred.clone()),
        (
            vec!["SOFTWARE_TOKEN_MFA".to_string()],
            Some("SOFTWARE_TOKEN_MFA".to_string())
        )
    );

    // Sign-in now asks for a code; a code is good once.
    let (name, _, session) = challenge(password_step(&pool, "tom@example.com").await);
    assert_eq!(name, "SOFTWARE_TOKEN_MFA");
    let spent = totp::code_at(&secret, now).unwrap();
    let r = pool
        .respond_to_auth_challenge(
            "mfaclient",
            "SOFTWARE_TOKEN_MFA",
            &params(&[("USERNAME", "x"), ("SOFTWARE_TOKEN_MFA_CODE", &spent)]),
            Some(&session),
        )
        .await;
    assert_eq!(r.unwrap_err().message, "Invalid code received for user");
    pool.advance_clock(30);
    let next = totp::code_at(&secret, pool.now()).unwrap();
    let ok = pool
        .respond_to_auth_challenge(
            "mfaclient",
            "SOFTWARE_TOKEN_MFA",
            &params(&[("USERNAME", "x"), ("SOFTWARE_TOKEN_MFA_CODE", &next)]),
            Some(&session),
        )
        .await
        .unwrap();
    assert!(matches!(ok, AuthStep::Authenticated(_)));
    // Replay of the same code in a new session.
    let (_, _, session) = challenge(password_step(&pool, "tom@example.com").await);
    let r = pool
        .respond_to_auth_challenge(
            "mfaclient",
            "SOFTWARE_TOKEN_MFA",
            &params(&[("SOFTWARE_TOKEN_MFA_CODE", &next)]),
            Some(&session),
        )
        .await;
    assert_eq!(r.unwrap_err().kind, ErrorKind::CodeMismatchException);
    // A session for another challenge is refused; guessing locks the account.
    let r = pool
        .respond_to_auth_challenge("mfaclient", "MFA_SETUP", &params(&[]), Some(&session))
        .await;
    assert_eq!(r.unwrap_err().kind, ErrorKind::NotAuthorizedException);
    pool.freeze_clock(true);
    for _ in 0..5 {
        let _ = pool
            .respond_to_auth_challenge(
                "mfaclient",
                "SOFTWARE_TOKEN_MFA",
                &params(&[("SOFTWARE_TOKEN_MFA_CODE", "999999")]),
                Some(&session),
            )
            .await;
    }
    let r = pool
        .respond_to_auth_challenge(
            "mfaclient",
            "SOFTWARE_TOKEN_MFA",
            &params(&[("SOFTWARE_TOKEN_MFA_CODE", "999999")]),
            Some(&session),
        )
        .await;
    assert_eq!(r.unwrap_err().message, "Password attempts exceeded");
}

#[tokio::test]
async fn required_mfa_sets_up_totp_during_sign_in() {
    let pool = mfa_pool("REQUIRED").await;
    confirmed_user(&pool, "una@example.com", PW).await;
    let (name, p, session) = challenge(password_step(&pool, "una@example.com").await);
    assert_eq!(name, "MFA_SETUP");
    assert_eq!(p["MFAS_CAN_SETUP"], r#"["SOFTWARE_TOKEN_MFA","EMAIL_OTP"]"#);
    // Finishing the set-up before verifying a code is refused.
    assert_eq!(
        pool.respond_to_auth_challenge(
            "mfaclient",
            "MFA_SETUP",
            &params(&[("USERNAME", "x")]),
            Some(&session)
        )
        .await
        .unwrap_err()
        .kind,
        ErrorKind::InvalidParameterException
    );
    let (secret, session) = pool
        .associate_software_token(None, Some(&session))
        .await
        .unwrap();
    let session = pool
        .verify_software_token(
            None,
            session.as_deref(),
            &totp::code_at(&secret, pool.now()).unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
    let done = pool
        .respond_to_auth_challenge(
            "mfaclient",
            "MFA_SETUP",
            &params(&[("USERNAME", "x")]),
            Some(&session),
        )
        .await
        .unwrap();
    let AuthStep::Authenticated(t) = done else {
        panic!()
    };
    assert_eq!(
        pool.get_user_by_token(&t.access_token)
            .await
            .unwrap()
            .mfa_preferred
            .as_deref(),
        Some("SOFTWARE_TOKEN_MFA")
    );
    // From now on: a TOTP challenge.
    assert_eq!(
        challenge(password_step(&pool, "una@example.com").await).0,
        "SOFTWARE_TOKEN_MFA"
    );
}

#[tokio::test]
async fn email_otp_set_up_challenge_and_selection() {
    let pool = mfa_pool("REQUIRED").await;
    confirmed_user(&pool, "vic@example.com", PW).await;
    let (_, _, session) = challenge(password_step(&pool, "vic@example.com").await);
    // Email set-up: the code goes to the user's address.
    let (name, p, session) = challenge(
        pool.respond_to_auth_challenge(
            "mfaclient",
            "MFA_SETUP",
            &params(&[("USERNAME", "x"), ("EMAIL", "vic@example.com")]),
            Some(&session),
        )
        .await
        .unwrap(),
    );
    assert_eq!(
        (name.as_str(), p["CODE_DELIVERY_DELIVERY_MEDIUM"].as_str()),
        ("EMAIL_OTP", "EMAIL")
    );
    let code = latest_code(&pool, "vic@example.com").await;
    let AuthStep::Authenticated(t) = pool
        .respond_to_auth_challenge(
            "mfaclient",
            "EMAIL_OTP",
            &params(&[("EMAIL_OTP_CODE", &code)]),
            Some(&session),
        )
        .await
        .unwrap()
    else {
        panic!()
    };
    // Email MFA on sign-in.
    let (name, _, session) = challenge(password_step(&pool, "vic@example.com").await);
    assert_eq!(name, "EMAIL_OTP");
    let code = latest_code(&pool, "vic@example.com").await;
    let wrong = if code == "123456" { "654321" } else { "123456" };
    assert_eq!(
        pool.respond_to_auth_challenge(
            "mfaclient",
            "EMAIL_OTP",
            &params(&[("EMAIL_OTP_CODE", wrong)]),
            Some(&session)
        )
        .await
        .unwrap_err()
        .kind,
        ErrorKind::CodeMismatchException
    );
    pool.respond_to_auth_challenge(
        "mfaclient",
        "EMAIL_OTP",
        &params(&[("EMAIL_OTP_CODE", &code)]),
        Some(&session),
    )
    .await
    .unwrap();

    // Add TOTP without preferring either: the user picks.
    let at = t.access_token.as_str();
    let (secret, _) = pool.associate_software_token(Some(at), None).await.unwrap();
    pool.verify_software_token(Some(at), None, &totp::code_at(&secret, pool.now()).unwrap())
        .await
        .unwrap();
    pool.set_user_mfa_preference(at, Some((true, false)), Some((true, false)), None)
        .await
        .unwrap();
    let (name, p, session) = challenge(password_step(&pool, "vic@example.com").await);
    assert_eq!(name, "SELECT_MFA_TYPE");
    assert_eq!(
        p["MFAS_CAN_CHOOSE"],
        r#"["EMAIL_OTP","SOFTWARE_TOKEN_MFA"]"#
    );
    let (name, _, _) = challenge(
        pool.respond_to_auth_challenge(
            "mfaclient",
            "SELECT_MFA_TYPE",
            &params(&[("ANSWER", "SOFTWARE_TOKEN_MFA")]),
            Some(&session),
        )
        .await
        .unwrap(),
    );
    assert_eq!(name, "SOFTWARE_TOKEN_MFA");
    assert_eq!(
        pool.set_user_mfa_preference(at, None, None, Some((true, true)))
            .await
            .unwrap_err()
            .kind,
        ErrorKind::InvalidParameterException
    );
}
