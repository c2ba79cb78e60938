//! [`DataService`]: the data domain on a document store, implementing [`DataApi`].
//!
//! Reads and writes go through the modules beside this one: `keys` (table layout), `values`
//! (validation, defaults, timestamps), `filter` (filters and conditions), `authz` (rules),
//! `token` (`nextToken`s) and `events` (subscriptions).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use ampbase_core::Caller;
use ampbase_data_compiler::model::{
    AuthOperation, AuthStrategy, FieldKind, Model, RelationshipKind, Resolution, Scalar,
    SubscriptionLevel,
};
use ampbase_data_compiler::{AuthorizationConfig, DataModel};
use ampbase_store::{
    Condition, Item, Key, KeyValue, Query, SortCondition, Store, StoreError, TableSchema,
};
use async_trait::async_trait;
use base64::Engine;
use serde_json::{Map, Value, json};
use tokio::sync::broadcast;

use crate::api::*;
use crate::authz::{Access, Authorizer, FunctionGrants, owner_identity};
use crate::events::{EventHub, MutationEvent};
use crate::filter::Filter;
use crate::keys::{self, KeyLayout, ModelKeys};
use crate::token::{Position, TokenCodec, fingerprint};
use crate::values;

/// Records per page when `limit` is not given, as Amplify's resolvers.
pub const DEFAULT_LIMIT: u32 = 100;
/// The largest `limit` accepted.
pub const MAX_LIMIT: u32 = 1000;
/// The most stored items one list page examines before it returns what it found (with a
/// `nextToken` when more may follow). Bounds the work of a selective filter on a big table.
pub const MAX_EXAMINED_PER_PAGE: usize = 10_000;
/// How often a write retries when the record changed between its read and its write.
const WRITE_ATTEMPTS: usize = 8;
const META_TABLE: &str = "ampbase:meta";
const TOKEN_KEY_ID: &str = "data:nextTokenKey";

fn err(kind: DataErrorKind, msg: impl Into<String>) -> DataError {
    DataError::new(kind, msg)
}

fn unauthorized(model: &str, op: &str) -> DataError {
    err(
        DataErrorKind::Unauthorized,
        format!("Not Authorized to access {op} on type {model}"),
    )
}

fn conditional() -> DataError {
    err(
        DataErrorKind::ConditionalCheckFailed,
        "The conditional request failed",
    )
}

fn store_err(e: StoreError) -> DataError {
    match e {
        StoreError::ConditionFailed => conditional(),
        StoreError::TransactionCanceled { reason, .. } => store_err(*reason),
        StoreError::InvalidStartKey(_) => err(DataErrorKind::InvalidNextToken, "Invalid nextToken"),
        StoreError::InvalidKey(m) | StoreError::InvalidQuery(m) | StoreError::InvalidUpdate(m) => {
            err(DataErrorKind::Validation, m)
        }
        other => err(DataErrorKind::Internal, other.to_string()),
    }
}

struct ModelInfo {
    idx: usize,
    keys: ModelKeys,
}

struct Inner {
    dm: DataModel,
    models: HashMap<String, ModelInfo>,
    authz: Authorizer,
    store: Store,
    tokens: TokenCodec,
    events: EventHub,
}

/// The data domain. Cheap to clone.
#[derive(Clone)]
pub struct DataService {
    inner: Arc<Inner>,
}

/// One part of a list plan: a scan of the table or a query of one partition.
#[derive(Debug, Clone)]
enum Source {
    Scan,
    Query {
        index: Option<String>,
        partition: KeyValue,
        sort: Option<SortCondition>,
    },
}

/// A list query: sources read one after the other (several for an owner-restricted list over
/// the owner index: one partition per value the caller's identity may be stored as).
#[derive(Debug, Clone)]
struct Plan {
    sources: Vec<Source>,
    forward: bool,
}

