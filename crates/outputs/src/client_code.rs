//! `ampx generate graphql-client-code`.
//!
//! Statements are generated as `@aws-amplify/graphql-docs-generator` 4.2 does (every root
//! field becomes an operation whose selection set holds every field to `max_depth`, with
//! `__typename` on object types and the `S3Object` fragment for the `graphql` target), and
//! printed as `@aws-amplify/graphql-generator` 0.5 prints them after prettier 1.19 (80
//! columns; variable and argument lists break one per line when they do not fit).

use std::collections::HashMap;
use std::str::FromStr;

use async_graphql_parser::types::{
    BaseType, FieldDefinition, InputValueDefinition, Type, TypeKind, TypeSystemDefinition,
};
use async_graphql_value::ConstValue;
use serde::Serialize;
use serde_json::Value;

use crate::OutputsError;

mod modelgen;
mod typescript_types;

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientCodeFormat {
    GraphqlCodegen,
    Introspection,
    Modelgen,
}

impl FromStr for ClientCodeFormat {
    type Err = OutputsError;
    fn from_str(s: &str) -> Result<Self, OutputsError> {
        match s {
            "graphql-codegen" => Ok(ClientCodeFormat::GraphqlCodegen),
            "introspection" => Ok(ClientCodeFormat::Introspection),
            "modelgen" => Ok(ClientCodeFormat::Modelgen),
            other => Err(OutputsError::Unsupported(format!(
                "format `{other}` (choices: modelgen, graphql-codegen, introspection)"
            ))),
        }
    }
}

/// `--statement-target`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementTarget {
    Graphql,
    Javascript,
    Typescript,
    Flow,
    Angular,
}

impl FromStr for StatementTarget {
    type Err = OutputsError;
    fn from_str(s: &str) -> Result<Self, OutputsError> {
        Ok(match s {
            "graphql" => StatementTarget::Graphql,
            "javascript" => StatementTarget::Javascript,
            "typescript" => StatementTarget::Typescript,
            "flow" => StatementTarget::Flow,
            "angular" => StatementTarget::Angular,
            other => {
                return Err(OutputsError::Unsupported(format!(
                    "statement target `{other}` (choices: javascript, graphql, flow, typescript, angular)"
                )));
            }
        })
    }
}

/// `--type-target`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeTarget {
    Json,
    Swift,
    Typescript,
    Flow,
    Scala,
    FlowModern,
    Angular,
}

impl FromStr for TypeTarget {
    type Err = OutputsError;
    fn from_str(s: &str) -> Result<Self, OutputsError> {
        Ok(match s {
            "json" => TypeTarget::Json,
            "swift" => TypeTarget::Swift,
            "typescript" => TypeTarget::Typescript,
            "flow" => TypeTarget::Flow,
            "scala" => TypeTarget::Scala,
            "flow-modern" => TypeTarget::FlowModern,
            "angular" => TypeTarget::Angular,
            other => {
                return Err(OutputsError::Unsupported(format!(
                    "type target `{other}` (choices: json, swift, typescript, flow, scala, flow-modern, angular)"
                )));
            }
        })
    }
}

impl TypeTarget {
    pub fn as_str(self) -> &'static str {
        match self {
            TypeTarget::Json => "json",
            TypeTarget::Swift => "swift",
            TypeTarget::Typescript => "typescript",
            TypeTarget::Flow => "flow",
            TypeTarget::Scala => "scala",
            TypeTarget::FlowModern => "flow-modern",
            TypeTarget::Angular => "angular",
        }
    }
}

/// `--model-target` (plus `introspection`, which `--format introspection` uses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelTarget {
    Java,
    Swift,
    Javascript,
    Typescript,
    Dart,
    Introspection,
}

impl FromStr for ModelTarget {
    type Err = OutputsError;
    fn from_str(s: &str) -> Result<Self, OutputsError> {
        Ok(match s {
            "java" => ModelTarget::Java,
            "swift" => ModelTarget::Swift,
            "javascript" => ModelTarget::Javascript,
            "typescript" => ModelTarget::Typescript,
            "dart" => ModelTarget::Dart,
            "introspection" => ModelTarget::Introspection,
            other => {
                return Err(OutputsError::Unsupported(format!(
                    "model target `{other}` (choices: java, swift, javascript, typescript, dart)"
                )));
            }
        })
    }
}

