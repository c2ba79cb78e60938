//! # ampbase-appsync
//!
//! The AppSync GraphQL edge: the wire protocol of AWS AppSync in front of the data domain
//! ([`ampbase_data::DataApi`]). No domain logic lives here.
//!
//! - [`ExecutableApi`]: the executable schema of one compiled backend (the AppSync SDL with
//!   resolvers calling `DataApi`, the AWS scalars, the `@aws_*` authorization-mode checks),
//!   built once per backend.
//! - [`AppSyncState`]: the API currently served, swapped atomically on reload
//!   ([`AppSyncState::swap`]); requests in flight finish on the API they started on.
//! - [`router`]: `POST /graphql` (AppSync's HTTP request and response, CORS, API-key
//!   authentication and an [`Authenticator`] for the other modes, limits) and
//!   `GET /graphql/realtime` (AppSync's real-time WebSocket protocol).

mod authz;
mod cache;
pub mod errors;
mod http;
mod lambda;
mod realtime;
pub mod scalars;
mod schema;
mod validation;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use ampbase_core::Caller;
use ampbase_data::DataApi;
use ampbase_data_compiler::{AuthorizationConfig, CompiledData, DataModel};
use arc_swap::ArcSwapOption;
use async_trait::async_trait;

pub use http::router;
pub use schema::SchemaBuildError;

/// Limits, like AppSync's service quotas. The defaults and why:
///
/// | limit | default | AppSync |
/// | --- | --- | --- |
/// | `max_body_bytes` | 1 MiB | request payloads are bounded (documented for subscriptions / Events at 240 KB, mapping templates at 64 KB); 1 MiB covers any document the client generates |
/// | `max_response_bytes` | 5 MiB | AppSync's response size quota |
/// | `max_depth` | 75 | the largest `queryDepthLimit` AppSync accepts |
/// | `max_complexity` | 10 000 | AppSync's default `resolverCountLimit` (fields resolved per request) |
/// | `max_nesting` | 100 | brackets of any kind in a document; checked before parsing so no document can exhaust the parser's stack |
/// | `execution_timeout` | 30 s | AppSync's request execution timeout |
/// | `max_subscriptions_per_connection` | 100 | AppSync's quota |
/// | `max_ws_message_bytes` | 240 KiB | AppSync's subscription payload quota |
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_body_bytes: usize,
    pub max_response_bytes: usize,
    pub max_depth: usize,
    pub max_complexity: usize,
    pub max_recursive_depth: usize,
    pub max_directives: usize,
    pub max_nesting: usize,
    pub execution_timeout: Duration,
    pub max_subscriptions_per_connection: usize,
    pub max_ws_message_bytes: usize,
    /// `connectionTimeoutMs` of `connection_ack`.
    pub connection_timeout: Duration,
    /// How often the server sends `ka`.
    pub keep_alive: Duration,
    /// How long a socket may stay open without `connection_init`.
    pub init_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 1024 * 1024,
            max_response_bytes: 5 * 1024 * 1024,
            max_depth: 75,
            max_complexity: 10_000,
            max_recursive_depth: 100,
            max_directives: 50,
            max_nesting: 100,
            execution_timeout: Duration::from_secs(30),
            max_subscriptions_per_connection: 100,
            max_ws_message_bytes: 240 * 1024,
            connection_timeout: Duration::from_secs(300),
            keep_alive: Duration::from_secs(60),
            init_timeout: Duration::from_secs(15),
        }
    }
}

/// The sandbox's API key and when it expires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyCredential {
    pub key: String,
    pub expires_at: Option<SystemTime>,
}

/// One compiled backend's GraphQL API, ready to execute.
pub struct ExecutableApi {
    /// Unique in the process: what cached validations are keyed by.
    pub(crate) id: u64,
    pub(crate) schema: async_graphql::dynamic::Schema,
    pub(crate) shared: Arc<schema::Shared>,
    pub(crate) model: DataModel,
    pub(crate) subscription_models: std::collections::HashMap<String, Vec<String>>,
    pub(crate) authorization: AuthorizationConfig,
    pub(crate) configured_modes: u8,
    pub(crate) api_key: Option<ApiKeyCredential>,
    pub(crate) limits: Limits,
}