impl DataService {
    /// Ensures a table per model (non-destructive: new indexes are added and filled, nothing
    /// is dropped) and loads (or creates) the key that signs `nextToken`s.
    ///
    /// `functions`: the functions granted data access by the schema's
    /// `allow.resource(fn).to([...])` (`functionSchemaAccess` of the definition, see
    /// [`FunctionGrants::from_schema_access_json`]); their IAM callers
    /// (`Caller::Iam(IamPrincipal::Function { name })`) get the granted operations on every model.
    pub async fn new(
        model: DataModel,
        auth: AuthorizationConfig,
        store: Store,
        functions: FunctionGrants,
    ) -> DataResult<DataService> {
        let mut models = HashMap::new();
        let implicit = keys::implicit_indexes(&model);
        for (idx, m) in model.models.iter().enumerate() {
            let keys = ModelKeys::new(
                m,
                implicit.get(&m.name).map(Vec::as_slice).unwrap_or_default(),
            );
            store
                .ensure_table(&keys.schema())
                .await
                .map_err(store_err)?;
            models.insert(m.name.clone(), ModelInfo { idx, keys });
        }
        let key = token_key(&store).await?;
        let events = EventHub::new(model.models.iter().map(|m| m.name.as_str()));
        Ok(DataService {
            inner: Arc::new(Inner {
                dm: model,
                models,
                authz: Authorizer::new(auth, functions),
                store,
                tokens: TokenCodec::new(key),
                events,
            }),
        })
    }

    /// Delivers a mutation event to this process's subscribers (each still authorized and
    /// filtered per subscriber): the entry point for events relayed from other replicas.
    /// Returns false for an unknown model.
    pub fn publish(&self, model: &str, kind: MutationKind, record: Record) -> bool {
        self.inner.events.publish(MutationEvent {
            model: model.to_string(),
            kind,
            record,
        })
    }

    /// Every mutation made through this service, for relaying to other replicas.
    pub fn local_events(&self) -> broadcast::Receiver<Arc<MutationEvent>> {
        self.inner.events.tap()
    }
}

async fn token_key(store: &Store) -> DataResult<[u8; 32]> {
    store
        .ensure_table(&TableSchema::new(META_TABLE, "id"))
        .await
        .map_err(store_err)?;
    let key = Key::new(TOKEN_KEY_ID);
    let read = |item: Option<Item>| -> Option<[u8; 32]> {
        let s = item?.get("key")?.as_str()?.to_string();
        let bytes = base64::engine::general_purpose::STANDARD.decode(s).ok()?;
        bytes.try_into().ok()
    };
    if let Some(k) = read(store.get(META_TABLE, &key).await.map_err(store_err)?) {
        return Ok(k);
    }
    let mut fresh = [0u8; 32];
    getrandom::fill(&mut fresh).map_err(|e| err(DataErrorKind::Internal, e.to_string()))?;
    let mut item = Item::new();
    item.insert("id".into(), json!(TOKEN_KEY_ID));
    item.insert(
        "key".into(),
        json!(base64::engine::general_purpose::STANDARD.encode(fresh)),
    );
    match store
        .put(META_TABLE, item, Some(Condition::not_exists()))
        .await
    {
        Ok(()) => Ok(fresh),
        // Another process created it first.
        Err(StoreError::ConditionFailed) => {
            read(store.get(META_TABLE, &key).await.map_err(store_err)?)
                .ok_or_else(|| err(DataErrorKind::Internal, "token key unreadable"))
        }
        Err(e) => Err(store_err(e)),
    }
}

impl Inner {
    fn info(&self, model: &str) -> DataResult<(&Model, &ModelInfo)> {
        let mi = self
            .models
            .get(model)
            .ok_or_else(|| err(DataErrorKind::Validation, format!("Unknown model {model}")))?;
        Ok((&self.dm.models[mi.idx], mi))
    }

    fn output(&self, mi: &ModelInfo, mut item: Item) -> Record {
        mi.keys.strip(&mut item);
        item
    }

    /// The store key from the key fields of `input`, coerced to the fields' types.
    fn key_from(&self, model: &Model, mi: &ModelInfo, input: &Record) -> DataResult<Key> {
        let mut rec = Map::new();
        for f in model.key_fields() {
            match input.get(f) {
                Some(v) if !v.is_null() => {
                    rec.insert(f.to_string(), keys::coerce_key_arg(model, f, v));
                }
                _ => {
                    return Err(err(
                        DataErrorKind::Validation,
                        format!("The key field {f} is required"),
                    ));
                }
            }
        }
        mi.keys.key_of(&rec)
    }

