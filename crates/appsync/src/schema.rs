//! The executable schema: the AppSync SDL the compiler produced, with resolvers that call
//! the data domain ([`DataApi`]) for the request's [`Caller`].
//!
//! Built once per compiled backend. Every type, input, enum, interface and union of the SDL
//! is registered as written; resolvers are chosen from the [`DataModel`] (which root fields
//! are model operations, which fields are relationships).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use ampbase_core::Caller;
use ampbase_data::{DataApi, KeyQuery, ListArgs, MutationKind, Record, RecordPage, Related, SortDirection, SubscriptionRequest};
use ampbase_data_compiler::model::{DataModel, FieldKind};
use async_graphql::dynamic::{
    self as d, FieldFuture, FieldValue, ResolverContext, SubscriptionField, SubscriptionFieldFuture,
};
use async_graphql::{Name, Value};
use async_graphql_parser::types::{BaseType, FieldDefinition, ServiceDocument, Type, TypeKind, TypeSystemDefinition};
use futures::StreamExt;
use serde_json::{Map, Value as Json};

use crate::Limits;
use crate::authz::{self, ModeSet};
use crate::errors::{data_error, resolver_error, unauthorized};

/// Why the executable schema could not be built.
#[derive(Debug, Clone)]
pub struct SchemaBuildError(pub String);

impl std::fmt::Display for SchemaBuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AppSync schema: {}", self.0)
    }
}

impl std::error::Error for SchemaBuildError {}

/// What the resolvers share.
pub(crate) struct Shared {
    pub data: Arc<dyn DataApi>,
    pub models: Vec<ModelInfo>,
    /// Results of custom mutations, for `@aws_subscribe` subscriptions to them.
    pub bus: tokio::sync::broadcast::Sender<(Arc<str>, Arc<Json>)>,
    /// Runs the functions of `a.handler.function(fn)` operations; set by the server.
    pub functions: std::sync::OnceLock<Arc<dyn ampbase_core::functions::FunctionInvoker>>,
    /// Some operation is resolved by a function (its event carries the request headers).
    pub has_function_handlers: bool,
}

pub(crate) struct ModelInfo {
    pub name: String,
    pub key_fields: Vec<String>,
    /// The model has field-level rules: ask the domain which fields a caller may not read.
    pub field_rules: bool,
}

/// A model record as a parent value.
pub(crate) struct RecordObj {
    pub model: usize,
    pub rec: Record,
    pub denied: BTreeSet<String>,
}

/// A connection (`Model<X>Connection`) as a parent value.
pub(crate) struct PageObj {
    pub items: Vec<RecordObj>,
    pub next_token: Option<String>,
}

/// How a field's value is completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Out {
    /// A scalar or enum.
    Leaf,
    /// A model type.
    Record(usize),
    /// A model connection type.
    Page(usize),
    /// Any other object type (custom types), or an interface/union.
    Json,
}

/// The result of building: the schema and what the edge needs to know about it.
pub(crate) struct Built {
    pub schema: d::Schema,
    pub shared: Arc<Shared>,
    /// Subscription root field → the models whose events it delivers.
    pub subscription_models: HashMap<String, Vec<String>>,
}

struct Ctx<'m> {
    model: &'m DataModel,
    shared: Arc<Shared>,
    model_index: HashMap<&'m str, usize>,
    connections: HashMap<String, usize>,
    leaf_types: BTreeSet<String>,
    default_mode: u8,
    configured: u8,
}

