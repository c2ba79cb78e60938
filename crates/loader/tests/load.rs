//! Loading real `amplify/` folders: TypeScript features, errors with locations, warnings.

use std::path::{Path, PathBuf};
use std::time::Duration;

use ampbase_loader::{LoadError, LoadOptions, load_backend, load_data_module};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// A throw-away app made of `(path, contents)` files.
fn app(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, contents) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }
    dir
}

fn diagnostic(err: LoadError) -> ampbase_loader::Diagnostic {
    match err {
        LoadError::At(d) => d,
        other => panic!("expected a located error, got: {other}"),
    }
}

const TODO_DATA: &str = "import { a, defineData, type ClientSchema } from '@aws-amplify/backend';\n\
const schema = a.schema({\n  Todo: a.model({ content: a.string() }).authorization((allow) => [allow.publicApiKey()]),\n});\n\
export type Schema = ClientSchema<typeof schema>;\n\
export const data = defineData({ schema, authorizationModes: { defaultAuthorizationMode: 'apiKey' } });\n";

#[test]
fn loads_the_bundled_examples() {
    for example in ["todo", "blog"] {
        let root = repo().join("examples").join(example);
        let loaded = load_backend(&root, &LoadOptions::default()).unwrap_or_else(|e| panic!("{example}: {e}"));
        let def = &loaded.definition;
        assert!(def.auth.is_some(), "{example}: auth");
        let data = def.data.as_ref().expect("data");
        assert!(data.schema_sdl[0].contains("@model"), "{example}: {:?}", data.schema_sdl);
        assert!(def.warnings.is_empty(), "{example}: unexpected warnings {:?}", def.warnings);
        assert!(loaded.files.iter().any(|f| f.ends_with("amplify/data/resource.ts")));
    }
    let blog = load_backend(&repo().join("examples/blog"), &LoadOptions::default()).unwrap().definition;
    let function = blog.function("say-hello").expect("the say-hello function");
    assert_eq!(function.entry, "amplify/functions/say-hello/handler.ts");
    assert_eq!(function.timeout_seconds, Some(10));
    assert_eq!(blog.storage.len(), 1);
    assert_eq!(blog.storage[0].name, "blogMedia");
    assert!(blog.storage[0].access.contains_key("drafts/{entity_id}/*"));
    assert_eq!(blog.outputs["custom"]["blogTitle"], "The ampbase blog");
}

#[test]
fn understands_the_typescript_people_write() {
    let dir = app(&[
        ("amplify/backend.ts", "import { defineBackend } from '@aws-amplify/backend';\n\
            import { data } from './data/resource.js';\n\
            import type { Extra } from './types';\n\
            const extra: Extra | undefined = undefined;\n\
            await Promise.resolve(extra);\n\
            defineBackend({ data });\n"),
        ("amplify/types.ts", "export interface Extra { x: number }\n"),
        ("amplify/data/resource.ts", "import { a, defineData } from '@aws-amplify/backend';\n\
            import { Priority } from './priority';\n\
            function named<T extends string>(v: T): T { return v; }\n\
            const values = [Priority.Low, Priority.High] as const;\n\
            const settings = { defaultAuthorizationMode: 'apiKey' } satisfies Record<string, string>;\n\
            const schema = a.schema({ [named('Task')]: a.model({ title: a.string(), level: a.enum([...values]) }) })\n\
              .authorization((allow) => [allow.publicApiKey()]);\n\
            export const data = defineData({ schema, authorizationModes: settings });\n"),
        ("amplify/data/priority.ts", "export enum Priority { Low = 'LOW', High = 'HIGH' }\n"),
    ]);
    let def = load_backend(dir.path(), &LoadOptions::default()).unwrap().definition;
    let sdl = &def.data.unwrap().schema_sdl[0];
    assert!(sdl.contains("type Task @model"), "{sdl}");
    assert!(sdl.contains("LOW") && sdl.contains("HIGH"), "{sdl}");
}