    async fn get(
        &self,
        caller: &Caller,
        model_name: &str,
        key: &Record,
    ) -> DataResult<Option<Record>> {
        let (model, mi) = self.info(model_name)?;
        let access = self
            .authz
            .access(&self.dm, model, caller, AuthOperation::Get);
        if access.is_none() {
            return Err(unauthorized(model_name, "get"));
        }
        let k = self.key_from(model, mi, key)?;
        let Some(item) = self
            .store
            .get(&mi.keys.table, &k)
            .await
            .map_err(store_err)?
        else {
            return Ok(None);
        };
        if !self.authz.allows(&access, caller, &item) {
            return Err(unauthorized(model_name, "get"));
        }
        Ok(Some(self.output(mi, item)))
    }

    /// The plan of a list: the key query when given, else an owner-index query when the caller
    /// may only list its own records through one owner rule on a single-valued field (reading
    /// only the caller's partition(s) instead of scanning everyone's records), else a scan.
    fn plan(
        &self,
        model: &Model,
        mi: &ModelInfo,
        access: &Access,
        caller: &Caller,
        key: Option<KeyQuery>,
        dir: SortDirection,
    ) -> DataResult<Plan> {
        let forward = dir == SortDirection::Asc;
        if let Some(kq) = key {
            let layout = match &kq.index {
                None => &mi.keys.primary,
                Some(name) => {
                    let ix = model
                        .indexes
                        .iter()
                        .find(|i| {
                            i.name == *name || i.query_field.as_deref() == Some(name.as_str())
                        })
                        .ok_or_else(|| {
                            err(
                                DataErrorKind::Validation,
                                format!("Unknown index {name} of {}", model.name),
                            )
                        })?;
                    mi.keys.layout(Some(&ix.name)).expect("index layout")
                }
            };
            let (pfield, pvalue) = &kq.partition;
            if pvalue.is_null() {
                if kq.sort.as_ref().is_some_and(|(_, c)| !c.is_null()) {
                    return Err(err(
                        DataErrorKind::Validation,
                        "A sort key condition needs the partition key",
                    ));
                }
                return Ok(Plan {
                    sources: vec![Source::Scan],
                    forward: true,
                });
            }
            if *pfield != layout.partition {
                return Err(err(
                    DataErrorKind::Validation,
                    format!("{pfield} is not the partition key of this query"),
                ));
            }
            let partition = keys::key_value(Some(&keys::coerce_key_arg(model, pfield, pvalue)))
                .ok_or_else(|| {
                    err(
                        DataErrorKind::Validation,
                        format!("Invalid value for {pfield}"),
                    )
                })?;
            let sort = match &kq.sort {
                Some((_, cond)) => keys::sort_condition(model, layout, cond)?,
                None => None,
            };
            return Ok(Plan {
                sources: vec![Source::Query {
                    index: layout.index.clone(),
                    partition,
                    sort,
                }],
                forward,
            });
        }
        if let Access::Dynamic(rules) = access
            && let [rule] = rules.as_slice()
            && rule.strategy == AuthStrategy::Owner
        {
            let index = keys::owner_index_name(rule.owner_field_or_default());
            if mi.keys.layout(Some(&index)).is_some() {
                let mut values: Vec<String> = crate::authz::owner_values(caller, rule);
                let mut seen = BTreeSet::new();
                values.retain(|v| seen.insert(v.clone()));
                let sources = values
                    .into_iter()
                    .map(|v| Source::Query {
                        index: Some(index.clone()),
                        partition: KeyValue::S(v),
                        sort: None,
                    })
                    .collect();
                return Ok(Plan {
                    sources,
                    forward: true,
                });
            }
        }
        Ok(Plan {
            sources: vec![Source::Scan],
            forward: true,
        })
    }

