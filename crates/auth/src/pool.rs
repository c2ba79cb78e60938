//! The user pool: users, attributes, passwords (SRP verifier), codes,
//! sign-in sessions, tokens. Protocol-free: every operation takes and returns plain Rust
//! values and fails with Cognito's [`AuthError`]s; `wire` maps them to JSON.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};

use ampbase_core::UserIdentity;
use ampbase_store::{
    Changes, Condition, IndexSchema, Item, Key, Query, Store, StoreError, TableSchema, WriteOp,
};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use num_bigint::BigUint;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::config::PoolConfig;
use crate::crypto::{self, Sealer};
use crate::delivery::{CodeDelivery, Message};
use crate::error::{AuthError, AuthResult, ErrorKind};
use crate::srp;
use crate::tokens::{self, SigningKey, TokenError};
use crate::totp;

pub const USERS_TABLE: &str = "cognito_users";
pub const ALIASES_TABLE: &str = "cognito_aliases";
pub const CODES_TABLE: &str = "cognito_codes";
pub const REFRESH_TABLE: &str = "cognito_refresh_tokens";
pub const REVOKED_TABLE: &str = "cognito_revocations";
pub const KEYS_TABLE: &str = "cognito_keys";

/// Failed password attempts before the account is locked out, and the lockout's cap.
const FREE_ATTEMPTS: u32 = 5;
const MAX_LOCKOUT_SECONDS: i64 = 900;
/// Wrong guesses of one code before it is withdrawn.
const CODE_ATTEMPTS: u32 = 5;
/// The client's `TIMESTAMP` uses its own clock (client-protocol.md §5).
const TIMESTAMP_SKEW_SECONDS: i64 = 15 * 60;

/// A stored user.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    /// The internal username (the `sub` for pools that sign in with email or phone).
    pub username: String,
    pub sub: String,
    /// `UNCONFIRMED`, `CONFIRMED`, `RESET_REQUIRED`, `FORCE_CHANGE_PASSWORD`.
    pub status: String,
    pub enabled: bool,
    /// Attribute name → value (`email_verified` is `"true"`/`"false"`, as Cognito returns it).
    pub attributes: BTreeMap<String, String>,
    #[serde(default)]
    pub groups: Vec<String>,
    /// Unix milliseconds.
    pub created: i64,
    pub modified: i64,
    #[serde(default)]
    pub(crate) srp_salt: String,
    #[serde(default)]
    pub(crate) srp_verifier: String,
    #[serde(default)]
    pub(crate) password_hash: String,
    #[serde(default)]
    pub(crate) failed_attempts: u32,
    #[serde(default)]
    pub(crate) locked_until: i64,
    /// The verified TOTP secret (base32) and one being set up.
    #[serde(default)]
    pub(crate) totp_secret: String,
    #[serde(default)]
    pub(crate) totp_pending: String,
    /// The last TOTP step accepted: a code is good once.
    #[serde(default)]
    pub(crate) totp_last_step: i64,
    /// `UserMFASettingList`: `SOFTWARE_TOKEN_MFA`, `EMAIL_OTP`, `SMS_MFA`.
    #[serde(default)]
    pub mfa_enabled: Vec<String>,
    /// `PreferredMfaSetting`.
    #[serde(default)]
    pub mfa_preferred: Option<String>,
    /// When an administrator's temporary password stops working (Unix seconds; 0: none).
    #[serde(default)]
    pub(crate) temp_expires: i64,
}

impl User {
    /// `[{Name, Value}]` with `sub` first, as GetUser returns them.
    pub fn attribute_list(&self) -> Vec<(String, String)> {
        let mut out = vec![("sub".to_string(), self.sub.clone())];
        out.extend(
            self.attributes
                .iter()
                .filter(|(k, _)| *k != "sub")
                .map(|(k, v)| (k.clone(), v.clone())),
        );
        out
    }
}

/// Where a code went (`CodeDeliveryDetails`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CodeDeliveryDetails {
    /// Masked: `a***@e***`, `+*******1234`.
    pub destination: String,
    /// `EMAIL` or `SMS`.
    pub delivery_medium: String,
    pub attribute_name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SignUpResult {
    pub user_sub: String,
    pub user_confirmed: bool,
    pub code_delivery: Option<CodeDeliveryDetails>,
}

/// Tokens of a successful sign-in (`AuthenticationResult`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AuthenticationResult {
    pub access_token: String,
    pub expires_in: i64,
    pub id_token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    pub token_type: String,
}

/// What InitiateAuth / RespondToAuthChallenge answer.
#[derive(Debug, Clone, PartialEq)]
pub enum AuthStep {
    Challenge {
        name: String,
        parameters: BTreeMap<String, String>,
        session: String,
    },
    /// `SELECT_CHALLENGE` of `USER_AUTH`, with the top-level `AvailableChallenges`.
    SelectChallenge {
        available: Vec<String>,
        session: String,
    },
    Authenticated(AuthenticationResult),
}

/// A refresh token's record.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct RefreshRecord {
    token_hash: String,
    pool: String,
    username: String,
    user_key: String,
    client_id: String,
    origin_jti: String,
    event_id: String,
    auth_time: i64,
    expires: i64,
    revoked: bool,
}

/// A pending code.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CodeRecord {
    pool: String,
    code_key: String,
    code_hash: String,
    expires: i64,
    attempts: u32,
    /// For attribute verification: the attribute and the value the code was sent to.
    #[serde(default)]
    attribute: Option<String>,
    #[serde(default)]
    value: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct SrpState {
    u: String,
    b: String,
    bb: String,
    a: String,
    exp: i64,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct SessionState {
    c: String,
    u: String,
    exp: i64,
}

/// Purposes of codes, part of their key: a new code of a purpose replaces the old one.
pub(crate) const SIGN_UP: &str = "SIGN_UP";
pub(crate) const FORGOT_PASSWORD: &str = "FORGOT_PASSWORD";
const VERIFY_ATTRIBUTE: &str = "VERIFY_USER_ATTRIBUTE";
const MFA_CODE: &str = "MFA";
const OTP_LOGIN: &str = "SIGN_IN";

/// One Cognito user pool with one app client.
pub struct UserPool {
    config: PoolConfig,
    store: Store,
    delivery: Arc<dyn CodeDelivery>,
    /// Oldest first; the last one signs.
    keys: RwLock<Arc<Vec<SigningKey>>>,
    verified_tokens: tokens::VerifiedTokens,
    revocation_checks: tokens::RevocationChecks,
    sealer: Sealer,
    /// Seconds added to the system clock (tests of expiry).
    clock_offset: AtomicI64,
    /// Last message id (microseconds), so that ids increase strictly within a process.
    last_message: AtomicI64,
    /// Unix seconds the clock is frozen at (0: running).
    frozen_at: AtomicI64,
}

impl std::fmt::Debug for UserPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserPool")
            .field("user_pool_id", &self.config.user_pool_id)
            .finish_non_exhaustive()
    }
}

fn bad_store(e: StoreError) -> AuthError {
    AuthError::internal(e)
}

impl UserPool {
    /// Opens the pool on `store`: creates its tables and loads (or, the first time, generates
    /// and persists) its signing key and session secret.
    pub async fn open(
        config: PoolConfig,
        store: Store,
        delivery: Arc<dyn CodeDelivery>,
    ) -> AuthResult<UserPool> {
        ensure_tables(&store).await?;
        crate::admin::ensure_tables(&store).await?;
        if let Some(mailbox) = delivery.mailbox() {
            mailbox.ensure_table().await?;
        }
        let pool_id = config.user_pool_id.clone();
        // Session secret.
        let secret_key = Key::with_sort(pool_id.as_str(), "#session-secret");
        let secret = match store.get(KEYS_TABLE, &secret_key).await? {
            Some(item) => item
                .get("secret")
                .and_then(Value::as_str)
                .and_then(|s| STANDARD.decode(s).ok()),
            None => None,
        };
        let secret = match secret {
            Some(s) if s.len() == 32 => s,
            _ => {
                let s = crypto::random_bytes(32);
                let mut item = Item::new();
                item.insert("pool".into(), pool_id.clone().into());
                item.insert("kid".into(), "#session-secret".into());
                item.insert("kind".into(), "aead".into());
                item.insert("secret".into(), STANDARD.encode(&s).into());
                match store
                    .put(KEYS_TABLE, item, Some(Condition::not_exists()))
                    .await
                {
                    Ok(()) => s,
                    // Another replica won the race: use its secret.
                    Err(StoreError::ConditionFailed) => store
                        .get(KEYS_TABLE, &secret_key)
                        .await?
                        .and_then(|i| {
                            i.get("secret")
                                .and_then(Value::as_str)
                                .and_then(|s| STANDARD.decode(s).ok())
                        })
                        .ok_or_else(|| AuthError::internal("session secret vanished"))?,
                    Err(e) => return Err(e.into()),
                }
            }
        };
        let mut key = [0u8; 32];
        key.copy_from_slice(&secret);
        let pool = UserPool {
            config,
            store,
            delivery,
            keys: RwLock::new(Arc::new(Vec::new())),
            verified_tokens: tokens::VerifiedTokens::default(),
            revocation_checks: tokens::RevocationChecks::default(),
            sealer: Sealer::new(&key),
            clock_offset: AtomicI64::new(0),
            last_message: AtomicI64::new(0),
            frozen_at: AtomicI64::new(0),
        };
        pool.reload_keys().await?;
        if pool.signing_keys().is_empty() {
            pool.rotate_signing_key().await?;
        }
        pool.ensure_definition_groups().await?;
        Ok(pool)
    }

    pub fn config(&self) -> &PoolConfig {
        &self.config
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn delivery(&self) -> &Arc<dyn CodeDelivery> {
        &self.delivery
    }

    pub fn now(&self) -> i64 {
        match self.frozen_at.load(Ordering::Relaxed) {
            0 => chrono::Utc::now().timestamp() + self.clock_offset.load(Ordering::Relaxed),
            frozen => frozen + self.clock_offset.load(Ordering::Relaxed),
        }
    }

    /// Stops the pool's clock at the current time (`true`) or lets it run again (tests).
    #[doc(hidden)]
    pub fn freeze_clock(&self, frozen: bool) {
        let at = if frozen {
            chrono::Utc::now().timestamp()
        } else {
            0
        };
        self.frozen_at.store(at, Ordering::Relaxed);
    }

    pub(crate) fn now_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis() + self.clock_offset.load(Ordering::Relaxed) * 1000
    }

    /// Moves the pool's clock forward (tests of expiry and lockout).
    #[doc(hidden)]
    pub fn advance_clock(&self, seconds: i64) {
        self.clock_offset.fetch_add(seconds, Ordering::Relaxed);
    }

    pub(crate) fn pool_id(&self) -> &str {
        &self.config.user_pool_id
    }

    // ---- keys --------------------------------------------------------------------------

