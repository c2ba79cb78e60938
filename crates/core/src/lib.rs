//! The kernel every service shares: who is calling.
//!
//! Each edge authenticates a request in its own protocol (an API key header, a Cognito JWT,
//! a SigV4 signature) and hands the services a [`Caller`]. Services decide what the caller may
//! do; they never see headers or tokens.

pub mod functions;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// An authenticated caller, with the authorization mode it came through.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "camelCase")]
pub enum Caller {
    /// A valid, unexpired API key (`x-api-key`).
    ApiKey,
    /// A Cognito user-pool user (`Authorization: <id or access token>`).
    UserPool(UserIdentity),
    /// An OIDC token of the configured provider.
    Oidc(UserIdentity),
    /// An IAM principal (SigV4): an identity-pool identity, a function's role, or an operator.
    Iam(IamPrincipal),
    /// A request a Lambda authorizer allowed.
    Lambda(LambdaIdentity),
}

/// A signed-in user, as its token's claims say.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserIdentity {
    /// `sub`.
    pub sub: String,
    /// `cognito:username` (or `username`); what owner rules store beside `sub`.
    pub username: String,
    /// `cognito:groups`.
    pub groups: Vec<String>,
    /// Every claim of the token, for `identityClaim` / `groupClaim` rules.
    pub claims: Map<String, Value>,
}

impl UserIdentity {
    /// The value of a claim, as strings (a list claim gives several).
    pub fn claim_values(&self, claim: &str) -> Vec<String> {
        match self.claims.get(claim) {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(items)) => items.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
            Some(Value::Number(n)) => vec![n.to_string()],
            Some(Value::Bool(b)) => vec![b.to_string()],
            _ => Vec::new(),
        }
    }
}

/// An IAM principal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum IamPrincipal {
    /// An unauthenticated identity-pool identity (`allow.guest()`).
    Guest { identity_id: String },
    /// An authenticated identity-pool identity of a user-pool user.
    Authenticated { identity_id: String, sub: String, username: String, groups: Vec<String> },
    /// A function's role (`allow.resource(fn)`).
    Function { name: String },
    /// An operator or the console: may do anything.
    Admin,
}

/// What a Lambda authorizer returned for the request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LambdaIdentity {
    pub resolver_context: Map<String, Value>,
    /// Fields the authorizer denied (`deniedFields`: `Type.field` or field ARNs).
    pub denied_fields: Vec<String>,
}

impl Caller {
    /// The AppSync authorization mode the caller came through.
    pub fn mode(&self) -> AuthMode {
        match self {
            Caller::ApiKey => AuthMode::ApiKey,
            Caller::UserPool(_) => AuthMode::UserPool,
            Caller::Oidc(_) => AuthMode::Oidc,
            Caller::Iam(_) => AuthMode::Iam,
            Caller::Lambda(_) => AuthMode::Lambda,
        }
    }
}

/// AppSync's authorization modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuthMode {
    ApiKey,
    UserPool,
    Iam,
    Oidc,
    Lambda,
}

impl AuthMode {
    /// The name AppSync and `amplify_outputs.json` use.
    pub fn appsync_name(self) -> &'static str {
        match self {
            AuthMode::ApiKey => "API_KEY",
            AuthMode::UserPool => "AMAZON_COGNITO_USER_POOLS",
            AuthMode::Iam => "AWS_IAM",
            AuthMode::Oidc => "OPENID_CONNECT",
            AuthMode::Lambda => "AWS_LAMBDA",
        }
    }

    /// `defaultAuthorizationMode` spelling of `defineData`.
    pub fn from_define_data(name: &str) -> Option<AuthMode> {
        Some(match name {
            "apiKey" => AuthMode::ApiKey,
            "userPool" => AuthMode::UserPool,
            "iam" | "identityPool" => AuthMode::Iam,
            "oidc" => AuthMode::Oidc,
            "lambda" => AuthMode::Lambda,
            _ => return None,
        })
    }
}
