//! `API.ts`: the `typescript` target of `@aws-amplify/graphql-types-generator` 3.6
//! (`generateFromString` → `compileToLegacyIR` → `typescript/codeGeneration`), over the
//! statements the docs generator writes.
//!
//! The generator compiles every operation (adding `__typename` first in every selection
//! set of a field), collects the schema types the operations reach (variables and selected
//! fields, then everything those types reference, depth first), prints a declaration for
//! each enum, union, input, object and interface type among them, then the
//! `…Variables` and result types of each operation. Its `CodeGenerator` bookkeeping
//! (indentation, newlines) is mirrored by [`Printer`].

use std::collections::HashSet;

use async_graphql_parser::types::{BaseType, Type};

use super::{Kind, OpKind, Operation, Schema, Selection, named};

const SPECIFIED_SCALARS: [&str; 5] = ["String", "Int", "Float", "Boolean", "ID"];

pub(super) fn generate(schema: &Schema, ops: &[(OpKind, Vec<Operation>)]) -> String {
    let mut used = TypesUsed::default();
    let mut compiled = Vec::new();
    for (kind, ops) in ops {
        for op in ops {
            // `compileOperation`: variables, then the selection set.
            let vars: Vec<(String, Type)> = op
                .var_types
                .iter()
                .filter_map(|(name, ty)| Some((name.clone(), Type::new(ty)?)))
                .collect();
            for (_, ty) in &vars {
                used.add(schema, named(ty));
            }
            let Some(body) = &op.body else { continue };
            let Some(root) = compile_field(schema, &used_root(schema, *kind), body, &mut used)
            else {
                // A composite field without selections does not validate; the generator
                // logs the error and leaves the operation out.
                continue;
            };
            compiled.push((op.name.clone(), *kind, vars, root));
        }
    }

    let mut g = Printer::default();
    g.on_newline("/* tslint:disable */");
    g.on_newline("/* eslint-disable */");
    g.on_newline("//  This file was automatically generated and should not be edited.");
    for name in &used.order {
        type_declaration(&mut g, schema, name);
    }
    for (name, kind, vars, mut root) in compiled {
        let suffix = match kind {
            OpKind::Query => "Query",
            OpKind::Mutation => "Mutation",
            OpKind::Subscription => "Subscription",
        };
        let props: Vec<Prop> = vars
            .iter()
            .map(|(n, ty)| Prop::from_schema_type(schema, n, ty, None))
            .collect();
        interface_declaration(&mut g, &format!("{name}{suffix}Variables"), |g| {
            picked_property_declarations(g, schema, &props, false);
        });
        update_typename_field(schema, &mut root);
        let props = vec![Prop::from_field(schema, &root)];
        interface_declaration(&mut g, &format!("{name}{suffix}"), |g| {
            picked_property_declarations(g, schema, &props, false);
        });
    }
    g.newline();
    g.out
}

/// The root type's name as the schema declares it (`schema { query: … }` may rename it).
fn used_root(schema: &Schema, kind: OpKind) -> String {
    match kind {
        OpKind::Query => schema.query.clone(),
        OpKind::Mutation => schema.mutation.clone(),
        OpKind::Subscription => schema.subscription.clone(),
    }
    .unwrap_or_else(|| kind.type_name().to_string())
}

// ---------------------------------------------------------------------------------------
// typesUsed
// ---------------------------------------------------------------------------------------

#[derive(Default)]
struct TypesUsed {
    order: Vec<String>,
    seen: HashSet<String>,
}

impl TypesUsed {
    /// `Compiler.addTypeUsed`.
    fn add(&mut self, schema: &Schema, name: &str) {
        if self.seen.contains(name) || SPECIFIED_SCALARS.contains(&name) {
            return;
        }
        self.seen.insert(name.to_string());
        self.order.push(name.to_string());
        let Some(t) = schema.types.get(name) else {
            return;
        };
        match t.kind {
            Kind::Interface | Kind::Union => {
                for p in schema.possible_types(name) {
                    self.add(schema, p);
                }
            }
            Kind::Input => {
                for f in &t.input_fields {
                    self.add(schema, named(&f.ty.node));
                }
            }
            Kind::Object => {
                for i in &t.interfaces {
                    self.add(schema, i);
                }
                for f in &t.fields {
                    self.add(schema, named(&f.ty.node));
                }
            }
            Kind::Scalar | Kind::Enum => {}
        }
    }
}