/// The options of `generate graphql-client-code`, with ampx's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCodeOptions {
    pub format: ClientCodeFormat,
    pub statement_target: StatementTarget,
    pub type_target: Option<TypeTarget>,
    pub model_target: ModelTarget,
    /// `--max-depth`, default 2.
    pub max_depth: u32,
    /// Add `__typename` to object selections (default true).
    pub typename_introspection: bool,
}

impl Default for ClientCodeOptions {
    fn default() -> Self {
        ClientCodeOptions {
            format: ClientCodeFormat::GraphqlCodegen,
            statement_target: StatementTarget::Javascript,
            type_target: None,
            model_target: ModelTarget::Javascript,
            max_depth: 2,
            typename_introspection: true,
        }
    }
}

/// A file to write, relative to `--out`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    pub path: String,
    pub contents: String,
}

/// `ampx generate graphql-client-code`: `appsync_sdl` is the AppSync schema,
/// `model_schema` the model schema (the directive SDL, needed for `modelgen`),
/// `model_introspection` the compiled `model_introspection` (needed for `introspection`
/// and `modelgen`).
pub fn generate_client_code(
    appsync_sdl: &str,
    model_schema: Option<&str>,
    model_introspection: Option<&Value>,
    opts: &ClientCodeOptions,
) -> Result<Vec<GeneratedFile>, OutputsError> {
    match opts.format {
        ClientCodeFormat::GraphqlCodegen => {
            if let Some(t) = opts.type_target.filter(|t| *t != TypeTarget::Typescript) {
                return Err(OutputsError::Unsupported(format!(
                    "type generation for --type-target {} (supported: typescript)",
                    t.as_str()
                )));
            }
            // ampx points the typed TypeScript statements at `./API` only when both
            // targets are TypeScript.
            let typed = opts.statement_target == StatementTarget::Typescript
                && opts.type_target == Some(TypeTarget::Typescript);
            let mut files = generate_statements(
                appsync_sdl,
                opts.statement_target,
                opts.max_depth,
                opts.typename_introspection,
                typed.then_some("./API"),
            )?;
            if opts.type_target == Some(TypeTarget::Typescript) {
                files.push(generate_typescript_types(appsync_sdl)?);
            }
            Ok(files)
        }
        ClientCodeFormat::Introspection => introspection_file(model_introspection),
        ClientCodeFormat::Modelgen => match opts.model_target {
            ModelTarget::Introspection => introspection_file(model_introspection),
            target @ (ModelTarget::Javascript | ModelTarget::Typescript) => {
                let (Some(sdl), Some(mi)) = (model_schema, model_introspection) else {
                    return Err(OutputsError::Unsupported(
                        "modelgen without a data schema".into(),
                    ));
                };
                modelgen::generate(sdl, mi, target)
            }
            other => Err(OutputsError::Unsupported(format!(
                "modelgen for model target `{}`; use --format introspection or --format graphql-codegen",
                format!("{other:?}").to_lowercase()
            ))),
        },
    }
}

/// `model-introspection.json`, indented with 4 spaces as the modelgen plugin writes it.
fn introspection_file(mi: Option<&Value>) -> Result<Vec<GeneratedFile>, OutputsError> {
    let mi =
        mi.ok_or_else(|| OutputsError::Unsupported("introspection without a data schema".into()))?;
    let mut buf = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    mi.serialize(&mut ser)?;
    Ok(vec![GeneratedFile {
        path: "model-introspection.json".into(),
        contents: String::from_utf8(buf).expect("JSON is UTF-8"),
    }])
}