    /// Runs a list. The filter (and the caller's record-level rights) are applied *before*
    /// `limit`: a page holds up to `limit` matching records, reading further pages of the store
    /// as needed. This deliberately differs from DynamoDB/AppSync, where `limit` counts the
    /// items examined before the filter, so that a filtered page can come back short or empty
    /// with a `nextToken`. To bound the work of one request, a page examines at most
    /// [`MAX_EXAMINED_PER_PAGE`] stored items; if it reaches that bound it returns what it has
    /// (possibly fewer than `limit`) with a `nextToken` to continue.
    #[allow(clippy::too_many_arguments)]
    async fn run_list(
        &self,
        caller: &Caller,
        model: &Model,
        mi: &ModelInfo,
        access: &Access,
        plan: Plan,
        args: &ListArgs,
        scope: &Value,
    ) -> DataResult<RecordPage> {
        let limit = args.limit.unwrap_or(DEFAULT_LIMIT);
        if limit == 0 || limit > MAX_LIMIT {
            return Err(err(
                DataErrorKind::Validation,
                format!("limit must be between 1 and {MAX_LIMIT}"),
            ));
        }
        let limit = limit as usize;
        let filter = Filter::compile(&self.dm, &model.fields, args.filter.as_ref())?;
        let fp = fingerprint(&[
            &json!(model.name),
            scope,
            &json!(format!("{:?}", plan.sources)),
            &json!(plan.forward),
            args.filter.as_ref().unwrap_or(&Value::Null),
        ]);
        let start = match &args.next_token {
            Some(t) if !t.is_empty() => self.tokens.decode(&fp, t)?,
            _ => Position {
                segment: 0,
                key: None,
            },
        };
        if start.segment >= plan.sources.len().max(1) {
            return Err(err(DataErrorKind::InvalidNextToken, "Invalid nextToken"));
        }
        let mut items = Vec::new();
        let mut examined = 0usize;
        let mut seg = start.segment;
        let mut start_key = start.key;
        while seg < plan.sources.len() {
            let source = &plan.sources[seg];
            let need = limit - items.len();
            let batch = (need * 2)
                .clamp(25, 1000)
                .min(MAX_EXAMINED_PER_PAGE - examined)
                .max(1);
            let (page, layout): (_, Option<&KeyLayout>) = match source {
                Source::Scan => (
                    self.store
                        .scan(&mi.keys.table, Some(batch), start_key.as_ref())
                        .await
                        .map_err(store_err)?,
                    None,
                ),
                Source::Query {
                    index,
                    partition,
                    sort,
                } => {
                    let mut q = Query::new(partition.clone())
                        .forward(plan.forward)
                        .limit(batch)
                        .start(start_key.clone());
                    q.index = index.clone();
                    q.sort = sort.clone();
                    (
                        self.store
                            .query(&mi.keys.table, &q)
                            .await
                            .map_err(store_err)?,
                        mi.keys.layout(index.as_deref()),
                    )
                }
            };
            let n = page.items.len();
            for (i, item) in page.items.into_iter().enumerate() {
                examined += 1;
                if !filter.matches(&item) || !self.authz.allows(access, caller, &item) {
                    continue;
                }
                let pos_key = mi.keys.page_key(layout, &item);
                items.push(self.output(mi, item));
                if items.len() == limit {
                    let more = i + 1 < n
                        || page.last_evaluated_key.is_some()
                        || seg + 1 < plan.sources.len();
                    let next_token = more.then(|| {
                        self.tokens.encode(
                            &fp,
                            &Position {
                                segment: seg,
                                key: Some(pos_key),
                            },
                        )
                    });
                    return Ok(RecordPage { items, next_token });
                }
            }
            match page.last_evaluated_key {
                Some(k) => start_key = Some(k),
                None => {
                    seg += 1;
                    start_key = None;
                }
            }
            if examined >= MAX_EXAMINED_PER_PAGE && seg < plan.sources.len() {
                let next = self.tokens.encode(
                    &fp,
                    &Position {
                        segment: seg,
                        key: start_key,
                    },
                );
                return Ok(RecordPage {
                    items,
                    next_token: Some(next),
                });
            }
        }
        Ok(RecordPage {
            items,
            next_token: None,
        })
    }

    async fn list(
        &self,
        caller: &Caller,
        model_name: &str,
        key: Option<KeyQuery>,
        args: ListArgs,
    ) -> DataResult<RecordPage> {
        let (model, mi) = self.info(model_name)?;
        let access = self
            .authz
            .access(&self.dm, model, caller, AuthOperation::List);
        if access.is_none() {
            return Err(unauthorized(model_name, "list"));
        }
        let scope = json!(match &access {
            Access::Dynamic(_) => caller_scope(caller),
            _ => Value::Null,
        });
        let plan = self.plan(model, mi, &access, caller, key, args.sort_direction)?;
        self.run_list(caller, model, mi, &access, plan, &args, &scope)
            .await
    }

