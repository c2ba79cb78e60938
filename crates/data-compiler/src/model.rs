//! The data model: what a data schema declares, resolved and validated.
//!
//! This is what the data service executes against: every model with its stored fields, key
//! schema, secondary indexes, relationships and authorization rules, plus the custom types,
//! enums and custom operations. Names of generated GraphQL operations are resolved here too
//! (`getTodo`, `listTodos`, ...), so the service and the AppSync schema agree by construction.

use serde::{Deserialize, Serialize};

/// A GraphQL type reference of the shapes Amplify schemas use: `T`, `T!`, `[T]`, `[T!]`,
/// `[T]!`, `[T!]!`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TypeRef {
    /// The named type (`String`, `AWSDateTime`, an enum, a custom type or a model).
    pub name: String,
    /// The value (for lists: each element) is non-null.
    pub required: bool,
    /// The type is a list.
    pub is_list: bool,
    /// The list itself is non-null (only meaningful when `is_list`).
    pub list_required: bool,
}

impl TypeRef {
    pub fn named(name: &str, required: bool) -> Self {
        TypeRef { name: name.to_string(), required, is_list: false, list_required: false }
    }

    pub fn list(name: &str, item_required: bool, list_required: bool) -> Self {
        TypeRef { name: name.to_string(), required: item_required, is_list: true, list_required }
    }

    /// Whether the outermost type is non-null.
    pub fn is_non_null(&self) -> bool {
        if self.is_list {
            self.list_required
        } else {
            self.required
        }
    }

    /// The same type with the outermost non-null removed (`[Int!]!` → `[Int!]`).
    pub fn nullable(&self) -> Self {
        let mut t = self.clone();
        if t.is_list {
            t.list_required = false;
        } else {
            t.required = false;
        }
        t
    }

    /// The same type with the outermost level non-null.
    pub fn non_null(&self) -> Self {
        let mut t = self.clone();
        if t.is_list {
            t.list_required = true;
        } else {
            t.required = true;
        }
        t
    }

    /// The same shape around another named type.
    pub fn renamed(&self, name: &str) -> Self {
        TypeRef { name: name.to_string(), ..self.clone() }
    }
}

impl std::fmt::Display for TypeRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let bang = |b: bool| if b { "!" } else { "" };
        if self.is_list {
            write!(f, "[{}{}]{}", self.name, bang(self.required), bang(self.list_required))
        } else {
            write!(f, "{}{}", self.name, bang(self.required))
        }
    }
}

/// The scalars AppSync knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scalar {
    ID,
    String,
    Int,
    Float,
    Boolean,
    AWSDate,
    AWSTime,
    AWSDateTime,
    AWSTimestamp,
    AWSEmail,
    AWSJSON,
    AWSURL,
    AWSPhone,
    AWSIPAddress,
}

impl Scalar {
    pub fn from_name(name: &str) -> Option<Scalar> {
        Some(match name {
            "ID" => Scalar::ID,
            "String" => Scalar::String,
            "Int" => Scalar::Int,
            "Float" => Scalar::Float,
            "Boolean" => Scalar::Boolean,
            "AWSDate" => Scalar::AWSDate,
            "AWSTime" => Scalar::AWSTime,
            "AWSDateTime" => Scalar::AWSDateTime,
            "AWSTimestamp" => Scalar::AWSTimestamp,
            "AWSEmail" => Scalar::AWSEmail,
            "AWSJSON" => Scalar::AWSJSON,
            "AWSURL" => Scalar::AWSURL,
            "AWSPhone" => Scalar::AWSPhone,
            "AWSIPAddress" => Scalar::AWSIPAddress,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Scalar::ID => "ID",
            Scalar::String => "String",
            Scalar::Int => "Int",
            Scalar::Float => "Float",
            Scalar::Boolean => "Boolean",
            Scalar::AWSDate => "AWSDate",
            Scalar::AWSTime => "AWSTime",
            Scalar::AWSDateTime => "AWSDateTime",
            Scalar::AWSTimestamp => "AWSTimestamp",
            Scalar::AWSEmail => "AWSEmail",
            Scalar::AWSJSON => "AWSJSON",
            Scalar::AWSURL => "AWSURL",
            Scalar::AWSPhone => "AWSPhone",
            Scalar::AWSIPAddress => "AWSIPAddress",
        }
    }

    /// The GraphQL base scalar the transformer files this one under for filters and key
    /// conditions (`AWSDateTime` → `String`, `AWSTimestamp` → `Int`).
    pub fn base(self) -> &'static str {
        match self {
            Scalar::ID => "ID",
            Scalar::Int | Scalar::AWSTimestamp => "Int",
            Scalar::Float => "Float",
            Scalar::Boolean => "Boolean",
            _ => "String",
        }
    }
}