    fn signing_keys(&self) -> Arc<Vec<SigningKey>> {
        self.keys.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Signs `claims` with the current key (RS256).
    pub(crate) fn sign_claims(&self, claims: &Map<String, Value>) -> String {
        self.signing_keys()
            .last()
            .expect("a signing key")
            .sign(claims)
    }

    /// Reloads the signing keys from the store (another replica may have rotated).
    pub async fn reload_keys(&self) -> AuthResult<()> {
        let page = self
            .store
            .query(KEYS_TABLE, &Query::new(self.pool_id()))
            .await?;
        let mut keys: Vec<SigningKey> = page
            .items
            .iter()
            .filter(|i| i.get("kind").and_then(Value::as_str) == Some("rsa"))
            .filter_map(|i| {
                let der = STANDARD.decode(i.get("pkcs8")?.as_str()?).ok()?;
                SigningKey::from_pkcs8(&der, i.get("created")?.as_i64()?)
            })
            .collect();
        keys.sort_by_key(|k| k.created);
        *self.keys.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(keys);
        self.verified_tokens.clear();
        Ok(())
    }

    /// Generates a new signing key, persists it and signs with it from now on. Earlier keys
    /// stay in the JWKS and keep verifying the tokens they signed.
    pub async fn rotate_signing_key(&self) -> AuthResult<String> {
        let created = self.now_ms();
        let (key, der) = SigningKey::generate(created);
        let kid = key.kid.clone();
        let mut item = Item::new();
        item.insert("pool".into(), self.pool_id().into());
        item.insert("kid".into(), kid.clone().into());
        item.insert("kind".into(), "rsa".into());
        item.insert("created".into(), created.into());
        item.insert("pkcs8".into(), STANDARD.encode(der).into());
        self.store.put(KEYS_TABLE, item, None).await?;
        self.reload_keys().await?;
        Ok(kid)
    }

    /// Removes a retired key: tokens it signed stop verifying.
    pub async fn retire_signing_key(&self, kid: &str) -> AuthResult<bool> {
        if kid.starts_with('#') {
            return Ok(false);
        }
        let old = self
            .store
            .delete(KEYS_TABLE, Key::with_sort(self.pool_id(), kid), None)
            .await?;
        self.reload_keys().await?;
        Ok(old.is_some())
    }

    /// `GET /<userPoolId>/.well-known/jwks.json`.
    pub fn jwks(&self) -> Value {
        let keys: Vec<Value> = self
            .signing_keys()
            .iter()
            .rev()
            .map(SigningKey::jwk)
            .collect();
        json!({ "keys": keys })
    }

    /// `GET /<userPoolId>/.well-known/openid-configuration`.
    pub fn openid_configuration(&self) -> Value {
        let iss = self.config.issuer();
        json!({
            "issuer": iss,
            "jwks_uri": format!("{iss}/.well-known/jwks.json"),
            "authorization_endpoint": format!("{}/oauth2/authorize", self.config.base_url),
            "token_endpoint": format!("{}/oauth2/token", self.config.base_url),
            "userinfo_endpoint": format!("{}/oauth2/userInfo", self.config.base_url),
            "response_types_supported": ["code", "token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "scopes_supported": ["openid", "email", "phone", "profile"],
        })
    }

    // ---- users -------------------------------------------------------------------------

    pub(crate) fn check_client(&self, client_id: &str) -> AuthResult<()> {
        if client_id.is_empty() {
            return Err(AuthError::invalid_parameter(
                "1 validation error detected: Value null at 'clientId' failed to satisfy constraint: Member must not be null",
            ));
        }
        if !crypto::ct_eq(client_id.as_bytes(), self.config.client_id.as_bytes()) {
            return Err(AuthError::new(
                ErrorKind::ResourceNotFoundException,
                format!("User pool client {client_id} does not exist."),
            ));
        }
        Ok(())
    }

    pub(crate) async fn get_user(&self, username: &str) -> AuthResult<Option<User>> {
        let item = self
            .store
            .get(USERS_TABLE, &Key::with_sort(self.pool_id(), username))
            .await?;
        Ok(item.and_then(|i| serde_json::from_value(Value::Object(i)).ok()))
    }

    /// The user a sign-in name designates: an email or phone alias, or the username.
    pub async fn find_user(&self, name: &str) -> AuthResult<Option<User>> {
        let name = name.trim();
        if name.is_empty() {
            return Ok(None);
        }
        let lower = name.to_lowercase();
        let alias = if self.config.email_login && lower.contains('@') {
            Some(format!("email:{lower}"))
        } else if self.config.phone_login && name.starts_with('+') {
            Some(format!("phone_number:{name}"))
        } else {
            None
        };
        if let Some(alias) = alias
            && let Some(item) = self
                .store
                .get(
                    ALIASES_TABLE,
                    &Key::with_sort(self.pool_id(), alias.as_str()),
                )
                .await?
            && let Some(username) = item.get("username").and_then(Value::as_str)
        {
            return self.get_user(username).await;
        }
        self.get_user(&lower).await
    }

    /// A user by `sub`.
    pub async fn find_user_by_sub(&self, sub: &str) -> AuthResult<Option<User>> {
        let page = self
            .store
            .query(
                USERS_TABLE,
                &Query::new(format!("{}#{sub}", self.pool_id()))
                    .index("bySub")
                    .limit(1),
            )
            .await?;
        Ok(page
            .items
            .into_iter()
            .next()
            .and_then(|i| serde_json::from_value(Value::Object(i)).ok()))
    }

    pub(crate) fn user_item(&self, user: &User) -> Item {
        let mut item = match serde_json::to_value(user) {
            Ok(Value::Object(m)) => m,
            _ => Item::new(),
        };
        item.insert("pool".into(), self.pool_id().into());
        item.insert(
            "sub_key".into(),
            format!("{}#{}", self.pool_id(), user.sub).into(),
        );
        item
    }

    pub(crate) fn alias_item(&self, alias: &str, username: &str) -> Item {
        let mut item = Item::new();
        item.insert("pool".into(), self.pool_id().into());
        item.insert("alias".into(), alias.into());
        item.insert("username".into(), username.into());
        item
    }

    /// Alias keys of a user's sign-in attributes.
    pub(crate) fn aliases_of(
        &self,
        attributes: &BTreeMap<String, String>,
    ) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if self.config.email_login
            && let Some(e) = attributes.get("email")
        {
            out.push(("email".to_string(), format!("email:{}", e.to_lowercase())));
        }
        if self.config.phone_login
            && let Some(p) = attributes.get("phone_number")
        {
            out.push(("phone_number".to_string(), format!("phone_number:{p}")));
        }
        out
    }

    pub(crate) async fn save_user(&self, user: &User) -> AuthResult<()> {
        self.store
            .put(USERS_TABLE, self.user_item(user), Some(Condition::exists()))
            .await?;
        Ok(())
    }

    // ---- validation --------------------------------------------------------------------

    /// Cognito's password checks: SignUp, ChangePassword, ConfirmForgotPassword.
    pub fn check_password(&self, password: &str) -> AuthResult<()> {
        if password.is_empty() || password.chars().count() > 256 {
            return Err(AuthError::invalid_parameter(
                "1 validation error detected: Value at 'password' failed to satisfy constraint: Member must have length less than or equal to 256",
            ));
        }
        if password.starts_with(char::is_whitespace) || password.ends_with(char::is_whitespace) {
            return Err(AuthError::invalid_parameter(
                "1 validation error detected: Value at 'password' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[\\S]+.*[\\S]+$",
            ));
        }
        let p = &self.config.password_policy;
        let fail = |what: &str| {
            Err(AuthError::new(
                ErrorKind::InvalidPasswordException,
                format!("Password did not conform with policy: {what}"),
            ))
        };
        if password.chars().count() < p.min_length {
            return fail("Password not long enough");
        }
        if p.require_lowercase && !password.chars().any(|c| c.is_lowercase()) {
            return fail("Password must have lowercase characters");
        }
        if p.require_uppercase && !password.chars().any(|c| c.is_uppercase()) {
            return fail("Password must have uppercase characters");
        }
        if p.require_numbers && !password.chars().any(|c| c.is_ascii_digit()) {
            return fail("Password must have numeric characters");
        }
        const SYMBOLS: &str = "^$*.[]{}()?-\"!@#%&/\\,><':;|_~`+= ";
        if p.require_symbols && !password.chars().any(|c| SYMBOLS.contains(c)) {
            return fail("Password must have symbol characters");
        }
        Ok(())
    }

    /// Checks attributes a client writes (SignUp, UpdateUserAttributes).
    pub(crate) fn check_attributes(
        &self,
        attrs: &[(String, String)],
        updating: Option<&User>,
    ) -> AuthResult<()> {
        for (name, value) in attrs {
            if matches!(
                name.as_str(),
                "sub" | "email_verified" | "phone_number_verified" | "cognito:username"
            ) {
                return Err(AuthError::not_authorized(
                    "A client attempted to write unauthorized attribute",
                ));
            }
            let Some(spec) = self.config.spec(name) else {
                return Err(AuthError::invalid_parameter(format!(
                    "Attributes did not conform to the schema: Type for attribute {{{name}}} could not be determined"
                )));
            };
            if let Some(user) = updating
                && !spec.mutable
                && user.attributes.get(name).is_some_and(|old| old != value)
            {
                return Err(AuthError::invalid_parameter(format!(
                    "Cannot modify an already provided immutable attribute: {name}"
                )));
            }
            let len = value.chars().count();
            if len > 2048 {
                return Err(AuthError::invalid_parameter(format!(
                    "Attributes did not conform to the schema: {name}: String must be no longer than 2048 characters"
                )));
            }
            if spec.min_len.is_some_and(|m| len < m) || spec.max_len.is_some_and(|m| len > m) {
                return Err(AuthError::invalid_parameter(format!(
                    "{name}: String must be between {} and {} characters",
                    spec.min_len.unwrap_or(0),
                    spec.max_len.unwrap_or(2048)
                )));
            }
            match spec.data_type.as_str() {
                "Number" => {
                    let n: f64 = value.parse().map_err(|_| {
                        AuthError::invalid_parameter(format!(
                            "{name}: Number must be a valid number"
                        ))
                    })?;
                    if spec.min.is_some_and(|m| n < m) || spec.max.is_some_and(|m| n > m) {
                        return Err(AuthError::invalid_parameter(format!(
                            "{name}: Number must be within range {} and {}",
                            spec.min.unwrap_or(f64::MIN),
                            spec.max.unwrap_or(f64::MAX)
                        )));
                    }
                }
                "Boolean" if !matches!(value.as_str(), "true" | "false" | "0" | "1") => {
                    return Err(AuthError::invalid_parameter(format!(
                        "{name}: Boolean must be true or false"
                    )));
                }
                _ => {}
            }
            if name == "email" && !valid_email(value) {
                return Err(AuthError::invalid_parameter(
                    "Invalid email address format.",
                ));
            }
            if name == "phone_number" && !valid_phone(value) {
                return Err(AuthError::invalid_parameter("Invalid phone number format."));
            }
        }
        Ok(())
    }

    // ---- codes -------------------------------------------------------------------------

    fn code_key(username: &str, purpose: &str) -> String {
        format!("{username}#{purpose}")
    }

    /// Creates (replacing any earlier one) and delivers a code.
    pub(crate) async fn send_code(
        &self,
        user: &User,
        purpose: &str,
        attribute: &str,
        ttl: i64,
    ) -> AuthResult<CodeDeliveryDetails> {
        let destination = user.attributes.get(attribute).cloned().ok_or_else(|| {
            AuthError::invalid_parameter(format!("No {attribute} found for user"))
        })?;
        let code = crypto::six_digit_code();
        let record = CodeRecord {
            pool: self.pool_id().to_string(),
            code_key: Self::code_key(&user.username, &code_purpose_key(purpose, attribute)),
            code_hash: crypto::sha256_hex(code.as_bytes()),
            expires: self.now() + ttl,
            attempts: 0,
            attribute: Some(attribute.to_string()),
            value: Some(destination.clone()),
        };
        let Ok(Value::Object(item)) = serde_json::to_value(&record) else {
            return Err(AuthError::internal("code record"));
        };
        self.store.put(CODES_TABLE, item, None).await?;
        let (subject, body) = if attribute == "email" {
            (
                Some(self.config.email_subject.replace("{####}", &code)),
                self.config
                    .email_body
                    .replace("{####}", &code)
                    .replace("{username}", &user.username),
            )
        } else {
            (
                None,
                self.config
                    .sms_message
                    .replace("{####}", &code)
                    .replace("{username}", &user.username),
            )
        };
        self.deliver_message(user, purpose, attribute, subject, body, &code)
            .await
    }

    /// Delivers one message about `user` to its `attribute` (email or phone number) and
    /// returns the masked delivery details.
    pub(crate) async fn deliver_message(
        &self,
        user: &User,
        purpose: &str,
        attribute: &str,
        subject: Option<String>,
        body: String,
        code: &str,
    ) -> AuthResult<CodeDeliveryDetails> {
        let destination = user.attributes.get(attribute).cloned().unwrap_or_default();
        let medium = if attribute == "email" { "EMAIL" } else { "SMS" };
        let subject = if attribute == "email" { subject } else { None };
        let now_ms = self.now_ms();
        let now_us = now_ms * 1000;
        let prev = self
            .last_message
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |last| {
                Some(now_us.max(last + 1))
            })
            .unwrap_or(now_us);
        let id_us = now_us.max(prev + 1);
        let message = Message {
            id: format!("{id_us:016}-{}", &crypto::opaque_token(6)),
            created_at: chrono::DateTime::from_timestamp_millis(now_ms)
                .unwrap_or_default()
                .to_rfc3339(),
            user_pool_id: self.pool_id().to_string(),
            username: user.username.clone(),
            delivery_medium: medium.to_string(),
            attribute_name: attribute.to_string(),
            destination: destination.clone(),
            purpose: purpose.to_string(),
            subject,
            body,
            code: code.to_string(),
        };
        self.delivery.deliver(&message).await?;
        Ok(CodeDeliveryDetails {
            destination: mask(&destination),
            delivery_medium: medium.to_string(),
            attribute_name: attribute.to_string(),
        })
    }

