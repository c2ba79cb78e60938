//! The contract between the data domain and its edges (the AppSync GraphQL layer, the
//! console, functions): protocol-free operations on model records, for a [`Caller`].
//!
//! Values are in GraphQL value space: a record is the JSON object of a model's fields as the
//! AppSync schema types them (scalars as JSON scalars, `AWSJSON` as the JSON *string* the
//! client sends and receives, enums as strings, custom types as objects, lists as arrays).
//! Filters and conditions are the JSON of the `Model*FilterInput` / `Model*ConditionInput`
//! arguments, and key conditions the JSON of `Model*KeyConditionInput` arguments, exactly as
//! they arrive in GraphQL variables; the domain interprets them.

use std::collections::BTreeSet;

use ampbase_core::Caller;
use async_trait::async_trait;
use futures_core::stream::BoxStream;
use serde_json::{Map, Value};

use ampbase_data_compiler::DataModel;

/// A model record.
pub type Record = Map<String, Value>;

/// `ASC` / `DESC` (`ModelSortDirection`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortDirection {
    #[default]
    Asc,
    Desc,
}

/// The paging and filtering arguments every list takes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListArgs {
    /// `Model*FilterInput`.
    pub filter: Option<Value>,
    /// Defaults to 100 as in Amplify; at most 1000 (larger is a validation error).
    pub limit: Option<u32>,
    /// An opaque token from an earlier page of the same query.
    pub next_token: Option<String>,
    pub sort_direction: SortDirection,
}

/// A query by key: the primary key (`index: None`), as `listTodos(id: …)` or the list query of a
/// model with a custom identifier takes it, or a secondary index (`listPostsByBlogAndDate`).
#[derive(Debug, Clone, PartialEq)]
pub struct KeyQuery {
    pub index: Option<String>,
    /// The partition key field and its value.
    pub partition: (String, Value),
    /// The sort key argument: its field name as the query field declares it (for composite
    /// sort keys the concatenated argument name) and its `Model*KeyConditionInput` JSON.
    pub sort: Option<(String, Value)>,
}

/// One page of records.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecordPage {
    pub items: Vec<Record>,
    pub next_token: Option<String>,
}

/// The value of a relationship field of a record.
#[derive(Debug, Clone, PartialEq)]
pub enum Related {
    /// `belongsTo` / `hasOne`.
    One(Option<Record>),
    /// `hasMany` / `manyToMany`: a connection page.
    Many(RecordPage),
}

/// Which mutation a subscription listens to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MutationKind {
    Create,
    Update,
    Delete,
}

/// A model subscription (`onCreateTodo(filter: …, owner: …)`).
#[derive(Debug, Clone, PartialEq)]
pub struct SubscriptionRequest {
    pub model: String,
    pub kind: MutationKind,
    /// `ModelSubscription*FilterInput`.
    pub filter: Option<Value>,
    /// The other arguments (`owner`, dynamic group fields): equality filters on the event.
    pub arguments: Map<String, Value>,
}

/// Why an operation failed. The edge maps the kind to its protocol's error shape
/// (AppSync: `errorType`).
#[derive(Debug, Clone, PartialEq)]
pub struct DataError {
    pub kind: DataErrorKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataErrorKind {
    /// A `condition` did not hold, or a create found the key taken
    /// (AppSync: `DynamoDB:ConditionalCheckFailedException`).
    ConditionalCheckFailed,
    /// The caller may not do this (AppSync: `Unauthorized`).
    Unauthorized,
    /// Bad input: a wrong value, a missing required field, an invalid filter or token
    /// (AppSync: the GraphQL validation / mapping-template error types).
    Validation,
    /// A `nextToken` that this query did not issue.
    InvalidNextToken,
    /// Anything else; the message is safe to show.
    Internal,
}

impl DataError {
    pub fn new(kind: DataErrorKind, message: impl Into<String>) -> Self {
        DataError {
            kind,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for DataError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DataError {}

pub type DataResult<T> = Result<T, DataError>;

/// A stream of records that a subscriber may read, one per matching mutation.
pub type EventStream = BoxStream<'static, Record>;

/// The data domain as its edges use it. Every operation applies the model's authorization
/// rules for `caller` (deny by default): reads return only what the caller may read — records
/// it may not see are left out of lists, fields it may not read are reported by
/// [`DataApi::denied_fields`]; writes it may not make fail with `Unauthorized`.
#[async_trait]
pub trait DataApi: Send + Sync + 'static {
    /// The compiled model this service serves.
    fn model(&self) -> &DataModel;

    /// `getX(key)`: `key` holds the primary key fields.
    async fn get(&self, caller: &Caller, model: &str, key: &Record) -> DataResult<Option<Record>>;

    /// `listXs(filter, limit, nextToken, sortDirection)` or a key / index query.
    async fn list(
        &self,
        caller: &Caller,
        model: &str,
        key: Option<KeyQuery>,
        args: ListArgs,
    ) -> DataResult<RecordPage>;

    /// `createX(input, condition)`: applies defaults, an `id` when the model has one and none is
    /// given, `createdAt`/`updatedAt`, the owner fields of owner rules; validates every value.
    async fn create(
        &self,
        caller: &Caller,
        model: &str,
        input: Record,
        condition: Option<Value>,
    ) -> DataResult<Record>;

    /// `updateX(input, condition)`: a partial update of the record named by the key fields of
    /// `input` (`null` removes a field).
    async fn update(
        &self,
        caller: &Caller,
        model: &str,
        input: Record,
        condition: Option<Value>,
    ) -> DataResult<Record>;

    /// `deleteX(input, condition)`: returns the deleted record.
    async fn delete(
        &self,
        caller: &Caller,
        model: &str,
        key: Record,
        condition: Option<Value>,
    ) -> DataResult<Record>;

    /// The value of relationship field `field` of `parent` (a record of `model` this caller
    /// was given). `args` apply to `hasMany` (its filter, limit, nextToken, sortDirection).
    async fn related(
        &self,
        caller: &Caller,
        model: &str,
        field: &str,
        parent: &Record,
        args: ListArgs,
    ) -> DataResult<Related>;

    /// Fields of `record` (of `model`) that `caller` may not read: the edge answers them with
    /// `null` and an `Unauthorized` error, as AppSync does for field-level rules.
    fn denied_fields(&self, caller: &Caller, model: &str, record: &Record) -> BTreeSet<String>;

    /// Subscribes to a model's mutations. Fails with `Unauthorized` when the caller may not
    /// listen at all; afterwards every event is checked against the caller's rights and the
    /// request's filter and arguments before it is delivered.
    fn subscribe(&self, caller: &Caller, request: SubscriptionRequest) -> DataResult<EventStream>;
}
