//! One execution environment: a `node` process running the bootstrap, and the Lambda Runtime
//! API it polls, served on its own loopback port (each Lambda environment has its own API).

use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ampbase_core::functions::{FunctionError, FunctionErrorKind};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::sync::{Notify, mpsc, oneshot, watch};

use crate::FunctionSpec;
use crate::logs::{LogLine, LogSink, LogStream};

/// Lambda's payload limit for synchronous invocations.
const MAX_PAYLOAD_BYTES: usize = 6 * 1024 * 1024;

/// One invocation handed to a worker.
pub(crate) struct Invocation {
    pub request_id: String,
    pub event: Bytes,
    /// The handler's time, counted from when the runtime takes the invocation.
    pub timeout: Duration,
    /// Told when the runtime has taken the invocation (the handler starts).
    pub started: oneshot::Sender<()>,
    pub reply: oneshot::Sender<Result<Value, FunctionError>>,
}

struct InFlight {
    request_id: String,
    reply: oneshot::Sender<Result<Value, FunctionError>>,
}

/// The Runtime API of one worker.
struct Api {
    invocations: tokio::sync::Mutex<mpsc::Receiver<Invocation>>,
    in_flight: Mutex<Option<InFlight>>,
    init_error: Mutex<Option<FunctionError>>,
    function_arn: String,
    /// The request being served, for attributing log lines.
    current: Arc<Mutex<Option<String>>>,
}

/// A running worker. Dropping it kills the process.
pub(crate) struct Worker {
    pub id: u64,
    invocations: mpsc::Sender<Invocation>,
    api: Arc<Api>,
    exited: watch::Receiver<Option<String>>,
    kill: Arc<Notify>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.kill.notify_one();
        self.server.abort();
    }
}

impl Worker {
    /// Starts `node` on the bootstrap for `spec`; the handler is imported right away.
    pub async fn spawn(
        id: u64,
        spec: &FunctionSpec,
        node: &Path,
        bootstrap: &Path,
        region: &str,
        logs: LogSink,
    ) -> Result<Worker, FunctionError> {
        let runtime_error = |what: String| {
            FunctionError::new(FunctionErrorKind::Runtime, "Runtime.StartError", what)
        };
        let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .await
            .map_err(|e| runtime_error(format!("cannot open the Runtime API: {e}")))?;
        let addr = listener
            .local_addr()
            .map_err(|e| runtime_error(e.to_string()))?;
        let (tx, rx) = mpsc::channel(1);
        let current = Arc::new(Mutex::new(None));
        let api = Arc::new(Api {
            invocations: tokio::sync::Mutex::new(rx),
            in_flight: Mutex::new(None),
            init_error: Mutex::new(None),
            function_arn: format!(
                "arn:aws:lambda:{region}:000000000000:function:{}",
                spec.name
            ),
            current: current.clone(),
        });
        let router = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(response),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            // Room above the payload limit for an error document with a long stack.
            .layer(DefaultBodyLimit::max(MAX_PAYLOAD_BYTES + 1024 * 1024))
            .with_state(api.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });

        let log_stream = format!("{}/[$LATEST]{}", today(), uuid::Uuid::new_v4().simple());
        let mut command = tokio::process::Command::new(node);
        command
            .arg("--enable-source-maps")
            .arg(bootstrap)
            .current_dir(&spec.task_root)
            .env_clear()
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for inherited in ["PATH", "HOME", "LANG", "SYSTEMROOT", "NODE_EXTRA_CA_CERTS"] {
            if let Some(v) = std::env::var_os(inherited) {
                command.env(inherited, v);
            }
        }
        command
            .envs(&spec.environment)
            .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
            .env("_HANDLER", &spec.handler)
            .env("LAMBDA_TASK_ROOT", &spec.task_root)
            .env("AWS_REGION", region)
            .env("AWS_DEFAULT_REGION", region)
            .env(
                "AWS_EXECUTION_ENV",
                format!("AWS_Lambda_nodejs{}.x", spec.runtime),
            )
            .env("AWS_LAMBDA_FUNCTION_NAME", &spec.name)
            .env(
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                spec.memory_mb.to_string(),
            )
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env(
                "AWS_LAMBDA_LOG_GROUP_NAME",
                format!("/aws/lambda/{}", spec.name),
            )
            .env("AWS_LAMBDA_LOG_STREAM_NAME", log_stream)
            .env("TZ", ":UTC");
        let mut child = command
            .spawn()
            .map_err(|e| runtime_error(format!("cannot start {}: {e}", node.display())))?;
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let mut readers = Vec::new();
        if let Some(out) = stdout {
            readers.push(tokio::spawn(forward_lines(
                out,
                LogStream::Stdout,
                spec.name.clone(),
                current.clone(),
                logs.clone(),
            )));
        }
        if let Some(err) = stderr {
            readers.push(tokio::spawn(forward_lines(
                err,
                LogStream::Stderr,
                spec.name.clone(),
                current.clone(),
                logs.clone(),
            )));
        }