// ---------------------------------------------------------------------------------------
// The legacy IR of a selection
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum FieldType {
    Schema(Type),
    /// `__typename`: `None` is its own type (`String!`, printed `string`), `Some` the
    /// literal `updateTypeNameField` puts in (`"Todo"`).
    Typename(Option<String>),
}

#[derive(Debug, Clone)]
struct Field {
    name: String,
    ty: FieldType,
    description: Option<String>,
    /// Some for composite fields.
    fields: Option<Vec<Field>>,
    /// `inlineFragments`: type condition and fields.
    inline: Vec<(String, Vec<Field>)>,
}

fn typename_field() -> Field {
    Field {
        name: "__typename".into(),
        ty: FieldType::Typename(None),
        description: None,
        fields: None,
        inline: vec![],
    }
}

fn is_composite(schema: &Schema, name: &str) -> bool {
    matches!(
        schema.types.get(name).map(|t| t.kind),
        Some(Kind::Object | Kind::Interface | Kind::Union)
    )
}

fn is_abstract(schema: &Schema, name: &str) -> bool {
    matches!(
        schema.types.get(name).map(|t| t.kind),
        Some(Kind::Interface | Kind::Union)
    )
}

fn field_def<'s>(
    schema: &'s Schema,
    parent: &str,
    name: &str,
) -> Option<&'s async_graphql_parser::types::FieldDefinition> {
    schema
        .types
        .get(parent)?
        .fields
        .iter()
        .find(|f| f.name.node.as_str() == name)
}

/// `compileSelection` for a field, then `transformFieldsToLegacyIR`.
fn compile_field(
    schema: &Schema,
    parent: &str,
    sel: &Selection,
    used: &mut TypesUsed,
) -> Option<Field> {
    let def = field_def(schema, parent, &sel.name)?;
    let ty = def.ty.node.clone();
    let type_name = named(&ty).to_string();
    used.add(schema, &type_name);
    let mut field = Field {
        name: sel.name.clone(),
        ty: FieldType::Schema(ty),
        description: def.description.as_ref().map(|d| d.node.clone()),
        fields: None,
        inline: vec![],
    };
    if !is_composite(schema, &type_name) {
        return Some(field);
    }
    if !sel.has_body() {
        return None;
    }
    let possible: Vec<String> = if is_abstract(schema, &type_name) {
        schema
            .possible_types(&type_name)
            .into_iter()
            .map(String::from)
            .collect()
    } else {
        vec![type_name.clone()]
    };
    // `withTypenameFieldAddedWhereNeeded`: `__typename` first, and only there.
    let mut default = vec![typename_field()];
    for sub in sel.fields.iter().filter(|f| f.name != "__typename") {
        default.push(compile_field(schema, &type_name, sub, used)?);
    }
    // typeCase: one variant per type condition, holding the default fields and its own.
    let mut variants: Vec<(String, Vec<Field>)> = Vec::new();
    for frag in sel.fragments.iter().filter(|f| !f.fields.is_empty()) {
        if !possible.contains(&frag.on) {
            continue;
        }
        let mut own = Vec::new();
        for sub in frag.fields.iter().filter(|f| f.name != "__typename") {
            own.push(compile_field(schema, &frag.on, sub, used)?);
        }
        match variants.iter_mut().find(|(on, _)| *on == frag.on) {
            Some((_, fields)) => merge_fields(fields, own),
            None => {
                let mut fields = default.clone();
                merge_fields(&mut fields, own);
                variants.push((frag.on.clone(), fields));
            }
        }
    }
    // `collectAndMergeFields` takes descriptions from the one possible type's fields.
    if possible.len() == 1 {
        describe_from(schema, &possible[0], &mut default);
    }
    for (on, fields) in &mut variants {
        describe_from(schema, on, fields);
    }
    field.fields = Some(default);
    field.inline = variants;
    Some(field)
}

