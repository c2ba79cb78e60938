//! The API's authorization modes, as `@aws-amplify/backend-data` derives them from
//! `defineData({ authorizationModes })` and the presence of `defineAuth`
//! (`convert_authorization_modes.ts`).

use serde::{Deserialize, Serialize};

use crate::CompileError;

pub use ampbase_core::AuthMode;

/// `apiKeyAuthorizationMode`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyConfig {
    pub description: Option<String>,
    /// Defaults to 7, as in `defineData`.
    pub expires_in_days: u32,
}

/// `oidcAuthorizationMode`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OidcConfig {
    pub provider_name: String,
    pub issuer_url: String,
    pub client_id: Option<String>,
    pub token_expiry_from_auth_seconds: Option<u64>,
    pub token_expiry_from_issue_seconds: Option<u64>,
}

/// `lambdaAuthorizationMode`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LambdaAuthorizerConfig {
    /// Name of the authorizer function, when the loader knows it.
    pub function: Option<String>,
    /// Defaults to 60 seconds.
    pub ttl_seconds: u64,
}

/// Which authorization modes the API accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizationConfig {
    pub default_mode: AuthMode,
    pub api_key: Option<ApiKeyConfig>,
    /// A Cognito user pool exists (`defineAuth`).
    pub user_pool: bool,
    /// IAM authorization is accepted. Gen 2 always enables it (admin roles and functions sign
    /// with IAM), so [`AuthorizationConfig::from_define_data_json`] always sets it.
    pub iam: bool,
    /// A Cognito identity pool exists (`defineAuth`), so `identityPool` rules have principals.
    pub identity_pool: bool,
    pub oidc: Option<OidcConfig>,
    pub lambda: Option<LambdaAuthorizerConfig>,
    /// The sandbox default: no `authorizationModes` and no `defineAuth`. Models without rules
    /// are then open to the API key, as the transformer's `sandboxModeEnabled` makes them.
    pub sandbox_mode: bool,
}

const DEFAULT_API_KEY_EXPIRATION_DAYS: u32 = 7;
const DEFAULT_LAMBDA_TTL_SECONDS: u64 = 60;

impl AuthorizationConfig {
    /// The configuration of a backend whose `defineData` has only an API key (the quickstart).
    pub fn api_key_default() -> Self {
        AuthorizationConfig {
            default_mode: AuthMode::ApiKey,
            api_key: Some(ApiKeyConfig { description: None, expires_in_days: DEFAULT_API_KEY_EXPIRATION_DAYS }),
            user_pool: false,
            iam: true,
            identity_pool: false,
            oidc: None,
            lambda: None,
            sandbox_mode: false,
        }
    }

