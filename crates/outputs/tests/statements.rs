//! Generated client statements against the official generator's output.
//!
//! - `conformance/fixtures/*/statements.graphql` (oracle, `--statement-target graphql`,
//!   depth 2): same operations and selections, whitespace normalised.
//! - `tests/fixtures/client-code/*/<variant>/*`: the exact files
//!   `@aws-amplify/graphql-generator` `generateStatements` writes (see the README there).

use std::fs;
use std::path::{Path, PathBuf};

use ampbase_outputs::{StatementTarget, generate_statements};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn dirs(path: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = match fs::read_dir(path) {
        Ok(rd) => rd
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect(),
        Err(_) => Vec::new(),
    };
    out.sort();
    out
}

fn normalise(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The oracle concatenates queries, mutations, subscriptions (and fragments), each ending
/// in a newline, with a newline between them.
fn joined_graphql(sdl: &str, depth: u32) -> String {
    let files = generate_statements(sdl, StatementTarget::Graphql, depth, true, None).unwrap();
    files
        .iter()
        .map(|f| f.contents.clone())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn conformance_fixture_statements_match_the_oracle() {
    let fixtures = root().join("../../conformance/fixtures");
    let mut checked = 0;
    let mut failures = Vec::new();
    for dir in dirs(&fixtures) {
        let (Ok(sdl), Ok(expected)) = (
            fs::read_to_string(dir.join("appsync.graphql")),
            fs::read_to_string(dir.join("statements.graphql")),
        ) else {
            continue;
        };
        let actual = joined_graphql(&sdl, 2);
        if std::env::var_os("AMPBASE_STATEMENTS_EXACT").is_some() {
            assert_eq!(actual, expected, "{}", dir.display());
        }
        if normalise(&actual) != normalise(&expected) {
            failures.push(format!(
                "{}:\n{}",
                dir.display(),
                first_difference(&expected, &actual)
            ));
        }
        checked += 1;
    }
    assert!(checked > 0, "no fixtures under {}", fixtures.display());
    assert!(
        failures.is_empty(),
        "{} of {checked} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn generated_files_equal_the_official_generator_byte_for_byte() {
    let fixtures = root().join("tests/fixtures/client-code");
    let mut checked = 0;
    let mut failures = Vec::new();
    for example in dirs(&fixtures) {
        let sdl = appsync_schema_of(&example);
        for variant in dirs(&example) {
            let name = variant.file_name().unwrap().to_str().unwrap().to_string();
            let (target, depth, types) = match name.as_str() {
                "graphql" => (StatementTarget::Graphql, 2, None),
                "graphql-depth3" => (StatementTarget::Graphql, 3, None),
                "javascript" => (StatementTarget::Javascript, 2, None),
                "typescript" => (StatementTarget::Typescript, 2, None),
                "typescript-typed" => (StatementTarget::Typescript, 2, Some("./API")),
                other => panic!("unknown variant {other}"),
            };
            let files = generate_statements(&sdl, target, depth, true, types).unwrap();
            let mut expected_names: Vec<String> = fs::read_dir(&variant)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_str().unwrap().to_string())
                .collect();
            expected_names.sort();
            let mut actual_names: Vec<String> = files.iter().map(|f| f.path.clone()).collect();
            actual_names.sort();
            assert_eq!(actual_names, expected_names, "{}", variant.display());
            for f in &files {
                let expected = fs::read_to_string(variant.join(&f.path)).unwrap();
                if f.contents != expected {
                    failures.push(format!(
                        "{}/{}:\n{}",
                        variant.display(),
                        f.path,
                        first_difference(&expected, &f.contents)
                    ));
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 0);
    assert!(
        failures.is_empty(),
        "{} of {checked} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn first_difference(expected: &str, actual: &str) -> String {
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    for i in 0..e.len().max(a.len()) {
        if e.get(i) != a.get(i) {
            return format!(
                "  line {}: expected {:?}\n  line {}:   actual {:?}",
                i + 1,
                e.get(i).unwrap_or(&"<end>"),
                i + 1,
                a.get(i).unwrap_or(&"<end>")
            );
        }
    }
    "  (differ only in trailing newline)".into()
}

/// The official generator throws for the `graphql` target as soon as an `S3Object` is
/// selected (it formats `fragments.graphql` from the wrong values, and prettier fails on
/// the empty document). ampbase writes the fragment file the selections refer to.
#[test]
fn graphql_target_writes_the_s3_object_fragment() {
    let sdl = fs::read_to_string(
        root().join("tests/fixtures/client-code/05-fragments-unions/appsync.graphql"),
    )
    .unwrap();
    let files = generate_statements(&sdl, StatementTarget::Graphql, 2, true, None).unwrap();
    let names: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        names,
        [
            "queries.graphql",
            "mutations.graphql",
            "subscriptions.graphql",
            "fragments.graphql"
        ]
    );
    assert!(
        files[0]
            .contents
            .contains("    file {\n      __typename\n\n      ...S3Object\n    }\n"),
        "{}",
        files[0].contents
    );
    assert_eq!(
        files[3].contents,
        "# this is an auto generated file. This will be overwritten\n\nfragment S3Object on S3Object {\n  bucket\n  key\n  region\n}\n"
    );
}

#[test]
fn client_code_formats_and_targets() {
    use ampbase_outputs::{
        ClientCodeFormat, ClientCodeOptions, ModelTarget, OutputsError, TypeTarget,
        generate_client_code,
    };
    let sdl = appsync_schema_of(&root().join("tests/fixtures/client-code/01-todo-public-api-key"));
    let mi = serde_json::json!({ "version": 1, "models": {} });

    let default =
        generate_client_code(&sdl, None, Some(&mi), &ClientCodeOptions::default()).unwrap();
    let names: Vec<&str> = default.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(names, ["queries.js", "mutations.js", "subscriptions.js"]);

    let intro = ClientCodeOptions {
        format: ClientCodeFormat::Introspection,
        ..Default::default()
    };
    let files = generate_client_code(&sdl, None, Some(&mi), &intro).unwrap();
    assert_eq!(files[0].path, "model-introspection.json");
    assert_eq!(
        files[0].contents,
        "{\n    \"version\": 1,\n    \"models\": {}\n}"
    );

    let modelgen = ClientCodeOptions {
        format: ClientCodeFormat::Modelgen,
        model_target: ModelTarget::Dart,
        ..Default::default()
    };
    let err = generate_client_code(&sdl, None, Some(&mi), &modelgen).unwrap_err();
    assert!(
        matches!(err, OutputsError::Unsupported(ref m) if m.contains("`dart`")),
        "{err}"
    );

    // Both targets TypeScript: typed statements pointing at `./API`, and `API.ts`.
    let typed = ClientCodeOptions {
        statement_target: StatementTarget::Typescript,
        type_target: Some(TypeTarget::Typescript),
        ..Default::default()
    };
    let files = generate_client_code(&sdl, None, Some(&mi), &typed).unwrap();
    let names: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        names,
        ["queries.ts", "mutations.ts", "subscriptions.ts", "API.ts"]
    );
    assert!(
        files[0]
            .contents
            .contains("import * as APITypes from \"./API\";")
    );

    // TypeScript statements without types stay untyped; other statement targets with
    // TypeScript types get `API.ts` next to untyped statements, as with ampx.
    let untyped = ClientCodeOptions {
        statement_target: StatementTarget::Typescript,
        ..Default::default()
    };
    let files = generate_client_code(&sdl, None, Some(&mi), &untyped).unwrap();
    assert!(!files[0].contents.contains("APITypes"));
    let js_typed = ClientCodeOptions {
        statement_target: StatementTarget::Javascript,
        type_target: Some(TypeTarget::Typescript),
        ..Default::default()
    };
    let files = generate_client_code(&sdl, None, Some(&mi), &js_typed).unwrap();
    let names: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        names,
        ["queries.js", "mutations.js", "subscriptions.js", "API.ts"]
    );

    let swift = ClientCodeOptions {
        type_target: Some(TypeTarget::Swift),
        ..Default::default()
    };
    let err = generate_client_code(&sdl, None, Some(&mi), &swift).unwrap_err();
    assert!(err.to_string().contains("--type-target swift"), "{err}");
}

/// `tests/fixtures/client-types/<schema>/typescript-types/*`: what
/// `ampx generate graphql-client-code --format graphql-codegen --statement-target typescript
/// --type-target typescript` writes for `conformance/fixtures/<schema>/appsync.graphql`
/// (`gen-types.cjs` there, with `@aws-amplify/graphql-generator` 0.5.4).
#[test]
fn typescript_types_equal_the_official_generator_byte_for_byte() {
    use ampbase_outputs::{ClientCodeOptions, TypeTarget, generate_client_code};
    let fixtures = std::env::var_os("AMPBASE_TYPES_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("tests/fixtures/client-types"));
    let opts = ClientCodeOptions {
        statement_target: StatementTarget::Typescript,
        type_target: Some(TypeTarget::Typescript),
        ..Default::default()
    };
    let mut checked = 0;
    let mut failures = Vec::new();
    for example in dirs(&fixtures) {
        let name = example.file_name().unwrap().to_str().unwrap().to_string();
        // Hand-written schemas carry their own `appsync.graphql`.
        let own = example.join("appsync.graphql");
        let sdl_path = if own.exists() {
            own
        } else {
            root()
                .join("../../conformance/fixtures")
                .join(&name)
                .join("appsync.graphql")
        };
        let sdl = fs::read_to_string(&sdl_path).unwrap();
        let expected_dir = example.join("typescript-types");
        let files = generate_client_code(&sdl, None, None, &opts).unwrap();
        let mut expected_names: Vec<String> = fs::read_dir(&expected_dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_str().unwrap().to_string())
            .collect();
        expected_names.sort();
        let mut actual_names: Vec<String> = files.iter().map(|f| f.path.clone()).collect();
        actual_names.sort();
        assert_eq!(actual_names, expected_names, "{}", example.display());
        for f in &files {
            let expected = fs::read_to_string(expected_dir.join(&f.path)).unwrap();
            if f.contents != expected {
                failures.push(format!(
                    "{name}/{}:\n{}",
                    f.path,
                    first_difference(&expected, &f.contents)
                ));
            }
            checked += 1;
        }
    }
    assert!(checked > 0);
    assert!(
        failures.is_empty(),
        "{} of {checked} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// `tests/fixtures/modelgen/<schema>/modelgen-{javascript,typescript}/*`: what
/// `ampx generate graphql-client-code --format modelgen --model-target …` writes for the
/// model schema `conformance/fixtures/<schema>/directive.graphql` (`gen-models.cjs` there),
/// generated here from that schema and its `model-introspection.json`.
#[test]
fn modelgen_equals_the_official_generator_byte_for_byte() {
    use ampbase_outputs::{ClientCodeFormat, ClientCodeOptions, ModelTarget, generate_client_code};
    let fixtures = std::env::var_os("AMPBASE_MODELGEN_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("tests/fixtures/modelgen"));
    let mut checked = 0;
    let mut failures = Vec::new();
    for example in dirs(&fixtures) {
        let name = example.file_name().unwrap().to_str().unwrap().to_string();
        let conformance = root().join("../../conformance/fixtures").join(&name);
        let sdl = fs::read_to_string(conformance.join("directive.graphql")).unwrap();
        let mi: serde_json::Value = serde_json::from_str(
            &fs::read_to_string(conformance.join("model-introspection.json")).unwrap(),
        )
        .unwrap();
        for (target, dir) in [
            (ModelTarget::Javascript, "modelgen-javascript"),
            (ModelTarget::Typescript, "modelgen-typescript"),
        ] {
            let expected_dir = example.join(dir);
            if !expected_dir.is_dir() {
                continue;
            }
            let opts = ClientCodeOptions {
                format: ClientCodeFormat::Modelgen,
                model_target: target,
                ..Default::default()
            };
            let files = generate_client_code("", Some(&sdl), Some(&mi), &opts).unwrap();
            let mut expected_names: Vec<String> = fs::read_dir(&expected_dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_str().unwrap().to_string())
                .collect();
            expected_names.sort();
            let mut actual_names: Vec<String> = files.iter().map(|f| f.path.clone()).collect();
            actual_names.sort();
            assert_eq!(actual_names, expected_names, "{}", expected_dir.display());
            for f in &files {
                let expected = fs::read_to_string(expected_dir.join(&f.path)).unwrap();
                if f.contents != expected {
                    failures.push(format!(
                        "{name}/{dir}/{}:\n{}",
                        f.path,
                        first_difference(&expected, &f.contents)
                    ));
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 0);
    assert!(
        failures.is_empty(),
        "{} of {checked} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The AppSync schema a client-code fixture was generated from: its own `appsync.graphql` for a
/// hand-written schema, else the conformance fixture of the same name.
fn appsync_schema_of(example: &std::path::Path) -> String {
    let own = example.join("appsync.graphql");
    let path = if own.exists() {
        own
    } else {
        root()
            .join("../../conformance/fixtures")
            .join(example.file_name().unwrap())
            .join("appsync.graphql")
    };
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
