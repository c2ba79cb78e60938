//! GraphQL benchmark: drives a real `ampbase sandbox` over loopback and prints one table.
//!
//! - get-by-id, list (limit 20) and create throughput and p50/p99 latency with API-key auth
//!   on the embedded SQLite store, at 1 and 64 connections, beside a trivial endpoint of the
//!   same server stack (the ceiling); get-by-id again with userPool auth (a signed-in user's
//!   access token in `Authorization`, as the client sends it; `Todo` also allows
//!   `authenticated()` in the bench's copy of the app);
//! - one mutation delivered to 1,000 open subscriptions (p50/p99 from send to receipt);
//! - reload: a saved model change until the new field is served (median);
//! - idle resident memory of the sandbox process.
//!
//! Usage: `graphql-bench --binary target/release/ampbase [--seconds 5] [--only get|list|create]`
//!
//! The last column is the CPU time the sandbox process spent per request (from
//! `/proc/<pid>/stat`): on a shared machine it moves far less than req/s.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use base64::Engine;
use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full};
use hyper::Request;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

struct Sandbox {
    child: Child,
    port: u16,
    api_key: String,
    /// The access token of a signed-in user of the app's user pool.
    access_token: String,
    app: PathBuf,
    _dir: tempfile::TempDir,
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if name == "node_modules" || name == ".amplify" || name.to_string_lossy().starts_with("amplify_outputs") {
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
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

async fn start_sandbox(binary: &Path) -> Result<Sandbox> {
    let dir = tempfile::tempdir()?;
    let app = dir.path().join("todo");
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/todo"), &app)?;
    let resource = app.join("amplify/data/resource.ts");
    let schema = std::fs::read_to_string(&resource)?;
    let with_users = schema.replacen("[allow.publicApiKey()]", "[allow.publicApiKey(), allow.authenticated()]", 1);
    if with_users == schema {
        bail!("the todo example's authorization rule changed: update graphql-bench");
    }
    std::fs::write(&resource, with_users)?;
    let port = free_port()?;
    let mut child = Command::new(binary)
        .args(["sandbox", "--identifier", "bench", "--yes", "--port", &port.to_string()])
        .current_dir(&app)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("cannot run {}", binary.display()))?;
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let ready = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await? {
            if line.contains('✔') {
                return Ok::<_, anyhow::Error>(());
            }
            if line.contains('✘') {
                bail!("the sandbox failed to build: {line}");
            }
        }
        bail!("the sandbox exited")
    })
    .await
    .map_err(|_| anyhow!("the sandbox did not become ready"))?;
    ready?;
    // Keep draining its output so it never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let outputs: Value = serde_json::from_str(&std::fs::read_to_string(app.join("amplify_outputs.json"))?)?;
    let api_key = outputs["API"]["GraphQL"]["apiKey"].as_str().ok_or_else(|| anyhow!("no API key in the outputs"))?.to_string();
    let client_id = outputs["Auth"]["Cognito"]["userPoolClientId"].as_str().ok_or_else(|| anyhow!("no user pool client in the outputs"))?;
    let access_token = sign_up_and_in(port, client_id).await?;
    Ok(Sandbox { child, port, api_key, access_token, app, _dir: dir })
}

/// Signs a user up (the code from the sandbox mailbox) and in; returns the access token.
async fn sign_up_and_in(port: u16, client_id: &str) -> Result<String> {
    let mut conn = Connection::open(port, "-".into()).await?;
    let (email, password) = ("reader@example.com", "Bench-Passw0rd!");
    let call = |target: &str, body: Value| {
        Request::post("/")
            .header("host", format!("127.0.0.1:{port}"))
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-target", format!("AWSCognitoIdentityProviderService.{target}"))
            .body(Full::new(Bytes::from(body.to_string())))
    };
    conn.send(call("SignUp", json!({ "ClientId": client_id, "Username": email, "Password": password, "UserAttributes": [{ "Name": "email", "Value": email }] }))?).await?;
    let mailbox: Value = serde_json::from_slice(&conn.get(&format!("/_ampbase/mailbox?to={email}&limit=1")).await?)?;
    let code = mailbox[0]["code"].as_str().ok_or_else(|| anyhow!("no confirmation code in the mailbox: {mailbox}"))?;
    conn.send(call("ConfirmSignUp", json!({ "ClientId": client_id, "Username": email, "ConfirmationCode": code }))?).await?;
    let signed_in: Value = serde_json::from_slice(
        &conn.send(call("InitiateAuth", json!({ "ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": { "USERNAME": email, "PASSWORD": password } }))?).await?,
    )?;
    Ok(signed_in["AuthenticationResult"]["AccessToken"].as_str().ok_or_else(|| anyhow!("sign-in failed: {signed_in}"))?.to_string())
}

