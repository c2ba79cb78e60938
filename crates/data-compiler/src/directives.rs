//! The directive checks of the transformer's schema validation (`validateModelSchema`, i.e.
//! graphql-js `validateSDL` against the Amplify directive definitions): every directive is
//! known, used at one of its locations, not repeated unless repeatable, and given known and
//! required arguments — with graphql-js's wording.

use async_graphql_parser::types::{self as ast, TypeKind, TypeSystemDefinition};
use async_graphql_parser::Positioned;

use crate::CompileError;

const OBJECT: &str = "OBJECT";
const FIELD: &str = "FIELD_DEFINITION";

/// A directive the transformer chain knows: name, locations, repeatable, arguments with the
/// type of the required ones.
struct Known {
    name: &'static str,
    locations: &'static [&'static str],
    repeatable: bool,
    args: &'static [(&'static str, Option<&'static str>)],
}

const fn known(
    name: &'static str,
    locations: &'static [&'static str],
    repeatable: bool,
    args: &'static [(&'static str, Option<&'static str>)],
) -> Known {
    Known { name, locations, repeatable, args }
}

const PROVIDER_LOCATIONS: &[&str] = &[FIELD, OBJECT];

/// The definitions of `@aws-amplify/graphql-directives` for the transformers of the Gen 2 chain,
/// the AppSync directives, and the directives graphql-js specifies.
const KNOWN: &[Known] = &[
    known("model", &[OBJECT], false, &[("queries", None), ("mutations", None), ("subscriptions", None), ("timestamps", None)]),
    known("auth", &[OBJECT, FIELD], false, &[("rules", Some("[AuthRule!]!"))]),
    known("primaryKey", &[FIELD], false, &[("sortKeyFields", None)]),
    known("index", &[FIELD], true, &[("name", None), ("sortKeyFields", None), ("queryField", None), ("projection", None)]),
    known("hasOne", &[FIELD], false, &[("fields", None), ("references", None)]),
    known("hasMany", &[FIELD], false, &[("indexName", None), ("fields", None), ("references", None), ("limit", None)]),
    known("belongsTo", &[FIELD], false, &[("fields", None), ("references", None), ("overrideIndexName", None)]),
    known("manyToMany", &[FIELD], false, &[("relationName", Some("String!")), ("limit", None)]),
    known("default", &[FIELD], false, &[("value", None)]),
    known("function", &[FIELD], true, &[("name", Some("String!")), ("region", None), ("accountId", None), ("invocationType", None)]),
    known("http", &[FIELD], false, &[("method", None), ("url", Some("String!")), ("headers", None)]),
    known("predictions", &[FIELD], false, &[("actions", Some("[PredictionsActions!]!"))]),
    known("mapsTo", &[OBJECT], false, &[("name", Some("String!"))]),
    known("refersTo", &[OBJECT, FIELD], false, &[("name", Some("String!"))]),
    known("searchable", &[OBJECT], false, &[("queries", None)]),
    known("sql", &[FIELD], false, &[("statement", None), ("reference", None)]),
    known("validate", &[FIELD], true, &[("type", Some("ValidationType!")), ("value", Some("String!")), ("errorMessage", None)]),
    known(
        "conversation",
        &[FIELD],
        false,
        &[
            ("aiModel", Some("String!")),
            ("systemPrompt", Some("String!")),
            ("auth", Some("ConversationAuth!")),
            ("functionName", None),
            ("handler", None),
            ("tools", None),
            ("inferenceConfiguration", None),
        ],
    ),
    known("generation", &[FIELD], false, &[("aiModel", Some("String!")), ("systemPrompt", Some("String!")), ("inferenceConfiguration", None)]),
    known("aws_subscribe", &[FIELD], false, &[("mutations", Some("[String!]!"))]),
    known("aws_auth", &[FIELD], false, &[("cognito_groups", Some("[String!]!"))]),
    known("aws_api_key", PROVIDER_LOCATIONS, false, &[]),
    known("aws_iam", PROVIDER_LOCATIONS, false, &[]),
    known("aws_oidc", PROVIDER_LOCATIONS, false, &[]),
    known("aws_lambda", PROVIDER_LOCATIONS, false, &[]),
    known("aws_cognito_user_pools", PROVIDER_LOCATIONS, false, &[("cognito_groups", None)]),
    known("deprecated", &[FIELD, "INPUT_FIELD_DEFINITION", "ENUM", "ENUM_VALUE"], false, &[("reason", None)]),
    known("include", &["FIELD", "FRAGMENT_SPREAD", "INLINE_FRAGMENT"], false, &[("if", Some("Boolean!"))]),
    known("skip", &["FIELD", "FRAGMENT_SPREAD", "INLINE_FRAGMENT"], false, &[("if", Some("Boolean!"))]),
    known("specifiedBy", &["SCALAR"], false, &[("url", Some("String!"))]),
    known("oneOf", &["INPUT_OBJECT"], false, &[]),
];