#[test]
fn a_syntax_error_names_file_line_and_column() {
    let dir = app(&[
        ("amplify/backend.ts", "import { defineBackend } from '@aws-amplify/backend';\nimport { data } from './data/resource';\ndefineBackend({ data });\n"),
        ("amplify/data/resource.ts", "import { a } from '@aws-amplify/backend';\nconst schema = a.schema({\n  Todo: a.model({ content: a.string( }),\n});\n"),
    ]);
    let d = diagnostic(load_backend(dir.path(), &LoadOptions::default()).unwrap_err());
    assert_eq!(d.file, "amplify/data/resource.ts");
    let at = d.location.expect("a location");
    assert_eq!(at.line, 3, "{d}");
    assert!(d.message.starts_with("syntax error"), "{d}");
    assert!(d.to_string().contains("amplify/data/resource.ts:3:"), "{d}");
}

#[test]
fn an_unknown_schema_builder_method_names_its_place_and_the_valid_ones() {
    let dir = app(&[
        ("amplify/backend.ts", "import { defineBackend } from '@aws-amplify/backend';\nimport { data } from './data/resource';\ndefineBackend({ data });\n"),
        ("amplify/data/resource.ts", "import { a, defineData } from '@aws-amplify/backend';\n\n\
            const schema = a.schema({\n  Todo: a.model({\n    content: a.strng(),\n  }),\n});\nexport const data = defineData({ schema });\n"),
    ]);
    let d = diagnostic(load_backend(dir.path(), &LoadOptions::default()).unwrap_err());
    assert_eq!(d.file, "amplify/data/resource.ts", "{d}");
    assert_eq!(d.location.map(|l| l.line), Some(5), "{d}");
    assert!(d.message.contains("strng"), "{d}");
    assert!(d.message.contains("string"), "the valid names are listed: {d}");
}

#[test]
fn an_invalid_rule_combination_is_reported_where_it_is_written() {
    let dir = app(&[
        ("amplify/backend.ts", "import { defineBackend } from '@aws-amplify/backend';\nimport { data } from './data/resource';\ndefineBackend({ data });\n"),
        ("amplify/data/resource.ts", "import { a, defineData } from '@aws-amplify/backend';\n\
            const schema = a.schema({\n  Todo: a.model({ content: a.string() })\n    .authorization((allow) => [allow.publicApiKey().to(['fly'])]),\n});\n\
            export const data = defineData({ schema });\n"),
    ]);
    let d = diagnostic(load_backend(dir.path(), &LoadOptions::default()).unwrap_err());
    assert_eq!(d.file, "amplify/data/resource.ts", "{d}");
    assert_eq!(d.location.map(|l| l.line), Some(4), "{d}");
    assert!(d.message.contains("fly"), "{d}");
}

#[test]
fn cdk_escape_hatches_are_warnings_and_the_rest_loads() {
    let dir = app(&[
        ("amplify/backend.ts", "import { defineBackend } from '@aws-amplify/backend';\n\
            import { Stack } from 'aws-cdk-lib';\n\
            import * as iam from 'aws-cdk-lib/aws-iam';\n\
            import { data } from './data/resource';\n\
            const backend = defineBackend({ data });\n\
            const stack = backend.createStack('custom');\n\
            new iam.PolicyStatement({ actions: ['s3:GetObject'] });\n\
            backend.data.resources.cfnResources.cfnGraphqlApi.xrayEnabled = true;\n\
            export const region = Stack.of(stack).region;\n"),
        ("amplify/data/resource.ts", TODO_DATA),
    ]);
    let def = load_backend(dir.path(), &LoadOptions::default()).unwrap().definition;
    assert!(def.data.is_some());
    let text: Vec<String> = def.warnings.iter().map(|w| w.to_string()).collect();
    let find = |needle: &str| {
        def.warnings
            .iter()
            .find(|w| w.construct.as_deref().unwrap_or("").contains(needle) || w.message.contains(needle))
            .unwrap_or_else(|| panic!("no warning about {needle}: {text:?}"))
    };
    let cdk = find("aws-cdk-lib");
    assert_eq!((cdk.file.as_deref(), cdk.line), (Some("amplify/backend.ts"), Some(2)), "{text:?}");
    assert_eq!(find("aws-cdk-lib/aws-iam").line, Some(3), "{text:?}");
    let stack = find("createStack");
    assert_eq!((stack.file.as_deref(), stack.line), (Some("amplify/backend.ts"), Some(6)), "{text:?}");
    assert_eq!(find("cfnResources").line, Some(8), "{text:?}");
}