/// One keep-alive HTTP/1.1 connection.
struct Connection {
    sender: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    /// Header values built once: the load generator shares the machine with the server, so
    /// what it spends per request is taken from the server.
    host: hyper::header::HeaderValue,
    api_key: hyper::header::HeaderValue,
    /// Set: requests carry this `Authorization` (userPool mode) instead of the API key.
    authorization: Option<hyper::header::HeaderValue>,
}

impl Connection {
    async fn open(port: u16, api_key: Arc<str>) -> Result<Connection> {
        let stream = TcpStream::connect(("127.0.0.1", port)).await?;
        stream.set_nodelay(true)?;
        let (sender, conn) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
        tokio::spawn(conn);
        Ok(Connection { sender, host: format!("127.0.0.1:{port}").parse()?, api_key: api_key.parse()?, authorization: None })
    }

    async fn graphql(&mut self, body: Bytes) -> Result<Bytes> {
        let request = Request::post("/graphql").header("host", self.host.clone()).header("content-type", "application/json");
        let request = match &self.authorization {
            Some(token) => request.header("authorization", token.clone()),
            None => request.header("x-api-key", self.api_key.clone()),
        };
        let request = request.body(Full::new(body))?;
        self.send(request).await
    }

    async fn get(&mut self, path: &str) -> Result<Bytes> {
        let request = Request::get(path).header("host", self.host.clone()).body(Full::new(Bytes::new()))?;
        self.send(request).await
    }

    async fn send(&mut self, request: Request<Full<Bytes>>) -> Result<Bytes> {
        self.sender.ready().await?;
        let response = self.sender.send_request(request).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        if !status.is_success() {
            bail!("HTTP {status}: {}", String::from_utf8_lossy(&body));
        }
        Ok(body)
    }
}

fn gql(query: &str, variables: Value) -> Bytes {
    Bytes::from(json!({ "query": query, "variables": variables }).to_string())
}

const GET: &str = "query GetTodo($id: ID!) { getTodo(id: $id) { id content createdAt updatedAt owner: __typename } }";
const LIST: &str = "query ListTodos($limit: Int) { listTodos(limit: $limit) { items { id content createdAt updatedAt } nextToken } }";
const CREATE: &str = "mutation CreateTodo($input: CreateTodoInput!) { createTodo(input: $input) { id content createdAt updatedAt } }";

#[derive(Clone, Copy, PartialEq)]
enum Load {
    Ping,
    Get,
    /// Get by id with userPool auth.
    GetAsUser,
    List,
    Create,
}

struct Measured {
    requests_per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    /// CPU time (user + system) the sandbox process spent per request: unlike req/s, barely
    /// moved by whatever else the machine runs.
    server_cpu_us: f64,
}

/// CPU time (user + system) of process `pid` so far, in microseconds.
fn cpu_time_us(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return f64::NAN };
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let fields: Vec<&str> = stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect()).unwrap_or_default();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(f64::NAN);
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let hz = 100.0;
    (ticks(11) + ticks(12)) / hz * 1e6
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index] as f64 / 1000.0
}