fn merge_fields(into: &mut Vec<Field>, more: Vec<Field>) {
    for f in more {
        match into.iter_mut().find(|e| e.name == f.name) {
            Some(existing) => {
                if let (Some(a), Some(b)) = (&mut existing.fields, f.fields) {
                    merge_fields(a, b);
                }
            }
            None => into.push(f),
        }
    }
}

fn describe_from(schema: &Schema, type_name: &str, fields: &mut [Field]) {
    for f in fields {
        if let Some(d) = field_def(schema, type_name, &f.name).and_then(|d| d.description.as_ref())
        {
            f.description = Some(d.node.clone());
        }
    }
}

/// `getObjectTypeName`.
fn object_type_name(schema: &Schema, ty: &FieldType) -> String {
    match ty {
        FieldType::Typename(Some(s)) => s.clone(),
        FieldType::Typename(None) => "\"String\"".into(),
        FieldType::Schema(ty) => {
            let n = named(ty);
            match schema.types.get(n).map(|t| t.kind) {
                Some(Kind::Union) => schema
                    .possible_types(n)
                    .iter()
                    .map(|m| format!("\"{m}\""))
                    .collect::<Vec<_>>()
                    .join(" | "),
                _ => format!("\"{n}\""),
            }
        }
    }
}

/// `updateTypeNameField`: `__typename` becomes the literal name of the enclosing field's
/// type, through nested fields (not through inline fragments).
fn update_typename_field(schema: &Schema, field: &mut Field) {
    let literal = object_type_name(schema, &field.ty);
    if let Some(fields) = &mut field.fields {
        for f in fields {
            if f.name == "__typename" {
                f.ty = FieldType::Typename(Some(literal.clone()));
            } else if f.fields.is_some() {
                update_typename_field(schema, f);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Printing
// ---------------------------------------------------------------------------------------

/// `CodeGenerator` / `GeneratedFile`.
#[derive(Default)]
struct Printer {
    out: String,
    indent: usize,
    start_of_indent_level: bool,
}

impl Printer {
    fn print(&mut self, s: &str) {
        self.out.push_str(s);
    }
    fn newline(&mut self) {
        if !self.out.is_empty() {
            self.out.push('\n');
            self.start_of_indent_level = false;
        }
    }
    fn newline_if_needed(&mut self) {
        if !self.start_of_indent_level {
            self.newline();
        }
    }
    fn on_newline(&mut self, s: &str) {
        if !s.is_empty() {
            self.newline();
            self.out.push_str(&" ".repeat(self.indent * 2));
            self.out.push_str(s);
        }
    }
    fn within_block(&mut self, open: &str, close: &str, body: impl FnOnce(&mut Printer)) {
        self.print(open);
        self.indent += 1;
        self.start_of_indent_level = true;
        body(self);
        self.indent -= 1;
        self.on_newline(close);
    }
    fn description(&mut self, d: Option<&str>) {
        if let Some(d) = d.filter(|d| !d.is_empty()) {
            for line in d.split('\n') {
                self.on_newline(&format!("// {}", line.trim()));
            }
        }
    }
}

fn interface_declaration(g: &mut Printer, name: &str, body: impl FnOnce(&mut Printer)) {
    g.newline_if_needed();
    g.newline();
    g.print(&format!("export type {name} = "));
    g.within_block("{", "}", body);
    g.print(";");
}

fn type_declaration(g: &mut Printer, schema: &Schema, name: &str) {
    let Some(t) = schema.types.get(name) else {
        return;
    };
    match t.kind {
        Kind::Enum => {
            g.newline_if_needed();
            g.description(t.description.as_deref());
            g.on_newline(&format!("export enum {name} {{"));
            for (value, desc) in &t.values {
                match desc.as_deref().filter(|d| !d.is_empty()) {
                    Some(d) if d.contains('\n') => {
                        for line in d.split('\n') {
                            g.on_newline(&format!("  // {}", line.trim()));
                        }
                        g.on_newline(&format!("  {value} = \"{value}\","));
                    }
                    Some(d) => g.on_newline(&format!("  {value} = \"{value}\", // {d}")),
                    None => g.on_newline(&format!("  {value} = \"{value}\",")),
                }
            }
            g.on_newline("}");
            g.newline();
        }
        Kind::Union => {
            g.newline_if_needed();
            g.description(t.description.as_deref());
            g.on_newline(&format!("export type {name} = {}", t.members.join(" | ")));
            g.newline();
        }
        Kind::Input => {
            let props: Vec<Prop> = t
                .input_fields
                .iter()
                .map(|f| {
                    Prop::from_schema_type(
                        schema,
                        f.name.node.as_str(),
                        &f.ty.node,
                        f.description.as_ref().map(|d| d.node.as_str()),
                    )
                })
                .collect();
            interface_declaration(g, name, |g| {
                for p in &props {
                    property_declaration(g, p, false);
                }
            });
        }
        Kind::Object | Kind::Interface => {
            let props: Vec<Prop> = t
                .fields
                .iter()
                .map(|f| {
                    Prop::from_schema_type(
                        schema,
                        f.name.node.as_str(),
                        &f.ty.node,
                        f.description.as_ref().map(|d| d.node.as_str()),
                    )
                })
                .collect();
            interface_declaration(g, name, |g| {
                g.on_newline(&format!("__typename: \"{name}\","));
                for p in &props {
                    property_declaration(g, p, false);
                }
            });
        }
        Kind::Scalar => {}
    }
}

/// `propertyFromField`.
#[derive(Debug, Clone)]
struct Prop {
    name: String,
    type_name: String,
    /// The named type, for the abstract-type check (none for `__typename`).
    named: Option<String>,
    description: Option<String>,
    is_array: bool,
    is_nullable: bool,
    is_array_element_nullable: bool,
    fields: Option<Vec<Field>>,
    inline: Vec<(String, Vec<Field>)>,
}

impl Prop {
    fn from_schema_type(schema: &Schema, name: &str, ty: &Type, description: Option<&str>) -> Prop {
        let n = named(ty).to_string();
        let is_nullable = ty.nullable;
        let (type_name, is_array, elem_nullable) = if is_composite(schema, &n) {
            match &ty.base {
                BaseType::List(inner) => (n.clone(), true, inner.nullable),
                BaseType::Named(_) if is_nullable => (format!("{n} | null"), false, false),
                BaseType::Named(_) => (n.clone(), false, false),
            }
        } else {
            (ts_type(schema, ty), false, false)
        };
        Prop {
            name: name.to_string(),
            type_name,
            named: Some(n),
            description: description.map(String::from),
            is_array,
            is_nullable,
            is_array_element_nullable: elem_nullable,
            fields: None,
            inline: vec![],
        }
    }

    fn from_field(schema: &Schema, f: &Field) -> Prop {
        match &f.ty {
            FieldType::Typename(literal) => Prop {
                name: f.name.clone(),
                type_name: literal.clone().unwrap_or_else(|| "string".into()),
                named: None,
                description: None,
                is_array: false,
                is_nullable: false,
                is_array_element_nullable: false,
                fields: None,
                inline: vec![],
            },
            FieldType::Schema(ty) => {
                let mut p = Prop::from_schema_type(schema, &f.name, ty, f.description.as_deref());
                p.fields = f.fields.clone();
                p.inline = f.inline.clone();
                p
            }
        }
    }
}

/// `typeNameFromGraphQLType`.
fn ts_type(schema: &Schema, ty: &Type) -> String {
    let inner = match &ty.base {
        BaseType::List(inner) => format!("Array< {} >", ts_type(schema, inner)),
        BaseType::Named(n) => {
            let n = n.as_str();
            match schema.types.get(n).map(|t| t.kind).unwrap_or(Kind::Scalar) {
                Kind::Scalar => match n {
                    "Int" | "Float" | "AWSTimestamp" => "number",
                    "Boolean" => "boolean",
                    _ => "string",
                }
                .to_string(),
                _ => n.to_string(),
            }
        }
    };
    if ty.nullable {
        format!("{inner} | null")
    } else {
        inner
    }
}

fn props_from_fields(schema: &Schema, fields: &[Field]) -> Vec<Prop> {
    fields.iter().map(|f| Prop::from_field(schema, f)).collect()
}

/// `propertyDeclaration` without a closure.
fn property_declaration(g: &mut Printer, p: &Prop, is_optional: bool) {
    g.description(p.description.as_deref());
    g.on_newline(&p.name);
    if is_optional || p.is_nullable {
        g.print("?");
    }
    g.print(": ");
    if p.is_array {
        g.print(" Array<");
    }
    g.print(&p.type_name);
    if p.is_array {
        if p.is_array_element_nullable {
            g.print(" | null");
        }
        g.print(" >");
    }
    if p.is_nullable && p.is_array {
        g.print(" | null");
    }
    g.print(",");
}

/// `pickedPropertyDeclarations`.
fn picked_property_declarations(
    g: &mut Printer,
    schema: &Schema,
    props: &[Prop],
    is_optional: bool,
) {
    for p in props {
        if let Some(n) = p.named.as_deref().filter(|n| is_abstract(schema, n)) {
            let sets: Vec<Vec<Prop>> = schema
                .possible_types(n)
                .into_iter()
                .map(|t| {
                    let source: &[Field] = p
                        .inline
                        .iter()
                        .find(|(on, _)| on == t)
                        .map(|(_, f)| f.as_slice())
                        .unwrap_or_else(|| p.fields.as_deref().unwrap_or(&[]));
                    let fields: Vec<Field> = source
                        .iter()
                        .map(|f| {
                            let mut f = f.clone();
                            if f.name == "__typename" {
                                f.ty = FieldType::Typename(Some(format!("\"{t}\"")));
                            }
                            f
                        })
                        .collect();
                    props_from_fields(schema, &fields)
                })
                .collect();
            picked_property_sets_declaration(g, schema, p, &sets);
        } else if p.fields.as_ref().is_some_and(|f| !f.is_empty()) || !p.inline.is_empty() {
            g.description(p.description.as_deref());
            g.on_newline(&p.name);
            if p.is_nullable || is_optional {
                g.print("?");
            }
            g.print(": ");
            if p.is_array {
                g.print(" Array<");
            }
            let inner = props_from_fields(schema, p.fields.as_deref().unwrap_or(&[]));
            g.within_block(" {", "}", |g| {
                picked_property_declarations(g, schema, &inner, is_optional);
            });
            if p.is_array {
                if p.is_array_element_nullable {
                    g.print(" | null");
                }
                g.print(" >");
            }
            if p.is_nullable {
                g.print(" | null");
            }
            g.print(",");
        } else {
            property_declaration(g, p, is_optional);
        }
    }
}

/// `pickedPropertySetsDeclaration` (not standalone).
fn picked_property_sets_declaration(
    g: &mut Printer,
    schema: &Schema,
    p: &Prop,
    sets: &[Vec<Prop>],
) {
    g.description(p.description.as_deref());
    g.on_newline(&format!("{}: ", p.name));
    if p.is_array {
        g.print(" Array<");
    }
    g.within_block("(", ")", |g| {
        for (i, set) in sets.iter().enumerate() {
            g.within_block(" {", "}", |g| {
                picked_property_declarations(g, schema, set, false)
            });
            if i != sets.len() - 1 {
                g.print(" |");
            }
        }
    });
    if p.is_array {
        if p.is_array_element_nullable {
            g.print(" | null");
        }
        g.print(" >");
    }
    if p.is_nullable {
        g.print(" | null");
    }
    g.print(",");
}
