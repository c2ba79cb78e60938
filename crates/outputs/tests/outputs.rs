//! `amplify_outputs` in every version: schema validity, what each version adds, and the
//! local form against what the real `aws-amplify` client makes of the spec file.

mod common;

use std::fs;

use ampbase_outputs::{OutputsError, OutputsFormat, OutputsVersion, render, render_value};
use common::{Case, all, ctx, root};
use serde_json::{Value, json};

fn value(case: &Case, version: OutputsVersion) -> Value {
    render_value(&case.def, case.data.as_ref(), &ctx(&case.def), version).unwrap()
}

fn schema_v1() -> jsonschema::Validator {
    let text = fs::read_to_string(root().join("schema/outputs-schema-v1.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).expect("schema compiles")
}

#[test]
fn version_1_validates_against_the_published_schema() {
    let validator = schema_v1();
    for case in all() {
        let out = value(&case, OutputsVersion::V1);
        let errors: Vec<String> = validator
            .iter_errors(&out)
            .map(|e| format!("{} at {}", e, e.instance_path))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}\n{out:#}", case.name);
        assert_eq!(out["version"], "1");
    }
}

#[test]
fn the_schema_rejects_what_version_1_must_not_contain() {
    // Guards the test above: the newer keys are not allowed in version 1.
    let validator = schema_v1();
    let out = value(&common::full(), OutputsVersion::V1_3);
    assert!(!validator.is_valid(&out));
}

#[test]
fn each_version_adds_what_ampx_adds() {
    let case = common::full();
    let v1 = value(&case, OutputsVersion::V1);
    assert!(v1["storage"].get("buckets").is_none());
    assert!(v1["auth"].get("groups").is_none());

    let v11 = value(&case, OutputsVersion::V1_1);
    assert_eq!(v11["version"], "1.1");
    assert_eq!(v11["storage"]["buckets"][0]["name"], "media");
    assert!(v11["storage"]["buckets"][0].get("paths").is_none());

    let v12 = value(&case, OutputsVersion::V1_2);
    assert_eq!(
        v12["storage"]["buckets"][0]["paths"],
        json!({
            "media/*": { "guest": ["get", "list"] },
            "media/${cognito-identity.amazonaws.com:sub}/*": { "entityidentity": ["get", "list", "write", "delete"] },
            "public/*": {
                "authenticated": ["get", "list", "write"],
                "groupsADMINS": ["get", "list", "write", "delete"]
            }
        })
    );
    assert!(
        v12["storage"]["buckets"][1].get("paths").is_none(),
        "no access rules, no paths"
    );
    assert!(v12["auth"].get("groups").is_none());

    let v13 = value(&case, OutputsVersion::V1_3);
    assert_eq!(
        v13["auth"]["groups"],
        json!([{ "ADMINS": { "precedence": 0 } }, { "EDITORS": { "precedence": 1 } }])
    );

    let v15 = value(&case, OutputsVersion::V1_5);
    assert_eq!(v15["version"], "1.5");
    let auth = &v15["auth"];
    assert_eq!(auth["mfa_configuration"], "OPTIONAL");
    assert_eq!(auth["mfa_methods"], json!(["TOTP"]));
    assert_eq!(
        auth["standard_required_attributes"],
        json!(["email", "preferred_username"])
    );
    assert_eq!(auth["username_attributes"], json!(["email"]));
    assert_eq!(auth["user_verification_types"], json!(["email"]));
    assert_eq!(auth["unauthenticated_identities_enabled"], true);
    assert_eq!(
        auth["password_policy"],
        json!({ "min_length": 8, "require_lowercase": true, "require_numbers": true, "require_symbols": true, "require_uppercase": true })
    );
    assert_eq!(
        v15["data"]["default_authorization_type"],
        "AMAZON_COGNITO_USER_POOLS"
    );
    assert_eq!(
        v15["data"]["authorization_types"],
        json!(["API_KEY", "AWS_IAM"])
    );
    assert_eq!(v15["data"]["url"], "http://localhost:20002/graphql");
    assert_eq!(
        v15["storage"]["bucket_name"],
        v15["storage"]["buckets"][0]["bucket_name"]
    );
    assert_eq!(v15["custom"]["api_name"], "restApiName");
    // Key order as ampx writes it.
    let keys: Vec<&String> = v15.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["auth", "data", "storage", "version", "custom"]);
}

#[test]
fn passwordless_and_oauth_follow_the_auth_construct() {
    let def: ampbase_definition::BackendDefinition = serde_json::from_value(json!({
        "version": 1,
        "auth": {
            "loginWith": {
                "email": { "otpLogin": true },
                "webAuthn": true,
                "externalProviders": {
                    "google": { "clientId": "g", "clientSecret": "s" },
                    "signInWithApple": { "clientId": "a" },
                    "oidc": [{ "name": "MicrosoftEntraID", "clientId": "m" }],
                    "scopes": ["EMAIL"],
                    "callbackUrls": ["http://localhost:3000/profile"],
                    "logoutUrls": ["http://localhost:3000/"],
                    "domainPrefix": "notes"
                }
            }
        }
    }))
    .unwrap();
    let out = render_value(&def, None, &ctx(&def), OutputsVersion::V1_4).unwrap();
    assert_eq!(
        out["auth"]["oauth"],
        json!({
            "identity_providers": ["GOOGLE", "SIGN_IN_WITH_APPLE"],
            "redirect_sign_in_uri": ["http://localhost:3000/profile"],
            "redirect_sign_out_uri": ["http://localhost:3000/"],
            "response_type": "code",
            "scopes": ["email", "openid"],
            "domain": "notes.auth.us-east-1.amazoncognito.com"
        })
    );
    assert_eq!(
        out["auth"]["passwordless"],
        json!({ "email_otp_enabled": true, "sms_otp_enabled": false,
                "web_authn": { "relying_party_id": "localhost", "user_verification": "preferred" } })
    );
    let v13 = render_value(&def, None, &ctx(&def), OutputsVersion::V1_3).unwrap();
    assert!(v13["auth"].get("passwordless").is_none());
}

#[test]
fn local_form_points_the_client_at_ampbase() {
    let case = common::full();
    let mut c = ctx(&case.def);
    let out = render_value(&case.def, case.data.as_ref(), &c, OutputsVersion::Local).unwrap();
    assert_eq!(out["version"], "0-local");
    assert_eq!(
        out["Auth"]["Cognito"]["userPoolEndpoint"],
        "http://localhost:20002/"
    );
    assert_eq!(
        out["Auth"]["Cognito"]["identityPoolEndpoint"],
        "http://localhost:20002/"
    );
    assert_eq!(
        out["API"]["GraphQL"]["endpoint"],
        "HTTP://localhost:20002/graphql"
    );
    assert_eq!(out["API"]["GraphQL"]["defaultAuthMode"], "userPool");
    assert!(
        out["Storage"]["S3"]
            .get("dangerouslyConnectToHttpEndpointForTesting")
            .is_none()
    );
    assert_eq!(out["custom"]["api_id"], "restAPIId");
    assert!(out.get("auth").is_none() && out.get("data").is_none());

    c.storage_local_endpoint_fix = true;
    let out = render_value(&case.def, case.data.as_ref(), &c, OutputsVersion::Local).unwrap();
    assert_eq!(
        out["Storage"]["S3"]["dangerouslyConnectToHttpEndpointForTesting"],
        "http://localhost:20005"
    );
    let v0 = render_value(&case.def, case.data.as_ref(), &c, OutputsVersion::V0).unwrap();
    assert_eq!(
        v0["aws_user_files_s3_dangerously_connect_to_http_endpoint_for_testing"],
        "http://localhost:20005"
    );
}

/// Expected outputs computed with the real client packages (see
/// `tests/fixtures/outputs/README.md`). Set `AMPBASE_WRITE_OUTPUTS_FIXTURES=1` to rewrite
/// the `spec.json` inputs, then re-run the Node script there.
#[test]
fn local_and_legacy_forms_equal_the_real_client_packages() {
    let dir = root().join("tests/fixtures/outputs");
    let write = std::env::var_os("AMPBASE_WRITE_OUTPUTS_FIXTURES").is_some();
    let mut checked = 0;
    for case in all() {
        let case_dir = dir.join(case.name);
        let spec = value(&case, OutputsVersion::V1_5);
        let spec_text = serde_json::to_string_pretty(&spec).unwrap() + "\n";
        if write {
            fs::create_dir_all(&case_dir).unwrap();
            fs::write(case_dir.join("spec.json"), &spec_text).unwrap();
            continue;
        }
        let read = |f: &str| -> Value {
            let p = case_dir.join(f);
            serde_json::from_str(
                &fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())),
            )
            .unwrap()
        };
        assert_eq!(
            spec,
            read("spec.json"),
            "{}: spec.json is stale; rewrite the fixtures",
            case.name
        );

        // parseAmplifyConfig(spec) == local form minus what ampbase adds.
        let mut local = value(&case, OutputsVersion::Local);
        let m = local.as_object_mut().unwrap();
        assert_eq!(m.remove("version"), Some(json!("0-local")));
        m.remove("custom");
        if let Some(c) = m
            .get_mut("Auth")
            .and_then(|a| a.get_mut("Cognito"))
            .and_then(Value::as_object_mut)
        {
            assert!(c.remove("userPoolEndpoint").is_some());
            c.remove("identityPoolEndpoint");
        }
        if let Some(g) = m
            .get_mut("API")
            .and_then(|a| a.get_mut("GraphQL"))
            .and_then(Value::as_object_mut)
        {
            assert_eq!(g["endpoint"], "HTTP://localhost:20002/graphql");
            g.insert("endpoint".into(), json!("http://localhost:20002/graphql"));
        }
        assert_eq!(
            local,
            read("parsed.json"),
            "{}: local form differs from parseAmplifyConfig",
            case.name
        );

        // Version 0 == ClientConfigLegacyConverter of the 1.5 config.
        let v0 = value(&case, OutputsVersion::V0);
        assert_eq!(
            v0,
            read("legacy.json"),
            "{}: version 0 differs from ClientConfigLegacyConverter",
            case.name
        );
        let legacy_text = render(
            &case.def,
            case.data.as_ref(),
            &ctx(&case.def),
            OutputsVersion::V0,
            OutputsFormat::Json,
        )
        .unwrap();
        assert_eq!(
            legacy_text.contents,
            fs::read_to_string(case_dir.join("legacy.json")).unwrap(),
            "{}",
            case.name
        );

        // The files themselves, byte for byte.
        for (format, file) in [
            (OutputsFormat::Json, "amplify_outputs.json"),
            (OutputsFormat::Dart, "amplify_outputs.dart"),
        ] {
            let r = render(
                &case.def,
                case.data.as_ref(),
                &ctx(&case.def),
                OutputsVersion::V1_5,
                format,
            )
            .unwrap();
            assert_eq!(r.file_name, file);
            assert_eq!(
                r.contents,
                fs::read_to_string(case_dir.join(file)).unwrap(),
                "{}: {file}",
                case.name
            );
        }
        checked += 1;
    }
    assert!(write || checked == 4);
}

