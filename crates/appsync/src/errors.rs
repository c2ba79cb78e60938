//! AppSync's error shapes.
//!
//! - Resolver errors (data errors, authorization): HTTP 200, each element
//!   `{path, data: null, errorType, errorInfo: null, locations, message}`.
//! - Validation and parse errors of the document: HTTP 200, `data: null`, elements with
//!   `path: null`, `locations` and `message`, and no `errorType` (AppSync gives them none).
//! - Requests that are not GraphQL over HTTP: HTTP 400 `MalformedHttpRequestException`.
//! - Authentication failures: HTTP 401 `UnauthorizedException`, with `x-amzn-ErrorType`.

use ampbase_data::{DataError, DataErrorKind};
use async_graphql::{ErrorExtensionValues, PathSegment, ServerError};
use serde::Serialize;
use serde_json::{Value as Json, json};

/// AppSync's errorType for each data error kind.
pub fn error_type(kind: DataErrorKind) -> &'static str {
    match kind {
        DataErrorKind::ConditionalCheckFailed => "DynamoDB:ConditionalCheckFailedException",
        DataErrorKind::Unauthorized => "Unauthorized",
        // What AppSync reports for an input the resolver's mapping template rejects.
        DataErrorKind::Validation => "MappingTemplate",
        // An unreadable or foreign pagination token.
        DataErrorKind::InvalidNextToken => "DynamoDB:DynamoDbException",
        DataErrorKind::Internal => "InternalFailure",
    }
}

/// A resolver error with an AppSync errorType.
pub fn resolver_error(error_type: &str, message: impl Into<String>) -> async_graphql::Error {
    let mut e = async_graphql::Error::new(message);
    let mut ext = ErrorExtensionValues::default();
    ext.set("errorType", error_type);
    e.extensions = Some(ext);
    e
}

/// `Not Authorized to access {field} on type {type}` (AppSync's message).
pub fn unauthorized(field: &str, type_name: &str) -> async_graphql::Error {
    resolver_error("Unauthorized", format!("Not Authorized to access {field} on type {type_name}"))
}

/// A data error at a field: `Unauthorized` gets AppSync's message naming the field.
pub fn data_error(err: DataError, field: &str, type_name: &str) -> async_graphql::Error {
    match err.kind {
        DataErrorKind::Unauthorized => unauthorized(field, type_name),
        kind => resolver_error(error_type(kind), err.message),
    }
}

#[derive(Serialize)]
pub struct Location {
    pub line: usize,
    pub column: usize,
    #[serde(rename = "sourceName")]
    pub source_name: Option<()>,
}

/// One element of `errors`, as AppSync writes it.
#[derive(Serialize)]
pub struct AppSyncError {
    pub path: Option<Vec<Json>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Option<()>>,
    #[serde(rename = "errorType", skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
    #[serde(rename = "errorInfo", skip_serializing_if = "Option::is_none")]
    pub error_info: Option<Option<()>>,
    pub locations: Vec<Location>,
    pub message: String,
}

impl AppSyncError {
    pub fn from_server_error(e: &ServerError) -> Self {
        let locations = e.locations.iter().map(|p| Location { line: p.line, column: p.column, source_name: None }).collect();
        let error_type = e.extensions.as_ref().and_then(|x| match x.get("errorType") {
            Some(async_graphql::Value::String(s)) => Some(s.clone()),
            _ => None,
        });
        if error_type.is_none() && e.path.is_empty() {
            // A request-level error: parse, validation or a limit.
            return AppSyncError {
                path: None,
                data: None,
                error_type: None,
                error_info: None,
                locations,
                message: validation_message(&e.message),
            };
        }
        let path = error_path(e);
        AppSyncError {
            path: Some(path),
            data: Some(None),
            // An error async-graphql raised while completing a value (a null in a non-null
            // field, a bad output value) has no type of ours.
            error_type: Some(error_type.unwrap_or_else(|| "GraphQLError".to_string())),
            error_info: Some(None),
            locations,
            message: e.message.clone(),
        }
    }
}