    /// Applies ids, defaults, timestamps and `__typename` to a create input.
    fn prepare_create(&self, model: &Model, input: &mut Record) {
        if model.primary_key.partition_key == "id"
            && model
                .field("id")
                .is_some_and(|f| f.kind == FieldKind::Scalar(Scalar::ID))
            && input.get("id").is_none_or(Value::is_null)
        {
            input.insert("id".into(), Value::String(uuid::Uuid::new_v4().to_string()));
        }
        for f in &model.fields {
            if f.default.is_some()
                && input.get(&f.name).is_none_or(Value::is_null)
                && let Some(v) = values::default_value(f)
            {
                input.insert(f.name.clone(), v);
            }
        }
        let now = values::now_iso8601();
        for ts in [&model.timestamps.created_at, &model.timestamps.updated_at]
            .into_iter()
            .flatten()
        {
            if input.get(ts).is_none_or(Value::is_null) {
                input.insert(ts.clone(), Value::String(now.clone()));
            }
        }
    }

    async fn create(
        &self,
        caller: &Caller,
        model_name: &str,
        mut input: Record,
        condition: Option<Value>,
    ) -> DataResult<Record> {
        let (model, mi) = self.info(model_name)?;
        values::validate_input(&self.dm, model, &input, true)?;
        let provided: Vec<String> = input.keys().cloned().collect();
        let access = self
            .authz
            .access(&self.dm, model, caller, AuthOperation::Create);
        match &access {
            Access::None => return Err(unauthorized(model_name, "create")),
            Access::All => {}
            Access::Dynamic(rules) => {
                // As Amplify's create resolver: the first owner rule whose field is absent fills
                // it with the caller's identity; a given owner (or groups) field must name the
                // caller (or one of its groups).
                let mut ok = false;
                for rule in rules {
                    if rule.strategy == AuthStrategy::Owner
                        && !input.contains_key(rule.owner_field_or_default())
                    {
                        let field = rule.owner_field_or_default();
                        let Some(identity) = owner_identity(caller, rule) else {
                            continue;
                        };
                        let is_list = model.field(field).is_some_and(|f| f.ty.is_list);
                        input.insert(
                            field.to_string(),
                            if is_list {
                                json!([identity])
                            } else {
                                json!(identity)
                            },
                        );
                        ok = true;
                        break;
                    }
                    if self.authz.dynamic_allows(rule, caller, &input) {
                        ok = true;
                        break;
                    }
                }
                if !ok {
                    return Err(unauthorized(model_name, "create"));
                }
            }
        }
        self.prepare_create(model, &mut input);
        input.retain(|_, v| !v.is_null());
        values::check_required(model, &input)?;
        for name in &provided {
            if let Some(f) = model.field(name)
                && !self
                    .authz
                    .field_allows(f, caller, AuthOperation::Create, &input)
            {
                return Err(unauthorized(model_name, &format!("create field {name}")));
            }
        }
        // Every key field present and of a key type.
        mi.keys.key_of(&input)?;
        let mut item = input;
        item.insert("__typename".into(), json!(model.name));
        mi.keys.fill_composites(&mut item);
        let cond = Filter::compile(&self.dm, &model.fields, condition.as_ref())?;
        let check = Condition::new(move |cur| cur.is_none() && cond.matches(&Map::new()));
        self.store
            .put(&mi.keys.table, item.clone(), Some(check))
            .await
            .map_err(store_err)?;
        let out = self.output(mi, item);
        self.events.publish_local(MutationEvent {
            model: model.name.clone(),
            kind: MutationKind::Create,
            record: out.clone(),
        });
        Ok(out)
    }