#[test]
fn files_are_named_and_formatted_as_ampx_writes_them() {
    let case = common::auth_only();
    let c = ctx(&case.def);
    let json_file = render(
        &case.def,
        None,
        &c,
        OutputsVersion::V1_4,
        OutputsFormat::Json,
    )
    .unwrap();
    assert_eq!(json_file.file_name, "amplify_outputs.json");
    assert!(
        json_file
            .contents
            .starts_with("{\n  \"auth\": {\n    \"user_pool_id\": \"us-east-1_")
    );
    assert!(
        json_file.contents.ends_with('}'),
        "JSON.stringify output has no trailing newline"
    );

    let legacy = render(&case.def, None, &c, OutputsVersion::V0, OutputsFormat::Json).unwrap();
    assert_eq!(legacy.file_name, "amplifyconfiguration.json");

    let dart = render(
        &case.def,
        None,
        &c,
        OutputsVersion::V1_4,
        OutputsFormat::Dart,
    )
    .unwrap();
    assert_eq!(dart.file_name, "amplify_outputs.dart");
    assert_eq!(
        dart.contents,
        format!("const amplifyConfig = r'''{}''';", json_file.contents)
    );

    let local_dart = render(
        &case.def,
        None,
        &c,
        OutputsVersion::Local,
        OutputsFormat::Dart,
    )
    .unwrap();
    assert!(local_dart.contents.contains("\"version\": \"1.5\""));
    assert!(matches!(
        render(&case.def, None, &c, OutputsVersion::V0, OutputsFormat::Dart),
        Err(OutputsError::Unsupported(_))
    ));
}

