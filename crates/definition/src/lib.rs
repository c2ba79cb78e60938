//! The serialisable description of an Amplify Gen 2 backend: what `amplify/backend.ts`
//! declares, after evaluation and before compilation.
//!
//! Data flows one way: the loader produces a [`BackendDefinition`] from the `amplify/`
//! folder, the compilers turn it into a running backend. Nothing here does I/O.
//!
//! Parts whose shape belongs to a later service (auth settings, storage rules) keep the
//! JSON the definition runtime produced, so that no option the user wrote is lost on the
//! way; the services give them types as they grow.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Version of the [`BackendDefinition`] format. Bumped on incompatible changes.
pub const DEFINITION_VERSION: u32 = 1;

/// Everything `defineBackend(...)` declared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BackendDefinition {
    pub version: u32,
    #[serde(default)]
    pub auth: Option<AuthDefinition>,
    #[serde(default)]
    pub data: Option<DataDefinition>,
    #[serde(default)]
    pub storage: Vec<StorageDefinition>,
    #[serde(default)]
    pub functions: Vec<FunctionDefinition>,
    /// `backend.addOutput(...)` calls, merged.
    #[serde(default)]
    pub outputs: Map<String, Value>,
    /// Constructs ampbase cannot honour (CDK escape hatches, unsupported categories).
    #[serde(default)]
    pub warnings: Vec<DefinitionWarning>,
}

impl BackendDefinition {
    pub fn function(&self, name: &str) -> Option<&FunctionDefinition> {
        self.functions.iter().find(|f| f.name == name)
    }

    /// The storage bucket the client uses when it names none.
    pub fn default_storage(&self) -> Option<&StorageDefinition> {
        self.storage.iter().find(|s| s.is_default).or(self.storage.first())
    }
}

/// `defineAuth({...})`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthDefinition {
    /// `loginWith`: `{ email: true | {...}, phone: ..., username?, externalProviders? }`.
    #[serde(default)]
    pub login_with: Value,
    /// `userAttributes`: standard and `custom:` attributes with `required` / `mutable`.
    #[serde(default)]
    pub user_attributes: Map<String, Value>,
    /// `multifactor`: `{ mode: 'OFF'|'OPTIONAL'|'REQUIRED', totp?, sms?, email? }`.
    #[serde(default)]
    pub multifactor: Option<Value>,
    /// `accountRecovery`, e.g. `EMAIL_ONLY`.
    #[serde(default)]
    pub account_recovery: Option<String>,
    #[serde(default)]
    pub groups: Vec<String>,
    #[serde(default)]
    pub senders: Option<Value>,
    /// Cognito trigger name (`preSignUp`, `postConfirmation`, ...) → function name.
    #[serde(default)]
    pub triggers: BTreeMap<String, String>,
    /// `access: allow => [allow.resource(fn).to([...])]`.
    #[serde(default)]
    pub access: Vec<ResourceGrant>,
    /// Every other option, as written.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A function's permission on another resource (`allow.resource(fn).to([...])`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceGrant {
    pub resource: String,
    #[serde(default)]
    pub actions: Vec<String>,
}

/// `defineData({...})`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataDefinition {
    #[serde(default)]
    pub name: Option<String>,
    /// The directive SDL that `schema.transform()` produces (`@model`, `@auth`, ...),
    /// or the Gen 1 `schema.graphql` text. Several for `a.combine([...])`.
    #[serde(deserialize_with = "one_or_many")]
    pub schema_sdl: Vec<String>,
    /// `authorizationModes` as written, with a Lambda authorizer's function by name.
    #[serde(default)]
    pub authorization_modes: Option<Value>,
    /// Functions referenced from the schema (`a.handler.function`, `allow.resource`),
    /// by the name used in the schema → the function's name.
    #[serde(default)]
    pub function_names: BTreeMap<String, String>,
    /// `a.handler.custom({ dataSource, entry })` resolvers.
    #[serde(default)]
    pub custom_handlers: Vec<CustomHandler>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomHandler {
    /// `Query.name`, `Mutation.name` or `Subscription.name`.
    pub operation: String,
    /// A model name or `NONE`.
    pub data_source: String,
    /// The resolver file, relative to the app root.
    pub entry: String,
}

/// `defineStorage({...})`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StorageDefinition {
    pub name: String,
    #[serde(default)]
    pub is_default: bool,
    /// Path pattern (`media/{entity_id}/*`) → its rules.
    #[serde(default)]
    pub access: BTreeMap<String, Vec<StorageRule>>,
    /// `onUpload` / `onDelete` → function name.
    #[serde(default)]
    pub triggers: BTreeMap<String, String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// One `allow.*.to([...])` of a storage path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StorageRule {
    /// `guest`, `authenticated`, `groups`, `entity` or `resource`.
    pub principal: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    pub actions: Vec<String>,
}

/// `defineFunction({...})`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FunctionDefinition {
    pub name: String,
    /// The handler file, relative to the app root.
    pub entry: String,
    /// The resource file that called `defineFunction`, relative to the app root.
    #[serde(default)]
    pub defined_in: Option<String>,
    #[serde(default)]
    pub timeout_seconds: Option<u32>,
    #[serde(default, rename = "memoryMB")]
    pub memory_mb: Option<u32>,
    #[serde(default)]
    pub environment: BTreeMap<String, EnvironmentValue>,
    #[serde(default)]
    pub runtime: Option<u32>,
    /// Cron expressions or natural-language forms (`every 5m`).
    #[serde(default)]
    pub schedule: Vec<String>,
    #[serde(default)]
    pub resource_group_name: Option<String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A function environment variable: a literal, or a sandbox secret resolved at run time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum EnvironmentValue {
    Literal(String),
    Secret { secret: String },
}

/// Something the definition asked for that ampbase does not honour; the rest still runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DefinitionWarning {
    pub message: String,
    #[serde(default)]
    pub construct: Option<String>,
    #[serde(default)]
    pub file: Option<String>,
    #[serde(default)]
    pub line: Option<u32>,
    #[serde(default)]
    pub column: Option<u32>,
}

impl std::fmt::Display for DefinitionWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{file}")?;
            if let Some(line) = self.line {
                write!(f, ":{line}")?;
                if let Some(column) = self.column {
                    write!(f, ":{column}")?;
                }
            }
            write!(f, ": ")?;
        }
        write!(f, "{}", self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_json_and_keeps_unknown_options() {
        let json = serde_json::json!({
            "version": 1,
            "auth": { "loginWith": { "email": true }, "groups": ["ADMINS"], "name": "myAuth" },
            "data": { "schemaSdl": ["type Todo @model { content: String }"] },
            "storage": [{ "name": "media", "isDefault": true,
                "access": { "media/{entity_id}/*": [{ "principal": "entity", "entity": "identity", "actions": ["read", "write"] }] } }],
            "functions": [{ "name": "sayHello", "entry": "amplify/functions/say-hello/handler.ts",
                "environment": { "NAME": "World", "KEY": { "secret": "API_KEY" } } }],
            "outputs": {}, "warnings": []
        });
        let def: BackendDefinition = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(def.auth.as_ref().unwrap().other["name"], "myAuth");
        assert_eq!(
            def.functions[0].environment["KEY"],
            EnvironmentValue::Secret { secret: "API_KEY".into() }
        );
        assert_eq!(def.default_storage().unwrap().name, "media");
        let again: BackendDefinition =
            serde_json::from_value(serde_json::to_value(&def).unwrap()).unwrap();
        assert_eq!(def, again);
    }
}