    /// Checks a code and, when it matches, consumes it (exactly once, even under races).
    async fn consume_code(
        &self,
        username: &str,
        purpose_key: &str,
        code: &str,
    ) -> AuthResult<CodeRecord> {
        let key = Key::with_sort(
            self.pool_id(),
            Self::code_key(username, purpose_key).as_str(),
        );
        let Some(item) = self.store.get(CODES_TABLE, &key).await? else {
            return Err(AuthError::code_mismatch());
        };
        let record: CodeRecord =
            serde_json::from_value(Value::Object(item)).map_err(AuthError::internal)?;
        if record.expires < self.now() {
            self.store.delete(CODES_TABLE, key, None).await?;
            return Err(AuthError::expired_code());
        }
        if record.attempts >= CODE_ATTEMPTS {
            return Err(AuthError::new(
                ErrorKind::LimitExceededException,
                "Attempt limit exceeded, please try after some time.",
            ));
        }
        let given = crypto::sha256_hex(code.trim().as_bytes());
        if !crypto::ct_eq(given.as_bytes(), record.code_hash.as_bytes()) {
            let _ = self
                .store
                .update(
                    CODES_TABLE,
                    key,
                    Changes::new().set("attempts", record.attempts + 1),
                    Some(Condition::exists()),
                )
                .await;
            return Err(AuthError::code_mismatch());
        }
        let hash = record.code_hash.clone();
        let cond = Condition::new(move |item| {
            item.and_then(|i| i.get("code_hash"))
                .and_then(Value::as_str)
                == Some(hash.as_str())
        });
        match self.store.delete(CODES_TABLE, key, Some(cond)).await {
            Ok(_) => Ok(record),
            Err(StoreError::ConditionFailed) => Err(AuthError::code_mismatch()),
            Err(e) => Err(e.into()),
        }
    }

    // ---- sign-up -----------------------------------------------------------------------