#[test]
fn a_missing_import_is_an_error_at_the_import() {
    let dir = app(&[("amplify/backend.ts", "import { defineBackend } from '@aws-amplify/backend';\nimport { data } from './data/nope';\ndefineBackend({ data });\n")]);
    let d = diagnostic(load_backend(dir.path(), &LoadOptions::default()).unwrap_err());
    assert_eq!(d.file, "amplify/backend.ts");
    assert_eq!(d.location.map(|l| l.line), Some(2), "{d}");
    assert!(d.message.contains("./data/nope"), "{d}");
}

#[test]
fn an_endless_definition_is_stopped() {
    let dir = app(&[("amplify/backend.ts", "while (true) {}\n")]);
    let options = LoadOptions { timeout: Duration::from_millis(300), ..LoadOptions::default() };
    assert!(matches!(load_backend(dir.path(), &options), Err(LoadError::Timeout(_))));
}

#[test]
fn no_backend_is_a_clear_error() {
    let dir = app(&[]);
    let err = load_backend(dir.path(), &LoadOptions::default()).unwrap_err();
    assert!(matches!(err, LoadError::NoBackend(_)));
    assert!(err.to_string().contains("amplify/backend.ts"));
}

#[test]
fn a_data_module_loads_on_its_own() {
    let dir = app(&[("schema.ts", TODO_DATA)]);
    let def = load_data_module(dir.path(), "schema.ts", &LoadOptions::default()).unwrap().definition;
    let data = def.data.unwrap();
    assert!(data.schema_sdl[0].contains("type Todo @model"));
    assert_eq!(data.authorization_modes.unwrap()["defaultAuthorizationMode"], "apiKey");
}

/// The directive SDL of every schema of the conformance corpus equals what the official
/// `@aws-amplify/data-schema` produced (modulo blank space).
#[test]
fn directive_sdl_matches_the_official_data_schema_package() {
    let corpus = repo().join("conformance");
    let mut checked = 0;
    let mut failures = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(corpus.join("schemas")).unwrap().flatten().map(|e| e.file_name().to_string_lossy().to_string()).collect();
    names.sort();
    for name in names.iter().filter(|n| n.ends_with(".ts")) {
        let stem = name.trim_end_matches(".ts");
        let expected = std::fs::read_to_string(corpus.join("fixtures").join(stem).join("directive.graphql"))
            .unwrap_or_else(|_| panic!("no fixture for {name}"));
        match load_data_module(&corpus, &format!("schemas/{name}"), &LoadOptions::default()) {
            Ok(loaded) => {
                let got = loaded.definition.data.unwrap().schema_sdl.join("\n");
                if normalize(&got) != normalize(&expected) {
                    failures.push(format!("{name}: directive SDL differs\n--- ours\n{got}\n--- official\n{expected}"));
                }
            }
            Err(e) => failures.push(format!("{name}: {e}")),
        }
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} schemas in the corpus");
    assert!(failures.is_empty(), "{} of {checked} differ:\n{}", failures.len(), failures.join("\n\n"));
}

fn normalize(sdl: &str) -> String {
    sdl.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn a_schema_error_points_at_the_schema_code_it_is_about() {
    let corpus = repo().join("conformance");
    let d = diagnostic(load_data_module(&corpus, "errors/belongs-to-missing-reference-field.ts", &LoadOptions::default()).unwrap_err());
    assert_eq!(d.file, "errors/belongs-to-missing-reference-field.ts", "{d}");
    let line = d.location.expect("a location").line;
    let source = std::fs::read_to_string(corpus.join(&d.file)).unwrap();
    let code = source.lines().nth(line as usize - 1).unwrap();
    assert!(code.contains("a.model") || code.contains("a.hasMany") || code.contains("a.belongsTo"), "{d}");
    assert!(d.message.contains("teamId"), "{d}");
}