    async fn update(
        &self,
        caller: &Caller,
        model_name: &str,
        input: Record,
        condition: Option<Value>,
    ) -> DataResult<Record> {
        let (model, mi) = self.info(model_name)?;
        values::validate_input(&self.dm, model, &input, false)?;
        let key = self.key_from(model, mi, &input)?;
        let access = self
            .authz
            .access(&self.dm, model, caller, AuthOperation::Update);
        if access.is_none() {
            return Err(unauthorized(model_name, "update"));
        }
        let cond = Filter::compile(&self.dm, &model.fields, condition.as_ref())?;
        let key_fields = model.key_fields();
        for _ in 0..WRITE_ATTEMPTS {
            let Some(old) = self
                .store
                .get(&mi.keys.table, &key)
                .await
                .map_err(store_err)?
            else {
                return Err(conditional());
            };
            if !self.authz.allows(&access, caller, &old) {
                return Err(unauthorized(model_name, "update"));
            }
            for name in input.keys().filter(|k| !key_fields.contains(&k.as_str())) {
                let f = model.field(name).expect("validated");
                if !self
                    .authz
                    .field_allows(f, caller, AuthOperation::Update, &old)
                {
                    return Err(unauthorized(model_name, &format!("update field {name}")));
                }
            }
            if !cond.matches(&old) {
                return Err(conditional());
            }
            let mut new = old.clone();
            for (k, v) in &input {
                if key_fields.contains(&k.as_str()) {
                    continue;
                }
                if v.is_null() {
                    new.remove(k);
                } else {
                    new.insert(k.clone(), v.clone());
                }
            }
            if let Some(ts) = &model.timestamps.updated_at
                && input.get(ts).is_none_or(Value::is_null)
            {
                new.insert(ts.clone(), Value::String(values::now_iso8601()));
            }
            values::check_required(model, &new)?;
            new.insert("__typename".into(), json!(model.name));
            mi.keys.fill_composites(&mut new);
            // Compare-and-swap: the write happens only if the record is still the version all
            // checks above were made on, so the write and its conditions are atomic.
            let expected = old.clone();
            let check = Condition::new(move |cur| cur == Some(&expected));
            match self
                .store
                .put(&mi.keys.table, new.clone(), Some(check))
                .await
            {
                Ok(()) => {
                    let out = self.output(mi, new);
                    self.events.publish_local(MutationEvent {
                        model: model.name.clone(),
                        kind: MutationKind::Update,
                        record: out.clone(),
                    });
                    return Ok(out);
                }
                Err(StoreError::ConditionFailed) => continue,
                Err(e) => return Err(store_err(e)),
            }
        }
        Err(err(
            DataErrorKind::Internal,
            "The record changed concurrently too often; retry",
        ))
    }

    async fn delete(
        &self,
        caller: &Caller,
        model_name: &str,
        key_rec: Record,
        condition: Option<Value>,
    ) -> DataResult<Record> {
        let (model, mi) = self.info(model_name)?;
        let key = self.key_from(model, mi, &key_rec)?;
        let access = self
            .authz
            .access(&self.dm, model, caller, AuthOperation::Delete);
        if access.is_none() {
            return Err(unauthorized(model_name, "delete"));
        }
        let cond = Filter::compile(&self.dm, &model.fields, condition.as_ref())?;
        for _ in 0..WRITE_ATTEMPTS {
            let Some(old) = self
                .store
                .get(&mi.keys.table, &key)
                .await
                .map_err(store_err)?
            else {
                return Err(conditional());
            };
            if !self.authz.allows(&access, caller, &old) {
                return Err(unauthorized(model_name, "delete"));
            }
            // Fields protected by field-level rules need `delete` on them (Amplify's rule: an
            // owner field restricted to `read` cannot be deleted with its record).
            for f in model
                .fields
                .iter()
                .filter(|f| !f.auth.is_empty() && old.get(&f.name).is_some_and(|v| !v.is_null()))
            {
                if !self
                    .authz
                    .field_allows(f, caller, AuthOperation::Delete, &old)
                {
                    return Err(unauthorized(
                        model_name,
                        &format!("delete field {}", f.name),
                    ));
                }
            }
            if !cond.matches(&old) {
                return Err(conditional());
            }
            let expected = old.clone();
            let check = Condition::new(move |cur| cur == Some(&expected));
            match self
                .store
                .delete(&mi.keys.table, key.clone(), Some(check))
                .await
            {
                Ok(_) => {
                    let out = self.output(mi, old);
                    self.events.publish_local(MutationEvent {
                        model: model.name.clone(),
                        kind: MutationKind::Delete,
                        record: out.clone(),
                    });
                    return Ok(out);
                }
                Err(StoreError::ConditionFailed) => continue,
                Err(e) => return Err(store_err(e)),
            }
        }
        Err(err(
            DataErrorKind::Internal,
            "The record changed concurrently too often; retry",
        ))
    }

