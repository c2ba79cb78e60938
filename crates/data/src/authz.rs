//! The authorization engine: what a [`Caller`] may do with a model, its records and fields.
//!
//! Deny by default. A rule applies to a caller only when the caller came through the rule's
//! provider (`apiKey` → API key; `userPools` → user-pool tokens; `oidc` → OIDC tokens;
//! `iam`/`identityPool` → IAM, `public` for guest identities and `private` for authenticated
//! ones; `function` → a Lambda authorizer) and that mode is enabled for the API. Rules are
//! *static* (decided by the caller alone: public, private, static groups, custom) or *dynamic*
//! (decided per record: owner, dynamic groups). [`Access`] says which.
//!
//! Owner fields hold `<sub>::<username>` by default (Gen 2's identity claim), and a caller
//! matches an owner value equal to `sub::username`, `sub` or `username`, as Amplify's resolvers
//! accept; `identityClaim` picks another claim. List-valued owner fields
//! (`ownersDefinedIn`) match when they contain one of the caller's values. Groups come from
//! `cognito:groups` or the rule's `groupClaim`.
//!
//! IAM principals: [`IamPrincipal::Admin`] may do everything. A function's role may do what
//! the schema granted it (`allow.resource(fn).to(['query' | 'mutate' | 'listen'])`, the
//! [`FunctionGrants`] given to the service); as in Amplify, such a grant is API-wide and
//! bypasses model rules, like the admin roles of Amplify's resolvers.

use std::collections::{BTreeMap, BTreeSet};

use ampbase_core::{Caller, IamPrincipal, UserIdentity};
use ampbase_data_compiler::AuthorizationConfig;
use ampbase_data_compiler::model::{
    AuthOperation, AuthProvider, AuthRule, AuthStrategy, Field, Model,
};
use ampbase_data_compiler::{AuthMode, DataModel};
use serde_json::{Map, Value};

/// What a function's role may do through the data API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FunctionAction {
    /// get, list (and sync/search).
    Query,
    /// create, update, delete.
    Mutate,
    /// subscriptions.
    Listen,
}

/// The functions granted data access, by function name. Built from the definition's
/// `functionSchemaAccess` (`[{ "resource": "<function>", "actions": ["query","mutate","listen"] }]`,
/// the schema-level `allow.resource(fn).to([...])`; `DataDefinition.other["functionSchemaAccess"]`),
/// see [`FunctionGrants::from_schema_access_json`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FunctionGrants(pub BTreeMap<String, BTreeSet<FunctionAction>>);

impl FunctionGrants {
    pub fn none() -> Self {
        FunctionGrants::default()
    }

    /// Parses `functionSchemaAccess`. A grant without `actions` gets all three, as
    /// `allow.resource(fn)` without `.to()` does.
    pub fn from_schema_access_json(value: &Value) -> Self {
        let mut out: BTreeMap<String, BTreeSet<FunctionAction>> = BTreeMap::new();
        for grant in value.as_array().into_iter().flatten() {
            let Some(name) = grant.get("resource").and_then(Value::as_str) else {
                continue;
            };
            let actions: BTreeSet<FunctionAction> =
                match grant.get("actions").and_then(Value::as_array) {
                    Some(a) => a
                        .iter()
                        .filter_map(|x| match x.as_str()? {
                            "query" => Some(FunctionAction::Query),
                            "mutate" => Some(FunctionAction::Mutate),
                            "listen" => Some(FunctionAction::Listen),
                            _ => None,
                        })
                        .collect(),
                    None => [
                        FunctionAction::Query,
                        FunctionAction::Mutate,
                        FunctionAction::Listen,
                    ]
                    .into(),
                };
            out.entry(name.to_string()).or_default().extend(actions);
        }
        FunctionGrants(out)
    }

    pub fn grant(mut self, function: &str, actions: &[FunctionAction]) -> Self {
        self.0
            .entry(function.to_string())
            .or_default()
            .extend(actions.iter().copied());
        self
    }