        let (exit_tx, exited) = watch::channel(None);
        let kill = Arc::new(Notify::new());
        let kill_signal = kill.clone();
        tokio::spawn(async move {
            let status = tokio::select! {
                status = child.wait() => status.map(|s| s.to_string()).unwrap_or_else(|e| e.to_string()),
                _ = kill_signal.notified() => {
                    let _ = child.kill().await;
                    "killed".to_string()
                }
            };
            // Whatever the process printed last belongs to its story: read it before telling.
            for reader in readers {
                let _ = tokio::time::timeout(Duration::from_millis(200), reader).await;
            }
            let _ = exit_tx.send(Some(status));
        });
        Ok(Worker {
            id,
            invocations: tx,
            api,
            exited,
            kill,
            server,
        })
    }

    /// Kills the process (a timed-out invocation, a retired worker).
    pub fn kill(&self) {
        self.kill.notify_one();
    }

    pub fn has_exited(&self) -> bool {
        self.exited.borrow().is_some()
    }

    /// Runs one invocation: waits at most `init_timeout` for the runtime to take it, then
    /// `timeout` for the result. `Err(None)` means the worker must not be reused.
    pub async fn invoke(
        &self,
        request_id: String,
        event: Bytes,
        init_timeout: Duration,
        timeout: Duration,
    ) -> Result<Result<Value, FunctionError>, WorkerFailure> {
        let (started_tx, started_rx) = oneshot::channel();
        let (reply_tx, reply_rx) = oneshot::channel();
        let invocation = Invocation {
            request_id: request_id.clone(),
            event,
            timeout,
            started: started_tx,
            reply: reply_tx,
        };
        if self.invocations.send(invocation).await.is_err() {
            return Err(WorkerFailure::Exited(
                self.exit_error(&request_id, "Runtime exited"),
            ));
        }
        let mut exited = self.exited.clone();
        tokio::select! {
            started = started_rx => if started.is_err() {
                return Err(WorkerFailure::Exited(self.exit_error(&request_id, "Runtime exited")));
            },
            _ = exited.wait_for(|e| e.is_some()) => {
                return Err(WorkerFailure::Exited(self.exit_error(&request_id, "Runtime exited")));
            }
            _ = tokio::time::sleep(init_timeout) => {
                return Err(WorkerFailure::TimedOut(FunctionError::new(
                    FunctionErrorKind::Timeout,
                    "Runtime.InitTimeout",
                    format!("RequestId: {request_id} Error: the function's initialization did not finish within {} seconds", init_timeout.as_secs()),
                )));
            }
        }
        let mut exited = self.exited.clone();
        tokio::select! {
            reply = reply_rx => match reply {
                Ok(outcome) => Ok(outcome),
                Err(_) => Err(WorkerFailure::Exited(self.exit_error(&request_id, "Runtime exited"))),
            },
            _ = exited.wait_for(|e| e.is_some()) => {
                Err(WorkerFailure::Exited(self.exit_error(&request_id, "Runtime exited")))
            }
            _ = tokio::time::sleep(timeout) => {
                Err(WorkerFailure::TimedOut(FunctionError::new(
                    FunctionErrorKind::Timeout,
                    "Sandbox.Timedout",
                    format!("RequestId: {request_id} Error: Task timed out after {:.2} seconds", timeout.as_secs_f64()),
                )))
            }
        }
    }

    /// The error of an invocation whose process went away: its init error when it reported
    /// one, else how it exited (as Lambda's `Runtime.ExitError`).
    fn exit_error(&self, request_id: &str, what: &str) -> FunctionError {
        if let Some(init) = self.api.init_error.lock().unwrap().clone() {
            return init;
        }
        let status = self
            .exited
            .borrow()
            .clone()
            .unwrap_or_else(|| "unknown status".into());
        FunctionError::new(
            FunctionErrorKind::Runtime,
            "Runtime.ExitError",
            format!("RequestId: {request_id} Error: {what} with error: {status}"),
        )
    }
}

/// Why a worker could not finish an invocation; it is discarded either way.
pub(crate) enum WorkerFailure {
    TimedOut(FunctionError),
    Exited(FunctionError),
}

async fn forward_lines(
    stream: impl AsyncRead + Unpin,
    which: LogStream,
    function: String,
    current: Arc<Mutex<Option<String>>>,
    logs: LogSink,
) {
    let mut lines = BufReader::new(stream).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        // Lines in Lambda's format name their invocation (`<time>\t<request id>\t…`): the
        // process may print it after the invocation has already been answered.
        let stamped = line
            .split('\t')
            .nth(1)
            .filter(|id| uuid::Uuid::parse_str(id).is_ok())
            .map(str::to_string);
        let request_id = stamped.or_else(|| current.lock().unwrap().clone());
        logs(&LogLine {
            function: &function,
            request_id: request_id.as_deref(),
            stream: which,
            line: &line,
        });
    }
}

