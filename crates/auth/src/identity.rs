//! The Cognito identity pool (`AWSCognitoIdentityService`): identity ids for guests and
//! signed-in users, and temporary AWS credentials mapped to an [`IamPrincipal`] that the
//! SigV4 verifiers of the data and storage edges look up with [`IdentityPool::credentials`].

use std::sync::Arc;

use ampbase_core::IamPrincipal;
use ampbase_store::{Condition, IndexSchema, Item, Key, Query, StoreError, TableSchema};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::crypto;
use crate::error::{AuthError, AuthResult, ErrorKind};
use crate::pool::UserPool;

pub const IDENTITIES_TABLE: &str = "cognito_identities";
pub const CREDENTIALS_TABLE: &str = "cognito_credentials";

/// Credentials live an hour (the client caches them for 50 minutes, client-protocol.md §2.2).
const CREDENTIAL_SECONDS: i64 = 3600;

/// The identity pool's settings.
#[derive(Debug, Clone)]
pub struct IdentityPoolConfig {
    /// `<region>:<uuid>`.
    pub identity_pool_id: String,
    /// `allowUnauthenticatedIdentities` (Amplify: guest access).
    pub allow_guest: bool,
}

/// One identity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Identity {
    pub identity_id: String,
    pub identity_pool_id: String,
    /// The user-pool `sub` once a user signed in with it; `None` for a guest identity.
    #[serde(default)]
    pub sub: Option<String>,
    /// Unix milliseconds.
    pub created: i64,
}

/// Temporary credentials and whom they stand for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_key: String,
    pub session_token: String,
    /// Unix seconds.
    pub expiration: i64,
    pub identity_id: String,
    pub principal: IamPrincipal,
}

/// The outcome of [`IdentityPool::lookup_credentials`].
#[derive(Debug, Clone, PartialEq)]
pub enum CredentialLookup {
    Valid(Credentials),
    /// No credentials with this access key id, or no session token given.
    Unknown,
    /// The session token is not the one issued with the access key.
    TokenMismatch,
    Expired,
}

pub struct IdentityPool {
    config: IdentityPoolConfig,
    user_pool: Arc<UserPool>,
}

impl std::fmt::Debug for IdentityPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityPool")
            .field("identity_pool_id", &self.config.identity_pool_id)
            .finish_non_exhaustive()
    }
}

fn region(pool_id: &str) -> &str {
    pool_id
        .split_once(':')
        .map(|(r, _)| r)
        .unwrap_or("us-east-1")
}

fn random_upper(n: usize) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    crypto::random_bytes(n)
        .iter()
        .map(|b| A[(*b & 31) as usize] as char)
        .collect()
}

fn logins_mismatch() -> AuthError {
    AuthError::not_authorized(
        "Logins don't match. Please include at least one valid login for this identity or identity pool.",
    )
}

impl IdentityPool {
    /// Opens the identity pool in front of `user_pool` (its tables live in the same store).
    pub async fn open(
        config: IdentityPoolConfig,
        user_pool: Arc<UserPool>,
    ) -> AuthResult<IdentityPool> {
        let store = user_pool.store();
        store
            .ensure_table(
                &TableSchema::new(IDENTITIES_TABLE, "identity_id")
                    .with_index(IndexSchema::new("bySub", "sub_key")),
            )
            .await?;
        store
            .ensure_table(&TableSchema::new(CREDENTIALS_TABLE, "access_key_id"))
            .await?;
        Ok(IdentityPool { config, user_pool })
    }

    pub fn config(&self) -> &IdentityPoolConfig {
        &self.config
    }

    /// The `Logins` keys this pool accepts: the issuer without its scheme (what the client
    /// sends) and Cognito's own form.
    pub fn login_providers(&self) -> Vec<String> {
        let c = self.user_pool.config();
        let iss = c.issuer();
        let bare = iss
            .split_once("://")
            .map(|(_, r)| r.to_string())
            .unwrap_or(iss);
        vec![
            bare,
            format!(
                "cognito-idp.{}.amazonaws.com/{}",
                region(&c.user_pool_id),
                c.user_pool_id
            ),
        ]
    }

    fn check_pool(&self, identity_pool_id: &str) -> AuthResult<()> {
        if identity_pool_id != self.config.identity_pool_id {
            return Err(AuthError::new(
                ErrorKind::ResourceNotFoundException,
                format!("IdentityPool '{identity_pool_id}' not found."),
            ));
        }
        Ok(())
    }

