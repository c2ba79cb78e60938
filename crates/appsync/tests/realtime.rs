//! The real-time protocol, frame by frame, with a WebSocket client (tokio-tungstenite).

mod common;

use std::time::Duration;

use base64::Engine;
use common::*;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

fn header_protocol(key: &str, host: &str) -> String {
    let h = json!({ "host": host, "x-amz-date": "20240101T000000Z", "x-api-key": key });
    format!("header-{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(h.to_string()))
}

async fn connect(addr: std::net::SocketAddr, key: &str) -> (Ws, String) {
    let host = addr.to_string();
    let mut req = format!("ws://{host}/graphql/realtime").into_client_request().unwrap();
    req.headers_mut().insert("sec-websocket-protocol", format!("graphql-ws, {}", header_protocol(key, &host)).parse().unwrap());
    let (ws, resp) = tokio_tungstenite::connect_async(req).await.unwrap();
    let proto = resp.headers().get("sec-websocket-protocol").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    (ws, proto)
}

async fn next_json(ws: &mut Ws) -> Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(5), ws.next()).await.expect("a message within 5 s").expect("open").unwrap();
        match msg {
            Message::Text(t) => {
                let v: Value = serde_json::from_str(t.as_str()).unwrap();
                if v["type"] != "ka" {
                    return v;
                }
            }
            Message::Close(_) => return json!({ "type": "closed" }),
            _ => {}
        }
    }
}

async fn send(ws: &mut Ws, v: Value) {
    ws.send(Message::Text(v.to_string().into())).await.unwrap();
}

async fn init(ws: &mut Ws) {
    send(ws, json!({ "type": "connection_init" })).await;
    let ack = next_json(ws).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    assert_eq!(ack["payload"]["connectionTimeoutMs"], 300000);
}

fn start(id: &str, query: &str, variables: Value, host: &str) -> Value {
    json!({ "id": id, "type": "start", "payload": {
        "data": json!({ "query": query, "variables": variables }).to_string(),
        "extensions": { "authorization": { "host": host, "x-amz-date": "20240101T000000Z", "x-api-key": KEY,
            "x-amz-user-agent": "aws-amplify/6.22.1 api/1 framework/100" } } } })
}

#[tokio::test]
async fn subscribe_receive_stop() {
    let st = state("01-todo-public-api-key").await;
    let addr = serve(st.clone()).await;
    let host = addr.to_string();
    let (mut ws, proto) = connect(addr, KEY).await;
    assert_eq!(proto, "graphql-ws");
    init(&mut ws).await;

    let ops = operations("01-todo-public-api-key");
    let (on_create, _) = op(&ops, "models.Todo.onCreate");
    send(&mut ws, start("s1", &on_create, json!({ "filter": { "content": { "beginsWith": "yes" } } }), &host)).await;
    assert_eq!(next_json(&mut ws).await, json!({ "type": "start_ack", "id": "s1" }));

    // Duplicate id.
    send(&mut ws, start("s1", &on_create, json!({}), &host)).await;
    let dup = next_json(&mut ws).await;
    assert_eq!(dup["type"], "error");
    assert_eq!(dup["payload"]["errors"][0]["errorType"], "DuplicatedOperationError");

    // A mutation over HTTP reaches the subscriber; the filter holds back the other.
    let create = "mutation($input: CreateTodoInput!) { createTodo(input: $input) { id content } }";
    ok(&st, create, json!({ "input": { "content": "no thanks" } })).await;
    ok(&st, create, json!({ "input": { "id": "t1", "content": "yes please" } })).await;
    let data = next_json(&mut ws).await;
    assert_eq!(data["type"], "data", "{data}");
    assert_eq!(data["id"], "s1");
    assert_eq!(data["payload"]["data"]["onCreateTodo"]["id"], "t1");
    assert_eq!(data["payload"]["data"]["onCreateTodo"]["content"], "yes please");
    assert!(data["payload"]["data"]["onCreateTodo"]["createdAt"].is_string());

    send(&mut ws, json!({ "type": "stop", "id": "s1" })).await;
    assert_eq!(next_json(&mut ws).await, json!({ "type": "complete", "id": "s1" }));

    // A document that fails validation: error, no start_ack.
    send(&mut ws, start("s2", "subscription { onCreateTodo { id nope } }", json!({}), &host)).await;
    let err = next_json(&mut ws).await;
    assert_eq!(err["type"], "error", "{err}");
    assert_eq!(err["id"], "s2");
    assert!(err["payload"]["errors"][0]["message"].is_string());

    // A start with a wrong key.
    let mut bad = start("s3", &on_create, json!({}), &host);
    bad["payload"]["extensions"]["authorization"]["x-api-key"] = json!("da2-wrong");
    send(&mut ws, bad).await;
    let err = next_json(&mut ws).await;
    assert_eq!(err["payload"]["errors"][0]["errorType"], "UnauthorizedException", "{err}");

    // Unknown message types.
    send(&mut ws, json!({ "type": "bogus", "id": "x" })).await;
    assert_eq!(next_json(&mut ws).await["type"], "error");
}