    fn allows(&self, function: &str, op: AuthOperation) -> bool {
        let need = match op {
            AuthOperation::Create | AuthOperation::Update | AuthOperation::Delete => {
                FunctionAction::Mutate
            }
            AuthOperation::Listen => FunctionAction::Listen,
            _ => FunctionAction::Query,
        };
        self.0.get(function).is_some_and(|a| a.contains(&need))
    }
}

/// A caller's access to a model (or field) for one operation.
#[derive(Debug, Clone)]
pub enum Access {
    /// Every record.
    All,
    /// Records one of these (owner / dynamic groups) rules allows.
    Dynamic(Vec<AuthRule>),
    None,
}

impl Access {
    pub fn is_none(&self) -> bool {
        matches!(self, Access::None)
    }
}

/// How a rule relates to a caller.
enum Applies {
    No,
    Static,
    Dynamic,
}

/// The user behind a caller, for owner and group rules.
struct Who<'a> {
    sub: &'a str,
    username: &'a str,
    groups: &'a [String],
    claims: Option<&'a Map<String, Value>>,
}

fn who(caller: &Caller) -> Option<Who<'_>> {
    match caller {
        Caller::UserPool(u) | Caller::Oidc(u) => Some(from_user(u)),
        Caller::Iam(IamPrincipal::Authenticated {
            sub,
            username,
            groups,
            ..
        }) => Some(Who {
            sub,
            username,
            groups,
            claims: None,
        }),
        _ => None,
    }
}

fn from_user(u: &UserIdentity) -> Who<'_> {
    Who {
        sub: &u.sub,
        username: &u.username,
        groups: &u.groups,
        claims: Some(&u.claims),
    }
}

fn claim_values(w: &Who<'_>, claim: &str) -> Vec<String> {
    match claim {
        "sub::username" => vec![
            format!("{}::{}", w.sub, w.username),
            w.sub.to_string(),
            w.username.to_string(),
        ],
        "sub" => vec![w.sub.to_string()],
        "username" | "cognito:username" => vec![w.username.to_string()],
        other => {
            let from_claims = w.claims.map(|c| match c.get(other) {
                Some(Value::String(s)) => vec![s.clone()],
                Some(Value::Array(items)) => items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
                Some(Value::Number(n)) => vec![n.to_string()],
                _ => Vec::new(),
            });
            from_claims.unwrap_or_default()
        }
    }
}

/// The values of the caller an owner rule accepts in the owner field.
pub fn owner_values(caller: &Caller, rule: &AuthRule) -> Vec<String> {
    who(caller)
        .map(|w| claim_values(&w, rule.identity_claim_or_default()))
        .unwrap_or_default()
}

/// The value written into the owner field on create: `sub::username` (or the rule's claim).
pub fn owner_identity(caller: &Caller, rule: &AuthRule) -> Option<String> {
    owner_values(caller, rule).into_iter().next()
}

fn caller_groups(w: &Who<'_>, rule: &AuthRule) -> Vec<String> {
    let claim = rule.group_claim_or_default();
    let mut g = claim_values(w, claim);
    if claim == "cognito:groups" {
        g.extend(w.groups.iter().cloned());
    }
    g
}

fn value_matches(v: Option<&Value>, accepted: &[String]) -> bool {
    match v {
        Some(Value::String(s)) => accepted.iter().any(|a| a == s),
        Some(Value::Array(items)) => items
            .iter()
            .any(|i| i.as_str().is_some_and(|s| accepted.iter().any(|a| a == s))),
        _ => false,
    }
}

/// The authorization engine of one compiled model.
pub struct Authorizer {
    config: AuthorizationConfig,
    functions: FunctionGrants,
}

impl Authorizer {
    pub fn new(config: AuthorizationConfig, functions: FunctionGrants) -> Self {
        Authorizer { config, functions }
    }

