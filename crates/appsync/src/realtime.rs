//! AppSync's real-time protocol at `GET /graphql/realtime` (client-protocol.md §3.4).
//!
//! Subprotocol `graphql-ws`. Connection credentials come base64-encoded in the
//! `header-<base64url>` subprotocol (what aws-amplify v6 sends) or the `header` query
//! parameter (AppSync's documented form). `connection_init` → `connection_ack`
//! (`connectionTimeoutMs`), `ka` keep-alives, `start` (with per-subscription
//! `extensions.authorization`) → `start_ack` then `data`; `error`; `stop` → `complete`.
//! Subscriptions run through the executable schema (`execute_stream`), so mode checks,
//! filters and the domain's authorization apply exactly as over HTTP.

use std::collections::HashMap;
use std::sync::Arc;

use ampbase_core::Caller;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use futures::{FutureExt, StreamExt};
use serde_json::{Value as Json, json};
use tokio::sync::mpsc;
use tokio::task::AbortHandle;

use crate::errors::AppSyncError;
use crate::http::authenticate;
use crate::{AppSyncState, AuthSource, ExecutableApi, GraphqlRequest};

pub(crate) async fn upgrade(
    State(state): State<Arc<AppSyncState>>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let Some(api) = state.current() else {
        return (StatusCode::NOT_FOUND, "This backend defines no data API (defineData).").into_response();
    };
    let encoded = headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .find_map(|p| p.strip_prefix("header-").map(str::to_string))
        .or_else(|| params.get("header").cloned());
    let conn_headers = encoded.as_deref().and_then(decode_headers);
    let limits = api.limits.clone();
    ws.protocols(["graphql-ws"])
        .max_message_size(limits.max_ws_message_bytes)
        .on_upgrade(move |socket| connection(state, socket, conn_headers))
}

/// Base64 (standard or URL-safe, padded or not) JSON object → headers.
fn decode_headers(encoded: &str) -> Option<HeaderMap> {
    let normalized: String =
        encoded.trim_end_matches('=').chars().map(|c| match c { '+' => '-', '/' => '_', c => c }).collect();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(normalized).ok()?;
    let Json::Object(map) = serde_json::from_slice(&bytes).ok()? else { return None };
    Some(json_headers(&map))
}

fn json_headers(map: &serde_json::Map<String, Json>) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (k, v) in map {
        if let (Ok(name), Some(Ok(value))) =
            (HeaderName::from_bytes(k.to_ascii_lowercase().as_bytes()), v.as_str().map(HeaderValue::from_str))
        {
            headers.insert(name, value);
        }
    }
    headers
}

struct Sub {
    task: AbortHandle,
    request: GraphqlRequest,
    caller: Caller,
    api: Arc<ExecutableApi>,
}

fn text(v: Json) -> Message {
    Message::Text(v.to_string().into())
}

fn error_message(id: Option<&str>, error_type: &str, message: &str) -> Message {
    let mut m = json!({ "type": "error", "payload": { "errors": [{ "errorType": error_type, "message": message }] } });
    if let Some(id) = id {
        m["id"] = json!(id);
    }
    text(m)
}

async fn close(socket: &mut WebSocket, code: u16, reason: &str) {
    let _ = socket.send(Message::Close(Some(CloseFrame { code, reason: reason.into() }))).await;
}

async fn connection(state: Arc<AppSyncState>, mut socket: WebSocket, conn_headers: Option<HeaderMap>) {
    let Some(api) = state.current() else {
        close(&mut socket, 1011, "no data API").await;
        return;
    };
    let limits = api.limits.clone();
    let conn_caller = match &conn_headers {
        Some(h) => authenticate(&state, &api, AuthSource::RealtimeConnect, "/graphql/connect", h, b"{}").await,
        None => Err(crate::AuthRejection::new("Valid authorization header not provided.")),
    };
    let conn_caller = match conn_caller {
        Ok(c) => c,
        Err(rejection) => {
            let m = json!({ "type": "connection_error", "payload": { "errors": [{
                "errorType": "UnauthorizedException", "message": rejection.message, "errorCode": 401 }] } });
            let _ = socket.send(text(m)).await;
            close(&mut socket, 1008, "Unauthorized").await;
            return;
        }
    };

    // connection_init, within the init timeout.
    let init = tokio::time::timeout(limits.init_timeout, async {
        while let Some(Ok(msg)) = socket.recv().await {
            match msg {
                Message::Text(t) => {
                    let v: Json = serde_json::from_str(t.as_str()).unwrap_or(Json::Null);
                    if v["type"] == "connection_init" {
                        return true;
                    }
                    let _ = socket.send(error_message(None, "BadRequestException", "Expected connection_init")).await;
                }
                Message::Close(_) => return false,
                _ => {}
            }
        }
        false
    })
    .await;
    if init != Ok(true) {
        close(&mut socket, 1000, "connection_init not received").await;
        return;
    }
    let ack = json!({ "type": "connection_ack", "payload": { "connectionTimeoutMs": limits.connection_timeout.as_millis() as u64 } });
    if socket.send(text(ack)).await.is_err() {
        return;
    }

    let (tx, mut rx) = mpsc::channel::<Message>(1024);
    let mut subs: HashMap<String, Sub> = HashMap::new();
    let mut generation = state.generation.subscribe();
    generation.mark_unchanged();
    let mut ka = tokio::time::interval(limits.keep_alive);

    loop {
        tokio::select! {
            _ = ka.tick() => {
                if socket.send(text(json!({ "type": "ka" }))).await.is_err() { break; }
            }
            out = rx.recv() => {
                let Some(out) = out else { break };
                if socket.send(out).await.is_err() { break; }
            }
            changed = generation.changed() => {
                if changed.is_err() { break; }
                for m in on_swap(&state, &mut subs, &tx) {
                    if socket.send(m).await.is_err() { break; }
                }
            }
            msg = socket.recv() => {
                let msg = match msg {
                    Some(Ok(Message::Text(t))) => t.to_string(),
                    Some(Ok(Message::Binary(b))) => String::from_utf8_lossy(&b).into_owned(),
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => continue,
                };
                let replies = handle_message(&state, &conn_caller, &mut subs, &tx, &msg).await;
                let mut failed = false;
                for m in replies {
                    if socket.send(m).await.is_err() { failed = true; break; }
                }
                if failed { break; }
            }
        }
    }
    for sub in subs.values() {
        sub.task.abort();
    }
}

