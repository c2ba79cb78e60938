//! Auth benchmark: Cognito sign-in throughput of a real `ampbase sandbox`, side by side with
//! moto's server (`moto[server]`, pinned in `bench/python/requirements.txt`) in the same run,
//! both on loopback, and one table.
//!
//! - SRP sign-ins (InitiateAuth `USER_SRP_AUTH` + RespondToAuthChallenge `PASSWORD_VERIFIER`,
//!   the client's math done per sign-in: `a`, `A`, `u`, `x`, `S`, the HKDF key and the claim
//!   signature, as `amazon-cognito-identity-js` computes them);
//! - `USER_PASSWORD_AUTH`, `REFRESH_TOKEN_AUTH` and `GetUser`.
//!
//! ampbase's users sign up and are confirmed with the code from the sandbox mailbox; moto's are
//! created with `AdminCreateUser` + `AdminSetUserPassword` (moto checks no signatures). moto
//! answers `USER_SRP_AUTH` with a random `SRP_B` and accepts any claim signature, so it has no
//! SRP figure.
//!
//! Usage: `auth-bench --binary target/release/ampbase [--seconds 5] [--connections 32]`
//!
//! The load generator shares the machine's cores with the server it measures, and an SRP
//! sign-in costs the client about as much CPU as the server; the "server CPU" column (from
//! `/proc/<pid>/stat`) is what each operation cost the server alone.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ampbase_auth::srp;
use anyhow::{Context, Result, anyhow, bail};
use base64::Engine;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use num_bigint::BigUint;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

const PASSWORD: &str = "Bench-Passw0rd!";

/// A server under test: its process, port and the pool's ids.
struct Target {
    child: Child,
    port: u16,
    pool_id: String,
    client_id: String,
    users: Vec<String>,
    _dir: Option<tempfile::TempDir>,
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
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

/// One HTTP/1.1 connection speaking Cognito's JSON protocol, kept alive as long as the server
/// allows (moto's server answers HTTP/1.0 and closes after each response: a new connection
/// then carries the next request, as for any client).
struct Connection {
    sender: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    host: hyper::header::HeaderValue,
    port: u16,
    closing: bool,
}

impl Connection {
    async fn open(port: u16) -> Result<Connection> {
        Ok(Connection { sender: Self::handshake(port).await?, host: format!("127.0.0.1:{port}").parse()?, port, closing: false })
    }

    async fn handshake(port: u16) -> Result<hyper::client::conn::http1::SendRequest<Full<Bytes>>> {
        let stream = TcpStream::connect(("127.0.0.1", port)).await?;
        stream.set_nodelay(true)?;
        let (sender, conn) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
        tokio::spawn(conn);
        Ok(sender)
    }

    /// Calls `operation`; a Cognito error (`__type`) is an error here.
    async fn cognito(&mut self, operation: &'static str, body: &Value) -> Result<Value> {
        let request = Request::post("/")
            .header("host", self.host.clone())
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-target", target_header(operation))
            .body(Full::new(Bytes::from(body.to_string())))?;
        let body = self.send(request).await?;
        Ok(serde_json::from_slice(&body)?)
    }

    async fn get(&mut self, path: &str) -> Result<Bytes> {
        let request = Request::get(path).header("host", self.host.clone()).body(Full::new(Bytes::new()))?;
        self.send(request).await
    }

    async fn send(&mut self, request: Request<Full<Bytes>>) -> Result<Bytes> {
        if self.closing {
            self.sender = Self::handshake(self.port).await?;
            self.closing = false;
        }
        self.sender.ready().await?;
        let response = self.sender.send_request(request).await?;
        self.closing = response.version() == hyper::Version::HTTP_10
            || response.headers().get(hyper::header::CONNECTION).is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"close"));
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        if !status.is_success() {
            bail!("HTTP {status}: {}", String::from_utf8_lossy(&body));
        }
        Ok(body)
    }
}

