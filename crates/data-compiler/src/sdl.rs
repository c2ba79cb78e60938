//! Parsing of directive SDL into a small neutral syntax tree.
//!
//! `async-graphql-parser` does the lexing and parsing; this module flattens its positioned
//! nodes into plain structs (directive arguments become JSON values, enum literals become
//! strings) so the model builder never deals with parser types.

use async_graphql_parser::types::{self as ast, BaseType, TypeKind};
use async_graphql_parser::Positioned;
use serde_json::Value;

use crate::model::TypeRef;
use crate::CompileError;

#[derive(Debug, Clone)]
pub(crate) struct Document {
    pub types: Vec<TypeDef>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    Object,
    Interface,
    Union(Vec<String>),
    Enum(Vec<String>),
    Input,
    Scalar,
}

#[derive(Debug, Clone)]
pub(crate) struct TypeDef {
    pub name: String,
    pub kind: Kind,
    pub directives: Vec<Directive>,
    pub fields: Vec<FieldDef>,
    pub interfaces: Vec<String>,
    /// 1-based line in its document, for error messages.
    #[allow(dead_code)]
    pub line: usize,
    /// For the join model generated for a `@manyToMany` relation: the two models it joins.
    pub join_of: Option<(String, String)>,
}

#[derive(Debug, Clone)]
pub(crate) struct FieldDef {
    pub name: String,
    pub args: Vec<ArgDef>,
    pub ty: TypeRef,
    pub directives: Vec<Directive>,
}

#[derive(Debug, Clone)]
pub(crate) struct ArgDef {
    pub name: String,
    pub ty: TypeRef,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Directive {
    pub name: String,
    /// Arguments in source order; enum literals are JSON strings.
    pub args: Vec<(String, Value)>,
}

impl Directive {
    pub fn arg(&self, name: &str) -> Option<&Value> {
        self.args.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    pub fn has_arg(&self, name: &str) -> bool {
        self.args.iter().any(|(n, _)| n == name)
    }

    /// The arguments as a JSON object (what model introspection calls `properties`).
    pub fn args_object(&self) -> serde_json::Map<String, Value> {
        self.args.iter().cloned().collect()
    }
}

pub(crate) fn find<'a>(directives: &'a [Directive], name: &str) -> Option<&'a Directive> {
    directives.iter().find(|d| d.name == name)
}

/// Parses and concatenates the documents, as `AmplifyDataDefinition.combine` does. Root
/// operation types declared in several documents are merged into one.
pub(crate) fn parse_documents(sources: &[String]) -> Result<Document, CompileError> {
    let mut types: Vec<TypeDef> = Vec::new();
    let mut docs = Vec::new();
    for (index, source) in sources.iter().enumerate() {
        docs.push(
            async_graphql_parser::parse_schema(source)
                .map_err(|e| CompileError::Syntax { document: index, message: e.to_string() })?,
        );
    }
    crate::directives::validate(&docs)?;
    for doc in docs {
        for def in doc.definitions {
            let ast::TypeSystemDefinition::Type(def) = def else { continue };
            // Gen 1 `input AMPLIFY { globalAuthRule: AuthRule = { allow: public } }` configures
            // the sandbox; it is not part of the API.
            if def.node.name.node.as_str() == "AMPLIFY" {
                continue;
            }
            let converted = convert_type(&def)?;
            let is_root = matches!(converted.name.as_str(), "Query" | "Mutation" | "Subscription");
            if let Some(existing) = types.iter_mut().find(|t| t.name == converted.name) {
                if is_root || def.node.extend {
                    for field in converted.fields {
                        if existing.fields.iter().any(|f| f.name == field.name) {
                            return Err(CompileError::schema(
                                &existing.name,
                                Some(&field.name),
                                format!("Field '{}.{}' is defined more than once.", existing.name, field.name),
                            ));
                        }
                        existing.fields.push(field);
                    }
                    existing.directives.extend(converted.directives);
                    continue;
                }
                return Err(CompileError::schema(
                    &converted.name,
                    None,
                    format!("There can be only one type named \"{}\".", converted.name),
                ));
            }
            types.push(converted);
        }
    }
    Ok(Document { types })
}

fn convert_type(def: &Positioned<ast::TypeDefinition>) -> Result<TypeDef, CompileError> {
    let node = &def.node;
    let name = node.name.node.to_string();
    let directives = node.directives.iter().map(convert_directive).collect();
    let mut fields = Vec::new();
    let mut interfaces = Vec::new();
    let kind = match &node.kind {
        TypeKind::Scalar => Kind::Scalar,
        TypeKind::Object(obj) => {
            interfaces = obj.implements.iter().map(|n| n.node.to_string()).collect();
            for f in &obj.fields {
                fields.push(convert_field(&name, &f.node)?);
            }
            Kind::Object
        }
        TypeKind::Interface(obj) => {
            for f in &obj.fields {
                fields.push(convert_field(&name, &f.node)?);
            }
            Kind::Interface
        }
        TypeKind::Union(u) => Kind::Union(u.members.iter().map(|m| m.node.to_string()).collect()),
        TypeKind::Enum(e) => Kind::Enum(e.values.iter().map(|v| v.node.value.node.to_string()).collect()),
        TypeKind::InputObject(input) => {
            for f in &input.fields {
                fields.push(FieldDef {
                    name: f.node.name.node.to_string(),
                    args: Vec::new(),
                    ty: convert_type_ref(&name, &f.node.name.node, &f.node.ty.node)?,
                    directives: f.node.directives.iter().map(convert_directive).collect(),
                });
            }
            Kind::Input
        }
    };
    Ok(TypeDef { name, kind, directives, fields, interfaces, line: def.pos.line, join_of: None })
}

fn convert_field(owner: &str, f: &ast::FieldDefinition) -> Result<FieldDef, CompileError> {
    let name = f.name.node.to_string();
    let mut args = Vec::new();
    for a in &f.arguments {
        args.push(ArgDef {
            name: a.node.name.node.to_string(),
            ty: convert_type_ref(owner, &name, &a.node.ty.node)?,
        });
    }
    Ok(FieldDef {
        ty: convert_type_ref(owner, &name, &f.ty.node)?,
        name,
        args,
        directives: f.directives.iter().map(convert_directive).collect(),
    })
}

/// Amplify schemas use at most one level of list, so a [`TypeRef`] is enough; nested lists are
/// rejected here rather than mis-generated later.
fn convert_type_ref(owner: &str, field: &str, ty: &ast::Type) -> Result<TypeRef, CompileError> {
    match &ty.base {
        BaseType::Named(n) => Ok(TypeRef::named(n.as_str(), !ty.nullable)),
        BaseType::List(inner) => match &inner.base {
            BaseType::Named(n) => Ok(TypeRef::list(n.as_str(), !inner.nullable, !ty.nullable)),
            BaseType::List(_) => Err(CompileError::schema(
                owner,
                Some(field),
                format!("Nested lists are not supported ({owner}.{field})."),
            )),
        },
    }
}

fn convert_directive(d: &Positioned<ast::ConstDirective>) -> Directive {
    Directive {
        name: d.node.name.node.to_string(),
        args: d
            .node
            .arguments
            .iter()
            // Enum literals (`allow: owner`) become JSON strings, as the transformer reads them.
            .map(|(n, v)| (n.node.to_string(), v.node.clone().into_json().unwrap_or(Value::Null)))
            .collect(),
    }
}

