//! # ampbase-functions
//!
//! `defineFunction` handlers on Node.js.
//!
//! - [`build_functions`]: each handler and the relative modules it imports, transpiled with
//!   oxc into `.amplify/ampbase/functions/` (the app's layout mirrored, so packages resolve
//!   from the app's `node_modules`), `$amplify/env/<name>` modules, the function's
//!   environment with secrets resolved → [`FunctionSpec`]s.
//! - [`FunctionRuntime`]: warm `node` workers per function, each polling its own Lambda
//!   Runtime API (`/2018-06-01/runtime/...`) on loopback and running ampbase's bootstrap
//!   (or any Lambda runtime client); a concurrency pool per function, timeouts that kill and
//!   replace the worker, crashed workers replaced, logs per invocation to a [`LogSink`],
//!   [`FunctionRuntime::deploy`] replacing changed functions while old workers drain.
//! - Services invoke through [`ampbase_core::functions::FunctionInvoker`].

mod build;
mod logs;
mod worker;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::Duration;

use ampbase_core::functions::{FunctionError, FunctionErrorKind, FunctionInvoker, InvokeFuture};
use axum::body::Bytes;
use serde_json::Value;
use tokio::sync::Semaphore;

pub use build::{
    BuildContext, BuildError, BuildOutput, DEFAULT_MEMORY_MB, DEFAULT_RUNTIME,
    DEFAULT_TIMEOUT_SECONDS, FunctionSpec, OUTPUT_DIR, build_functions,
};
pub use logs::{LogLine, LogSink, LogStream, terminal_sink};

use worker::{Worker, WorkerFailure};

/// ampbase's runtime loop for Node.js, run by every worker.
pub const BOOTSTRAP: &str = include_str!("bootstrap.mjs");
/// Lambda's payload limit for synchronous invocations.
const MAX_REQUEST_BYTES: usize = 6 * 1024 * 1024;

/// How workers run.
#[derive(Clone)]
pub struct RuntimeOptions {
    /// The `node` executable.
    pub node: PathBuf,
    pub region: String,
    /// Workers per function at most; further invocations wait for one to be free.
    pub max_concurrency: usize,
    /// How long a new worker may take to import the handler (Lambda's init phase: 10 s).
    pub init_timeout: Duration,
    pub logs: LogSink,
    /// Where the bootstrap script is written.
    pub runtime_dir: PathBuf,
}

impl RuntimeOptions {
    pub fn new(runtime_dir: PathBuf) -> Self {
        RuntimeOptions {
            node: PathBuf::from("node"),
            region: "us-east-1".to_string(),
            // Node workers are CPU-bound between awaits: more than two per core only adds
            // context switches (measured with bench/run on two cores: 8 → 4 workers gave
            // more invocations per second at 16 and 64 connections).
            max_concurrency: std::thread::available_parallelism().map_or(4, |n| (n.get() * 2).clamp(4, 16)),
            init_timeout: Duration::from_secs(10),
            logs: terminal_sink(),
            runtime_dir,
        }
    }
}

/// The functions being served. Cheap to clone; every clone serves the same functions.
#[derive(Clone)]
pub struct FunctionRuntime {
    inner: Arc<Inner>,
}

struct Inner {
    options: RuntimeOptions,
    bootstrap: PathBuf,
    pools: RwLock<HashMap<String, Arc<Pool>>>,
    /// Where log lines go now ([`FunctionRuntime::set_logs`]); workers read it per line.
    logs: Arc<RwLock<LogSink>>,
    next_worker: AtomicU64,
    node_major: OnceLock<Option<u32>>,
    /// (function, runtime) pairs already warned about: the warning is said once.
    runtime_warnings: Mutex<std::collections::BTreeSet<(String, u32)>>,
}

/// The workers of one deployed function.
struct Pool {
    spec: FunctionSpec,
    idle: Mutex<Vec<Worker>>,
    permits: Arc<Semaphore>,
    /// Replaced by a newer build or removed: busy workers are dropped when they finish.
    retired: AtomicBool,
}

impl Pool {
    fn retire(&self) {
        self.retired.store(true, Ordering::SeqCst);
        self.idle.lock().unwrap().clear();
    }
}

