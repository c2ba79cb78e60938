//! Definitions shared by the outputs tests.

#![allow(dead_code)]

use std::path::PathBuf;

use ampbase_definition::BackendDefinition;
use ampbase_outputs::{AuthType, CompiledDataOutputs, OutputsContext};
use serde_json::{Value, json};

pub struct Case {
    pub name: &'static str,
    pub def: BackendDefinition,
    pub data: Option<CompiledDataOutputs>,
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn ctx(def: &BackendDefinition) -> OutputsContext {
    OutputsContext::for_definition("notes-app", "alice", "us-east-1", def)
}

fn def(v: Value) -> BackendDefinition {
    serde_json::from_value(v).expect("definition")
}

fn todo_introspection() -> Value {
    let path = root().join("tests/fixtures/model-introspection-todo.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `defineAuth({ loginWith: { email: true } })` alone.
pub fn auth_only() -> Case {
    Case {
        name: "auth-only",
        def: def(json!({ "version": 1, "auth": { "loginWith": { "email": true } } })),
        data: None,
    }
}

/// The quickstart Todo without `defineAuth`: `allow.publicApiKey()`, default `apiKey`.
pub fn data_api_key() -> Case {
    Case {
        name: "data-api-key",
        def: def(json!({
            "version": 1,
            "data": { "schemaSdl": "type Todo @model @auth(rules: [{allow: public}]) { content: String }",
                      "authorizationModes": { "defaultAuthorizationMode": "apiKey" } }
        })),
        data: Some(CompiledDataOutputs {
            model_introspection: todo_introspection(),
            default_authorization_type: AuthType::ApiKey,
            additional_authorization_types: vec![AuthType::Iam],
            api_key: None,
        }),
    }
}

/// Auth with MFA, groups, extra attributes; data on the user pool; two buckets with path
/// rules; custom outputs.
pub fn full() -> Case {
    Case {
        name: "full",
        def: def(json!({
            "version": 1,
            "auth": {
                "loginWith": { "email": true },
                "userAttributes": {
                    "preferredUsername": { "required": true, "mutable": true },
                    "givenName": { "required": false },
                    "custom:tier": { "dataType": "String" }
                },
                "multifactor": { "mode": "OPTIONAL", "totp": true, "sms": false },
                "groups": ["ADMINS", "EDITORS"]
            },
            "data": { "schemaSdl": ["type Todo @model @auth(rules: [{allow: owner}]) { content: String }"] },
            "storage": [
                { "name": "media", "isDefault": true, "access": {
                    "media/{entity_id}/*": [
                        { "principal": "guest", "actions": ["read"] },
                        { "principal": "entity", "entity": "identity", "actions": ["read", "write", "delete"] }
                    ],
                    "public/*": [
                        { "principal": "authenticated", "actions": ["read", "write"] },
                        { "principal": "groups", "groups": ["ADMINS"], "actions": ["read", "write", "delete"] },
                        { "principal": "resource", "resource": "thumbnailer", "actions": ["read"] }
                    ]
                } },
                { "name": "documents" }
            ],
            "outputs": { "custom": { "api_id": "restAPIId", "api_endpoint": "https://api.example.com", "api_name": "restApiName" } }
        })),
        data: Some(CompiledDataOutputs {
            model_introspection: todo_introspection(),
            default_authorization_type: AuthType::UserPool,
            additional_authorization_types: vec![AuthType::ApiKey, AuthType::Iam],
            api_key: Some("da2-fixedkeyfortests0000000000".into()),
        }),
    }
}

/// Auth plus `backend.addOutput({ custom: {...} })` only.
pub fn custom_outputs() -> Case {
    Case {
        name: "custom-outputs",
        def: def(json!({
            "version": 1,
            "auth": { "loginWith": { "email": true, "phone": true } },
            "outputs": { "custom": { "api_id": "restAPIId", "nested": { "list": [1, 2], "flag": false } } }
        })),
        data: None,
    }
}

pub fn all() -> Vec<Case> {
    vec![auth_only(), data_api_key(), full(), custom_outputs()]
}
