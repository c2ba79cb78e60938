//! The running backend's listeners, and the swap of compiled backends on reload.
//!
//! One main listener (default port 20002) serves every JSON/GraphQL protocol: GraphQL at
//! `/graphql`, real-time at `/graphql/realtime`, and the Cognito endpoints at `/`. The
//! services behind it are built from a [`CompiledBackend`] and replaced whole by
//! [`Server::install`]; requests in flight finish on the backend they started on.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use ampbase_appsync::{ApiKeyCredential, AppSyncState, ExecutableApi, Limits};
use ampbase_backend::CompiledBackend;
use ampbase_data::{DataService, FunctionGrants};
use ampbase_storage::{AdminCredential, StorageConfig, StorageService};
use ampbase_store::Store;
use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Where to listen, and where the sandbox keeps its files.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub host: IpAddr,
    /// The main listener (GraphQL, real-time, Cognito).
    pub port: u16,
    /// The S3 listener.
    pub storage_port: u16,
    /// The sandbox's own folder: object bytes under `storage/`, the administrator's
    /// S3 credential in `admin-credential.json`.
    pub state_dir: PathBuf,
}

impl ServerConfig {
    pub fn new(state_dir: PathBuf) -> Self {
        ServerConfig {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 20002,
            storage_port: ampbase_storage::DEFAULT_PORT,
            state_dir,
        }
    }
}

/// The running listeners.
pub struct Server {
    appsync: Arc<AppSyncState>,
    storage: StorageService,
    store: Store,
    addr: SocketAddr,
    storage_addr: SocketAddr,
    shutdown: Vec<oneshot::Sender<()>>,
    tasks: Vec<JoinHandle<()>>,
}

/// Why the listeners could not start.
#[derive(Debug)]
pub enum StartError {
    Listen { port: u16, error: std::io::Error },
    Io(std::io::Error),
    Storage(String),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Listen { port, error } => write!(f, "cannot listen on port {port}: {error}"),
            StartError::Io(e) => write!(f, "{e}"),
            StartError::Storage(e) => write!(f, "storage: {e}"),
        }
    }
}

impl std::error::Error for StartError {}

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
    /// Binds the listeners and starts serving; no backend is installed yet.
    pub async fn start(config: &ServerConfig, store: Store) -> Result<Server, StartError> {
        let listener = TcpListener::bind((config.host, config.port))
            .await
            .map_err(|e| StartError::Listen { port: config.port, error: e })?;
        let storage_listener = TcpListener::bind((config.host, config.storage_port))
            .await
            .map_err(|e| StartError::Listen { port: config.storage_port, error: e })?;
        let addr = listener.local_addr().map_err(StartError::Io)?;
        let storage_addr = storage_listener.local_addr().map_err(StartError::Io)?;

        let admin = AdminCredential::load_or_create(config.state_dir.join("admin-credential.json")).map_err(StartError::Io)?;
        let storage = StorageService::open_local(config.state_dir.join("storage"), store.clone(), Arc::new(admin.resolver()))
            .await
            .map_err(|e| StartError::Storage(e.to_string()))?;

        let appsync = AppSyncState::new(None);
        let router = main_router(appsync.clone());
        let (main_tx, main_rx) = oneshot::channel::<()>();
        // Answers go out as soon as they are written, not after the peer's delayed ACK.
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let main = tokio::spawn(async move {
            let serve = axum::serve(listener, router).with_graceful_shutdown(async {
                let _ = main_rx.await;
            });
            if let Err(error) = serve.await {
                tracing::error!(%error, "the main listener stopped");
            }
        });
        let (storage_tx, storage_rx) = oneshot::channel::<()>();
        let s3 = storage.clone();
        let storage_task = tokio::spawn(async move {
            let shutdown = async {
                let _ = storage_rx.await;
            };
            if let Err(error) = s3.serve(storage_listener, shutdown).await {
                tracing::error!(%error, "the S3 listener stopped");
            }
        });
        Ok(Server {
            appsync,
            storage,
            store,
            addr,
            storage_addr,
            shutdown: vec![main_tx, storage_tx],
            tasks: vec![main, storage_task],
        })
    }

    /// The main listener's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The S3 listener's address.
    pub fn storage_addr(&self) -> SocketAddr {
        self.storage_addr
    }

    /// Builds the services of `backend` and puts them in service atomically. `bucket_names`
    /// maps each `defineStorage` name to its bucket, as the outputs name them.
    pub async fn install(
        &self,
        backend: &CompiledBackend,
        api_key: ApiKeyCredential,
        bucket_names: &BTreeMap<String, String>,
    ) -> Result<(), InstallError> {
        let storage = StorageConfig::from_definitions(&backend.definition.storage, bucket_names)
            .map_err(|e| InstallError(format!("storage: {e}")))?;
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
        self.storage.apply(storage).await.map_err(|e| InstallError(format!("storage: {e}")))?;
        self.appsync.swap(api);
        Ok(())
    }

    /// Stops accepting, lets requests in flight finish, and returns.
    pub async fn stop(self) {
        for tx in self.shutdown {
            let _ = tx.send(());
        }
        for task in self.tasks {
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
