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

#[test]
fn default_on_an_argument() {
    assert_error(
        r#"type Query { sayHello(name: String @default(value: "World")): String @auth(rules: [{allow: public}]) }"#,
        "Query",
        Some("sayHello"),
        "Directive \"@default\" may not be used on ARGUMENT_DEFINITION.",
    );
}

#[test]
fn directives_at_other_locations_and_unknown_ones() {
    assert_error(
        r#"type Post @model @auth(rules: [{allow: public}]) @primaryKey { id: ID! }"#,
        "Post",
        None,
        "Directive \"@primaryKey\" may not be used on OBJECT.",
    );
    assert_error(
        r#"type Post @model @auth(rules: [{allow: public}]) { id: ID! @model }"#,
        "Post",
        Some("id"),
        "Directive \"@model\" may not be used on FIELD_DEFINITION.",
    );
    assert_error(r#"type Post @model @key(fields: ["id"]) { id: ID! }"#, "Post", None, "Unknown directive \"@key\".");
    assert_error(
        r#"type Post @model @model { id: ID! }"#,
        "Post",
        None,
        "The directive \"@model\" can only be used once at this location.",
    );
    assert_error(
        r#"type Post @model { tags: [Post] @manyToMany }"#,
        "Post",
        Some("tags"),
        "Directive \"@manyToMany\" argument \"relationName\" of type \"String!\" is required, but it was not provided.",
    );
    assert_error(
        r#"type Post @model(search: true) { id: ID! }"#,
        "Post",
        None,
        "Unknown argument \"search\" on directive \"@model\".",
    );
}

#[test]
fn primary_key_on_a_non_model_type() {
    assert_error(
        r#"type Address { street: String! @primaryKey }
           type Query { a: Address @auth(rules: [{allow: public}]) }"#,
        "Address",
        Some("street"),
        "The @primaryKey directive may only be added to object definitions annotated with @model.",
    );
}

#[test]
fn default_on_a_list_or_object_field() {
    assert_error(
        r#"type Todo @model @auth(rules: [{allow: public}]) { tags: [String] @default(value: "inbox") }"#,
        "Todo",
        Some("tags"),
        "The @default directive may only be added to scalar or enum field types.",
    );
}

#[test]
fn default_values_of_the_wrong_type() {
    let cases = [
        ("Int", "three"),
        ("Float", "abc"),
        ("Boolean", "yes"),
        ("AWSDate", "2023-02-29"),
        ("AWSTime", "25:00:00Z"),
        ("AWSDateTime", "2024-01-01"),
        ("AWSTimestamp", "now"),
        ("AWSEmail", "not-an-email"),
        ("AWSURL", "example.com"),
        ("AWSPhone", "555-0100"),
        ("AWSIPAddress", "10.0.0.256"),
        ("AWSJSON", "{a: 1}"),
    ];
    for (ty, value) in cases {
        let sdl = format!(r#"type Settings @model @auth(rules: [{{allow: public}}]) {{ v: {ty} @default(value: "{}") }}"#, value.replace('"', "\\\""));
        assert_error(&sdl, "Settings", Some("v"), &format!("Default value \"{value}\" is not a valid {ty}."));
    }
    assert_error(
        r#"enum Level { LOW HIGH } type Settings @model @auth(rules: [{allow: public}]) { level: Level @default(value: "MEDIUM") }"#,
        "Settings",
        Some("level"),
        "Default value \"MEDIUM\" is not a member of Level enum.",
    );
}

#[test]
fn valid_default_values_are_accepted() {
    let authorization = AuthorizationConfig::from_define_data_json(&serde_json::json!({"defaultAuthorizationMode": "apiKey"}), true).unwrap();
    let sdl = r#"type Settings @model @auth(rules: [{allow: public}]) {
        retries: Int @default(value: "3") ratio: Float @default(value: "0.5") on: Boolean @default(value: "TRUE")
        day: AWSDate @default(value: "2024-02-29") at: AWSTime @default(value: "10:00:00.5+02:00")
        when: AWSDateTime @default(value: "2024-01-01T00:00:00Z") ts: AWSTimestamp @default(value: "1700000000")
        mail: AWSEmail @default(value: "a@example.com") site: AWSURL @default(value: "https://example.com/x")
        phone: AWSPhone @default(value: "+12065550100") ip: AWSIPAddress @default(value: "::1")
        json: AWSJSON @default(value: "[1, 2]") }"#;
    compile(&CompileInput { sdl: vec![sdl.to_string()], authorization, function_names: Default::default() }).expect("valid defaults");
}

#[test]
fn field_rules_leaving_required_fields_unreadable() {
    let authorization = AuthorizationConfig::from_define_data_json(
        &serde_json::json!({"defaultAuthorizationMode": "userPool", "apiKeyAuthorizationMode": {"expiresInDays": 30}}),
        true,
    )
    .unwrap();
    let sdl = r#"type StaffMember @model @auth(rules: [{allow: owner}, {allow: groups, groups: ["HR"]}]) {
        badgeId: String! @primaryKey
        fullName: String!
        phone: AWSPhone @auth(rules: [{allow: owner, operations: [read, update]}, {allow: public, provider: identityPool, operations: [read]}])
    }"#;
    let err = compile(&CompileInput { sdl: vec![sdl.to_string()], authorization, function_names: Default::default() }).expect_err("rejected");
    assert_eq!(err.type_name(), Some("StaffMember"));
    assert_eq!(err.field_name(), Some("badgeId"));
    assert!(
        err.to_string().contains(
            "When using field-level authorization rules you need to add rules to all of the model's required fields with at least read permissions. Found model \"StaffMember\" with required fields [\"badgeId\",\"fullName\"] missing field-level authorization rules."
        ),
        "{err}"
    );
}

#[test]
fn belongs_to_without_a_relationship_back() {
    assert_error(
        r#"type Blog @model @auth(rules: [{allow: public}]) { name: String }
           type Post @model @auth(rules: [{allow: public}]) { blog: Blog @belongsTo }"#,
        "Post",
        Some("blog"),
        "Blog must have a relationship with Post in order to use @belongsTo.",
    );
}

#[test]
fn many_to_many_used_once() {
    assert_error(
        r#"type Post @model @auth(rules: [{allow: public}]) { tags: [Tag] @manyToMany(relationName: "PostTags") }
           type Tag @model @auth(rules: [{allow: public}]) { label: String }"#,
        "Post",
        Some("tags"),
        "@manyToMany relation 'PostTags' must be used in exactly two locations.",
    );
}
