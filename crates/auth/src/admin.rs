//! Administrator operations and groups, protocol-free: what `Admin*`, `ListUsers`,
//! `CreateGroup`, … do once the caller is known to be an administrator or a function with the
//! grant (the wire checks that; see [`crate::wire::AdminAuthorizer`]).

use std::collections::BTreeMap;

use ampbase_store::{
    Condition, Item, Key, Query, SortCondition, Store, StoreError, TableSchema, WriteOp,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::crypto;
use crate::error::{AuthError, AuthResult, ErrorKind};
use crate::pool::{
    ALIASES_TABLE, CodeDeliveryDetails, FORGOT_PASSWORD, USERS_TABLE, User, UserPool,
};
use crate::srp;

pub const GROUPS_TABLE: &str = "cognito_groups";
pub const MEMBERS_TABLE: &str = "cognito_group_members";

/// How long an administrator's temporary password works (Cognito's default, 7 days).
const TEMP_PASSWORD_SECONDS: i64 = 7 * 24 * 3600;

/// A user pool group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub precedence: Option<i64>,
    #[serde(default)]
    pub role_arn: Option<String>,
    /// Unix milliseconds.
    pub created: i64,
    pub modified: i64,
}

/// `AdminCreateUser`'s options.
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    pub username: String,
    pub attributes: Vec<(String, String)>,
    /// Generated when absent.
    pub temporary_password: Option<String>,
    /// `SUPPRESS`: no invitation; `RESEND`: invite an existing FORCE_CHANGE_PASSWORD user again.
    pub message_action: Option<String>,
}

pub(crate) async fn ensure_tables(store: &Store) -> AuthResult<()> {
    store
        .ensure_table(&TableSchema::new(GROUPS_TABLE, "pool").with_sort_key("name"))
        .await?;
    store
        .ensure_table(&TableSchema::new(MEMBERS_TABLE, "group_key").with_sort_key("username"))
        .await?;
    Ok(())
}

fn group_not_found() -> AuthError {
    AuthError::new(ErrorKind::ResourceNotFoundException, "Group not found.")
}

/// A `ListUsers` filter: `attribute = "value"` or `attribute ^= "prefix"`.
#[derive(Debug, Clone, PartialEq)]
struct Filter {
    attribute: String,
    prefix: bool,
    value: String,
}

fn parse_filter(text: &str) -> AuthResult<Option<Filter>> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let bad = || AuthError::invalid_parameter("Error while parsing filter.");
    let (attribute, rest, prefix) = if let Some((a, r)) = text.split_once("^=") {
        (a, r, true)
    } else if let Some((a, r)) = text.split_once('=') {
        (a, r, false)
    } else {
        return Err(bad());
    };
    let attribute = attribute.trim().trim_matches('"').to_string();
    let value = rest.trim();
    let value = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .ok_or_else(bad)?
        .to_string();
    const ALLOWED: &[&str] = &[
        "username",
        "email",
        "phone_number",
        "name",
        "given_name",
        "family_name",
        "preferred_username",
        "cognito:user_status",
        "status",
        "sub",
    ];
    if !ALLOWED.contains(&attribute.as_str()) {
        return Err(AuthError::invalid_parameter(format!(
            "Invalid search attribute: {attribute}"
        )));
    }
    Ok(Some(Filter {
        attribute,
        prefix,
        value,
    }))
}

impl Filter {
    fn matches(&self, user: &User) -> bool {
        let actual = match self.attribute.as_str() {
            "username" => Some(user.username.clone()),
            "sub" => Some(user.sub.clone()),
            "cognito:user_status" => Some(user.status.clone()),
            "status" => Some(if user.enabled { "Enabled" } else { "Disabled" }.to_string()),
            a => user.attributes.get(a).cloned(),
        };
        match actual {
            Some(v) if self.prefix => v.to_lowercase().starts_with(&self.value.to_lowercase()),
            Some(v) => v.eq_ignore_ascii_case(&self.value),
            None => false,
        }
    }
}

impl UserPool {
    fn check_pool(&self, user_pool_id: &str) -> AuthResult<()> {
        if user_pool_id != self.config().user_pool_id {
            return Err(AuthError::new(
                ErrorKind::ResourceNotFoundException,
                format!("User pool {user_pool_id} does not exist."),
            ));
        }
        Ok(())
    }

