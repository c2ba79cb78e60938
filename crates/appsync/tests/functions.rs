//! Custom operations resolved by `a.handler.function(fn)`, through real Node.js workers of
//! ampbase-functions: AppSync's Lambda event, the handler's value typed by the schema,
//! `.async()`, and Lambda errors as AppSync reports them.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use ampbase_appsync::AppSyncState;
use ampbase_core::{Caller, UserIdentity};
use ampbase_functions::{FunctionRuntime, FunctionSpec, RuntimeOptions};
use common::*;
use serde_json::{Value, json};

const ECHO: &str = "export const handler = async (event) => {\n\
  if (event.arguments.content === 'throw') throw new RangeError('content out of range');\n\
  return { content: JSON.stringify(event), executionDuration: 1.5 };\n\
};\n";
const REPORT: &str =
    "export const handler = async (event) => { console.log('report', event.arguments.month); };\n";

fn spec(root: &std::path::Path, name: &str, code: &str) -> FunctionSpec {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.mjs"), code).unwrap();
    FunctionSpec {
        name: name.into(),
        task_root: dir,
        handler: "index.handler".into(),
        environment: BTreeMap::new(),
        timeout: Duration::from_secs(3),
        memory_mb: 128,
        runtime: 20,
        fingerprint: 1,
    }
}

async fn setup(root: &std::path::Path) -> (Arc<AppSyncState>, FunctionRuntime) {
    let state = state("04-custom-operations").await;
    let runtime = FunctionRuntime::new(RuntimeOptions::new(root.join("runtime"))).unwrap();
    runtime.deploy(vec![
        spec(root, "echo-handler", ECHO),
        spec(root, "report-handler", REPORT),
    ]);
    state
        .current()
        .unwrap()
        .set_function_invoker(Arc::new(runtime.clone()));
    (state, runtime)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_function_query_gets_appsyncs_lambda_event_and_its_value_is_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let (state, runtime) = setup(dir.path()).await;
    let query =
        "query Echo($c: String!) { echo(content: $c, repeat: 2) { content executionDuration } }";
    let answer = post_raw(
        &state,
        json!({ "query": query, "variables": { "c": "hi" } }).to_string(),
        &[("x-api-key", KEY), ("x-custom", "yes")],
    )
    .await;
    assert_eq!(
        answer.body["data"]["echo"]["executionDuration"], 1.5,
        "{}",
        answer.text
    );
    let event: Value =
        serde_json::from_str(answer.body["data"]["echo"]["content"].as_str().unwrap()).unwrap();
    assert_eq!(event["arguments"], json!({ "content": "hi", "repeat": 2 }));
    assert_eq!(
        event["identity"],
        Value::Null,
        "API key callers have no identity"
    );
    assert_eq!(event["typeName"], "Query");
    assert_eq!(event["fieldName"], "echo");
    assert_eq!(event["info"]["parentTypeName"], "Query");
    assert_eq!(event["info"]["variables"], json!({ "c": "hi" }));
    assert_eq!(
        event["info"]["selectionSetList"],
        json!(["content", "executionDuration"])
    );
    assert_eq!(
        event["info"]["selectionSetGraphQL"],
        "{\n  content\n  executionDuration\n}"
    );
    assert_eq!(event["request"]["headers"]["x-custom"], "yes");
    assert_eq!(event["source"], Value::Null);
    assert_eq!(event["prev"], Value::Null);

    // A user-pool caller: Cognito's identity shape.
    let user = UserIdentity {
        sub: "sub-1".into(),
        username: "ada".into(),
        groups: vec!["EDITORS".into()],
        claims: serde_json::from_value(json!({ "sub": "sub-1", "iss": "http://localhost/pool", "cognito:groups": ["EDITORS"] })).unwrap(),
    };
    let api = state.current().unwrap();
    let response = api
        .execute(
            ampbase_appsync::GraphqlRequest {
                query: "{ echo(content: \"u\") { content } }".into(),
                ..Default::default()
            },
            Caller::UserPool(user),
        )
        .await;
    let body: Value =
        serde_json::from_slice(&ampbase_appsync::errors::response_body(&response)).unwrap();
    let event: Value =
        serde_json::from_str(body["data"]["echo"]["content"].as_str().unwrap()).unwrap();
    let identity = &event["identity"];
    assert_eq!(
        (identity["sub"].as_str(), identity["username"].as_str()),
        (Some("sub-1"), Some("ada")),
        "{identity}"
    );
    assert_eq!(identity["groups"], json!(["EDITORS"]));
    assert_eq!(identity["issuer"], "http://localhost/pool");
    assert_eq!(identity["claims"]["cognito:groups"], json!(["EDITORS"]));
    runtime.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throwing_handler_is_lambda_unhandled_and_async_answers_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let (state, runtime) = setup(dir.path()).await;
    let answer = post_raw(
        &state,
        json!({ "query": "{ echo(content: \"throw\") { content } }" }).to_string(),
        &[("x-api-key", KEY)],
    )
    .await;
    assert_eq!(answer.body["data"]["echo"], Value::Null, "{}", answer.text);
    let error = &answer.body["errors"][0];
    assert_eq!(error["errorType"], "Lambda:Unhandled");
    assert_eq!(error["message"], "content out of range");
    assert_eq!(error["path"], json!(["echo"]));

    let api = state.current().unwrap();
    let user = UserIdentity {
        sub: "s".into(),
        username: "u".into(),
        groups: vec![],
        claims: Default::default(),
    };
    let response = api
        .execute(
            ampbase_appsync::GraphqlRequest {
                query: "mutation { generateReport(month: \"2026-01\") { success } }".into(),
                ..Default::default()
            },
            Caller::UserPool(user),
        )
        .await;
    let body: Value =
        serde_json::from_slice(&ampbase_appsync::errors::response_body(&response)).unwrap();
    assert_eq!(
        body["data"]["generateReport"],
        json!({ "success": true }),
        "{body}"
    );
    runtime.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn function_handlers_in_a_pipeline_each_see_the_previous_result() {
    let dir = tempfile::tempdir().unwrap();
    let auth = ampbase_data_compiler::AuthorizationConfig::from_define_data_json(
        &json!({ "defaultAuthorizationMode": "apiKey", "apiKeyAuthorizationMode": { "expiresInDays": 7 } }),
        false,
    )
    .unwrap();
    let compiled = compile_sdl(
        "type Query { double(n: Int!): Int @function(name: \"first\") @function(name: \"second\") @aws_api_key }",
        auth.clone(),
    );
    let state = AppSyncState::new(Some(api_for(&compiled, &auth, ampbase_store::Store::open_in_memory().unwrap()).await));
    let runtime = FunctionRuntime::new(RuntimeOptions::new(dir.path().join("runtime"))).unwrap();
    runtime.deploy(vec![
        spec(dir.path(), "first", "export const handler = async (e) => ({ seen: e.prev, n: e.arguments.n * 2 });\n"),
        spec(
            dir.path(),
            "second",
            "export const handler = async (e) => e.prev.result.seen === null ? e.prev.result.n + 1 : -1;\n",
        ),
    ]);
    state.current().unwrap().set_function_invoker(Arc::new(runtime.clone()));
    let answer = post_raw(&state, json!({ "query": "{ double(n: 20) }" }).to_string(), &[("x-api-key", KEY)]).await;
    assert_eq!(answer.body, json!({ "data": { "double": 41 } }), "{}", answer.text);
    runtime.shutdown();
}