impl FunctionRuntime {
    /// A runtime with no functions; writes the bootstrap script.
    pub fn new(options: RuntimeOptions) -> std::io::Result<FunctionRuntime> {
        std::fs::create_dir_all(&options.runtime_dir)?;
        let bootstrap = options.runtime_dir.join("bootstrap.mjs");
        if std::fs::read_to_string(&bootstrap).ok().as_deref() != Some(BOOTSTRAP) {
            let temporary = bootstrap.with_extension(format!("tmp-{}", std::process::id()));
            std::fs::write(&temporary, BOOTSTRAP)?;
            std::fs::rename(&temporary, &bootstrap)?;
        }
        let logs = options.logs.clone();
        Ok(FunctionRuntime {
            inner: Arc::new(Inner {
                options,
                bootstrap,
                pools: RwLock::new(HashMap::new()),
                logs: Arc::new(RwLock::new(logs)),
                next_worker: AtomicU64::new(1),
                node_major: OnceLock::new(),
                runtime_warnings: Mutex::new(Default::default()),
            }),
        })
    }

    /// Serves exactly `functions` from now on. Unchanged functions keep their warm workers;
    /// changed or removed ones stop taking invocations, their idle workers are stopped and
    /// busy ones finish first. Returns warnings (a `runtime` other than the installed Node.js).
    pub fn deploy(&self, functions: Vec<FunctionSpec>) -> Vec<String> {
        let mut warnings = Vec::new();
        let installed = self.node_major();
        let mut pools = self.inner.pools.write().unwrap();
        let mut previous = std::mem::take(&mut *pools);
        for spec in functions {
            if let Some(major) = installed
                && spec.runtime != major
                && self
                    .inner
                    .runtime_warnings
                    .lock()
                    .unwrap()
                    .insert((spec.name.clone(), spec.runtime))
            {
                warnings.push(format!(
                    "function {}: runtime {} requested, running on the installed Node.js {major}",
                    spec.name, spec.runtime
                ));
            }
            let pool = match previous.remove(&spec.name) {
                Some(pool) if pool.spec == spec => pool,
                old => {
                    if let Some(old) = old {
                        old.retire();
                    }
                    Arc::new(Pool {
                        permits: Arc::new(Semaphore::new(
                            self.inner.options.max_concurrency.max(1),
                        )),
                        spec,
                        idle: Mutex::new(Vec::new()),
                        retired: AtomicBool::new(false),
                    })
                }
            };
            pools.insert(pool.spec.name.clone(), pool);
        }
        for (_, removed) in previous {
            removed.retire();
        }
        warnings
    }

    /// Sends function logs to `sink` from now on (running workers included).
    pub fn set_logs(&self, sink: LogSink) {
        *self.inner.logs.write().unwrap() = sink;
    }

    fn log(&self, line: &LogLine<'_>) {
        let sink = self.inner.logs.read().unwrap().clone();
        sink(line);
    }

    /// Stops every worker.
    pub fn shutdown(&self) {
        let pools = std::mem::take(&mut *self.inner.pools.write().unwrap());
        for pool in pools.values() {
            pool.retire();
        }
    }

    /// The names of the functions being served.
    pub fn functions(&self) -> Vec<String> {
        let mut names: Vec<String> = self.inner.pools.read().unwrap().keys().cloned().collect();
        names.sort();
        names
    }

    /// Workers of `function` alive and idle right now (for tests and diagnostics).
    pub fn idle_workers(&self, function: &str) -> usize {
        self.inner
            .pools
            .read()
            .unwrap()
            .get(function)
            .map_or(0, |p| {
                p.idle
                    .lock()
                    .unwrap()
                    .iter()
                    .filter(|w| !w.has_exited())
                    .count()
            })
    }

    /// Ids of the idle workers of `function`, oldest first (tests check reuse with them).
    pub fn idle_worker_ids(&self, function: &str) -> Vec<u64> {
        self.inner
            .pools
            .read()
            .unwrap()
            .get(function)
            .map_or(Vec::new(), |p| {
                p.idle.lock().unwrap().iter().map(|w| w.id).collect()
            })
    }

