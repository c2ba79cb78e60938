//! Generation of the AppSync schema, following the passes of the Amplify GraphQL transformer in
//! its order: model (CRUD operations, inputs, filters, connections), primary key, index,
//! relational (connection fields) and default-value, then auth (directives, owner fields,
//! subscription arguments).

mod auth;
mod schema;

use std::collections::HashSet;

use crate::build::{is_model, upper_first};
use crate::model::*;
use crate::sdl::{self, Document, Kind};
use crate::{AuthorizationConfig, CompileError};

use auth::{Acm, Directives, Role};
use schema::{Dir, OutField, OutKind, OutSchema, OutType};

/// Directives the transformer consumes; everything else (`@aws_*`, `@deprecated`) passes through.
fn keep_directive(name: &str) -> bool {
    name.starts_with("aws_") || name == "deprecated"
}

pub(crate) fn generate(doc: &Document, data: &DataModel, config: &AuthorizationConfig) -> Result<String, CompileError> {
    let mut g = Generator { doc, data, config, out: OutSchema::default(), dirs: Directives { config } };
    g.copy_input_types();
    g.model_pass()?;
    g.primary_key_pass()?;
    g.index_pass()?;
    g.relational_pass();
    g.auth_pass()?;
    g.out.add({
        let mut t = OutType::new("AmplifyAIConversationTurnErrorInput", OutKind::Input);
        t.push_field(OutField::new("errorType", "String!"));
        t.push_field(OutField::new("message", "String!"));
        t
    });
    Ok(g.out.print())
}

struct Generator<'a> {
    doc: &'a Document,
    data: &'a DataModel,
    config: &'a AuthorizationConfig,
    out: OutSchema,
    dirs: Directives<'a>,
}

/// Name of the filter input used for a scalar or enum field.
fn scalar_filter(data: &DataModel, ty: &TypeRef, kind: &FieldKind) -> Option<String> {
    match kind {
        FieldKind::Scalar(s) => Some(format!("Model{}Input", s.base())),
        FieldKind::Enum if ty.is_list => Some(format!("Model{}ListInput", ty.name)),
        FieldKind::Enum => Some(format!("Model{}Input", ty.name)),
        _ => {
            let _ = data;
            None
        }
    }
}

/// `Model<Scalar>KeyConditionInput` for a sort key, or `None` for types without one (Boolean).
fn key_condition_name(data: &DataModel, ty: &TypeRef) -> Option<String> {
    let base = match Scalar::from_name(&ty.name) {
        Some(s) => s.base(),
        None if data.enum_type(&ty.name).is_some() => "String",
        None => return None,
    };
    (base != "Boolean").then(|| format!("Model{base}KeyConditionInput"))
}

fn key_condition_input(base: &str) -> OutType {
    let mut t = OutType::new(&format!("Model{base}KeyConditionInput"), OutKind::Input);
    let ops: &[&str] = if matches!(base, "String" | "ID") {
        &["eq", "le", "lt", "ge", "gt", "between", "beginsWith"]
    } else {
        &["eq", "le", "lt", "ge", "gt", "between"]
    };
    for op in ops {
        let ty = if *op == "between" { format!("[{base}]") } else { base.to_string() };
        t.push_field(OutField::new(op, ty));
    }
    t
}

fn lower_camel(words: &[String]) -> String {
    words
        .iter()
        .filter(|w| !w.is_empty())
        .enumerate()
        .map(|(i, w)| if i == 0 { crate::build::lower_first(w) } else { upper_first(w) })
        .collect()
}

