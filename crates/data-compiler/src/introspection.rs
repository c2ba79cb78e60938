//! `model_introspection`: the JSON `generateClient()` reads, as
//! `@aws-amplify/graphql-generator`'s `generateModelsSync({ target: 'introspection' })` builds
//! it from the directive SDL (the model-introspection visitor of `appsync-modelgen-plugin`).

use serde_json::{json, Map, Value};

use crate::model::*;
use crate::sdl::{Document, Kind};

pub(crate) fn generate(doc: &Document, data: &DataModel) -> Value {
    let mut models = Map::new();
    for m in &data.models {
        models.insert(m.name.clone(), model_json(data, m));
    }
    let mut enums = Map::new();
    for e in &data.enums {
        enums.insert(e.name.clone(), json!({ "name": e.name, "values": e.values }));
    }
    let mut non_models = Map::new();
    for t in &data.custom_types {
        let fields: Map<String, Value> = t
            .fields
            .iter()
            .filter_map(|f| field_json(data, &t.name, f).map(|j| (f.name.clone(), j)))
            .collect();
        non_models.insert(t.name.clone(), json!({ "name": t.name, "fields": fields }));
    }
    let mut out = Map::new();
    out.insert("version".into(), json!(1));
    out.insert("models".into(), Value::Object(models));
    out.insert("enums".into(), Value::Object(enums));
    out.insert("nonModels".into(), Value::Object(non_models));
    for (key, ops) in [("queries", &data.queries), ("mutations", &data.mutations), ("subscriptions", &data.subscriptions)] {
        let entries: Map<String, Value> = ops
            .iter()
            .filter_map(|op| operation_json(data, op).map(|j| (op.name.clone(), j)))
            .collect();
        if !entries.is_empty() {
            out.insert(key.into(), Value::Object(entries));
        }
    }
    let inputs: Map<String, Value> = doc
        .types
        .iter()
        .filter(|t| t.kind == Kind::Input)
        .filter_map(|t| {
            let attributes: Map<String, Value> = t
                .fields
                .iter()
                .filter_map(|f| {
                    let mut j = type_json(data, &f.ty)?;
                    j.insert("name".into(), json!(f.name));
                    Some((f.name.clone(), Value::Object(j)))
                })
                .collect();
            Some((t.name.clone(), json!({ "name": t.name, "attributes": attributes })))
        })
        .collect();
    if !inputs.is_empty() {
        out.insert("inputs".into(), Value::Object(inputs));
    }
    Value::Object(out)
}

/// `getType`: scalars by name, everything else tagged with its kind.
fn type_ref(data: &DataModel, name: &str) -> Option<Value> {
    if Scalar::from_name(name).is_some() {
        return Some(json!(name));
    }
    if data.enum_type(name).is_some() {
        return Some(json!({ "enum": name }));
    }
    if data.custom_type(name).is_some() {
        return Some(json!({ "nonModel": name }));
    }
    if data.model(name).is_some() {
        return Some(json!({ "model": name }));
    }
    if data.inputs.iter().any(|i| i.name == name) {
        return Some(json!({ "input": name }));
    }
    // Unions and interfaces are left out by the generator.
    None
}

/// `isArray`, `type`, `isRequired` and, for lists, `isArrayNullable`.
fn type_json(data: &DataModel, ty: &TypeRef) -> Option<Map<String, Value>> {
    let mut j = Map::new();
    j.insert("isArray".into(), json!(ty.is_list));
    j.insert("type".into(), type_ref(data, &ty.name)?);
    j.insert("isRequired".into(), json!(ty.required));
    if ty.is_list {
        j.insert("isArrayNullable".into(), json!(!ty.list_required));
    }
    Some(j)
}

