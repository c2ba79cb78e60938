//! The running backend's listeners, and the swap of compiled backends on reload.
//!
//! One main listener (default port 20002) serves every JSON/GraphQL protocol: GraphQL at
//! `/graphql`, real-time at `/graphql/realtime`, and the Cognito endpoints at `/`. The
//! services behind it are built from a [`CompiledBackend`] and replaced whole by
//! [`Server::install`]; requests in flight finish on the backend they started on.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use ampbase_appsync::{ApiKeyCredential, AppSyncState, AuthRejection, AuthRequest, Authenticator, ExecutableApi, Limits};
use ampbase_auth::{FunctionAccess, IdentityPool, IdentityPoolConfig, PoolConfig, RouterOptions, SandboxDelivery, SigV4Admin, UserPool};
use ampbase_core::Caller;
use ampbase_outputs::amplify_outputs::OutputsContext;
use arc_swap::ArcSwapOption;
use ampbase_backend::CompiledBackend;
use ampbase_data::{DataService, FunctionGrants};
use ampbase_storage::{AdminCredential, ResolverChain, StorageConfig, StorageService};
use ampbase_store::Store;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

mod iam;
mod storage_credentials;

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
    /// The functions' workers, redeployed by the sandbox on every build.
    functions: ampbase_functions::FunctionRuntime,
    auth: AuthSlot,
    /// Every access key the listeners accept (SigV4 on Cognito's admin operations and GraphQL).
    iam_credentials: Arc<iam::SandboxCredentials>,
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

        let auth: AuthSlot = Arc::new(ArcSwapOption::empty());
        // S3 requests are signed by the administrator or with identity-pool credentials.
        let admin = AdminCredential::load_or_create(config.state_dir.join("admin-credential.json")).map_err(StartError::Io)?;
        let s3_credentials = ResolverChain::new()
            .with(Arc::new(admin.resolver()))
            .with(Arc::new(storage_credentials::IdentityPoolCredentials { auth: auth.clone() }));
        let storage = StorageService::open_local(config.state_dir.join("storage"), store.clone(), Arc::new(s3_credentials))
            .await
            .map_err(|e| StartError::Storage(e.to_string()))?;

        let functions = ampbase_functions::FunctionRuntime::new(ampbase_functions::RuntimeOptions::new(config.state_dir.join("runtime")))
            .map_err(StartError::Io)?;
        let appsync = AppSyncState::new(None);
        let iam_credentials = Arc::new(iam::SandboxCredentials::new(admin.clone(), auth.clone()));
        appsync.set_authenticator(Some(Box::new(UserPoolAuthenticator {
            auth: auth.clone(),
            iam: iam::AppSyncIam::new(iam_credentials.clone()),
        })));
        let router = main_router(appsync.clone(), auth.clone());
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
            functions,
            auth,
            iam_credentials,
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

    /// The functions being served: deploy built functions here before installing a backend.
    pub fn functions(&self) -> &ampbase_functions::FunctionRuntime {
        &self.functions
    }

    /// The S3 listener's address.
    pub fn storage_addr(&self) -> SocketAddr {
        self.storage_addr
    }

    /// Builds the services of `backend` and puts them in service atomically. `ids` are the
    /// identifiers and endpoints the outputs give the clients (pool ids, bucket names).
    pub async fn install(&self, backend: &CompiledBackend, api_key: ApiKeyCredential, ids: &OutputsContext) -> Result<(), InstallError> {
        let storage = StorageConfig::from_definitions(&backend.definition.storage, &ids.bucket_names)
            .map_err(|e| InstallError(format!("storage: {e}")))?;
        let auth = match &backend.definition.auth {
            None => None,
            Some(definition) => {
                let config = PoolConfig::from_definition(definition, &ids.user_pool_id, &ids.user_pool_client_id, &ids.base_url);
                let pool = Arc::new(
                    UserPool::open(config, self.store.clone(), SandboxDelivery::new(self.store.clone()))
                        .await
                        .map_err(|e| InstallError(format!("auth: {e}")))?,
                );
                let identity_config =
                    IdentityPoolConfig { identity_pool_id: ids.identity_pool_id.clone(), allow_guest: ids.allow_guest_access };
                let identity = Arc::new(
                    IdentityPool::open(identity_config, pool.clone()).await.map_err(|e| InstallError(format!("identity pool: {e}")))?,
                );
                let router =
                    ampbase_auth::router_with(pool.clone(), RouterOptions {
                        identity_pool: Some(identity.clone()),
                        // Operators and function roles sign admin operations (AWS SDKs, `cognito-idp`).
                        admin: Arc::new(SigV4Admin::new(
                            self.iam_credentials.clone(),
                            FunctionAccess::from_grants(&definition.access),
                            ids.user_pool_id.clone(),
                        )),
                    });
                Some(Arc::new(CurrentAuth { pool, identity: Some(identity), router }))
            }
        };
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
                api.set_function_invoker(Arc::new(self.functions.clone()));
                Some(api)
            }
        };
        self.storage.apply(storage).await.map_err(|e| InstallError(format!("storage: {e}")))?;
        self.auth.store(auth);
        self.appsync.swap(api);
        Ok(())
    }

    /// Stops accepting, lets requests in flight finish, and returns.
    pub async fn stop(self) {
        self.functions.shutdown();
        for tx in self.shutdown {
            let _ = tx.send(());
        }
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// The user pool being served, and its routes.
struct CurrentAuth {
    pool: Arc<UserPool>,
    /// Its identity pool, whose credentials sign S3 requests.
    identity: Option<Arc<IdentityPool>>,
    router: Router,
}

type AuthSlot = Arc<ArcSwapOption<CurrentAuth>>;

fn main_router(appsync: Arc<AppSyncState>, auth: AuthSlot) -> Router {
    let auth_service = Router::new().fallback(auth_routes).with_state(auth);
    ampbase_appsync::router(appsync).route("/_ampbase/health", get(health)).fallback_service(auth_service)
}

/// Liveness, and the ceiling of the benchmarks: the cheapest answer of this stack.
async fn health() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], r#"{"status":"ok"}"#).into_response()
}