    async fn admin_user(&self, user_pool_id: &str, username: &str) -> AuthResult<User> {
        self.check_pool(user_pool_id)?;
        self.find_user(username)
            .await?
            .ok_or_else(AuthError::user_not_found)
    }

    /// Creates the definition's groups (`groups: [...]`, precedence by position) that do not
    /// exist yet. Called by [`UserPool::open`].
    pub(crate) async fn ensure_definition_groups(&self) -> AuthResult<()> {
        let names = self.config().groups.clone();
        for (i, name) in names.iter().enumerate() {
            let key = Key::with_sort(self.config().user_pool_id.as_str(), name.as_str());
            if self.store().get(GROUPS_TABLE, &key).await?.is_none() {
                let pool_id = self.config().user_pool_id.clone();
                match self
                    .create_group(&pool_id, name, None, Some(i as i64), None)
                    .await
                {
                    Ok(_) => {}
                    Err(e) if e.kind == ErrorKind::GroupExistsException => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(())
    }

    // ---- groups ------------------------------------------------------------------------

    /// `CreateGroup`.
    pub async fn create_group(
        &self,
        user_pool_id: &str,
        name: &str,
        description: Option<&str>,
        precedence: Option<i64>,
        role_arn: Option<&str>,
    ) -> AuthResult<Group> {
        self.check_pool(user_pool_id)?;
        if name.is_empty() || name.chars().count() > 128 || name.chars().any(char::is_whitespace) {
            return Err(AuthError::invalid_parameter(
                "1 validation error detected: Value at 'groupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+",
            ));
        }
        let now = chrono::Utc::now().timestamp_millis();
        let group = Group {
            name: name.to_string(),
            description: description.map(str::to_string),
            precedence,
            role_arn: role_arn.map(str::to_string),
            created: now,
            modified: now,
        };
        let mut item = to_item(&group);
        item.insert("pool".into(), user_pool_id.into());
        match self
            .store()
            .put(GROUPS_TABLE, item, Some(Condition::not_exists()))
            .await
        {
            Ok(()) => Ok(group),
            Err(StoreError::ConditionFailed) => Err(AuthError::new(
                ErrorKind::GroupExistsException,
                format!("A group with the name {name} already exists."),
            )),
            Err(e) => Err(e.into()),
        }
    }

    /// `GetGroup`.
    pub async fn get_group(&self, user_pool_id: &str, name: &str) -> AuthResult<Group> {
        self.check_pool(user_pool_id)?;
        let item = self
            .store()
            .get(GROUPS_TABLE, &Key::with_sort(user_pool_id, name))
            .await?;
        item.and_then(|i| serde_json::from_value(Value::Object(i)).ok())
            .ok_or_else(group_not_found)
    }

    /// `ListGroups`, by name.
    pub async fn list_groups(&self, user_pool_id: &str) -> AuthResult<Vec<Group>> {
        self.check_pool(user_pool_id)?;
        let page = self
            .store()
            .query(GROUPS_TABLE, &Query::new(user_pool_id))
            .await?;
        Ok(page
            .items
            .into_iter()
            .filter_map(|i| serde_json::from_value(Value::Object(i)).ok())
            .collect())
    }

    /// `DeleteGroup`: its members leave it.
    pub async fn delete_group(&self, user_pool_id: &str, name: &str) -> AuthResult<()> {
        self.get_group(user_pool_id, name).await?;
        for username in self.group_member_names(name).await? {
            if let Some(user) = self.find_user(&username).await? {
                self.admin_remove_user_from_group(user_pool_id, &user.username, name)
                    .await?;
            }
        }
        self.store()
            .delete(GROUPS_TABLE, Key::with_sort(user_pool_id, name), None)
            .await?;
        Ok(())
    }

    async fn group_member_names(&self, group: &str) -> AuthResult<Vec<String>> {
        let key = format!("{}#{group}", self.config().user_pool_id);
        let page = self.store().query(MEMBERS_TABLE, &Query::new(key)).await?;
        Ok(page
            .items
            .iter()
            .filter_map(|i| i.get("username")?.as_str().map(str::to_string))
            .collect())
    }

    /// Orders a user's groups as tokens list them: by precedence, then name.
    async fn sort_groups(&self, groups: &mut [String]) -> AuthResult<()> {
        let all = self
            .list_groups(&self.config().user_pool_id.clone())
            .await?;
        let rank = |g: &String| {
            all.iter()
                .find(|x| &x.name == g)
                .and_then(|x| x.precedence)
                .unwrap_or(i64::MAX)
        };
        groups.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.cmp(b)));
        Ok(())
    }

    /// `AdminAddUserToGroup`: the user's next tokens carry the group in `cognito:groups`.
    pub async fn admin_add_user_to_group(
        &self,
        user_pool_id: &str,
        username: &str,
        group: &str,
    ) -> AuthResult<()> {
        self.get_group(user_pool_id, group).await?;
        let mut user = self.admin_user(user_pool_id, username).await?;
        if user.groups.iter().any(|g| g == group) {
            return Ok(());
        }
        user.groups.push(group.to_string());
        self.sort_groups(&mut user.groups).await?;
        let mut member = Item::new();
        member.insert("group_key".into(), format!("{user_pool_id}#{group}").into());
        member.insert("username".into(), user.username.clone().into());
        self.store()
            .transact(vec![
                WriteOp::Put {
                    table: USERS_TABLE.into(),
                    item: self.user_item(&user),
                    condition: Some(Condition::exists()),
                },
                WriteOp::Put {
                    table: MEMBERS_TABLE.into(),
                    item: member,
                    condition: None,
                },
            ])
            .await
            .map_err(AuthError::internal)?;
        Ok(())
    }

    /// `AdminRemoveUserFromGroup`.
    pub async fn admin_remove_user_from_group(
        &self,
        user_pool_id: &str,
        username: &str,
        group: &str,
    ) -> AuthResult<()> {
        let mut user = self.admin_user(user_pool_id, username).await?;
        user.groups.retain(|g| g != group);
        self.store()
            .transact(vec![
                WriteOp::Put {
                    table: USERS_TABLE.into(),
                    item: self.user_item(&user),
                    condition: Some(Condition::exists()),
                },
                WriteOp::Delete {
                    table: MEMBERS_TABLE.into(),
                    key: Key::with_sort(format!("{user_pool_id}#{group}"), user.username.as_str()),
                    condition: None,
                },
            ])
            .await
            .map_err(AuthError::internal)?;
        Ok(())
    }

    /// `AdminListGroupsForUser`.
    pub async fn admin_list_groups_for_user(
        &self,
        user_pool_id: &str,
        username: &str,
    ) -> AuthResult<Vec<Group>> {
        let user = self.admin_user(user_pool_id, username).await?;
        let all = self.list_groups(user_pool_id).await?;
        Ok(user
            .groups
            .iter()
            .filter_map(|g| all.iter().find(|x| &x.name == g).cloned())
            .collect())
    }

    /// `ListUsersInGroup`.
    pub async fn list_users_in_group(
        &self,
        user_pool_id: &str,
        group: &str,
    ) -> AuthResult<Vec<User>> {
        self.get_group(user_pool_id, group).await?;
        let mut out = Vec::new();
        for name in self.group_member_names(group).await? {
            if let Some(u) = self.find_user(&name).await? {
                out.push(u);
            }
        }
        Ok(out)
    }

    // ---- users -------------------------------------------------------------------------

    /// `AdminGetUser`.
    pub async fn admin_get_user(&self, user_pool_id: &str, username: &str) -> AuthResult<User> {
        self.admin_user(user_pool_id, username).await
    }

    /// `ListUsers`: by username, `limit` per page (≤ 60), with an optional filter; returns
    /// the page and the token of the next one.
    pub async fn list_users(
        &self,
        user_pool_id: &str,
        filter: Option<&str>,
        limit: Option<usize>,
        pagination_token: Option<&str>,
    ) -> AuthResult<(Vec<User>, Option<String>)> {
        self.check_pool(user_pool_id)?;
        let filter = parse_filter(filter.unwrap_or_default())?;
        let limit = limit.unwrap_or(60);
        if !(1..=60).contains(&limit) {
            return Err(AuthError::invalid_parameter(
                "1 validation error detected: Value at 'limit' failed to satisfy constraint: Member must have value less than or equal to 60",
            ));
        }
        let mut after = match pagination_token {
            Some(t) if !t.is_empty() => Some(
                crypto::decode_b64_any(t)
                    .and_then(|b| String::from_utf8(b).ok())
                    .ok_or_else(|| AuthError::invalid_parameter("Invalid pagination token."))?,
            ),
            _ => None,
        };
        let mut out = Vec::new();
        loop {
            let mut q = Query::new(user_pool_id).limit(200);
            if let Some(a) = &after {
                q = q.sort(SortCondition::Gt(a.as_str().into()));
            }
            let page = self.store().query(USERS_TABLE, &q).await?;
            let more = page.last_evaluated_key.is_some();
            for item in page.items {
                let Ok(user) = serde_json::from_value::<User>(Value::Object(item)) else {
                    continue;
                };
                after = Some(user.username.clone());
                if filter.as_ref().is_none_or(|f| f.matches(&user)) {
                    out.push(user);
                    if out.len() == limit {
                        use base64::Engine;
                        let token = base64::engine::general_purpose::STANDARD
                            .encode(after.unwrap_or_default());
                        return Ok((out, Some(token)));
                    }
                }
            }
            if !more {
                return Ok((out, None));
            }
        }
    }

    /// `AdminCreateUser`: a confirmed account with a temporary password
    /// (`FORCE_CHANGE_PASSWORD`); the first sign-in answers `NEW_PASSWORD_REQUIRED`.
    pub async fn admin_create_user(&self, user_pool_id: &str, new: NewUser) -> AuthResult<User> {
        self.check_pool(user_pool_id)?;
        let cfg = self.config().clone();
        if new.message_action.as_deref() == Some("RESEND") {
            let user = self.admin_user(user_pool_id, &new.username).await?;
            if user.status != "FORCE_CHANGE_PASSWORD" {
                return Err(AuthError::new(
                    ErrorKind::UnsupportedTokenTypeException,
                    "User is not in FORCE_CHANGE_PASSWORD state.",
                ));
            }
            let temp = new
                .temporary_password
                .clone()
                .unwrap_or_else(|| temporary_password(&cfg.password_policy));
            self.check_password(&temp)?;
            let mut user = user;
            self.set_password(&mut user, &temp).await?;
            user.temp_expires = self.now() + TEMP_PASSWORD_SECONDS;
            self.save_user(&user).await?;
            self.send_invitation(&user, &temp).await?;
            return Ok(user);
        }
        let mut attrs: BTreeMap<String, String> = new.attributes.iter().cloned().collect();
        let (internal, sub) = if cfg.username_login() {
            (
                new.username.trim().to_lowercase(),
                uuid::Uuid::new_v4().to_string(),
            )
        } else {
            let name = new.username.trim();
            if cfg.email_login && name.contains('@') {
                attrs
                    .entry("email".into())
                    .or_insert_with(|| name.to_string());
            } else if cfg.phone_login && name.starts_with('+') {
                attrs
                    .entry("phone_number".into())
                    .or_insert_with(|| name.to_string());
            } else {
                return Err(AuthError::invalid_parameter(
                    if cfg.phone_login && !cfg.email_login {
                        "Username should be a phone number."
                    } else {
                        "Username should be an email."
                    },
                ));
            }
            let sub = uuid::Uuid::new_v4().to_string();
            (sub.clone(), sub)
        };
        // Administrators may set the verified flags; nothing else is exempt from the schema.
        let checked: Vec<(String, String)> = attrs
            .iter()
            .filter(|(k, _)| !k.ends_with("_verified"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        self.check_attributes(&checked, None)?;
        for (name, spec) in &cfg.attributes {
            if spec.required && !attrs.contains_key(name) {
                return Err(AuthError::invalid_parameter(format!(
                    "Attributes did not conform to the schema: {name}: The attribute is required"
                )));
            }
        }
        for a in ["email", "phone_number"] {
            if attrs.contains_key(a) {
                attrs
                    .entry(format!("{a}_verified"))
                    .or_insert_with(|| "false".into());
            }
        }
        let temp = new
            .temporary_password
            .clone()
            .unwrap_or_else(|| temporary_password(&cfg.password_policy));
        self.check_password(&temp)?;
        let (salt, v) = srp::make_verifier(cfg.pool_name(), &internal, &temp);
        let now = self.now_ms();
        let mut user: User = serde_json::from_value(serde_json::json!({
            "username": internal, "sub": sub, "status": "FORCE_CHANGE_PASSWORD", "enabled": true,
            "attributes": attrs, "groups": [], "created": now, "modified": now,
        }))
        .map_err(AuthError::internal)?;
        user.srp_salt = salt.to_str_radix(16);
        user.srp_verifier = v.to_str_radix(16);
        user.temp_expires = self.now() + TEMP_PASSWORD_SECONDS;
        let aliases = self.aliases_of(&user.attributes);
        let mut ops = vec![WriteOp::Put {
            table: USERS_TABLE.into(),
            item: self.user_item(&user),
            condition: Some(Condition::not_exists()),
        }];
        for (_, alias) in &aliases {
            ops.push(WriteOp::Put {
                table: ALIASES_TABLE.into(),
                item: self.alias_item(alias, &user.username),
                condition: Some(Condition::not_exists()),
            });
        }
        match self.store().transact(ops).await {
            Ok(_) => {}
            Err(StoreError::TransactionCanceled { index, reason })
                if matches!(*reason, StoreError::ConditionFailed) =>
            {
                return Err(if index == 0 {
                    AuthError::new(
                        ErrorKind::UsernameExistsException,
                        "User account already exists",
                    )
                } else {
                    AuthError::new(
                        ErrorKind::UsernameExistsException,
                        format!(
                            "An account with the given {} already exists.",
                            aliases[index - 1].0
                        ),
                    )
                });
            }
            Err(e) => return Err(AuthError::internal(e)),
        }
        if new.message_action.as_deref() != Some("SUPPRESS") {
            self.send_invitation(&user, &temp).await?;
        }
        Ok(user)
    }

    async fn send_invitation(&self, user: &User, temp: &str) -> AuthResult<()> {
        let attr = if user.attributes.contains_key("email") {
            "email"
        } else if user.attributes.contains_key("phone_number") {
            "phone_number"
        } else {
            return Ok(());
        };
        let display = user.attributes.get(attr).cloned().unwrap_or_default();
        self.deliver_message(
            user,
            "ADMIN_CREATE_USER",
            attr,
            Some("Your temporary password".into()),
            format!("Your username is {display} and temporary password is {temp}."),
            temp,
        )
        .await
        .map(|_| ())
    }

    /// `AdminConfirmSignUp`.
    pub async fn admin_confirm_sign_up(
        &self,
        user_pool_id: &str,
        username: &str,
    ) -> AuthResult<()> {
        let mut user = self.admin_user(user_pool_id, username).await?;
        if user.status != "UNCONFIRMED" {
            return Err(AuthError::not_authorized(format!(
                "User cannot be confirmed. Current status is {}",
                user.status
            )));
        }
        user.status = "CONFIRMED".into();
        user.modified = self.now_ms();
        self.save_user(&user).await
    }

    /// `AdminSetUserPassword`.
    pub async fn admin_set_user_password(
        &self,
        user_pool_id: &str,
        username: &str,
        password: &str,
        permanent: bool,
    ) -> AuthResult<()> {
        let mut user = self.admin_user(user_pool_id, username).await?;
        self.check_password(password)?;
        self.set_password(&mut user, password).await?;
        if permanent {
            user.status = "CONFIRMED".into();
            user.temp_expires = 0;
        } else {
            user.status = "FORCE_CHANGE_PASSWORD".into();
            user.temp_expires = self.now() + TEMP_PASSWORD_SECONDS;
        }
        self.save_user(&user).await
    }

    /// `AdminUpdateUserAttributes`: may set `email_verified` / `phone_number_verified`.
    pub async fn admin_update_user_attributes(
        &self,
        user_pool_id: &str,
        username: &str,
        attributes: &[(String, String)],
    ) -> AuthResult<()> {
        let mut user = self.admin_user(user_pool_id, username).await?;
        let checked: Vec<(String, String)> = attributes
            .iter()
            .filter(|(k, _)| !k.ends_with("_verified"))
            .cloned()
            .collect();
        self.check_attributes(&checked, None)?;
        let old_aliases = self.aliases_of(&user.attributes);
        for (name, value) in attributes {
            if (name == "email" || name == "phone_number")
                && user.attributes.get(name) != Some(value)
            {
                let flag = format!("{name}_verified");
                if !attributes.iter().any(|(n, _)| *n == flag) {
                    user.attributes.insert(flag, "false".into());
                }
            }
            user.attributes.insert(name.clone(), value.clone());
        }
        user.modified = self.now_ms();
        let new_aliases = self.aliases_of(&user.attributes);
        let mut ops = vec![WriteOp::Put {
            table: USERS_TABLE.into(),
            item: self.user_item(&user),
            condition: Some(Condition::exists()),
        }];
        for (_, alias) in &new_aliases {
            if !old_aliases.iter().any(|(_, a)| a == alias) {
                ops.push(WriteOp::Put {
                    table: ALIASES_TABLE.into(),
                    item: self.alias_item(alias, &user.username),
                    condition: Some(Condition::not_exists()),
                });
            }
        }
        for (_, alias) in &old_aliases {
            if !new_aliases.iter().any(|(_, a)| a == alias) {
                ops.push(WriteOp::Delete {
                    table: ALIASES_TABLE.into(),
                    key: Key::with_sort(user_pool_id, alias.as_str()),
                    condition: None,
                });
            }
        }
        match self.store().transact(ops).await {
            Ok(_) => Ok(()),
            Err(StoreError::TransactionCanceled { index, reason })
                if index > 0 && matches!(*reason, StoreError::ConditionFailed) =>
            {
                Err(AuthError::new(
                    ErrorKind::AliasExistsException,
                    "An account with the given email already exists.",
                ))
            }
            Err(e) => Err(AuthError::internal(e)),
        }
    }

    /// `AdminDisableUser` / `AdminEnableUser`. A disabled user cannot sign in or use tokens.
    pub async fn admin_set_user_enabled(
        &self,
        user_pool_id: &str,
        username: &str,
        enabled: bool,
    ) -> AuthResult<()> {
        let mut user = self.admin_user(user_pool_id, username).await?;
        user.enabled = enabled;
        user.modified = self.now_ms();
        self.save_user(&user).await?;
        if !enabled {
            self.revoke_all(&user.username).await?;
        }
        Ok(())
    }

    /// `AdminResetUserPassword`: the user must choose a new password with a code
    /// (`RESET_REQUIRED` → `ConfirmForgotPassword`).
    pub async fn admin_reset_user_password(
        &self,
        user_pool_id: &str,
        username: &str,
    ) -> AuthResult<Option<CodeDeliveryDetails>> {
        let mut user = self.admin_user(user_pool_id, username).await?;
        user.status = "RESET_REQUIRED".into();
        user.modified = self.now_ms();
        self.save_user(&user).await?;
        let verified = |a: &str| {
            user.attributes
                .get(&format!("{a}_verified"))
                .is_some_and(|v| v == "true")
        };
        let attr = ["email", "phone_number"].into_iter().find(|a| verified(a));
        match attr {
            Some(a) => Ok(Some(
                self.send_code(&user, FORGOT_PASSWORD, a, self.config().reset_code_seconds)
                    .await?,
            )),
            None => Ok(None),
        }
    }

    /// `AdminUserGlobalSignOut`.
    pub async fn admin_user_global_sign_out(
        &self,
        user_pool_id: &str,
        username: &str,
    ) -> AuthResult<()> {
        let user = self.admin_user(user_pool_id, username).await?;
        self.revoke_all(&user.username).await
    }

    /// `AdminDeleteUser`.
    pub async fn admin_delete_user(&self, user_pool_id: &str, username: &str) -> AuthResult<()> {
        let user = self.admin_user(user_pool_id, username).await?;
        self.remove_user(&user).await
    }
}

fn to_item<T: Serialize>(v: &T) -> Item {
    match serde_json::to_value(v) {
        Ok(Value::Object(m)) => m,
        _ => Item::new(),
    }
}

/// A temporary password that satisfies `policy`.
fn temporary_password(policy: &crate::config::PasswordPolicy) -> String {
    let mut p = crypto::opaque_token(12).replace(['-', '_'], "x");
    p.push_str("aA1!");
    while p.chars().count() < policy.min_length {
        p.push('x');
    }
    p
}