    /// The signed-in user `Logins` names, from its id token: `(sub, username, groups)`.
    async fn login(
        &self,
        logins: &Map<String, Value>,
    ) -> AuthResult<Option<(String, String, Vec<String>)>> {
        if logins.is_empty() {
            return Ok(None);
        }
        let providers = self.login_providers();
        let mut found = None;
        for (provider, token) in logins {
            if !providers.contains(provider) {
                return Err(AuthError::not_authorized(format!(
                    "Invalid login token. Can't find provider {provider}."
                )));
            }
            let token = token.as_str().unwrap_or_default();
            let who = self
                .user_pool
                .verify_access_or_id_token(token)
                .await
                .map_err(|e| AuthError::not_authorized(format!("Invalid login token. {e}.")))?;
            if who.claims.get("token_use").and_then(Value::as_str) != Some("id") {
                return Err(AuthError::not_authorized(
                    "Invalid login token. Not a valid OpenId Connect identity token.",
                ));
            }
            found = Some((who.sub, who.username, who.groups));
        }
        Ok(found)
    }

    async fn get_identity(&self, identity_id: &str) -> AuthResult<Option<Identity>> {
        let item = self
            .user_pool
            .store()
            .get(IDENTITIES_TABLE, &Key::new(identity_id))
            .await?;
        Ok(item
            .and_then(|i| serde_json::from_value::<Identity>(Value::Object(i)).ok())
            .filter(|i| i.identity_pool_id == self.config.identity_pool_id))
    }

    async fn identity_of(&self, sub: &str) -> AuthResult<Option<Identity>> {
        let key = format!("{}#{sub}", self.config.identity_pool_id);
        let page = self
            .user_pool
            .store()
            .query(IDENTITIES_TABLE, &Query::new(key).index("bySub").limit(1))
            .await?;
        Ok(page
            .items
            .into_iter()
            .next()
            .and_then(|i| serde_json::from_value(Value::Object(i)).ok()))
    }

    async fn save(&self, identity: &Identity, condition: Option<Condition>) -> AuthResult<()> {
        let mut item = match serde_json::to_value(identity) {
            Ok(Value::Object(m)) => m,
            _ => Item::new(),
        };
        if let Some(sub) = &identity.sub {
            item.insert(
                "sub_key".into(),
                format!("{}#{sub}", self.config.identity_pool_id).into(),
            );
        }
        match self
            .user_pool
            .store()
            .put(IDENTITIES_TABLE, item, condition)
            .await
        {
            Ok(()) => Ok(()),
            Err(StoreError::ConditionFailed) => Err(AuthError::new(
                ErrorKind::LimitExceededException,
                "Concurrent modification of the identity; retry.",
            )),
            Err(e) => Err(e.into()),
        }
    }

    async fn new_identity(&self, sub: Option<String>) -> AuthResult<Identity> {
        let identity = Identity {
            identity_id: format!(
                "{}:{}",
                region(&self.config.identity_pool_id),
                uuid::Uuid::new_v4()
            ),
            identity_pool_id: self.config.identity_pool_id.clone(),
            sub,
            created: chrono::Utc::now().timestamp_millis(),
        };
        self.save(&identity, Some(Condition::not_exists())).await?;
        Ok(identity)
    }

    /// `GetId`: a new guest identity (no `Logins`), or the user's stable identity.
    pub async fn get_id(
        &self,
        identity_pool_id: &str,
        logins: &Map<String, Value>,
    ) -> AuthResult<String> {
        self.check_pool(identity_pool_id)?;
        match self.login(logins).await? {
            None => {
                if !self.config.allow_guest {
                    return Err(AuthError::not_authorized(
                        "Unauthenticated access is not supported for this identity pool.",
                    ));
                }
                Ok(self.new_identity(None).await?.identity_id)
            }
            Some((sub, _, _)) => match self.identity_of(&sub).await? {
                Some(i) => Ok(i.identity_id),
                None => Ok(self.new_identity(Some(sub)).await?.identity_id),
            },
        }
    }

    /// `GetCredentialsForIdentity`. With `Logins`, a guest identity the client cached is
    /// linked to the user (or, when the user already has one, the user's identity is
    /// returned and the client switches to it).
    pub async fn get_credentials_for_identity(
        &self,
        identity_id: &str,
        logins: &Map<String, Value>,
    ) -> AuthResult<Credentials> {
        let Some(identity) = self.get_identity(identity_id).await? else {
            return Err(AuthError::new(
                ErrorKind::ResourceNotFoundException,
                format!("Identity '{identity_id}' not found."),
            ));
        };
        let (identity, principal) = match self.login(logins).await? {
            None => {
                if identity.sub.is_some() {
                    return Err(logins_mismatch());
                }
                if !self.config.allow_guest {
                    return Err(AuthError::not_authorized(
                        "Unauthenticated access is not supported for this identity pool.",
                    ));
                }
                let principal = IamPrincipal::Guest {
                    identity_id: identity.identity_id.clone(),
                };
                (identity, principal)
            }
            Some((sub, username, groups)) => {
                let identity = match (&identity.sub, self.identity_of(&sub).await?) {
                    (Some(s), _) if *s == sub => identity,
                    (Some(_), _) => return Err(logins_mismatch()),
                    (None, Some(existing)) => existing,
                    (None, None) => {
                        let mut linked = identity.clone();
                        linked.sub = Some(sub.clone());
                        let cond = Condition::new(|item| {
                            item.is_some_and(|i| i.get("sub").is_none_or(Value::is_null))
                        });
                        self.save(&linked, Some(cond)).await?;
                        linked
                    }
                };
                let principal = IamPrincipal::Authenticated {
                    identity_id: identity.identity_id.clone(),
                    sub,
                    username,
                    groups,
                };
                (identity, principal)
            }
        };
        self.issue(&identity.identity_id, principal).await
    }