async fn run_load(sandbox: &Sandbox, load: Load, connections: usize, seconds: f64, ids: Arc<Vec<String>>) -> Result<Measured> {
    let api_key: Arc<str> = sandbox.api_key.clone().into();
    let mut conns = Vec::new();
    for _ in 0..connections {
        let mut conn = Connection::open(sandbox.port, api_key.clone()).await?;
        if load == Load::GetAsUser {
            conn.authorization = Some(sandbox.access_token.parse()?);
        }
        conns.push(conn);
    }
    let pid = sandbox.child.id().unwrap_or(0);
    let cpu_before = cpu_time_us(pid);
    // Request bodies built beforehand, as a load generator does (creates stay distinct).
    let gets: Arc<Vec<Bytes>> = Arc::new(if matches!(load, Load::Get | Load::GetAsUser) { ids.iter().map(|id| gql(GET, json!({ "id": id }))).collect() } else { Vec::new() });
    let list = gql(LIST, json!({ "limit": 20 }));
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(seconds);
    let mut tasks = Vec::new();
    for (n, mut conn) in conns.into_iter().enumerate() {
        let gets = gets.clone();
        let list = list.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut i = n;
            while Instant::now() < deadline {
                let t0 = Instant::now();
                let body = match load {
                    Load::Ping => conn.get("/_ampbase/health").await?,
                    Load::Get | Load::GetAsUser => conn.graphql(gets[i % gets.len()].clone()).await?,
                    Load::List => conn.graphql(list.clone()).await?,
                    Load::Create => conn.graphql(gql(CREATE, json!({ "input": { "content": format!("bench {n}-{i}") } }))).await?,
                };
                latencies.push(t0.elapsed().as_micros() as u64);
                if load != Load::Ping && body.windows(9).any(|w| w == b"\"errors\":") {
                    bail!("GraphQL error: {}", String::from_utf8_lossy(&body));
                }
                i += connections;
            }
            Ok::<_, anyhow::Error>(latencies)
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await??);
    }
    let elapsed = start.elapsed().as_secs_f64();
    let server_cpu_us = (cpu_time_us(pid) - cpu_before) / all.len() as f64;
    all.sort_unstable();
    Ok(Measured {
        requests_per_second: all.len() as f64 / elapsed,
        p50_ms: percentile(&all, 0.5),
        p99_ms: percentile(&all, 0.99),
        server_cpu_us,
    })
}