/// `generateStatements` of `@aws-amplify/graphql-generator`: `queries.*`, `mutations.*`,
/// `subscriptions.*` (and `fragments.graphql` for the `graphql` target when an
/// `S3Object` is selected). `relative_types_path` (e.g. `./API`) adds the typed
/// `GeneratedQuery<…>` wrappers to the `typescript` target.
pub fn generate_statements(
    appsync_sdl: &str,
    target: StatementTarget,
    max_depth: u32,
    typename_introspection: bool,
    relative_types_path: Option<&str>,
) -> Result<Vec<GeneratedFile>, OutputsError> {
    let schema = Schema::parse(appsync_sdl)?;
    let gen_opts = GenOptions {
        external_s3_fragment: target == StatementTarget::Graphql,
        typename: typename_introspection,
    };
    let ext = match target {
        StatementTarget::Graphql | StatementTarget::Angular => "graphql",
        StatementTarget::Javascript | StatementTarget::Flow => "js",
        StatementTarget::Typescript => "ts",
    };
    let mut files = Vec::new();
    let mut fragments: Vec<Fragment> = Vec::new();
    for (kind, ops) in build_operations(&schema, max_depth, &gen_opts)? {
        let file = match kind {
            OpKind::Query => "queries",
            OpKind::Mutation => "mutations",
            OpKind::Subscription => "subscriptions",
        };
        for op in &ops {
            if let Some(body) = &op.body {
                collect_external(body, &mut fragments);
            }
        }
        let typed = (target == StatementTarget::Typescript)
            .then_some(relative_types_path)
            .flatten();
        let contents = match target {
            StatementTarget::Graphql | StatementTarget::Angular => format_graphql_file(&ops),
            StatementTarget::Javascript => {
                format_js_file(&ops, &["/* eslint-disable */"], kind, None)
            }
            StatementTarget::Flow => format_js_file(&ops, &["// @flow"], kind, None),
            StatementTarget::Typescript => format_js_file(
                &ops,
                &["/* tslint:disable */", "/* eslint-disable */"],
                kind,
                typed,
            ),
        };
        files.push(GeneratedFile {
            path: format!("{file}.{ext}"),
            contents,
        });
    }
    if ext == "graphql" && !fragments.is_empty() {
        let mut text = format!("# {CODEGEN_WARNING}\n");
        for f in &fragments {
            text.push('\n');
            text.push_str(&format!("fragment {} on {} {{\n", f.name, f.on));
            print_fields(&f.fields, 1, &mut text);
            text.push_str("}\n");
        }
        files.push(GeneratedFile {
            path: "fragments.graphql".into(),
            contents: text,
        });
    }
    Ok(files)
}

/// The operations of each root type that has fields, queries first.
fn build_operations(
    schema: &Schema,
    max_depth: u32,
    gen_opts: &GenOptions,
) -> Result<Vec<(OpKind, Vec<Operation>)>, OutputsError> {
    let mut out = Vec::new();
    for (kind, root) in [
        (OpKind::Query, &schema.query),
        (OpKind::Mutation, &schema.mutation),
        (OpKind::Subscription, &schema.subscription),
    ] {
        let Some(root) = root.as_ref().and_then(|r| schema.types.get(r)) else {
            continue;
        };
        let ops: Vec<Operation> = root
            .fields
            .iter()
            .map(|f| Operation::generate(kind, f, schema, max_depth as i64, gen_opts))
            .collect::<Result<_, _>>()?;
        if !ops.is_empty() {
            out.push((kind, ops));
        }
    }
    Ok(out)
}

/// `generateTypes` of `@aws-amplify/graphql-generator` for the `typescript` target
/// (`API.ts`), as ampx runs it: over the `graphql` statements at depth 2 with
/// `__typename` (ampx passes neither `--max-depth` nor the introspection flag to it).
pub fn generate_typescript_types(appsync_sdl: &str) -> Result<GeneratedFile, OutputsError> {
    let schema = Schema::parse(appsync_sdl)?;
    let gen_opts = GenOptions {
        // The official generator fails on the `S3Object` fragment file; the fields are
        // inlined instead, as in the JavaScript and TypeScript statements.
        external_s3_fragment: false,
        typename: true,
    };
    let ops = build_operations(&schema, 2, &gen_opts)?;
    Ok(GeneratedFile {
        path: "API.ts".into(),
        contents: typescript_types::generate(&schema, &ops),
    })
}

const CODEGEN_WARNING: &str = "this is an auto generated file. This will be overwritten";
const WIDTH: usize = 80;

// ---------------------------------------------------------------------------------------
// Schema
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Scalar,
    Enum,
    Object,
    Interface,
    Union,
    Input,
}

#[derive(Debug)]
struct TypeInfo {
    kind: Kind,
    description: Option<String>,
    fields: Vec<FieldDefinition>,
    input_fields: Vec<InputValueDefinition>,
    /// Enum values with their descriptions.
    values: Vec<(String, Option<String>)>,
    interfaces: Vec<String>,
    members: Vec<String>,
}

struct Schema {
    types: HashMap<String, TypeInfo>,
    order: Vec<String>,
    query: Option<String>,
    mutation: Option<String>,
    subscription: Option<String>,
}