impl ExecutableApi {
    /// Builds the executable schema of `compiled` (a `CompiledApi` derefs to it) served by
    /// `data`, accepting `api_key` for the API-key mode.
    pub fn build(
        compiled: &CompiledData,
        authorization: &AuthorizationConfig,
        data: Arc<dyn DataApi>,
        api_key: Option<ApiKeyCredential>,
        limits: Limits,
    ) -> Result<ExecutableApi, SchemaBuildError> {
        let built = schema::build(&compiled.appsync_sdl, &compiled.model, authorization, data, &limits)?;
        static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        Ok(ExecutableApi {
            id: NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            schema: built.schema,
            shared: built.shared,
            model: compiled.model.clone(),
            subscription_models: built.subscription_models,
            authorization: authorization.clone(),
            configured_modes: authz::configured_modes(authorization),
            api_key,
            limits,
        })
    }

    /// The async-graphql schema (for introspection, SDL export, tests).
    pub fn schema(&self) -> &async_graphql::dynamic::Schema {
        &self.schema
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Executes one request for `caller` (no HTTP): the path `POST /graphql` takes after
    /// authentication, without the document cache.
    pub async fn execute(&self, request: GraphqlRequest, caller: Caller) -> async_graphql::Response {
        let docs = cache::DocCache::new(0);
        self.execute_cached(&docs, request, caller, None).await
    }

    pub(crate) async fn execute_cached(
        &self,
        docs: &cache::DocCache,
        request: GraphqlRequest,
        caller: Caller,
        headers: Option<&axum::http::HeaderMap>,
    ) -> async_graphql::Response {
        let cached = match docs.get_or_parse(&request.query, self.limits.max_nesting) {
            Ok(doc) => doc,
            Err(e) => return async_graphql::Response::from_errors(vec![e]),
        };
        let variables = request.variables.unwrap_or_default();
        let operation_name = request.operation_name;
        let validated = cached.validated(self.id, operation_name.as_deref());
        let learn = match &validated {
            Some(v) => {
                // Validated before: only the arguments that use variables can fail now.
                let errors = v.check(self.schema.registry(), &variables, operation_name.as_deref());
                if !errors.is_empty() {
                    return async_graphql::Response::from_errors(errors);
                }
                None
            }
            None if docs.keeps() => Some(Arc::new(std::sync::OnceLock::new())),
            None => None,
        };
        let mut r = async_graphql::Request::new(request.query).data(caller).variables(variables);
        if self.shared.has_function_handlers
            && let Some(headers) = headers
        {
            r = r.data(lambda::RequestHeaders::from_http(headers));
        }
        match (&validated, &learn) {
            (Some(v), _) => r = r.data(validation::Validation::Known(v.result)),
            (None, Some(slot)) => r = r.data(validation::Validation::Learn(slot.clone())),
            // Nothing is kept: a full validation, as async-graphql does it.
            (None, None) => {}
        }
        if let Some(op) = &operation_name {
            r = r.operation_name(op.clone());
        }
        r.set_parsed_query(cached.doc.clone());
        let response = self.schema.execute(r).await;
        if let Some(result) = learn.and_then(|slot| slot.get().copied()) {
            let v = validation::Validated::new(self.schema.registry(), &cached.doc, result);
            cached.set_validated(self.id, operation_name.as_deref(), v);
        }
        response
    }

    /// Lets `a.handler.function(fn)` operations run their functions through `invoker`.
    /// Set once; later calls keep the first.
    pub fn set_function_invoker(&self, invoker: Arc<dyn ampbase_core::functions::FunctionInvoker>) {
        let _ = self.shared.functions.set(invoker);
    }

    /// Publishes the result of a custom mutation to the `@aws_subscribe` subscriptions that
    /// listen to it (for the functions service, once custom mutations run).
    pub fn publish_custom_mutation(&self, mutation: &str, result: serde_json::Value) {
        let _ = self.shared.bus.send((Arc::from(mutation), Arc::new(result)));
    }

    /// Checks an `x-api-key` value.
    pub(crate) fn check_api_key(&self, key: &str) -> Result<Caller, AuthRejection> {
        if self.configured_modes & authz::API_KEY == 0 {
            return Err(AuthRejection::new("API key authorization is not configured for this API."));
        }
        match &self.api_key {
            Some(k) if k.key == key => match k.expires_at {
                Some(t) if SystemTime::now() >= t => Err(AuthRejection::new("The API key has expired.")),
                _ => Ok(Caller::ApiKey),
            },
            _ => Err(AuthRejection::new("You are not authorized to make this call.")),
        }
    }
}

/// A GraphQL request as AppSync receives it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct GraphqlRequest {
    pub query: String,
    #[serde(default)]
    pub variables: Option<async_graphql::Variables>,
    #[serde(default, rename = "operationName")]
    pub operation_name: Option<String>,
}