    fn mode_enabled(&self, p: AuthProvider) -> bool {
        let mode = match p {
            AuthProvider::ApiKey => AuthMode::ApiKey,
            AuthProvider::Iam | AuthProvider::IdentityPool => AuthMode::Iam,
            AuthProvider::UserPools => AuthMode::UserPool,
            AuthProvider::Oidc => AuthMode::Oidc,
            AuthProvider::Function => AuthMode::Lambda,
        };
        self.config.has_mode(mode)
    }

    /// The model-level rules in effect: the model's, those of both sides of a join model, or,
    /// for a model without `@auth`, the API's default mode as a rule (public API key in
    /// sandbox mode), which is what AppSync's default authorization does.
    pub fn model_rules(&self, dm: &DataModel, model: &Model) -> Vec<AuthRule> {
        if !model.auth.is_empty() {
            return model.auth.clone();
        }
        if let Some((a, b)) = &model.join_of {
            let rules: Vec<AuthRule> = [a, b]
                .iter()
                .filter_map(|m| dm.model(m))
                .flat_map(|m| m.auth.clone())
                .collect();
            if !rules.is_empty() {
                return rules;
            }
        }
        let rule = |strategy, provider| AuthRule {
            strategy,
            provider: Some(provider),
            owner_field: None,
            identity_claim: None,
            group_claim: None,
            groups: None,
            groups_field: None,
            operations: None,
        };
        if self.config.sandbox_mode {
            return vec![rule(AuthStrategy::Public, AuthProvider::ApiKey)];
        }
        match self.config.default_mode {
            AuthMode::ApiKey => vec![rule(AuthStrategy::Public, AuthProvider::ApiKey)],
            AuthMode::UserPool => vec![rule(AuthStrategy::Private, AuthProvider::UserPools)],
            AuthMode::Oidc => vec![rule(AuthStrategy::Private, AuthProvider::Oidc)],
            AuthMode::Lambda => vec![rule(AuthStrategy::Custom, AuthProvider::Function)],
            AuthMode::Iam => vec![
                rule(AuthStrategy::Private, AuthProvider::Iam),
                rule(AuthStrategy::Public, AuthProvider::Iam),
            ],
        }
    }

    fn applies(&self, rule: &AuthRule, caller: &Caller) -> Applies {
        let provider = rule.effective_provider();
        if !self.mode_enabled(provider) {
            return Applies::No;
        }
        let yes = |b: bool| if b { Applies::Static } else { Applies::No };
        match (rule.strategy, provider, caller) {
            (AuthStrategy::Public, AuthProvider::ApiKey, Caller::ApiKey) => Applies::Static,
            (AuthStrategy::Public, p, Caller::Iam(IamPrincipal::Guest { .. })) if p.is_iam() => {
                Applies::Static
            }
            (AuthStrategy::Private, p, Caller::Iam(IamPrincipal::Authenticated { .. }))
                if p.is_iam() =>
            {
                Applies::Static
            }
            (AuthStrategy::Private, AuthProvider::UserPools, Caller::UserPool(_)) => {
                Applies::Static
            }
            (AuthStrategy::Private, AuthProvider::Oidc, Caller::Oidc(_)) => Applies::Static,
            (AuthStrategy::Custom, AuthProvider::Function, Caller::Lambda(_)) => Applies::Static,
            (AuthStrategy::Owner, AuthProvider::UserPools, Caller::UserPool(_))
            | (AuthStrategy::Owner, AuthProvider::Oidc, Caller::Oidc(_)) => Applies::Dynamic,
            (AuthStrategy::Groups, AuthProvider::UserPools, Caller::UserPool(_))
            | (AuthStrategy::Groups, AuthProvider::Oidc, Caller::Oidc(_)) => {
                if rule.groups_field.is_some() || rule.groups.is_none() {
                    Applies::Dynamic
                } else {
                    let w = who(caller).expect("a user");
                    let mine = caller_groups(&w, rule);
                    yes(rule.groups.iter().flatten().any(|g| mine.contains(g)))
                }
            }
            _ => Applies::No,
        }
    }