/// Opens `sockets` real-time connections with `per_socket` subscriptions each; returns the
/// p50/p99 delivery latency of `rounds` mutations, from send to receipt, over all subscribers.
async fn subscription_fan_out(sandbox: &Sandbox, sockets: usize, per_socket: usize, rounds: usize) -> Result<(f64, f64)> {
    let host = format!("127.0.0.1:{}", sandbox.port);
    let auth = json!({ "host": host, "x-api-key": sandbox.api_key });
    let header = base64::engine::general_purpose::STANDARD.encode(auth.to_string());
    let url = format!("ws://{host}/graphql/realtime?header={header}&payload=e30=");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Instant>();
    let mut ready = Vec::new();
    for s in 0..sockets {
        let mut request = url.as_str().into_client_request()?;
        request.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-ws".parse()?);
        let (mut ws, _) = tokio_tungstenite::connect_async(request).await?;
        ws.send(Message::text(json!({ "type": "connection_init" }).to_string())).await?;
        loop {
            let msg = ws.next().await.ok_or_else(|| anyhow!("socket closed"))??;
            if msg.to_text().unwrap_or("").contains("connection_ack") {
                break;
            }
        }
        for n in 0..per_socket {
            let data = json!({ "query": "subscription OnCreateTodo { onCreateTodo { id content } }", "variables": {} }).to_string();
            let start = json!({ "id": format!("{s}-{n}"), "type": "start", "payload": { "data": data, "extensions": { "authorization": auth } } });
            ws.send(Message::text(start.to_string())).await?;
        }
        let mut acked = 0;
        while acked < per_socket {
            let msg = ws.next().await.ok_or_else(|| anyhow!("socket closed"))??;
            let text = msg.to_text().unwrap_or("");
            if text.contains("start_ack") {
                acked += 1;
            } else if text.contains("\"error\"") {
                bail!("subscription refused: {text}");
            }
        }
        let tx = tx.clone();
        let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
        ready.push(done_tx);
        tokio::spawn(async move {
            let mut done_rx = done_rx;
            loop {
                tokio::select! {
                    _ = &mut done_rx => break,
                    msg = ws.next() => match msg {
                        Some(Ok(m)) if m.to_text().unwrap_or("").contains("\"type\":\"data\"") => { let _ = tx.send(Instant::now()); }
                        Some(Ok(_)) => {}
                        _ => break,
                    },
                }
            }
        });
    }
    let mut conn = Connection::open(sandbox.port, sandbox.api_key.clone().into()).await?;
    let mut latencies = Vec::new();
    for round in 0..rounds {
        let t0 = Instant::now();
        conn.graphql(gql(CREATE, json!({ "input": { "content": format!("fan-out {round}") } }))).await?;
        for _ in 0..sockets * per_socket {
            let at = tokio::time::timeout(Duration::from_secs(10), rx.recv()).await.map_err(|_| anyhow!("events missing"))?.unwrap();
            latencies.push(at.duration_since(t0).as_micros() as u64);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(ready);
    latencies.sort_unstable();
    Ok((percentile(&latencies, 0.5), percentile(&latencies, 0.99)))
}

/// Saves a change to the Todo model; returns the time until the new field is served.
async fn reload_once(sandbox: &Sandbox, round: usize) -> Result<f64> {
    let resource = sandbox.app.join("amplify/data/resource.ts");
    let original = std::fs::read_to_string(&resource)?;
    let field = format!("benchField{round}");
    let edited = original.replacen("content: a.string(),", &format!("content: a.string(),\n      {field}: a.string(),"), 1);
    let mut conn = Connection::open(sandbox.port, sandbox.api_key.clone().into()).await?;
    let probe = gql("{ __type(name: \"Todo\") { fields { name } } }", json!({}));
    let t0 = Instant::now();
    std::fs::write(&resource, edited)?;
    loop {
        // A new connection after a swap is not needed: the listener keeps serving.
        let body = conn.graphql(probe.clone()).await?;
        if String::from_utf8_lossy(&body).contains(&field) {
            break;
        }
        if t0.elapsed() > Duration::from_secs(10) {
            bail!("the reload never served {field}");
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let took = t0.elapsed().as_secs_f64() * 1000.0;
    std::fs::write(&resource, original)?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    Ok(took)
}

fn rss_mb(pid: u32) -> Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| anyhow!("no VmRSS"))?;
    Ok(kb / 1024.0)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let binary = PathBuf::from(arg("--binary").ok_or_else(|| anyhow!("usage: graphql-bench --binary PATH [--seconds N] [--only get|list|create]"))?);
    let binary = binary.canonicalize().with_context(|| format!("no binary at {}", binary.display()))?;
    let seconds: f64 = arg("--seconds").map_or(Ok(5.0), |s| s.parse())?;
    // `--only get` (a prefix of the measurement's name): that load and the ceiling, without
    // the subscription and reload measurements, for quick comparisons.
    let only = arg("--only");

    let mut sandbox = start_sandbox(&binary).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle_rss = rss_mb(sandbox.child.id().unwrap_or(0))?;

    // Records to read.
    let mut conn = Connection::open(sandbox.port, sandbox.api_key.clone().into()).await?;
    let mut ids = Vec::new();
    for i in 0..1000 {
        let body = conn.graphql(gql(CREATE, json!({ "input": { "content": format!("seed {i}") } }))).await?;
        let v: Value = serde_json::from_slice(&body)?;
        ids.push(v["data"]["createTodo"]["id"].as_str().ok_or_else(|| anyhow!("create failed: {v}"))?.to_string());
    }
    let ids = Arc::new(ids);

    let mut rows = Vec::new();
    for (name, load) in [("trivial endpoint (ceiling)", Load::Ping), ("get by id", Load::Get), ("get by id, userPool auth", Load::GetAsUser), ("list, limit 20", Load::List), ("create", Load::Create)] {
        if load != Load::Ping && only.as_deref().is_some_and(|o| !name.starts_with(o)) {
            continue;
        }
        for connections in [1, 64] {
            let m = run_load(&sandbox, load, connections, seconds, ids.clone()).await?;
            rows.push((name, connections, m));
        }
    }
    let (fan_p50, fan_p99) = if only.is_none() { subscription_fan_out(&sandbox, 10, 100, 5).await? } else { (f64::NAN, f64::NAN) };
    let mut reloads = Vec::new();
    for round in 0..if only.is_none() { 5 } else { 0 } {
        reloads.push(reload_once(&sandbox, round).await?);
    }
    reloads.sort_by(f64::total_cmp);
    reloads.push(f64::NAN);
    let _ = sandbox.child.kill().await;

    let ceiling = |c: usize| rows.iter().find(|(_, n, m)| *n == c && m.requests_per_second > 0.0).map(|(_, _, m)| m.requests_per_second).unwrap_or(f64::NAN);
    println!();
    println!("| measurement | connections | req/s | % of ceiling | p50 ms | p99 ms | server CPU µs/req |");
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    for (name, connections, m) in &rows {
        println!(
            "| {name} | {connections} | {:.0} | {:.0}% | {:.3} | {:.3} | {:.1} |",
            m.requests_per_second,
            100.0 * m.requests_per_second / ceiling(*connections),
            m.p50_ms,
            m.p99_ms,
            m.server_cpu_us
        );
    }
    println!("| one mutation → 1,000 subscriptions (5 rounds) | 10 sockets | | | {fan_p50:.1} | {fan_p99:.1} | |");
    println!("| reload: save → new field served (5 runs, median) | | | | {:.1} | | |", reloads[(reloads.len() - 1) / 2]);
    println!("| idle RSS of the sandbox | | | | {idle_rss:.1} MB | | |");
    Ok(())
}
