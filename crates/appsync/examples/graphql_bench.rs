//! GraphQL get-by-id and list throughput and latency over HTTP with API-key auth on SQLite,
//! beside a trivial endpoint of the same stack (axum, same runtime) as the ceiling.
//!
//! `cargo run --release -p ampbase-appsync --example graphql_bench [seconds] [connections...]`

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ampbase_appsync::{ApiKeyCredential, AppSyncState, ExecutableApi, Limits};
use ampbase_data::{DataService, FunctionGrants};
use ampbase_data_compiler::{AuthorizationConfig, CompileInput, compile};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const KEY: &str = "da2-benchkey";

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let secs: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(3);
    let conns: Vec<usize> = if args.len() > 2 { args[2..].iter().filter_map(|s| s.parse().ok()).collect() } else { vec![1, 64] };

    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../conformance/fixtures/01-todo-public-api-key");
    let sdl = std::fs::read_to_string(dir.join("directive.graphql")).unwrap();
    let auth = AuthorizationConfig::api_key_default();
    let compiled = compile(&CompileInput { sdl: vec![sdl], authorization: auth.clone(), function_names: BTreeMap::new() }).unwrap();
    let tmp = std::env::temp_dir().join(format!("ampbase-graphql-bench-{}.db", std::process::id()));
    let store = ampbase_store::Store::open(&tmp).unwrap();
    let service = DataService::new(compiled.model.clone(), auth.clone(), store, FunctionGrants::none()).await.unwrap();
    let api = ExecutableApi::build(&compiled, &auth, Arc::new(service), Some(ApiKeyCredential { key: KEY.into(), expires_at: None }), Limits::default()).unwrap();
    let state = AppSyncState::new(Some(api));

    let app = ampbase_appsync::router(state.clone()).route("/ping", axum::routing::post(|| async { "{\"data\":{}}" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    // Seed: 100 todos.
    let api = state.current().unwrap();
    for i in 0..100 {
        let q = format!("mutation {{ createTodo(input: {{ id: \"todo-{i}\", content: \"item {i}\" }}) {{ id }} }}");
        let r = api.execute(ampbase_appsync::GraphqlRequest { query: q, ..Default::default() }, ampbase_core::Caller::ApiKey).await;
        assert!(r.errors.is_empty(), "{:?}", r.errors);
    }

    let get = serde_json::json!({
        "query": "query ($id: ID!) { getTodo(id: $id) { id content createdAt updatedAt } }",
        "variables": { "id": "todo-7" } })
    .to_string();
    let list = serde_json::json!({
        "query": "query ($filter: ModelTodoFilterInput, $limit: Int, $nextToken: String) { listTodos(filter: $filter, limit: $limit, nextToken: $nextToken) { items { id content createdAt updatedAt } nextToken __typename } }",
        "variables": { "limit": 20 } })
    .to_string();
    let create = serde_json::json!({
        "query": "mutation ($input: CreateTodoInput!) { createTodo(input: $input) { id content createdAt updatedAt } }",
        "variables": { "input": { "content": "bench" } } })
    .to_string();

    // `ONLY=getTodo` (or any endpoint name prefix) runs one endpoint, e.g. under a profiler.
    let only = std::env::var("ONLY").ok();
    println!("{:<22} {:>5} {:>11} {:>9} {:>9}", "endpoint", "conns", "req/s", "p50 ms", "p99 ms");
    for &c in &conns {
        let mut ceiling = 0.0;
        for (name, path, body) in [("trivial (ceiling)", "/ping", "{}".to_string()), ("getTodo", "/graphql", get.clone()), ("listTodos limit 20", "/graphql", list.clone()), ("createTodo", "/graphql", create.clone())] {
            if only.as_deref().is_some_and(|o| !name.starts_with(o)) {
                continue;
            }
            let (rps, p50, p99) = run(addr, path, &body, c, Duration::from_secs(secs)).await;
            if path == "/ping" {
                ceiling = rps;
            }
            let pct = if path == "/ping" { String::new() } else { format!(" ({:.0}% of ceiling)", 100.0 * rps / ceiling) };
            println!("{name:<22} {c:>5} {rps:>11.0} {p50:>9.3} {p99:>9.3}{pct}");
        }
    }
    let _ = std::fs::remove_file(&tmp);
}

async fn run(addr: std::net::SocketAddr, path: &str, body: &str, conns: usize, dur: Duration) -> (f64, f64, f64) {
    let req = format!(
        "POST {path} HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json; charset=UTF-8\r\nx-api-key: {KEY}\r\nx-amz-user-agent: aws-amplify/6.22.1 api/1 framework/100\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    let req = Arc::new(req.into_bytes());
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..conns {
        let req = req.clone();
        tasks.push(tokio::spawn(async move {
            let mut s = TcpStream::connect(addr).await.unwrap();
            s.set_nodelay(true).unwrap();
            let mut lat = Vec::new();
            let mut buf = vec![0u8; 64 * 1024];
            while start.elapsed() < dur {
                let t = Instant::now();
                s.write_all(&req).await.unwrap();
                read_response(&mut s, &mut buf).await;
                lat.push(t.elapsed());
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let elapsed = start.elapsed().as_secs_f64();
    all.sort();
    let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)].as_secs_f64() * 1000.0;
    (all.len() as f64 / elapsed, pct(0.5), pct(0.99))
}

async fn read_response(s: &mut TcpStream, buf: &mut [u8]) {
    let mut n = 0;
    loop {
        let r = s.read(&mut buf[n..]).await.unwrap();
        assert!(r > 0, "connection closed");
        n += r;
        if let Some(end) = buf[..n].windows(4).position(|w| w == b"\r\n\r\n") {
            let head = std::str::from_utf8(&buf[..end]).unwrap().to_ascii_lowercase();
            assert!(head.starts_with("http/1.1 200"), "{head}");
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse().unwrap()))
                .expect("content-length");
            while n < end + 4 + len {
                let r = s.read(&mut buf[n..]).await.unwrap();
                assert!(r > 0);
                n += r;
            }
            return;
        }
    }
}
