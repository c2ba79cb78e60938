//! USER_AUTH: choice-based and passwordless sign-in, auto sign-in after confirmation.

mod common;

use ampbase_auth::{AuthStep, ErrorKind};
use common::{confirmed_user, latest_code, params};

const PW: &str = "Passw0rd!";

#[tokio::test]
async fn first_factors() {
    let pool = common::pool().await;
    let c = pool.config().client_id.clone();
    confirmed_user(&pool, "pat@example.com", PW).await;
    // No preference: the user chooses among what the pool and the account allow.
    let step = pool
        .initiate_auth(&c, "USER_AUTH", &params(&[("USERNAME", "pat@example.com")]))
        .await
        .unwrap();
    let AuthStep::SelectChallenge { available, session } = step else {
        panic!()
    };
    assert_eq!(available, vec!["EMAIL_OTP", "PASSWORD", "PASSWORD_SRP"]);
    let step = pool
        .respond_to_auth_challenge(
            &c,
            "SELECT_CHALLENGE",
            &params(&[("ANSWER", "PASSWORD"), ("PASSWORD", PW)]),
            Some(&session),
        )
        .await
        .unwrap();
    assert!(matches!(step, AuthStep::Authenticated(_)));
    // PASSWORD as the preference, right and wrong.
    let ok = pool
        .initiate_auth(
            &c,
            "USER_AUTH",
            &params(&[
                ("USERNAME", "pat@example.com"),
                ("PREFERRED_CHALLENGE", "PASSWORD"),
                ("PASSWORD", PW),
            ]),
        )
        .await
        .unwrap();
    assert!(matches!(ok, AuthStep::Authenticated(_)));
    let bad = pool
        .initiate_auth(
            &c,
            "USER_AUTH",
            &params(&[
                ("USERNAME", "pat@example.com"),
                ("PREFERRED_CHALLENGE", "PASSWORD"),
                ("PASSWORD", "Wr0ng!pass"),
            ]),
        )
        .await;
    assert_eq!(bad.unwrap_err().message, "Incorrect username or password.");
    // PASSWORD_SRP leads to PASSWORD_VERIFIER.
    let srp = pool
        .initiate_auth(
            &c,
            "USER_AUTH",
            &params(&[
                ("USERNAME", "pat@example.com"),
                ("PREFERRED_CHALLENGE", "PASSWORD_SRP"),
                ("SRP_A", "abc"),
            ]),
        )
        .await
        .unwrap();
    assert!(matches!(srp, AuthStep::Challenge { ref name, .. } if name == "PASSWORD_VERIFIER"));
    // EMAIL_OTP: a code, once.
    let step = pool
        .initiate_auth(
            &c,
            "USER_AUTH",
            &params(&[
                ("USERNAME", "pat@example.com"),
                ("PREFERRED_CHALLENGE", "EMAIL_OTP"),
            ]),
        )
        .await
        .unwrap();
    let AuthStep::Challenge {
        name,
        parameters,
        session,
    } = step
    else {
        panic!()
    };
    assert_eq!(
        (
            name.as_str(),
            parameters["CODE_DELIVERY_DESTINATION"].as_str()
        ),
        ("EMAIL_OTP", "p***@e***")
    );
    let code = latest_code(&pool, "pat@example.com").await;
    let wrong = if code == "123456" { "654321" } else { "123456" };
    assert_eq!(
        pool.respond_to_auth_challenge(
            &c,
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
        &c,
        "EMAIL_OTP",
        &params(&[("EMAIL_OTP_CODE", &code)]),
        Some(&session),
    )
    .await
    .unwrap();
    assert_eq!(
        pool.respond_to_auth_challenge(
            &c,
            "EMAIL_OTP",
            &params(&[("EMAIL_OTP_CODE", &code)]),
            Some(&session)
        )
        .await
        .unwrap_err()
        .kind,
        ErrorKind::CodeMismatchException
    );
    // A challenge the account cannot take is refused.
    assert_eq!(
        pool.respond_to_auth_challenge(
            &c,
            "SELECT_CHALLENGE",
            &params(&[("ANSWER", "SMS_OTP")]),
            Some(&session)
        )
        .await
        .unwrap_err()
        .kind,
        ErrorKind::NotAuthorizedException
    );
}

#[tokio::test]
async fn passwordless_sign_up_and_auto_sign_in() {
    let pool = common::pool().await;
    let c = pool.config().client_id.clone();
    pool.sign_up(&c, "quinn@example.com", "", &[])
        .await
        .unwrap();
    let code = latest_code(&pool, "quinn@example.com").await;
    let session = pool
        .confirm_sign_up_with_session(&c, "quinn@example.com", &code)
        .await
        .unwrap();
    // The session signs in that user only.
    confirmed_user(&pool, "other@example.com", PW).await;
    let r = pool
        .initiate_auth_with_session(
            &c,
            "USER_AUTH",
            &params(&[("USERNAME", "other@example.com")]),
            Some(&session),
        )
        .await;
    assert_eq!(r.unwrap_err().kind, ErrorKind::NotAuthorizedException);
    let r = pool
        .initiate_auth_with_session(
            &c,
            "USER_AUTH",
            &params(&[("USERNAME", "quinn@example.com")]),
            Some(&session),
        )
        .await
        .unwrap();
    assert!(matches!(r, AuthStep::Authenticated(_)));
    // No password: only the code.
    let step = pool
        .initiate_auth(
            &c,
            "USER_AUTH",
            &params(&[("USERNAME", "quinn@example.com")]),
        )
        .await
        .unwrap();
    let AuthStep::SelectChallenge { available, .. } = step else {
        panic!()
    };
    assert_eq!(available, vec!["EMAIL_OTP"]);
    assert!(
        common::srp_sign_in(&pool, "quinn@example.com", "")
            .await
            .is_err()
    );
    let r = pool
        .initiate_auth(
            &c,
            "USER_PASSWORD_AUTH",
            &params(&[
                ("USERNAME", "quinn@example.com"),
                ("PASSWORD", "Anything1!"),
            ]),
        )
        .await;
    assert_eq!(r.unwrap_err().message, "Incorrect username or password.");
    // Pools without passwordless sign-in still need a password.
    let store = ampbase_store::Store::open_in_memory().unwrap();
    let plain = common::open(
        &store,
        ampbase_auth::PoolConfig::new("us-east-1_Plain1234", "plainclient"),
    )
    .await;
    assert_eq!(
        plain
            .sign_up("plainclient", "a@example.com", "", &[])
            .await
            .unwrap_err()
            .kind,
        ErrorKind::InvalidParameterException
    );
}