fn field_json(data: &DataModel, owner: &str, f: &Field) -> Option<Value> {
    let mut typed = type_json(data, &f.ty)?;
    let owner_model = data.model(owner);
    if let (Some(rel), Some(_)) = (&f.relationship, owner_model) {
        // A `@manyToMany` field lists join records.
        if rel.kind == RelationshipKind::ManyToMany {
            typed.insert("type".into(), json!({ "model": rel.target_model }));
        }
    }
    let mut j = Map::new();
    j.insert("name".into(), json!(f.name));
    j.extend(typed);
    j.insert("attributes".into(), json!([]));
    if f.origin == FieldOrigin::Timestamp {
        j.insert("isRequired".into(), json!(false));
        j.insert("isReadOnly".into(), json!(true));
    }
    if let Some(m) = owner_model {
        // Codegen adds the hasMany keys as nullable, and the join model's keys too.
        let join_key = m.join_of.is_some() && f.origin == FieldOrigin::Declared && f.relationship.is_none() && f.name != "id";
        if (f.origin == FieldOrigin::ConnectionKey && added_by_has_many(data, owner, &f.name)) || join_key {
            j.insert("isRequired".into(), json!(false));
        }
        // ... and types each side's partition key attribute as `ID`.
        if join_key && m.indexes.iter().any(|i| i.partition_key == f.name) {
            j.insert("type".into(), json!("ID"));
        }
        if let Some(rel) = &f.relationship {
            j.insert("association".into(), association_json(data, m, f, rel));
        }
    }
    Some(Value::Object(j))
}

/// Whether a connection attribute of `model` is the key of a Gen 1 hasMany pointing at it.
fn added_by_has_many(data: &DataModel, model: &str, field: &str) -> bool {
    data.models.iter().flat_map(|m| m.declared_fields()).filter_map(|f| f.relationship.as_ref()).any(|r| {
        r.kind == RelationshipKind::HasMany
            && r.related_model == model
            && r.fields.is_empty()
            && r.references.is_empty()
            && matches!(&r.resolution, Resolution::Query { key_fields, .. } if key_fields.iter().any(|k| k == field))
    })
}

/// The belongsTo field of `related` answering `model` (`getOtherSideBelongsToField`): the
/// first field of that type, when it carries `@belongsTo`.
fn other_side_belongs_to<'a>(related: &'a Model, model: &str) -> Option<&'a Field> {
    related
        .declared_fields()
        .filter(|f| f.ty.name == model)
        .find(|f| f.relationship.as_ref().is_some_and(|r| r.kind == RelationshipKind::BelongsTo))
}

/// `getConnectedFieldsForHasMany` (custom primary keys enabled, no model-name field).
fn has_many_associated_with(data: &DataModel, model: &Model, f: &Field, rel: &Relationship) -> Vec<String> {
    if !rel.references.is_empty() {
        return rel.references.clone();
    }
    let Some(related) = data.model(&rel.target_model) else { return Vec::new() };
    if rel.kind == RelationshipKind::ManyToMany {
        // Converted to `@hasMany(indexName: "by<Model>", fields: [key])` on the join model,
        // whose `@belongsTo` side is named after the model.
        return vec![crate::build::lower_first(&model.name)];
    }
    if rel.fields.is_empty() {
        return match &rel.resolution {
            Resolution::Query { key_fields, .. } => key_fields.clone(),
            _ => Vec::new(),
        };
    }
    let partition = match &rel.index_name {
        Some(name) => related.indexes.iter().find(|i| &i.name == name).map(|i| i.partition_key.clone()),
        None if related.primary_key.explicit => Some(related.primary_key.partition_key.clone()),
        None => other_side_belongs_to(related, &model.name).map(|b| b.name.clone()),
    }
    .unwrap_or_else(|| "id".into());
    let belongs_to = related.declared_fields().filter(|g| g.ty.name == model.name).find(|g| {
        g.relationship.as_ref().is_some_and(|r| r.kind == RelationshipKind::BelongsTo && r.fields.first() == Some(&partition))
    });
    let _ = f;
    vec![belongs_to.map(|b| b.name.clone()).unwrap_or(partition)]
}

