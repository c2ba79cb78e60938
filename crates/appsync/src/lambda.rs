//! Lambda resolvers: custom queries and mutations resolved by `a.handler.function(fn)`.
//! The resolver builds AppSync's Lambda event and invokes the function through the
//! [`FunctionInvoker`] the server provides; this crate runs no processes.

use std::sync::Arc;

use ampbase_core::functions::{FunctionError, FunctionErrorKind};
use ampbase_core::{Caller, IamPrincipal, UserIdentity};
use async_graphql::SelectionField;
use async_graphql::dynamic::ResolverContext;
use serde_json::{Map, Value as Json, json};

use crate::errors::resolver_error;

/// The request's HTTP headers, for `request.headers` of the Lambda event (lower-case names).
#[derive(Clone)]
pub(crate) struct RequestHeaders(pub Arc<Map<String, Json>>);

impl RequestHeaders {
    pub fn from_http(headers: &axum::http::HeaderMap) -> Self {
        let mut map = Map::new();
        for (name, value) in headers {
            if let Ok(v) = value.to_str() {
                map.insert(name.as_str().to_string(), Json::String(v.to_string()));
            }
        }
        RequestHeaders(Arc::new(map))
    }
}

/// The event AppSync sends a direct Lambda resolver (and Amplify's function handlers):
/// `arguments`, `identity`, `source`, `request`, `info`, `prev`, `stash`, and Amplify's
/// `typeName` / `fieldName`.
pub(crate) fn resolver_event(
    ctx: &ResolverContext<'_>,
    caller: &Caller,
    parent_type: &str,
    prev: Option<&Json>,
) -> Json {
    let mut arguments = Map::new();
    for (name, value) in ctx.args.as_index_map() {
        arguments.insert(
            name.to_string(),
            value.clone().into_json().unwrap_or(Json::Null),
        );
    }
    let field = ctx.ctx.field();
    let mut selection_list = Vec::new();
    selection_list_of(field.selection_set(), "", &mut selection_list);
    let mut selection_text = String::new();
    selection_graphql(field.selection_set(), 0, &mut selection_text);
    let variables = serde_json::to_value(&ctx.ctx.query_env.variables).unwrap_or(Json::Null);
    let headers = ctx
        .ctx
        .data_opt::<RequestHeaders>()
        .map(|h| Json::Object((*h.0).clone()))
        .unwrap_or_else(|| json!({}));
    let host = headers.get("host").cloned().unwrap_or(Json::Null);
    json!({
        "typeName": parent_type,
        "fieldName": field.name(),
        "arguments": arguments,
        "identity": identity(caller),
        "source": Json::Null,
        "request": { "headers": headers, "domainName": host },
        "info": {
            "fieldName": field.name(),
            "parentTypeName": parent_type,
            "variables": variables,
            "selectionSetList": selection_list,
            "selectionSetGraphQL": selection_text,
        },
        "prev": prev.map(|result| json!({ "result": result })),
        "stash": {},
    })
}

/// `$ctx.identity` as AppSync fills it for each authorization mode (null for an API key).
fn identity(caller: &Caller) -> Json {
    let user = |u: &UserIdentity, with_groups: bool| {
        let issuer = u.claims.get("iss").cloned().unwrap_or(Json::Null);
        let mut v = json!({
            "sub": u.sub,
            "issuer": issuer,
            "username": u.username,
            "claims": u.claims,
            "sourceIp": ["127.0.0.1"],
            "defaultAuthStrategy": "ALLOW",
        });
        if with_groups {
            v["groups"] = if u.groups.is_empty() {
                Json::Null
            } else {
                json!(u.groups)
            };
        }
        v
    };
    match caller {
        Caller::ApiKey => Json::Null,
        Caller::UserPool(u) => user(u, true),
        Caller::Oidc(u) => {
            json!({ "sub": u.sub, "issuer": u.claims.get("iss").cloned().unwrap_or(Json::Null), "claims": u.claims })
        }
        Caller::Iam(principal) => {
            let (auth_type, identity_id, username) = match principal {
                IamPrincipal::Guest { identity_id } => (
                    "unauthenticated",
                    Json::from(identity_id.as_str()),
                    Json::Null,
                ),
                IamPrincipal::Authenticated {
                    identity_id,
                    username,
                    ..
                } => (
                    "authenticated",
                    Json::from(identity_id.as_str()),
                    Json::from(username.as_str()),
                ),
                IamPrincipal::Function { name } => ("", Json::Null, Json::from(name.as_str())),
                IamPrincipal::Admin => ("", Json::Null, Json::from("admin")),
            };
            json!({
                "accountId": "000000000000",
                "cognitoIdentityPoolId": Json::Null,
                "cognitoIdentityId": identity_id,
                "cognitoIdentityAuthType": if auth_type.is_empty() { Json::Null } else { Json::from(auth_type) },
                "cognitoIdentityAuthProvider": Json::Null,
                "sourceIp": ["127.0.0.1"],
                "username": username,
                "userArn": Json::Null,
            })
        }
        Caller::Lambda(l) => json!({ "resolverContext": l.resolver_context }),
    }
}

/// `selectionSetList`: every selected field, nested ones as `parent/child`.
fn selection_list_of<'a>(
    fields: impl Iterator<Item = SelectionField<'a>>,
    prefix: &str,
    out: &mut Vec<String>,
) {
    for f in fields {
        let path = if prefix.is_empty() {
            f.name().to_string()
        } else {
            format!("{prefix}/{}", f.name())
        };
        if f.name() != "__typename" {
            out.push(path.clone());
        }
        selection_list_of(f.selection_set(), &path, out);
    }
}

/// `selectionSetGraphQL`: the field's selection set as GraphQL text.
fn selection_graphql<'a>(
    fields: impl Iterator<Item = SelectionField<'a>>,
    depth: usize,
    out: &mut String,
) {
    let fields: Vec<_> = fields.collect();
    if fields.is_empty() {
        return;
    }
    out.push_str("{\n");
    for f in fields {
        out.push_str(&"  ".repeat(depth + 1));
        if let Some(alias) = f.alias() {
            out.push_str(alias);
            out.push_str(": ");
        }
        out.push_str(f.name());
        let mut nested = String::new();
        selection_graphql(f.selection_set(), depth + 1, &mut nested);
        if !nested.is_empty() {
            out.push(' ');
            out.push_str(&nested);
        }
        out.push('\n');
    }
    out.push_str(&"  ".repeat(depth));
    out.push('}');
}

/// A failed invocation as AppSync reports it: a function error is `Lambda:Unhandled` with
/// the function's message.
pub(crate) fn lambda_error(error: FunctionError) -> async_graphql::Error {
    match error.kind {
        FunctionErrorKind::NotFound => {
            resolver_error("Lambda:ResourceNotFoundException", error.error_message)
        }
        _ => resolver_error("Lambda:Unhandled", error.error_message),
    }
}