pub(crate) fn build(
    sdl: &str,
    model: &DataModel,
    auth: &ampbase_data_compiler::AuthorizationConfig,
    data: Arc<dyn DataApi>,
    limits: &Limits,
) -> Result<Built, SchemaBuildError> {
    let doc: ServiceDocument = async_graphql_parser::parse_schema(sdl).map_err(|e| SchemaBuildError(e.to_string()))?;

    let models = model
        .models
        .iter()
        .map(|m| ModelInfo {
            name: m.name.clone(),
            key_fields: m.key_fields().into_iter().map(str::to_string).collect(),
            field_rules: m.fields.iter().any(|f| !f.auth.is_empty()),
        })
        .collect();
    let (bus, _) = tokio::sync::broadcast::channel(256);
    let has_function_handlers = model
        .queries
        .iter()
        .chain(&model.mutations)
        .any(|op| op.handlers.iter().any(|h| matches!(h, ampbase_data_compiler::model::Handler::Function { .. })));
    let shared = Arc::new(Shared { data, models, bus, functions: std::sync::OnceLock::new(), has_function_handlers });

    let mut query_name = "Query".to_string();
    let mut mutation_name = "Mutation".to_string();
    let mut subscription_name = "Subscription".to_string();
    let mut leaf_types: BTreeSet<String> =
        ["ID", "String", "Int", "Float", "Boolean"].into_iter().map(String::from).collect();
    leaf_types.extend(crate::scalars::AWS_SCALARS.iter().map(|s| s.to_string()));
    let mut defined: BTreeSet<String> = BTreeSet::new();
    for def in &doc.definitions {
        match def {
            TypeSystemDefinition::Schema(s) => {
                if let Some(q) = &s.node.query {
                    query_name = q.node.to_string();
                }
                if let Some(m) = &s.node.mutation {
                    mutation_name = m.node.to_string();
                }
                if let Some(m) = &s.node.subscription {
                    subscription_name = m.node.to_string();
                }
            }
            TypeSystemDefinition::Type(t) => {
                defined.insert(t.node.name.node.to_string());
                if matches!(t.node.kind, TypeKind::Enum(_) | TypeKind::Scalar) {
                    leaf_types.insert(t.node.name.node.to_string());
                }
            }
            TypeSystemDefinition::Directive(_) => {}
        }
    }

    let model_index: HashMap<&str, usize> = model.models.iter().enumerate().map(|(i, m)| (m.name.as_str(), i)).collect();
    // Connection types: objects whose `items` are a model list.
    let mut connections = HashMap::new();
    for def in &doc.definitions {
        if let TypeSystemDefinition::Type(t) = def
            && let TypeKind::Object(obj) = &t.node.kind
            && model_index.get(t.node.name.node.as_str()).is_none()
            && let Some(items) = obj.fields.iter().find(|f| f.node.name.node == "items")
            && obj.fields.iter().any(|f| f.node.name.node == "nextToken")
            && let Some(&mi) = model_index.get(named(&items.node.ty.node))
        {
            connections.insert(t.node.name.node.to_string(), mi);
        }
    }

    let cx = Ctx {
        model,
        shared: shared.clone(),
        model_index,
        connections,
        leaf_types,
        default_mode: authz::compiled_bit(auth.default_mode),
        configured: authz::configured_modes(auth),
    };

    let has_mutation = defined.contains(&mutation_name);
    let has_subscription = defined.contains(&subscription_name);
    let mut builder = d::Schema::build(
        &query_name,
        has_mutation.then_some(mutation_name.as_str()),
        has_subscription.then_some(subscription_name.as_str()),
    );

    for name in crate::scalars::AWS_SCALARS {
        if !defined.contains(name) {
            builder = builder.register(aws_scalar(name));
        }
    }

    let mut subscription_models = HashMap::new();
    for def in &doc.definitions {
        let TypeSystemDefinition::Type(t) = def else { continue };
        let t = &t.node;
        let type_name = t.name.node.as_str();
        let type_modes = ModeSet::from_directives(&t.directives);
        match &t.kind {
            TypeKind::Scalar => {
                builder = builder.register(aws_scalar(type_name));
            }
            TypeKind::Enum(e) => {
                let mut en = d::Enum::new(type_name);
                for v in &e.values {
                    en = en.item(d::EnumItem::new(v.node.value.node.as_str()));
                }
                builder = builder.register(en);
            }
            TypeKind::InputObject(io) => {
                let mut obj = d::InputObject::new(type_name);
                for f in &io.fields {
                    obj = obj.field(input_value(&f.node));
                }
                builder = builder.register(obj);
            }
            TypeKind::Union(u) => {
                let mut un = d::Union::new(type_name);
                for m in &u.members {
                    un = un.possible_type(m.node.as_str());
                }
                builder = builder.register(un);
            }
            TypeKind::Interface(i) => {
                let mut it = d::Interface::new(type_name);
                for f in &i.fields {
                    let mut field = d::InterfaceField::new(f.node.name.node.as_str(), type_ref(&f.node.ty.node));
                    for a in &f.node.arguments {
                        field = field.argument(input_value(&a.node));
                    }
                    it = it.field(field);
                }
                builder = builder.register(it);
            }
            TypeKind::Object(obj) if type_name == subscription_name => {
                let mut sub = d::Subscription::new(type_name);
                for f in &obj.fields {
                    let guard = authz::field_guard(&f.node.directives, type_modes.as_ref(), cx.default_mode, cx.configured);
                    let (field, models) = cx.subscription_field(&f.node, guard);
                    subscription_models.insert(f.node.name.node.to_string(), models);
                    sub = sub.field(field);
                }
                builder = builder.register(sub);
            }
            TypeKind::Object(obj) => {
                let mut o = d::Object::new(type_name);
                for i in &obj.implements {
                    o = o.implement(i.node.as_str());
                }
                for f in &obj.fields {
                    let guard = authz::field_guard(&f.node.directives, type_modes.as_ref(), cx.default_mode, cx.configured);
                    let field = if type_name == query_name {
                        cx.query_field(&f.node, guard)
                    } else if type_name == mutation_name {
                        cx.mutation_field(&f.node, guard)
                    } else {
                        cx.object_field(type_name, &f.node, guard)
                    };
                    o = o.field(field);
                }
                builder = builder.register(o);
            }
        }
    }

    let schema = builder
        .extension(crate::validation::CachedValidation::new())
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity)
        .limit_recursive_depth(limits.max_recursive_depth)
        .limit_directives(limits.max_directives)
        .finish()
        .map_err(|e| SchemaBuildError(e.0))?;
    Ok(Built { schema, shared, subscription_models })
}

