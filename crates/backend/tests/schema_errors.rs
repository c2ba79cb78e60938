//! Every schema the official pipeline rejects (`conformance/errors/`) is rejected here too,
//! through the whole chain (definition runtime → compiler), with a message that names what
//! the official message names.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ampbase_definition::{BackendDefinition, DataDefinition, DEFINITION_VERSION};
use ampbase_loader::{LoadOptions, load_data_module};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../conformance").canonicalize().unwrap()
}

/// Loads and compiles one error case; `Ok` means it was wrongly accepted.
fn build(file: &Path) -> Result<(), String> {
    let name = file.file_name().unwrap().to_string_lossy().to_string();
    let definition = if name.ends_with(".graphql") {
        let sdl = std::fs::read_to_string(file).unwrap();
        let data: DataDefinition = serde_json::from_value(serde_json::json!({
            "schemaSdl": sdl,
            "authorizationModes": { "defaultAuthorizationMode": "apiKey", "apiKeyAuthorizationMode": { "expiresInDays": 7 } }
        }))
        .unwrap();
        BackendDefinition {
            version: DEFINITION_VERSION,
            auth: Some(serde_json::from_value(serde_json::json!({})).unwrap()),
            data: Some(data),
            storage: vec![],
            functions: vec![],
            outputs: Default::default(),
            warnings: vec![],
        }
    } else {
        let mut def = load_data_module(&corpus(), &format!("errors/{name}"), &LoadOptions::default())
            .map_err(|e| e.to_string())?
            .definition;
        // The oracle models a backend with defineAuth (a user pool and an identity pool).
        def.auth = Some(serde_json::from_value(serde_json::json!({})).unwrap());
        def
    };
    ampbase_backend::compile_data(&definition).map(|_| ()).map_err(|e| e.to_string())
}

/// Names from the schema that the official message mentions: ours must mention them too.
fn named_things(expected: &str, schema: &str) -> BTreeSet<String> {
    // Code only: comments explain the case in words the message need not repeat.
    let code: String = schema
        .lines()
        .map(|l| l.split_once("//").map_or(l, |(code, _)| code))
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n");
    let identifiers: BTreeSet<&str> = code
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| w.len() > 1)
        .collect();
    let generic = ["Error", "type", "Schema", "String", "Int", "ID", "model", "field", "to", "a", "is", "not", "the", "of", "and", "with", "in", "for"];
    expected
        .lines()
        .next()
        .unwrap_or("")
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| identifiers.contains(w) && !generic.contains(w) && w.chars().next().is_some_and(|c| c.is_alphabetic()))
        .map(str::to_string)
        .collect()
}

#[test]
fn schemas_the_official_pipeline_rejects_are_rejected_with_a_message_naming_the_same_things() {
    let dir = corpus().join("errors");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "ts" || e == "graphql"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 6, "the error corpus has only {} cases", cases.len());
    let mut problems = Vec::new();
    for case in &cases {
        let stem = case.file_stem().unwrap().to_string_lossy().to_string();
        let expected = std::fs::read_to_string(dir.join(format!("{stem}.expected.txt"))).unwrap();
        // The class name (`InvalidDirectiveError: `) is the transformer's; the text is what matters.
        let expected = expected.split_once(": ").map_or(expected.as_str(), |(_, m)| m).to_string();
        let expected = if expected.starts_with("Schema validation failed.") {
            expected.lines().nth(2).unwrap_or("").to_string()
        } else {
            expected
        };
        let schema = std::fs::read_to_string(case).unwrap();
        match build(case) {
            Ok(()) => problems.push(format!("{stem}: accepted, but the official pipeline says: {expected}")),
            Err(ours) => {
                let missing: Vec<String> = named_things(&expected, &schema).into_iter().filter(|n| !ours.contains(n.as_str())).collect();
                if !missing.is_empty() {
                    problems.push(format!("{stem}: our message does not name {missing:?}\n  ours:     {ours}\n  official: {}", expected.lines().next().unwrap_or("")));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{} of {} error cases:\n{}", problems.len(), cases.len(), problems.join("\n"));
}
