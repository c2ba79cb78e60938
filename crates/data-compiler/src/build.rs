//! Builds the [`DataModel`] from parsed SDL and checks it the way the transformer does.

use std::collections::HashSet;

use serde_json::Value;

use crate::model::*;
use crate::pluralize::plural;
use crate::sdl::{self, Directive, Document, FieldDef, Kind, TypeDef};
use crate::{AuthorizationConfig, CompileError};

const ROOT_TYPES: [&str; 3] = ["Query", "Mutation", "Subscription"];

/// Whether a name is a model, enum, custom type or scalar.
pub(crate) struct Names<'a> {
    pub doc: &'a Document,
}

impl Names<'_> {
    fn type_def(&self, name: &str) -> Option<&TypeDef> {
        self.doc.types.iter().find(|t| t.name == name)
    }

    pub fn is_enum(&self, name: &str) -> bool {
        self.type_def(name).is_some_and(|t| matches!(t.kind, Kind::Enum(_)))
    }

    fn kind_of(&self, owner: &str, field: &str, ty: &TypeRef) -> Result<FieldKind, CompileError> {
        if let Some(s) = Scalar::from_name(&ty.name) {
            return Ok(FieldKind::Scalar(s));
        }
        match self.type_def(&ty.name) {
            Some(t) if is_model(t) => Ok(FieldKind::Model),
            Some(t) => match t.kind {
                Kind::Enum(_) => Ok(FieldKind::Enum),
                _ => Ok(FieldKind::CustomType),
            },
            None => Err(CompileError::UnknownType {
                owner: owner.to_string(),
                field_name: field.to_string(),
                type_name: ty.name.clone(),
            }),
        }
    }
}

pub(crate) fn is_model(t: &TypeDef) -> bool {
    t.kind == Kind::Object && sdl::find(&t.directives, "model").is_some()
}

pub(crate) fn build(
    doc: &Document,
    auth: &AuthorizationConfig,
    function_names: &std::collections::BTreeMap<String, String>,
) -> Result<DataModel, CompileError> {
    let names = Names { doc };
    let mut data = DataModel {
        models: Vec::new(),
        enums: Vec::new(),
        custom_types: Vec::new(),
        inputs: Vec::new(),
        queries: Vec::new(),
        mutations: Vec::new(),
        subscriptions: Vec::new(),
    };
    for t in &doc.types {
        match &t.kind {
            Kind::Enum(values) => data.enums.push(EnumType { name: t.name.clone(), values: values.clone() }),
            Kind::Input => data.inputs.push(InputType {
                name: t.name.clone(),
                fields: t.fields.iter().map(|f| Argument { name: f.name.clone(), ty: f.ty.clone() }).collect(),
            }),
            Kind::Object if is_model(t) => {
                if ROOT_TYPES.contains(&t.name.as_str()) {
                    return Err(CompileError::directive(
                        &t.name,
                        None,
                        format!("'{}' is a reserved type name and currently in use within the default schema element.", t.name),
                    ));
                }
                data.models.push(build_model(&names, t, auth)?);
            }
            Kind::Object if ROOT_TYPES.contains(&t.name.as_str()) => {
                let kind = match t.name.as_str() {
                    "Query" => OperationKind::Query,
                    "Mutation" => OperationKind::Mutation,
                    _ => OperationKind::Subscription,
                };
                for f in &t.fields {
                    model_only_directives(&t.name, f)?;
                    let op = build_operation(&names, kind, f, function_names, auth)?;
                    match kind {
                        OperationKind::Query => data.queries.push(op),
                        OperationKind::Mutation => data.mutations.push(op),
                        OperationKind::Subscription => data.subscriptions.push(op),
                    }
                }
            }
            Kind::Object => {
                let mut fields = Vec::new();
                for f in &t.fields {
                    model_only_directives(&t.name, f)?;
                    if sdl::find(&f.directives, "auth").is_some() {
                        let rules = parse_auth(&t.name, Some(&f.name), sdl::find(&f.directives, "auth").unwrap(), true)?;
                        validate_rules(&t.name, Some(&f.name), &rules, auth)?;
                    }
                    fields.push(Field {
                        name: f.name.clone(),
                        ty: f.ty.clone(),
                        kind: names.kind_of(&t.name, &f.name, &f.ty)?,
                        origin: FieldOrigin::Declared,
                        default: None,
                        relationship: None,
                        auth: Vec::new(),
                    });
                }
                data.custom_types.push(CustomType {
                    name: t.name.clone(),
                    fields,
                    auth_directives: aws_directives(&t.directives),
                });
            }
            _ => {}
        }
    }
    validate_relationships(doc, &data)?;
    resolve_relationships(doc, &mut data)?;
    Ok(data)
}

fn aws_directives(directives: &[Directive]) -> Vec<String> {
    directives.iter().filter(|d| d.name.starts_with("aws_") && d.name != "aws_subscribe").map(|d| d.name.clone()).collect()
}