/// Whether a field holds a scalar, an enum, a custom type or a related model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum FieldKind {
    Scalar(Scalar),
    Enum,
    CustomType,
    Model,
}

/// Why a model field exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FieldOrigin {
    /// Declared in the schema.
    Declared,
    /// The `id: ID!` the transformer adds to models without one (and without a custom key).
    ImplicitId,
    /// `createdAt` / `updatedAt`, maintained by the service.
    Timestamp,
    /// An owner field named by an `owner` rule but not declared (`owner: String`).
    ImplicitOwner,
    /// A foreign-key attribute a Gen 1 relationship without `fields`/`references` adds
    /// (`blogPostsId` for `Blog.posts: [Post] @hasMany`, `blogSettingsId` for
    /// `Blog.settings: BlogSettings @hasOne`). See [`Relationship::resolution`].
    ConnectionKey,
}

/// A field of a model or custom type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Field {
    pub name: String,
    pub ty: TypeRef,
    pub kind: FieldKind,
    pub origin: FieldOrigin,
    /// `@default(value: ...)`, as the string the directive carries.
    pub default: Option<String>,
    /// The relationship this field navigates, if any.
    pub relationship: Option<Relationship>,
    /// Field-level `@auth` rules; empty means the model's rules apply.
    pub auth: Vec<AuthRule>,
}

/// The kind of a relationship field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RelationshipKind {
    HasMany,
    HasOne,
    BelongsTo,
    /// Gen 1 `@manyToMany(relationName:)`.
    ManyToMany,
}

/// A relationship between two models.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relationship {
    pub kind: RelationshipKind,
    /// The related model.
    pub related_model: String,
    /// Gen 2 `references`: for `hasMany`/`hasOne` the fields of the related model that hold this
    /// model's primary key; for `belongsTo` the fields of this model that hold the related one's.
    pub references: Vec<String>,
    /// Gen 1 `fields`: fields of this model used to look the related model up.
    pub fields: Vec<String>,
    /// Gen 1 `indexName` on `hasMany`.
    pub index_name: Option<String>,
    /// Gen 1 `@manyToMany` join model name (`relationName` as written).
    pub relation_name: Option<String>,
    /// The model whose records the field returns: `related_model`, except for `@manyToMany`,
    /// whose field lists records of the generated join model (`PostTags`).
    pub target_model: String,
    /// How the data service resolves the field, whatever form the schema used.
    pub resolution: Resolution,
}

/// How a relationship field is resolved against the stored records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Resolution {
    /// Get one record of the target model by its primary key, whose values (partition key
    /// first) are held by `fields` of this record. `belongsTo`, and `hasOne` with `fields` or
    /// with the implicit `<model><Field>Id` attribute.
    GetByKey { fields: Vec<String> },
    /// Query the target model's primary key (`index: None`) or secondary index `index` for the
    /// records whose `key_fields` equal this record's `fields` (pairwise; `key_fields` are a
    /// prefix of that key). `hasMany` and `@manyToMany` list them; `hasOne` with `references`
    /// takes the first.
    Query { index: Option<String>, key_fields: Vec<String>, fields: Vec<String> },
}

/// The primary key of a model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrimaryKey {
    pub partition_key: String,
    pub sort_keys: Vec<String>,
    /// Declared with `@primaryKey` (`.identifier([...])`) rather than the implicit `id`.
    pub explicit: bool,
}

