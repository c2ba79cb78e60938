//! Administrator operations and groups: domain and wire (with and without authorization).

mod common;

use std::sync::Arc;

use ampbase_auth::{AllowAdmin, AuthStep, ErrorKind, NewUser, UserPool, tokens};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{confirmed_user, latest_code, params, srp_sign_in};
use serde_json::{Value, json};
use tower::ServiceExt;

const PW: &str = "Passw0rd!";

fn new_user(name: &str, temp: Option<&str>) -> NewUser {
    NewUser {
        username: name.into(),
        attributes: vec![("email_verified".into(), "true".into())],
        temporary_password: temp.map(str::to_string),
        message_action: None,
    }
}

#[tokio::test]
async fn groups_reach_the_tokens() {
    let pool = common::pool().await;
    let id = pool.config().user_pool_id.clone();
    // The definition's group exists from the start.
    assert_eq!(
        pool.get_group(&id, "ADMINS").await.unwrap().precedence,
        Some(0)
    );
    pool.create_group(&id, "EDITORS", Some("Editors"), Some(5), None)
        .await
        .unwrap();
    assert_eq!(
        pool.create_group(&id, "EDITORS", None, None, None)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::GroupExistsException
    );
    assert_eq!(
        pool.get_group(&id, "NOPE").await.unwrap_err().message,
        "Group not found."
    );
    assert_eq!(pool.list_groups(&id).await.unwrap().len(), 2);

    let sub = confirmed_user(&pool, "gail@example.com", PW).await;
    pool.admin_add_user_to_group(&id, "gail@example.com", "EDITORS")
        .await
        .unwrap();
    pool.admin_add_user_to_group(&id, &sub, "ADMINS")
        .await
        .unwrap();
    assert_eq!(
        pool.admin_add_user_to_group(&id, "nobody@example.com", "ADMINS")
            .await
            .unwrap_err()
            .kind,
        ErrorKind::UserNotFoundException
    );
    assert_eq!(
        pool.admin_add_user_to_group(&id, &sub, "NOPE")
            .await
            .unwrap_err()
            .kind,
        ErrorKind::ResourceNotFoundException
    );
    let t = srp_sign_in(&pool, "gail@example.com", PW).await.unwrap();
    // By precedence.
    assert_eq!(
        tokens::decode_unverified(&t.access_token).unwrap()["cognito:groups"],
        json!(["ADMINS", "EDITORS"])
    );
    assert_eq!(
        tokens::decode_unverified(&t.id_token).unwrap()["cognito:groups"],
        json!(["ADMINS", "EDITORS"])
    );
    assert_eq!(
        pool.verify_access_or_id_token(&t.access_token)
            .await
            .unwrap()
            .groups,
        vec!["ADMINS", "EDITORS"]
    );
    let names: Vec<String> = pool
        .admin_list_groups_for_user(&id, &sub)
        .await
        .unwrap()
        .into_iter()
        .map(|g| g.name)
        .collect();
    assert_eq!(names, vec!["ADMINS", "EDITORS"]);
    assert_eq!(
        pool.list_users_in_group(&id, "EDITORS").await.unwrap()[0].sub,
        sub
    );
    pool.admin_remove_user_from_group(&id, &sub, "ADMINS")
        .await
        .unwrap();
    assert!(
        pool.list_users_in_group(&id, "ADMINS")
            .await
            .unwrap()
            .is_empty()
    );
    pool.delete_group(&id, "EDITORS").await.unwrap();
    assert!(
        pool.admin_get_user(&id, &sub)
            .await
            .unwrap()
            .groups
            .is_empty()
    );
    let t = srp_sign_in(&pool, "gail@example.com", PW).await.unwrap();
    assert!(
        !tokens::decode_unverified(&t.access_token)
            .unwrap()
            .contains_key("cognito:groups")
    );
    assert_eq!(
        pool.list_groups("us-east-1_Wrong").await.unwrap_err().kind,
        ErrorKind::ResourceNotFoundException
    );
}