#[test]
fn add_output_merges_as_the_object_accumulator_does() {
    // The documented example: storage outputs for an externally managed bucket.
    let def: ampbase_definition::BackendDefinition = serde_json::from_value(json!({
        "version": 1,
        "auth": { "loginWith": { "email": true } },
        "outputs": { "storage": { "aws_region": "us-east-1", "bucket_name": "my-externally-managed-bucket" } }
    }))
    .unwrap();
    let out = render_value(&def, None, &ctx(&def), OutputsVersion::V1).unwrap();
    assert_eq!(
        out["storage"]["bucket_name"],
        "my-externally-managed-bucket"
    );

    // Overlapping an Amplify-managed key is refused.
    let def: ampbase_definition::BackendDefinition = serde_json::from_value(json!({
        "version": 1,
        "auth": { "loginWith": { "email": true } },
        "outputs": { "auth": { "user_pool_id": "mine" } }
    }))
    .unwrap();
    let err = render_value(&def, None, &ctx(&def), OutputsVersion::V1).unwrap_err();
    assert!(
        matches!(err, OutputsError::OutputEntryAlreadyExists { ref key } if key == "user_pool_id"),
        "{err}"
    );

    // An explicit `version` in addOutput: the highest of the same major wins.
    let def: ampbase_definition::BackendDefinition = serde_json::from_value(
        json!({ "version": 1, "outputs": { "version": "1.3", "custom": { "a": 1 } } }),
    )
    .unwrap();
    let out = render_value(&def, None, &ctx(&def), OutputsVersion::V1).unwrap();
    assert_eq!(out["version"], "1.3");
    let def: ampbase_definition::BackendDefinition =
        serde_json::from_value(json!({ "version": 1, "outputs": { "version": "2" } })).unwrap();
    assert!(matches!(
        render_value(&def, None, &ctx(&def), OutputsVersion::V1),
        Err(OutputsError::VersionMismatch { .. })
    ));
}