    async fn issue(&self, identity_id: &str, principal: IamPrincipal) -> AuthResult<Credentials> {
        let creds = Credentials {
            access_key_id: format!("ASIA{}", random_upper(16)),
            secret_key: crypto::opaque_token(30),
            session_token: crypto::opaque_token(192),
            expiration: self.user_pool.now() + CREDENTIAL_SECONDS,
            identity_id: identity_id.to_string(),
            principal,
        };
        let mut item = match serde_json::to_value(&creds) {
            Ok(Value::Object(m)) => m,
            _ => Item::new(),
        };
        // Only a hash of the session token is kept; the secret key must be kept to verify
        // signatures.
        item.insert(
            "session_token".into(),
            crypto::sha256_hex(creds.session_token.as_bytes()).into(),
        );
        self.user_pool
            .store()
            .put(CREDENTIALS_TABLE, item, None)
            .await?;
        Ok(creds)
    }

    /// For SigV4 verification: the credentials with this access key id, if they exist, have
    /// not expired and `session_token` is theirs. The returned `session_token` is the one
    /// given.
    pub async fn credentials(
        &self,
        access_key_id: &str,
        session_token: &str,
    ) -> AuthResult<Option<Credentials>> {
        Ok(
            match self
                .lookup_credentials(access_key_id, Some(session_token))
                .await?
            {
                CredentialLookup::Valid(creds) => Some(creds),
                _ => None,
            },
        )
    }

    /// Like [`IdentityPool::credentials`], saying why credentials are refused, so that an edge
    /// can answer as AWS does (S3: `InvalidAccessKeyId`, `InvalidToken`, `ExpiredToken`).
    pub async fn lookup_credentials(
        &self,
        access_key_id: &str,
        session_token: Option<&str>,
    ) -> AuthResult<CredentialLookup> {
        let Some(item) = self
            .user_pool
            .store()
            .get(CREDENTIALS_TABLE, &Key::new(access_key_id))
            .await?
        else {
            return Ok(CredentialLookup::Unknown);
        };
        let Ok(mut creds) = serde_json::from_value::<Credentials>(Value::Object(item)) else {
            return Ok(CredentialLookup::Unknown);
        };
        // Temporary credentials are nothing without their session token.
        let Some(session_token) = session_token else {
            return Ok(CredentialLookup::Unknown);
        };
        let given = crypto::sha256_hex(session_token.as_bytes());
        if !crypto::ct_eq(given.as_bytes(), creds.session_token.as_bytes()) {
            return Ok(CredentialLookup::TokenMismatch);
        }
        if creds.expiration <= self.user_pool.now() {
            return Ok(CredentialLookup::Expired);
        }
        creds.session_token = session_token.to_string();
        Ok(CredentialLookup::Valid(creds))
    }

    /// `GetOpenIdToken`: an RS256 token for the identity (`sub` = identity id, `aud` = the
    /// identity pool), signed with the user pool's keys.
    pub async fn get_open_id_token(
        &self,
        identity_id: &str,
        logins: &Map<String, Value>,
    ) -> AuthResult<String> {
        let Some(identity) = self.get_identity(identity_id).await? else {
            return Err(AuthError::new(
                ErrorKind::ResourceNotFoundException,
                format!("Identity '{identity_id}' not found."),
            ));
        };
        let login = self.login(logins).await?;
        let amr = match (&identity.sub, &login) {
            (None, None) => json!(["unauthenticated"]),
            (Some(s), Some((sub, _, _))) if s == sub => {
                json!(["authenticated", self.login_providers()[0]])
            }
            _ => return Err(logins_mismatch()),
        };
        let now = self.user_pool.now();
        let mut claims = Map::new();
        claims.insert("sub".into(), json!(identity.identity_id));
        claims.insert("aud".into(), json!(self.config.identity_pool_id));
        claims.insert("amr".into(), amr);
        claims.insert(
            "iss".into(),
            json!(format!(
                "{}/cognito-identity",
                self.user_pool.config().base_url
            )),
        );
        claims.insert("iat".into(), json!(now));
        claims.insert("exp".into(), json!(now + 600));
        Ok(self.user_pool.sign_claims(&claims))
    }
}