    /// A synchronous invocation of `function` with `event`: the handler's result, or
    /// Lambda's error.
    pub async fn invoke(&self, function: &str, event: &Value) -> Result<Value, FunctionError> {
        let pool = self
            .inner
            .pools
            .read()
            .unwrap()
            .get(function)
            .cloned()
            .ok_or_else(|| FunctionError::not_found(function))?;
        let body = serde_json::to_vec(event).map_err(|e| {
            FunctionError::new(
                FunctionErrorKind::Runtime,
                "InvalidRequestContentException",
                e.to_string(),
            )
        })?;
        if body.len() > MAX_REQUEST_BYTES {
            return Err(FunctionError::new(
                FunctionErrorKind::Runtime,
                "RequestTooLargeException",
                format!(
                    "Request must be smaller than {MAX_REQUEST_BYTES} bytes for the InvokeFunction operation"
                ),
            ));
        }
        let _permit = pool
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| FunctionError::not_found(function))?;
        let reused = loop {
            let popped = pool.idle.lock().unwrap().pop();
            match popped {
                Some(worker) if worker.has_exited() => continue,
                other => break other,
            }
        };
        let worker = match reused {
            Some(worker) => worker,
            None => self.spawn(&pool.spec).await?,
        };
        let request_id = uuid::Uuid::new_v4().to_string();
        let outcome = worker
            .invoke(
                request_id.clone(),
                Bytes::from(body),
                self.inner.options.init_timeout,
                pool.spec.timeout,
            )
            .await;
        match outcome {
            Ok(result) => {
                if !pool.retired.load(Ordering::SeqCst) {
                    pool.idle.lock().unwrap().push(worker);
                }
                result
            }
            Err(WorkerFailure::TimedOut(error)) => {
                worker.kill();
                let line = format!(
                    "{} {request_id} {}",
                    timestamp(),
                    error
                        .error_message
                        .trim_start_matches(&format!("RequestId: {request_id} Error: "))
                );
                self.log(&LogLine {
                    function,
                    request_id: Some(&request_id),
                    stream: LogStream::Stderr,
                    line: &line,
                });
                Err(error)
            }
            Err(WorkerFailure::Exited(error)) => Err(error),
        }
    }

    async fn spawn(&self, spec: &FunctionSpec) -> Result<Worker, FunctionError> {
        let id = self.inner.next_worker.fetch_add(1, Ordering::Relaxed);
        let options = &self.inner.options;
        Worker::spawn(
            id,
            spec,
            &options.node,
            &self.inner.bootstrap,
            &options.region,
            {
                let current = self.inner.logs.clone();
                Arc::new(move |line: &LogLine<'_>| {
                    let sink = current.read().unwrap().clone();
                    sink(line)
                })
            },
        )
        .await
    }

    /// The installed Node.js major version, asked once.
    fn node_major(&self) -> Option<u32> {
        *self
            .inner
            .node_major
            .get_or_init(|| node_major(&self.inner.options.node))
    }
}

fn node_major(node: &Path) -> Option<u32> {
    let output = std::process::Command::new(node)
        .arg("--version")
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    text.trim()
        .trim_start_matches('v')
        .split('.')
        .next()?
        .parse()
        .ok()
}

/// `2026-01-02T03:04:05.678Z`, as Lambda stamps its own log lines.
fn timestamp() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let (secs, millis) = (now.as_secs(), now.subsec_millis());
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

impl FunctionInvoker for FunctionRuntime {
    fn invoke(&self, function: &str, event: Value) -> InvokeFuture<'_> {
        let function = function.to_string();
        Box::pin(async move { FunctionRuntime::invoke(self, &function, &event).await })
    }

    fn invoke_event(&self, function: &str, event: Value) -> Result<(), FunctionError> {
        if !self.inner.pools.read().unwrap().contains_key(function) {
            return Err(FunctionError::not_found(function));
        }
        let runtime = self.clone();
        let function = function.to_string();
        tokio::spawn(async move {
            if let Err(error) = runtime.invoke(&function, &event).await {
                let line = format!("{} asynchronous invocation failed: {error}", timestamp());
                runtime.log(&LogLine {
                    function: &function,
                    request_id: None,
                    stream: LogStream::Stderr,
                    line: &line,
                });
            }
        });
        Ok(())
    }
}