// -- The Runtime API --------------------------------------------------------------------

async fn next(State(api): State<Arc<Api>>) -> Response {
    let mut invocations = api.invocations.lock().await;
    let Some(invocation) = invocations.recv().await else {
        return runtime_api_error(
            StatusCode::GONE,
            "ShutDown",
            "the execution environment is shutting down",
        );
    };
    drop(invocations);
    let Invocation {
        request_id,
        event,
        timeout,
        started,
        reply,
    } = invocation;
    let deadline_ms = now_ms() + timeout.as_millis() as u64;
    *api.current.lock().unwrap() = Some(request_id.clone());
    *api.in_flight.lock().unwrap() = Some(InFlight {
        request_id: request_id.clone(),
        reply,
    });
    let _ = started.send(());
    let mut headers = HeaderMap::new();
    let mut set = |name: &'static str, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    };
    set("lambda-runtime-aws-request-id", request_id);
    set("lambda-runtime-deadline-ms", deadline_ms.to_string());
    set(
        "lambda-runtime-invoked-function-arn",
        api.function_arn.clone(),
    );
    set("lambda-runtime-trace-id", trace_id());
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    (StatusCode::OK, headers, event).into_response()
}

fn take_in_flight(api: &Api, id: &str) -> Option<InFlight> {
    let mut slot = api.in_flight.lock().unwrap();
    if slot.as_ref().is_some_and(|f| f.request_id == id) {
        *api.current.lock().unwrap() = None;
        slot.take()
    } else {
        None
    }
}

async fn response(
    State(api): State<Arc<Api>>,
    UrlPath(id): UrlPath<String>,
    body: Bytes,
) -> Response {
    let Some(in_flight) = take_in_flight(&api, &id) else {
        return runtime_api_error(
            StatusCode::BAD_REQUEST,
            "InvalidRequestID",
            "Invalid request ID",
        );
    };
    let outcome = if body.is_empty() {
        Ok(Value::Null)
    } else {
        serde_json::from_slice::<Value>(&body).map_err(|e| {
            FunctionError::new(
                FunctionErrorKind::Handled,
                "Runtime.InvalidResponse",
                format!("the function's response is not JSON: {e}"),
            )
        })
    };
    let _ = in_flight.reply.send(outcome);
    accepted()
}

async fn error(
    State(api): State<Arc<Api>>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(in_flight) = take_in_flight(&api, &id) else {
        return runtime_api_error(
            StatusCode::BAD_REQUEST,
            "InvalidRequestID",
            "Invalid request ID",
        );
    };
    let _ = in_flight.reply.send(Err(error_from_body(
        &headers,
        &body,
        FunctionErrorKind::Handled,
    )));
    accepted()
}

async fn init_error(State(api): State<Arc<Api>>, headers: HeaderMap, body: Bytes) -> Response {
    *api.init_error.lock().unwrap() =
        Some(error_from_body(&headers, &body, FunctionErrorKind::Runtime));
    accepted()
}

/// Lambda's error document (`errorType`, `errorMessage`, `stackTrace`), tolerating runtimes
/// that send something else.
fn error_from_body(headers: &HeaderMap, body: &[u8], kind: FunctionErrorKind) -> FunctionError {
    let header_type = headers
        .get("lambda-runtime-function-error-type")
        .and_then(|v| v.to_str().ok());
    let parsed: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let error_type = parsed
        .get("errorType")
        .and_then(Value::as_str)
        .or(header_type)
        .unwrap_or("Unhandled")
        .to_string();
    let error_message = match parsed.get("errorMessage").and_then(Value::as_str) {
        Some(m) => m.to_string(),
        None => String::from_utf8_lossy(body).into_owned(),
    };
    let stack_trace = parsed
        .get("stackTrace")
        .and_then(Value::as_array)
        .map(|lines| {
            lines
                .iter()
                .filter_map(|l| l.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    FunctionError {
        kind,
        error_type,
        error_message,
        stack_trace,
    }
}

fn accepted() -> Response {
    (
        StatusCode::ACCEPTED,
        [(header::CONTENT_TYPE, "application/json")],
        r#"{"status":"OK"}"#,
    )
        .into_response()
}

fn runtime_api_error(status: StatusCode, error_type: &str, message: &str) -> Response {
    let body = serde_json::json!({ "errorType": error_type, "errorMessage": message });
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// `Root=1-<epoch seconds, hex>-<24 hex>;Parent=<16 hex>;Sampled=0`, X-Ray's header format.
fn trace_id() -> String {
    let random = uuid::Uuid::new_v4().simple().to_string();
    let seconds = now_ms() / 1000;
    format!(
        "Root=1-{seconds:08x}-{};Parent={};Sampled=0",
        &random[..24],
        &random[16..32]
    )
}

/// `YYYY/MM/DD`, as Lambda's log stream names start.
fn today() -> String {
    let days = (now_ms() / 86_400_000) as i64;
    // Civil date from days since the epoch (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}/{month:02}/{day:02}")
}