    /// Derives the configuration from `defineData`'s `authorizationModes` object (`null` or an
    /// absent value when not given) and whether the backend has `defineAuth`.
    pub fn from_define_data_json(modes: &serde_json::Value, with_auth: bool) -> Result<Self, CompileError> {
        let modes = match modes {
            serde_json::Value::Null => None,
            serde_json::Value::Object(map) => Some(map),
            other => {
                return Err(CompileError::AuthorizationModes(format!(
                    "authorizationModes must be an object, got {other}"
                )))
            }
        };
        let get = |key: &str| modes.and_then(|m| m.get(key)).filter(|v| !v.is_null());

        let default_mode = match get("defaultAuthorizationMode") {
            Some(v) => {
                let name = v.as_str().unwrap_or_default();
                AuthMode::from_define_data(name).ok_or_else(|| {
                    CompileError::AuthorizationModes(format!(
                        "unknown defaultAuthorizationMode '{name}' (expected apiKey, userPool, iam, identityPool, oidc or lambda)"
                    ))
                })?
            }
            None => match (modes, with_auth) {
                (None, false) => AuthMode::ApiKey,
                (None, true) => AuthMode::UserPool,
                (Some(m), false) if m.len() == 1 && get("oidcAuthorizationMode").is_some() => AuthMode::Oidc,
                (Some(m), false) if m.len() == 1 && get("lambdaAuthorizationMode").is_some() => AuthMode::Lambda,
                (Some(m), false) if m.len() == 1 && get("apiKeyAuthorizationMode").is_some() => AuthMode::ApiKey,
                _ => {
                    return Err(CompileError::AuthorizationModes(
                        "A defaultAuthorizationMode is required if multiple authorization modes are configured".into(),
                    ))
                }
            },
        };
        let sandbox_mode = modes.is_none() && !with_auth;

        let api_key = match get("apiKeyAuthorizationMode") {
            Some(cfg) => Some(ApiKeyConfig {
                description: cfg.get("description").and_then(|d| d.as_str()).map(str::to_string),
                expires_in_days: cfg
                    .get("expiresInDays")
                    .and_then(|d| d.as_u64())
                    .map(|d| d as u32)
                    .unwrap_or(DEFAULT_API_KEY_EXPIRATION_DAYS),
            }),
            None if default_mode == AuthMode::ApiKey || sandbox_mode => {
                Some(ApiKeyConfig { description: None, expires_in_days: DEFAULT_API_KEY_EXPIRATION_DAYS })
            }
            None => None,
        };
        let oidc = get("oidcAuthorizationMode").map(|cfg| OidcConfig {
            provider_name: str_field(cfg, "oidcProviderName"),
            issuer_url: str_field(cfg, "oidcIssuerUrl"),
            client_id: cfg.get("clientId").and_then(|v| v.as_str()).map(str::to_string),
            token_expiry_from_auth_seconds: cfg.get("tokenExpiryFromAuthInSeconds").and_then(|v| v.as_u64()),
            token_expiry_from_issue_seconds: cfg.get("tokenExpireFromIssueInSeconds").and_then(|v| v.as_u64()),
        });
        let lambda = get("lambdaAuthorizationMode").map(|cfg| LambdaAuthorizerConfig {
            function: cfg.get("function").and_then(|v| v.as_str()).map(str::to_string),
            ttl_seconds: cfg
                .get("timeToLiveInSeconds")
                .and_then(|v| v.as_u64())
                .unwrap_or(DEFAULT_LAMBDA_TTL_SECONDS),
        });

        let config = AuthorizationConfig {
            default_mode,
            api_key,
            user_pool: with_auth,
            iam: true,
            identity_pool: with_auth,
            oidc,
            lambda,
            sandbox_mode,
        };
        config.validate()?;
        Ok(config)
    }

    /// Whether `mode` is enabled at all (as default or additional mode).
    pub fn has_mode(&self, mode: AuthMode) -> bool {
        match mode {
            AuthMode::ApiKey => self.api_key.is_some(),
            AuthMode::UserPool => self.user_pool,
            AuthMode::Iam => self.iam,
            AuthMode::Oidc => self.oidc.is_some(),
            AuthMode::Lambda => self.lambda.is_some(),
        }
    }

    /// The additional modes, in the order AppSync lists them.
    pub fn additional_modes(&self) -> Vec<AuthMode> {
        [AuthMode::ApiKey, AuthMode::UserPool, AuthMode::Iam, AuthMode::Oidc, AuthMode::Lambda]
            .into_iter()
            .filter(|m| *m != self.default_mode && self.has_mode(*m))
            .collect()
    }

    fn validate(&self) -> Result<(), CompileError> {
        if !self.has_mode(self.default_mode) {
            let what = match self.default_mode {
                AuthMode::UserPool => "userPool requires defineAuth (a Cognito user pool)",
                AuthMode::Oidc => "oidc requires oidcAuthorizationMode",
                AuthMode::Lambda => "lambda requires lambdaAuthorizationMode",
                AuthMode::ApiKey | AuthMode::Iam => "the mode is not configured",
            };
            return Err(CompileError::AuthorizationModes(format!(
                "defaultAuthorizationMode {}: {what}",
                self.default_mode.appsync_name()
            )));
        }
        Ok(())
    }
}

fn str_field(value: &serde_json::Value, key: &str) -> String {
    value.get(key).and_then(|v| v.as_str()).unwrap_or_default().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sandbox_default_is_api_key() {
        let c = AuthorizationConfig::from_define_data_json(&json!(null), false).unwrap();
        assert_eq!(c.default_mode, AuthMode::ApiKey);
        assert!(c.sandbox_mode && c.api_key.is_some() && c.iam && !c.user_pool);
    }

    #[test]
    fn with_auth_defaults_to_user_pool() {
        let c = AuthorizationConfig::from_define_data_json(&json!(null), true).unwrap();
        assert_eq!(c.default_mode, AuthMode::UserPool);
        assert!(!c.sandbox_mode && c.api_key.is_none() && c.identity_pool);
    }

    #[test]
    fn multiple_modes_need_a_default() {
        let err = AuthorizationConfig::from_define_data_json(
            &json!({"apiKeyAuthorizationMode": {}, "lambdaAuthorizationMode": {}}),
            false,
        )
        .unwrap_err();
        assert!(err.to_string().contains("defaultAuthorizationMode is required"));
    }
}