    /// `SignUp`.
    pub async fn sign_up(
        &self,
        client_id: &str,
        username: &str,
        password: &str,
        attributes: &[(String, String)],
    ) -> AuthResult<SignUpResult> {
        self.check_client(client_id)?;
        let username = username.trim();
        if username.is_empty() {
            return Err(AuthError::invalid_parameter(
                "1 validation error detected: Value at 'username' failed to satisfy constraint: Member must have length greater than or equal to 1",
            ));
        }
        let passwordless = password.is_empty();
        if passwordless && !(self.config.email_otp_login || self.config.sms_otp_login) {
            return Err(AuthError::invalid_parameter("Password cannot be empty"));
        }
        let mut attrs: BTreeMap<String, String> = BTreeMap::new();
        for (k, v) in attributes {
            attrs.insert(k.clone(), v.clone());
        }
        let is_email = username.contains('@');
        let is_phone = username.starts_with('+');
        let (internal, sub, verify_attr) = if self.config.username_login() {
            if !valid_username(username) {
                return Err(AuthError::invalid_parameter(
                    "1 validation error detected: Value at 'username' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+",
                ));
            }
            let attr = if attrs.contains_key("email") {
                Some("email")
            } else if attrs.contains_key("phone_number") {
                Some("phone_number")
            } else {
                None
            };
            (
                username.to_lowercase(),
                uuid::Uuid::new_v4().to_string(),
                attr,
            )
        } else {
            if self.config.email_login && is_email {
                attrs.insert("email".into(), username.to_string());
            } else if self.config.phone_login && is_phone {
                attrs.insert("phone_number".into(), username.to_string());
            } else {
                let msg = match (self.config.email_login, self.config.phone_login) {
                    (true, true) => "Username should be either an email or a phone number.",
                    (true, false) => "Username should be an email.",
                    _ => "Username should be a phone number.",
                };
                return Err(AuthError::invalid_parameter(msg));
            }
            let sub = uuid::Uuid::new_v4().to_string();
            let attr = if is_email { "email" } else { "phone_number" };
            (sub.clone(), sub, Some(attr))
        };
        let list: Vec<(String, String)> =
            attrs.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        self.check_attributes(&list, None)?;
        for (name, spec) in &self.config.attributes {
            if spec.required && !attrs.contains_key(name) {
                return Err(AuthError::invalid_parameter(format!(
                    "Attributes did not conform to the schema: {name}: The attribute is required"
                )));
            }
        }
        if !passwordless {
            self.check_password(password)?;
        }
        if attrs.contains_key("email") {
            attrs.insert("email_verified".into(), "false".into());
        }
        if attrs.contains_key("phone_number") {
            attrs.insert("phone_number_verified".into(), "false".into());
        }
        // A passwordless user has no verifier: password sign-in always fails.
        let (salt, verifier) = if passwordless {
            (String::new(), String::new())
        } else {
            let (salt, v) = srp::make_verifier(self.config.pool_name(), &internal, password);
            (salt.to_str_radix(16), v.to_str_radix(16))
        };
        let now = self.now_ms();
        let user = User {
            username: internal.clone(),
            sub: sub.clone(),
            status: "UNCONFIRMED".into(),
            enabled: true,
            attributes: attrs,
            groups: Vec::new(),
            created: now,
            modified: now,
            srp_salt: salt,
            srp_verifier: verifier,
            password_hash: String::new(),
            failed_attempts: 0,
            locked_until: 0,
            totp_secret: String::new(),
            totp_pending: String::new(),
            totp_last_step: 0,
            mfa_enabled: Vec::new(),
            mfa_preferred: None,
            temp_expires: 0,
        };
        let aliases = self.aliases_of(&user.attributes);
        let mut ops = vec![WriteOp::Put {
            table: USERS_TABLE.into(),
            item: self.user_item(&user),
            condition: Some(Condition::not_exists()),
        }];
        for (_, alias) in &aliases {
            ops.push(WriteOp::Put {
                table: ALIASES_TABLE.into(),
                item: self.alias_item(alias, &internal),
                condition: Some(Condition::not_exists()),
            });
        }
        match self.store.transact(ops).await {
            Ok(_) => {}
            Err(StoreError::TransactionCanceled { index, reason })
                if matches!(*reason, StoreError::ConditionFailed) =>
            {
                return Err(if index == 0 {
                    AuthError::new(ErrorKind::UsernameExistsException, "User already exists")
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
            Err(e) => return Err(bad_store(e)),
        }
        let code_delivery = match verify_attr {
            Some(attr) => Some(
                self.send_code(&user, SIGN_UP, attr, self.config.code_seconds)
                    .await?,
            ),
            None => None,
        };
        Ok(SignUpResult {
            user_sub: sub,
            user_confirmed: false,
            code_delivery,
        })
    }

    async fn user_for_code_flow(&self, client_id: &str, username: &str) -> AuthResult<User> {
        self.check_client(client_id)?;
        self.find_user(username).await?.ok_or_else(|| {
            AuthError::new(
                ErrorKind::UserNotFoundException,
                "Username/client id combination not found.",
            )
        })
    }

    /// `ConfirmSignUp`.
    pub async fn confirm_sign_up(
        &self,
        client_id: &str,
        username: &str,
        code: &str,
    ) -> AuthResult<()> {
        self.confirm_sign_up_with_session(client_id, username, code)
            .await
            .map(|_| ())
    }

    /// `ConfirmSignUp`, returning the `Session` with which `USER_AUTH` signs the new user in
    /// without asking again (auto sign-in).
    pub async fn confirm_sign_up_with_session(
        &self,
        client_id: &str,
        username: &str,
        code: &str,
    ) -> AuthResult<String> {
        let mut user = self.user_for_code_flow(client_id, username).await?;
        if user.status != "UNCONFIRMED" {
            return Err(AuthError::not_authorized(format!(
                "User cannot be confirmed. Current status is {}",
                user.status
            )));
        }
        let record = self.consume_code(&user.username, SIGN_UP, code).await?;
        user.status = "CONFIRMED".into();
        if let Some(attr) = record.attribute {
            user.attributes
                .insert(format!("{attr}_verified"), "true".into());
        }
        user.modified = self.now_ms();
        self.save_user(&user).await?;
        Ok(self.seal_session(
            "SIGN_UP_CONFIRMED",
            &user.username,
            self.now() + self.config.session_seconds,
        ))
    }

    /// `ResendConfirmationCode`.
    pub async fn resend_confirmation_code(
        &self,
        client_id: &str,
        username: &str,
    ) -> AuthResult<CodeDeliveryDetails> {
        let user = self.user_for_code_flow(client_id, username).await?;
        if user.status != "UNCONFIRMED" {
            return Err(AuthError::invalid_parameter("User is already confirmed."));
        }
        let attr = if user.attributes.contains_key("email") {
            "email"
        } else {
            "phone_number"
        };
        self.send_code(&user, SIGN_UP, attr, self.config.code_seconds)
            .await
    }

    // ---- sign-in -----------------------------------------------------------------------

    fn locked(&self, user: &User) -> bool {
        user.locked_until > self.now()
    }

    fn password_attempts_exceeded() -> AuthError {
        AuthError::not_authorized("Password attempts exceeded")
    }

    /// Counts a wrong password; from the sixth in a row the account is locked for 1 s, 2 s,
    /// 4 s, … up to 15 minutes (Cognito's temporary lockout).
    async fn record_failure(&self, user: &User) -> AuthResult<()> {
        let attempts = user.failed_attempts + 1;
        let mut changes = Changes::new().set("failed_attempts", attempts);
        if attempts >= FREE_ATTEMPTS {
            let exp = (attempts - FREE_ATTEMPTS).min(20);
            let lock = (1i64 << exp).min(MAX_LOCKOUT_SECONDS);
            changes = changes.set("locked_until", self.now() + lock);
        }
        let _ = self
            .store
            .update(
                USERS_TABLE,
                Key::with_sort(self.pool_id(), user.username.as_str()),
                changes,
                Some(Condition::exists()),
            )
            .await;
        Ok(())
    }

    async fn record_success(&self, user: &User) -> AuthResult<()> {
        if user.failed_attempts == 0 && user.locked_until == 0 {
            return Ok(());
        }
        let changes = Changes::new()
            .set("failed_attempts", 0)
            .set("locked_until", 0);
        self.store
            .update(
                USERS_TABLE,
                Key::with_sort(self.pool_id(), user.username.as_str()),
                changes,
                Some(Condition::exists()),
            )
            .await?;
        Ok(())
    }

    /// Whether `password` is the user's: `g^x mod N` recomputed from the stored salt and
    /// compared with the stored SRP verifier in constant time. The verifier is what Cognito
    /// keeps; an Argon2id hash beside it added nothing at rest while costing ~13 ms per
    /// sign-in, so only users stored before it was dropped still have one, and it is checked
    /// when they have no verifier.
    pub(crate) async fn password_matches(&self, user: &User, password: &str) -> AuthResult<bool> {
        if !user.srp_verifier.is_empty() {
            let salt = BigUint::parse_bytes(user.srp_salt.as_bytes(), 16)
                .ok_or_else(|| AuthError::internal("stored salt"))?;
            let stored = BigUint::parse_bytes(user.srp_verifier.as_bytes(), 16)
                .ok_or_else(|| AuthError::internal("stored verifier"))?;
            let computed = srp::verifier(&salt, self.config.pool_name(), &user.username, password);
            return Ok(crypto::ct_eq(
                &computed.to_bytes_be(),
                &stored.to_bytes_be(),
            ));
        }
        if user.password_hash.is_empty() {
            return Ok(false);
        }
        let (p, h) = (password.to_string(), user.password_hash.clone());
        tokio::task::spawn_blocking(move || crypto::verify_password(&p, &h))
            .await
            .map_err(AuthError::internal)
    }

    /// After the password is proven: the account's state decides what follows.
    pub(crate) async fn after_password(
        &self,
        user: &User,
        client_id: &str,
    ) -> AuthResult<AuthStep> {
        self.record_success(user).await?;
        if !user.enabled {
            return Err(AuthError::not_authorized("User is disabled."));
        }
        match user.status.as_str() {
            "UNCONFIRMED" => {
                return Err(AuthError::new(
                    ErrorKind::UserNotConfirmedException,
                    "User is not confirmed.",
                ));
            }
            "RESET_REQUIRED" => {
                return Err(AuthError::new(
                    ErrorKind::PasswordResetRequiredException,
                    "Password reset required for the user",
                ));
            }
            "FORCE_CHANGE_PASSWORD" => {
                if user.temp_expires != 0 && user.temp_expires < self.now() {
                    return Err(AuthError::not_authorized(
                        "Temporary password has expired and must be reset by an administrator.",
                    ));
                }
                let attrs: BTreeMap<&String, &String> = user
                    .attributes
                    .iter()
                    .filter(|(k, _)| !k.ends_with("_verified"))
                    .collect();
                let missing: Vec<String> = self
                    .config
                    .attributes
                    .iter()
                    .filter(|(name, spec)| spec.required && !user.attributes.contains_key(*name))
                    .map(|(name, _)| format!("userAttributes.{name}"))
                    .collect();
                let params = BTreeMap::from([
                    ("userAttributes".to_string(), json!(attrs).to_string()),
                    ("requiredAttributes".to_string(), json!(missing).to_string()),
                ]);
                return Ok(self.challenge("NEW_PASSWORD_REQUIRED", user, params));
            }
            _ => {}
        }
        if let Some(step) = self.mfa_step(user).await? {
            return Ok(step);
        }
        let result = self.issue_new_session(user, client_id).await?;
        Ok(AuthStep::Authenticated(result))
    }

    /// `InitiateAuth`.
    pub async fn initiate_auth(
        &self,
        client_id: &str,
        flow: &str,
        params: &BTreeMap<String, String>,
    ) -> AuthResult<AuthStep> {
        self.initiate_auth_with_session(client_id, flow, params, None)
            .await
    }

    /// `InitiateAuth` with its optional `Session` (`USER_AUTH` right after `ConfirmSignUp`).
    pub async fn initiate_auth_with_session(
        &self,
        client_id: &str,
        flow: &str,
        params: &BTreeMap<String, String>,
        session: Option<&str>,
    ) -> AuthResult<AuthStep> {
        self.check_client(client_id)?;
        let param = |k: &str| params.get(k).map(String::as_str).filter(|v| !v.is_empty());
        match flow {
            "USER_SRP_AUTH" => {
                let username = param("USERNAME").ok_or_else(|| AuthError::missing("USERNAME"))?;
                let a_hex = param("SRP_A").ok_or_else(|| AuthError::missing("SRP_A"))?;
                let a = BigUint::parse_bytes(a_hex.as_bytes(), 16)
                    .filter(|a| !(a % &*srp::N).is_zero_big())
                    .ok_or_else(|| AuthError::invalid_parameter("Invalid SRP_A value."))?;
                self.srp_challenge(username, &a).await
            }
            "USER_PASSWORD_AUTH" => {
                let username = param("USERNAME").ok_or_else(|| AuthError::missing("USERNAME"))?;
                let password = param("PASSWORD").ok_or_else(|| AuthError::missing("PASSWORD"))?;
                let Some(user) = self.find_user(username).await? else {
                    return Err(AuthError::incorrect_credentials());
                };
                if self.locked(&user) {
                    return Err(Self::password_attempts_exceeded());
                }
                let ok = self.password_matches(&user, password).await?;
                if !ok {
                    self.record_failure(&user).await?;
                    return Err(AuthError::incorrect_credentials());
                }
                self.after_password(&user, client_id).await
            }
            "USER_AUTH" => {
                let username = param("USERNAME").ok_or_else(|| AuthError::missing("USERNAME"))?;
                self.user_auth(client_id, username, params, session).await
            }
            "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" => {
                let token =
                    param("REFRESH_TOKEN").ok_or_else(|| AuthError::missing("REFRESH_TOKEN"))?;
                Ok(AuthStep::Authenticated(
                    self.refresh(client_id, token).await?,
                ))
            }
            "" => Err(AuthError::invalid_parameter(
                "1 validation error detected: Value null at 'authFlow' failed to satisfy constraint: Member must not be null",
            )),
            "CUSTOM_AUTH" | "ADMIN_NO_SRP_AUTH" | "ADMIN_USER_PASSWORD_AUTH" => Err(
                AuthError::invalid_parameter("Initiate Auth method not supported."),
            ),
            other => Err(AuthError::invalid_parameter(format!(
                "1 validation error detected: Value '{other}' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set: [USER_SRP_AUTH, REFRESH_TOKEN_AUTH, REFRESH_TOKEN, CUSTOM_AUTH, ADMIN_NO_SRP_AUTH, USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, USER_AUTH]"
            ))),
        }
    }

    async fn srp_challenge(&self, username: &str, a: &BigUint) -> AuthResult<AuthStep> {
        let user = self.find_user(username).await?;
        // An unknown user (or one without a password) gets a challenge that looks like a real
        // one (stable salt per name),
        // so that sign-in does not reveal which users exist; the answer always fails.
        let (user_id, salt_hex, v) = match user.as_ref().filter(|u| !u.srp_verifier.is_empty()) {
            Some(u) => (
                u.username.clone(),
                u.srp_salt.clone(),
                BigUint::parse_bytes(u.srp_verifier.as_bytes(), 16)
                    .ok_or_else(|| AuthError::internal("stored verifier"))?,
            ),
            None => {
                let seed = crypto::sha256_hex(
                    format!("{}\0fake\0{}", self.pool_id(), username.to_lowercase()).as_bytes(),
                );
                let fake_v = BigUint::from_bytes_be(&crypto::random_bytes(64));
                (
                    String::new(),
                    seed[..32].trim_start_matches('0').to_string(),
                    fake_v,
                )
            }
        };
        let (b, b_pub) = srp::server_ephemeral(&v);
        let exp = self.now() + self.config.session_seconds;
        let state = SrpState {
            u: user_id.clone(),
            b: b.to_str_radix(16),
            bb: b_pub.to_str_radix(16),
            a: a.to_str_radix(16),
            exp,
        };
        let secret_block = self.sealer.seal_b64(
            "srp",
            &serde_json::to_vec(&state).map_err(AuthError::internal)?,
        );
        let display = if user_id.is_empty() {
            username.to_string()
        } else {
            user_id.clone()
        };
        let session = self.seal_session("PASSWORD_VERIFIER", &display, exp);
        let mut parameters = BTreeMap::new();
        parameters.insert("SALT".to_string(), salt_hex);
        parameters.insert("SRP_B".to_string(), b_pub.to_str_radix(16));
        parameters.insert("SECRET_BLOCK".to_string(), secret_block);
        parameters.insert("USER_ID_FOR_SRP".to_string(), display.clone());
        parameters.insert("USERNAME".to_string(), display);
        Ok(AuthStep::Challenge {
            name: "PASSWORD_VERIFIER".into(),
            parameters,
            session,
        })
    }

    pub(crate) fn seal_session(&self, challenge: &str, username: &str, exp: i64) -> String {
        let state = SessionState {
            c: challenge.into(),
            u: username.into(),
            exp,
        };
        self.sealer
            .seal_b64("session", &serde_json::to_vec(&state).unwrap_or_default())
    }

    pub(crate) fn open_session(&self, session: &str, challenge: &str) -> AuthResult<SessionState> {
        let state: SessionState = self
            .sealer
            .open_b64("session", session)
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or_else(|| AuthError::not_authorized("Invalid session for the user."))?;
        if state.c != challenge {
            return Err(AuthError::not_authorized("Invalid session for the user."));
        }
        if state.exp < self.now() {
            return Err(AuthError::not_authorized(
                "Invalid session for the user, session is expired.",
            ));
        }
        Ok(state)
    }

    /// `RespondToAuthChallenge`.
    pub async fn respond_to_auth_challenge(
        &self,
        client_id: &str,
        challenge: &str,
        responses: &BTreeMap<String, String>,
        session: Option<&str>,
    ) -> AuthResult<AuthStep> {
        self.check_client(client_id)?;
        let resp = |k: &str| {
            responses
                .get(k)
                .map(String::as_str)
                .filter(|v| !v.is_empty())
        };
        match challenge {
            "PASSWORD_VERIFIER" => {
                let block = resp("PASSWORD_CLAIM_SECRET_BLOCK")
                    .ok_or_else(|| AuthError::missing("PASSWORD_CLAIM_SECRET_BLOCK"))?;
                let signature = resp("PASSWORD_CLAIM_SIGNATURE")
                    .ok_or_else(|| AuthError::missing("PASSWORD_CLAIM_SIGNATURE"))?;
                let timestamp = resp("TIMESTAMP").ok_or_else(|| AuthError::missing("TIMESTAMP"))?;
                resp("USERNAME").ok_or_else(|| AuthError::missing("USERNAME"))?;
                if let Some(session) = session.filter(|s| !s.is_empty()) {
                    self.open_session(session, "PASSWORD_VERIFIER")?;
                }
                let state: SrpState = self
                    .sealer
                    .open_b64("srp", block)
                    .and_then(|b| serde_json::from_slice(&b).ok())
                    .ok_or_else(AuthError::incorrect_credentials)?;
                if state.exp < self.now() {
                    return Err(AuthError::not_authorized(
                        "Invalid session for the user, session is expired.",
                    ));
                }
                let ts = srp::parse_timestamp(timestamp)
                    .ok_or_else(|| AuthError::invalid_parameter("Invalid TIMESTAMP value."))?;
                if (ts - self.now()).abs() > TIMESTAMP_SKEW_SECONDS {
                    return Err(AuthError::incorrect_credentials());
                }
                if state.u.is_empty() {
                    return Err(AuthError::incorrect_credentials());
                }
                let Some(user) = self.get_user(&state.u).await? else {
                    return Err(AuthError::incorrect_credentials());
                };
                if self.locked(&user) {
                    return Err(Self::password_attempts_exceeded());
                }
                let parse = |s: &str| BigUint::parse_bytes(s.as_bytes(), 16);
                let (Some(v), Some(b), Some(b_pub), Some(a_pub)) = (
                    parse(&user.srp_verifier),
                    parse(&state.b),
                    parse(&state.bb),
                    parse(&state.a),
                ) else {
                    return Err(AuthError::internal("SRP state"));
                };
                let given = crypto::decode_b64_any(signature).unwrap_or_default();
                let block_bytes = crypto::decode_b64_any(block).unwrap_or_default();
                let expected = srp::server_session_key(&a_pub, &b_pub, &b, &v).map(|key| {
                    srp::claim_signature(
                        &key,
                        self.config.pool_name(),
                        &user.username,
                        &block_bytes,
                        timestamp,
                    )
                });
                if !expected.is_some_and(|e| crypto::ct_eq(&e, &given)) {
                    self.record_failure(&user).await?;
                    return Err(AuthError::incorrect_credentials());
                }
                self.after_password(&user, client_id).await
            }
            "SELECT_CHALLENGE" => {
                let session = session
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| AuthError::missing("Session"))?;
                let state = self.open_session(session, "SELECT_CHALLENGE")?;
                let answer = resp("ANSWER").ok_or_else(|| AuthError::missing("ANSWER"))?;
                let Some(user) = self.get_user(&state.u).await? else {
                    return Err(AuthError::not_authorized("Invalid session for the user."));
                };
                self.user_auth_challenge(client_id, &user, answer, responses)
                    .await
            }
            "NEW_PASSWORD_REQUIRED" => {
                let session = session
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| AuthError::missing("Session"))?;
                let state = self.open_session(session, "NEW_PASSWORD_REQUIRED")?;
                let password =
                    resp("NEW_PASSWORD").ok_or_else(|| AuthError::missing("NEW_PASSWORD"))?;
                let Some(mut user) = self.get_user(&state.u).await? else {
                    return Err(AuthError::not_authorized("Invalid session for the user."));
                };
                if user.status != "FORCE_CHANGE_PASSWORD" {
                    return Err(AuthError::not_authorized("Invalid session for the user."));
                }
                let attrs: Vec<(String, String)> = responses
                    .iter()
                    .filter_map(|(k, v)| {
                        k.strip_prefix("userAttributes.")
                            .map(|n| (n.to_string(), v.clone()))
                    })
                    .collect();
                self.check_attributes(&attrs, Some(&user))?;
                for (name, spec) in &self.config.attributes {
                    if spec.required
                        && !user.attributes.contains_key(name)
                        && !attrs.iter().any(|(n, _)| n == name)
                    {
                        return Err(AuthError::invalid_parameter(format!(
                            "Attributes did not conform to the schema: {name}: The attribute is required"
                        )));
                    }
                }
                self.check_password(password)?;
                for (n, v) in attrs {
                    user.attributes.insert(n, v);
                }
                self.set_password(&mut user, password).await?;
                user.status = "CONFIRMED".into();
                user.temp_expires = 0;
                self.save_user(&user).await?;
                self.after_password(&user, client_id).await
            }
            "SOFTWARE_TOKEN_MFA" | "EMAIL_OTP" | "SMS_MFA" | "SMS_OTP" | "MFA_SETUP"
            | "SELECT_MFA_TYPE" => {
                self.respond_mfa(client_id, challenge, responses, session)
                    .await
            }
            "" => Err(AuthError::invalid_parameter(
                "1 validation error detected: Value null at 'challengeName' failed to satisfy constraint: Member must not be null",
            )),
            other => Err(AuthError::invalid_parameter(format!(
                "Challenge {other} is not supported."
            ))),
        }
    }

    // ---- USER_AUTH (choice-based and passwordless sign-in) ------------------------------

    /// The first factors `user` may sign in with through `USER_AUTH`.
    pub fn available_challenges(&self, user: &User) -> Vec<String> {
        let mut out = Vec::new();
        let verified = |a: &str| {
            user.attributes
                .get(&format!("{a}_verified"))
                .is_some_and(|v| v == "true")
        };
        if self.config.email_otp_login && verified("email") {
            out.push("EMAIL_OTP".to_string());
        }
        if self.config.sms_otp_login && verified("phone_number") {
            out.push("SMS_OTP".to_string());
        }
        if !user.srp_verifier.is_empty() {
            out.push("PASSWORD".to_string());
            out.push("PASSWORD_SRP".to_string());
        }
        out
    }

    async fn user_auth(
        &self,
        client_id: &str,
        username: &str,
        params: &BTreeMap<String, String>,
        session: Option<&str>,
    ) -> AuthResult<AuthStep> {
        let Some(user) = self.find_user(username).await? else {
            return Err(AuthError::incorrect_credentials());
        };
        // Right after ConfirmSignUp: the confirmation was the proof.
        if let Some(session) = session.filter(|s| !s.is_empty()) {
            let state = self.open_session(session, "SIGN_UP_CONFIRMED")?;
            if state.u != user.username {
                return Err(AuthError::not_authorized("Invalid session for the user."));
            }
            if !user.enabled {
                return Err(AuthError::not_authorized("User is disabled."));
            }
            return Ok(AuthStep::Authenticated(
                self.issue_new_session(&user, client_id).await?,
            ));
        }
        let available = self.available_challenges(&user);
        match params.get("PREFERRED_CHALLENGE").map(String::as_str) {
            Some(p) if available.iter().any(|a| a == p) => {
                self.user_auth_challenge(client_id, &user, p, params).await
            }
            _ => {
                let exp = self.now() + self.config.session_seconds;
                Ok(AuthStep::SelectChallenge {
                    available,
                    session: self.seal_session("SELECT_CHALLENGE", &user.username, exp),
                })
            }
        }
    }

    /// Starts the first factor `answer` (`PREFERRED_CHALLENGE` or the `SELECT_CHALLENGE` answer).
    async fn user_auth_challenge(
        &self,
        client_id: &str,
        user: &User,
        answer: &str,
        params: &BTreeMap<String, String>,
    ) -> AuthResult<AuthStep> {
        if !self.available_challenges(user).iter().any(|a| a == answer) {
            return Err(AuthError::invalid_parameter(format!(
                "{answer} is not an available challenge for the user."
            )));
        }
        let param = |k: &str| params.get(k).map(String::as_str).filter(|v| !v.is_empty());
        match answer {
            "PASSWORD" => {
                let password = param("PASSWORD").ok_or_else(|| AuthError::missing("PASSWORD"))?;
                if self.locked(user) {
                    return Err(Self::password_attempts_exceeded());
                }
                let ok = self.password_matches(user, password).await?;
                if !ok {
                    self.record_failure(user).await?;
                    return Err(AuthError::incorrect_credentials());
                }
                self.after_password(user, client_id).await
            }
            "PASSWORD_SRP" => {
                let a_hex = param("SRP_A").ok_or_else(|| AuthError::missing("SRP_A"))?;
                let a = BigUint::parse_bytes(a_hex.as_bytes(), 16)
                    .filter(|a| !(a % &*srp::N).is_zero_big())
                    .ok_or_else(|| AuthError::invalid_parameter("Invalid SRP_A value."))?;
                self.srp_challenge(&user.username, &a).await
            }
            "EMAIL_OTP" | "SMS_OTP" => {
                let attr = if answer == "EMAIL_OTP" {
                    "email"
                } else {
                    "phone_number"
                };
                let d = self
                    .send_code(user, OTP_LOGIN, attr, self.config.session_seconds)
                    .await?;
                let params = BTreeMap::from([
                    (
                        "CODE_DELIVERY_DELIVERY_MEDIUM".to_string(),
                        d.delivery_medium,
                    ),
                    ("CODE_DELIVERY_DESTINATION".to_string(), d.destination),
                ]);
                let AuthStep::Challenge { parameters, .. } = self.challenge(answer, user, params)
                else {
                    unreachable!()
                };
                let exp = self.now() + self.config.session_seconds;
                Ok(AuthStep::Challenge {
                    name: answer.to_string(),
                    parameters,
                    session: self.seal_session(&format!("{answer}_LOGIN"), &user.username, exp),
                })
            }
            other => Err(AuthError::invalid_parameter(format!(
                "{other} is not supported."
            ))),
        }
    }

    // ---- MFA ---------------------------------------------------------------------------

    fn mfa_allowed(&self, method: &str) -> bool {
        match method {
            "SOFTWARE_TOKEN_MFA" => self.config.mfa_totp,
            "EMAIL_OTP" => self.config.mfa_email,
            "SMS_MFA" => self.config.mfa_sms,
            _ => false,
        }
    }

    pub(crate) fn challenge(
        &self,
        name: &str,
        user: &User,
        mut parameters: BTreeMap<String, String>,
    ) -> AuthStep {
        let exp = self.now() + self.config.session_seconds;
        parameters.insert("USER_ID_FOR_SRP".into(), user.username.clone());
        parameters.insert("USERNAME".into(), user.username.clone());
        AuthStep::Challenge {
            name: name.into(),
            parameters,
            session: self.seal_session(name, &user.username, exp),
        }
    }

    /// The MFA challenge that follows a proven password, if any.
    pub(crate) async fn mfa_step(&self, user: &User) -> AuthResult<Option<AuthStep>> {
        if !self.config.mfa_on() {
            return Ok(None);
        }
        let enabled: Vec<&str> = user
            .mfa_enabled
            .iter()
            .map(String::as_str)
            .filter(|m| self.mfa_allowed(m))
            .collect();
        if enabled.is_empty() {
            if self.config.mfa_mode != "REQUIRED" {
                return Ok(None);
            }
            let can: Vec<&str> = ["SOFTWARE_TOKEN_MFA", "EMAIL_OTP"]
                .into_iter()
                .filter(|m| self.mfa_allowed(m))
                .collect();
            if can.is_empty() {
                return Err(AuthError::new(
                    ErrorKind::MFAMethodNotFoundException,
                    "No MFA mechanism registerd in the account.",
                ));
            }
            let params = BTreeMap::from([("MFAS_CAN_SETUP".to_string(), json!(can).to_string())]);
            return Ok(Some(self.challenge("MFA_SETUP", user, params)));
        }
        let chosen = match &user.mfa_preferred {
            Some(p) if enabled.contains(&p.as_str()) => p.clone(),
            _ if enabled.len() == 1 => enabled[0].to_string(),
            _ => {
                let params =
                    BTreeMap::from([("MFAS_CAN_CHOOSE".to_string(), json!(enabled).to_string())]);
                return Ok(Some(self.challenge("SELECT_MFA_TYPE", user, params)));
            }
        };
        Ok(Some(self.mfa_challenge(user, &chosen).await?))
    }

    async fn mfa_challenge(&self, user: &User, method: &str) -> AuthResult<AuthStep> {
        match method {
            "SOFTWARE_TOKEN_MFA" => Ok(self.challenge("SOFTWARE_TOKEN_MFA", user, BTreeMap::new())),
            "EMAIL_OTP" | "SMS_MFA" => {
                let attr = if method == "EMAIL_OTP" {
                    "email"
                } else {
                    "phone_number"
                };
                let d = self
                    .send_code(user, MFA_CODE, attr, self.config.session_seconds)
                    .await?;
                let params = BTreeMap::from([
                    (
                        "CODE_DELIVERY_DELIVERY_MEDIUM".to_string(),
                        d.delivery_medium,
                    ),
                    ("CODE_DELIVERY_DESTINATION".to_string(), d.destination),
                ]);
                Ok(self.challenge(method, user, params))
            }
            other => Err(AuthError::invalid_parameter(format!(
                "Invalid MFA type {other}"
            ))),
        }
    }

    async fn respond_mfa(
        &self,
        client_id: &str,
        challenge: &str,
        responses: &BTreeMap<String, String>,
        session: Option<&str>,
    ) -> AuthResult<AuthStep> {
        let session = session
            .filter(|s| !s.is_empty())
            .ok_or_else(|| AuthError::missing("Session"))?;
        let resp = |k: &str| {
            responses
                .get(k)
                .map(String::as_str)
                .filter(|v| !v.is_empty())
        };
        // The session names the challenge it was issued for; MFA_SETUP continues after
        // VerifySoftwareToken (`MFA_SETUP_VERIFIED`) or an email set-up.
        let state: SessionState = self
            .sealer
            .open_b64("session", session)
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or_else(|| AuthError::not_authorized("Invalid session for the user."))?;
        if state.exp < self.now() {
            return Err(AuthError::not_authorized(
                "Invalid session for the user, session is expired.",
            ));
        }
        let expected: &[&str] = match challenge {
            "MFA_SETUP" => &["MFA_SETUP", "MFA_SETUP_VERIFIED"],
            "EMAIL_OTP" => &["EMAIL_OTP", "EMAIL_OTP_SETUP", "EMAIL_OTP_LOGIN"],
            "SMS_OTP" => &["SMS_MFA", "SMS_OTP_LOGIN"],
            other => std::slice::from_ref(match other {
                "SOFTWARE_TOKEN_MFA" => &"SOFTWARE_TOKEN_MFA",
                "SMS_MFA" => &"SMS_MFA",
                _ => &"SELECT_MFA_TYPE",
            }),
        };
        if !expected.contains(&state.c.as_str()) {
            return Err(AuthError::not_authorized("Invalid session for the user."));
        }
        let Some(mut user) = self.get_user(&state.u).await? else {
            return Err(AuthError::not_authorized("Invalid session for the user."));
        };
        if self.locked(&user) {
            return Err(Self::password_attempts_exceeded());
        }
        match (challenge, state.c.as_str()) {
            ("SELECT_MFA_TYPE", _) => {
                let answer = resp("ANSWER").ok_or_else(|| AuthError::missing("ANSWER"))?;
                if !user.mfa_enabled.iter().any(|m| m == answer) || !self.mfa_allowed(answer) {
                    return Err(AuthError::invalid_parameter(format!(
                        "Invalid MFA type {answer}"
                    )));
                }
                self.mfa_challenge(&user, answer).await
            }
            ("SOFTWARE_TOKEN_MFA", _) => {
                let code = resp("SOFTWARE_TOKEN_MFA_CODE")
                    .ok_or_else(|| AuthError::missing("SOFTWARE_TOKEN_MFA_CODE"))?;
                match totp::matching_step(&user.totp_secret, code, self.now()) {
                    Some(step) if step > user.totp_last_step => {
                        self.store
                            .update(
                                USERS_TABLE,
                                Key::with_sort(self.pool_id(), user.username.as_str()),
                                Changes::new().set("totp_last_step", step),
                                Some(Condition::exists()),
                            )
                            .await?;
                        Ok(AuthStep::Authenticated(
                            self.issue_new_session(&user, client_id).await?,
                        ))
                    }
                    _ => {
                        self.record_failure(&user).await?;
                        Err(AuthError::new(
                            ErrorKind::CodeMismatchException,
                            "Invalid code received for user",
                        ))
                    }
                }
            }
            ("EMAIL_OTP" | "SMS_MFA" | "SMS_OTP", c) => {
                let (key, attr) = if challenge == "EMAIL_OTP" {
                    ("EMAIL_OTP_CODE", "email")
                } else if challenge == "SMS_OTP" {
                    ("SMS_OTP_CODE", "phone_number")
                } else {
                    ("SMS_MFA_CODE", "phone_number")
                };
                let code = resp(key).ok_or_else(|| AuthError::missing(key))?;
                let purpose = if c.ends_with("_LOGIN") {
                    OTP_LOGIN
                } else {
                    MFA_CODE
                };
                if let Err(e) = self
                    .consume_code(&user.username, &code_purpose_key(purpose, attr), code)
                    .await
                {
                    if e.kind == ErrorKind::CodeMismatchException {
                        self.record_failure(&user).await?;
                        return Err(AuthError::new(
                            ErrorKind::CodeMismatchException,
                            "Invalid code received for user",
                        ));
                    }
                    return Err(e);
                }
                if c == "EMAIL_OTP_SETUP" {
                    if !user.mfa_enabled.iter().any(|m| m == "EMAIL_OTP") {
                        user.mfa_enabled.push("EMAIL_OTP".into());
                    }
                    user.mfa_preferred.get_or_insert_with(|| "EMAIL_OTP".into());
                    user.attributes
                        .insert("email_verified".into(), "true".into());
                    user.modified = self.now_ms();
                    self.save_user(&user).await?;
                }
                Ok(AuthStep::Authenticated(
                    self.issue_new_session(&user, client_id).await?,
                ))
            }
            ("MFA_SETUP", "MFA_SETUP_VERIFIED") => {
                if !user.mfa_enabled.iter().any(|m| m == "SOFTWARE_TOKEN_MFA") {
                    user.mfa_enabled.push("SOFTWARE_TOKEN_MFA".into());
                }
                user.mfa_preferred = Some("SOFTWARE_TOKEN_MFA".into());
                user.modified = self.now_ms();
                self.save_user(&user).await?;
                Ok(AuthStep::Authenticated(
                    self.issue_new_session(&user, client_id).await?,
                ))
            }
            ("MFA_SETUP", _) => {
                let Some(email) = resp("EMAIL") else {
                    return Err(AuthError::invalid_parameter(
                        "Software token MFA has not been verified for the user.",
                    ));
                };
                if !self.config.mfa_email {
                    return Err(AuthError::invalid_parameter(
                        "EMAIL_OTP is not enabled for this user pool.",
                    ));
                }
                match user.attributes.get("email") {
                    Some(current) if current.eq_ignore_ascii_case(email) => {}
                    Some(_) => {
                        return Err(AuthError::invalid_parameter(
                            "The email does not match the user's email.",
                        ));
                    }
                    None => {
                        if !valid_email(email) {
                            return Err(AuthError::invalid_parameter(
                                "Invalid email address format.",
                            ));
                        }
                        user.attributes.insert("email".into(), email.to_string());
                        user.attributes
                            .insert("email_verified".into(), "false".into());
                        self.save_user(&user).await?;
                    }
                }
                let d = self
                    .send_code(&user, MFA_CODE, "email", self.config.session_seconds)
                    .await?;
                let params = BTreeMap::from([
                    (
                        "CODE_DELIVERY_DELIVERY_MEDIUM".to_string(),
                        d.delivery_medium,
                    ),
                    ("CODE_DELIVERY_DESTINATION".to_string(), d.destination),
                ]);
                let AuthStep::Challenge { parameters, .. } =
                    self.challenge("EMAIL_OTP", &user, params)
                else {
                    unreachable!()
                };
                let exp = self.now() + self.config.session_seconds;
                Ok(AuthStep::Challenge {
                    name: "EMAIL_OTP".into(),
                    parameters,
                    session: self.seal_session("EMAIL_OTP_SETUP", &user.username, exp),
                })
            }
            _ => Err(AuthError::not_authorized("Invalid session for the user.")),
        }
    }

    /// The user behind `AccessToken` or a sign-in `Session` (MFA set-up during sign-in).
    async fn user_for_totp(
        &self,
        access_token: Option<&str>,
        session: Option<&str>,
    ) -> AuthResult<(User, bool)> {
        if let Some(token) = access_token.filter(|t| !t.is_empty()) {
            return Ok((self.authenticate(token).await?.0, false));
        }
        let session = session.filter(|s| !s.is_empty()).ok_or_else(|| {
            AuthError::invalid_parameter(
                "Invalid Parameter: one of AccessToken or Session is required.",
            )
        })?;
        let state = self.open_session(session, "MFA_SETUP")?;
        let user = self
            .get_user(&state.u)
            .await?
            .ok_or_else(|| AuthError::not_authorized("Invalid session for the user."))?;
        Ok((user, true))
    }

    /// `AssociateSoftwareToken`: a new TOTP secret (32 base32 characters), pending until
    /// `VerifySoftwareToken`. With a sign-in `Session`, returns the session to continue with.
    pub async fn associate_software_token(
        &self,
        access_token: Option<&str>,
        session: Option<&str>,
    ) -> AuthResult<(String, Option<String>)> {
        if !self.config.mfa_totp {
            return Err(AuthError::new(
                ErrorKind::InvalidUserPoolConfigurationException,
                "Software token MFA is not enabled for the user pool.",
            ));
        }
        let (mut user, in_sign_in) = self.user_for_totp(access_token, session).await?;
        let secret = totp::new_secret();
        user.totp_pending = secret.clone();
        user.modified = self.now_ms();
        self.save_user(&user).await?;
        let next = in_sign_in.then(|| {
            self.seal_session(
                "MFA_SETUP",
                &user.username,
                self.now() + self.config.session_seconds,
            )
        });
        Ok((secret, next))
    }

    /// `VerifySoftwareToken`: the first code of the pending secret makes it the user's.
    pub async fn verify_software_token(
        &self,
        access_token: Option<&str>,
        session: Option<&str>,
        code: &str,
    ) -> AuthResult<Option<String>> {
        let (mut user, in_sign_in) = self.user_for_totp(access_token, session).await?;
        if user.totp_pending.is_empty() {
            return Err(AuthError::new(
                ErrorKind::SoftwareTokenMFANotFoundException,
                "Software Token MFA has not been associated with the user.",
            ));
        }
        let Some(step) = totp::matching_step(&user.totp_pending, code, self.now()) else {
            return Err(AuthError::new(
                ErrorKind::EnableSoftwareTokenMFAException,
                "Code mismatch and fail enable Software Token MFA",
            ));
        };
        user.totp_secret = std::mem::take(&mut user.totp_pending);
        user.totp_last_step = step;
        user.modified = self.now_ms();
        self.save_user(&user).await?;
        Ok(in_sign_in.then(|| {
            self.seal_session(
                "MFA_SETUP_VERIFIED",
                &user.username,
                self.now() + self.config.session_seconds,
            )
        }))
    }

    /// `SetUserMFAPreference`: each `(enabled, preferred)` that is given.
    pub async fn set_user_mfa_preference(
        &self,
        access_token: &str,
        totp: Option<(bool, bool)>,
        email: Option<(bool, bool)>,
        sms: Option<(bool, bool)>,
    ) -> AuthResult<()> {
        let (mut user, _) = self.authenticate(access_token).await?;
        for (method, setting) in [
            ("SOFTWARE_TOKEN_MFA", totp),
            ("EMAIL_OTP", email),
            ("SMS_MFA", sms),
        ] {
            let Some((enabled, preferred)) = setting else {
                continue;
            };
            if enabled {
                if !self.mfa_allowed(method) {
                    return Err(AuthError::invalid_parameter(format!(
                        "{method} is not enabled for this user pool."
                    )));
                }
                match method {
                    "SOFTWARE_TOKEN_MFA" if user.totp_secret.is_empty() => {
                        return Err(AuthError::invalid_parameter(
                            "User has not verified software token mfa",
                        ));
                    }
                    "EMAIL_OTP" if !user.attributes.contains_key("email") => {
                        return Err(AuthError::invalid_parameter(
                            "User does not have an email address.",
                        ));
                    }
                    "SMS_MFA" if !user.attributes.contains_key("phone_number") => {
                        return Err(AuthError::invalid_parameter(
                            "User does not have a phone number.",
                        ));
                    }
                    _ => {}
                }
                if !user.mfa_enabled.iter().any(|m| m == method) {
                    user.mfa_enabled.push(method.to_string());
                }
                if preferred {
                    user.mfa_preferred = Some(method.to_string());
                } else if user.mfa_preferred.as_deref() == Some(method) {
                    user.mfa_preferred = None;
                }
            } else {
                user.mfa_enabled.retain(|m| m != method);
                if user.mfa_preferred.as_deref() == Some(method) {
                    user.mfa_preferred = None;
                }
            }
        }
        user.modified = self.now_ms();
        self.save_user(&user).await
    }

    // ---- tokens ------------------------------------------------------------------------

    async fn issue_new_session(
        &self,
        user: &User,
        client_id: &str,
    ) -> AuthResult<AuthenticationResult> {
        let origin_jti = uuid::Uuid::new_v4().to_string();
        let event_id = uuid::Uuid::new_v4().to_string();
        let auth_time = self.now();
        let refresh = crypto::opaque_token(96);
        let record = RefreshRecord {
            token_hash: crypto::sha256_hex(refresh.as_bytes()),
            pool: self.pool_id().to_string(),
            username: user.username.clone(),
            user_key: format!("{}#{}", self.pool_id(), user.username),
            client_id: client_id.to_string(),
            origin_jti: origin_jti.clone(),
            event_id: event_id.clone(),
            auth_time,
            expires: auth_time + self.config.refresh_token_seconds,
            revoked: false,
        };
        let Ok(Value::Object(item)) = serde_json::to_value(&record) else {
            return Err(AuthError::internal("refresh record"));
        };
        self.store.put(REFRESH_TABLE, item, None).await?;
        let mut result = self.sign_tokens(user, client_id, auth_time, &origin_jti, &event_id);
        result.refresh_token = Some(refresh);
        Ok(result)
    }

    fn sign_tokens(
        &self,
        user: &User,
        client_id: &str,
        auth_time: i64,
        origin_jti: &str,
        event_id: &str,
    ) -> AuthenticationResult {
        let keys = self.signing_keys();
        let key = keys.last().expect("a signing key");
        let now = self.now();
        let iss = self.config.issuer();
        let mut id = Map::new();
        id.insert("sub".into(), user.sub.clone().into());
        if !user.groups.is_empty() {
            id.insert("cognito:groups".into(), json!(user.groups));
        }
        for (name, value) in &user.attributes {
            if name.ends_with("_verified") {
                id.insert(name.clone(), Value::Bool(value == "true"));
            } else {
                id.insert(name.clone(), value.clone().into());
            }
        }
        id.insert("iss".into(), iss.clone().into());
        id.insert("cognito:username".into(), user.username.clone().into());
        id.insert("origin_jti".into(), origin_jti.into());
        id.insert("aud".into(), client_id.into());
        id.insert("event_id".into(), event_id.into());
        id.insert("token_use".into(), "id".into());
        id.insert("auth_time".into(), auth_time.into());
        id.insert("exp".into(), (now + self.config.id_token_seconds).into());
        id.insert("iat".into(), now.into());
        id.insert("jti".into(), uuid::Uuid::new_v4().to_string().into());

        let mut access = Map::new();
        access.insert("sub".into(), user.sub.clone().into());
        if !user.groups.is_empty() {
            access.insert("cognito:groups".into(), json!(user.groups));
        }
        access.insert("iss".into(), iss.into());
        access.insert("client_id".into(), client_id.into());
        access.insert("origin_jti".into(), origin_jti.into());
        access.insert("event_id".into(), event_id.into());
        access.insert("token_use".into(), "access".into());
        access.insert("scope".into(), "aws.cognito.signin.user.admin".into());
        access.insert("auth_time".into(), auth_time.into());
        access.insert(
            "exp".into(),
            (now + self.config.access_token_seconds).into(),
        );
        access.insert("iat".into(), now.into());
        access.insert("jti".into(), uuid::Uuid::new_v4().to_string().into());
        access.insert("username".into(), user.username.clone().into());

        AuthenticationResult {
            access_token: key.sign(&access),
            expires_in: self.config.access_token_seconds,
            id_token: key.sign(&id),
            refresh_token: None,
            token_type: "Bearer".into(),
        }
    }

    async fn refresh_record(&self, token: &str) -> AuthResult<Option<RefreshRecord>> {
        let hash = crypto::sha256_hex(token.as_bytes());
        let item = self.store.get(REFRESH_TABLE, &Key::new(hash)).await?;
        Ok(item
            .and_then(|i| serde_json::from_value::<RefreshRecord>(Value::Object(i)).ok())
            .filter(|r| r.pool == self.pool_id()))
    }

    /// `REFRESH_TOKEN_AUTH` and `GetTokensFromRefreshToken`: new id and access tokens of the
    /// same session (same `origin_jti`, `auth_time`, `event_id`); the refresh token stays.
    pub async fn refresh(&self, client_id: &str, token: &str) -> AuthResult<AuthenticationResult> {
        self.check_client(client_id)?;
        let Some(record) = self.refresh_record(token).await? else {
            return Err(AuthError::not_authorized("Invalid Refresh Token"));
        };
        if record.revoked {
            return Err(AuthError::not_authorized("Refresh Token has been revoked"));
        }
        if record.expires < self.now() {
            return Err(AuthError::not_authorized("Refresh Token has expired"));
        }
        if record.client_id != client_id {
            return Err(AuthError::not_authorized("Invalid Refresh Token"));
        }
        let Some(user) = self.get_user(&record.username).await? else {
            return Err(AuthError::user_not_found());
        };
        if !user.enabled {
            return Err(AuthError::not_authorized("User is disabled."));
        }
        Ok(self.sign_tokens(
            &user,
            client_id,
            record.auth_time,
            &record.origin_jti,
            &record.event_id,
        ))
    }

    async fn is_revoked(&self, origin_jti: &str) -> AuthResult<bool> {
        if self.revocation_checks.recently_not_revoked(origin_jti) {
            return Ok(false);
        }
        let revoked = self
            .store
            .get(REVOKED_TABLE, &Key::new(origin_jti))
            .await?
            .is_some();
        if !revoked {
            self.revocation_checks.record_not_revoked(origin_jti);
        }
        Ok(revoked)
    }

    async fn revoke_session(&self, origin_jti: &str, expires: i64) -> AuthResult<()> {
        let mut item = Item::new();
        item.insert("origin_jti".into(), origin_jti.into());
        item.insert("expires".into(), expires.into());
        self.store.put(REVOKED_TABLE, item, None).await?;
        self.revocation_checks.forget(origin_jti);
        Ok(())
    }

    /// Verifies an access or id token of this pool strictly (RS256 only, a known `kid`, the
    /// signature, `exp`, `iss`, `token_use`, the app client, and that its session was not
    /// revoked) and returns its claims.
    pub async fn verify_token_claims(&self, token: &str) -> Result<Map<String, Value>, TokenError> {
        let now = self.now();
        let claims = match self.verified_tokens.get(token, now) {
            Some(claims) => claims,
            None => {
                let claims = tokens::verify_signature(&self.signing_keys(), token)?;
                self.verified_tokens.insert(token, &claims, now);
                claims
            }
        };
        let exp = claims
            .get("exp")
            .and_then(Value::as_i64)
            .ok_or(TokenError::Malformed)?;
        if exp <= now {
            return Err(TokenError::Expired);
        }
        if claims.get("iss").and_then(Value::as_str) != Some(self.config.issuer().as_str()) {
            return Err(TokenError::Issuer);
        }
        let client_claim = match claims.get("token_use").and_then(Value::as_str) {
            Some("access") => "client_id",
            Some("id") => "aud",
            _ => return Err(TokenError::TokenUse),
        };
        if claims.get(client_claim).and_then(Value::as_str) != Some(self.config.client_id.as_str())
        {
            return Err(TokenError::Client);
        }
        if let Some(jti) = claims.get("origin_jti").and_then(Value::as_str) {
            match self.is_revoked(jti).await {
                Ok(false) => {}
                _ => return Err(TokenError::Revoked),
            }
        }
        Ok(claims)
    }

    /// For the data service's `userPool` mode: the caller an access or id token designates.
    pub async fn verify_access_or_id_token(&self, token: &str) -> Result<UserIdentity, TokenError> {
        let claims = self.verify_token_claims(token).await?;
        let sub = claims
            .get("sub")
            .and_then(Value::as_str)
            .ok_or(TokenError::Malformed)?
            .to_string();
        let username = claims
            .get("cognito:username")
            .or_else(|| claims.get("username"))
            .and_then(Value::as_str)
            .unwrap_or(&sub)
            .to_string();
        let groups = claims
            .get("cognito:groups")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|g| g.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        Ok(UserIdentity {
            sub,
            username,
            groups,
            claims,
        })
    }

    /// The user an access token belongs to (operations that take `AccessToken`).
    pub async fn authenticate(&self, access_token: &str) -> AuthResult<(User, Map<String, Value>)> {
        let claims = match self.verify_token_claims(access_token).await {
            Ok(c) => c,
            Err(TokenError::Expired) => {
                return Err(AuthError::not_authorized("Access Token has expired"));
            }
            Err(TokenError::Revoked) => {
                return Err(AuthError::not_authorized("Access Token has been revoked"));
            }
            Err(_) => return Err(AuthError::invalid_access_token()),
        };
        if claims.get("token_use").and_then(Value::as_str) != Some("access") {
            return Err(AuthError::invalid_access_token());
        }
        let username = claims
            .get("username")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let Some(user) = self.get_user(username).await? else {
            return Err(AuthError::not_authorized("User does not exist."));
        };
        if !user.enabled {
            return Err(AuthError::not_authorized("User is disabled."));
        }
        Ok((user, claims))
    }

    // ---- signed-in user ----------------------------------------------------------------

    /// `GetUser`.
    pub async fn get_user_by_token(&self, access_token: &str) -> AuthResult<User> {
        Ok(self.authenticate(access_token).await?.0)
    }

    /// `UpdateUserAttributes`: returns where verification codes went for changed email or
    /// phone numbers (those stay unverified until `VerifyUserAttribute`).
    pub async fn update_user_attributes(
        &self,
        access_token: &str,
        attributes: &[(String, String)],
    ) -> AuthResult<Vec<CodeDeliveryDetails>> {
        let (mut user, _) = self.authenticate(access_token).await?;
        self.check_attributes(attributes, Some(&user))?;
        let old_aliases = self.aliases_of(&user.attributes);
        let mut to_verify = Vec::new();
        for (name, value) in attributes {
            let changed = user.attributes.get(name) != Some(value);
            if changed && (name == "email" || name == "phone_number") {
                user.attributes
                    .insert(format!("{name}_verified"), "false".into());
                to_verify.push(name.clone());
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
        let mut added = Vec::new();
        for (attr, alias) in &new_aliases {
            if !old_aliases.iter().any(|(_, a)| a == alias) {
                added.push(attr.clone());
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
                    key: Key::with_sort(self.pool_id(), alias.as_str()),
                    condition: None,
                });
            }
        }
        match self.store.transact(ops).await {
            Ok(_) => {}
            Err(StoreError::TransactionCanceled { index, reason })
                if index > 0 && matches!(*reason, StoreError::ConditionFailed) =>
            {
                return Err(AuthError::new(
                    ErrorKind::AliasExistsException,
                    format!(
                        "An account with the given {} already exists.",
                        added[index - 1]
                    ),
                ));
            }
            Err(e) => return Err(bad_store(e)),
        }
        let mut details = Vec::new();
        for attr in to_verify {
            details.push(
                self.send_code(&user, VERIFY_ATTRIBUTE, &attr, self.config.code_seconds)
                    .await?,
            );
        }
        Ok(details)
    }

    /// `GetUserAttributeVerificationCode`.
    pub async fn get_user_attribute_verification_code(
        &self,
        access_token: &str,
        attribute: &str,
    ) -> AuthResult<CodeDeliveryDetails> {
        let (user, _) = self.authenticate(access_token).await?;
        if attribute != "email" && attribute != "phone_number" {
            return Err(AuthError::invalid_parameter(format!(
                "Invalid attribute name: {attribute}"
            )));
        }
        if !user.attributes.contains_key(attribute) {
            return Err(AuthError::invalid_parameter(format!(
                "No {attribute} found for user"
            )));
        }
        self.send_code(&user, VERIFY_ATTRIBUTE, attribute, self.config.code_seconds)
            .await
    }

    /// `VerifyUserAttribute`.
    pub async fn verify_user_attribute(
        &self,
        access_token: &str,
        attribute: &str,
        code: &str,
    ) -> AuthResult<()> {
        let (mut user, _) = self.authenticate(access_token).await?;
        let record = self
            .consume_code(
                &user.username,
                &code_purpose_key(VERIFY_ATTRIBUTE, attribute),
                code,
            )
            .await?;
        // The code proves the value it was sent to, not a later one.
        if record.value.as_deref() != user.attributes.get(attribute).map(String::as_str) {
            return Err(AuthError::code_mismatch());
        }
        user.attributes
            .insert(format!("{attribute}_verified"), "true".into());
        user.modified = self.now_ms();
        self.save_user(&user).await
    }

    /// `DeleteUserAttributes`.
    pub async fn delete_user_attributes(
        &self,
        access_token: &str,
        names: &[String],
    ) -> AuthResult<()> {
        let (mut user, _) = self.authenticate(access_token).await?;
        let old_aliases = self.aliases_of(&user.attributes);
        for name in names {
            let Some(spec) = self.config.spec(name) else {
                return Err(AuthError::invalid_parameter(format!(
                    "Attributes did not conform to the schema: Type for attribute {{{name}}} could not be determined"
                )));
            };
            if name == "sub" || name.ends_with("_verified") {
                return Err(AuthError::not_authorized(
                    "A client attempted to write unauthorized attribute",
                ));
            }
            if spec.required {
                return Err(AuthError::invalid_parameter(format!(
                    "Attributes did not conform to the schema: {name}: The attribute is required"
                )));
            }
            if !spec.mutable {
                return Err(AuthError::invalid_parameter(format!(
                    "Cannot modify an already provided immutable attribute: {name}"
                )));
            }
            user.attributes.remove(name);
            if name == "email" || name == "phone_number" {
                user.attributes.remove(&format!("{name}_verified"));
            }
        }
        user.modified = self.now_ms();
        let new_aliases = self.aliases_of(&user.attributes);
        let mut ops = vec![WriteOp::Put {
            table: USERS_TABLE.into(),
            item: self.user_item(&user),
            condition: Some(Condition::exists()),
        }];
        for (_, alias) in &old_aliases {
            if !new_aliases.iter().any(|(_, a)| a == alias) {
                ops.push(WriteOp::Delete {
                    table: ALIASES_TABLE.into(),
                    key: Key::with_sort(self.pool_id(), alias.as_str()),
                    condition: None,
                });
            }
        }
        self.store.transact(ops).await.map_err(bad_store)?;
        Ok(())
    }

    pub(crate) async fn set_password(&self, user: &mut User, password: &str) -> AuthResult<()> {
        let (salt, v) = srp::make_verifier(self.config.pool_name(), &user.username, password);
        user.srp_salt = salt.to_str_radix(16);
        user.srp_verifier = v.to_str_radix(16);
        // The verifier alone proves the password (see `password_matches`).
        user.password_hash.clear();
        user.failed_attempts = 0;
        user.locked_until = 0;
        user.modified = self.now_ms();
        Ok(())
    }

    /// `ChangePassword`.
    pub async fn change_password(
        &self,
        access_token: &str,
        previous: &str,
        proposed: &str,
    ) -> AuthResult<()> {
        let (mut user, _) = self.authenticate(access_token).await?;
        if self.locked(&user) {
            return Err(Self::password_attempts_exceeded());
        }
        let ok = self.password_matches(&user, previous).await?;
        if !ok {
            self.record_failure(&user).await?;
            return Err(AuthError::incorrect_credentials());
        }
        self.check_password(proposed)?;
        self.set_password(&mut user, proposed).await?;
        self.save_user(&user).await
    }

    /// `ForgotPassword`: sends a reset code to the verified email (or phone).
    pub async fn forgot_password(
        &self,
        client_id: &str,
        username: &str,
    ) -> AuthResult<CodeDeliveryDetails> {
        let user = self.user_for_code_flow(client_id, username).await?;
        if !user.enabled {
            return Err(AuthError::not_authorized("User is disabled."));
        }
        let verified = |a: &str| {
            user.attributes
                .get(&format!("{a}_verified"))
                .is_some_and(|v| v == "true")
                && user.attributes.contains_key(a)
        };
        let phone_first = self.config.account_recovery.starts_with("PHONE");
        let order: [&str; 2] = if phone_first {
            ["phone_number", "email"]
        } else {
            ["email", "phone_number"]
        };
        let Some(attr) = order.into_iter().find(|a| verified(a)) else {
            return Err(AuthError::invalid_parameter(
                "Cannot reset password for the user as there is no registered/verified email or phone_number",
            ));
        };
        self.send_code(&user, FORGOT_PASSWORD, attr, self.config.reset_code_seconds)
            .await
    }

    /// `ConfirmForgotPassword`.
    pub async fn confirm_forgot_password(
        &self,
        client_id: &str,
        username: &str,
        code: &str,
        password: &str,
    ) -> AuthResult<()> {
        let mut user = self.user_for_code_flow(client_id, username).await?;
        self.check_password(password)?;
        let purpose_key = code_purpose_key(FORGOT_PASSWORD, "email");
        let result = self.consume_code(&user.username, &purpose_key, code).await;
        if let Err(e) = result {
            // The code may have gone to the phone.
            if e.kind == ErrorKind::CodeMismatchException {
                let phone = code_purpose_key(FORGOT_PASSWORD, "phone_number");
                let key = Key::with_sort(
                    self.pool_id(),
                    Self::code_key(&user.username, &phone).as_str(),
                );
                if self.store.get(CODES_TABLE, &key).await?.is_some() {
                    self.consume_code(&user.username, &phone, code).await?;
                } else {
                    return Err(e);
                }
            } else {
                return Err(e);
            }
        }
        self.set_password(&mut user, password).await?;
        if user.status == "RESET_REQUIRED" {
            user.status = "CONFIRMED".into();
        }
        self.save_user(&user).await
    }

    async fn user_refresh_records(&self, username: &str) -> AuthResult<Vec<RefreshRecord>> {
        let mut out = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .store
                .query(
                    REFRESH_TABLE,
                    &Query::new(format!("{}#{username}", self.pool_id()))
                        .index("byUser")
                        .limit(200)
                        .start(start),
                )
                .await?;
            out.extend(
                page.items
                    .into_iter()
                    .filter_map(|i| serde_json::from_value(Value::Object(i)).ok()),
            );
            match page.last_evaluated_key {
                Some(k) => start = Some(k),
                None => return Ok(out),
            }
        }
    }