async fn handle_message(
    state: &AppSyncState,
    conn_caller: &Caller,
    subs: &mut HashMap<String, Sub>,
    tx: &mpsc::Sender<Message>,
    msg: &str,
) -> Vec<Message> {
    let Ok(v) = serde_json::from_str::<Json>(msg) else {
        return vec![error_message(None, "BadRequestException", "The message is not JSON.")];
    };
    let id = v["id"].as_str();
    match v["type"].as_str() {
        Some("connection_init") => vec![],
        Some("ka") | Some("ping") => vec![],
        Some("stop") => {
            let Some(id) = id else { return vec![error_message(None, "BadRequestException", "stop without id")] };
            if let Some(sub) = subs.remove(id) {
                sub.task.abort();
            }
            vec![text(json!({ "type": "complete", "id": id }))]
        }
        Some("start") => {
            let Some(id) = id else { return vec![error_message(None, "BadRequestException", "start without id")] };
            start(state, conn_caller, subs, tx, id, &v["payload"]).await
        }
        _ => vec![error_message(id, "UnsupportedOperation", "Unknown message type.")],
    }
}

async fn start(
    state: &AppSyncState,
    conn_caller: &Caller,
    subs: &mut HashMap<String, Sub>,
    tx: &mpsc::Sender<Message>,
    id: &str,
    payload: &Json,
) -> Vec<Message> {
    let Some(api) = state.current() else {
        return vec![error_message(Some(id), "NotFoundException", "This backend defines no data API.")];
    };
    if subs.contains_key(id) {
        return vec![error_message(Some(id), "DuplicatedOperationError", "Duplicate subscriptionId.")];
    }
    if subs.len() >= api.limits.max_subscriptions_per_connection {
        return vec![error_message(
            Some(id),
            "MaxSubscriptionsReachedError",
            &format!("At most {} subscriptions per connection.", api.limits.max_subscriptions_per_connection),
        )];
    }
    let data = payload["data"].as_str().unwrap_or("");
    let request: GraphqlRequest = match serde_json::from_str(data) {
        Ok(r) => r,
        Err(_) => return vec![error_message(Some(id), "BadRequestException", "payload.data is not a GraphQL request.")],
    };
    let caller = match payload["extensions"]["authorization"].as_object() {
        Some(auth) if !auth.is_empty() => {
            let headers = json_headers(auth);
            match authenticate(state, &api, AuthSource::RealtimeStart, "/graphql", &headers, data.as_bytes()).await {
                Ok(c) => c,
                Err(r) => return vec![error_message(Some(id), "UnauthorizedException", &r.message)],
            }
        }
        _ => conn_caller.clone(),
    };
    match run(&state.docs, &api, id, request.clone(), caller.clone(), tx) {
        Ok((task, first)) => {
            subs.insert(id.to_string(), Sub { task, request, caller, api });
            let mut out = vec![text(json!({ "type": "start_ack", "id": id }))];
            out.extend(first);
            out
        }
        Err(m) => vec![m],
    }
}