/// A secondary index (`@index`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecondaryIndex {
    pub name: String,
    pub partition_key: String,
    pub sort_keys: Vec<String>,
    /// The generated query, when the index has one.
    pub query_field: Option<String>,
    /// `queryField` was written (rather than derived from the index name).
    pub query_field_explicit: bool,
}

/// `allow:` of an auth rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuthStrategy {
    Public,
    Private,
    Owner,
    Groups,
    Custom,
}

impl AuthStrategy {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthStrategy::Public => "public",
            AuthStrategy::Private => "private",
            AuthStrategy::Owner => "owner",
            AuthStrategy::Groups => "groups",
            AuthStrategy::Custom => "custom",
        }
    }
}

/// `provider:` of an auth rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuthProvider {
    ApiKey,
    /// Gen 1 spelling of `identityPool`.
    Iam,
    IdentityPool,
    UserPools,
    Oidc,
    /// Lambda authorizer.
    Function,
}

impl AuthProvider {
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "apiKey" => AuthProvider::ApiKey,
            "iam" => AuthProvider::Iam,
            "identityPool" => AuthProvider::IdentityPool,
            "userPools" => AuthProvider::UserPools,
            "oidc" => AuthProvider::Oidc,
            "function" => AuthProvider::Function,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AuthProvider::ApiKey => "apiKey",
            AuthProvider::Iam => "iam",
            AuthProvider::IdentityPool => "identityPool",
            AuthProvider::UserPools => "userPools",
            AuthProvider::Oidc => "oidc",
            AuthProvider::Function => "function",
        }
    }

    /// `iam` and `identityPool` are the same provider.
    pub fn is_iam(self) -> bool {
        matches!(self, AuthProvider::Iam | AuthProvider::IdentityPool)
    }

    /// The AppSync authorization directive for this provider.
    pub fn appsync_directive(self) -> &'static str {
        match self {
            AuthProvider::ApiKey => "aws_api_key",
            AuthProvider::Iam | AuthProvider::IdentityPool => "aws_iam",
            AuthProvider::UserPools => "aws_cognito_user_pools",
            AuthProvider::Oidc => "aws_oidc",
            AuthProvider::Function => "aws_lambda",
        }
    }

    /// The provider a rule gets when it names none.
    pub fn default_for(strategy: AuthStrategy) -> Self {
        match strategy {
            AuthStrategy::Owner | AuthStrategy::Groups | AuthStrategy::Private => AuthProvider::UserPools,
            AuthStrategy::Public => AuthProvider::ApiKey,
            AuthStrategy::Custom => AuthProvider::Function,
        }
    }
}

/// An operation an auth rule may grant, as written in `operations: [...]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuthOperation {
    Create,
    Update,
    Delete,
    /// Shorthand for get, list, listen, search and sync.
    Read,
    Get,
    List,
    Listen,
    Search,
    Sync,
}

impl AuthOperation {
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "create" => AuthOperation::Create,
            "update" => AuthOperation::Update,
            "delete" => AuthOperation::Delete,
            "read" => AuthOperation::Read,
            "get" => AuthOperation::Get,
            "list" => AuthOperation::List,
            "listen" => AuthOperation::Listen,
            "search" => AuthOperation::Search,
            "sync" => AuthOperation::Sync,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AuthOperation::Create => "create",
            AuthOperation::Update => "update",
            AuthOperation::Delete => "delete",
            AuthOperation::Read => "read",
            AuthOperation::Get => "get",
            AuthOperation::List => "list",
            AuthOperation::Listen => "listen",
            AuthOperation::Search => "search",
            AuthOperation::Sync => "sync",
        }
    }
}

/// The operations the access matrix tracks; `read` expands into the last five.
pub const MODEL_OPERATIONS: [AuthOperation; 8] = [
    AuthOperation::Create,
    AuthOperation::Update,
    AuthOperation::Delete,
    AuthOperation::Get,
    AuthOperation::List,
    AuthOperation::Search,
    AuthOperation::Listen,
    AuthOperation::Sync,
];