    pub(crate) async fn revoke_all(&self, username: &str) -> AuthResult<()> {
        for record in self.user_refresh_records(username).await? {
            if !record.revoked {
                self.revoke_session(&record.origin_jti, record.expires)
                    .await?;
                self.store
                    .update(
                        REFRESH_TABLE,
                        Key::new(record.token_hash.as_str()),
                        Changes::new().set("revoked", true),
                        Some(Condition::exists()),
                    )
                    .await?;
            }
        }
        Ok(())
    }

    /// `GlobalSignOut`: revokes every refresh token of the user and the access and id tokens
    /// of their sessions.
    pub async fn global_sign_out(&self, access_token: &str) -> AuthResult<()> {
        let (user, claims) = self.authenticate(access_token).await?;
        if let Some(jti) = claims.get("origin_jti").and_then(Value::as_str) {
            self.revoke_session(jti, self.now() + self.config.refresh_token_seconds)
                .await?;
        }
        self.revoke_all(&user.username).await
    }

    /// `RevokeToken`: revokes a refresh token and the tokens issued from it.
    pub async fn revoke_token(&self, client_id: &str, token: &str) -> AuthResult<()> {
        self.check_client(client_id)?;
        if token.is_empty() {
            return Err(AuthError::missing("Token"));
        }
        let Some(record) = self.refresh_record(token).await? else {
            if token.split('.').count() == 3 {
                return Err(AuthError::new(
                    ErrorKind::UnsupportedTokenTypeException,
                    "Unsupported token type.",
                ));
            }
            // Unknown or already removed: nothing to revoke.
            return Ok(());
        };
        if record.client_id != client_id {
            return Err(AuthError::not_authorized(
                "Client is not authorized to revoke this token.",
            ));
        }
        self.revoke_session(&record.origin_jti, record.expires)
            .await?;
        self.store
            .update(
                REFRESH_TABLE,
                Key::new(record.token_hash.as_str()),
                Changes::new().set("revoked", true),
                Some(Condition::exists()),
            )
            .await?;
        Ok(())
    }

