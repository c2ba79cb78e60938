//! Functions benchmark: a trivial custom query resolved by a function (GraphQL → Lambda
//! Runtime API → Node.js worker → response) against a real `ampbase sandbox` on a copy of
//! examples/functions, over loopback with API-key auth. Prints one table:
//!
//! - `{ __typename }` through the same GraphQL stack (no function): the baseline;
//! - `sayHello` at 1, 16 and 64 connections: req/s, p50, p99; the warm overhead is
//!   sayHello's p50 at one connection minus the baseline's (the handler itself only builds a
//!   string);
//! - a worker's cold start: the first `sayHello` after the handler is edited (new worker:
//!   process start, handler import, first invocation), median of several.
//!
//! Usage: `functions-bench --binary target/release/ampbase [--seconds 5]`

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

const SAY_HELLO: &str = "query SayHello($name: String) { sayHello(name: $name) }";
const TYPENAME: &str = "query Baseline { __typename }";
const COLD_ROUNDS: usize = 5;

struct Sandbox {
    child: Child,
    port: u16,
    api_key: Arc<str>,
    app: PathBuf,
    lines: mpsc::UnboundedReceiver<String>,
    _dir: tempfile::TempDir,
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if name == "node_modules"
            || name == ".amplify"
            || name.to_string_lossy().starts_with("amplify_outputs")
        {
            continue;
        }
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &to.join(&name))?;
        } else {
            std::fs::copy(entry.path(), to.join(&name))?;
        }
    }
    Ok(())
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

async fn start_sandbox(binary: &Path) -> Result<Sandbox> {
    let dir = tempfile::tempdir()?;
    let app = dir.path().join("functions");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/functions"),
        &app,
    )?;
    // The app's other functions import a package; the benchmark only calls sayHello.
    let port = free_port()?;
    let mut child = Command::new(binary)
        .args([
            "sandbox",
            "--identifier",
            "bench",
            "--yes",
            "--port",
            &port.to_string(),
            "--storage-port",
            &free_port()?.to_string(),
        ])
        .current_dir(&app)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("cannot run {}", binary.display()))?;
    let mut output = BufReader::new(child.stdout.take().unwrap()).lines();
    let (tx, lines) = mpsc::unbounded_channel();
    // Keep draining its output so it never blocks on a full pipe.
    tokio::spawn(async move {
        while let Ok(Some(line)) = output.next_line().await {
            let _ = tx.send(line);
        }
    });
    let mut sandbox = Sandbox {
        child,
        port,
        api_key: "".into(),
        app,
        lines,
        _dir: dir,
    };
    sandbox.wait_for_build().await?;
    let outputs: Value = serde_json::from_str(&std::fs::read_to_string(
        sandbox.app.join("amplify_outputs.json"),
    )?)?;
    sandbox.api_key = outputs["API"]["GraphQL"]["apiKey"]
        .as_str()
        .ok_or_else(|| anyhow!("no API key in the outputs"))?
        .into();
    Ok(sandbox)
}

impl Sandbox {
    /// Waits for the next build's status line.
    async fn wait_for_build(&mut self) -> Result<()> {
        tokio::time::timeout(Duration::from_secs(30), async {
            while let Some(line) = self.lines.recv().await {
                if line.contains('✔') {
                    return Ok(());
                }
                if line.contains('✘') {
                    bail!("the sandbox failed to build: {line}");
                }
            }
            bail!("the sandbox exited")
        })
        .await
        .map_err(|_| anyhow!("the sandbox did not finish a build"))?
    }
}

/// One keep-alive HTTP/1.1 connection.
struct Connection {
    sender: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    host: hyper::header::HeaderValue,
    api_key: hyper::header::HeaderValue,
}

impl Connection {
    async fn open(port: u16, api_key: &str) -> Result<Connection> {
        let stream = TcpStream::connect(("127.0.0.1", port)).await?;
        stream.set_nodelay(true)?;
        let (sender, conn) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
        tokio::spawn(conn);
        Ok(Connection {
            sender,
            host: format!("127.0.0.1:{port}").parse()?,
            api_key: api_key.parse()?,
        })
    }

    /// Posts a GraphQL body; fails on HTTP or GraphQL errors.
    async fn graphql(&mut self, body: Bytes) -> Result<Bytes> {
        let request = Request::post("/graphql")
            .header("host", self.host.clone())
            .header("content-type", "application/json")
            .header("x-api-key", self.api_key.clone())
            .body(Full::new(body))?;
        self.sender.ready().await?;
        let response = self.sender.send_request(request).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        if !status.is_success() || body.windows(9).any(|w| w == b"\"errors\":") {
            bail!("HTTP {status}: {}", String::from_utf8_lossy(&body));
        }
        Ok(body)
    }
}