    /// Access through a set of rules (model-level or one field's).
    fn access_by(&self, rules: &[AuthRule], caller: &Caller, op: AuthOperation) -> Access {
        match caller {
            Caller::Iam(IamPrincipal::Admin) => return Access::All,
            Caller::Iam(IamPrincipal::Function { name }) => {
                return if self.functions.allows(name, op) && self.config.iam {
                    Access::All
                } else {
                    Access::None
                };
            }
            _ => {}
        }
        let mut dynamic = Vec::new();
        for rule in rules
            .iter()
            .filter(|r| r.effective_operations().contains(&op))
        {
            match self.applies(rule, caller) {
                Applies::Static => return Access::All,
                Applies::Dynamic => dynamic.push(rule.clone()),
                Applies::No => {}
            }
        }
        if dynamic.is_empty() {
            Access::None
        } else {
            Access::Dynamic(dynamic)
        }
    }

    /// Model-level access.
    pub fn access(
        &self,
        dm: &DataModel,
        model: &Model,
        caller: &Caller,
        op: AuthOperation,
    ) -> Access {
        self.access_by(&self.model_rules(dm, model), caller, op)
    }

    /// Whether one dynamic rule allows `record` for the caller.
    pub fn dynamic_allows(
        &self,
        rule: &AuthRule,
        caller: &Caller,
        record: &Map<String, Value>,
    ) -> bool {
        let Some(w) = who(caller) else { return false };
        match rule.strategy {
            AuthStrategy::Owner => value_matches(
                record.get(rule.owner_field_or_default()),
                &claim_values(&w, rule.identity_claim_or_default()),
            ),
            AuthStrategy::Groups => {
                let field = rule
                    .groups_field
                    .as_deref()
                    .unwrap_or(ampbase_data_compiler::model::DEFAULT_GROUPS_FIELD);
                value_matches(record.get(field), &caller_groups(&w, rule))
            }
            _ => false,
        }
    }

    /// Whether `access` allows `record`.
    pub fn allows(&self, access: &Access, caller: &Caller, record: &Map<String, Value>) -> bool {
        match access {
            Access::All => true,
            Access::None => false,
            Access::Dynamic(rules) => rules.iter().any(|r| self.dynamic_allows(r, caller, record)),
        }
    }

    /// Whether the caller may do `op` on `field` of `record` under field-level rules (true when
    /// the field has none: model rules decide).
    pub fn field_allows(
        &self,
        field: &Field,
        caller: &Caller,
        op: AuthOperation,
        record: &Map<String, Value>,
    ) -> bool {
        if field.auth.is_empty() {
            return true;
        }
        let access = self.access_by(&field.auth, caller, op);
        self.allows(&access, caller, record)
    }

    /// Fields of `record` the caller may not read: field-level rules granting no read
    /// operation, plus the fields a Lambda authorizer denied (`Type.field`).
    pub fn denied_fields(
        &self,
        model: &Model,
        caller: &Caller,
        record: &Map<String, Value>,
    ) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for f in model.fields.iter().filter(|f| !f.auth.is_empty()) {
            let readable = [
                AuthOperation::Get,
                AuthOperation::List,
                AuthOperation::Listen,
            ]
            .iter()
            .any(|op| self.field_allows(f, caller, *op, record));
            if !readable {
                out.insert(f.name.clone());
            }
        }
        if let Caller::Lambda(l) = caller {
            for d in &l.denied_fields {
                // `Type.field` or an ARN ending in `/types/Type/fields/field`.
                let (t, f) = if let Some(rest) = d.split("/types/").nth(1) {
                    let mut it = rest.split("/fields/");
                    (it.next().unwrap_or_default(), it.next().unwrap_or_default())
                } else {
                    d.split_once('.').unwrap_or(("", ""))
                };
                if t == model.name && model.field(f).is_some() {
                    out.insert(f.to_string());
                }
            }
        }
        out
    }
}