impl Schema {
    fn parse(sdl: &str) -> Result<Schema, OutputsError> {
        let doc = async_graphql_parser::parse_schema(sdl)
            .map_err(|e| OutputsError::Schema(e.to_string()))?;
        let mut schema = Schema {
            types: HashMap::new(),
            order: Vec::new(),
            query: None,
            mutation: None,
            subscription: None,
        };
        let mut schema_def = false;
        for def in doc.definitions {
            match def {
                TypeSystemDefinition::Schema(s) => {
                    let s = s.node;
                    schema_def = true;
                    if let Some(q) = s.query {
                        schema.query = Some(q.node.to_string());
                    }
                    if let Some(m) = s.mutation {
                        schema.mutation = Some(m.node.to_string());
                    }
                    if let Some(s) = s.subscription {
                        schema.subscription = Some(s.node.to_string());
                    }
                }
                TypeSystemDefinition::Type(t) => {
                    let t = t.node;
                    let name = t.name.node.to_string();
                    let description = t.description.map(|d| d.node);
                    let mut input_fields = Vec::new();
                    let mut values = Vec::new();
                    let (kind, fields, interfaces, members) = match t.kind {
                        TypeKind::Scalar => (Kind::Scalar, vec![], vec![], vec![]),
                        TypeKind::Enum(e) => {
                            values = e
                                .values
                                .into_iter()
                                .map(|v| {
                                    let v = v.node;
                                    (v.value.node.to_string(), v.description.map(|d| d.node))
                                })
                                .collect();
                            (Kind::Enum, vec![], vec![], vec![])
                        }
                        TypeKind::InputObject(i) => {
                            input_fields = i.fields.into_iter().map(|f| f.node).collect();
                            (Kind::Input, vec![], vec![], vec![])
                        }
                        TypeKind::Object(o) => (
                            Kind::Object,
                            o.fields.into_iter().map(|f| f.node).collect(),
                            o.implements
                                .into_iter()
                                .map(|i| i.node.to_string())
                                .collect(),
                            vec![],
                        ),
                        TypeKind::Interface(i) => (
                            Kind::Interface,
                            i.fields.into_iter().map(|f| f.node).collect(),
                            i.implements
                                .into_iter()
                                .map(|i| i.node.to_string())
                                .collect(),
                            vec![],
                        ),
                        TypeKind::Union(u) => (
                            Kind::Union,
                            vec![],
                            vec![],
                            u.members.into_iter().map(|m| m.node.to_string()).collect(),
                        ),
                    };
                    match schema.types.get_mut(&name) {
                        Some(existing) => {
                            existing.fields.extend(fields);
                            existing.input_fields.extend(input_fields);
                            existing.values.extend(values);
                            existing.interfaces.extend(interfaces);
                            existing.members.extend(members);
                        }
                        None => {
                            schema.order.push(name.clone());
                            schema.types.insert(
                                name,
                                TypeInfo {
                                    kind,
                                    description,
                                    fields,
                                    input_fields,
                                    values,
                                    interfaces,
                                    members,
                                },
                            );
                        }
                    }
                }
                TypeSystemDefinition::Directive(_) => {}
            }
        }
        if !schema_def {
            for (slot, name) in [
                (&mut schema.query, "Query"),
                (&mut schema.mutation, "Mutation"),
                (&mut schema.subscription, "Subscription"),
            ] {
                if schema.types.contains_key(name) {
                    *slot = Some(name.to_string());
                }
            }
        }
        Ok(schema)
    }

    /// Built-in and AWS scalars are scalars; so is any type the SDL does not declare.
    fn kind(&self, name: &str) -> Kind {
        self.types.get(name).map(|t| t.kind).unwrap_or(Kind::Scalar)
    }

    fn possible_types(&self, name: &str) -> Vec<&str> {
        let Some(t) = self.types.get(name) else {
            return vec![];
        };
        match t.kind {
            Kind::Union => t.members.iter().map(String::as_str).collect(),
            Kind::Interface => self
                .order
                .iter()
                .filter(|n| {
                    let o = &self.types[*n];
                    o.kind == Kind::Object && o.interfaces.iter().any(|i| i == name)
                })
                .map(String::as_str)
                .collect(),
            _ => vec![],
        }
    }