    /// `DeleteUser`.
    pub async fn delete_user(&self, access_token: &str) -> AuthResult<()> {
        let (user, _) = self.authenticate(access_token).await?;
        self.remove_user(&user).await
    }

    /// Deletes a user with everything attached: sessions, aliases, codes, group memberships.
    pub(crate) async fn remove_user(&self, user: &User) -> AuthResult<()> {
        self.revoke_all(&user.username).await?;
        let mut ops = vec![WriteOp::Delete {
            table: USERS_TABLE.into(),
            key: Key::with_sort(self.pool_id(), user.username.as_str()),
            condition: None,
        }];
        for (_, alias) in self.aliases_of(&user.attributes) {
            ops.push(WriteOp::Delete {
                table: ALIASES_TABLE.into(),
                key: Key::with_sort(self.pool_id(), alias.as_str()),
                condition: None,
            });
        }
        for group in &user.groups {
            ops.push(WriteOp::Delete {
                table: crate::admin::MEMBERS_TABLE.into(),
                key: Key::with_sort(
                    format!("{}#{group}", self.pool_id()),
                    user.username.as_str(),
                ),
                condition: None,
            });
        }
        self.store.transact(ops).await.map_err(bad_store)?;
        let codes = self
            .store
            .query(
                CODES_TABLE,
                &Query::new(self.pool_id()).sort(ampbase_store::SortCondition::BeginsWith(
                    format!("{}#", user.username),
                )),
            )
            .await?;
        for item in codes.items {
            if let Some(k) = item.get("code_key").and_then(Value::as_str) {
                self.store
                    .delete(CODES_TABLE, Key::with_sort(self.pool_id(), k), None)
                    .await?;
            }
        }
        Ok(())
    }
}

