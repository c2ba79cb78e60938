//! `POST /graphql` as AppSync answers it, and the router.

use std::sync::Arc;

use ampbase_core::Caller;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::errors::{http_error_body, request_error_body, response_body};
use crate::{AppSyncState, AuthRejection, AuthRequest, AuthSource, ExecutableApi, GraphqlRequest};

pub(crate) const EXPOSE_HEADERS: &str =
    "x-amzn-RequestId,x-amzn-ErrorType,x-amz-user-agent,x-amzn-ErrorMessage,Date,x-amz-schema-version";
const ALLOW_HEADERS: &str = "content-type,x-amz-date,authorization,x-api-key,x-amz-security-token,x-amz-user-agent,x-amz-content-sha256";

/// The GraphQL routes: `POST /graphql` (and its CORS preflight), `GET /graphql/realtime`.
pub fn router(state: Arc<AppSyncState>) -> Router {
    Router::new()
        .route("/graphql", post(graphql).options(preflight).get(graphql_get))
        .route("/graphql/realtime", get(crate::realtime::upgrade).options(preflight))
        .with_state(state)
}

fn cors(headers: &mut HeaderMap) {
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static(EXPOSE_HEADERS));
}

fn json_response(status: StatusCode, body: Vec<u8>, error_type: Option<&'static str>) -> Response {
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=UTF-8"));
    cors(h);
    if let Some(t) = error_type {
        h.insert("x-amzn-ErrorType", HeaderValue::from_static(t));
    }
    resp
}

pub(crate) fn unauthorized(rejection: &AuthRejection) -> Response {
    json_response(
        StatusCode::UNAUTHORIZED,
        http_error_body("UnauthorizedException", &rejection.message),
        Some("UnauthorizedException"),
    )
}

fn malformed(message: &str) -> Response {
    json_response(
        StatusCode::BAD_REQUEST,
        http_error_body("MalformedHttpRequestException", message),
        Some("MalformedHttpRequestException"),
    )
}

async fn preflight(headers: HeaderMap) -> Response {
    let mut resp = StatusCode::OK.into_response();
    let h = resp.headers_mut();
    cors(h);
    h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET,POST,OPTIONS"));
    // Echo what the browser asks for (custom headers from `API.GraphQL.headers()` too).
    let allow = headers
        .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
        .cloned()
        .unwrap_or_else(|| HeaderValue::from_static(ALLOW_HEADERS));
    h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, allow);
    h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("86400"));
    resp
}

async fn graphql_get() -> Response {
    malformed("GraphQL requests are POSTed to this endpoint.")
}

