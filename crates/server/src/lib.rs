//! The running backend's listeners, and the swap of compiled backends on reload.
//!
//! One main listener (default port 20002) serves every JSON/GraphQL protocol: GraphQL at
//! `/graphql`, real-time at `/graphql/realtime`, and the Cognito endpoints at `/`. The
//! services behind it are built from a [`CompiledBackend`] and replaced whole by
//! [`Server::install`]; requests in flight finish on the backend they started on.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use ampbase_appsync::{ApiKeyCredential, AppSyncState, ExecutableApi, Limits};
use ampbase_backend::CompiledBackend;
use ampbase_data::{DataService, FunctionGrants};
use ampbase_store::Store;
use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Where to listen.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub host: IpAddr,
    pub port: u16,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig { host: IpAddr::V4(Ipv4Addr::LOCALHOST), port: 20002 }
    }
}

/// The running listeners.
pub struct Server {
    appsync: Arc<AppSyncState>,
    store: Store,
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

/// Why a compiled backend could not be put in service; the previous one keeps running.
#[derive(Debug)]
pub struct InstallError(pub String);

impl std::fmt::Display for InstallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InstallError {}

impl Server {
    /// Binds the main listener and starts serving; no backend is installed yet.
    pub async fn start(config: &ServerConfig, store: Store) -> std::io::Result<Server> {
        let listener = TcpListener::bind((config.host, config.port)).await?;
        let addr = listener.local_addr()?;
        let appsync = AppSyncState::new(None);
        let router = main_router(appsync.clone());
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, router).with_graceful_shutdown(async {
                let _ = rx.await;
            });
            if let Err(error) = serve.await {
                tracing::error!(%error, "the main listener stopped");
            }
        });
        Ok(Server { appsync, store, addr, shutdown: Some(tx), task: Some(task) })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Builds the services of `backend` and puts them in service atomically.
    pub async fn install(&self, backend: &CompiledBackend, api_key: ApiKeyCredential) -> Result<(), InstallError> {
        let api = match &backend.data {
            None => None,
            Some(compiled) => {
                let grants = backend
                    .definition
                    .data
                    .as_ref()
                    .and_then(|d| d.other.get("functionSchemaAccess"))
                    .map(FunctionGrants::from_schema_access_json)
                    .unwrap_or_default();
                let data = DataService::new(compiled.model.clone(), compiled.authorization.clone(), self.store.clone(), grants)
                    .await
                    .map_err(|e| InstallError(format!("data: {e}")))?;
                let key = compiled.authorization.api_key.as_ref().map(|_| api_key);
                let api = ExecutableApi::build(&compiled.compiled, &compiled.authorization, Arc::new(data), key, Limits::default())
                    .map_err(|e| InstallError(format!("GraphQL schema: {}", e.0)))?;
                Some(api)
            }
        };
        self.appsync.swap(api);
        Ok(())
    }

    /// Stops accepting, lets requests in flight finish, and returns.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

fn main_router(appsync: Arc<AppSyncState>) -> Router {
    ampbase_appsync::router(appsync)
        .route("/", post(aws_json_protocol))
        .route("/_ampbase/health", get(health))
}

/// Liveness, and the ceiling of the benchmarks: the cheapest answer of this stack.
async fn health() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], r#"{"status":"ok"}"#).into_response()
}

/// `POST /` with `X-Amz-Target`: the Cognito user pool and identity pool JSON protocols.
/// Operations without a service behind them get the answer AWS gives for those.
async fn aws_json_protocol(headers: HeaderMap, _body: Bytes) -> Response {
    let target = headers.get("x-amz-target").and_then(|v| v.to_str().ok()).unwrap_or("");
    let body = serde_json::json!({
        "__type": "UnknownOperationException",
        "message": format!("{target} is not served by this backend"),
    });
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "application/x-amz-json-1.1"), (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")],
        body.to_string(),
    )
        .into_response()
}