#[tokio::test]
async fn wrong_key_connection_error() {
    let st = state("01-todo-public-api-key").await;
    let addr = serve(st).await;
    let (mut ws, _) = connect(addr, "da2-wrong").await;
    send(&mut ws, json!({ "type": "connection_init" })).await;
    let e = next_json(&mut ws).await;
    assert_eq!(e["type"], "connection_error", "{e}");
    assert_eq!(e["payload"]["errors"][0]["errorType"], "UnauthorizedException");
    assert_eq!(e["payload"]["errors"][0]["errorCode"], 401);
    assert_eq!(next_json(&mut ws).await["type"], "closed");
}

#[tokio::test]
async fn header_query_parameter() {
    let st = state("01-todo-public-api-key").await;
    let addr = serve(st).await;
    let host = addr.to_string();
    let h = base64::engine::general_purpose::STANDARD.encode(json!({ "host": host, "x-api-key": KEY }).to_string());
    let mut req = format!("ws://{host}/graphql/realtime?header={}&payload=e30=", h.replace('=', "%3D").replace('+', "%2B").replace('/', "%2F"))
        .into_client_request()
        .unwrap();
    req.headers_mut().insert("sec-websocket-protocol", "graphql-ws".parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    init(&mut ws).await;
}

#[tokio::test]
async fn backend_swap_keeps_unchanged_subscriptions() {
    let (compiled, auth) = compile_fixture("01-todo-public-api-key");
    let store = ampbase_store::Store::open_in_memory().unwrap();
    let st = ampbase_appsync::AppSyncState::new(Some(api_for(&compiled, &auth, store.clone()).await));
    let addr = serve(st.clone()).await;
    let host = addr.to_string();
    let (mut ws, _) = connect(addr, KEY).await;
    init(&mut ws).await;
    send(&mut ws, start("keep", "subscription { onCreateTodo { id } }", json!({}), &host)).await;
    assert_eq!(next_json(&mut ws).await["type"], "start_ack");

    // Reload with the same schema: the subscription moves to the new API.
    st.swap(Some(api_for(&compiled, &auth, store.clone()).await));
    tokio::time::sleep(Duration::from_millis(100)).await;
    ok(&st, "mutation { createTodo(input: { id: \"after-swap\" }) { id } }", json!({})).await;
    let data = next_json(&mut ws).await;
    assert_eq!(data["payload"]["data"]["onCreateTodo"]["id"], "after-swap", "{data}");

    // Reload with Todo changed: the subscription ends with an error and complete.
    let sdl = "type Todo @model @auth(rules: [{allow: public}]) { content: String done: Boolean }";
    let changed = compile_sdl(sdl, auth.clone());
    st.swap(Some(api_for(&changed, &auth, store.clone()).await));
    let err = next_json(&mut ws).await;
    assert_eq!(err["type"], "error", "{err}");
    assert_eq!(err["id"], "keep");
    assert_eq!(next_json(&mut ws).await, json!({ "type": "complete", "id": "keep" }));

    // And the new field is served.
    ok(&st, "mutation { createTodo(input: { id: \"new\", done: true }) { id done } }", json!({})).await;
}