/// The key part of a code: purpose, and the attribute for attribute codes and resets.
pub(crate) fn code_purpose_key(purpose: &str, attribute: &str) -> String {
    match purpose {
        SIGN_UP => SIGN_UP.to_string(),
        _ => format!("{purpose}:{attribute}"),
    }
}

async fn ensure_tables(store: &Store) -> AuthResult<()> {
    store
        .ensure_table(
            &TableSchema::new(USERS_TABLE, "pool")
                .with_sort_key("username")
                .with_index(IndexSchema::new("bySub", "sub_key")),
        )
        .await?;
    store
        .ensure_table(&TableSchema::new(ALIASES_TABLE, "pool").with_sort_key("alias"))
        .await?;
    store
        .ensure_table(&TableSchema::new(CODES_TABLE, "pool").with_sort_key("code_key"))
        .await?;
    store
        .ensure_table(
            &TableSchema::new(REFRESH_TABLE, "token_hash")
                .with_index(IndexSchema::new("byUser", "user_key")),
        )
        .await?;
    store
        .ensure_table(&TableSchema::new(REVOKED_TABLE, "origin_jti"))
        .await?;
    store
        .ensure_table(&TableSchema::new(KEYS_TABLE, "pool").with_sort_key("kid"))
        .await?;
    Ok(())
}