fn target_header(operation: &'static str) -> hyper::header::HeaderValue {
    // A handful of operations: build each header value once.
    static CACHE: std::sync::OnceLock<std::sync::Mutex<Vec<(&'static str, hyper::header::HeaderValue)>>> = std::sync::OnceLock::new();
    let mut cache = CACHE.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, value)) = cache.iter().find(|(op, _)| *op == operation) {
        return value.clone();
    }
    let value = hyper::header::HeaderValue::from_str(&format!("AWSCognitoIdentityProviderService.{operation}")).expect("header");
    cache.push((operation, value.clone()));
    value
}

async fn start_ampbase(binary: &Path, users: usize) -> Result<Target> {
    let dir = tempfile::tempdir()?;
    let app = dir.path().join("todo");
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/todo"), &app)?;
    let port = free_port()?;
    let storage_port = free_port()?;
    let mut child = Command::new(binary)
        .args(["sandbox", "--identifier", "authbench", "--yes", "--port", &port.to_string(), "--storage-port", &storage_port.to_string()])
        .current_dir(&app)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("cannot run {}", binary.display()))?;
    let mut lines = BufReader::new(child.stdout.take().ok_or_else(|| anyhow!("no stdout"))?).lines();
    let ready = tokio::time::timeout(Duration::from_secs(60), async {
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
    // Keep draining its output (it prints every verification code) so it never blocks.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let outputs: Value = serde_json::from_str(&std::fs::read_to_string(app.join("amplify_outputs.json"))?)?;
    // The local form of the outputs (what the sandbox writes by default).
    let field = |name: &str| outputs["Auth"]["Cognito"][name].as_str().map(str::to_string).ok_or_else(|| anyhow!("no Auth.Cognito.{name} in the outputs"));
    let (pool_id, client_id) = (field("userPoolId")?, field("userPoolClientId")?);

    let mut conn = Connection::open(port).await?;
    let mut names = Vec::new();
    for i in 0..users {
        let email = format!("bench{i}@example.com");
        conn.cognito(
            "SignUp",
            &json!({ "ClientId": client_id, "Username": email, "Password": PASSWORD,
                     "UserAttributes": [{ "Name": "email", "Value": email }] }),
        )
        .await?;
        let mailbox: Value = serde_json::from_slice(&conn.get(&format!("/_ampbase/mailbox?to={email}&limit=1")).await?)?;
        let code = mailbox[0]["code"].as_str().ok_or_else(|| anyhow!("no code for {email} in the mailbox: {mailbox}"))?;
        conn.cognito("ConfirmSignUp", &json!({ "ClientId": client_id, "Username": email, "ConfirmationCode": code })).await?;
        names.push(email);
    }
    Ok(Target { child, port, pool_id, client_id, users: names, _dir: Some(dir) })
}

/// moto's server on a free loopback port, from the venv `bench/python/moto.py` maintains.
async fn start_moto(users: usize) -> Result<Target> {
    let helper_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("python");
    let output = Command::new("python3")
        .arg("-c")
        .arg("import sys; sys.path.insert(0, sys.argv[1]); import moto; print(moto.ensure_venv())")
        .arg(&helper_dir)
        .stderr(Stdio::inherit())
        .output()
        .await
        .context("cannot run python3")?;
    if !output.status.success() {
        bail!("could not set up moto's venv");
    }
    let python = PathBuf::from(String::from_utf8(output.stdout)?.trim());
    let moto_server = python.parent().ok_or_else(|| anyhow!("venv python path"))?.join("moto_server");
    let port = free_port()?;
    let child = Command::new(&moto_server)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("cannot run {}", moto_server.display()))?;
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut conn = loop {
        if let Ok(mut conn) = Connection::open(port).await
            && conn.get("/moto-api/").await.is_ok()
        {
            break conn;
        }
        if Instant::now() > deadline {
            bail!("moto_server did not start");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let pool = conn.cognito("CreateUserPool", &json!({ "PoolName": "authbench" })).await?;
    let pool_id = pool["UserPool"]["Id"].as_str().ok_or_else(|| anyhow!("CreateUserPool: {pool}"))?.to_string();
    let client = conn
        .cognito(
            "CreateUserPoolClient",
            &json!({ "UserPoolId": pool_id, "ClientName": "authbench",
                     "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"] }),
        )
        .await?;
    let client_id = client["UserPoolClient"]["ClientId"].as_str().ok_or_else(|| anyhow!("CreateUserPoolClient: {client}"))?.to_string();
    let mut names = Vec::new();
    for i in 0..users {
        let email = format!("bench{i}@example.com");
        conn.cognito(
            "AdminCreateUser",
            &json!({ "UserPoolId": pool_id, "Username": email, "MessageAction": "SUPPRESS",
                     "UserAttributes": [{ "Name": "email", "Value": email }, { "Name": "email_verified", "Value": "true" }] }),
        )
        .await?;
        conn.cognito("AdminSetUserPassword", &json!({ "UserPoolId": pool_id, "Username": email, "Password": PASSWORD, "Permanent": true }))
            .await?;
        names.push(email);
    }
    Ok(Target { child, port, pool_id, client_id, users: names, _dir: None })
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Operation {
    SrpSignIn,
    PasswordSignIn,
    Refresh,
    GetUser,
}

impl Operation {
    fn label(self) -> &'static str {
        match self {
            Operation::SrpSignIn => "SRP sign-in (InitiateAuth + RespondToAuthChallenge)",
            Operation::PasswordSignIn => "USER_PASSWORD_AUTH sign-in",
            Operation::Refresh => "REFRESH_TOKEN_AUTH",
            Operation::GetUser => "GetUser",
        }
    }
}

fn password_auth(client_id: &str, user: &str) -> Value {
    json!({ "ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": { "USERNAME": user, "PASSWORD": PASSWORD } })
}

fn authentication_result(response: &Value) -> Result<&Value> {
    let result = &response["AuthenticationResult"];
    if result["AccessToken"].is_string() {
        Ok(result)
    } else {
        bail!("no tokens in {response}")
    }
}

/// One SRP sign-in as the client does it.
async fn srp_sign_in(conn: &mut Connection, pool_name: &str, client_id: &str, user: &str, password: &str) -> Result<()> {
    let a = BigUint::from_bytes_be(&ampbase_auth::crypto::random_bytes(32));
    let a_pub = ampbase_auth::modpow_g(&a);
    let challenge = conn
        .cognito(
            "InitiateAuth",
            &json!({ "ClientId": client_id, "AuthFlow": "USER_SRP_AUTH",
                     "AuthParameters": { "USERNAME": user, "SRP_A": a_pub.to_str_radix(16) } }),
        )
        .await?;
    let parameters = &challenge["ChallengeParameters"];
    let param = |name: &str| parameters[name].as_str().ok_or_else(|| anyhow!("no {name} in {challenge}"));
    let hex = |name: &str| param(name).and_then(|v| BigUint::parse_bytes(v.as_bytes(), 16).ok_or_else(|| anyhow!("bad {name}")));
    let (salt, b_pub, user_id, secret_block) = (hex("SALT")?, hex("SRP_B")?, param("USER_ID_FOR_SRP")?, param("SECRET_BLOCK")?);
    // The client's side: u, x, S = (B − k·g^x)^(a + u·x), K = HKDF(S, u).
    let u = srp::compute_u(&a_pub, &b_pub);
    let x = srp::compute_x(&salt, pool_name, user_id, password);
    let kgx = (&*srp::K * ampbase_auth::modpow_g(&x)) % &*srp::N;
    let base = ((&b_pub + &*srp::N) - kgx) % &*srp::N;
    let s = ampbase_auth::modpow_n(&base, &(&a + &u * &x));
    let key = srp::hkdf_key(&u, &s);
    let timestamp = srp::format_timestamp(chrono_now());
    let block = ampbase_auth::crypto::decode_b64_any(secret_block).ok_or_else(|| anyhow!("SECRET_BLOCK is not base64"))?;
    let signature = srp::claim_signature(&key, pool_name, user_id, &block, &timestamp);
    let response = conn
        .cognito(
            "RespondToAuthChallenge",
            &json!({ "ClientId": client_id, "ChallengeName": "PASSWORD_VERIFIER", "Session": challenge["Session"],
                     "ChallengeResponses": { "USERNAME": user_id, "PASSWORD_CLAIM_SECRET_BLOCK": secret_block, "TIMESTAMP": timestamp,
                                             "PASSWORD_CLAIM_SIGNATURE": base64::engine::general_purpose::STANDARD.encode(signature) } }),
        )
        .await?;
    authentication_result(&response)?;
    Ok(())
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

struct Measured {
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    server_cpu_us: f64,
    /// CPU time this load generator spent per operation (the SRP client's math is most of it).
    client_cpu_us: f64,
}

/// CPU time (user + system) of process `pid` so far, in microseconds.
fn cpu_time_us(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return f64::NAN };
    let fields: Vec<&str> = stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect()).unwrap_or_default();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(f64::NAN);
    (ticks(11) + ticks(12)) / 100.0 * 1e6
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize] as f64 / 1000.0
}