fn gql(query: &str, variables: Value) -> Bytes {
    Bytes::from(json!({ "query": query, "variables": variables }).to_string())
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index] as f64 / 1000.0
}

struct Measured {
    requests_per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
}

async fn run_load(
    sandbox: &Sandbox,
    body: Bytes,
    connections: usize,
    seconds: f64,
) -> Result<Measured> {
    let mut conns = Vec::new();
    for _ in 0..connections {
        conns.push(Connection::open(sandbox.port, &sandbox.api_key).await?);
    }
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(seconds);
    let mut tasks = Vec::new();
    for mut conn in conns {
        let body = body.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let t0 = Instant::now();
                conn.graphql(body.clone()).await?;
                latencies.push(t0.elapsed().as_micros() as u64);
            }
            Ok::<_, anyhow::Error>(latencies)
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await??);
    }
    let elapsed = start.elapsed().as_secs_f64();
    all.sort_unstable();
    Ok(Measured {
        requests_per_second: all.len() as f64 / elapsed,
        p50_ms: percentile(&all, 0.5),
        p99_ms: percentile(&all, 0.99),
    })
}

/// Edits the handler (a new build of the function, so a new worker) and times the first call.
async fn cold_start(sandbox: &mut Sandbox, round: usize) -> Result<f64> {
    let handler = sandbox.app.join("amplify/functions/say-hello/handler.ts");
    let text = std::fs::read_to_string(&handler)?;
    std::fs::write(&handler, format!("{text}// cold start round {round}\n"))?;
    sandbox.wait_for_build().await?;
    let mut conn = Connection::open(sandbox.port, &sandbox.api_key).await?;
    let body = gql(SAY_HELLO, json!({ "name": "cold" }));
    let t0 = Instant::now();
    conn.graphql(body).await?;
    Ok(t0.elapsed().as_secs_f64() * 1000.0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let mut binary = PathBuf::from("target/release/ampbase");
    let mut seconds = 5.0;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--binary" => {
                binary = PathBuf::from(
                    args.next()
                        .ok_or_else(|| anyhow!("--binary needs a path"))?,
                )
            }
            "--seconds" => {
                seconds = args
                    .next()
                    .ok_or_else(|| anyhow!("--seconds needs a number"))?
                    .parse()?
            }
            other => bail!("unknown argument {other}"),
        }
    }
    let binary = std::fs::canonicalize(&binary)
        .with_context(|| format!("no ampbase binary at {}", binary.display()))?;
    let mut sandbox = start_sandbox(&binary).await?;
    // Warm the function (and the document cache) before measuring.
    let hello = gql(SAY_HELLO, json!({ "name": "bench" }));
    let mut conn = Connection::open(sandbox.port, &sandbox.api_key).await?;
    for _ in 0..200 {
        conn.graphql(hello.clone()).await?;
    }
    drop(conn);

    println!("| load | connections | req/s | p50 ms | p99 ms |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    let baseline = run_load(&sandbox, gql(TYPENAME, json!({})), 1, seconds).await?;
    println!(
        "| `{{ __typename }}` (no function) | 1 | {:.0} | {:.3} | {:.3} |",
        baseline.requests_per_second, baseline.p50_ms, baseline.p99_ms
    );
    let mut single = None;
    for connections in [1, 16, 64] {
        let m = run_load(&sandbox, hello.clone(), connections, seconds).await?;
        println!(
            "| `sayHello` (function) | {connections} | {:.0} | {:.3} | {:.3} |",
            m.requests_per_second, m.p50_ms, m.p99_ms
        );
        if connections == 1 {
            single = Some(m);
        }
    }
    let single = single.expect("measured at one connection");
    println!();
    println!(
        "warm invocation overhead (p50 sayHello − p50 baseline, 1 connection): {:.3} ms",
        single.p50_ms - baseline.p50_ms
    );

    let mut colds = Vec::new();
    for round in 0..COLD_ROUNDS {
        colds.push(cold_start(&mut sandbox, round).await?);
    }
    colds.sort_by(f64::total_cmp);
    println!(
        "worker cold start (first call after a redeploy: node start, import, invocation): median {:.1} ms, max {:.1} ms over {COLD_ROUNDS}",
        colds[COLD_ROUNDS / 2],
        colds[COLD_ROUNDS - 1]
    );
    let _ = sandbox.child.kill().await;
    Ok(())
}