fn aws_scalar(name: &str) -> d::Scalar {
    let owned = name.to_string();
    let s = d::Scalar::new(name);
    if crate::scalars::AWS_SCALARS.contains(&name) {
        s.validator(move |v| crate::scalars::is_valid(&owned, v))
    } else {
        s
    }
}

fn named(t: &Type) -> &str {
    match &t.base {
        BaseType::Named(n) => n.as_str(),
        BaseType::List(inner) => named(inner),
    }
}

fn type_ref(t: &Type) -> d::TypeRef {
    let inner = match &t.base {
        BaseType::Named(n) => d::TypeRef::Named(n.to_string().into()),
        BaseType::List(i) => d::TypeRef::List(Box::new(type_ref(i))),
    };
    if t.nullable { inner } else { d::TypeRef::NonNull(Box::new(inner)) }
}

fn input_value(v: &async_graphql_parser::types::InputValueDefinition) -> d::InputValue {
    let mut iv = d::InputValue::new(v.name.node.as_str(), type_ref(&v.ty.node));
    if let Some(def) = &v.default_value {
        iv = iv.default_value(def.node.clone());
    }
    iv
}

fn with_arguments(mut field: d::Field, def: &FieldDefinition) -> d::Field {
    for a in &def.arguments {
        field = field.argument(input_value(&a.node));
    }
    field
}

// ---------------------------------------------------------------------------------------
// Helpers shared by resolvers.

fn caller<'a>(ctx: &ResolverContext<'a>) -> async_graphql::Result<&'a Caller> {
    ctx.ctx.data::<Caller>().map_err(|_| resolver_error("UnauthorizedException", "No caller"))
}

fn check(guard: &Option<ModeSet>, caller: &Caller, field: &str, type_name: &str) -> async_graphql::Result<()> {
    match guard {
        Some(g) if !g.allows(caller) => Err(unauthorized(field, type_name)),
        _ => Ok(()),
    }
}