    async fn related(
        &self,
        caller: &Caller,
        model_name: &str,
        field_name: &str,
        parent: &Record,
        args: ListArgs,
    ) -> DataResult<Related> {
        let (model, _) = self.info(model_name)?;
        let field = model.field(field_name).ok_or_else(|| {
            err(
                DataErrorKind::Validation,
                format!("Unknown field {field_name} of {model_name}"),
            )
        })?;
        let rel = field.relationship.as_ref().ok_or_else(|| {
            err(
                DataErrorKind::Validation,
                format!("{model_name}.{field_name} is not a relationship"),
            )
        })?;
        let many = matches!(
            rel.kind,
            RelationshipKind::HasMany | RelationshipKind::ManyToMany
        );
        let (target, tmi) = self.info(&rel.target_model)?;
        match &rel.resolution {
            Resolution::GetByKey { fields } => {
                let mut key = Map::new();
                for (kf, f) in target.key_fields().into_iter().zip(fields) {
                    match parent.get(f) {
                        Some(v) if !v.is_null() => {
                            key.insert(kf.to_string(), v.clone());
                        }
                        _ => return Ok(Related::One(None)),
                    }
                }
                Ok(Related::One(self.get(caller, &target.name, &key).await?))
            }
            Resolution::Query { index, fields, .. } => {
                let mut vals = Vec::new();
                for f in fields {
                    match parent.get(f) {
                        Some(v) if !v.is_null() => vals.push(v.clone()),
                        _ => {
                            return Ok(if many {
                                Related::Many(RecordPage::default())
                            } else {
                                Related::One(None)
                            });
                        }
                    }
                }
                let layout = tmi
                    .keys
                    .layout(index.as_deref())
                    .ok_or_else(|| err(DataErrorKind::Internal, "relationship index missing"))?;
                let partition = keys::key_value(Some(&keys::coerce_key_arg(
                    target,
                    &layout.partition,
                    &vals[0],
                )))
                .ok_or_else(|| err(DataErrorKind::Validation, "invalid relationship key"))?;
                let sort = keys::prefix_condition(layout, &vals[1..]);
                let access = self
                    .authz
                    .access(&self.dm, target, caller, AuthOperation::List);
                if access.is_none() {
                    return Err(unauthorized(&target.name, "list"));
                }
                let plan = Plan {
                    sources: vec![Source::Query {
                        index: layout.index.clone(),
                        partition,
                        sort,
                    }],
                    forward: args.sort_direction == SortDirection::Asc,
                };
                let scope = json!({"rel": format!("{model_name}.{field_name}"), "caller": match &access { Access::Dynamic(_) => caller_scope(caller), _ => Value::Null }});
                if many {
                    Ok(Related::Many(
                        self.run_list(caller, target, tmi, &access, plan, &args, &scope)
                            .await?,
                    ))
                } else {
                    let one = ListArgs {
                        limit: Some(1),
                        ..Default::default()
                    };
                    let page = self
                        .run_list(caller, target, tmi, &access, plan, &one, &scope)
                        .await?;
                    Ok(Related::One(page.items.into_iter().next()))
                }
            }
        }
    }
}

/// What distinguishes one caller's record-restricted list from another's, for token
/// fingerprints: the identity, not the whole token (whose `exp`/`iat`/`jti` claims change on
/// every refresh, which must not invalidate a `nextToken`).
fn caller_scope(caller: &Caller) -> Value {
    match caller {
        Caller::UserPool(u) | Caller::Oidc(u) => {
            json!([caller.mode() as u8, u.sub, u.username, u.groups])
        }
        Caller::Iam(ampbase_core::IamPrincipal::Authenticated {
            sub,
            username,
            groups,
            ..
        }) => json!(["iam", sub, username, groups]),
        other => json!(other.mode() as u8),
    }
}

/// A subscriber: what it listens to and may see.
struct Subscriber {
    inner: Arc<Inner>,
    caller: Caller,
    model: String,
    kind: MutationKind,
    filter: Filter,
    arguments: Vec<(String, Value)>,
    /// `None` when subscriptions are public (`level: public`).
    access: Option<Access>,
    has_field_rules: bool,
}

