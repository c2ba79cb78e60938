//! The auth transformer's access-control matrix and its choice of AppSync auth directives.
//!
//! Each rule becomes one or more *roles*; the matrix records which operations each role may
//! perform on each field. The directives an operation gets follow from the providers of the
//! roles allowed to perform it, with the API's default mode left implicit where AppSync
//! permits (`getServiceDirectives`).

use crate::model::{AuthOperation, AuthProvider, AuthRule, AuthStrategy, MODEL_OPERATIONS};
use crate::{AuthMode, AuthorizationConfig, CompileError};

use super::schema::Dir;

#[derive(Debug, Clone)]
pub(crate) struct Role {
    pub name: String,
    pub provider: AuthProvider,
    pub strategy: AuthStrategy,
    pub is_static: bool,
    /// Owner field, groups field or group name.
    pub entity: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Acm {
    name: String,
    pub roles: Vec<Role>,
    resources: Vec<String>,
    /// Join models of `@manyToMany` take both sides' rules; a repeated role overwrites
    /// (`allowRoleOverwrite`).
    pub allow_role_overwrite: bool,
    /// roles × resources × operations
    matrix: Vec<Vec<[bool; 8]>>,
}

fn op_index(op: AuthOperation) -> usize {
    MODEL_OPERATIONS.iter().position(|o| *o == op).expect("matrix operation")
}

impl Acm {
    pub fn new(name: &str, resources: Vec<String>) -> Self {
        Acm { name: name.to_string(), roles: Vec::new(), resources, matrix: Vec::new(), allow_role_overwrite: false }
    }

    fn set_role(&mut self, role: Role, resource: Option<&str>, ops: &[AuthOperation]) -> Result<(), CompileError> {
        let mut allowed = [false; 8];
        for op in ops {
            allowed[op_index(*op)] = true;
        }
        let resource_index = resource.and_then(|r| self.resources.iter().position(|x| x == r));
        match self.roles.iter().position(|r| r.name == role.name) {
            None => {
                let row = (0..self.resources.len())
                    .map(|i| match resource_index {
                        Some(ri) if ri != i => [false; 8],
                        _ => allowed,
                    })
                    .collect();
                self.roles.push(role);
                self.matrix.push(row);
            }
            Some(index) => match resource_index {
                Some(ri) => self.matrix[index][ri] = allowed,
                None if self.allow_role_overwrite => self.matrix[index] = vec![allowed; self.resources.len()],
                None => {
                    return Err(CompileError::directive(
                        &self.name,
                        None,
                        format!("@auth {} already exists for {}", role.name, self.name),
                    ))
                }
            },
        }
        Ok(())
    }

    pub fn reset_resource(&mut self, resource: &str) {
        if let Some(ri) = self.resources.iter().position(|r| r == resource) {
            for row in &mut self.matrix {
                row[ri] = [false; 8];
            }
        }
    }

    /// Whether `role` may perform `op` on the field `resource`.
    pub fn is_allowed(&self, role: &str, resource: &str, op: AuthOperation) -> bool {
        let (Some(ri), Some(fi)) = (self.roles.iter().position(|r| r.name == role), self.resources.iter().position(|r| r == resource)) else {
            return false;
        };
        self.matrix[ri][fi][op_index(op)]
    }

    /// The fields among `required` that some reading role may not read, as the auth
    /// transformer finds them before requiring field rules on every required field
    /// (`getReadRolesForField`; the model's read roles are those allowed `get`).
    pub fn unreadable_required_fields(&self, required: &[String]) -> Vec<String> {
        const READ: [AuthOperation; 5] = [AuthOperation::Get, AuthOperation::List, AuthOperation::Sync, AuthOperation::Search, AuthOperation::Listen];
        let read_roles: Vec<&str> = self.roles_for(AuthOperation::Get, false).iter().map(|r| r.name.as_str()).collect();
        let mut out = Vec::new();
        for field in required.iter().filter(|f| self.resources.contains(f)) {
            let mut field_roles = read_roles.clone();
            for provider in ["userPools", "oidc"] {
                let private = format!("{}:{provider}:private", self.name);
                if read_roles.contains(&private.as_str()) && READ.iter().all(|op| self.is_allowed(&private, field, *op)) {
                    let prefix = format!("{}:{provider}:", self.name);
                    field_roles.retain(|r| !(r.starts_with(&prefix) && *r != private));
                }
            }
            let allowed = field_roles.iter().filter(|r| READ.iter().any(|op| self.is_allowed(r, field, *op))).count();
            if allowed < field_roles.len() {
                out.push(field.clone());
            }
        }
        out
    }

    /// Roles allowed `op` on some field (on every field when `full_access`).
    pub fn roles_for(&self, op: AuthOperation, full_access: bool) -> Vec<&Role> {
        let oi = op_index(op);
        self.roles
            .iter()
            .zip(&self.matrix)
            .filter(|(_, row)| {
                if full_access {
                    row.iter().all(|ops| ops[oi])
                } else {
                    row.iter().any(|ops| ops[oi])
                }
            })
            .map(|(r, _)| r)
            .collect()
    }