fn association_json(data: &DataModel, model: &Model, f: &Field, rel: &Relationship) -> Value {
    let related = data.model(&rel.related_model);
    match rel.kind {
        RelationshipKind::HasMany | RelationshipKind::ManyToMany => {
            json!({ "connectionType": "HAS_MANY", "associatedWith": has_many_associated_with(data, model, f, rel) })
        }
        RelationshipKind::HasOne if model.join_of.is_some() => {
            // Codegen builds the join model with `@belongsTo` to both sides.
            json!({ "connectionType": "BELONGS_TO", "targetNames": rel.fields })
        }
        RelationshipKind::HasOne => {
            let associated = if !rel.references.is_empty() {
                rel.references.clone()
            } else {
                related.map(|r| r.key_fields().iter().map(|s| s.to_string()).collect()).unwrap_or_default()
            };
            let targets = match &rel.resolution {
                Resolution::GetByKey { fields } => fields.clone(),
                _ => rel.fields.clone(),
            };
            json!({ "connectionType": "HAS_ONE", "associatedWith": associated, "targetNames": targets })
        }
        RelationshipKind::BelongsTo => {
            let targets = match &rel.resolution {
                Resolution::GetByKey { fields } => fields.clone(),
                _ => rel.references.clone(),
            };
            json!({ "connectionType": "BELONGS_TO", "targetNames": targets })
        }
    }
}

/// Keys codegen imputes for a hasMany without an index and without a `@belongsTo` answering it
/// (`addHasManyKey`): `gsi-<Model>.<field>` on the related model, per related model.
fn imputed_keys(data: &DataModel, related: &Model) -> Vec<Value> {
    let mut keys = Vec::new();
    for m in &data.models {
        for f in m.declared_fields() {
            let Some(rel) = &f.relationship else { continue };
            if rel.kind != RelationshipKind::HasMany || rel.related_model != related.name || rel.index_name.is_some() {
                continue;
            }
            let first_referencing = related.declared_fields().find(|g| g.ty.name == m.name);
            let has_belongs_to = first_referencing.is_some_and(|g| g.relationship.as_ref().is_some_and(|r| r.kind == RelationshipKind::BelongsTo));
            if has_belongs_to {
                continue;
            }
            let fields = has_many_associated_with(data, m, f, rel);
            keys.push(json!({ "type": "key", "properties": { "name": format!("gsi-{}.{}", m.name, f.name), "fields": fields } }));
        }
    }
    keys
}

fn model_json(data: &DataModel, m: &Model) -> Value {
    // `id` first, then declared fields, then timestamps; model-typed fields without a
    // relationship directive are dropped, and implicit owner fields are not listed.
    let mut fields = Map::new();
    let ordered = m
        .fields
        .iter()
        .filter(|f| f.name == "id")
        .chain(m.fields.iter().filter(|f| f.name != "id" && f.origin != FieldOrigin::ImplicitOwner));
    for f in ordered {
        if f.kind == FieldKind::Model && f.relationship.is_none() {
            continue;
        }
        if let Some(j) = field_json(data, &m.name, f) {
            fields.insert(f.name.clone(), j);
        }
    }
    let mut attributes = vec![json!({ "type": "model", "properties": Value::Object(m.model_arguments.clone()) })];
    if m.primary_key.explicit {
        attributes.push(json!({ "type": "key", "properties": { "fields": m.key_fields() } }));
    }
    for index in &m.indexes {
        let fields: Vec<&str> = std::iter::once(index.partition_key.as_str()).chain(index.sort_keys.iter().map(String::as_str)).collect();
        let mut props = Map::new();
        props.insert("name".into(), json!(index.name));
        if let Some(q) = index.query_field.as_ref().filter(|_| index.query_field_explicit) {
            props.insert("queryField".into(), json!(q));
        }
        props.insert("fields".into(), json!(fields));
        attributes.push(json!({ "type": "key", "properties": props }));
    }
    attributes.extend(imputed_keys(data, m));
    match &m.join_of {
        // The join model carries each side's `@auth` (identical ones once).
        Some((a, b)) => {
            let mut seen: Vec<Value> = Vec::new();
            for side in [a, b] {
                let Some(side) = data.model(side).filter(|s| !s.auth.is_empty()) else { continue };
                let rules: Vec<Value> = side.auth.iter().map(rule_json).collect();
                let attr = json!({ "type": "auth", "properties": { "rules": rules } });
                if !seen.contains(&attr) {
                    seen.push(attr.clone());
                    attributes.push(attr);
                }
            }
        }
        None if !m.auth.is_empty() => {
            let rules: Vec<Value> = m.auth.iter().map(rule_json).collect();
            attributes.push(json!({ "type": "auth", "properties": { "rules": rules } }));
        }
        None => {}
    }
    json!({
        "name": m.name,
        "fields": fields,
        "syncable": true,
        "pluralName": m.plural_name,
        "attributes": attributes,
        "primaryKeyInfo": {
            "isCustomPrimaryKey": m.primary_key.explicit && !(m.primary_key.partition_key == "id" && m.primary_key.sort_keys.is_empty()),
            "primaryKeyFieldName": m.primary_key.partition_key,
            "sortKeyFieldNames": m.primary_key.sort_keys,
        },
    })
}