pub const DEFAULT_OWNER_FIELD: &str = "owner";
pub const DEFAULT_GROUPS_FIELD: &str = "groups";
pub const DEFAULT_GROUP_CLAIM: &str = "cognito:groups";
/// Gen 2 (and Gen 1 with `useSubUsernameForDefaultIdentityClaim`) stores `sub::username`.
pub const DEFAULT_IDENTITY_CLAIM: &str = "sub::username";

/// One `@auth` rule, as written, with accessors for the effective values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthRule {
    pub strategy: AuthStrategy,
    /// `provider:` as written.
    pub provider: Option<AuthProvider>,
    pub owner_field: Option<String>,
    pub identity_claim: Option<String>,
    pub group_claim: Option<String>,
    /// Static groups (`groups: [...]`).
    pub groups: Option<Vec<String>>,
    /// Dynamic groups field (`groupsField:`).
    pub groups_field: Option<String>,
    /// `operations:` as written; `None` grants everything.
    pub operations: Option<Vec<AuthOperation>>,
}

impl AuthRule {
    /// The provider in effect (the strategy's default when none is written).
    pub fn effective_provider(&self) -> AuthProvider {
        self.provider.unwrap_or_else(|| AuthProvider::default_for(self.strategy))
    }

    /// The matrix operations granted, with `read` expanded.
    pub fn effective_operations(&self) -> Vec<AuthOperation> {
        let Some(ops) = &self.operations else { return MODEL_OPERATIONS.to_vec() };
        let mut out = Vec::new();
        for op in ops {
            if *op == AuthOperation::Read {
                for r in [
                    AuthOperation::Get,
                    AuthOperation::List,
                    AuthOperation::Listen,
                    AuthOperation::Search,
                    AuthOperation::Sync,
                ] {
                    if !out.contains(&r) {
                        out.push(r);
                    }
                }
            } else if !out.contains(op) {
                out.push(*op);
            }
        }
        out
    }

    /// The owner field (`owner` by default) of an owner rule.
    pub fn owner_field_or_default(&self) -> &str {
        self.owner_field.as_deref().unwrap_or(DEFAULT_OWNER_FIELD)
    }

    /// The identity claim in effect for an owner rule.
    pub fn identity_claim_or_default(&self) -> &str {
        self.identity_claim.as_deref().unwrap_or(DEFAULT_IDENTITY_CLAIM)
    }

    /// The groups claim in effect for a groups rule.
    pub fn group_claim_or_default(&self) -> &str {
        self.group_claim.as_deref().unwrap_or(DEFAULT_GROUP_CLAIM)
    }

    /// Whether the rule is decided per record (owner and dynamic-groups rules).
    pub fn is_dynamic(&self) -> bool {
        match self.strategy {
            AuthStrategy::Owner => true,
            AuthStrategy::Groups => self.groups.is_none() || self.groups_field.is_some(),
            _ => false,
        }
    }
}

/// Names of the operations generated for a model (`None` where disabled with
/// `@model(queries: ..., mutations: ..., subscriptions: ...)`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelOperations {
    pub get: Option<String>,
    pub list: Option<String>,
    pub create: Option<String>,
    pub update: Option<String>,
    pub delete: Option<String>,
    pub on_create: Vec<String>,
    pub on_update: Vec<String>,
    pub on_delete: Vec<String>,
    /// `subscriptions: { level: off | public | on }`; `on` unless set.
    pub subscription_level: SubscriptionLevel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SubscriptionLevel {
    Off,
    Public,
    On,
}

/// Names of the timestamp fields (`None` where disabled).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timestamps {
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
}