impl<'a> Generator<'a> {
    fn model_def(&self, name: &str) -> &'a sdl::TypeDef {
        self.doc.types.iter().find(|t| t.name == name).expect("model type")
    }

    /// Fields the model transformer sees after adding `id` and timestamps (filters use these).
    /// `id` is added before the primary-key pass removes it again, so filters keep it.
    fn fields_with_auto(&self, model: &Model) -> Vec<Field> {
        let mut fields: Vec<Field> = model.declared_fields().cloned().collect();
        if !fields.iter().any(|f| f.name == "id") {
            fields.push(Field {
                name: "id".into(),
                ty: TypeRef::named("ID", true),
                kind: FieldKind::Scalar(Scalar::ID),
                origin: FieldOrigin::ImplicitId,
                default: None,
                relationship: None,
                auth: Vec::new(),
            });
        }
        fields.extend(model.fields.iter().filter(|f| f.origin == FieldOrigin::Timestamp).cloned());
        fields
    }

    /// Enum, model and custom types, the custom operations and other input types of the schema.
    fn copy_input_types(&mut self) {
        for t in &self.doc.types {
            let kind = match &t.kind {
                Kind::Object => OutKind::Object,
                Kind::Input => OutKind::Input,
                Kind::Interface => OutKind::Interface,
                Kind::Enum(v) => OutKind::Enum(v.clone()),
                Kind::Union(m) => OutKind::Union(m.clone()),
                Kind::Scalar => continue,
            };
            let mut out = OutType::new(&t.name, kind);
            out.interfaces = t.interfaces.clone();
            out.directives = t.directives.iter().filter(|d| keep_directive(&d.name)).map(|d| Dir::with_args(&d.name, &d.args)).collect();
            let model = is_model(t);
            for f in &t.fields {
                let mut field = OutField::new(&f.name, f.ty.to_string());
                for a in &f.args {
                    field = field.arg(&a.name, a.ty.to_string());
                }
                field.directives = f.directives.iter().filter(|d| keep_directive(&d.name)).map(|d| Dir::with_args(&d.name, &d.args)).collect();
                let _ = model;
                out.push_field(field);
            }
            self.out.types.push(out);
        }
    }

    // ---------------------------------------------------------------- model transformer

    fn model_pass(&mut self) -> Result<(), CompileError> {
        self.add_scalar_filter_inputs();
        self.out.add(OutType::new("ModelSortDirection", OutKind::Enum(vec!["ASC".into(), "DESC".into()])));
        for model in &self.data.models {
            self.add_auto_fields(model);
            self.add_non_model_inputs(&model.fields.iter().collect::<Vec<_>>());
            let ops = &model.operations;
            let mut query_fields = Vec::new();
            if let Some(get) = &ops.get {
                self.out.root("Query").push_field(OutField::new(get, &model.name).arg("id", "ID!"));
                query_fields.push(get.clone());
            }
            if let Some(list) = &ops.list {
                self.ensure_connection(&model.name);
                self.ensure_filter_input(model, true);
                self.out.root("Query").push_field(
                    OutField::new(list, format!("Model{}Connection", model.name))
                        .arg("filter", format!("Model{}FilterInput", model.name))
                        .arg("limit", "Int")
                        .arg("nextToken", "String"),
                );
                query_fields.push(list.clone());
            }
            let mut mutation_fields = Vec::new();
            for (op, input) in [(&ops.create, "Create"), (&ops.update, "Update"), (&ops.delete, "Delete")] {
                let Some(op) = op else { continue };
                self.ensure_enum_filters(model);
                self.ensure_condition_input(model);
                let input_name = format!("{input}{}Input", model.name);
                let input_type = match input {
                    "Create" => self.create_input(model),
                    "Update" => self.update_input(model),
                    _ => {
                        let mut t = OutType::new(&input_name, OutKind::Input);
                        t.push_field(OutField::new("id", "ID!"));
                        t
                    }
                };
                self.out.add(input_type);
                self.out.root("Mutation").push_field(
                    OutField::new(op, &model.name)
                        .arg("input", format!("{input_name}!"))
                        .arg("condition", format!("Model{}ConditionInput", model.name)),
                );
                mutation_fields.push(op.clone());
            }
            let mut subscription_fields = Vec::new();
            if ops.subscription_level != SubscriptionLevel::Off {
                let pairs = [(&ops.on_create, &ops.create), (&ops.on_update, &ops.update), (&ops.on_delete, &ops.delete)];
                for (subs, mutation) in pairs {
                    let Some(mutation) = mutation else { continue };
                    for sub in subs {
                        self.ensure_enum_filters(model);
                        self.ensure_subscription_filter(model);
                        let mut f = OutField::new(sub, &model.name).arg("filter", format!("ModelSubscription{}FilterInput", model.name));
                        f.directives.push(Dir::with_args("aws_subscribe", &[("mutations".into(), serde_json::json!([mutation]))]));
                        self.out.root("Subscription").push_field(f);
                        subscription_fields.push(sub.clone());
                    }
                }
            }
            if model.auth.is_empty() {
                let dirs = self.no_auth_directives();
                if !dirs.is_empty() {
                    self.out.add_type_directives(&model.name, &dirs);
                    self.propagate_service_directives(&model.name, &mut HashSet::new(), &dirs);
                    for f in &query_fields {
                        self.out.add_operation_directives("Query", f, &dirs);
                    }
                    for f in &mutation_fields {
                        self.out.add_operation_directives("Mutation", f, &dirs);
                    }
                    for f in &subscription_fields {
                        self.out.add_operation_directives("Subscription", f, &dirs);
                    }
                }
            }
        }
        Ok(())
    }

    /// Access of models without `@auth`: the sandbox API key and/or IAM.
    fn no_auth_directives(&self) -> Vec<Dir> {
        let c = self.config;
        if c.sandbox_mode && c.iam {
            vec![Dir::bare("aws_api_key"), Dir::bare("aws_iam")]
        } else if c.sandbox_mode && c.default_mode != crate::AuthMode::ApiKey {
            vec![Dir::bare("aws_api_key")]
        } else if c.iam && c.default_mode != crate::AuthMode::Iam {
            vec![Dir::bare("aws_iam")]
        } else {
            Vec::new()
        }
    }

    /// `propagateDirectivesToNestedTypes` of the model transformer.
    fn propagate_service_directives(&mut self, type_name: &str, seen: &mut HashSet<String>, dirs: &[Dir]) {
        let Some(t) = self.out.get(type_name) else { return };
        let nested: Vec<String> = t.fields.iter().map(|f| base_name(&f.ty)).filter(|n| self.is_non_model_object(n)).collect();
        for n in nested {
            if seen.insert(n.clone()) {
                self.out.add_type_directives(&n, dirs);
                self.propagate_service_directives(&n, seen, dirs);
            }
        }
    }

    fn is_non_model_object(&self, name: &str) -> bool {
        self.data.custom_type(name).is_some()
    }

    /// Any object type of the output without `@model`: custom types and, once the relational
    /// pass has run, connection types.
    fn is_output_non_model_object(&self, name: &str) -> bool {
        self.out.get(name).is_some_and(|t| t.kind == OutKind::Object)
            && self.data.model(name).is_none()
            && !matches!(name, "Query" | "Mutation" | "Subscription")
    }

    fn add_auto_fields(&mut self, model: &Model) {
        let t = self.out.get_mut(&model.name).expect("model type");
        for f in model.fields.iter().filter(|f| matches!(f.origin, FieldOrigin::ImplicitId | FieldOrigin::Timestamp)) {
            if !t.has_field(&f.name) {
                t.push_field(OutField::new(&f.name, f.ty.to_string()));
            }
        }
    }

    /// `<Type>Input` for every custom type a model stores, recursively.
    fn add_non_model_inputs(&mut self, fields: &[&Field]) {
        for f in fields {
            if f.kind != FieldKind::CustomType {
                continue;
            }
            let name = format!("{}Input", upper_first(&f.ty.name));
            if self.out.has(&name) {
                continue;
            }
            let Some(ct) = self.data.custom_type(&f.ty.name) else { continue };
            let mut input = OutType::new(&name, OutKind::Input);
            for cf in &ct.fields {
                input.push_field(OutField::new(&cf.name, self.input_type_of(cf).to_string()));
            }
            self.out.add(input);
            let nested: Vec<&Field> = ct.fields.iter().collect();
            self.add_non_model_inputs(&nested);
        }
    }

    /// `InputFieldWrapper.fromField`: scalars and enums keep their type, custom types become
    /// `<Type>Input`.
    fn input_type_of(&self, f: &Field) -> TypeRef {
        match f.kind {
            FieldKind::CustomType | FieldKind::Model => f.ty.renamed(&format!("{}Input", upper_first(&f.ty.name))),
            _ => f.ty.clone(),
        }
    }

    fn add_scalar_filter_inputs(&mut self) {
        for scalar in ["String", "Int", "Float", "Boolean", "ID"] {
            let conditions: &[&str] = match scalar {
                "String" | "ID" => &["ne", "eq", "le", "lt", "ge", "gt", "contains", "notContains", "between", "beginsWith"],
                "Int" | "Float" => &["ne", "eq", "le", "lt", "ge", "gt", "between"],
                _ => &["ne", "eq"],
            };
            let mut t = OutType::new(&format!("Model{scalar}Input"), OutKind::Input);
            for c in conditions {
                t.push_field(OutField::new(c, if *c == "between" { format!("[{scalar}]") } else { scalar.to_string() }));
            }
            t.push_field(OutField::new("attributeExists", "Boolean"));
            t.push_field(OutField::new("attributeType", "ModelAttributeTypes"));
            if matches!(scalar, "String" | "ID") {
                t.push_field(OutField::new("size", "ModelSizeInput"));
            }
            self.out.add(t);
        }
        for scalar in ["String", "Int", "Float", "Boolean", "ID"] {
            let conditions: &[&str] = match scalar {
                "String" | "ID" => &["ne", "eq", "le", "lt", "ge", "gt", "contains", "notContains", "between", "beginsWith", "in", "notIn"],
                "Int" | "Float" => &["ne", "eq", "le", "lt", "ge", "gt", "between", "in", "notIn"],
                _ => &["ne", "eq"],
            };
            let mut t = OutType::new(&format!("ModelSubscription{scalar}Input"), OutKind::Input);
            for c in conditions {
                let list = matches!(*c, "between" | "in" | "notIn");
                t.push_field(OutField::new(c, if list { format!("[{scalar}]") } else { scalar.to_string() }));
            }
            self.out.add(t);
        }
        let attribute_types = ["binary", "binarySet", "bool", "list", "map", "number", "numberSet", "string", "stringSet", "_null"];
        self.out.add(OutType::new("ModelAttributeTypes", OutKind::Enum(attribute_types.iter().map(|s| s.to_string()).collect())));
        let mut size = OutType::new("ModelSizeInput", OutKind::Input);
        for c in ["ne", "eq", "le", "lt", "ge", "gt", "between"] {
            size.push_field(OutField::new(c, if c == "between" { "[Int]" } else { "Int" }));
        }
        self.out.add(size);
    }

    fn ensure_connection(&mut self, model: &str) {
        let mut t = OutType::new(&format!("Model{model}Connection"), OutKind::Object);
        t.push_field(OutField::new("items", format!("[{model}]!")));
        t.push_field(OutField::new("nextToken", "String"));
        self.out.add(t);
    }

    /// `Model<Enum>Input` / `Model<Enum>ListInput` for the model's enum fields.
    fn ensure_enum_filters(&mut self, model: &Model) {
        for f in self.fields_with_auto(model) {
            if f.kind != FieldKind::Enum {
                continue;
            }
            let name = scalar_filter(self.data, &f.ty, &f.kind).expect("enum");
            let mut t = OutType::new(&name, OutKind::Input);
            let ty = if f.ty.is_list { format!("[{}]", f.ty.name) } else { f.ty.name.clone() };
            t.push_field(OutField::new("eq", ty.clone()));
            t.push_field(OutField::new("ne", ty));
            if f.ty.is_list {
                t.push_field(OutField::new("contains", f.ty.name.clone()));
                t.push_field(OutField::new("notContains", f.ty.name.clone()));
            }
            self.out.add(t);
        }
    }

    fn ensure_filter_input(&mut self, model: &Model, with_auto_fields: bool) {
        self.ensure_enum_filters(model);
        let name = format!("Model{}FilterInput", model.name);
        if self.out.has(&name) {
            return;
        }
        let mut t = OutType::new(&name, OutKind::Input);
        let fields = if with_auto_fields { self.fields_with_auto(model) } else { model.declared_fields().cloned().collect() };
        for f in fields {
            if let Some(filter) = scalar_filter(self.data, &f.ty, &f.kind) {
                t.push_field(OutField::new(&f.name, filter));
            }
        }
        t.push_field(OutField::new("and", format!("[{name}]")));
        t.push_field(OutField::new("or", format!("[{name}]")));
        t.push_field(OutField::new("not", name.clone()));
        self.out.add(t);
    }

    fn ensure_condition_input(&mut self, model: &Model) {
        let name = format!("Model{}ConditionInput", model.name);
        if self.out.has(&name) {
            return;
        }
        let mut t = OutType::new(&name, OutKind::Input);
        for f in model.declared_fields() {
            if let Some(filter) = scalar_filter(self.data, &f.ty, &f.kind) {
                t.push_field(OutField::new(&f.name, filter));
            }
        }
        t.push_field(OutField::new("and", format!("[{name}]")));
        t.push_field(OutField::new("or", format!("[{name}]")));
        t.push_field(OutField::new("not", name.clone()));
        if t.field("id").is_some_and(|f| f.ty == "ModelIDInput") {
            t.remove_field("id");
        }
        for ts in [&model.timestamps.created_at, &model.timestamps.updated_at].into_iter().flatten() {
            if !t.has_field(ts) {
                t.push_field(OutField::new(ts, "ModelStringInput"));
            }
        }
        self.out.add(t);
    }

    fn ensure_subscription_filter(&mut self, model: &Model) {
        let name = format!("ModelSubscription{}FilterInput", model.name);
        if self.out.has(&name) {
            return;
        }
        let mut t = OutType::new(&name, OutKind::Input);
        for f in self.fields_with_auto(model) {
            let base = match &f.kind {
                FieldKind::Scalar(s) => s.base(),
                FieldKind::Enum => "String",
                _ => continue,
            };
            t.push_field(OutField::new(&f.name, format!("ModelSubscription{base}Input")));
        }
        t.push_field(OutField::new("and", format!("[{name}]")));
        t.push_field(OutField::new("or", format!("[{name}]")));
        self.out.add(t);
    }

    fn create_input(&self, model: &Model) -> OutType {
        let mut t = OutType::new(&format!("Create{}Input", model.name), OutKind::Input);
        for f in model.declared_fields().filter(|f| f.kind != FieldKind::Model) {
            let mut ty = self.input_type_of(f);
            let auto = match f.name.as_str() {
                "id" => matches!(f.ty.name.as_str(), "ID"),
                "createdAt" | "updatedAt" => matches!(f.ty.name.as_str(), "AWSDateTime" | "String"),
                _ => false,
            };
            if auto && !f.ty.is_list {
                ty = ty.nullable();
            }
            t.push_field(OutField::new(&f.name, ty.to_string()));
        }
        match model.declared_fields().find(|f| f.name == "id") {
            None => t.push_field(OutField::new("id", "ID")),
            Some(id) if matches!(id.ty.name.as_str(), "ID" | "String") => {
                if let Some(f) = t.field_mut("id") {
                    f.ty = id.ty.nullable().to_string();
                }
            }
            Some(_) => {}
        }
        self.nullable_timestamps(model, &mut t);
        t
    }

    fn update_input(&self, model: &Model) -> OutType {
        let mut t = OutType::new(&format!("Update{}Input", model.name), OutKind::Input);
        for f in model.declared_fields().filter(|f| f.kind != FieldKind::Model) {
            let ty = self.input_type_of(f);
            let ty = if f.name == "id" || (matches!(f.name.as_str(), "createdAt" | "updatedAt") && !ty.is_list) {
                ty.nullable()
            } else {
                ty
            };
            t.push_field(OutField::new(&f.name, ty.nullable().to_string()));
        }
        match model.declared_fields().find(|f| f.name == "id") {
            None => t.push_field(OutField::new("id", "ID!")),
            Some(id) => {
                if let Some(f) = t.field_mut("id") {
                    f.ty = id.ty.non_null().to_string();
                }
            }
        }
        self.nullable_timestamps(model, &mut t);
        t
    }

    fn nullable_timestamps(&self, model: &Model, t: &mut OutType) {
        for ts in [&model.timestamps.created_at, &model.timestamps.updated_at].into_iter().flatten() {
            if let (Some(f), Some(decl)) = (t.field_mut(ts), model.declared_fields().find(|f| &f.name == ts)) {
                if matches!(decl.ty.name.as_str(), "String" | "AWSDateTime") {
                    f.ty = decl.ty.nullable().to_string();
                }
            }
        }
    }

    // ---------------------------------------------------------------- primary key and index

    fn base_type_of(&self, model: &Model, field: &str) -> String {
        model.field(field).map(|f| f.ty.name.clone()).unwrap_or_else(|| "ID".into())
    }

    /// The sort-key argument of a list or index query, adding its condition inputs.
    fn sort_key_arg(&mut self, model: &Model, sort_keys: &[String], index_name: Option<&str>) -> Result<Option<(String, String)>, CompileError> {
        match sort_keys.len() {
            0 => Ok(None),
            1 => {
                let f = model.field(&sort_keys[0]).expect("validated");
                let name = key_condition_name(self.data, &f.ty).ok_or_else(|| {
                    CompileError::directive(&model.name, Some(&f.name), format!("Sort Key Condition could not be constructed for field '{}'", f.name))
                })?;
                let base = name.trim_start_matches("Model").trim_end_matches("KeyConditionInput").to_string();
                self.out.add(key_condition_input(&base));
                Ok(Some((f.name.clone(), name)))
            }
            _ => {
                let key_name = upper_first(index_name.unwrap_or("Primary"));
                let cond = format!("Model{}{key_name}CompositeKeyConditionInput", model.name);
                let key = format!("Model{}{key_name}CompositeKeyInput", model.name);
                let mut c = OutType::new(&cond, OutKind::Input);
                for op in ["eq", "le", "lt", "ge", "gt", "between", "beginsWith"] {
                    c.push_field(OutField::new(op, if op == "between" { format!("[{key}]") } else { key.clone() }));
                }
                self.out.add(c);
                let mut k = OutType::new(&key, OutKind::Input);
                for (i, sk) in sort_keys.iter().enumerate() {
                    let f = model.field(sk).expect("validated");
                    let ty = match (i == sort_keys.len() - 1, Scalar::from_name(&f.ty.name)) {
                        (true, Some(s)) => s.base().to_string(),
                        _ => f.ty.name.clone(),
                    };
                    k.push_field(OutField::new(sk, ty));
                }
                self.out.add(k);
                Ok(Some((lower_camel(sort_keys), cond)))
            }
        }
    }

    fn primary_key_pass(&mut self) -> Result<(), CompileError> {
        for model in &self.data.models {
            let pk = &model.primary_key;
            if !pk.explicit {
                continue;
            }
            let key_fields: Vec<String> = model.key_fields().iter().map(|s| s.to_string()).collect();
            if let Some(get) = &model.operations.get {
                let args: Vec<(String, String)> = key_fields.iter().map(|k| (k.clone(), format!("{}!", self.base_type_of(model, k)))).collect();
                if let Some(f) = self.out.root("Query").field_mut(get) {
                    f.args = args.into_iter().map(|(name, ty)| schema::OutArg { name, ty }).collect();
                }
            }
            if let Some(list) = &model.operations.list {
                let sort = self.sort_key_arg(model, &pk.sort_keys, None)?;
                let hash_ty = self.base_type_of(model, &pk.partition_key);
                if let Some(f) = self.out.root("Query").field_mut(list) {
                    let mut args = vec![schema::OutArg { name: pk.partition_key.clone(), ty: hash_ty }];
                    if let Some((name, ty)) = sort {
                        args.push(schema::OutArg { name, ty });
                    }
                    args.extend(f.args.drain(..));
                    args.push(schema::OutArg { name: "sortDirection".into(), ty: "ModelSortDirection".into() });
                    f.args = args;
                }
            } else {
                self.sort_key_arg(model, &pk.sort_keys, None)?;
            }
            let declares_id = model.declared_fields().any(|f| f.name == "id");
            if !declares_id {
                if model.operations.create.is_some() {
                    if let Some(t) = self.out.get_mut(&format!("Create{}Input", model.name)) {
                        t.remove_field("id");
                    }
                }
            }
            if model.operations.update.is_some() {
                if let Some(t) = self.out.get_mut(&format!("Update{}Input", model.name)) {
                    if !declares_id {
                        t.remove_field("id");
                    }
                    for f in &mut t.fields {
                        if key_fields.contains(&f.name) {
                            let base = f.ty.trim_end_matches('!').to_string();
                            f.ty = format!("{base}!");
                        } else if f.name == "id" {
                            f.ty = f.ty.trim_end_matches('!').to_string();
                        }
                    }
                }
            }
            if model.operations.delete.is_some() {
                let key_args: Vec<OutField> = key_fields.iter().map(|k| OutField::new(k, format!("{}!", self.base_type_of(model, k)))).collect();
                if let Some(t) = self.out.get_mut(&format!("Delete{}Input", model.name)) {
                    let rest: Vec<OutField> = t.fields.drain(..).filter(|f| !key_fields.contains(&f.name) && !(f.name == "id" && f.ty.trim_end_matches('!') == "ID")).collect();
                    t.fields = key_args.into_iter().chain(rest).collect();
                }
            }
            if let Some(t) = self.out.get_mut(&format!("Model{}ConditionInput", model.name)) {
                for k in key_fields.iter().chain(std::iter::once(&"id".to_string())) {
                    t.remove_field(k);
                }
            }
        }
        Ok(())
    }

    fn index_pass(&mut self) -> Result<(), CompileError> {
        for model in &self.data.models {
            for index in &model.indexes {
                if let Some(query) = &index.query_field {
                    let hash_ty = format!("{}!", self.base_type_of(model, &index.partition_key));
                    let sort = self.sort_key_arg(model, &index.sort_keys, Some(&index.name))?;
                    let mut f = OutField::new(query, format!("Model{}Connection", model.name)).arg(&index.partition_key, hash_ty);
                    if let Some((name, ty)) = sort {
                        f = f.arg(&name, ty);
                    }
                    f = f
                        .arg("sortDirection", "ModelSortDirection")
                        .arg("filter", format!("Model{}FilterInput", model.name))
                        .arg("limit", "Int")
                        .arg("nextToken", "String");
                    if model.auth.is_empty() {
                        f.directives = self.no_auth_directives();
                    }
                    self.out.root("Query").push_field(f);
                    self.ensure_filter_input(model, false);
                    self.ensure_connection(&model.name);
                } else {
                    self.sort_key_arg(model, &index.sort_keys, Some(&index.name))?;
                }
                if let Some(t) = self.out.get_mut(&format!("Model{}ConditionInput", model.name)) {
                    t.remove_field("id");
                }
            }
        }
        Ok(())
    }

    // ---------------------------------------------------------------- relational

    fn relational_pass(&mut self) {
        // The transformers run in this order, each over its fields in document order.
        for kind in [RelationshipKind::HasMany, RelationshipKind::HasOne, RelationshipKind::ManyToMany, RelationshipKind::BelongsTo] {
            for model in &self.data.models {
                for f in model.declared_fields() {
                    let Some(rel) = f.relationship.as_ref().filter(|r| r.kind == kind) else { continue };
                    match kind {
                        RelationshipKind::HasMany => {
                            self.ensure_has_many_connection_fields(model, f, rel);
                            self.extend_type_with_connection(model, f, rel);
                        }
                        RelationshipKind::HasOne => self.ensure_has_one_connection_fields(model, f, rel),
                        RelationshipKind::ManyToMany => self.extend_type_with_connection(model, f, rel),
                        RelationshipKind::BelongsTo => {
                            // With a hasOne counterpart the belongsTo side holds the key
                            // (`ensureBelongsToConnectionField`).
                            let related = self.data.model(&rel.related_model).expect("validated");
                            let counterpart_is_has_one = related
                                .declared_fields()
                                .find(|g| {
                                    g.ty.name == model.name
                                        && g.relationship.as_ref().is_some_and(|r| matches!(r.kind, RelationshipKind::HasOne | RelationshipKind::HasMany))
                                })
                                .and_then(|g| g.relationship.as_ref())
                                .is_some_and(|r| r.kind == RelationshipKind::HasOne);
                            if counterpart_is_has_one {
                                self.ensure_has_one_connection_fields(model, f, rel);
                            }
                        }
                    }
                }
            }
        }
    }

    /// Adds a connection attribute to a model's type, create/update inputs and filter inputs.
    #[allow(clippy::too_many_arguments)]
    fn add_connection_attribute(&mut self, holder: &Model, key: &Field, required: bool, subscription_filter_of: &str) {
        let ty = TypeRef::named(&key.ty.name, required).to_string();
        let base = match &key.kind {
            FieldKind::Scalar(s) => s.base().to_string(),
            _ => key.ty.name.clone(),
        };
        let add = |out: &mut OutSchema, type_name: String, ty: String| {
            if let Some(t) = out.get_mut(&type_name) {
                if !t.has_field(&key.name) {
                    t.push_field(OutField::new(&key.name, ty));
                }
            }
        };
        add(&mut self.out, holder.name.clone(), ty.clone());
        add(&mut self.out, format!("Create{}Input", holder.name), ty);
        add(&mut self.out, format!("Update{}Input", holder.name), key.ty.name.clone());
        add(&mut self.out, format!("Model{}FilterInput", holder.name), format!("Model{base}Input"));
        add(&mut self.out, format!("Model{}ConditionInput", holder.name), format!("Model{base}Input"));
        add(&mut self.out, format!("ModelSubscription{subscription_filter_of}FilterInput"), format!("ModelSubscription{base}Input"));
    }

    /// `ensureHasManyConnectionField`: the implicit `<model><Field>Id` attribute on the related
    /// model (and, as the transformer does, on this model's subscription filter).
    fn ensure_has_many_connection_fields(&mut self, model: &Model, f: &Field, rel: &Relationship) {
        if !rel.fields.is_empty() || !rel.references.is_empty() {
            return;
        }
        let Resolution::Query { key_fields, .. } = &rel.resolution else { return };
        let related = self.data.model(&rel.related_model).expect("validated");
        for k in key_fields {
            let Some(key) = related.field(k) else { continue };
            self.add_connection_attribute(related, key, f.ty.list_required, &model.name);
        }
    }

    /// `ensureHasOneConnectionField`: the implicit `<model><Field>Id` attribute on this model.
    fn ensure_has_one_connection_fields(&mut self, model: &Model, f: &Field, rel: &Relationship) {
        if !rel.fields.is_empty() || !rel.references.is_empty() {
            return;
        }
        let Resolution::GetByKey { fields } = &rel.resolution else { return };
        for k in fields {
            let Some(key) = model.field(k) else { continue };
            self.add_connection_attribute(model, key, f.ty.required, &model.name);
        }
    }

    /// `extendTypeWithConnection`: the field becomes a `Model<Related>Connection` with filter,
    /// paging and, for Gen 1 forms, a sort-key condition on the related index or key.
    fn extend_type_with_connection(&mut self, model: &Model, f: &Field, rel: &Relationship) {
        let related = self.data.model(&rel.target_model).expect("validated");
        self.ensure_connection(&related.name);
        self.ensure_filter_input(related, false);
        let mut field = OutField::new(&f.name, format!("Model{}Connection", related.name));
        // `relatedTypeIndex`: the related index (or key) the Gen 1 forms query.
        let related_index: Vec<String> = if !rel.references.is_empty() || rel.kind == RelationshipKind::ManyToMany {
            Vec::new()
        } else {
            match &rel.index_name {
                Some(name) => related
                    .indexes
                    .iter()
                    .find(|i| &i.name == name)
                    .map(|i| std::iter::once(i.partition_key.clone()).chain(i.sort_keys.iter().cloned()).collect())
                    .unwrap_or_default(),
                None => related.key_fields().iter().map(|s| s.to_string()).collect(),
            }
        };
        if related_index.len() == 2 {
            let sk = related.field(&related_index[1]).expect("validated");
            let base = Scalar::from_name(&sk.ty.name).map(|s| s.base().to_string()).unwrap_or_else(|| sk.ty.name.clone());
            if matches!(base.as_str(), "String" | "ID" | "Int" | "Float") {
                self.out.add(key_condition_input(&base));
            }
        }
        if rel.fields.len() < 2 && related_index.len() > 1 {
            if related_index.len() == 2 {
                let sk = related.field(&related_index[1]).expect("validated");
                let base = Scalar::from_name(&sk.ty.name).map(|s| s.base().to_string()).unwrap_or_else(|| sk.ty.name.clone());
                field = field.arg(&sk.name, format!("Model{base}KeyConditionInput"));
            } else {
                let key_name = upper_first(rel.index_name.as_deref().unwrap_or("Primary"));
                field = field.arg(&lower_camel(&related_index[1..]), format!("Model{}{key_name}CompositeKeyConditionInput", related.name));
            }
        }
        field = field
            .arg("filter", format!("Model{}FilterInput", related.name))
            .arg("sortDirection", "ModelSortDirection")
            .arg("limit", "Int")
            .arg("nextToken", "String");
        if let Some(t) = self.out.get_mut(&model.name) {
            if let Some(existing) = t.field_mut(&f.name) {
                field.directives = existing.directives.clone();
                *existing = field;
            }
        }
    }

    // ---------------------------------------------------------------- auth

    fn auth_pass(&mut self) -> Result<(), CompileError> {
        let iam_everywhere = self.config.sandbox_mode || self.config.iam;
        if iam_everywhere {
            // Custom operations and custom types are reachable with IAM (functions, admin roles).
            for t in &self.doc.types {
                if t.kind != Kind::Object || is_model(t) {
                    continue;
                }
                let is_root = matches!(t.name.as_str(), "Query" | "Mutation" | "Subscription");
                if is_root {
                    for f in &t.fields {
                        self.out.add_field_directives(&t.name, &f.name, &[Dir::bare("aws_iam")]);
                    }
                }
                self.out.add_type_directives(&t.name, &[Dir::bare("aws_iam")]);
            }
        }

        // Build the access matrices first; subscription filters lose dynamic-auth fields.
        let mut matrices: Vec<(&Model, Acm)> = Vec::new();
        for model in self.data.models.iter().filter(|m| m.has_auth) {
            let def = self.model_def(&model.name);
            let mut acm = Acm::new(&model.name, def.fields.iter().map(|f| f.name.clone()).collect());
            acm.allow_role_overwrite = model.join_of.is_some();
            acm.add_rules(&model.auth, None, None)?;
            for f in model.declared_fields().filter(|f| !f.auth.is_empty()) {
                acm.reset_resource(&f.name);
                acm.add_rules(&f.auth, Some(&f.name), None)?;
            }
            let required: Vec<String> = def.fields.iter().filter(|f| f.ty.is_non_null()).map(|f| f.name.clone()).collect();
            let unreadable = acm.unreadable_required_fields(&required);
            if !unreadable.is_empty() && model.operations.subscription_level == SubscriptionLevel::On {
                return Err(CompileError::directive(&model.name, Some(&unreadable[0]), format!(
                    "When using field-level authorization rules you need to add rules to all of the model's required fields with at least read permissions. Found model \"{}\" with required fields {} missing field-level authorization rules.\n\nFor more information visit https://docs.amplify.aws/cli/graphql/authorization-rules/#field-level-authorization-rules",
                    model.name,
                    serde_json::to_string(&unreadable).unwrap_or_default()
                )));
            }
            matrices.push((model, acm));
        }
        for (model, acm) in &matrices {
            for role in &acm.roles {
                if !role.is_static && matches!(role.provider, AuthProvider::UserPools | AuthProvider::Oidc) {
                    if let (Some(t), Some(entity)) = (self.out.get_mut(&format!("ModelSubscription{}FilterInput", model.name)), &role.entity) {
                        t.remove_field(entity);
                    }
                }
            }
        }

        let mut seen_nested: std::collections::HashMap<String, HashSet<String>> = std::collections::HashMap::new();
        for (model, acm) in &matrices {
            let owner_fields: Vec<String> = acm.roles.iter().filter(|r| r.strategy == AuthStrategy::Owner).filter_map(|r| r.entity.clone()).collect();
            for input in [
                format!("Model{}FilterInput", model.name),
                format!("Model{}ConditionInput", model.name),
                format!("ModelSubscription{}FilterInput", model.name),
            ] {
                if let Some(t) = self.out.get_mut(&input) {
                    for owner in &owner_fields {
                        if !t.has_field(owner) {
                            t.push_field(OutField::new(owner, "ModelStringInput"));
                        }
                    }
                }
            }
            let model_fields_before_owner: Vec<(String, bool)> =
                self.out.get(&model.name).map(|t| t.fields.iter().map(|f| (f.name.clone(), f.ty.starts_with('['))).collect()).unwrap_or_default();
            if let Some(t) = self.out.get_mut(&model.name) {
                for owner in &owner_fields {
                    if !t.has_field(owner) {
                        t.push_field(OutField::new(owner, "String"));
                    }
                }
            }
            let all_roles: Vec<&Role> = acm.roles.iter().collect();
            let providers = self.dirs.providers(&all_roles);
            let add_default = if providers.is_empty() { self.dirs.should_add_default() } else { false };
            let type_dirs = self.dirs.service_directives(&providers, add_default);
            self.out.add_type_directives(&model.name, &type_dirs);

            // protectSchemaOperations
            let ops = &model.operations;
            let protect = |g: &mut Self, root: &str, op: AuthOperation, name: &Option<String>| {
                let Some(name) = name else { return };
                let roles = acm.roles_for(op, op == AuthOperation::Delete);
                let include_default = g.dirs.include_default(&roles);
                let providers = g.dirs.providers(&roles);
                let dirs = g.dirs.service_directives(&providers, include_default);
                if !dirs.is_empty() {
                    g.out.add_operation_directives(root, name, &dirs);
                }
            };
            protect(self, "Query", AuthOperation::Get, &ops.get);
            protect(self, "Query", AuthOperation::List, &ops.list);
            protect(self, "Mutation", AuthOperation::Create, &ops.create);
            protect(self, "Mutation", AuthOperation::Update, &ops.update);
            protect(self, "Mutation", AuthOperation::Delete, &ops.delete);
            for index in &model.indexes {
                if index.query_field.is_some() {
                    protect(self, "Query", AuthOperation::List, &index.query_field);
                    protect(self, "Query", AuthOperation::Get, &index.query_field);
                }
            }
            if ops.subscription_level == SubscriptionLevel::On {
                let mut sub_args: Vec<String> = Vec::new();
                for role in acm.roles_for(AuthOperation::Listen, false) {
                    if role.strategy != AuthStrategy::Owner {
                        continue;
                    }
                    let entity = role.entity.clone().unwrap_or_default();
                    let is_list = model_fields_before_owner.iter().any(|(n, list)| *n == entity && *list);
                    if !is_list && !sub_args.contains(&entity) {
                        sub_args.push(entity);
                    }
                }
                for (subs, mutation) in [(&ops.on_create, &ops.create), (&ops.on_update, &ops.update), (&ops.on_delete, &ops.delete)] {
                    if mutation.is_none() {
                        continue;
                    }
                    for sub in subs {
                        protect(self, "Subscription", AuthOperation::Listen, &Some(sub.clone()));
                        if let Some(f) = self.out.root("Subscription").field_mut(sub) {
                            for a in &sub_args {
                                f.args.push(schema::OutArg { name: a.clone(), ty: "String".into() });
                            }
                        }
                    }
                }
            }
            self.propagate_auth_directives(&model.name, &providers, &mut seen_nested);
        }

        // Static rules on custom operations and custom-type fields.
        for t in &self.doc.types {
            if t.kind != Kind::Object || is_model(t) {
                continue;
            }
            for f in &t.fields {
                let Some(d) = sdl::find(&f.directives, "auth") else { continue };
                let rules = crate::build::parse_auth(&t.name, Some(&f.name), d, true)?;
                let static_rules: Vec<AuthRule> = rules.into_iter().filter(|r| r.strategy != AuthStrategy::Owner && r.groups_field.is_none()).collect();
                let name = format!("{}:{}", t.name, f.name);
                let mut acm = Acm::new(&name, vec![name.clone()]);
                let read = [AuthOperation::Get, AuthOperation::List, AuthOperation::Search, AuthOperation::Listen, AuthOperation::Sync];
                acm.add_rules(&static_rules, Some(&name), Some(&read))?;
                let roles: Vec<&Role> = acm.roles.iter().collect();
                let providers = self.dirs.providers(&roles);
                let dirs = self.dirs.service_directives(&providers, false);
                self.out.add_field_directives(&t.name, &f.name, &dirs);
            }
        }
        Ok(())
    }

    /// `propagateAuthDirectivesToNestedTypes` of the auth transformer.
    fn propagate_auth_directives(&mut self, type_name: &str, providers: &[AuthProvider], seen: &mut std::collections::HashMap<String, HashSet<String>>) {
        let Some(t) = self.out.get(type_name) else { return };
        let nested: Vec<String> = t.fields.iter().map(|f| base_name(&f.ty)).filter(|n| self.is_output_non_model_object(n)).collect();
        for n in nested {
            let seen_before = seen.contains_key(&n);
            let mut dirs = self.dirs.service_directives(providers, seen_before);
            if let Some(current) = seen.get(&n) {
                dirs.retain(|d| !current.contains(&d.name));
            }
            seen.entry(n.clone()).or_default().extend(dirs.iter().map(|d| d.name.clone()));
            if !dirs.is_empty() || !seen_before {
                self.out.add_type_directives(&n, &dirs);
                self.propagate_auth_directives(&n, providers, seen);
            }
        }
    }
}

fn base_name(ty: &str) -> String {
    ty.trim_start_matches('[').trim_end_matches('!').trim_end_matches(']').trim_end_matches('!').to_string()
}