/// An auth rule with the defaults codegen's `processAuthDirective` fills in.
fn rule_json(rule: &AuthRule) -> Value {
    let mut j = Map::new();
    j.insert("allow".into(), json!(rule.strategy.as_str()));
    if let Some(p) = rule.provider {
        j.insert("provider".into(), json!(p.as_str()));
    }
    if let Some(v) = &rule.owner_field {
        j.insert("ownerField".into(), json!(v));
    }
    if let Some(v) = &rule.identity_claim {
        j.insert("identityClaim".into(), json!(v));
    }
    if let Some(v) = &rule.group_claim {
        j.insert("groupClaim".into(), json!(v));
    }
    if let Some(v) = &rule.groups {
        j.insert("groups".into(), json!(v));
    }
    if let Some(v) = &rule.groups_field {
        j.insert("groupsField".into(), json!(v));
    }
    let operations: Vec<&str> = match &rule.operations {
        Some(ops) => ops.iter().map(|o| o.as_str()).collect(),
        None => vec!["create", "update", "delete", "read"],
    };
    j.insert("operations".into(), json!(operations));
    match rule.strategy {
        AuthStrategy::Owner => {
            j.entry("provider").or_insert(json!("userPools"));
            j.entry("ownerField").or_insert(json!(DEFAULT_OWNER_FIELD));
            let claim = rule.identity_claim.as_deref().unwrap_or("username");
            j.insert("identityClaim".into(), json!(if claim == "username" { "cognito:username" } else { claim }));
        }
        AuthStrategy::Groups => {
            j.entry("groupClaim").or_insert(json!(DEFAULT_GROUP_CLAIM));
            j.entry("provider").or_insert(json!("userPools"));
            if rule.groups.is_none() {
                j.insert("groupField".into(), json!(DEFAULT_GROUPS_FIELD));
            }
        }
        _ => {}
    }
    Value::Object(j)
}

fn operation_json(data: &DataModel, op: &CustomOperation) -> Option<Value> {
    let typed = type_json(data, &op.return_type)?;
    let mut j = Map::new();
    j.insert("name".into(), json!(op.name));
    j.extend(typed);
    if !op.arguments.is_empty() {
        let mut args = Map::new();
        for a in &op.arguments {
            let mut aj = Map::new();
            aj.insert("name".into(), json!(a.name));
            aj.extend(type_json(data, &a.ty)?);
            args.insert(a.name.clone(), Value::Object(aj));
        }
        j.insert("arguments".into(), Value::Object(args));
    }
    Some(Value::Object(j))
}
