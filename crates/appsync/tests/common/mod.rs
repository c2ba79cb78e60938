#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ampbase_appsync::{ApiKeyCredential, AppSyncState, ExecutableApi, Limits};
use ampbase_data::{DataService, FunctionGrants};
use ampbase_data_compiler::{AuthorizationConfig, CompileInput, CompiledData, compile};
use ampbase_store::Store;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use tower::ServiceExt;

pub const KEY: &str = "da2-testkey000000000000000000";

pub fn fixture_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../conformance/fixtures").join(name)
}

pub fn compile_fixture(name: &str) -> (CompiledData, AuthorizationConfig) {
    let dir = fixture_dir(name);
    let sdl = std::fs::read_to_string(dir.join("directive.graphql")).unwrap();
    let inputs: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("inputs.json")).unwrap()).unwrap();
    let auth = AuthorizationConfig::from_define_data_json(&inputs["authorizationModes"], inputs["withAuth"].as_bool().unwrap_or(false)).unwrap();
    let function_names: BTreeMap<String, String> = serde_json::from_value(inputs["functionNames"].clone()).unwrap_or_default();
    let compiled = compile(&CompileInput { sdl: vec![sdl], authorization: auth.clone(), function_names }).unwrap();
    (compiled, auth)
}

pub fn compile_sdl(sdl: &str, auth: AuthorizationConfig) -> CompiledData {
    compile(&CompileInput { sdl: vec![sdl.to_string()], authorization: auth, function_names: BTreeMap::new() }).unwrap()
}

pub async fn api_for(compiled: &CompiledData, auth: &AuthorizationConfig, store: Store) -> ExecutableApi {
    let service = DataService::new(compiled.model.clone(), auth.clone(), store, FunctionGrants::none()).await.unwrap();
    ExecutableApi::build(compiled, auth, Arc::new(service), Some(ApiKeyCredential { key: KEY.into(), expires_at: None }), Limits::default())
        .unwrap()
}

pub async fn state(name: &str) -> Arc<AppSyncState> {
    let (compiled, auth) = compile_fixture(name);
    AppSyncState::new(Some(api_for(&compiled, &auth, Store::open_in_memory().unwrap()).await))
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Value,
    pub text: String,
}

/// POSTs a raw body to `/graphql` through the router.
pub async fn post_raw(state: &Arc<AppSyncState>, body: impl Into<Body>, headers: &[(&str, &str)]) -> Answer {
    let mut req = Request::post("/graphql").header("content-type", "application/json; charset=UTF-8");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = ampbase_appsync::router(state.clone()).oneshot(req.body(body.into()).unwrap()).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Answer { status, headers, body, text }
}

/// A GraphQL request with the API key, as the client sends it.
pub async fn gql(state: &Arc<AppSyncState>, query: &str, variables: Value) -> Answer {
    let body = json!({ "query": query, "variables": variables }).to_string();
    post_raw(state, body, &[("x-api-key", KEY), ("x-amz-user-agent", "aws-amplify/6.22.1 api/1 framework/100")]).await
}

/// A request that must succeed: returns `data`.
pub async fn ok(state: &Arc<AppSyncState>, query: &str, variables: Value) -> Value {
    let a = gql(state, query, variables).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert!(a.body.get("errors").is_none(), "{query}: {}", a.text);
    a.body["data"].clone()
}

/// The client-operations of a fixture by `call`.
pub fn operations(name: &str) -> Vec<(String, String, Value)> {
    let ops: Value = serde_json::from_str(&std::fs::read_to_string(fixture_dir(name).join("client-operations.json")).unwrap()).unwrap();
    ops.as_array()
        .unwrap()
        .iter()
        .map(|o| (o["call"].as_str().unwrap().to_string(), o["query"].as_str().unwrap().to_string(), o["variables"].clone()))
        .collect()
}

pub fn op(ops: &[(String, String, Value)], call: &str) -> (String, Value) {
    let (_, q, v) = ops.iter().find(|(c, _, _)| c == call).unwrap_or_else(|| panic!("no operation {call}"));
    (q.clone(), v.clone())
}

/// Serves the router on a local port.
pub async fn serve(state: Arc<AppSyncState>) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, ampbase_appsync::router(state)).await.unwrap();
    });
    addr
}