/// A `@model` type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    pub name: String,
    /// `pluralize(name)`, as the client and `list` query use it.
    pub plural_name: String,
    /// Every field of the AppSync type: declared fields in order, then the implicit `id`,
    /// timestamps and implicit owner fields.
    pub fields: Vec<Field>,
    pub primary_key: PrimaryKey,
    pub indexes: Vec<SecondaryIndex>,
    /// Model-level `@auth` rules. Empty with no `@auth`: then the API's default access applies
    /// (see [`crate::AuthorizationConfig::sandbox_mode`]).
    pub auth: Vec<AuthRule>,
    /// Whether the model has `@auth` at model or field level.
    pub has_auth: bool,
    pub operations: ModelOperations,
    pub timestamps: Timestamps,
    /// The `@model(...)` arguments as written.
    pub model_arguments: serde_json::Map<String, serde_json::Value>,
    /// Set on the join model generated for a Gen 1 `@manyToMany` relation: the two models it
    /// joins, in declaration order. Its rules are both models' rules.
    pub join_of: Option<(String, String)>,
}

impl Model {
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Fields declared in the schema (no implicit ones).
    pub fn declared_fields(&self) -> impl Iterator<Item = &Field> {
        self.fields.iter().filter(|f| f.origin == FieldOrigin::Declared)
    }

    /// The primary key fields, partition key first.
    pub fn key_fields(&self) -> Vec<&str> {
        std::iter::once(self.primary_key.partition_key.as_str())
            .chain(self.primary_key.sort_keys.iter().map(String::as_str))
            .collect()
    }
}

/// An `enum`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnumType {
    pub name: String,
    pub values: Vec<String>,
}

/// A non-model object type (`a.customType`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomType {
    pub name: String,
    pub fields: Vec<Field>,
    /// `@aws_*` directives written on the type (Gen 2 puts the custom operations' modes here).
    pub auth_directives: Vec<String>,
}

/// An `input` type declared in the schema (custom operation arguments).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputType {
    pub name: String,
    pub fields: Vec<Argument>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OperationKind {
    Query,
    Mutation,
    Subscription,
}

impl OperationKind {
    pub fn type_name(self) -> &'static str {
        match self {
            OperationKind::Query => "Query",
            OperationKind::Mutation => "Mutation",
            OperationKind::Subscription => "Subscription",
        }
    }
}

/// An argument of a custom operation or a field of an input type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Argument {
    pub name: String,
    pub ty: TypeRef,
}

/// How a Lambda function is invoked (`.async()` is `Event`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InvocationType {
    RequestResponse,
    Event,
}

/// What resolves a custom operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Handler {
    /// `@function(name:)`: the name as written and, when the function-name map knows it, the
    /// function it designates.
    Function { name: String, function: Option<String>, invocation: InvocationType },
    /// Gen 1 `@http(url:, method:)`.
    Http { url: String, method: String },
}

/// A custom query, mutation or subscription.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomOperation {
    pub name: String,
    pub kind: OperationKind,
    pub arguments: Vec<Argument>,
    pub return_type: TypeRef,
    /// Handlers in pipeline order; empty for a custom (JavaScript) resolver defined outside
    /// the schema.
    pub handlers: Vec<Handler>,
    /// `@aws_subscribe(mutations: [...])` of a subscription.
    pub subscribe_to: Vec<String>,
    /// `@auth` rules on the operation.
    pub auth: Vec<AuthRule>,
    /// `@aws_*` directives the operation is declared with (beyond those derived from `auth`).
    pub auth_directives: Vec<String>,
}

/// The whole data model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataModel {
    pub models: Vec<Model>,
    pub enums: Vec<EnumType>,
    pub custom_types: Vec<CustomType>,
    pub inputs: Vec<InputType>,
    pub queries: Vec<CustomOperation>,
    pub mutations: Vec<CustomOperation>,
    pub subscriptions: Vec<CustomOperation>,
}

impl DataModel {
    pub fn model(&self, name: &str) -> Option<&Model> {
        self.models.iter().find(|m| m.name == name)
    }

    pub fn enum_type(&self, name: &str) -> Option<&EnumType> {
        self.enums.iter().find(|e| e.name == name)
    }

    pub fn custom_type(&self, name: &str) -> Option<&CustomType> {
        self.custom_types.iter().find(|t| t.name == name)
    }

    /// All custom operations: queries, then mutations, then subscriptions.
    pub fn custom_operations(&self) -> impl Iterator<Item = &CustomOperation> {
        self.queries.iter().chain(&self.mutations).chain(&self.subscriptions)
    }
}