fn err_future<'a>(ctx: &ResolverContext<'a>, e: async_graphql::Error) -> FieldFuture<'a> {
    let e = with_path(ctx, e);
    FieldFuture::new(async move { Err::<Option<FieldValue<'a>>, _>(e) })
}

/// async-graphql's dynamic schema gives resolver errors no path; AppSync's errors have one.
/// The path goes into the `path` extension, which the error conversion reads.
pub(crate) fn with_path(ctx: &ResolverContext<'_>, mut e: async_graphql::Error) -> async_graphql::Error {
    let path = ctx.ctx.set_error_path(async_graphql::ServerError::new("", None)).path;
    let list = Value::List(
        path.into_iter()
            .map(|s| match s {
                async_graphql::PathSegment::Field(f) => Value::String(f),
                async_graphql::PathSegment::Index(i) => Value::from(i as u64),
            })
            .collect(),
    );
    e.extensions.get_or_insert_with(Default::default).set("path", list);
    e
}

/// serde_json → GraphQL value.
pub(crate) fn gql(v: &Json) -> Value {
    match v {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Boolean(*b),
        Json::Number(n) => Value::Number(n.clone()),
        Json::String(s) => Value::String(s.clone()),
        Json::Array(a) => Value::List(a.iter().map(gql).collect()),
        Json::Object(o) => Value::Object(o.iter().map(|(k, v)| (Name::new(k), gql(v))).collect()),
    }
}

/// GraphQL value → serde_json (enums become strings); `None` for null.
fn json_arg(ctx: &ResolverContext<'_>, name: &str) -> async_graphql::Result<Option<Json>> {
    match ctx.args.get(name) {
        None => Ok(None),
        Some(v) if v.is_null() => Ok(None),
        Some(v) => Ok(Some(v.as_value().clone().into_json().map_err(|e| resolver_error("MappingTemplate", e.to_string()))?)),
    }
}

fn list_args(ctx: &ResolverContext<'_>) -> async_graphql::Result<ListArgs> {
    let limit = match ctx.args.get("limit") {
        Some(v) if !v.is_null() => {
            let n = v.i64()?;
            Some(u32::try_from(n).map_err(|_| resolver_error("MappingTemplate", format!("Invalid limit {n}: a limit must be between 0 and 1000")))?)
        }
        _ => None,
    };
    let next_token = match ctx.args.get("nextToken") {
        Some(v) if !v.is_null() => Some(v.string()?.to_string()),
        _ => None,
    };
    let sort_direction = match ctx.args.get("sortDirection") {
        Some(v) if !v.is_null() && v.enum_name()? == "DESC" => SortDirection::Desc,
        _ => SortDirection::Asc,
    };
    Ok(ListArgs { filter: json_arg(ctx, "filter")?, limit, next_token, sort_direction })
}

fn record_obj(sh: &Shared, model: usize, caller: &Caller, rec: Record) -> RecordObj {
    let denied = if sh.models[model].field_rules || matches!(caller, Caller::Lambda(_)) {
        sh.data.denied_fields(caller, &sh.models[model].name, &rec)
    } else {
        BTreeSet::new()
    };
    RecordObj { model, rec, denied }
}

fn record_value<'a>(sh: &Shared, model: usize, caller: &Caller, rec: Record) -> FieldValue<'a> {
    FieldValue::owned_any(record_obj(sh, model, caller, rec))
}

fn page_value<'a>(sh: &Shared, model: usize, caller: &Caller, page: RecordPage) -> FieldValue<'a> {
    let items = page.items.into_iter().map(|r| record_obj(sh, model, caller, r)).collect();
    FieldValue::owned_any(PageObj { items, next_token: page.next_token })
}

/// Completes a JSON value held by a parent (borrowed from it where possible).
fn complete<'a>(v: &'a Json, out: Out, sh: &Shared, caller: Option<&Caller>) -> FieldValue<'a> {
    match v {
        Json::Null => FieldValue::NULL,
        Json::Array(items) if out != Out::Leaf => FieldValue::list(items.iter().map(|i| complete(i, out, sh, caller))),
        _ => match out {
            Out::Leaf => FieldValue::value(gql(v)),
            Out::Json => match v {
                Json::Object(map) => {
                    let fv = FieldValue::borrowed_any(map);
                    match map.get("__typename").and_then(Json::as_str) {
                        Some(t) => fv.with_type(t.to_string()),
                        None => fv,
                    }
                }
                other => FieldValue::value(gql(other)),
            },
            Out::Record(mi) | Out::Page(mi) => match (v, caller) {
                (Json::Object(map), Some(c)) if matches!(out, Out::Record(_)) => record_value(sh, mi, c, map.clone()),
                (Json::Object(map), Some(c)) => {
                    let items = map.get("items").and_then(Json::as_array).map(|a| {
                        a.iter().filter_map(|i| i.as_object().cloned()).collect::<Vec<_>>()
                    });
                    let next_token = map.get("nextToken").and_then(Json::as_str).map(str::to_string);
                    page_value(sh, mi, c, RecordPage { items: items.unwrap_or_default(), next_token })
                }
                _ => FieldValue::NULL,
            },
        },
    }
}

/// A value computed by a resolver (owned).
fn owned_value<'a>(v: Json, out: Out, sh: &Shared, caller: &Caller) -> FieldValue<'a> {
    match v {
        Json::Null => FieldValue::NULL,
        Json::Array(items) if out != Out::Leaf => {
            FieldValue::list(items.into_iter().map(|i| owned_value(i, out, sh, caller)).collect::<Vec<_>>())
        }
        Json::Object(map) if matches!(out, Out::Record(_)) => {
            let Out::Record(mi) = out else { unreachable!() };
            record_value(sh, mi, caller, map)
        }
        Json::Object(map) if out == Out::Json => {
            let ty = map.get("__typename").and_then(Json::as_str).map(str::to_string);
            let fv = FieldValue::owned_any(map);
            match ty {
                Some(t) => fv.with_type(t),
                None => fv,
            }
        }
        other => FieldValue::value(gql(&other)),
    }
}