#[tokio::test]
async fn created_users_choose_a_password_at_first_sign_in() {
    let pool = common::pool().await;
    let id = pool.config().user_pool_id.clone();
    let c = pool.config().client_id.clone();
    let user = pool
        .admin_create_user(&id, new_user("ned@example.com", None))
        .await
        .unwrap();
    assert_eq!(user.status, "FORCE_CHANGE_PASSWORD");
    assert_eq!(user.attributes["email_verified"], "true");
    // The invitation (with the generated password) is in the mailbox.
    let invitation = pool
        .delivery()
        .mailbox()
        .unwrap()
        .list(&id, Some("ned@example.com"), 1)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(invitation.purpose, "ADMIN_CREATE_USER");
    let temp = invitation.code.clone();
    assert!(invitation.body.contains(&temp));
    assert_eq!(
        pool.admin_create_user(&id, new_user("ned@example.com", None))
            .await
            .unwrap_err()
            .kind,
        ErrorKind::UsernameExistsException
    );
    assert_eq!(
        pool.admin_create_user(&id, new_user("x@example.com", Some("weak")))
            .await
            .unwrap_err()
            .kind,
        ErrorKind::InvalidPasswordException
    );

    let step = pool
        .initiate_auth(
            &c,
            "USER_PASSWORD_AUTH",
            &params(&[("USERNAME", "ned@example.com"), ("PASSWORD", &temp)]),
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
    assert_eq!(name, "NEW_PASSWORD_REQUIRED");
    assert_eq!(parameters["requiredAttributes"], "[]");
    assert!(parameters["userAttributes"].contains("ned@example.com"));
    let r = pool
        .respond_to_auth_challenge(
            &c,
            "NEW_PASSWORD_REQUIRED",
            &params(&[("NEW_PASSWORD", "short")]),
            Some(&session),
        )
        .await;
    assert_eq!(r.unwrap_err().kind, ErrorKind::InvalidPasswordException);
    let r = pool
        .respond_to_auth_challenge(
            &c,
            "NEW_PASSWORD_REQUIRED",
            &params(&[
                ("NEW_PASSWORD", "Ch0sen!pass"),
                ("userAttributes.name", "Ned"),
            ]),
            Some(&session),
        )
        .await
        .unwrap();
    assert!(matches!(r, AuthStep::Authenticated(_)));
    let ned = pool.admin_get_user(&id, "ned@example.com").await.unwrap();
    assert_eq!(
        (ned.status.as_str(), ned.attributes["name"].as_str()),
        ("CONFIRMED", "Ned")
    );
    srp_sign_in(&pool, "ned@example.com", "Ch0sen!pass")
        .await
        .unwrap();

    // Temporary passwords expire after 7 days.
    pool.admin_create_user(&id, new_user("old@example.com", Some("Temp0rary!pw")))
        .await
        .unwrap();
    pool.advance_clock(7 * 24 * 3600 + 1);
    assert_eq!(
        srp_sign_in(&pool, "old@example.com", "Temp0rary!pw")
            .await
            .unwrap_err()
            .message,
        "Temporary password has expired and must be reset by an administrator."
    );
    pool.admin_set_user_password(&id, "old@example.com", "Perm4nent!pw", true)
        .await
        .unwrap();
    srp_sign_in(&pool, "old@example.com", "Perm4nent!pw")
        .await
        .unwrap();
}

#[tokio::test]
async fn admin_user_management() {
    let pool = common::pool().await;
    let id = pool.config().user_pool_id.clone();
    let c = pool.config().client_id.clone();
    for name in ["ann", "bea", "cal", "dan", "eve"] {
        confirmed_user(&pool, &format!("{name}@example.com"), PW).await;
    }
    pool.sign_up(&c, "fin@example.com", PW, &[]).await.unwrap();
    // ListUsers: filters and pages.
    let (all, next) = pool.list_users(&id, None, None, None).await.unwrap();
    assert_eq!((all.len(), next), (6, None));
    let (one, _) = pool
        .list_users(&id, Some(r#"email = "bea@example.com""#), None, None)
        .await
        .unwrap();
    assert_eq!(one[0].attributes["email"], "bea@example.com");
    let (unconfirmed, _) = pool
        .list_users(
            &id,
            Some(r#"cognito:user_status = "UNCONFIRMED""#),
            None,
            None,
        )
        .await
        .unwrap();
    assert_eq!(unconfirmed.len(), 1);
    let (prefixed, _) = pool
        .list_users(&id, Some(r#"email ^= "c""#), None, None)
        .await
        .unwrap();
    assert_eq!(prefixed.len(), 1);
    assert_eq!(
        pool.list_users(&id, Some("email ~ x"), None, None)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::InvalidParameterException
    );
    let mut seen = Vec::new();
    let mut token = None;
    loop {
        let (page, next) = pool
            .list_users(&id, None, Some(4), token.as_deref())
            .await
            .unwrap();
        seen.extend(page.into_iter().map(|u| u.username));
        match next {
            Some(t) => token = Some(t),
            None => break,
        }
    }
    assert_eq!(seen.len(), 6);

    // Confirm, disable, enable, reset, sign out, delete.
    pool.admin_confirm_sign_up(&id, "fin@example.com")
        .await
        .unwrap();
    let t = srp_sign_in(&pool, "fin@example.com", PW).await.unwrap();
    pool.admin_set_user_enabled(&id, "fin@example.com", false)
        .await
        .unwrap();
    assert_eq!(
        srp_sign_in(&pool, "fin@example.com", PW)
            .await
            .unwrap_err()
            .message,
        "User is disabled."
    );
    assert_eq!(
        pool.get_user_by_token(&t.access_token)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::NotAuthorizedException
    );
    pool.admin_set_user_enabled(&id, "fin@example.com", true)
        .await
        .unwrap();
    pool.admin_reset_user_password(&id, "ann@example.com")
        .await
        .unwrap();
    assert_eq!(
        srp_sign_in(&pool, "ann@example.com", PW)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::PasswordResetRequiredException
    );
    let code = latest_code(&pool, "ann@example.com").await;
    pool.confirm_forgot_password(&c, "ann@example.com", &code, "N3w!Password")
        .await
        .unwrap();
    srp_sign_in(&pool, "ann@example.com", "N3w!Password")
        .await
        .unwrap();
    let t = srp_sign_in(&pool, "bea@example.com", PW).await.unwrap();
    pool.admin_user_global_sign_out(&id, "bea@example.com")
        .await
        .unwrap();
    assert_eq!(
        pool.get_user_by_token(&t.access_token)
            .await
            .unwrap_err()
            .message,
        "Access Token has been revoked"
    );
    pool.admin_update_user_attributes(
        &id,
        "cal@example.com",
        &[
            ("email".into(), "cal2@example.com".into()),
            ("email_verified".into(), "true".into()),
        ],
    )
    .await
    .unwrap();
    srp_sign_in(&pool, "cal2@example.com", PW).await.unwrap();
    pool.admin_delete_user(&id, "dan@example.com")
        .await
        .unwrap();
    assert_eq!(
        pool.admin_get_user(&id, "dan@example.com")
            .await
            .unwrap_err()
            .message,
        "User does not exist."
    );
}

async fn call(pool: &Arc<UserPool>, admin: bool, op: &str, body: Value) -> (StatusCode, Value) {
    let router = if admin {
        ampbase_auth::router_with_admin(pool.clone(), Arc::new(AllowAdmin))
    } else {
        ampbase_auth::router(pool.clone())
    };
    let req = Request::post("/")
        .header("content-type", "application/x-amz-json-1.1")
        .header(
            "x-amz-target",
            format!("AWSCognitoIdentityProviderService.{op}"),
        )
        .body(Body::from(body.to_string()))
        .unwrap();
    let resp = router.oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn admin_operations_over_json_need_authorization() {
    let pool = common::pool().await;
    let id = pool.config().user_pool_id.clone();
    let (s, v) = call(&pool, false, "ListUsers", json!({ "UserPoolId": id })).await;
    assert_eq!(
        (s, v["__type"].as_str()),
        (
            StatusCode::BAD_REQUEST,
            Some("MissingAuthenticationTokenException")
        )
    );

    let (s, v) = call(&pool, true, "AdminCreateUser", json!({
        "UserPoolId": id, "Username": "ola@example.com", "TemporaryPassword": "Temp0rary!pw", "MessageAction": "SUPPRESS",
        "UserAttributes": [{ "Name": "email", "Value": "ola@example.com" }, { "Name": "email_verified", "Value": "true" }]
    })).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["User"]["UserStatus"], "FORCE_CHANGE_PASSWORD");
    assert_eq!(v["User"]["Enabled"], true);
    assert!(v["User"]["UserCreateDate"].is_number());
    let username = v["User"]["Username"].as_str().unwrap().to_string();
    assert_eq!(
        call(
            &pool,
            true,
            "AdminAddUserToGroup",
            json!({ "UserPoolId": id, "Username": "ola@example.com", "GroupName": "ADMINS" })
        )
        .await
        .1,
        json!({})
    );
    let (_, v) = call(&pool, true, "ListUsers", json!({ "UserPoolId": id, "Filter": "email = \"ola@example.com\"", "AttributesToGet": ["email"] })).await;
    assert_eq!(v["Users"][0]["Username"], username.as_str());
    assert_eq!(
        v["Users"][0]["Attributes"],
        json!([{ "Name": "email", "Value": "ola@example.com" }])
    );
    let (_, v) = call(
        &pool,
        true,
        "AdminGetUser",
        json!({ "UserPoolId": id, "Username": "ola@example.com" }),
    )
    .await;
    assert_eq!(v["Username"], username.as_str());
    assert!(v["UserAttributes"].is_array());
    let (_, v) = call(
        &pool,
        true,
        "AdminListGroupsForUser",
        json!({ "UserPoolId": id, "Username": username }),
    )
    .await;
    assert_eq!(v["Groups"][0]["GroupName"], "ADMINS");
    assert_eq!(v["Groups"][0]["UserPoolId"], id.as_str());
    let (_, v) = call(
        &pool,
        true,
        "ListUsersInGroup",
        json!({ "UserPoolId": id, "GroupName": "ADMINS" }),
    )
    .await;
    assert_eq!(v["Users"].as_array().unwrap().len(), 1);
    let (_, v) = call(
        &pool,
        true,
        "CreateGroup",
        json!({ "UserPoolId": id, "GroupName": "READERS", "Precedence": 3 }),
    )
    .await;
    assert_eq!(v["Group"]["Precedence"], 3);
    let (_, v) = call(
        &pool,
        true,
        "CreateGroup",
        json!({ "UserPoolId": id, "GroupName": "READERS" }),
    )
    .await;
    assert_eq!(v["__type"], "GroupExistsException");
    assert_eq!(
        call(
            &pool,
            true,
            "GetGroup",
            json!({ "UserPoolId": id, "GroupName": "READERS" })
        )
        .await
        .1["Group"]["GroupName"],
        "READERS"
    );
    assert_eq!(
        call(&pool, true, "ListGroups", json!({ "UserPoolId": id }))
            .await
            .1["Groups"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        call(
            &pool,
            true,
            "DeleteGroup",
            json!({ "UserPoolId": id, "GroupName": "READERS" })
        )
        .await
        .1,
        json!({})
    );
    for (op, extra) in [
        (
            "AdminSetUserPassword",
            json!({ "Password": "Perm4nent!pw", "Permanent": true }),
        ),
        (
            "AdminUpdateUserAttributes",
            json!({ "UserAttributes": [{ "Name": "name", "Value": "Ola" }] }),
        ),
        ("AdminDisableUser", json!({})),
        ("AdminEnableUser", json!({})),
        ("AdminUserGlobalSignOut", json!({})),
        ("AdminResetUserPassword", json!({})),
        ("AdminRemoveUserFromGroup", json!({ "GroupName": "ADMINS" })),
        ("AdminDeleteUser", json!({})),
    ] {
        let mut body = extra.as_object().unwrap().clone();
        body.insert("UserPoolId".into(), json!(id));
        body.insert("Username".into(), json!("ola@example.com"));
        let (s, v) = call(&pool, true, op, Value::Object(body)).await;
        assert_eq!((s, &v), (StatusCode::OK, &json!({})), "{op}");
    }
    let (_, v) = call(
        &pool,
        true,
        "AdminConfirmSignUp",
        json!({ "UserPoolId": id, "Username": "ola@example.com" }),
    )
    .await;
    assert_eq!(v["__type"], "UserNotFoundException");
    let (_, v) = call(
        &pool,
        true,
        "ListUsers",
        json!({ "UserPoolId": "us-east-1_Wrong" }),
    )
    .await;
    assert_eq!(v["__type"], "ResourceNotFoundException");
}