#[test]
fn storage_default_rules_follow_the_storage_outputs_aspect() {
    let two = |a: bool, b: bool| -> ampbase_definition::BackendDefinition {
        serde_json::from_value(json!({ "version": 1, "storage": [
            { "name": "one", "isDefault": a }, { "name": "two", "isDefault": b } ] }))
        .unwrap()
    };
    let ok = two(false, true);
    let out = render_value(&ok, None, &ctx(&ok), OutputsVersion::V1_2).unwrap();
    assert_eq!(
        out["storage"]["bucket_name"],
        out["storage"]["buckets"][1]["bucket_name"]
    );
    let none = two(false, false);
    assert!(matches!(
        render_value(&none, None, &ctx(&none), OutputsVersion::V1),
        Err(OutputsError::NoDefaultStorage)
    ));
    let both = two(true, true);
    assert!(matches!(
        render_value(&both, None, &ctx(&both), OutputsVersion::V1),
        Err(OutputsError::MultipleDefaultStorage)
    ));

    let dup: ampbase_definition::BackendDefinition = serde_json::from_value(json!({ "version": 1, "storage": [
        { "name": "media", "access": { "a/*": [
            { "principal": "guest", "actions": ["read"] }, { "principal": "guest", "actions": ["write"] } ] } } ] }))
    .unwrap();
    assert!(matches!(
        render_value(&dup, None, &ctx(&dup), OutputsVersion::V1_2),
        Err(OutputsError::InvalidStorageAccess { .. })
    ));
}

/// The `auth` section against the real `AmplifyAuth` construct's stored outputs fed to
/// the real contributors (see `tests/fixtures/auth/make-expected.mjs`).
#[test]
fn auth_section_equals_the_construct_and_contributors() {
    let dir = root().join("tests/fixtures/auth");
    let mut names: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    names.sort();
    assert!(names.len() >= 6);
    for path in names {
        let fixture: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        let def: ampbase_definition::BackendDefinition =
            serde_json::from_value(json!({ "version": 1, "auth": fixture["props"] })).unwrap();
        let mut c = ctx(&def);
        c.user_pool_id = "USER_POOL_ID".into();
        c.user_pool_client_id = "CLIENT_ID".into();
        c.identity_pool_id = "IDENTITY_POOL_ID".into();
        for (version, key) in [
            (OutputsVersion::V1_1, "1.1"),
            (OutputsVersion::V1_3, "1.3"),
            (OutputsVersion::V1_4, "1.4"),
        ] {
            let out = render_value(&def, None, &c, version).unwrap();
            assert_eq!(
                out["auth"],
                fixture["expected"][key],
                "{} version {key}",
                path.display()
            );
            // Same key order as the contributor builds it.
            let keys: Vec<&String> = out["auth"].as_object().unwrap().keys().collect();
            let expected: Vec<&String> = fixture["expected"][key]
                .as_object()
                .unwrap()
                .keys()
                .collect();
            assert_eq!(keys, expected, "{} version {key}", path.display());
        }
    }
}

/// Bucket `paths` against the real `StorageAccessOrchestrator` (see
/// `tests/fixtures/storage/make-expected.mjs`).
#[test]
fn storage_paths_equal_the_storage_access_orchestrator() {
    let dir = root().join("tests/fixtures/storage");
    let mut checked = 0;
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let fixture: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        let storage: ampbase_definition::StorageDefinition =
            serde_json::from_value(json!({ "name": "media", "access": fixture["access"] }))
                .unwrap();
        let paths = ampbase_outputs::amplify_outputs::storage_paths(&storage).unwrap();
        assert_eq!(paths, fixture["expected"], "{}", path.display());
        checked += 1;
    }
    assert!(checked >= 2);
}