    fn is_s3_object(&self, name: &str) -> bool {
        let Some(t) = self.types.get(name) else {
            return false;
        };
        name == "S3Object"
            && t.kind == Kind::Object
            && ["bucket", "key", "region"].iter().all(|f| {
                t.fields
                    .iter()
                    .any(|fd| fd.name.node.as_str() == *f && named(&fd.ty.node) == "String")
            })
    }
}

fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(n) => n.as_str(),
        BaseType::List(inner) => named(inner),
    }
}

// ---------------------------------------------------------------------------------------
// Generation (graphql-docs-generator)
// ---------------------------------------------------------------------------------------

struct GenOptions {
    external_s3_fragment: bool,
    typename: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OpKind {
    Query,
    Mutation,
    Subscription,
}

impl OpKind {
    fn keyword(self) -> &'static str {
        match self {
            OpKind::Query => "query",
            OpKind::Mutation => "mutation",
            OpKind::Subscription => "subscription",
        }
    }
    fn type_name(self) -> &'static str {
        match self {
            OpKind::Query => "Query",
            OpKind::Mutation => "Mutation",
            OpKind::Subscription => "Subscription",
        }
    }
}

#[derive(Debug, Clone)]
struct Selection {
    name: String,
    fields: Vec<Selection>,
    fragments: Vec<Fragment>,
}

impl Selection {
    fn has_body(&self) -> bool {
        !self.fields.is_empty() || !self.fragments.is_empty()
    }
}

#[derive(Debug, Clone)]
struct Fragment {
    on: String,
    name: String,
    external: bool,
    fields: Vec<Selection>,
}

struct Operation {
    kind: OpKind,
    name: String,
    field_name: String,
    /// `$name: Type` declarations.
    variables: Vec<String>,
    /// The variables' names and declared types (`getArgs`: one list level at most).
    var_types: Vec<(String, String)>,
    /// `name: $name` arguments.
    arguments: Vec<String>,
    body: Option<Selection>,
}

impl Operation {
    fn generate(
        kind: OpKind,
        field: &FieldDefinition,
        schema: &Schema,
        max_depth: i64,
        opts: &GenOptions,
    ) -> Result<Operation, OutputsError> {
        let field_name = field.name.node.to_string();
        let variables = field
            .arguments
            .iter()
            .map(|a| {
                let a = &a.node;
                let mut decl = format!("${}: {}", a.name.node, arg_type(&a.ty.node));
                if let Some(d) = &a.default_value
                    && let Some(text) = js_default(&d.node)
                {
                    decl.push_str(&format!(" = {text}"));
                }
                decl
            })
            .collect();
        let arguments = field
            .arguments
            .iter()
            .map(|a| format!("{0}: ${0}", a.node.name.node))
            .collect();
        let var_types = field
            .arguments
            .iter()
            .map(|a| (a.node.name.node.to_string(), arg_type(&a.node.ty.node)))
            .collect();
        Ok(Operation {
            kind,
            name: capitalize(&field_name),
            field_name,
            variables,
            var_types,
            arguments,
            body: get_fields(field, schema, max_depth, opts)?,
        })
    }
}

/// The docs generator's argument type: one list level at most (`getArgs`).
fn arg_type(ty: &Type) -> String {
    let base = named(ty);
    // isRequired: a non-null list of non-null items, a nullable list of non-null items, or
    // a non-null named type.
    let (is_list, list_required, required) = match &ty.base {
        BaseType::List(inner) => (true, !ty.nullable, !inner.nullable),
        BaseType::Named(_) => (false, false, !ty.nullable),
    };
    let mut s = String::new();
    if is_list {
        s.push('[');
    }
    s.push_str(base);
    if required {
        s.push('!');
    }
    if is_list {
        s.push(']');
        if list_required {
            s.push('!');
        }
    }
    s
}