fn build_model(names: &Names<'_>, t: &TypeDef, auth_config: &AuthorizationConfig) -> Result<Model, CompileError> {
    let model_dir = sdl::find(&t.directives, "model").expect("model");
    let model_arguments = model_dir.args_object();
    let operations = model_operations(&t.name, model_dir);
    let timestamps = model_timestamps(model_dir);

    let mut fields = Vec::new();
    let mut primary_key: Option<PrimaryKey> = None;
    let mut indexes = Vec::new();
    let mut has_auth = false;
    let mut seen = HashSet::new();
    for f in &t.fields {
        if !seen.insert(f.name.clone()) {
            return Err(CompileError::schema(&t.name, Some(&f.name), format!("Field \"{}.{}\" can only be defined once.", t.name, f.name)));
        }
        let kind = names.kind_of(&t.name, &f.name, &f.ty)?;
        if let Some(d) = sdl::find(&f.directives, "default") {
            let enum_values = match names.type_def(&f.ty.name).map(|t| &t.kind) {
                Some(Kind::Enum(values)) => Some(values.as_slice()),
                _ => None,
            };
            crate::defaults::validate(&t.name, &f.name, &f.ty, &kind, enum_values, d)?;
        }
        let relationship = relationship_of(&t.name, f, &kind)?;
        let field_auth = match sdl::find(&f.directives, "auth") {
            Some(d) => {
                has_auth = true;
                let rules = parse_auth(&t.name, Some(&f.name), d, true)?;
                validate_rules(&t.name, Some(&f.name), &rules, auth_config)?;
                rules
            }
            None => Vec::new(),
        };
        if let Some(pk) = sdl::find(&f.directives, "primaryKey") {
            if primary_key.is_some() {
                return Err(CompileError::directive(&t.name, Some(&f.name), format!("You may only supply one primary key on type '{}'.", t.name)));
            }
            let sort_keys = string_list(pk.arg("sortKeyFields"));
            primary_key = Some(PrimaryKey { partition_key: f.name.clone(), sort_keys, explicit: true });
        }
        for d in f.directives.iter().filter(|d| d.name == "index") {
            let sort_keys = string_list(d.arg("sortKeyFields"));
            let name = match d.arg("name") {
                Some(Value::String(n)) => {
                    let valid = n.len() >= 3
                        && n.len() <= 255
                        && n.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
                    if !valid {
                        return Err(CompileError::directive(&t.name, Some(&f.name), "The indexName is invalid. It should be between 3 and 255 characters. Only A–Z, a–z, 0–9, underscore characters, hyphens, and periods allowed."));
                    }
                    n.clone()
                }
                Some(Value::Null) => {
                    return Err(CompileError::directive(&t.name, Some(&f.name), "Explicit null value not allowed for name field on @index"))
                }
                _ => default_index_name(&t.name, &f.name, &sort_keys),
            };
            let query_field = match d.arg("queryField") {
                Some(Value::String(q)) => Some(q.clone()),
                Some(Value::Null) => None,
                // The Gen 2 construct enables `enableAutoIndexQueryNames`.
                _ => Some(default_index_name(&t.name, &f.name, &sort_keys)),
            };
            let query_field_explicit = matches!(d.arg("queryField"), Some(Value::String(_)));
            indexes.push((f.name.clone(), SecondaryIndex { name, partition_key: f.name.clone(), sort_keys, query_field, query_field_explicit }));
        }
        fields.push(Field {
            name: f.name.clone(),
            ty: f.ty.clone(),
            kind,
            origin: FieldOrigin::Declared,
            default: sdl::find(&f.directives, "default").and_then(|d| d.arg("value")).map(value_string),
            relationship,
            auth: field_auth,
        });
    }

    let auth = match sdl::find(&t.directives, "auth") {
        Some(d) => {
            has_auth = true;
            let rules = parse_auth(&t.name, None, d, false)?;
            if rules.is_empty() {
                return Err(CompileError::directive(&t.name, None, format!("@auth on {} does not have any auth rules.", t.name)));
            }
            validate_rules(&t.name, None, &rules, auth_config)?;
            rules
        }
        None => Vec::new(),
    };

    validate_keys(names, t, &fields, primary_key.as_ref(), &indexes)?;

    let declared_id = fields.iter().any(|f| f.name == "id");
    if !declared_id && primary_key.is_none() {
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
    for ts in [&timestamps.created_at, &timestamps.updated_at].into_iter().flatten() {
        if !fields.iter().any(|f| &f.name == ts) {
            fields.push(Field {
                name: ts.clone(),
                ty: TypeRef::named("AWSDateTime", true),
                kind: FieldKind::Scalar(Scalar::AWSDateTime),
                origin: FieldOrigin::Timestamp,
                default: None,
                relationship: None,
                auth: Vec::new(),
            });
        }
    }
    // Owner rules name a field that stores the owner; the transformer adds it when missing.
    let owner_fields: Vec<String> = auth
        .iter()
        .chain(fields.iter().flat_map(|f| f.auth.iter()))
        .filter(|r| r.strategy == AuthStrategy::Owner)
        .map(|r| r.owner_field_or_default().to_string())
        .collect();
    for owner in owner_fields {
        if !fields.iter().any(|f| f.name == owner) {
            fields.push(Field {
                name: owner,
                ty: TypeRef::named("String", false),
                kind: FieldKind::Scalar(Scalar::String),
                origin: FieldOrigin::ImplicitOwner,
                default: None,
                relationship: None,
                auth: Vec::new(),
            });
        }
    }

    Ok(Model {
        plural_name: plural(&t.name),
        name: t.name.clone(),
        fields,
        primary_key: primary_key.unwrap_or(PrimaryKey { partition_key: "id".into(), sort_keys: Vec::new(), explicit: false }),
        indexes: indexes.into_iter().map(|(_, i)| i).collect(),
        auth,
        has_auth,
        operations,
        timestamps,
        model_arguments,
        join_of: t.join_of.clone(),
    })
}

/// `<plural model, lower first>By<Field>And<Sort>`, as the index transformer names indexes.
fn default_index_name(model: &str, field: &str, sort_keys: &[String]) -> String {
    let plural = plural(model);
    let parts: Vec<String> = std::iter::once(field).chain(sort_keys.iter().map(String::as_str)).map(upper_first).collect();
    format!("{}By{}", lower_first(&plural), parts.join("And"))
}

pub(crate) fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

pub(crate) fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn value_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn string_list(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(items)) => items.iter().filter_map(|i| i.as_str().map(str::to_string)).collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

fn model_operations(name: &str, model: &Directive) -> ModelOperations {
    // `queries: null` disables all; `queries: { get: null }` disables one.
    let pick = |group: &str, op: &str, default: String| -> Option<String> {
        match model.arg(group) {
            Some(Value::Null) => None,
            Some(Value::Object(map)) => match map.get(op) {
                Some(Value::String(s)) => Some(s.clone()),
                Some(Value::Null) => None,
                Some(_) => Some(default),
                // A partial object replaces the defaults only for the keys it names.
                None => Some(default),
            },
            _ => Some(default),
        }
    };
    let plural_name = upper_first(&plural(name));
    let list_default = format!("list{plural_name}");
    let subs = model.arg("subscriptions");
    let level = match subs {
        Some(Value::Null) => SubscriptionLevel::Off,
        Some(Value::Object(map)) => match map.get("level").and_then(|l| l.as_str()) {
            Some("off") => SubscriptionLevel::Off,
            Some("public") => SubscriptionLevel::Public,
            _ => SubscriptionLevel::On,
        },
        _ => SubscriptionLevel::On,
    };
    let sub_names = |key: &str, default: String| -> Vec<String> {
        match subs {
            Some(Value::Null) => Vec::new(),
            Some(Value::Object(map)) => match map.get(key) {
                Some(Value::Array(items)) => items.iter().filter_map(|i| i.as_str().map(str::to_string)).collect(),
                Some(Value::String(s)) => vec![s.clone()],
                Some(Value::Null) => Vec::new(),
                _ => vec![default],
            },
            _ => vec![default],
        }
    };
    ModelOperations {
        get: pick("queries", "get", format!("get{}", upper_first(name))),
        list: pick("queries", "list", lower_first(&list_default)),
        create: pick("mutations", "create", format!("create{}", upper_first(name))),
        update: pick("mutations", "update", format!("update{}", upper_first(name))),
        delete: pick("mutations", "delete", format!("delete{}", upper_first(name))),
        on_create: sub_names("onCreate", format!("onCreate{}", upper_first(name))),
        on_update: sub_names("onUpdate", format!("onUpdate{}", upper_first(name))),
        on_delete: sub_names("onDelete", format!("onDelete{}", upper_first(name))),
        subscription_level: level,
    }
}

fn model_timestamps(model: &Directive) -> Timestamps {
    match model.arg("timestamps") {
        Some(Value::Null) => Timestamps { created_at: None, updated_at: None },
        Some(Value::Object(map)) => {
            let pick = |key: &str| match map.get(key) {
                Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                _ => Some(key.to_string()),
            };
            Timestamps { created_at: pick("createdAt"), updated_at: pick("updatedAt") }
        }
        _ => Timestamps { created_at: Some("createdAt".into()), updated_at: Some("updatedAt".into()) },
    }
}

fn relationship_of(model: &str, f: &FieldDef, kind: &FieldKind) -> Result<Option<Relationship>, CompileError> {
    let found = f.directives.iter().find(|d| matches!(d.name.as_str(), "hasMany" | "hasOne" | "belongsTo" | "manyToMany"));
    let Some(d) = found else { return Ok(None) };
    let rel_kind = match d.name.as_str() {
        "hasMany" => RelationshipKind::HasMany,
        "hasOne" => RelationshipKind::HasOne,
        "belongsTo" => RelationshipKind::BelongsTo,
        _ => RelationshipKind::ManyToMany,
    };
    if *kind != FieldKind::Model {
        return Err(CompileError::directive(model, Some(&f.name), format!("Object type {} must be annotated with @model.", f.ty.name)));
    }
    match rel_kind {
        RelationshipKind::HasMany if !f.ty.is_list => {
            return Err(CompileError::directive(model, Some(&f.name), "@hasMany must be used with a list. Use @hasOne for non-list types."))
        }
        RelationshipKind::ManyToMany if !f.ty.is_list => {
            return Err(CompileError::directive(model, Some(&f.name), "@manyToMany must be used with a list."))
        }
        RelationshipKind::HasOne if f.ty.is_list => {
            return Err(CompileError::directive(model, Some(&f.name), "@hasOne cannot be used with lists. Use @hasMany instead."))
        }
        RelationshipKind::BelongsTo if f.ty.is_list => {
            return Err(CompileError::directive(model, Some(&f.name), "@belongsTo cannot be used with lists."))
        }
        _ => {}
    }
    let references = string_list(d.arg("references"));
    let fields = string_list(d.arg("fields"));
    if !references.is_empty() && !fields.is_empty() {
        return Err(CompileError::directive(model, Some(&f.name), format!("fields and references cannot be defined in the same {}. Use 'references'", d.name)));
    }
    if d.has_arg("references") && references.is_empty() {
        return Err(CompileError::directive(model, Some(&f.name), format!("No reference fields passed to @{} directive.", d.name)));
    }
    Ok(Some(Relationship {
        kind: rel_kind,
        related_model: f.ty.name.clone(),
        references,
        fields,
        index_name: d.arg("indexName").and_then(|v| v.as_str()).map(str::to_string),
        relation_name: d.arg("relationName").and_then(|v| v.as_str()).map(str::to_string),
        target_model: match rel_kind {
            RelationshipKind::ManyToMany => d.arg("relationName").and_then(|v| v.as_str()).map(join_model_name).unwrap_or_default(),
            _ => f.ty.name.clone(),
        },
        // Resolved once every model is known (`resolve_relationships`).
        resolution: Resolution::GetByKey { fields: Vec::new() },
    }))
}

fn is_scalar_or_enum(names: &Names<'_>, ty: &TypeRef) -> bool {
    Scalar::from_name(&ty.name).is_some() || names.is_enum(&ty.name)
}

fn validate_keys(
    names: &Names<'_>,
    t: &TypeDef,
    fields: &[Field],
    pk: Option<&PrimaryKey>,
    indexes: &[(String, SecondaryIndex)],
) -> Result<(), CompileError> {
    let model = &t.name;
    let field = |n: &str| fields.iter().find(|f| f.name == n);
    if let Some(pk) = pk {
        let f = field(&pk.partition_key).expect("declared");
        if pk.sort_keys.contains(&pk.partition_key) {
            return Err(CompileError::directive(model, Some(&f.name), format!("@primaryKey field '{}' cannot reference itself.", f.name)));
        }
        if !f.ty.is_non_null() {
            return Err(CompileError::directive(model, Some(&f.name), format!("The primary key on type '{model}' must reference non-null fields.")));
        }
        if !is_scalar_or_enum(names, &f.ty) || f.ty.is_list {
            return Err(CompileError::directive(model, Some(&f.name), format!("The primary key on type '{model}.{}' cannot be a non-scalar.", f.name)));
        }
        for sk in &pk.sort_keys {
            let Some(s) = field(sk) else {
                return Err(CompileError::directive(model, Some(sk), format!("Can't find field '{sk}' in {model}, but it was specified in the primary key.")));
            };
            if !is_scalar_or_enum(names, &s.ty) || s.ty.is_list {
                return Err(CompileError::directive(model, Some(sk), format!("The primary key's sort key on type '{model}.{sk}' cannot be a non-scalar.")));
            }
            if !s.ty.is_non_null() {
                return Err(CompileError::directive(model, Some(sk), format!("The primary key on type '{model}' must reference non-null fields.")));
            }
        }
    }
    let mut seen_names = HashSet::new();
    for (field_name, index) in indexes {
        let name = &index.name;
        if !seen_names.insert(name.clone()) {
            return Err(CompileError::directive(model, Some(field_name), format!("You may only supply one @index with the name '{name}' on type '{model}'.")));
        }
        if index.sort_keys.contains(field_name) {
            return Err(CompileError::directive(model, Some(field_name), format!("@index field '{field_name}' cannot reference itself.")));
        }
        if let Some(pk) = pk {
            if pk.partition_key == *field_name && pk.sort_keys.is_empty() {
                return Err(CompileError::directive(model, Some(field_name), format!("Invalid @index '{name}'. You may not create an index where the partition key is the same as that of the primary key unless the primary key has a sort field. You cannot have a local secondary index without a sort key in the primary key.")));
            }
        }
        let f = field(field_name).expect("declared");
        if !is_scalar_or_enum(names, &f.ty) || f.ty.is_list {
            return Err(CompileError::directive(model, Some(field_name), format!("Index '{name}' on type '{model}.{field_name}' cannot be a non-scalar.")));
        }
        for sk in &index.sort_keys {
            let Some(s) = field(sk) else {
                return Err(CompileError::directive(model, Some(sk), format!("Can't find field '{sk}' in {model}, but it was specified in index '{name}'.")));
            };
            if !is_scalar_or_enum(names, &s.ty) || s.ty.is_list {
                return Err(CompileError::directive(model, Some(sk), format!("The sort key of index '{name}' on type '{model}.{sk}' cannot be a non-scalar.")));
            }
        }
    }
    Ok(())
}

/// The checks of the relational transformers for Gen 2 `references` relationships.
fn validate_relationships(doc: &Document, data: &DataModel) -> Result<(), CompileError> {
    for model in &data.models {
        for f in model.declared_fields() {
            let Some(rel) = &f.relationship else { continue };
            let Some(related) = data.model(&rel.related_model) else {
                return Err(CompileError::directive(&model.name, Some(&f.name), format!("Object type {} must be annotated with @model.", rel.related_model)));
            };
            let directive = match rel.kind {
                RelationshipKind::HasMany => "hasMany",
                RelationshipKind::HasOne => "hasOne",
                RelationshipKind::BelongsTo => "belongsTo",
                RelationshipKind::ManyToMany => "manyToMany",
            };
            if rel.references.is_empty() {
                validate_fields_form(model, f, rel, related, directive)?;
                continue;
            }
            if rel.index_name.is_some() && rel.kind != RelationshipKind::BelongsTo {
                return Err(CompileError::directive(&model.name, Some(&f.name), format!("Invalid @{directive} directive on {}.{} - indexName is not supported with DynamoDB references.", model.name, f.name)));
            }
            // hasMany/hasOne: references live on the related model and hold this model's key;
            // belongsTo: they live here and hold the related model's key.
            let (holder, keyed) = match rel.kind {
                RelationshipKind::BelongsTo => (model, related),
                _ => (related, model),
            };
            for r in &rel.references {
                let Some(rf) = holder.field(r).filter(|rf| rf.origin == FieldOrigin::Declared) else {
                    return Err(CompileError::directive(&model.name, Some(&f.name), format!("{r} is not a field in {}", holder.name)));
                };
                if !matches!(rf.kind, FieldKind::Scalar(_) | FieldKind::Enum) {
                    return Err(CompileError::directive(&model.name, Some(&f.name), format!("All reference fields provided to @{directive} must be scalar or enum fields.")));
                }
            }
            if rel.references.len() != keyed.key_fields().len() {
                return Err(CompileError::directive(&model.name, Some(&f.name), format!("The number of references provided to @{directive} must match the number of primary keys on {}.", keyed.name)));
            }
            if rel.kind != RelationshipKind::BelongsTo && f.ty.is_non_null() && !f.ty.is_list {
                return Err(CompileError::directive(&model.name, Some(&f.name), format!("@{directive} fields must not be required. Change '{}.{}: {}!' to '{}.{}: {}'", model.name, f.name, f.ty.name, model.name, f.name, f.ty.name)));
            }
            // Bidirectionality: the related model must point back with the same references.
            let wanted: &[&str] = match rel.kind {
                RelationshipKind::BelongsTo => &["hasOne", "hasMany"],
                _ => &["belongsTo"],
            };
            let related_def = doc.types.iter().find(|t| t.name == related.name).expect("model");
            let matched = related_def.fields.iter().any(|rf| {
                rf.ty.name == model.name
                    && rf.directives.iter().any(|d| {
                        wanted.contains(&d.name.as_str()) && string_list(d.arg("references")) == rel.references
                    })
            });
            if !matched {
                let wanted_desc = wanted.iter().map(|d| format!("@{d}")).collect::<Vec<_>>().join(" or ");
                let primary = if rel.kind == RelationshipKind::BelongsTo { &related.name } else { &model.name };
                return Err(CompileError::directive(&model.name, Some(&f.name), format!(
                    "Uni-directional relationships are not supported. Add a {wanted_desc} field in {} to match the @{directive} field {}.{}, and ensure the number and type of reference fields match the number and type of primary key fields in {primary}.",
                    related.name, model.name, f.name
                )));
            }
        }
    }
    Ok(())
}

/// Parses `@auth(rules: [...])`.
pub(crate) fn parse_auth(type_name: &str, field: Option<&str>, d: &Directive, is_field: bool) -> Result<Vec<AuthRule>, CompileError> {
    let err = |m: String| CompileError::directive(type_name, field, m);
    let rules = match d.arg("rules") {
        Some(Value::Array(rules)) => rules.clone(),
        Some(single @ Value::Object(_)) => vec![single.clone()],
        _ => Vec::new(),
    };
    let mut out = Vec::new();
    for rule in rules {
        let Value::Object(rule) = rule else { return Err(err("@auth rules must be objects.".into())) };
        let s = |k: &str| rule.get(k).and_then(|v| v.as_str()).map(str::to_string);
        let strategy = match s("allow").as_deref() {
            Some("public") => AuthStrategy::Public,
            Some("private") => AuthStrategy::Private,
            Some("owner") => AuthStrategy::Owner,
            Some("groups") => AuthStrategy::Groups,
            Some("custom") => AuthStrategy::Custom,
            other => return Err(err(format!("Unknown @auth strategy '{}'.", other.unwrap_or("")))),
        };
        let provider = match s("provider") {
            Some(p) => Some(AuthProvider::from_name(&p).ok_or_else(|| err(format!("Unknown @auth provider '{p}'.")))?),
            None => None,
        };
        let operations = match rule.get("operations") {
            Some(Value::Array(ops)) => {
                let mut parsed = Vec::new();
                for op in ops {
                    let name = op.as_str().unwrap_or_default();
                    parsed.push(AuthOperation::from_name(name).ok_or_else(|| err(format!("Unknown @auth operation '{name}'.")))?);
                }
                Some(parsed)
            }
            _ => None,
        };
        if let Some(ops) = &operations {
            let read_like: Vec<&str> = ops
                .iter()
                .filter(|o| matches!(o, AuthOperation::Get | AuthOperation::List | AuthOperation::Listen | AuthOperation::Search | AuthOperation::Sync))
                .map(|o| o.as_str())
                .collect();
            if is_field && !read_like.is_empty() {
                return Err(err(format!("'{}' operation is not allowed at the field level.", read_like.join(","))));
            }
            if ops.contains(&AuthOperation::Read) && !read_like.is_empty() {
                let offending = read_like.join(",");
                return Err(err(format!("'{offending}' operations are specified in addition to 'read'. Either remove 'read' to limit access only to '{offending}' or only keep 'read' to grant all get,list,search,listen,sync access.")));
            }
        }
        let groups = match rule.get("groups") {
            Some(Value::Array(g)) => Some(g.iter().filter_map(|v| v.as_str().map(str::to_string)).collect::<Vec<_>>()),
            Some(Value::String(g)) => Some(vec![g.clone()]),
            _ => None,
        };
        out.push(AuthRule {
            strategy,
            provider,
            owner_field: s("ownerField"),
            identity_claim: s("identityClaim"),
            group_claim: s("groupClaim"),
            groups,
            groups_field: s("groupsField"),
            operations,
        });
    }
    Ok(out)
}

/// `validateRules` of the auth transformer: strategy/provider combinations and providers the
/// API has configured.
pub(crate) fn validate_rules(type_name: &str, field: Option<&str>, rules: &[AuthRule], auth: &AuthorizationConfig) -> Result<(), CompileError> {
    let err = |m: String| CompileError::directive(type_name, field, m);
    for rule in rules {
        let p = rule.effective_provider();
        match rule.strategy {
            AuthStrategy::Groups => {
                if !matches!(p, AuthProvider::UserPools | AuthProvider::Oidc) {
                    return Err(err(format!("@auth directive with 'groups' strategy only supports 'userPools' and 'oidc' providers, but found '{}' assigned.", p.as_str())));
                }
                if rule.groups.is_none() && rule.groups_field.is_none() {
                    // `groupsField` defaults to `groups`, so this is only reachable with an explicit null.
                }
                if rule.groups.is_some() && rule.groups_field.is_some() {
                    return Err(err("This rule has groupsField and groups, please use one or the other".into()));
                }
                if rule.groups.as_ref().is_some_and(|g| g.is_empty()) {
                    return Err(err("@auth rules using groups cannot have an empty list".into()));
                }
            }
            AuthStrategy::Owner if !matches!(p, AuthProvider::UserPools | AuthProvider::Oidc) => {
                return Err(err(format!("@auth directive with 'owner' strategy only supports 'userPools' (default) and 'oidc' providers, but found '{}' assigned.", p.as_str())));
            }
            AuthStrategy::Public if !matches!(p, AuthProvider::ApiKey | AuthProvider::Iam | AuthProvider::IdentityPool) => {
                return Err(err(format!("@auth directive with 'public' strategy only supports 'apiKey' (default) and 'identityPool' providers, but found '{}' assigned.", p.as_str())));
            }
            AuthStrategy::Private if !matches!(p, AuthProvider::UserPools | AuthProvider::Iam | AuthProvider::IdentityPool | AuthProvider::Oidc) => {
                return Err(err(format!("@auth directive with 'private' strategy only supports 'userPools' (default) and 'identityPool' providers, but found '{}' assigned.", p.as_str())));
            }
            AuthStrategy::Custom if p != AuthProvider::Function => {
                return Err(err(format!("@auth directive with 'custom' strategy only supports 'function' (default) provider, but found '{}' assigned.", p.as_str())));
            }
            _ => {}
        }
        use crate::AuthMode;
        let (configured, label) = match p {
            AuthProvider::ApiKey => (auth.has_mode(AuthMode::ApiKey), "no API Key"),
            AuthProvider::Oidc => (auth.has_mode(AuthMode::Oidc), "no OPENID_CONNECT"),
            AuthProvider::UserPools => (auth.has_mode(AuthMode::UserPool), "no Cognito User Pools"),
            AuthProvider::Iam | AuthProvider::IdentityPool => (auth.has_mode(AuthMode::Iam), "no IAM"),
            AuthProvider::Function => (auth.has_mode(AuthMode::Lambda), "no Lambda"),
        };
        if !configured {
            return Err(err(format!("@auth directive with '{}' provider found, but the project has {label} authentication provider configured.", p.as_str())));
        }
    }
    Ok(())
}

fn build_operation(
    names: &Names<'_>,
    kind: OperationKind,
    f: &FieldDef,
    function_names: &std::collections::BTreeMap<String, String>,
    auth_config: &AuthorizationConfig,
) -> Result<CustomOperation, CompileError> {
    let owner = kind.type_name();
    names.kind_of(owner, &f.name, &f.ty)?;
    for a in &f.args {
        if Scalar::from_name(&a.ty.name).is_none() && !names.doc.types.iter().any(|t| t.name == a.ty.name) {
            return Err(CompileError::UnknownType { owner: owner.into(), field_name: f.name.clone(), type_name: a.ty.name.clone() });
        }
    }
    let mut handlers = Vec::new();
    for d in &f.directives {
        match d.name.as_str() {
            "function" => {
                let name = d.arg("name").and_then(|v| v.as_str()).unwrap_or_default().to_string();
                let invocation = match d.arg("invocationType").and_then(|v| v.as_str()) {
                    Some("Event") => InvocationType::Event,
                    _ => InvocationType::RequestResponse,
                };
                handlers.push(Handler::Function { function: function_names.get(&name).cloned(), name, invocation });
            }
            "http" => handlers.push(Handler::Http {
                url: d.arg("url").and_then(|v| v.as_str()).unwrap_or_default().to_string(),
                method: d.arg("method").and_then(|v| v.as_str()).unwrap_or("GET").to_string(),
            }),
            _ => {}
        }
    }
    let auth = match sdl::find(&f.directives, "auth") {
        Some(d) => {
            let rules = parse_auth(owner, Some(&f.name), d, false)?;
            if rules.iter().any(|r| r.operations.is_some()) {
                return Err(CompileError::directive(owner, Some(&f.name), "@auth rules on fields within Query, Mutation, Subscription cannot specify 'operations' argument as these rules are already on an operation already."));
            }
            validate_rules(owner, Some(&f.name), &rules, auth_config)?;
            rules
        }
        None => Vec::new(),
    };
    Ok(CustomOperation {
        name: f.name.clone(),
        kind,
        arguments: f.args.iter().map(|a| Argument { name: a.name.clone(), ty: a.ty.clone() }).collect(),
        return_type: f.ty.clone(),
        handlers,
        subscribe_to: sdl::find(&f.directives, "aws_subscribe").map(|d| string_list(d.arg("mutations"))).unwrap_or_default(),
        auth,
        auth_directives: aws_directives(&f.directives),
    })
}

/// `toCamelCase` of graphql-transformer-common: empty words dropped, the first lower-cased
/// at its first letter, the others upper-cased at theirs.
pub(crate) fn camel_case(words: &[&str]) -> String {
    words
        .iter()
        .filter(|w| !w.is_empty())
        .enumerate()
        .map(|(i, w)| if i == 0 { lower_first(w) } else { upper_first(w) })
        .collect()
}

/// The join model a `relationName` designates: `graphqlName(toUpper(name))`.
pub(crate) fn join_model_name(relation_name: &str) -> String {
    upper_first(relation_name).chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').collect()
}

/// The primary key of a type as the relational transformers read it from the document: the
/// `@primaryKey` field (else `id: ID!`) and its `sortKeyFields`, with their types.
fn document_key(t: &TypeDef) -> Vec<(String, TypeRef)> {
    let pk = t.fields.iter().rev().find(|f| sdl::find(&f.directives, "primaryKey").is_some());
    match pk {
        None => vec![("id".into(), t.fields.iter().find(|f| f.name == "id").map(|f| f.ty.clone()).unwrap_or_else(|| TypeRef::named("ID", true)))],
        Some(pk) => {
            let sort = string_list(sdl::find(&pk.directives, "primaryKey").and_then(|d| d.arg("sortKeyFields")));
            std::iter::once((pk.name.clone(), pk.ty.clone()))
                .chain(sort.iter().filter_map(|s| t.fields.iter().find(|f| &f.name == s)).map(|f| (f.name.clone(), f.ty.clone())))
                .collect()
        }
    }
}

/// The join model's attribute names holding one side's key: `<model>Id` (`postId`, after the
/// key field: `subscriberEmail`), then `<model><sortKey>` per sort key.
fn join_key_names(model: &str, key: &[(String, TypeRef)]) -> Vec<String> {
    let side = lower_first(model);
    key.iter()
        .enumerate()
        .map(|(i, (k, _))| if i == 0 { format!("{side}{}", upper_first(k)) } else { format!("{side}{k}") })
        .collect()
}

/// What the many-to-many transformer does in `prepare`: for every `@manyToMany(relationName:)`
/// pair, a join model with both sides' keys (each with an index `by<Model>`), a `@hasOne` to
/// each side and both sides' model rules.
pub(crate) fn add_join_models(doc: &mut Document) -> Result<(), CompileError> {
    // relation name → (model, field, related type, relationName as written), in document order.
    let mut relations: Vec<(String, Vec<(String, String, String, String)>)> = Vec::new();
    for t in &doc.types {
        for f in &t.fields {
            let Some(d) = sdl::find(&f.directives, "manyToMany") else { continue };
            if !is_model(t) {
                return Err(CompileError::directive(&t.name, Some(&f.name), "@manyToMany must be on an @model object type field."));
            }
            if !f.ty.is_list {
                return Err(CompileError::directive(&t.name, Some(&f.name), "@manyToMany must be used with a list."));
            }
            let Some(written) = d.arg("relationName").and_then(|v| v.as_str()) else {
                return Err(CompileError::directive(&t.name, Some(&f.name), "Directive \"@manyToMany\" argument \"relationName\" of type \"String!\" is required, but it was not provided."));
            };
            let name = join_model_name(written);
            let entry = (t.name.clone(), f.name.clone(), f.ty.name.clone(), written.to_string());
            match relations.iter_mut().find(|(n, _)| *n == name) {
                Some((_, sides)) if sides.len() == 2 => {
                    return Err(CompileError::directive(&t.name, Some(&f.name), format!("@manyToMany relation '{written}' must be used in exactly two locations.")));
                }
                Some((_, sides)) => sides.push(entry),
                None => relations.push((name, vec![entry])),
            }
        }
    }
    for (name, sides) in relations {
        let [(m1, f1, r1, written), (m2, f2, r2, _)] = <[_; 2]>::try_from(sides.clone()).map_err(|_| {
            let (m, f, _, w) = &sides[0];
            CompileError::directive(m, Some(f), format!("@manyToMany relation '{w}' must be used in exactly two locations."))
        })?;
        if r1 != m2 {
            return Err(CompileError::directive(&m1, Some(&f1), format!("@manyToMany relation '{name}' expects '{r1}' but got '{m2}'.")));
        }
        if r2 != m1 {
            return Err(CompileError::directive(&m2, Some(&f2), format!("@manyToMany relation '{name}' expects '{r2}' but got '{m1}'.")));
        }
        if doc.types.iter().any(|t| t.name == name) {
            return Err(CompileError::directive(&m1, Some(&f1), format!("@manyToMany relation name '{name}' (derived from '{written}') already exists as a type in the schema.")));
        }
        let def = |n: &str| doc.types.iter().find(|t| t.name == n).expect("declared");
        let (t1, t2) = (def(&m1), def(&m2));
        let mut fields = vec![FieldDef { name: "id".into(), args: Vec::new(), ty: TypeRef::named("ID", true), directives: Vec::new() }];
        let mut side_fields = Vec::new();
        for t in [t1, t2] {
            let key = document_key(t);
            let names = join_key_names(&t.name, &key);
            let index = Directive {
                name: "index".into(),
                args: vec![
                    ("name".into(), Value::String(format!("by{}", t.name))),
                    ("sortKeyFields".into(), Value::Array(names[1..].iter().cloned().map(Value::String).collect())),
                ],
            };
            for (i, ((_, ty), n)) in key.iter().zip(&names).enumerate() {
                fields.push(FieldDef {
                    name: n.clone(),
                    args: Vec::new(),
                    ty: TypeRef::named(&ty.name, true),
                    directives: if i == 0 { vec![index.clone()] } else { Vec::new() },
                });
            }
            side_fields.push(FieldDef {
                name: lower_first(&t.name),
                args: Vec::new(),
                ty: TypeRef::named(&t.name, true),
                directives: vec![Directive {
                    name: "hasOne".into(),
                    args: vec![("fields".into(), Value::Array(names.into_iter().map(Value::String).collect()))],
                }],
            });
        }
        fields.extend(side_fields);
        let mut directives = vec![Directive { name: "model".into(), args: Vec::new() }];
        let rules: Vec<Value> = [t1, t2]
            .iter()
            .filter_map(|t| sdl::find(&t.directives, "auth"))
            .flat_map(|d| match d.arg("rules") {
                Some(Value::Array(r)) => r.clone(),
                Some(v @ Value::Object(_)) => vec![v.clone()],
                _ => Vec::new(),
            })
            .collect();
        if !rules.is_empty() {
            directives.push(Directive { name: "auth".into(), args: vec![("rules".into(), Value::Array(rules))] });
        }
        let join_of = Some((t1.name.clone(), t2.name.clone()));
        doc.types.push(TypeDef { name, kind: Kind::Object, directives, fields, interfaces: Vec::new(), line: 0, join_of });
    }
    Ok(())
}

/// `overrideIndexName` of the `@belongsTo` that answers a `references` hasMany/hasOne.
fn override_index_name(doc: &Document, model: &Model, rel: &Relationship) -> Option<String> {
    let related = doc.types.iter().find(|t| t.name == rel.related_model)?;
    related.fields.iter().filter(|f| f.ty.name == model.name).find_map(|f| {
        let d = sdl::find(&f.directives, "belongsTo")?;
        (string_list(d.arg("references")) == rel.references).then(|| d.arg("overrideIndexName").and_then(|v| v.as_str()).map(str::to_string))?
    })
}

/// A foreign-key attribute added by a relationship, typed after the key field it holds.
fn connection_key(name: String, key_field: &Field, required: bool) -> Field {
    Field {
        name,
        ty: TypeRef::named(&key_field.ty.name, required),
        kind: key_field.kind.clone(),
        origin: FieldOrigin::ConnectionKey,
        default: None,
        relationship: None,
        auth: Vec::new(),
    }
}

/// Resolves every relationship field to the lookup the data service performs, and adds the
/// foreign-key attributes of Gen 1 relationships without `fields`/`references`, as the
/// relational transformers' `ensure*ConnectionField` do.
fn resolve_relationships(doc: &Document, data: &mut DataModel) -> Result<(), CompileError> {
    let mut additions: Vec<(String, Field)> = Vec::new();
    let mut resolved: Vec<(String, String, Resolution)> = Vec::new();
    for model in &data.models {
        let model_key: Vec<String> = model.key_fields().iter().map(|s| s.to_string()).collect();
        for f in model.declared_fields() {
            let Some(rel) = &f.relationship else { continue };
            let Some(related) = data.model(&rel.related_model) else { continue };
            let related_key: Vec<&Field> = related.key_fields().iter().filter_map(|k| related.field(k)).collect();
            let resolution = if !rel.references.is_empty() {
                match rel.kind {
                    RelationshipKind::BelongsTo => Resolution::GetByKey { fields: rel.references.clone() },
                    _ => Resolution::Query {
                        index: Some(override_index_name(doc, model, rel).unwrap_or_else(|| format!("gsi-{}.{}", model.name, f.name))),
                        key_fields: rel.references.clone(),
                        fields: model_key.clone(),
                    },
                }
            } else {
                match rel.kind {
                    RelationshipKind::HasMany if !rel.fields.is_empty() => {
                        let index_fields: Vec<String> = match &rel.index_name {
                            Some(name) => related
                                .indexes
                                .iter()
                                .find(|i| &i.name == name)
                                .map(|i| std::iter::once(i.partition_key.clone()).chain(i.sort_keys.iter().cloned()).collect())
                                .unwrap_or_default(),
                            None => related.key_fields().iter().map(|s| s.to_string()).collect(),
                        };
                        let n = rel.fields.len().min(index_fields.len());
                        Resolution::Query { index: rel.index_name.clone(), key_fields: index_fields[..n].to_vec(), fields: rel.fields.clone() }
                    }
                    RelationshipKind::HasMany => {
                        let mut names = Vec::new();
                        for k in &model_key {
                            let name = camel_case(&[&model.name, &f.name, k]);
                            let key_field = model.field(k).expect("key field");
                            additions.push((related.name.clone(), connection_key(name.clone(), key_field, f.ty.list_required)));
                            names.push(name);
                        }
                        Resolution::Query { index: Some(format!("gsi-{}.{}", model.name, f.name)), key_fields: names, fields: model_key.clone() }
                    }
                    RelationshipKind::HasOne | RelationshipKind::BelongsTo if !rel.fields.is_empty() => {
                        Resolution::GetByKey { fields: rel.fields.clone() }
                    }
                    RelationshipKind::HasOne => {
                        let mut names = Vec::new();
                        for kf in &related_key {
                            let name = camel_case(&[&model.name, &f.name, &kf.name]);
                            additions.push((model.name.clone(), connection_key(name.clone(), kf, f.ty.required)));
                            names.push(name);
                        }
                        Resolution::GetByKey { fields: names }
                    }
                    RelationshipKind::BelongsTo => {
                        let counterpart = related.declared_fields().find(|g| {
                            g.ty.name == model.name
                                && g.relationship.as_ref().is_some_and(|r| matches!(r.kind, RelationshipKind::HasOne | RelationshipKind::HasMany))
                        });
                        let Some(g) = counterpart else {
                            return Err(CompileError::directive(&model.name, Some(&f.name), format!("{} must have a relationship with {} in order to use @belongsTo.", related.name, model.name)));
                        };
                        let mut names = Vec::new();
                        for kf in &related_key {
                            if g.relationship.as_ref().is_some_and(|r| r.kind == RelationshipKind::HasOne) {
                                let name = camel_case(&[&model.name, &f.name, &kf.name]);
                                additions.push((model.name.clone(), connection_key(name.clone(), kf, f.ty.required)));
                                names.push(name);
                            } else {
                                names.push(camel_case(&[&related.name, &g.name, &kf.name]));
                            }
                        }
                        Resolution::GetByKey { fields: names }
                    }
                    RelationshipKind::ManyToMany => {
                        let def = doc.types.iter().find(|t| t.name == model.name).expect("model");
                        Resolution::Query {
                            index: Some(format!("by{}", model.name)),
                            key_fields: join_key_names(&model.name, &document_key(def)),
                            fields: model_key.clone(),
                        }
                    }
                }
            };
            resolved.push((model.name.clone(), f.name.clone(), resolution));
        }
    }
    for (model, field, resolution) in resolved {
        let m = data.models.iter_mut().find(|m| m.name == model).expect("model");
        if let Some(rel) = m.fields.iter_mut().find(|f| f.name == field).and_then(|f| f.relationship.as_mut()) {
            rel.resolution = resolution;
        }
    }
    for (model, field) in additions {
        let m = data.models.iter_mut().find(|m| m.name == model).expect("model");
        if !m.fields.iter().any(|f| f.name == field.name) {
            m.fields.push(field);
        }
    }
    Ok(())
}

/// The checks of the relational transformers for Gen 1 `fields`/`indexName` relationships
/// (`getFieldsNodes`, `getRelatedTypeIndex`).
fn validate_fields_form(model: &Model, f: &Field, rel: &Relationship, related: &Model, directive: &str) -> Result<(), CompileError> {
    let err = |m: String| CompileError::directive(&model.name, Some(&f.name), m);
    let mut nodes = Vec::new();
    for name in &rel.fields {
        let Some(node) = model.field(name).filter(|n| n.origin == FieldOrigin::Declared) else {
            return Err(err(format!("{name} is not a field in {}", model.name)));
        };
        if !matches!(node.kind, FieldKind::Scalar(_) | FieldKind::Enum) {
            return Err(err(format!("All fields provided to @{directive} must be scalar or enum fields.")));
        }
        nodes.push(node);
    }
    if rel.kind == RelationshipKind::ManyToMany {
        return Ok(());
    }
    let index_fields: Vec<String> = match (&rel.index_name, rel.kind) {
        (Some(name), RelationshipKind::HasMany) => match related.indexes.iter().find(|i| &i.name == name) {
            Some(i) => std::iter::once(i.partition_key.clone()).chain(i.sort_keys.iter().cloned()).collect(),
            None => return Err(err(format!("Index {name} does not exist for model {}", related.name))),
        },
        _ => related.key_fields().iter().map(|s| s.to_string()).collect(),
    };
    if let Some(first) = nodes.first() {
        let index_ty = |i: usize| related.field(&index_fields[i]).map(|x| x.ty.name.clone()).unwrap_or_else(|| "ID".into());
        if first.ty.name != index_ty(0) {
            return Err(err(format!("{} field is not of type {}", first.name, index_ty(0))));
        }
        if nodes.len() > 1 {
            if index_fields.len() != nodes.len() {
                return Err(err(format!("Invalid @{directive} directive on {}. Partial sort keys are not accepted.", f.name)));
            }
            for (i, node) in nodes.iter().enumerate().skip(1) {
                if node.ty.name != index_ty(i) {
                    return Err(err(format!("{} field is not of type {}", node.name, index_ty(i))));
                }
            }
        }
    }
    Ok(())
}

/// Directives that only `@model` types may carry, as their transformers check.
fn model_only_directives(type_name: &str, f: &FieldDef) -> Result<(), CompileError> {
    for d in &f.directives {
        let message = match d.name.as_str() {
            "primaryKey" | "index" | "default" => format!("The @{} directive may only be added to object definitions annotated with @model.", d.name),
            "hasOne" | "hasMany" | "belongsTo" | "manyToMany" => format!("@{} must be on an @model object type field.", d.name),
            _ => continue,
        };
        return Err(CompileError::directive(type_name, Some(&f.name), message));
    }
    Ok(())
}
