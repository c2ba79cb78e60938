//! Schema errors the official transformer reports, for directive SDL inputs. Each case names
//! the type and field and carries the transformer's wording.

use ampbase_data_compiler::{compile, AuthorizationConfig, CompileError, CompileInput};

fn compile_err(sdl: &str) -> CompileError {
    let authorization = AuthorizationConfig::from_define_data_json(&serde_json::json!({"defaultAuthorizationMode": "apiKey"}), true).unwrap();
    compile(&CompileInput { sdl: vec![sdl.to_string()], authorization, function_names: Default::default() })
        .expect_err("schema must be rejected")
}

fn assert_error(sdl: &str, type_name: &str, field: Option<&str>, message: &str) {
    let err = compile_err(sdl);
    assert_eq!(err.type_name(), Some(type_name), "{err}");
    assert_eq!(err.field_name(), field, "{err}");
    assert!(err.to_string().contains(message), "unexpected message: {err}");
}

#[test]
fn belongs_to_without_its_reference_field() {
    assert_error(
        r#"type Team @model @auth(rules: [{allow: public, provider: apiKey}]) { members: [Member] @hasMany(references: ["teamId"]) }
           type Member @model @auth(rules: [{allow: public, provider: apiKey}]) { team: Team @belongsTo(references: ["teamId"]) }"#,
        "Team",
        Some("members"),
        "teamId is not a field in Member",
    );
}

#[test]
fn has_many_without_belongs_to() {
    assert_error(
        r#"type Team @model @auth(rules: [{allow: public, provider: apiKey}]) { members: [Member] @hasMany(references: ["teamId"]) }
           type Member @model @auth(rules: [{allow: public, provider: apiKey}]) { teamId: ID }"#,
        "Team",
        Some("members"),
        "Uni-directional relationships are not supported.",
    );
}

#[test]
fn relationship_to_a_missing_model() {
    let err = compile_err(r#"type Team @model { members: [Member] @hasMany(references: ["teamId"]) }"#);
    assert!(matches!(err, CompileError::UnknownType { ref type_name, .. } if type_name == "Member"), "{err}");
    assert_eq!(err.field_name(), Some("members"));
}

#[test]
fn index_on_a_missing_sort_key_field() {
    assert_error(
        r#"type Post @model { title: String! @index(sortKeyFields: ["missing"], queryField: "byTitle") }"#,
        "Post",
        Some("missing"),
        "Can't find field 'missing' in Post, but it was specified in index 'postsByTitleAndMissing'.",
    );
}

#[test]
fn nullable_primary_key() {
    assert_error(r#"type Post @model { slug: String @primaryKey }"#, "Post", Some("slug"), "The primary key on type 'Post' must reference non-null fields.");
}

#[test]
fn owner_rule_with_api_key_provider() {
    assert_error(
        r#"type Note @model @auth(rules: [{allow: owner, provider: apiKey}]) { body: String }"#,
        "Note",
        None,
        "@auth directive with 'owner' strategy only supports 'userPools' (default) and 'oidc' providers, but found 'apiKey' assigned.",
    );
}

#[test]
fn provider_not_configured() {
    assert_error(
        r#"type Note @model @auth(rules: [{allow: custom}]) { body: String }"#,
        "Note",
        None,
        "@auth directive with 'function' provider found, but the project has no Lambda authentication provider configured.",
    );
}

#[test]
fn read_with_other_read_operations() {
    assert_error(
        r#"type Note @model @auth(rules: [{allow: private, operations: [read, list]}]) { body: String }"#,
        "Note",
        None,
        "'list' operations are specified in addition to 'read'.",
    );
}

#[test]
fn unknown_type() {
    let err = compile_err(r#"type Note @model { body: Text }"#);
    assert_eq!(err.to_string(), "Unknown type \"Text\" referenced by Note.body.");
}