fn mutation_kind(model: &ampbase_data_compiler::model::Model, mutation: &str) -> Option<MutationKind> {
    let ops = &model.operations;
    if ops.create.as_deref() == Some(mutation) {
        Some(MutationKind::Create)
    } else if ops.update.as_deref() == Some(mutation) {
        Some(MutationKind::Update)
    } else if ops.delete.as_deref() == Some(mutation) {
        Some(MutationKind::Delete)
    } else {
        None
    }
}

fn not_implemented(kind: &str, name: &str) -> async_graphql::Error {
    resolver_error(
        "NotImplemented",
        format!("The custom {kind} '{name}' has no handler that ampbase runs (a function, or a custom resolver)"),
    )
}

impl Ctx<'_> {
    fn out(&self, t: &Type) -> Out {
        let n = named(t);
        if self.leaf_types.contains(n) {
            Out::Leaf
        } else if let Some(&mi) = self.model_index.get(n) {
            Out::Record(mi)
        } else if let Some(&mi) = self.connections.get(n) {
            Out::Page(mi)
        } else {
            Out::Json
        }
    }

    // -- Query ------------------------------------------------------------------------

    fn query_field(&self, def: &FieldDefinition, guard: Option<ModeSet>) -> d::Field {
        let name = def.name.node.to_string();
        let ty = type_ref(&def.ty.node);
        let sh = self.shared.clone();
        for (mi, m) in self.model.models.iter().enumerate() {
            if m.operations.get.as_deref() == Some(name.as_str()) {
                let field = name.clone();
                return with_arguments(
                    d::Field::new(name, ty, move |ctx| {
                        let sh = sh.clone();
                        let guard = guard.clone();
                        let field = field.clone();
                        FieldFuture::new(async move {
                        let r: async_graphql::Result<Option<FieldValue<'_>>> = async {
                            let caller = caller(&ctx)?;
                            check(&guard, caller, &field, "Query")?;
                            let info = &sh.models[mi];
                            let mut key = Record::new();
                            for k in &info.key_fields {
                                if let Some(v) = json_arg(&ctx, k)? {
                                    key.insert(k.clone(), v);
                                }
                            }
                            match sh.data.get(caller, &info.name, &key).await {
                                Ok(Some(rec)) => Ok(Some(record_value(&sh, mi, caller, rec))),
                                Ok(None) => Ok(None),
                                Err(e) => Err(data_error(e, &field, "Query")),
                            }
                        }.await;
                        r.map_err(|e| with_path(&ctx, e))
                        })
                    }),
                    def,
                );
            }
            let index = if m.operations.list.as_deref() == Some(name.as_str()) {
                Some(None)
            } else {
                m.indexes.iter().find(|i| i.query_field.as_deref() == Some(name.as_str())).map(|i| Some(i))
            };
            if let Some(index) = index {
                let partition_key = match index {
                    None => m.primary_key.partition_key.clone(),
                    Some(i) => i.partition_key.clone(),
                };
                let has_partition_arg = def.arguments.iter().any(|a| a.node.name.node == partition_key);
                let sort_arg = def
                    .arguments
                    .iter()
                    .map(|a| a.node.name.node.to_string())
                    .find(|a| !["filter", "limit", "nextToken", "sortDirection"].contains(&a.as_str()) && *a != partition_key);
                let index_name = index.map(|i| i.name.clone());
                let field = name.clone();
                return with_arguments(
                    d::Field::new(name, ty, move |ctx| {
                        let sh = sh.clone();
                        let guard = guard.clone();
                        let field = field.clone();
                        let index_name = index_name.clone();
                        let partition_key = partition_key.clone();
                        let sort_arg = sort_arg.clone();
                        FieldFuture::new(async move {
                        let r: async_graphql::Result<Option<FieldValue<'_>>> = async {
                            let caller = caller(&ctx)?;
                            check(&guard, caller, &field, "Query")?;
                            let args = list_args(&ctx)?;
                            let partition = if has_partition_arg { json_arg(&ctx, &partition_key)? } else { None };
                            let key = match partition {
                                Some(pv) => {
                                    let sort = match &sort_arg {
                                        Some(s) => json_arg(&ctx, s)?.map(|v| (s.clone(), v)),
                                        None => None,
                                    };
                                    Some(KeyQuery { index: index_name, partition: (partition_key, pv), sort })
                                }
                                None => None,
                            };
                            let page = sh
                                .data
                                .list(caller, &sh.models[mi].name, key, args)
                                .await
                                .map_err(|e| data_error(e, &field, "Query"))?;
                            Ok(Some(page_value(&sh, mi, caller, page)))
                        }.await;
                        r.map_err(|e| with_path(&ctx, e))
                        })
                    }),
                    def,
                );
            }
        }
        self.custom_field(def, "Query", "query", guard)
    }

    // -- Mutation ---------------------------------------------------------------------

    fn mutation_field(&self, def: &FieldDefinition, guard: Option<ModeSet>) -> d::Field {
        let name = def.name.node.to_string();
        let ty = type_ref(&def.ty.node);
        let sh = self.shared.clone();
        for (mi, m) in self.model.models.iter().enumerate() {
            let Some(kind) = mutation_kind(m, &name) else { continue };
            let field = name.clone();
            return with_arguments(
                d::Field::new(name, ty, move |ctx| {
                    let sh = sh.clone();
                    let guard = guard.clone();
                    let field = field.clone();
                    FieldFuture::new(async move {
 let r: async_graphql::Result<Option<FieldValue<'_>>> = async {
                        let caller = caller(&ctx)?;
                        check(&guard, caller, &field, "Mutation")?;
                        let input = match json_arg(&ctx, "input")? {
                            Some(Json::Object(map)) => map,
                            _ => Map::new(),
                        };
                        let condition = json_arg(&ctx, "condition")?;
                        let model = &sh.models[mi].name;
                        let result = match kind {
                            MutationKind::Create => sh.data.create(caller, model, input, condition).await,
                            MutationKind::Update => sh.data.update(caller, model, input, condition).await,
                            MutationKind::Delete => sh.data.delete(caller, model, input, condition).await,
                        };
                        let rec = result.map_err(|e| data_error(e, &field, "Mutation"))?;
                        Ok(Some(record_value(&sh, mi, caller, rec)))
                    }.await;
 r.map_err(|e| with_path(&ctx, e))
})
                }),
                def,
            );
        }
        self.custom_field(def, "Mutation", "mutation", guard)
    }

    /// A custom query or mutation: its function handlers run in order (a pipeline: each
    /// sees the previous result as `prev`), the last result is the field's value.
    fn custom_field(&self, def: &FieldDefinition, type_name: &'static str, kind: &'static str, guard: Option<ModeSet>) -> d::Field {
        use ampbase_data_compiler::model::{Handler, InvocationType};
        let name = def.name.node.to_string();
        let field = name.clone();
        let operations = if type_name == "Query" { &self.model.queries } else { &self.model.mutations };
        let functions: Vec<(String, bool)> = operations
            .iter()
            .find(|op| op.name == name)
            .map(|op| {
                op.handlers
                    .iter()
                    .filter_map(|h| match h {
                        Handler::Function { name, function, invocation } => Some((
                            function.clone().unwrap_or_else(|| name.trim_end_matches("-${env}").to_string()),
                            *invocation == InvocationType::Event,
                        )),
                        Handler::Http { .. } => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let functions = Arc::new(functions);
        let out = self.out(&def.ty.node);
        let sh = self.shared.clone();
        with_arguments(
            d::Field::new(name, type_ref(&def.ty.node), move |ctx| {
                let field = field.clone();
                let guard = guard.clone();
                let functions = functions.clone();
                let sh = sh.clone();
                FieldFuture::new(async move {
                    let r: async_graphql::Result<Option<FieldValue<'_>>> = async {
                        let caller = caller(&ctx)?;
                        check(&guard, caller, &field, type_name)?;
                        if functions.is_empty() {
                            return Err(not_implemented(kind, &field));
                        }
                        let invoker = sh.functions.get().ok_or_else(|| {
                            resolver_error(
                                "NotImplemented",
                                format!("The custom {kind} '{field}' is resolved by function '{}', and no functions runtime serves this API", functions[0].0),
                            )
                        })?;
                        let mut result: Option<Json> = None;
                        for (function, asynchronous) in functions.iter() {
                            let event = crate::lambda::resolver_event(&ctx, caller, type_name, result.as_ref());
                            result = Some(if *asynchronous {
                                invoker.invoke_event(function, event).map_err(crate::lambda::lambda_error)?;
                                serde_json::json!({ "success": true })
                            } else {
                                invoker.invoke(function, event).await.map_err(crate::lambda::lambda_error)?
                            });
                        }
                        let value = result.unwrap_or(Json::Null);
                        if type_name == "Mutation" {
                            let _ = sh.bus.send((Arc::from(field.as_str()), Arc::new(value.clone())));
                        }
                        Ok(Some(owned_value(value, out, &sh, caller)))
                    }
                    .await;
                    r.map_err(|e| with_path(&ctx, e))
                })
            }),
            def,
        )
    }

    // -- Subscription -----------------------------------------------------------------

    fn subscription_field(&self, def: &FieldDefinition, guard: Option<ModeSet>) -> (SubscriptionField, Vec<String>) {
        let name = def.name.node.to_string();
        let ty = type_ref(&def.ty.node);
        let out = self.out(&def.ty.node);
        // Sources: model mutation events, or custom mutations' results.
        let mut model_sources: Vec<(usize, MutationKind)> = Vec::new();
        let mut custom_sources: Vec<String> = Vec::new();
        let mut subscribed: Vec<String> = Vec::new();
        for (mi, m) in self.model.models.iter().enumerate() {
            let ops = &m.operations;
            for (list, kind) in
                [(&ops.on_create, MutationKind::Create), (&ops.on_update, MutationKind::Update), (&ops.on_delete, MutationKind::Delete)]
            {
                if list.iter().any(|n| *n == name) {
                    model_sources.push((mi, kind));
                }
            }
        }
        let is_model_subscription = !model_sources.is_empty();
        if !is_model_subscription {
            if let Some(op) = self.model.subscriptions.iter().find(|s| s.name == name) {
                subscribed = op.subscribe_to.clone();
            } else {
                // Read `@aws_subscribe(mutations:)` from the SDL.
                for d in &def.directives {
                    if d.node.name.node == "aws_subscribe"
                        && let Some(v) = d.node.get_argument("mutations")
                        && let Value::List(items) = &v.node
                    {
                        subscribed.extend(items.iter().filter_map(|i| if let Value::String(s) = i { Some(s.clone()) } else { None }));
                    }
                }
            }
            for mutation in &subscribed {
                let found = self.model.models.iter().enumerate().find_map(|(mi, m)| mutation_kind(m, mutation).map(|k| (mi, k)));
                match found {
                    Some(src) => model_sources.push(src),
                    None => custom_sources.push(mutation.clone()),
                }
            }
        }
        let mut models: Vec<String> = model_sources.iter().map(|(mi, _)| self.model.models[*mi].name.clone()).collect();
        models.dedup();
        let unsupported = !is_model_subscription && subscribed.is_empty();
        let sh = self.shared.clone();
        let field_name = name.clone();
        let mut field = SubscriptionField::new(name, ty, move |ctx| {
            subscription_resolver(
                ctx,
                sh.clone(),
                guard.clone(),
                field_name.clone(),
                is_model_subscription,
                unsupported,
                model_sources.clone(),
                custom_sources.clone(),
                out,
            )
        });
        for a in &def.arguments {
            field = field.argument(input_value(&a.node));
        }
        (field, models)
    }

    // -- Other object types -----------------------------------------------------------

    fn object_field(&self, type_name: &str, def: &FieldDefinition, guard: Option<ModeSet>) -> d::Field {
        let name = def.name.node.to_string();
        let ty = type_ref(&def.ty.node);
        let out = self.out(&def.ty.node);
        let sh = self.shared.clone();
        let type_name = type_name.to_string();

        // A relationship field of a model type.
        if let Some(&pmi) = self.model_index.get(type_name.as_str())
            && let Some(f) = self.model.models[pmi].field(&name)
            && let Some(rel) = &f.relationship
            && f.kind == FieldKind::Model
        {
            let target = self.model_index.get(rel.target_model.as_str()).copied();
            let field = name.clone();
            return with_arguments(
                d::Field::new(name, ty, move |ctx| {
                    let sh = sh.clone();
                    let guard = guard.clone();
                    let field = field.clone();
                    let type_name = type_name.clone();
                    FieldFuture::new(async move {
 let r: async_graphql::Result<Option<FieldValue<'_>>> = async {
                        let caller = caller(&ctx)?;
                        check(&guard, caller, &field, &type_name)?;
                        let Some(parent) = ctx.parent_value.downcast_ref::<RecordObj>() else { return Ok(None) };
                        if parent.denied.contains(&field) {
                            return Err(unauthorized(&field, &type_name));
                        }
                        let Some(target) = target else { return Ok(None) };
                        let args = list_args(&ctx)?;
                        let related = sh
                            .data
                            .related(caller, &sh.models[parent.model].name, &field, &parent.rec, args)
                            .await
                            .map_err(|e| data_error(e, &field, &type_name))?;
                        Ok(match related {
                            Related::One(Some(rec)) => Some(record_value(&sh, target, caller, rec)),
                            Related::One(None) => None,
                            Related::Many(page) => Some(page_value(&sh, target, caller, page)),
                        })
                    }.await;
 r.map_err(|e| with_path(&ctx, e))
})
                }),
                def,
            );
        }

        // A connection's items and token.
        if self.connections.contains_key(&type_name) && (name == "items" || name == "nextToken") {
            let items = name == "items";
            return with_arguments(
                d::Field::new(name, ty, move |ctx| {
                    let Some(page) = ctx.parent_value.downcast_ref::<PageObj>() else { return FieldFuture::Value(None) };
                    if items {
                        FieldFuture::Value(Some(FieldValue::list(page.items.iter().map(|i| FieldValue::borrowed_any(i)))))
                    } else {
                        FieldFuture::Value(page.next_token.as_ref().map(|t| FieldValue::value(Value::String(t.clone()))))
                    }
                }),
                def,
            );
        }

        // A field read from the parent record or object.
        let field = name.clone();
        with_arguments(
            d::Field::new(name, ty, move |ctx| {
                let c = if guard.is_some() || matches!(out, Out::Record(_) | Out::Page(_)) {
                    match caller(&ctx) {
                        Ok(c) => Some(c),
                        Err(e) => return err_future(&ctx, e),
                    }
                } else {
                    None
                };
                if let (Some(g), Some(c)) = (&guard, c)
                    && !g.allows(c)
                {
                    return err_future(&ctx, unauthorized(&field, &type_name));
                }
                let parent = ctx.parent_value;
                let map = if let Some(r) = parent.downcast_ref::<RecordObj>() {
                    if r.denied.contains(&field) {
                        return err_future(&ctx, unauthorized(&field, &type_name));
                    }
                    &r.rec
                } else if let Some(m) = parent.downcast_ref::<Map<String, Json>>() {
                    m
                } else {
                    return FieldFuture::Value(None);
                };
                match map.get(&field) {
                    None | Some(Json::Null) => FieldFuture::Value(None),
                    Some(v) => FieldFuture::Value(Some(complete(v, out, &sh, c))),
                }
            }),
            def,
        )
    }
}

#[allow(clippy::too_many_arguments)]
fn subscription_resolver<'a>(
    ctx: ResolverContext<'a>,
    sh: Arc<Shared>,
    guard: Option<ModeSet>,
    field: String,
    is_model_subscription: bool,
    unsupported: bool,
    model_sources: Vec<(usize, MutationKind)>,
    custom_sources: Vec<String>,
    out: Out,
) -> SubscriptionFieldFuture<'a> {
    SubscriptionFieldFuture::new(async move {
        let caller = caller(&ctx)?.clone();
        check(&guard, &caller, &field, "Subscription")?;
        if unsupported {
            return Err(not_implemented("subscription", &field));
        }
        let mut filter = None;
        let mut arguments = Map::new();
        for (k, v) in ctx.args.iter() {
            if v.is_null() {
                continue;
            }
            let j = v.as_value().clone().into_json().map_err(|e| resolver_error("MappingTemplate", e.to_string()))?;
            if is_model_subscription && k.as_str() == "filter" {
                filter = Some(j);
            } else {
                arguments.insert(k.to_string(), j);
            }
        }
        let mut streams: Vec<futures::stream::BoxStream<'static, FieldValue<'static>>> = Vec::new();
        for (mi, kind) in model_sources {
            let request = SubscriptionRequest {
                model: sh.models[mi].name.clone(),
                kind,
                filter: filter.clone(),
                arguments: arguments.clone(),
            };
            let events = sh.data.subscribe(&caller, request).map_err(|e| data_error(e, &field, "Subscription"))?;
            let sh2 = sh.clone();
            let caller2 = caller.clone();
            streams.push(events.map(move |rec| record_value(&sh2, mi, &caller2, rec)).boxed());
        }
        if !custom_sources.is_empty() {
            let rx = sh.bus.subscribe();
            let sh2 = sh.clone();
            let caller2 = caller.clone();
            let args = arguments.clone();
            let events = futures::stream::unfold(rx, |mut rx| async move {
                loop {
                    match rx.recv().await {
                        Ok(item) => return Some((item, rx)),
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                        Err(_) => return None,
                    }
                }
            })
            .filter_map(move |(mutation, value)| {
                let keep = custom_sources.iter().any(|m| **m == *mutation)
                    && args.iter().all(|(k, v)| value.get(k).is_none_or(|actual| actual == v));
                let out_value = keep.then(|| owned_value((*value).clone(), out, &sh2, &caller2));
                async move { out_value }
            });
            streams.push(events.boxed());
        }
        let merged = futures::stream::select_all(streams);
        Ok(merged.map(|v| -> async_graphql::Result<FieldValue<'a>> { Ok(v) }))
    })
}