/// Authenticates a request: `x-api-key` against the sandbox's key, anything else through the
/// installed [`crate::Authenticator`].
pub(crate) async fn authenticate(
    state: &AppSyncState,
    api: &ExecutableApi,
    source: AuthSource,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Caller, AuthRejection> {
    if let Some(key) = headers.get("x-api-key") {
        return api.check_api_key(key.to_str().unwrap_or(""));
    }
    if headers.contains_key(header::AUTHORIZATION) {
        let Some(authenticator) = state.authenticator() else {
            return Err(AuthRejection::new("You are not authorized to make this call."));
        };
        let caller = authenticator
            .authenticate(AuthRequest {
                source,
                method: "POST",
                path,
                query: "",
                headers,
                body,
                authorization: &api.authorization,
            })
            .await?;
        if api.configured_modes & crate::authz::bit(caller.mode()) == 0 {
            return Err(AuthRejection::new("You are not authorized to make this call."));
        }
        return Ok(caller);
    }
    Err(AuthRejection::new("Valid authorization header not provided."))
}

async fn graphql(State(state): State<Arc<AppSyncState>>, request: Request) -> Response {
    let Some(api) = state.current() else {
        return json_response(
            StatusCode::NOT_FOUND,
            http_error_body("NotFoundException", "This backend defines no data API (defineData)."),
            Some("NotFoundException"),
        );
    };
    let (parts, body) = request.into_parts();
    let limit = api.limits.max_body_bytes;
    if parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|n| n > limit)
    {
        drain(body).await;
        return too_large(limit);
    }
    let mut stream = body.into_data_stream();
    // A body in one chunk (the usual case) is used as it is; more are joined.
    let mut first: Option<Bytes> = None;
    let mut joined: Option<bytes::BytesMut> = None;
    let mut len = 0usize;
    while let Some(chunk) = futures::StreamExt::next(&mut stream).await {
        let Ok(chunk) = chunk else { return too_large(limit) };
        if len + chunk.len() > limit {
            drain_stream(stream).await;
            return too_large(limit);
        }
        len += chunk.len();
        match (&mut joined, first.take()) {
            (Some(buffer), _) => buffer.extend_from_slice(&chunk),
            (None, None) => first = Some(chunk),
            (None, Some(previous)) => {
                let mut buffer = bytes::BytesMut::with_capacity(len);
                buffer.extend_from_slice(&previous);
                buffer.extend_from_slice(&chunk);
                joined = Some(buffer);
            }
        }
    }
    let bytes: Bytes = joined.map(bytes::BytesMut::freeze).or(first).unwrap_or_default();

    let caller = match authenticate(&state, &api, AuthSource::Http, parts.uri.path(), &parts.headers, &bytes).await {
        Ok(c) => c,
        Err(rejection) => return unauthorized(&rejection),
    };

    let is_graphql = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("application/graphql"));
    let gql = if is_graphql {
        match std::str::from_utf8(&bytes) {
            Ok(q) if !q.trim().is_empty() => GraphqlRequest { query: q.to_string(), ..Default::default() },
            _ => return malformed("Unable to parse GraphQL query."),
        }
    } else {
        match serde_json::from_slice::<GraphqlRequest>(&bytes) {
            Ok(r) => r,
            Err(_) => return malformed("Unable to parse GraphQL query."),
        }
    };

    let timeout = api.limits.execution_timeout;
    // Boxed: the execution's state machine is large, and every future that holds it inline
    // (the timeout, this handler, axum's and hyper's wrappers) would be moved with it.
    let resp = match tokio::time::timeout(timeout, Box::pin(api.execute_cached(&state.docs, gql, caller, Some(&parts.headers)))).await {
        Ok(resp) => resp,
        Err(_) => {
            return json_response(StatusCode::OK, request_error_body(Some("ExecutionTimeout"), "Execution timed out."), None);
        }
    };
    let body = response_body(&resp);
    if body.len() > api.limits.max_response_bytes {
        return json_response(
            StatusCode::OK,
            request_error_body(
                Some("ResponseTooLarge"),
                &format!("The response is larger than {} bytes; ask for fewer items (limit) or fields.", api.limits.max_response_bytes),
            ),
            None,
        );
    }
    let _ = Method::POST;
    json_response(StatusCode::OK, body, None)
}

/// The most of an oversized body read (and thrown away) before answering: clients that send
/// the whole body before reading the answer then get the 413 instead of a reset connection.
const MAX_DRAINED_BYTES: usize = 64 * 1024 * 1024;
const DRAIN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

async fn drain(body: Body) {
    drain_stream(body.into_data_stream()).await;
}

async fn drain_stream(mut stream: axum::body::BodyDataStream) {
    let mut seen = 0usize;
    let _ = tokio::time::timeout(DRAIN_TIMEOUT, async {
        while let Some(Ok(chunk)) = futures::StreamExt::next(&mut stream).await {
            seen += chunk.len();
            if seen > MAX_DRAINED_BYTES {
                break;
            }
        }
    })
    .await;
}

fn too_large(limit: usize) -> Response {
    json_response(
        StatusCode::PAYLOAD_TOO_LARGE,
        http_error_body("PayloadTooLargeException", &format!("The request body exceeds the limit of {limit} bytes.")),
        Some("PayloadTooLargeException"),
    )
}