/// The path of a resolver error (async-graphql's, or the one [`crate::schema`] recorded).
fn error_path(e: &ServerError) -> Vec<Json> {
    match (e.path.is_empty(), e.extensions.as_ref().and_then(|x| x.get("path"))) {
        (true, Some(async_graphql::Value::List(items))) => {
            items.iter().map(|v| v.clone().into_json().unwrap_or(Json::Null)).collect()
        }
        _ => e
            .path
            .iter()
            .map(|s| match s {
                PathSegment::Field(f) => Json::String(f.clone()),
                PathSegment::Index(i) => Json::from(*i),
            })
            .collect(),
    }
}

/// async-graphql leaves a field whose resolver failed out of its object (and an object with
/// no field left becomes `null`); GraphQL and AppSync answer such a field with `null`.
pub fn fill_error_nulls(data: &mut async_graphql::Value, errors: &[ServerError]) {
    use async_graphql::Value as V;
    for e in errors {
        let path = error_path(e);
        let Some((last, parents)) = path.split_last() else { continue };
        if matches!(data, V::Null) {
            *data = V::Object(Default::default());
        }
        let mut cur = Some(&mut *data);
        for seg in parents {
            cur = match (cur, seg) {
                (Some(V::Object(map)), Json::String(k)) => map.get_mut(k.as_str()),
                (Some(V::List(items)), Json::Number(n)) => n.as_u64().and_then(|i| items.get_mut(i as usize)),
                _ => None,
            };
        }
        if let (Some(V::Object(map)), Json::String(k)) = (cur, last)
            && !map.contains_key(k.as_str())
        {
            map.insert(async_graphql::Name::new(k), V::Null);
        }
    }
}

/// AppSync words validation errors as graphql-java does (`Validation error of type
/// FieldUndefined: …`); keep async-graphql's description behind the same prefix.
fn validation_message(message: &str) -> String {
    let kind = if message.starts_with("Unknown field") {
        "FieldUndefined"
    } else if message.starts_with("Unknown argument") {
        "UnknownArgument"
    } else if message.starts_with("Invalid value for argument") || message.contains("Expected input type") {
        "WrongType"
    } else if message.starts_with("Variable") && message.contains("used in position expecting") {
        "VariableTypeMismatch"
    } else if message.contains("is required but not provided") {
        "MissingFieldArgument"
    } else if message.starts_with("Unknown type") {
        "UnknownType"
    } else if message.contains("is not defined") && message.starts_with("Variable") {
        "UndefinedVariable"
    } else if message.contains("must have a selection of subfields") || message.contains("must not have a selection") {
        "SubSelectionRequired"
    } else if message.starts_with(" --> ") || message.contains("expected ") && message.contains(" --> ") {
        return format!("Invalid Syntax : {}", message.lines().next().unwrap_or(message));
    } else {
        return message.to_string();
    };
    format!("Validation error of type {kind}: {message}")
}

/// `{"data": …, "errors": […]}` as AppSync answers.
pub fn response_body(resp: &async_graphql::Response) -> Vec<u8> {
    #[derive(Serialize)]
    struct Body<'a> {
        data: &'a async_graphql::Value,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        errors: Vec<AppSyncError>,
    }
    let errors = resp.errors.iter().map(AppSyncError::from_server_error).collect();
    if resp.errors.iter().any(|e| !error_path(e).is_empty()) {
        let mut data = resp.data.clone();
        fill_error_nulls(&mut data, &resp.errors);
        return serde_json::to_vec(&Body { data: &data, errors }).unwrap_or_else(|_| b"{\"data\":null}".to_vec());
    }
    serde_json::to_vec(&Body { data: &resp.data, errors }).unwrap_or_else(|_| b"{\"data\":null}".to_vec())
}

/// The body of an HTTP-level error (`{"errors":[{"errorType", "message"}]}`).
pub fn http_error_body(error_type: &str, message: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({ "errors": [{ "errorType": error_type, "message": message }] })).unwrap()
}

/// A whole response that is one request-level GraphQL error (HTTP 200, `data: null`).
pub fn request_error_body(error_type: Option<&str>, message: &str) -> Vec<u8> {
    let mut e = json!({ "path": null, "locations": null, "message": message });
    if let Some(t) = error_type {
        e["errorType"] = json!(t);
    }
    serde_json::to_vec(&json!({ "data": null, "errors": [e] })).unwrap()
}
