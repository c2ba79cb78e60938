//! AppSync's authorization-mode checks: the `@aws_api_key`, `@aws_iam`,
//! `@aws_cognito_user_pools(cognito_groups:)`, `@aws_oidc`, `@aws_lambda` (and Gen 1
//! `@aws_auth(cognito_groups:)`) directives on types and fields.
//!
//! A field's directives replace its type's; with neither, only the API's default mode may
//! read it. A caller whose mode is not allowed gets `Unauthorized` ("Not Authorized to access
//! X on type Y"). These are mode checks only; the model's `@auth` rules are the data domain's.

use ampbase_core::{AuthMode, Caller};
use ampbase_data_compiler::AuthorizationConfig;
use async_graphql::Value;
use async_graphql_parser::{Positioned, types::ConstDirective};

pub const API_KEY: u8 = 1;
pub const USER_POOL: u8 = 2;
pub const IAM: u8 = 4;
pub const OIDC: u8 = 8;
pub const LAMBDA: u8 = 16;

pub fn bit(mode: AuthMode) -> u8 {
    match mode {
        AuthMode::ApiKey => API_KEY,
        AuthMode::UserPool => USER_POOL,
        AuthMode::Iam => IAM,
        AuthMode::Oidc => OIDC,
        AuthMode::Lambda => LAMBDA,
    }
}

pub fn compiled_bit(mode: ampbase_data_compiler::AuthMode) -> u8 {
    use ampbase_data_compiler::AuthMode as M;
    match mode {
        M::ApiKey => API_KEY,
        M::UserPool => USER_POOL,
        M::Iam => IAM,
        M::Oidc => OIDC,
        M::Lambda => LAMBDA,
    }
}

/// The modes the API accepts at all.
pub fn configured_modes(auth: &AuthorizationConfig) -> u8 {
    let mut m = compiled_bit(auth.default_mode);
    if auth.api_key.is_some() {
        m |= API_KEY;
    }
    if auth.user_pool {
        m |= USER_POOL;
    }
    if auth.iam {
        m |= IAM;
    }
    if auth.oidc.is_some() {
        m |= OIDC;
    }
    if auth.lambda.is_some() {
        m |= LAMBDA;
    }
    m
}

/// The modes a set of directives allows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ModeSet {
    pub modes: u8,
    /// `cognito_groups` of `@aws_cognito_user_pools` / `@aws_auth`: user-pool callers must be
    /// in one of them.
    pub cognito_groups: Option<Vec<String>>,
}

impl ModeSet {
    /// Reads the mode directives; `None` when there are none.
    pub fn from_directives(directives: &[Positioned<ConstDirective>]) -> Option<ModeSet> {
        let mut set = ModeSet::default();
        let mut any = false;
        for d in directives {
            let d = &d.node;
            let groups = || {
                d.get_argument("cognito_groups").and_then(|v| match &v.node {
                    Value::List(items) => {
                        Some(items.iter().filter_map(|i| if let Value::String(s) = i { Some(s.clone()) } else { None }).collect())
                    }
                    _ => None,
                })
            };
            match d.name.node.as_str() {
                "aws_api_key" => set.modes |= API_KEY,
                "aws_iam" => set.modes |= IAM,
                "aws_oidc" => set.modes |= OIDC,
                "aws_lambda" => set.modes |= LAMBDA,
                "aws_cognito_user_pools" | "aws_auth" => {
                    set.modes |= USER_POOL;
                    if let Some(g) = groups() {
                        set.cognito_groups.get_or_insert_with(Vec::new).extend::<Vec<String>>(g);
                    }
                }
                _ => continue,
            }
            any = true;
        }
        any.then_some(set)
    }

    pub fn allows(&self, caller: &Caller) -> bool {
        if self.modes & bit(caller.mode()) == 0 {
            return false;
        }
        match (caller, &self.cognito_groups) {
            (Caller::UserPool(user), Some(groups)) => user.groups.iter().any(|g| groups.contains(g)),
            _ => true,
        }
    }
}

/// The check of one field: `None` when every mode the API accepts may read it.
pub fn field_guard(
    field: &[Positioned<ConstDirective>],
    type_modes: Option<&ModeSet>,
    default_mode: u8,
    configured: u8,
) -> Option<ModeSet> {
    let set = ModeSet::from_directives(field)
        .or_else(|| type_modes.cloned())
        .unwrap_or(ModeSet { modes: default_mode, cognito_groups: None });
    if set.cognito_groups.is_none() && set.modes & configured == configured { None } else { Some(set) }
}