/// Starts a subscription: validates it and registers it with the domain (the first poll of
/// the stream), then forwards its events. `Err` is the `error` message to send instead.
fn run(
    docs: &crate::cache::DocCache,
    api: &Arc<ExecutableApi>,
    id: &str,
    request: GraphqlRequest,
    caller: Caller,
    tx: &mpsc::Sender<Message>,
) -> Result<(AbortHandle, Option<Message>), Message> {
    let doc = docs.get_or_parse(&request.query, api.limits.max_nesting).map_err(|e| errors_message(id, &[e]))?.doc.clone();
    let is_subscription = match &doc.operations {
        async_graphql::parser::types::DocumentOperations::Single(op) => {
            op.node.ty == async_graphql::parser::types::OperationType::Subscription
        }
        async_graphql::parser::types::DocumentOperations::Multiple(ops) => match &request.operation_name {
            Some(name) => ops
                .get(name.as_str())
                .is_some_and(|op| op.node.ty == async_graphql::parser::types::OperationType::Subscription),
            None => ops.len() == 1 && ops.values().all(|op| op.node.ty == async_graphql::parser::types::OperationType::Subscription),
        },
    };
    if !is_subscription {
        return Err(error_message(Some(id), "UnsupportedOperation", "Only subscriptions are supported over the real-time endpoint."));
    }
    let mut r = async_graphql::Request::new(request.query).data(caller);
    if let Some(v) = request.variables {
        r = r.variables(v);
    }
    if let Some(op) = request.operation_name {
        r = r.operation_name(op);
    }
    r.set_parsed_query(doc);
    let mut stream = api.schema.execute_stream(r);
    let max = api.limits.max_ws_message_bytes;
    let first = match stream.next().now_or_never() {
        Some(Some(resp)) if !resp.errors.is_empty() && resp.data == async_graphql::Value::Null => {
            return Err(errors_message(id, &resp.errors));
        }
        Some(Some(resp)) => data_message(id, &resp, max),
        Some(None) => return Err(error_message(Some(id), "SubscriptionEnded", "The subscription ended.")),
        None => None,
    };
    let tx = tx.clone();
    let id = id.to_string();
    let task = tokio::spawn(async move {
        while let Some(resp) = stream.next().await {
            if let Some(m) = data_message(&id, &resp, max)
                && tx.send(m).await.is_err()
            {
                return;
            }
        }
        let _ = tx.send(text(json!({ "type": "complete", "id": id }))).await;
    });
    Ok((task.abort_handle(), first))
}

fn errors_message(id: &str, errors: &[async_graphql::ServerError]) -> Message {
    let errors: Vec<AppSyncError> = errors.iter().map(AppSyncError::from_server_error).collect();
    text(json!({ "type": "error", "id": id, "payload": { "errors": errors } }))
}

fn data_message(id: &str, resp: &async_graphql::Response, max: usize) -> Option<Message> {
    let mut data = resp.data.clone();
    crate::errors::fill_error_nulls(&mut data, &resp.errors);
    let mut payload = json!({ "data": data });
    if !resp.errors.is_empty() {
        payload["errors"] = json!(resp.errors.iter().map(AppSyncError::from_server_error).collect::<Vec<_>>());
    }
    let s = json!({ "type": "data", "id": id, "payload": payload }).to_string();
    if s.len() > max {
        tracing::warn!(subscription = id, bytes = s.len(), "subscription event larger than the message limit dropped");
        return None;
    }
    Some(Message::Text(s.into()))
}

/// After a backend swap: subscriptions whose models are unchanged move to the new API; the
/// others end with an `error` and `complete`.
fn on_swap(state: &AppSyncState, subs: &mut HashMap<String, Sub>, tx: &mpsc::Sender<Message>) -> Vec<Message> {
    let new = state.current();
    let mut out = Vec::new();
    let ids: Vec<String> = subs.keys().cloned().collect();
    for id in ids {
        let sub = subs.remove(&id).unwrap();
        if new.as_ref().is_some_and(|n| Arc::ptr_eq(n, &sub.api)) {
            subs.insert(id, sub);
            continue;
        }
        sub.task.abort();
        let unchanged = new.as_ref().filter(|new| unchanged_for(&sub, new));
        let restarted = unchanged.map(|new| run(&state.docs, new, &id, sub.request.clone(), sub.caller.clone(), tx));
        match restarted {
            Some(Ok((task, first))) => {
                out.extend(first);
                subs.insert(id, Sub { task, request: sub.request, caller: sub.caller, api: new.clone().unwrap() });
            }
            _ => {
                out.push(error_message(
                    Some(&id),
                    "SchemaChanged",
                    "The backend was reloaded and this subscription's model changed; subscribe again.",
                ));
                out.push(text(json!({ "type": "complete", "id": id })));
            }
        }
    }
    out
}

/// Whether every model the subscription's root fields listen to is defined the same way in
/// `new`, and those fields still exist.
fn unchanged_for(sub: &Sub, new: &ExecutableApi) -> bool {
    let Ok(doc) = async_graphql::parser::parse_query(&sub.request.query) else { return false };
    let mut fields = Vec::new();
    for (_, op) in doc.operations.iter() {
        for sel in &op.node.selection_set.node.items {
            if let async_graphql::parser::types::Selection::Field(f) = &sel.node {
                fields.push(f.node.name.node.to_string());
            }
        }
    }
    fields.iter().all(|f| {
        let (Some(old_models), Some(new_models)) = (sub.api.subscription_models.get(f), new.subscription_models.get(f)) else {
            return false;
        };
        old_models == new_models
            && old_models.iter().all(|m| sub.api.model.model(m).is_some() && sub.api.model.model(m) == new.model.model(m))
    })
}