/// Where a request to authenticate comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthSource {
    /// `POST /graphql`.
    Http,
    /// The real-time handshake: the `header` of the connection (for SigV4: signed as
    /// `POST <graphql path>/connect` with body `{}`).
    RealtimeConnect,
    /// A `start` message's `extensions.authorization` (for SigV4: signed as
    /// `POST <graphql path>` with the message's `payload.data` as body).
    RealtimeStart,
}

/// What an [`Authenticator`] sees of a request.
pub struct AuthRequest<'a> {
    pub source: AuthSource,
    pub method: &'a str,
    /// The path the credentials are for (`/graphql`, `/graphql/connect`).
    pub path: &'a str,
    pub query: &'a str,
    /// The headers (for the real-time protocol, those of the base64 `header`).
    pub headers: &'a axum::http::HeaderMap,
    pub body: &'a [u8],
    /// The modes the API accepts.
    pub authorization: &'a AuthorizationConfig,
}

/// Why authentication failed; answered with AppSync's 401 `UnauthorizedException`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthRejection {
    pub message: String,
}

impl AuthRejection {
    pub fn new(message: impl Into<String>) -> Self {
        AuthRejection { message: message.into() }
    }
}

/// Authenticates the modes other than the API key: `Authorization: <Cognito JWT | OIDC token |
/// Lambda token>` and SigV4 (`Authorization: AWS4-HMAC-SHA256 …`) for IAM. Until one is
/// installed ([`AppSyncState::set_authenticator`]), such requests get AppSync's 401.
#[async_trait]
pub trait Authenticator: Send + Sync + 'static {
    async fn authenticate(&self, request: AuthRequest<'_>) -> Result<Caller, AuthRejection>;
}

/// What the router serves: the current API, swapped whole on reload.
pub struct AppSyncState {
    api: ArcSwapOption<ExecutableApi>,
    authenticator: ArcSwapOption<Box<dyn Authenticator>>,
    pub(crate) docs: cache::DocCache,
    pub(crate) generation: tokio::sync::watch::Sender<u64>,
}

impl AppSyncState {
    pub fn new(api: Option<ExecutableApi>) -> Arc<AppSyncState> {
        Arc::new(AppSyncState {
            api: ArcSwapOption::new(api.map(Arc::new)),
            authenticator: ArcSwapOption::empty(),
            docs: cache::DocCache::new(1024),
            generation: tokio::sync::watch::Sender::new(0),
        })
    }

    /// The API being served (`None` when the backend has no data).
    pub fn current(&self) -> Option<Arc<ExecutableApi>> {
        self.api.load_full()
    }

    /// Serves `api` from now on. Requests in flight finish on the API they started on;
    /// open subscriptions on models whose definition is unchanged move to the new API, the
    /// others end with an `error` the client can reconnect from.
    pub fn swap(&self, api: Option<ExecutableApi>) {
        self.api.store(api.map(Arc::new));
        self.generation.send_modify(|g| *g += 1);
    }

    /// Installs (or removes) the authenticator of the non-API-key modes.
    pub fn set_authenticator(&self, authenticator: Option<Box<dyn Authenticator>>) {
        self.authenticator.store(authenticator.map(Arc::new));
    }

    pub(crate) fn authenticator(&self) -> Option<Arc<Box<dyn Authenticator>>> {
        self.authenticator.load_full()
    }
}