    /// `convertRulesToRoles`.
    pub fn add_rules(&mut self, rules: &[AuthRule], field: Option<&str>, override_ops: Option<&[AuthOperation]>) -> Result<(), CompileError> {
        for rule in rules {
            let ops = override_ops.map(<[_]>::to_vec).unwrap_or_else(|| rule.effective_operations());
            let provider = rule.effective_provider();
            let provider_name = provider.as_str();
            if let (Some(groups), None) = (&rule.groups, &rule.groups_field) {
                let claim = rule.group_claim_or_default();
                for group in groups {
                    let role = Role {
                        name: format!("{}:{provider_name}:staticGroup:{group}:{claim}", self.name),
                        provider,
                        strategy: rule.strategy,
                        is_static: true,
                        entity: Some(group.clone()),
                    };
                    self.set_role(role, field, &ops)?;
                }
                continue;
            }
            let acm = &self.name;
            let role = match provider {
                AuthProvider::ApiKey => Role { name: format!("{acm}:apiKey:public"), provider, strategy: rule.strategy, is_static: true, entity: None },
                AuthProvider::Function => Role { name: format!("{acm}:function:custom"), provider, strategy: rule.strategy, is_static: true, entity: None },
                AuthProvider::Iam | AuthProvider::IdentityPool => Role {
                    name: format!("{acm}:iam:{}", rule.strategy.as_str()),
                    provider,
                    strategy: rule.strategy,
                    is_static: true,
                    entity: None,
                },
                AuthProvider::UserPools | AuthProvider::Oidc => match rule.strategy {
                    AuthStrategy::Groups => {
                        let field_name = rule.groups_field.clone().unwrap_or_else(|| crate::model::DEFAULT_GROUPS_FIELD.into());
                        Role {
                            name: format!("{acm}:{provider_name}:dynamicGroup:{field_name}:{}", rule.group_claim_or_default()),
                            provider,
                            strategy: rule.strategy,
                            is_static: false,
                            entity: Some(field_name),
                        }
                    }
                    AuthStrategy::Owner => {
                        let owner = rule.owner_field_or_default().to_string();
                        Role {
                            name: format!("{acm}:{provider_name}:owner:{owner}:{}", rule.identity_claim_or_default()),
                            provider,
                            strategy: rule.strategy,
                            is_static: false,
                            entity: Some(owner),
                        }
                    }
                    _ => Role {
                        name: format!("{acm}:{provider_name}:{}", rule.strategy.as_str()),
                        provider,
                        strategy: rule.strategy,
                        is_static: true,
                        entity: None,
                    },
                },
            };
            self.set_role(role, field, &ops)?;
        }
        Ok(())
    }
}

/// The provider set of some roles, with the provider-to-directive logic of the transformer.
pub(crate) struct Directives<'a> {
    pub config: &'a AuthorizationConfig,
}

/// Providers compared as the transformer does: `iam` and `identityPool` are one.
fn norm(p: AuthProvider) -> AuthProvider {
    if p.is_iam() { AuthProvider::IdentityPool } else { p }
}

impl Directives<'_> {
    pub fn default_provider(&self) -> AuthProvider {
        match self.config.default_mode {
            AuthMode::ApiKey => AuthProvider::ApiKey,
            AuthMode::UserPool => AuthProvider::UserPools,
            AuthMode::Iam => AuthProvider::IdentityPool,
            AuthMode::Oidc => AuthProvider::Oidc,
            AuthMode::Lambda => AuthProvider::Function,
        }
    }

    /// `shouldAddDefaultServiceDirective`.
    pub fn should_add_default(&self) -> bool {
        self.config.iam && self.config.default_mode != AuthMode::Iam
    }

    /// `getAuthProviders`: the roles' providers, plus IAM since Gen 2 always enables it.
    pub fn providers(&self, roles: &[&Role]) -> Vec<AuthProvider> {
        let mut out: Vec<AuthProvider> = Vec::new();
        for r in roles {
            if !out.contains(&norm(r.provider)) {
                out.push(norm(r.provider));
            }
        }
        if self.config.iam && !out.contains(&AuthProvider::IdentityPool) {
            out.push(AuthProvider::IdentityPool);
        }
        out
    }

    /// `getServiceDirectives`.
    pub fn service_directives(&self, providers: &[AuthProvider], add_default: bool) -> Vec<Dir> {
        if providers.is_empty() {
            return Vec::new();
        }
        let default = self.default_provider();
        let has = |p: AuthProvider| providers.iter().any(|x| norm(*x) == p);
        let has_other = |p: AuthProvider| providers.iter().any(|x| norm(*x) != p);
        let mut dirs: Vec<Dir> = Vec::new();
        for p in [AuthProvider::ApiKey, AuthProvider::IdentityPool, AuthProvider::Oidc, AuthProvider::UserPools, AuthProvider::Function] {
            let wanted = if p != default { has(p) } else { has_other(p) && add_default };
            if wanted {
                dirs.push(Dir::bare(p.appsync_directive()));
            }
        }
        let default_dir = default.appsync_directive();
        if has(default) && has_other(default) && !dirs.iter().any(|d| d.name == default_dir) {
            dirs.push(Dir::bare(default_dir));
        }
        dirs
    }

    /// `doesTypeHaveRulesForOperation`.
    pub fn include_default(&self, roles: &[&Role]) -> bool {
        let default = self.default_provider();
        roles.iter().any(|r| norm(r.provider) == default) || (roles.is_empty() && self.should_add_default())
    }
}
