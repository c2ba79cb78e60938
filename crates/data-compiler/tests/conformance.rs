//! Conformance with the official Amplify transformer: for every fixture under
//! `conformance/fixtures/NAME/` (directive SDL and inputs → the oracle's AppSync schema and
//! model introspection), the compiler's outputs must match — the AppSync schema semantically
//! (types, fields, arguments, directives; order-insensitive), the introspection as JSON.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use ampbase_data_compiler::{compile, AuthorizationConfig, CompileInput};
use async_graphql_parser::types::{BaseType, ConstDirective, Type, TypeKind, TypeSystemDefinition};
use serde_json::Value;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../conformance/fixtures")
}

/// A schema reduced to what the comparison cares about.
#[derive(Debug, PartialEq)]
struct TypeShape {
    kind: &'static str,
    directives: BTreeSet<String>,
    /// field → (type, sorted args, sorted directives); enum values map to "".
    fields: BTreeMap<String, (String, BTreeSet<String>, BTreeSet<String>)>,
}

fn type_str(t: &Type) -> String {
    let base = match &t.base {
        BaseType::Named(n) => n.to_string(),
        BaseType::List(inner) => format!("[{}]", type_str(inner)),
    };
    if t.nullable { base } else { format!("{base}!") }
}

fn directive_str(d: &ConstDirective) -> String {
    if d.arguments.is_empty() {
        return format!("@{}", d.name.node);
    }
    let args: Vec<String> = d
        .arguments
        .iter()
        .map(|(n, v)| format!("{}: {}", n.node, v.node.clone().into_json().unwrap_or(Value::Null)))
        .collect();
    format!("@{}({})", d.name.node, args.join(", "))
}

fn shape(sdl: &str) -> BTreeMap<String, TypeShape> {
    let doc = async_graphql_parser::parse_schema(sdl).expect("valid SDL");
    let mut out = BTreeMap::new();
    for def in doc.definitions {
        let TypeSystemDefinition::Type(t) = def else { continue };
        let t = t.node;
        let directives = t.directives.iter().map(|d| directive_str(&d.node)).collect();
        let mut fields = BTreeMap::new();
        let field_entry = |ty: &Type, args: BTreeSet<String>, dirs: BTreeSet<String>| (type_str(ty), args, dirs);
        let kind = match &t.kind {
            TypeKind::Object(_) => "type",
            TypeKind::Interface(_) => "interface",
            TypeKind::InputObject(_) => "input",
            TypeKind::Enum(_) => "enum",
            TypeKind::Union(_) => "union",
            TypeKind::Scalar => "scalar",
        };
        match &t.kind {
            TypeKind::Object(o) => {
                for f in &o.fields {
                    let args = f.node.arguments.iter().map(|a| format!("{}: {}", a.node.name.node, type_str(&a.node.ty.node))).collect();
                    let dirs = f.node.directives.iter().map(|d| directive_str(&d.node)).collect();
                    fields.insert(f.node.name.node.to_string(), field_entry(&f.node.ty.node, args, dirs));
                }
            }
            TypeKind::Interface(o) => {
                for f in &o.fields {
                    let args = f.node.arguments.iter().map(|a| format!("{}: {}", a.node.name.node, type_str(&a.node.ty.node))).collect();
                    let dirs = f.node.directives.iter().map(|d| directive_str(&d.node)).collect();
                    fields.insert(f.node.name.node.to_string(), field_entry(&f.node.ty.node, args, dirs));
                }
            }
            TypeKind::InputObject(o) => {
                for f in &o.fields {
                    let dirs = f.node.directives.iter().map(|d| directive_str(&d.node)).collect();
                    fields.insert(f.node.name.node.to_string(), field_entry(&f.node.ty.node, BTreeSet::new(), dirs));
                }
            }
            TypeKind::Enum(e) => {
                for v in &e.values {
                    fields.insert(v.node.value.node.to_string(), (String::new(), BTreeSet::new(), BTreeSet::new()));
                }
            }
            TypeKind::Union(u) => {
                for m in &u.members {
                    fields.insert(m.node.to_string(), (String::new(), BTreeSet::new(), BTreeSet::new()));
                }
            }
            TypeKind::Scalar => {}
        }
        out.insert(t.name.node.to_string(), TypeShape { kind, directives, fields });
    }
    out
}