/// `{{#if arg.defaultValue}}={{arg.defaultValue}}`: the JS value's string form, only
/// when truthy.
fn js_default(v: &ConstValue) -> Option<String> {
    match v {
        ConstValue::Null => None,
        ConstValue::Boolean(false) => None,
        ConstValue::Boolean(true) => Some("true".into()),
        ConstValue::Number(n) => (n.as_f64() != Some(0.0)).then(|| n.to_string()),
        ConstValue::String(s) => (!s.is_empty()).then(|| s.clone()),
        ConstValue::Enum(e) => Some(e.to_string()),
        other => Some(other.to_string()),
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// `getFields`.
fn get_fields(
    field: &FieldDefinition,
    schema: &Schema,
    depth: i64,
    opts: &GenOptions,
) -> Result<Option<Selection>, OutputsError> {
    let type_name = named(&field.ty.node);
    let kind = schema.kind(type_name);
    let leaf = matches!(kind, Kind::Scalar | Kind::Enum);
    let render_s3 = opts.external_s3_fragment && schema.is_s3_object(type_name);
    if depth < 1 && !leaf {
        return Ok(None);
    }
    let mut fields = Vec::new();
    if !render_s3 && matches!(kind, Kind::Object | Kind::Interface) {
        for sub in &schema.types[type_name].fields {
            if let Some(s) = get_fields(sub, schema, adjust_depth(sub, depth)?, opts)? {
                fields.push(s);
            }
        }
    }
    if opts.typename && kind == Kind::Object {
        fields.push(Selection {
            name: "__typename".into(),
            fields: vec![],
            fragments: vec![],
        });
    }
    let mut fragments = Vec::new();
    if matches!(kind, Kind::Interface | Kind::Union) {
        for possible in schema.possible_types(type_name) {
            if let Some(f) = get_fragment(possible, schema, depth, &fields, None, false, opts)? {
                fragments.push(f);
            }
        }
    }
    if render_s3
        && let Some(f) = get_fragment(type_name, schema, depth, &[], Some("S3Object"), true, opts)?
    {
        fragments.push(f);
    }
    if !leaf && fields.is_empty() && fragments.is_empty() && !render_s3 {
        return Ok(None);
    }
    Ok(Some(Selection {
        name: field.name.node.to_string(),
        fields,
        fragments,
    }))
}

/// `getFragment`.
fn get_fragment(
    type_name: &str,
    schema: &Schema,
    depth: i64,
    filter: &[Selection],
    name: Option<&str>,
    external: bool,
    opts: &GenOptions,
) -> Result<Option<Fragment>, OutputsError> {
    let Some(t) = schema.types.get(type_name) else {
        return Ok(None);
    };
    let mut fields = Vec::new();
    for sub in &t.fields {
        if let Some(s) = get_fields(sub, schema, depth - 1, opts)?
            && !filter.iter().any(|f| f.name == s.name)
        {
            fields.push(s);
        }
    }
    if fields.is_empty() {
        return Ok(None);
    }
    Ok(Some(Fragment {
        on: type_name.to_string(),
        name: name
            .map(String::from)
            .unwrap_or_else(|| format!("{type_name}Fragment")),
        external,
        fields,
    }))
}

fn adjust_depth(field: &FieldDefinition, depth: i64) -> Result<i64, OutputsError> {
    const MAX: i64 = 100;
    let aggregate = field.name.node.as_str() == "aggregateItems"
        && named(&field.ty.node) == "SearchableAggregateResult";
    if aggregate && depth < MAX {
        Ok(depth + 1)
    } else if depth >= MAX {
        Err(OutputsError::Schema(
            "Statement generation depth exceeded the maximum allowed limit".into(),
        ))
    } else {
        Ok(depth - 1)
    }
}

fn collect_external(sel: &Selection, out: &mut Vec<Fragment>) {
    for f in sel.fragments.iter().filter(|f| f.external) {
        match out.iter_mut().find(|o| o.name == f.name) {
            Some(existing) => *existing = f.clone(),
            None => out.push(f.clone()),
        }
    }
    for f in &sel.fields {
        collect_external(f, out);
    }
}

// ---------------------------------------------------------------------------------------
// Printing (the handlebars templates after prettier)
// ---------------------------------------------------------------------------------------

/// The operation as prettier prints it, each line prefixed by `base` spaces (counted in
/// the 80 columns, as in an embedded template literal).
fn print_operation(op: &Operation, base: usize) -> String {
    let pad = " ".repeat(base);
    let mut out = String::new();
    let head = format!("{} {}", op.kind.keyword(), op.name);
    if op.variables.is_empty() {
        out.push_str(&format!("{pad}{head} {{\n"));
    } else {
        let inline = format!("{pad}{head}({}) {{", op.variables.join(", "));
        if inline.len() <= WIDTH {
            out.push_str(&inline);
            out.push('\n');
        } else {
            out.push_str(&format!("{pad}{head}(\n"));
            for v in &op.variables {
                out.push_str(&format!("{pad}  {v}\n"));
            }
            out.push_str(&format!("{pad}) {{\n"));
        }
    }
    let has_body = op.body.as_ref().is_some_and(Selection::has_body);
    let tail = if has_body { " {" } else { "" };
    if op.arguments.is_empty() {
        out.push_str(&format!("{pad}  {}{tail}\n", op.field_name));
    } else {
        let inline = format!(
            "{pad}  {}({}){tail}",
            op.field_name,
            op.arguments.join(", ")
        );
        if inline.len() <= WIDTH {
            out.push_str(&inline);
            out.push('\n');
        } else {
            out.push_str(&format!("{pad}  {}(\n", op.field_name));
            for a in &op.arguments {
                out.push_str(&format!("{pad}    {a}\n"));
            }
            out.push_str(&format!("{pad}  ){tail}\n"));
        }
    }
    if let Some(body) = op.body.as_ref().filter(|b| b.has_body()) {
        let mut inner = String::new();
        print_selection_set(&body.fields, &body.fragments, 2, &mut inner);
        for line in inner.lines() {
            if !line.is_empty() {
                out.push_str(&pad);
                out.push_str(line);
            }
            out.push('\n');
        }
        out.push_str(&format!("{pad}  }}\n"));
    }
    out.push_str(&format!("{pad}}}"));
    out
}

fn print_fields(fields: &[Selection], level: usize, out: &mut String) {
    let pad = "  ".repeat(level);
    for f in fields {
        if f.has_body() {
            out.push_str(&format!("{pad}{} {{\n", f.name));
            print_selection_set(&f.fields, &f.fragments, level + 1, out);
            out.push_str(&format!("{pad}}}\n"));
        } else {
            out.push_str(&format!("{pad}{}\n", f.name));
        }
    }
}

/// Fields, then fragments. The templates leave an empty line between the two, which
/// prettier keeps.
fn print_selection_set(
    fields: &[Selection],
    fragments: &[Fragment],
    level: usize,
    out: &mut String,
) {
    print_fields(fields, level, out);
    if !fields.is_empty() && fragments.iter().any(|f| !f.fields.is_empty()) {
        out.push('\n');
    }
    print_fragments(fragments, level, out);
}

fn print_fragments(fragments: &[Fragment], level: usize, out: &mut String) {
    let pad = "  ".repeat(level);
    for f in fragments.iter().filter(|f| !f.fields.is_empty()) {
        if f.external {
            out.push_str(&format!("{pad}...{}\n", f.name));
        } else {
            out.push_str(&format!("{pad}... on {} {{\n", f.on));
            print_fields(&f.fields, level + 1, out);
            out.push_str(&format!("{pad}}}\n"));
        }
    }
}

fn format_graphql_file(ops: &[Operation]) -> String {
    let mut out = format!("# {CODEGEN_WARNING}\n");
    for op in ops {
        out.push('\n');
        out.push_str(&print_operation(op, 0));
        out.push('\n');
    }
    out
}

fn format_js_file(
    ops: &[Operation],
    lint: &[&str],
    kind: OpKind,
    types_path: Option<&str>,
) -> String {
    let mut out = String::new();
    for l in lint {
        out.push_str(l);
        out.push('\n');
    }
    out.push_str(&format!("// {CODEGEN_WARNING}\n"));
    if let Some(path) = types_path {
        let t = kind.type_name();
        out.push_str(&format!(
            "\nimport * as APITypes from \"{path}\";\ntype Generated{t}<InputType, OutputType> = string & {{\n  __generated{t}Input: InputType;\n  __generated{t}Output: OutputType;\n}};\n"
        ));
    }
    out.push('\n');
    for op in ops {
        match types_path {
            None => {
                out.push_str(&format!(
                    "export const {} = /* GraphQL */ `\n{}\n`;\n",
                    op.field_name,
                    print_operation(op, 2)
                ));
            }
            Some(_) => {
                let t = kind.type_name();
                let result = format!("APITypes.{}{t}", op.name);
                let vars = format!("APITypes.{}{t}Variables", op.name);
                let cast = format!("` as Generated{t}<{vars}, {result}>;");
                let cast = if cast.len() <= WIDTH {
                    cast
                } else {
                    format!("` as Generated{t}<\n  {vars},\n  {result}\n>;")
                };
                out.push_str(&format!(
                    "export const {} = /* GraphQL */ `{}\n{cast}\n",
                    op.field_name,
                    print_operation(op, 0)
                ));
            }
        }
    }
    out
}