trait IsZeroBig {
    fn is_zero_big(&self) -> bool;
}

impl IsZeroBig for BigUint {
    fn is_zero_big(&self) -> bool {
        num_traits::Zero::is_zero(self)
    }
}

pub(crate) fn valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    !local.is_empty() && !domain.is_empty() && !s.chars().any(char::is_whitespace)
}

fn valid_phone(s: &str) -> bool {
    s.len() >= 5
        && s.len() <= 16
        && s.starts_with('+')
        && s[1..].chars().all(|c| c.is_ascii_digit())
}

fn valid_username(s: &str) -> bool {
    !s.is_empty()
        && s.chars().count() <= 128
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Cognito's masking of destinations: `a***@e***`, `+*******1234`.
pub fn mask(destination: &str) -> String {
    if let Some((local, domain)) = destination.split_once('@') {
        let l = local.chars().next().map(String::from).unwrap_or_default();
        let d = domain.chars().next().map(String::from).unwrap_or_default();
        return format!("{l}***@{d}***");
    }
    let chars: Vec<char> = destination.chars().collect();
    if chars.len() <= 4 {
        return "*".repeat(chars.len());
    }
    let tail: String = chars[chars.len() - 4..].iter().collect();
    let head = if chars[0] == '+' { "+" } else { "" };
    format!("{head}{}{tail}", "*".repeat(chars.len() - 4 - head.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn test_pool(dir: &std::path::Path) -> UserPool {
        let store = Store::open(dir.join("pool.sqlite")).unwrap();
        let delivery = crate::SandboxDelivery::quiet(store.clone());
        UserPool::open(
            PoolConfig::new("us-east-1_Legacy123", "legacyclient"),
            store,
            delivery,
        )
        .await
        .unwrap()
    }

    fn password_auth(user: &str, password: &str) -> BTreeMap<String, String> {
        BTreeMap::from([
            ("USERNAME".to_string(), user.to_string()),
            ("PASSWORD".to_string(), password.to_string()),
        ])
    }

    /// New users keep only the SRP verifier, which USER_PASSWORD_AUTH checks; a user stored
    /// with an Argon2id hash and no verifier still signs in with its password.
    #[tokio::test]
    async fn password_sign_in_by_verifier_and_by_legacy_hash() {
        let dir = tempfile::tempdir().unwrap();
        let pool = test_pool(dir.path()).await;
        pool.sign_up("legacyclient", "new@example.com", "Passw0rd!", &[])
            .await
            .unwrap();
        pool.admin_confirm_sign_up("us-east-1_Legacy123", "new@example.com")
            .await
            .unwrap();
        let user = pool.find_user("new@example.com").await.unwrap().unwrap();
        assert!(user.password_hash.is_empty());
        assert!(!user.srp_verifier.is_empty());
        let ok = pool
            .initiate_auth(
                "legacyclient",
                "USER_PASSWORD_AUTH",
                &password_auth("new@example.com", "Passw0rd!"),
            )
            .await
            .unwrap();
        assert!(matches!(ok, AuthStep::Authenticated(_)));
        let wrong = pool
            .initiate_auth(
                "legacyclient",
                "USER_PASSWORD_AUTH",
                &password_auth("new@example.com", "Passw0rd?"),
            )
            .await
            .unwrap_err();
        assert_eq!(wrong.kind, ErrorKind::NotAuthorizedException);

        // A user as stored before the hash was dropped, with its verifier lost.
        let mut legacy = user.clone();
        legacy.srp_salt.clear();
        legacy.srp_verifier.clear();
        legacy.password_hash = crypto::hash_password("Old-Passw0rd!");
        pool.save_user(&legacy).await.unwrap();
        let ok = pool
            .initiate_auth(
                "legacyclient",
                "USER_PASSWORD_AUTH",
                &password_auth("new@example.com", "Old-Passw0rd!"),
            )
            .await
            .unwrap();
        assert!(matches!(ok, AuthStep::Authenticated(_)));
        let wrong = pool
            .initiate_auth(
                "legacyclient",
                "USER_PASSWORD_AUTH",
                &password_auth("new@example.com", "Passw0rd!"),
            )
            .await
            .unwrap_err();
        assert_eq!(wrong.kind, ErrorKind::NotAuthorizedException);
    }

    /// A token verified (and remembered) before its session is revoked is refused right after.
    #[tokio::test]
    async fn remembered_tokens_are_refused_once_revoked() {
        let dir = tempfile::tempdir().unwrap();
        let pool = test_pool(dir.path()).await;
        pool.sign_up("legacyclient", "out@example.com", "Passw0rd!", &[])
            .await
            .unwrap();
        pool.admin_confirm_sign_up("us-east-1_Legacy123", "out@example.com")
            .await
            .unwrap();
        let AuthStep::Authenticated(tokens) = pool
            .initiate_auth(
                "legacyclient",
                "USER_PASSWORD_AUTH",
                &password_auth("out@example.com", "Passw0rd!"),
            )
            .await
            .unwrap()
        else {
            panic!("no tokens")
        };
        for _ in 0..2 {
            pool.verify_access_or_id_token(&tokens.id_token)
                .await
                .unwrap();
        }
        pool.global_sign_out(&tokens.access_token).await.unwrap();
        assert_eq!(
            pool.verify_access_or_id_token(&tokens.id_token)
                .await
                .unwrap_err(),
            TokenError::Revoked
        );
        // Another text of the same claims (a flipped signature bit) is not the remembered token.
        let mut forged = tokens.access_token.clone().into_bytes();
        let last = forged.len() - 2;
        forged[last] = if forged[last] == b'A' { b'B' } else { b'A' };
        let forged = String::from_utf8(forged).unwrap();
        assert_eq!(
            pool.verify_access_or_id_token(&forged).await.unwrap_err(),
            TokenError::Signature
        );
    }

    #[test]
    fn masks_like_cognito() {
        assert_eq!(mask("alice@example.com"), "a***@e***");
        assert_eq!(mask("+15555551234"), "+*******1234");
    }
}
