//! The administrator operations' JSON (after the [`super::AdminAuthorizer`] let them in).

use serde_json::{Map, Value, json};

use super::{attribute_list, attributes_json, req};
use crate::admin::{Group, NewUser};
use crate::error::AuthResult;
use crate::pool::{User, UserPool};

pub const OPERATIONS: &[&str] = &[
    "AdminCreateUser",
    "AdminGetUser",
    "AdminDeleteUser",
    "AdminAddUserToGroup",
    "AdminRemoveUserFromGroup",
    "AdminListGroupsForUser",
    "ListUsers",
    "ListUsersInGroup",
    "AdminSetUserPassword",
    "AdminConfirmSignUp",
    "AdminUpdateUserAttributes",
    "AdminDisableUser",
    "AdminEnableUser",
    "AdminResetUserPassword",
    "AdminUserGlobalSignOut",
    "CreateGroup",
    "GetGroup",
    "ListGroups",
    "DeleteGroup",
];

fn seconds(ms: i64) -> Value {
    json!(ms as f64 / 1000.0)
}

/// Cognito's `UserType`; `attributes_key` is `Attributes` (lists, AdminCreateUser) or
/// `UserAttributes` (AdminGetUser).
fn user_json(user: &User, attributes_key: &str) -> Value {
    let mut out = json!({
        "Username": user.username,
        attributes_key: attributes_json(&user.attribute_list()),
        "UserCreateDate": seconds(user.created),
        "UserLastModifiedDate": seconds(user.modified),
        "Enabled": user.enabled,
        "UserStatus": user.status,
    });
    if !user.mfa_enabled.is_empty() {
        out["UserMFASettingList"] = json!(user.mfa_enabled);
    }
    if let Some(p) = &user.mfa_preferred {
        out["PreferredMfaSetting"] = json!(p);
    }
    out
}

fn group_json(pool_id: &str, g: &Group) -> Value {
    let mut out = json!({
        "GroupName": g.name,
        "UserPoolId": pool_id,
        "CreationDate": seconds(g.created),
        "LastModifiedDate": seconds(g.modified),
    });
    if let Some(d) = &g.description {
        out["Description"] = json!(d);
    }
    if let Some(p) = g.precedence {
        out["Precedence"] = json!(p);
    }
    if let Some(r) = &g.role_arn {
        out["RoleArn"] = json!(r);
    }
    out
}

pub async fn handle(
    pool: &UserPool,
    op: &str,
    input: &Map<String, Value>,
) -> AuthResult<Option<Value>> {
    let pool_id = req(input, "UserPoolId")?;
    let opt = |k: &str| input.get(k).and_then(Value::as_str);
    let out = match op {
        "AdminCreateUser" => {
            let user = pool
                .admin_create_user(
                    pool_id,
                    NewUser {
                        username: req(input, "Username")?.to_string(),
                        attributes: attribute_list(input, "UserAttributes")?,
                        temporary_password: opt("TemporaryPassword").map(str::to_string),
                        message_action: opt("MessageAction").map(str::to_string),
                    },
                )
                .await?;
            json!({ "User": user_json(&user, "Attributes") })
        }
        "AdminGetUser" => user_json(
            &pool
                .admin_get_user(pool_id, req(input, "Username")?)
                .await?,
            "UserAttributes",
        ),
        "AdminDeleteUser" => {
            pool.admin_delete_user(pool_id, req(input, "Username")?)
                .await?;
            json!({})
        }
        "AdminAddUserToGroup" => {
            pool.admin_add_user_to_group(
                pool_id,
                req(input, "Username")?,
                req(input, "GroupName")?,
            )
            .await?;
            json!({})
        }
        "AdminRemoveUserFromGroup" => {
            pool.admin_remove_user_from_group(
                pool_id,
                req(input, "Username")?,
                req(input, "GroupName")?,
            )
            .await?;
            json!({})
        }
        "AdminListGroupsForUser" => {
            let groups = pool
                .admin_list_groups_for_user(pool_id, req(input, "Username")?)
                .await?;
            json!({ "Groups": groups.iter().map(|g| group_json(pool_id, g)).collect::<Vec<_>>() })
        }
        "ListUsers" => {
            let limit = input
                .get("Limit")
                .and_then(Value::as_u64)
                .map(|n| n as usize);
            let (users, next) = pool
                .list_users(pool_id, opt("Filter"), limit, opt("PaginationToken"))
                .await?;
            let wanted: Option<Vec<&str>> = input
                .get("AttributesToGet")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect());
            let users: Vec<Value> = users
                .iter()
                .map(|u| {
                    let mut v = user_json(u, "Attributes");
                    if let Some(w) = &wanted
                        && let Some(attrs) = v["Attributes"].as_array_mut()
                    {
                        attrs.retain(|a| a["Name"].as_str().is_some_and(|n| w.contains(&n)));
                    }
                    v
                })
                .collect();
            let mut out = json!({ "Users": users });
            if let Some(t) = next {
                out["PaginationToken"] = json!(t);
            }
            out
        }
        "ListUsersInGroup" => {
            let users = pool
                .list_users_in_group(pool_id, req(input, "GroupName")?)
                .await?;
            json!({ "Users": users.iter().map(|u| user_json(u, "Attributes")).collect::<Vec<_>>() })
        }
        "AdminSetUserPassword" => {
            let permanent = input
                .get("Permanent")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            pool.admin_set_user_password(
                pool_id,
                req(input, "Username")?,
                req(input, "Password")?,
                permanent,
            )
            .await?;
            json!({})
        }
        "AdminConfirmSignUp" => {
            pool.admin_confirm_sign_up(pool_id, req(input, "Username")?)
                .await?;
            json!({})
        }
        "AdminUpdateUserAttributes" => {
            pool.admin_update_user_attributes(
                pool_id,
                req(input, "Username")?,
                &attribute_list(input, "UserAttributes")?,
            )
            .await?;
            json!({})
        }
        "AdminDisableUser" | "AdminEnableUser" => {
            pool.admin_set_user_enabled(pool_id, req(input, "Username")?, op == "AdminEnableUser")
                .await?;
            json!({})
        }
        "AdminResetUserPassword" => {
            pool.admin_reset_user_password(pool_id, req(input, "Username")?)
                .await?;
            json!({})
        }
        "AdminUserGlobalSignOut" => {
            pool.admin_user_global_sign_out(pool_id, req(input, "Username")?)
                .await?;
            json!({})
        }
        "CreateGroup" => {
            let g = pool
                .create_group(
                    pool_id,
                    req(input, "GroupName")?,
                    opt("Description"),
                    input.get("Precedence").and_then(Value::as_i64),
                    opt("RoleArn"),
                )
                .await?;
            json!({ "Group": group_json(pool_id, &g) })
        }
        "GetGroup" => {
            json!({ "Group": group_json(pool_id, &pool.get_group(pool_id, req(input, "GroupName")?).await?) })
        }
        "ListGroups" => {
            let groups = pool.list_groups(pool_id).await?;
            json!({ "Groups": groups.iter().map(|g| group_json(pool_id, g)).collect::<Vec<_>>() })
        }
        "DeleteGroup" => {
            pool.delete_group(pool_id, req(input, "GroupName")?).await?;
            json!({})
        }
        _ => unreachable!("not an admin operation: {op}"),
    };
    Ok(Some(out))
}