/// Everything else is the auth service's: the Cognito JSON protocols on `POST /`, the JWKS and
/// OIDC discovery documents, the sandbox mailbox.
async fn auth_routes(State(auth): State<AuthSlot>, request: Request) -> Response {
    use tower::ServiceExt;
    if request.method() == Method::OPTIONS {
        return cors_preflight(&request);
    }
    let mut response = match auth.load_full() {
        Some(current) => match current.router.clone().oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        },
        None if request.method() == Method::POST && request.uri().path() == "/" => no_auth_service(&request),
        None => StatusCode::NOT_FOUND.into_response(),
    };
    // Browsers call Cognito cross-origin, and the client reads the error type and request id
    // from headers a browser hides unless they are exposed.
    response.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, header::HeaderValue::from_static("*"));
    response.headers_mut().insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, header::HeaderValue::from_static(COGNITO_EXPOSED_HEADERS));
    response
}

/// The response headers Cognito lets a cross-origin page read.
const COGNITO_EXPOSED_HEADERS: &str = "x-amzn-RequestId, x-amzn-ErrorType, x-amzn-ErrorMessage, Date";

fn cors_preflight(request: &Request) -> Response {
    let asked = request.headers().get(header::ACCESS_CONTROL_REQUEST_HEADERS).cloned();
    let mut response = StatusCode::OK.into_response();
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, header::HeaderValue::from_static("*"));
    headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, header::HeaderValue::from_static("GET, POST, OPTIONS"));
    headers.insert(header::ACCESS_CONTROL_MAX_AGE, header::HeaderValue::from_static("86400"));
    if let Some(asked) = asked {
        headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, asked);
    }
    response
}

/// A Cognito call to a backend without `defineAuth`: what AWS answers for an unknown target.
fn no_auth_service(request: &Request) -> Response {
    let target = request.headers().get("x-amz-target").and_then(|v| v.to_str().ok()).unwrap_or("");
    let body = serde_json::json!({
        "__type": "UnknownOperationException",
        "message": format!("{target}: this backend defines no auth (defineAuth)"),
    });
    (StatusCode::BAD_REQUEST, [(header::CONTENT_TYPE, "application/x-amz-json-1.1")], body.to_string()).into_response()
}

/// The `userPool` mode of GraphQL (`Authorization` carries a Cognito id or access token) and
/// the `iam` mode (`Authorization: AWS4-HMAC-SHA256 …`).
struct UserPoolAuthenticator {
    auth: AuthSlot,
    /// The `iam` / `identityPool` mode.
    iam: iam::AppSyncIam,
}

#[async_trait::async_trait]
impl Authenticator for UserPoolAuthenticator {
    async fn authenticate(&self, request: AuthRequest<'_>) -> Result<Caller, AuthRejection> {
        let token = request
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim_start_matches("Bearer ").trim())
            .ok_or_else(|| AuthRejection::new("Missing authorization header"))?;
        if token.starts_with("AWS4-HMAC-SHA256") {
            return self.iam.authenticate(&request).await;
        }
        let current = self.auth.load_full().ok_or_else(|| AuthRejection::new("This backend defines no user pool (defineAuth)"))?;
        let identity = current
            .pool
            .verify_access_or_id_token(token)
            .await
            .map_err(|_| AuthRejection::new("Valid authorization header not provided."))?;
        Ok(Caller::UserPool(identity))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use tower::ServiceExt;

    /// A cross-origin page (Amplify UI in a browser) must be able to read the error type and
    /// request id the client parses from Cognito's response headers.
    #[tokio::test]
    async fn cognito_answers_expose_the_headers_the_client_reads() {
        let router = main_router(AppSyncState::new(None), Arc::new(ArcSwapOption::empty()));
        let request = Request::builder()
            .method(Method::POST)
            .uri("/")
            .header("x-amz-target", "AWSCognitoIdentityProviderService.GetUser")
            .header(header::ORIGIN, "http://127.0.0.1:5173")
            .body(Body::from("{}"))
            .unwrap();
        let response = router.oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let headers = response.headers();
        assert_eq!(headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
        let exposed: Vec<String> = headers[header::ACCESS_CONTROL_EXPOSE_HEADERS]
            .to_str()
            .unwrap()
            .split(',')
            .map(|name| name.trim().to_ascii_lowercase())
            .collect();
        for name in ["x-amzn-requestid", "x-amzn-errortype"] {
            assert!(exposed.iter().any(|exposed| exposed == name), "{name} not in {exposed:?}");
        }
    }
}