/// `DirectiveLocation` as graphql-js spells it (`FieldDefinition` → `FIELD_DEFINITION`).
fn location_name(l: &ast::DirectiveLocation) -> String {
    let mut out = String::new();
    for (i, c) in format!("{l:?}").chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// Directives the document defines itself (they replace the known ones of that name).
struct Defined {
    name: String,
    locations: Vec<String>,
    repeatable: bool,
    args: Vec<(String, Option<String>)>,
}

/// Checks every directive use in the documents.
pub(crate) fn validate(docs: &[ast::ServiceDocument]) -> Result<(), CompileError> {
    let defined: Vec<Defined> = docs
        .iter()
        .flat_map(|d| &d.definitions)
        .filter_map(|d| match d {
            TypeSystemDefinition::Directive(def) => Some(Defined {
                name: def.node.name.node.to_string(),
                locations: def.node.locations.iter().map(|l| location_name(&l.node)).collect(),
                repeatable: def.node.is_repeatable,
                args: def
                    .node
                    .arguments
                    .iter()
                    .map(|a| {
                        let required = !a.node.ty.node.nullable && a.node.default_value.is_none();
                        (a.node.name.node.to_string(), required.then(|| a.node.ty.node.to_string()))
                    })
                    .collect(),
            }),
            _ => None,
        })
        .collect();
    let check = |directives: &[Positioned<ast::ConstDirective>], location: &str, type_name: &str, field: Option<&str>| -> Result<(), CompileError> {
        let err = |m: String| CompileError::schema(type_name, field, m);
        let mut seen: Vec<&str> = Vec::new();
        for d in directives {
            let name = d.node.name.node.as_str();
            let (locations, repeatable, args): (Vec<String>, bool, Vec<(String, Option<String>)>) =
                match defined.iter().find(|x| x.name == name) {
                    Some(x) => (x.locations.clone(), x.repeatable, x.args.clone()),
                    None => match KNOWN.iter().find(|k| k.name == name) {
                        Some(k) => (
                            k.locations.iter().map(|s| s.to_string()).collect(),
                            k.repeatable,
                            k.args.iter().map(|(n, t)| (n.to_string(), t.map(str::to_string))).collect(),
                        ),
                        None => return Err(err(format!("Unknown directive \"@{name}\"."))),
                    },
                };
            if !locations.iter().any(|l| l == location) {
                return Err(err(format!("Directive \"@{name}\" may not be used on {location}.")));
            }
            if !repeatable {
                if seen.contains(&name) {
                    return Err(err(format!("The directive \"@{name}\" can only be used once at this location.")));
                }
                seen.push(name);
            }
            for (arg, _) in &d.node.arguments {
                if !args.iter().any(|(n, _)| n == arg.node.as_str()) {
                    return Err(err(format!("Unknown argument \"{}\" on directive \"@{name}\".", arg.node)));
                }
            }
            for (arg, required) in &args {
                if let Some(ty) = required {
                    if !d.node.arguments.iter().any(|(n, _)| n.node.as_str() == arg) {
                        return Err(err(format!("Directive \"@{name}\" argument \"{arg}\" of type \"{ty}\" is required, but it was not provided.")));
                    }
                }
            }
        }
        Ok(())
    };
    for def in docs.iter().flat_map(|d| &d.definitions) {
        match def {
            TypeSystemDefinition::Schema(s) => check(&s.node.directives, "SCHEMA", "schema", None)?,
            TypeSystemDefinition::Directive(_) => {}
            TypeSystemDefinition::Type(t) => {
                let t = &t.node;
                let name = t.name.node.as_str();
                if name == "AMPLIFY" {
                    continue;
                }
                let location = match &t.kind {
                    TypeKind::Scalar => "SCALAR",
                    TypeKind::Object(_) => OBJECT,
                    TypeKind::Interface(_) => "INTERFACE",
                    TypeKind::Union(_) => "UNION",
                    TypeKind::Enum(_) => "ENUM",
                    TypeKind::InputObject(_) => "INPUT_OBJECT",
                };
                check(&t.directives, location, name, None)?;
                let fields = match &t.kind {
                    TypeKind::Object(o) => Some(&o.fields),
                    TypeKind::Interface(i) => Some(&i.fields),
                    _ => None,
                };
                for f in fields.into_iter().flatten() {
                    let field = f.node.name.node.as_str();
                    check(&f.node.directives, FIELD, name, Some(field))?;
                    for a in &f.node.arguments {
                        check(&a.node.directives, "ARGUMENT_DEFINITION", name, Some(field))?;
                    }
                }
                match &t.kind {
                    TypeKind::Enum(e) => {
                        for v in &e.values {
                            check(&v.node.directives, "ENUM_VALUE", name, Some(v.node.value.node.as_str()))?;
                        }
                    }
                    TypeKind::InputObject(i) => {
                        for f in &i.fields {
                            check(&f.node.directives, "INPUT_FIELD_DEFINITION", name, Some(f.node.name.node.as_str()))?;
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    Ok(())
}