impl Subscriber {
    fn accept(&self, ev: &MutationEvent) -> Option<Record> {
        if ev.kind != self.kind {
            return None;
        }
        if let Some(access) = &self.access
            && !self.inner.authz.allows(access, &self.caller, &ev.record)
        {
            return None;
        }
        for (k, v) in &self.arguments {
            let ok = match ev.record.get(k) {
                Some(Value::Array(items)) => items.contains(v),
                Some(x) => x == v,
                None => false,
            };
            if !ok {
                return None;
            }
        }
        if !self.filter.matches(&ev.record) {
            return None;
        }
        let mut rec = ev.record.clone();
        if self.has_field_rules || matches!(self.caller, Caller::Lambda(_)) {
            let (model, _) = self.inner.info(&self.model).ok()?;
            for f in self
                .inner
                .authz
                .denied_fields(model, &self.caller, &ev.record)
            {
                rec.insert(f, Value::Null);
            }
        }
        Some(rec)
    }
}

#[async_trait]
impl DataApi for DataService {
    fn model(&self) -> &DataModel {
        &self.inner.dm
    }

    async fn get(&self, caller: &Caller, model: &str, key: &Record) -> DataResult<Option<Record>> {
        self.inner.get(caller, model, key).await
    }

    async fn list(
        &self,
        caller: &Caller,
        model: &str,
        key: Option<KeyQuery>,
        args: ListArgs,
    ) -> DataResult<RecordPage> {
        self.inner.list(caller, model, key, args).await
    }

    async fn create(
        &self,
        caller: &Caller,
        model: &str,
        input: Record,
        condition: Option<Value>,
    ) -> DataResult<Record> {
        self.inner.create(caller, model, input, condition).await
    }

    async fn update(
        &self,
        caller: &Caller,
        model: &str,
        input: Record,
        condition: Option<Value>,
    ) -> DataResult<Record> {
        self.inner.update(caller, model, input, condition).await
    }

    async fn delete(
        &self,
        caller: &Caller,
        model: &str,
        key: Record,
        condition: Option<Value>,
    ) -> DataResult<Record> {
        self.inner.delete(caller, model, key, condition).await
    }

    async fn related(
        &self,
        caller: &Caller,
        model: &str,
        field: &str,
        parent: &Record,
        args: ListArgs,
    ) -> DataResult<Related> {
        self.inner.related(caller, model, field, parent, args).await
    }

    fn denied_fields(&self, caller: &Caller, model: &str, record: &Record) -> BTreeSet<String> {
        match self.inner.info(model) {
            Ok((m, _)) => self.inner.authz.denied_fields(m, caller, record),
            Err(_) => BTreeSet::new(),
        }
    }

    fn subscribe(&self, caller: &Caller, request: SubscriptionRequest) -> DataResult<EventStream> {
        let inner = &self.inner;
        let (model, _) = inner.info(&request.model)?;
        let access = match model.operations.subscription_level {
            SubscriptionLevel::Off => {
                return Err(err(
                    DataErrorKind::Validation,
                    format!("Subscriptions of {} are disabled", model.name),
                ));
            }
            SubscriptionLevel::Public => None,
            SubscriptionLevel::On => {
                let a = inner
                    .authz
                    .access(&inner.dm, model, caller, AuthOperation::Listen);
                if a.is_none() {
                    return Err(unauthorized(&model.name, "subscribe"));
                }
                Some(a)
            }
        };
        let filter = Filter::compile(&inner.dm, &model.fields, request.filter.as_ref())?;
        let arguments = request
            .arguments
            .into_iter()
            .filter(|(_, v)| !v.is_null())
            .collect();
        let rx = inner
            .events
            .receiver(&model.name)
            .expect("channel per model");
        let sub = Subscriber {
            inner: inner.clone(),
            caller: caller.clone(),
            model: model.name.clone(),
            kind: request.kind,
            filter,
            arguments,
            access,
            has_field_rules: model.fields.iter().any(|f| !f.auth.is_empty()),
        };
        let stream = futures_util::stream::unfold((rx, sub), |(mut rx, sub)| async move {
            loop {
                match rx.recv().await {
                    Ok(ev) => {
                        if let Some(rec) = sub.accept(&ev) {
                            return Some((rec, (rx, sub)));
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        });
        Ok(Box::pin(stream))
    }
}