/// Tokens of every user, from one USER_PASSWORD_AUTH each (for refresh and GetUser).
async fn sign_in_all(target: &Target) -> Result<Vec<(String, String)>> {
    let mut conn = Connection::open(target.port).await?;
    let mut tokens = Vec::new();
    for user in &target.users {
        let response = conn.cognito("InitiateAuth", &password_auth(&target.client_id, user)).await?;
        let result = authentication_result(&response)?;
        let refresh = result["RefreshToken"].as_str().ok_or_else(|| anyhow!("no refresh token"))?.to_string();
        tokens.push((result["AccessToken"].as_str().unwrap_or_default().to_string(), refresh));
    }
    Ok(tokens)
}

async fn run_load(target: &Target, operation: Operation, connections: usize, seconds: f64) -> Result<Measured> {
    let tokens = Arc::new(sign_in_all(target).await?);
    let users = Arc::new(target.users.clone());
    let pool_name: Arc<str> = target.pool_id.split_once('_').map(|(_, name)| name).unwrap_or_default().into();
    let client_id: Arc<str> = target.client_id.as_str().into();
    // Request bodies built beforehand (an SRP sign-in's depend on the server's challenge).
    let bodies: Arc<Vec<Value>> = Arc::new(
        (0..users.len())
            .map(|i| match operation {
                Operation::SrpSignIn => Value::Null,
                Operation::PasswordSignIn => password_auth(&client_id, &users[i]),
                Operation::Refresh => json!({ "ClientId": &*client_id, "AuthFlow": "REFRESH_TOKEN_AUTH",
                                              "AuthParameters": { "REFRESH_TOKEN": tokens[i].1 } }),
                Operation::GetUser => json!({ "AccessToken": tokens[i].0 }),
            })
            .collect(),
    );
    let mut conns = Vec::new();
    for _ in 0..connections {
        conns.push(Connection::open(target.port).await?);
    }
    let pid = target.child.id().unwrap_or(0);
    let cpu_before = cpu_time_us(pid);
    let own_cpu_before = cpu_time_us(std::process::id());
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(seconds);
    let mut tasks = Vec::new();
    for (n, mut conn) in conns.into_iter().enumerate() {
        let (users, bodies, pool_name, client_id) = (users.clone(), bodies.clone(), pool_name.clone(), client_id.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut i = n;
            while Instant::now() < deadline {
                let user = i % users.len();
                let t0 = Instant::now();
                match operation {
                    Operation::SrpSignIn => srp_sign_in(&mut conn, &pool_name, &client_id, &users[user], PASSWORD).await?,
                    Operation::PasswordSignIn | Operation::Refresh => {
                        authentication_result(&conn.cognito("InitiateAuth", &bodies[user]).await?)?;
                    }
                    Operation::GetUser => {
                        let response = conn.cognito("GetUser", &bodies[user]).await?;
                        if !response["Username"].is_string() {
                            bail!("GetUser answered {response}");
                        }
                    }
                }
                latencies.push(t0.elapsed().as_micros() as u64);
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
    let client_cpu_us = (cpu_time_us(std::process::id()) - own_cpu_before) / all.len() as f64;
    all.sort_unstable();
    Ok(Measured {
        per_second: all.len() as f64 / elapsed,
        p50_ms: percentile(&all, 0.5),
        p99_ms: percentile(&all, 0.99),
        server_cpu_us,
        client_cpu_us,
    })
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let usage = "usage: auth-bench --binary PATH [--seconds N] [--connections N]";
    let binary = PathBuf::from(arg("--binary").ok_or_else(|| anyhow!(usage))?);
    let binary = binary.canonicalize().with_context(|| format!("no binary at {}", binary.display()))?;
    let seconds: f64 = arg("--seconds").map_or(Ok(5.0), |s| s.parse())?;
    let connections: usize = arg("--connections").map_or(Ok(32), |s| s.parse())?;
    let users = connections * 2;

    let operations = [Operation::SrpSignIn, Operation::PasswordSignIn, Operation::Refresh, Operation::GetUser];
    let mut ampbase = start_ampbase(&binary, users).await?;
    let mut ours = Vec::new();
    for operation in operations {
        ours.push(run_load(&ampbase, operation, connections, seconds).await.with_context(|| format!("ampbase {operation:?}"))?);
    }
    let _ = ampbase.child.kill().await;

    let mut moto = start_moto(users).await?;
    let mut theirs = Vec::new();
    for operation in operations {
        theirs.push(if operation == Operation::SrpSignIn {
            None
        } else {
            Some(run_load(&moto, operation, connections, seconds).await.with_context(|| format!("moto {operation:?}"))?)
        });
    }
    let _ = moto.child.kill().await;

    println!();
    println!("{connections} connections, {seconds} s per operation, {users} users; load generator on the same machine");
    println!();
    // What the server's CPU per operation allows when it has every core to itself (the load
    // generator here takes its share of the same cores).
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    let capacity = |m: &Measured| cores * 1e6 / m.server_cpu_us;
    println!("| operation | ampbase /s | p50 ms | p99 ms | server CPU µs/op | load generator CPU µs/op | server-bound /s on {cores} cores | moto /s | p50 ms | p99 ms | server CPU µs/op | server-bound /s | ampbase ÷ moto (measured, server-bound) |");
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for ((operation, ours), theirs) in operations.iter().zip(&ours).zip(&theirs) {
        let moto_columns = match theirs {
            Some(m) => format!(
                "{:.0} | {:.2} | {:.2} | {:.0} | {:.0} | {:.1}×, {:.1}×",
                m.per_second,
                m.p50_ms,
                m.p99_ms,
                m.server_cpu_us,
                capacity(m),
                ours.per_second / m.per_second,
                capacity(ours) / capacity(m)
            ),
            None => "n/a (no SRP check) | | | | | ".to_string(),
        };
        println!(
            "| {} | {:.0} | {:.2} | {:.2} | {:.0} | {:.0} | {:.0} | {moto_columns} |",
            operation.label(),
            ours.per_second,
            ours.p50_ms,
            ours.p99_ms,
            ours.server_cpu_us,
            ours.client_cpu_us,
            capacity(ours)
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ampbase_auth::{PoolConfig, SandboxDelivery, UserPool};

    /// The load generator's SRP client against the real Cognito router: the right password
    /// signs in, a wrong one is refused (so the benchmark measures real sign-ins).
    #[tokio::test(flavor = "multi_thread")]
    async fn the_srp_client_signs_in_over_the_wire() {
        let dir = tempfile::tempdir().unwrap();
        let store = ampbase_store::Store::open(dir.path().join("auth.sqlite")).unwrap();
        let pool = Arc::new(
            UserPool::open(PoolConfig::new("us-east-1_BenchPool1", "benchclient"), store.clone(), SandboxDelivery::quiet(store)).await.unwrap(),
        );
        pool.sign_up("benchclient", "srp@example.com", PASSWORD, &[]).await.unwrap();
        pool.admin_confirm_sign_up("us-east-1_BenchPool1", "srp@example.com").await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move { axum::serve(listener, ampbase_auth::router(pool)).await });
        let mut conn = Connection::open(port).await.unwrap();
        srp_sign_in(&mut conn, "BenchPool1", "benchclient", "srp@example.com", PASSWORD).await.unwrap();
        let wrong = srp_sign_in(&mut conn, "BenchPool1", "benchclient", "srp@example.com", "Wrong-Passw0rd!").await.unwrap_err();
        assert!(wrong.to_string().contains("NotAuthorizedException"), "{wrong}");
    }
}