fn diff_sdl(ours: &str, oracle: &str, report: &mut Vec<String>) {
    let ours = shape(ours);
    let oracle = shape(oracle);
    for (name, expected) in &oracle {
        let Some(actual) = ours.get(name) else {
            report.push(format!("missing {} {name}", expected.kind));
            continue;
        };
        if actual.kind != expected.kind {
            report.push(format!("{name}: kind {} (expected {})", actual.kind, expected.kind));
        }
        if actual.directives != expected.directives {
            report.push(format!("{name}: directives {:?} (expected {:?})", actual.directives, expected.directives));
        }
        for (field, exp) in &expected.fields {
            match actual.fields.get(field) {
                None => report.push(format!("{name}.{field}: missing (expected {exp:?})")),
                Some(act) if act != exp => report.push(format!("{name}.{field}: {act:?} (expected {exp:?})")),
                _ => {}
            }
        }
        for field in actual.fields.keys().filter(|f| !expected.fields.contains_key(*f)) {
            report.push(format!("{name}.{field}: extra"));
        }
    }
    for (name, actual) in &ours {
        if !oracle.contains_key(name) {
            report.push(format!("extra {} {name}", actual.kind));
        }
    }
}

fn diff_json(path: &str, ours: &Value, oracle: &Value, report: &mut Vec<String>) {
    match (ours, oracle) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, bv) in b {
                match a.get(k) {
                    Some(av) => diff_json(&format!("{path}.{k}"), av, bv, report),
                    None => report.push(format!("{path}.{k}: missing (expected {bv})")),
                }
            }
            for (k, av) in a {
                if !b.contains_key(k) {
                    report.push(format!("{path}.{k}: extra {av}"));
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (av, bv)) in a.iter().zip(b).enumerate() {
                diff_json(&format!("{path}[{i}]"), av, bv, report);
            }
        }
        (a, b) if a != b => report.push(format!("{path}: {a} (expected {b})")),
        _ => {}
    }
}

#[test]
fn fixtures_match_the_official_transformer() {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .expect("conformance/fixtures exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("directive.graphql").exists())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no fixtures found");
    let mut failures = Vec::new();
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap_or_else(|e| panic!("{name}/{f}: {e}"));
        let inputs: Value = serde_json::from_str(&read("inputs.json")).expect("inputs.json");
        let with_auth = inputs.get("withAuth").and_then(Value::as_bool).unwrap_or(true);
        let modes = inputs.get("authorizationModes").cloned().unwrap_or(Value::Null);
        let function_names = inputs
            .get("functionNames")
            .and_then(Value::as_object)
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect())
            .unwrap_or_default();
        let mut report = Vec::new();
        match AuthorizationConfig::from_define_data_json(&modes, with_auth).and_then(|authorization| {
            compile(&CompileInput { sdl: vec![read("directive.graphql")], authorization, function_names })
        }) {
            Err(e) => report.push(format!("compile error: {e}")),
            Ok(compiled) => {
                diff_sdl(&compiled.appsync_sdl, &read("appsync.graphql"), &mut report);
                let oracle: Value = serde_json::from_str(&read("model-introspection.json")).expect("introspection");
                diff_json("$", &compiled.model_introspection, &oracle, &mut report);
            }
        }
        if report.is_empty() {
            println!("ok   {name}");
        } else {
            println!("FAIL {name}");
            for line in &report {
                println!("     {line}");
            }
            failures.push(name);
        }
    }
    println!("{} passed, {} failed", dirs.len() - failures.len(), failures.len());
    assert!(failures.is_empty(), "fixtures that differ from the oracle: {failures:?}");
}
