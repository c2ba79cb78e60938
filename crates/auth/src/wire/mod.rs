//! The Cognito user-pool JSON protocol (client-protocol.md §2.1–2.2) as an axum router.
//!
//! * `POST /` with `X-Amz-Target: AWSCognitoIdentityProviderService.<Op>` and a JSON body
//!   (`application/x-amz-json-1.1`); errors are HTTP 400 with
//!   `{"__type": "<Cognito error>", "message": "..."}` (and `x-amzn-ErrorType`).
//! * `GET /<userPoolId>/.well-known/jwks.json` and `/.well-known/openid-configuration`.
//! * `GET /_ampbase/mailbox[?to=<address>][&limit=<n>]`: the codes the sandbox delivered,
//!   newest first, as a JSON array of [`crate::Message`].

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use ampbase_core::{Caller, IamPrincipal};
use ampbase_sigv4::{CredentialSource, RequestParts, Verifier};

use crate::error::{AuthError, AuthResult, ErrorKind};
use crate::grants::FunctionAccess;
use crate::identity::IdentityPool;
use crate::pool::{AuthStep, CodeDeliveryDetails, UserPool};

pub const TARGET_PREFIX: &str = "AWSCognitoIdentityProviderService.";
pub const IDENTITY_TARGET_PREFIX: &str = "AWSCognitoIdentityService.";
const JSON_11: &str = "application/x-amz-json-1.1";

/// Operations anyone may call (the client's; authenticated by `AccessToken`, `Session` or
/// nothing). Every other operation is an administrator's and needs the [`AdminAuthorizer`].
pub const PUBLIC_OPERATIONS: &[&str] = &[
    "SignUp",
    "ConfirmSignUp",
    "ResendConfirmationCode",
    "InitiateAuth",
    "RespondToAuthChallenge",
    "GetTokensFromRefreshToken",
    "GetUser",
    "UpdateUserAttributes",
    "GetUserAttributeVerificationCode",
    "VerifyUserAttribute",
    "DeleteUserAttributes",
    "ChangePassword",
    "ForgotPassword",
    "ConfirmForgotPassword",
    "GlobalSignOut",
    "RevokeToken",
    "DeleteUser",
    "AssociateSoftwareToken",
    "VerifySoftwareToken",
    "SetUserMFAPreference",
    "ListDevices",
    "ConfirmDevice",
    "ForgetDevice",
    "UpdateDeviceStatus",
    "GetDevice",
];

/// An administrator operation's request, as the authorizer needs it to check a signature.
pub struct AdminRequest<'a> {
    /// The operation (`AdminCreateUser`, `ListUsers`, …).
    pub operation: &'a str,
    pub method: &'a str,
    /// The path and query as received (still percent-encoded).
    pub path: &'a str,
    pub query: &'a str,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

/// Decides whether a request for an administrator operation (`AdminCreateUser`,
/// `ListUsers`, `CreateGroup`, …) may run. [`SigV4Admin`] verifies AWS signatures of the
/// administrator and of function roles; [`DenyAdmin`] is the default.
#[async_trait::async_trait]
pub trait AdminAuthorizer: Send + Sync + 'static {
    async fn authorize(&self, request: &AdminRequest<'_>) -> AuthResult<()>;
}

/// Refuses every administrator call, as Cognito refuses unsigned ones.
pub struct DenyAdmin;

#[async_trait::async_trait]
impl AdminAuthorizer for DenyAdmin {
    async fn authorize(&self, request: &AdminRequest<'_>) -> AuthResult<()> {
        if request.headers.contains_key(header::AUTHORIZATION) {
            Err(AuthError::new(
                ErrorKind::UnrecognizedClientException,
                "The security token included in the request is invalid.",
            ))
        } else {
            Err(missing_authentication_token())
        }
    }
}

fn missing_authentication_token() -> AuthError {
    AuthError::new(
        ErrorKind::MissingAuthenticationTokenException,
        "Missing Authentication Token",
    )
}

/// Allows every administrator call (tests; a listener only operators can reach).
pub struct AllowAdmin;

#[async_trait::async_trait]
impl AdminAuthorizer for AllowAdmin {
    async fn authorize(&self, _: &AdminRequest<'_>) -> AuthResult<()> {
        Ok(())
    }
}

/// Administrator operations signed with SigV4 (service `cognito-idp`), as the AWS SDKs send
/// them: the operator's credential (`IamPrincipal::Admin`) may call every operation, a
/// function's role (`IamPrincipal::Function`) what `defineAuth`'s `access` granted it, any
/// other principal (identity-pool credentials) nothing. Bad signatures get Cognito's errors.
pub struct SigV4Admin {
    verifier: Verifier,
    credentials: Arc<dyn CredentialSource>,
    functions: FunctionAccess,
    user_pool_id: String,
}

impl SigV4Admin {
    pub fn new(
        credentials: Arc<dyn CredentialSource>,
        functions: FunctionAccess,
        user_pool_id: impl Into<String>,
    ) -> Self {
        SigV4Admin {
            verifier: Verifier::new("cognito-idp"),
            credentials,
            functions,
            user_pool_id: user_pool_id.into(),
        }
    }
}

#[async_trait::async_trait]
impl AdminAuthorizer for SigV4Admin {
    async fn authorize(&self, request: &AdminRequest<'_>) -> AuthResult<()> {
        if !ampbase_sigv4::is_signed(request.headers, request.query) {
            return Err(missing_authentication_token());
        }
        let parts = RequestParts {
            method: request.method,
            path: request.path,
            query: request.query,
            headers: request.headers,
            body: request.body,
        };
        let verified = self
            .verifier
            .verify(&parts, self.credentials.as_ref())
            .await
            .map_err(|e| AuthError::new(signature_error_kind(e.kind), e.message))?;
        let principal = match &verified.caller {
            Caller::Iam(IamPrincipal::Admin) => return Ok(()),
            Caller::Iam(IamPrincipal::Function { name }) => {
                if self.functions.allows(name, request.operation) {
                    return Ok(());
                }
                format!("function {name}'s role")
            }
            Caller::Iam(IamPrincipal::Guest { identity_id })
            | Caller::Iam(IamPrincipal::Authenticated { identity_id, .. }) => {
                format!("identity {identity_id}")
            }
            _ => "this principal".to_string(),
        };
        Err(AuthError::new(
            ErrorKind::AccessDeniedException,
            format!(
                "User: {principal} is not authorized to perform: cognito-idp:{} on resource: userpool/{} because no identity-based policy allows the cognito-idp:{} action",
                request.operation, self.user_pool_id, request.operation
            ),
        ))
    }
}

fn signature_error_kind(kind: ampbase_sigv4::ErrorKind) -> ErrorKind {
    use ampbase_sigv4::ErrorKind as S;
    match kind {
        S::MissingAuthenticationToken => ErrorKind::MissingAuthenticationTokenException,
        S::IncompleteSignature => ErrorKind::IncompleteSignatureException,
        S::InvalidSignature => ErrorKind::InvalidSignatureException,
        S::UnrecognizedClient => ErrorKind::UnrecognizedClientException,
        S::ExpiredToken => ErrorKind::ExpiredTokenException,
        S::InternalFailure => ErrorKind::InternalErrorException,
    }
}

#[derive(Clone)]
struct AppState {
    pool: Arc<UserPool>,
    admin: Arc<dyn AdminAuthorizer>,
    identity: Option<Arc<IdentityPool>>,
}

/// What the router serves besides the user pool's client operations.
#[derive(Clone)]
pub struct RouterOptions {
    /// Authorizes administrator operations (default: [`DenyAdmin`]).
    pub admin: Arc<dyn AdminAuthorizer>,
    /// Serves `AWSCognitoIdentityService.*` (GetId, GetCredentialsForIdentity, GetOpenIdToken)
    /// on the same `POST /`, as the client expects when both endpoints are one URL.
    pub identity_pool: Option<Arc<IdentityPool>>,
}

impl Default for RouterOptions {
    fn default() -> Self {
        RouterOptions {
            admin: Arc::new(DenyAdmin),
            identity_pool: None,
        }
    }
}

/// The routes of the user pool: `POST /`, the pool's `.well-known` documents and the
/// sandbox mailbox. Mount at `/` on the main listener. Administrator operations are refused
/// ([`DenyAdmin`]); see [`router_with_admin`].
pub fn router(pool: Arc<UserPool>) -> Router {
    router_with_admin(pool, Arc::new(DenyAdmin))
}

/// [`router`] with administrator operations authorized by `admin`.
pub fn router_with_admin(pool: Arc<UserPool>, admin: Arc<dyn AdminAuthorizer>) -> Router {
    router_with(
        pool,
        RouterOptions {
            admin,
            identity_pool: None,
        },
    )
}

/// [`router`] with [`RouterOptions`].
pub fn router_with(pool: Arc<UserPool>, options: RouterOptions) -> Router {
    Router::new()
        .route("/", post(dispatch))
        .route("/{pool_id}/.well-known/jwks.json", get(jwks))
        .route(
            "/{pool_id}/.well-known/openid-configuration",
            get(openid_configuration),
        )
        .route("/_ampbase/mailbox", get(mailbox))
        .with_state(AppState {
            pool,
            admin: options.admin,
            identity: options.identity_pool,
        })
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut resp = (status, body.to_string()).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_11));
    resp.headers_mut().insert(
        "x-amzn-requestid",
        HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()).expect("uuid"),
    );
    resp
}

fn error_response(e: &AuthError) -> Response {
    let status = match e.kind {
        ErrorKind::InternalErrorException => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    };
    let mut resp = json_response(
        status,
        &json!({ "__type": e.type_name(), "message": e.message }),
    );
    resp.headers_mut()
        .insert("x-amzn-errortype", HeaderValue::from_static(e.type_name()));
    resp
}

async fn dispatch(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let pool = state.pool;
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if let (Some(op), Some(identity)) =
        (target.strip_prefix(IDENTITY_TARGET_PREFIX), &state.identity)
    {
        let input: Map<String, Value> =
            match serde_json::from_slice(if body.is_empty() { b"{}" } else { &body }) {
                Ok(Value::Object(m)) => m,
                _ => {
                    return error_response(&AuthError::new(
                        ErrorKind::SerializationException,
                        "Start of structure or map found where not expected.",
                    ));
                }
            };
        return match identity_ops::handle(identity, op, &input).await {
            Ok(v) => json_response(StatusCode::OK, &v),
            Err(e) => error_response(&e),
        };
    }
    let Some(op) = target.strip_prefix(TARGET_PREFIX) else {
        return error_response(&AuthError::new(
            ErrorKind::UnknownOperationException,
            format!("Unknown operation {target}"),
        ));
    };
    if !PUBLIC_OPERATIONS.contains(&op) {
        let request = AdminRequest {
            operation: op,
            method: method.as_str(),
            path: uri.path(),
            query: uri.query().unwrap_or(""),
            headers: &headers,
            body: &body,
        };
        if let Err(e) = state.admin.authorize(&request).await {
            return error_response(&e);
        }
    }
    let input: Map<String, Value> = if body.is_empty() {
        Map::new()
    } else {
        match serde_json::from_slice(&body) {
            Ok(Value::Object(m)) => m,
            _ => {
                return error_response(&AuthError::new(
                    ErrorKind::SerializationException,
                    "Start of structure or map found where not expected.",
                ));
            }
        }
    };
    match handle(&pool, op, &input).await {
        Ok(Some(v)) => json_response(StatusCode::OK, &v),
        // DeleteUser: an empty body (the client accepts it; other SDKs too).
        Ok(None) => {
            let mut resp = StatusCode::OK.into_response();
            resp.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_11));
            resp
        }
        Err(e) => error_response(&e),
    }
}

fn s<'a>(input: &'a Map<String, Value>, key: &str) -> &'a str {
    input.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// A required string member, with the validation error Cognito gives when it is absent.
fn req<'a>(input: &'a Map<String, Value>, key: &str) -> AuthResult<&'a str> {
    match input.get(key).and_then(Value::as_str) {
        Some(v) => Ok(v),
        None => Err(AuthError::invalid_parameter(format!(
            "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
            lower_first(key)
        ))),
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn string_map(input: &Map<String, Value>, key: &str) -> BTreeMap<String, String> {
    input
        .get(key)
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

fn attribute_list(input: &Map<String, Value>, key: &str) -> AuthResult<Vec<(String, String)>> {
    let mut out = Vec::new();
    for a in input
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = a.get("Name").and_then(Value::as_str).ok_or_else(|| {
            AuthError::invalid_parameter(format!(
                "1 validation error detected: Value null at '{}.member.name' failed to satisfy constraint: Member must not be null",
                lower_first(key)
            ))
        })?;
        let value = a.get("Value").and_then(Value::as_str).unwrap_or_default();
        out.push((name.to_string(), value.to_string()));
    }
    Ok(out)
}

fn attributes_json(attrs: &[(String, String)]) -> Value {
    Value::Array(
        attrs
            .iter()
            .map(|(k, v)| json!({ "Name": k, "Value": v }))
            .collect(),
    )
}

fn delivery_json(d: &CodeDeliveryDetails) -> Value {
    serde_json::to_value(d).unwrap_or(Value::Null)
}

fn step_json(step: AuthStep) -> Value {
    match step {
        AuthStep::Authenticated(result) => json!({
            "AuthenticationResult": result,
            "ChallengeParameters": {},
        }),
        AuthStep::Challenge {
            name,
            parameters,
            session,
        } => json!({
            "ChallengeName": name,
            "ChallengeParameters": parameters,
            "Session": session,
        }),
        AuthStep::SelectChallenge { available, session } => json!({
            "ChallengeName": "SELECT_CHALLENGE",
            "ChallengeParameters": {},
            "Session": session,
            "AvailableChallenges": available,
        }),
    }
}

/// One operation: its JSON output (`None` for an empty body). Does not authorize
/// administrator operations: the router does that before calling it.
pub async fn handle(
    pool: &UserPool,
    op: &str,
    input: &Map<String, Value>,
) -> AuthResult<Option<Value>> {
    let out = match op {
        "SignUp" => {
            let r = pool
                .sign_up(
                    req(input, "ClientId")?,
                    req(input, "Username")?,
                    s(input, "Password"),
                    &attribute_list(input, "UserAttributes")?,
                )
                .await?;
            let mut out = json!({ "UserConfirmed": r.user_confirmed, "UserSub": r.user_sub });
            if let Some(d) = r.code_delivery {
                out["CodeDeliveryDetails"] = delivery_json(&d);
            }
            out
        }
        "ConfirmSignUp" => {
            let session = pool
                .confirm_sign_up_with_session(
                    req(input, "ClientId")?,
                    req(input, "Username")?,
                    req(input, "ConfirmationCode")?,
                )
                .await?;
            json!({ "Session": session })
        }
        "ResendConfirmationCode" => {
            let d = pool
                .resend_confirmation_code(req(input, "ClientId")?, req(input, "Username")?)
                .await?;
            json!({ "CodeDeliveryDetails": delivery_json(&d) })
        }
        "InitiateAuth" => {
            let step = pool
                .initiate_auth_with_session(
                    req(input, "ClientId")?,
                    req(input, "AuthFlow")?,
                    &string_map(input, "AuthParameters"),
                    input.get("Session").and_then(Value::as_str),
                )
                .await?;
            step_json(step)
        }
        "RespondToAuthChallenge" => {
            let step = pool
                .respond_to_auth_challenge(
                    req(input, "ClientId")?,
                    req(input, "ChallengeName")?,
                    &string_map(input, "ChallengeResponses"),
                    input.get("Session").and_then(Value::as_str),
                )
                .await?;
            step_json(step)
        }
        "GetTokensFromRefreshToken" => {
            let r = pool
                .refresh(req(input, "ClientId")?, req(input, "RefreshToken")?)
                .await?;
            json!({ "AuthenticationResult": r })
        }
        "GetUser" => {
            let user = pool.get_user_by_token(req(input, "AccessToken")?).await?;
            let mut out = json!({
                "Username": user.username,
                "UserAttributes": attributes_json(&user.attribute_list()),
            });
            if !user.mfa_enabled.is_empty() {
                out["UserMFASettingList"] = json!(user.mfa_enabled);
            }
            if let Some(p) = &user.mfa_preferred {
                out["PreferredMfaSetting"] = json!(p);
            }
            out
        }
        "UpdateUserAttributes" => {
            let details = pool
                .update_user_attributes(
                    req(input, "AccessToken")?,
                    &attribute_list(input, "UserAttributes")?,
                )
                .await?;
            json!({ "CodeDeliveryDetailsList": details.iter().map(delivery_json).collect::<Vec<_>>() })
        }
        "GetUserAttributeVerificationCode" => {
            let d = pool
                .get_user_attribute_verification_code(
                    req(input, "AccessToken")?,
                    req(input, "AttributeName")?,
                )
                .await?;
            json!({ "CodeDeliveryDetails": delivery_json(&d) })
        }
        "VerifyUserAttribute" => {
            pool.verify_user_attribute(
                req(input, "AccessToken")?,
                req(input, "AttributeName")?,
                req(input, "Code")?,
            )
            .await?;
            json!({})
        }
        "DeleteUserAttributes" => {
            let names: Vec<String> = input
                .get("UserAttributeNames")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            pool.delete_user_attributes(req(input, "AccessToken")?, &names)
                .await?;
            json!({})
        }
        "ChangePassword" => {
            pool.change_password(
                req(input, "AccessToken")?,
                req(input, "PreviousPassword")?,
                req(input, "ProposedPassword")?,
            )
            .await?;
            json!({})
        }
        "ForgotPassword" => {
            let d = pool
                .forgot_password(req(input, "ClientId")?, req(input, "Username")?)
                .await?;
            json!({ "CodeDeliveryDetails": delivery_json(&d) })
        }
        "ConfirmForgotPassword" => {
            pool.confirm_forgot_password(
                req(input, "ClientId")?,
                req(input, "Username")?,
                req(input, "ConfirmationCode")?,
                req(input, "Password")?,
            )
            .await?;
            json!({})
        }
        "GlobalSignOut" => {
            pool.global_sign_out(req(input, "AccessToken")?).await?;
            json!({})
        }
        "RevokeToken" => {
            pool.revoke_token(req(input, "ClientId")?, req(input, "Token")?)
                .await?;
            json!({})
        }
        "AssociateSoftwareToken" => {
            let (secret, session) = pool
                .associate_software_token(
                    input.get("AccessToken").and_then(Value::as_str),
                    input.get("Session").and_then(Value::as_str),
                )
                .await?;
            let mut out = json!({ "SecretCode": secret });
            if let Some(s) = session {
                out["Session"] = json!(s);
            }
            out
        }
        "VerifySoftwareToken" => {
            let session = pool
                .verify_software_token(
                    input.get("AccessToken").and_then(Value::as_str),
                    input.get("Session").and_then(Value::as_str),
                    req(input, "UserCode")?,
                )
                .await?;
            let mut out = json!({ "Status": "SUCCESS" });
            if let Some(s) = session {
                out["Session"] = json!(s);
            }
            out
        }
        "SetUserMFAPreference" => {
            let setting = |key: &str| {
                input.get(key).and_then(Value::as_object).map(|m| {
                    let flag = |k: &str| m.get(k).and_then(Value::as_bool).unwrap_or(false);
                    (flag("Enabled"), flag("PreferredMfa"))
                })
            };
            pool.set_user_mfa_preference(
                req(input, "AccessToken")?,
                setting("SoftwareTokenMfaSettings"),
                setting("EmailMfaSettings"),
                setting("SMSMfaSettings"),
            )
            .await?;
            json!({})
        }
        "DeleteUser" => {
            pool.delete_user(req(input, "AccessToken")?).await?;
            return Ok(None);
        }
        // Device tracking is off: sign-in never returns NewDeviceMetadata, so the user has
        // no devices (client-protocol.md §2.3).
        "ListDevices" => {
            pool.get_user_by_token(req(input, "AccessToken")?).await?;
            json!({ "Devices": [] })
        }
        "ConfirmDevice" | "ForgetDevice" | "UpdateDeviceStatus" | "GetDevice" => {
            pool.get_user_by_token(req(input, "AccessToken")?).await?;
            return Err(AuthError::new(
                ErrorKind::ResourceNotFoundException,
                "Device does not exist.",
            ));
        }
        other if admin_operation(other) => return admin_ops::handle(pool, other, input).await,
        other => {
            return Err(AuthError::new(
                ErrorKind::UnknownOperationException,
                format!("Operation {other} is not supported by ampbase yet."),
            ));
        }
    };
    Ok(Some(out))
}

async fn jwks(
    State(AppState { pool, .. }): State<AppState>,
    Path(pool_id): Path<String>,
) -> Response {
    if pool_id != pool.config().user_pool_id {
        return not_found(&pool_id);
    }
    let mut r = json_response(StatusCode::OK, &pool.jwks());
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

async fn openid_configuration(
    State(AppState { pool, .. }): State<AppState>,
    Path(pool_id): Path<String>,
) -> Response {
    if pool_id != pool.config().user_pool_id {
        return not_found(&pool_id);
    }
    let mut r = json_response(StatusCode::OK, &pool.openid_configuration());
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn not_found(pool_id: &str) -> Response {
    let mut r = json_response(
        StatusCode::NOT_FOUND,
        &json!({ "message": format!("User pool {pool_id} does not exist.") }),
    );
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

#[derive(Deserialize)]
struct MailboxQuery {
    to: Option<String>,
    limit: Option<usize>,
}

async fn mailbox(
    State(AppState { pool, .. }): State<AppState>,
    Query(q): Query<MailboxQuery>,
) -> Response {
    let Some(mailbox) = pool.delivery().mailbox() else {
        return (
            StatusCode::NOT_FOUND,
            "no local mailbox: codes are delivered externally",
        )
            .into_response();
    };
    match mailbox
        .list(
            &pool.config().user_pool_id,
            q.to.as_deref(),
            q.limit.unwrap_or(100),
        )
        .await
    {
        Ok(messages) => {
            let mut r = json_response(
                StatusCode::OK,
                &serde_json::to_value(messages).unwrap_or(Value::Null),
            );
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            r
        }
        Err(e) => error_response(&e),
    }
}

fn admin_operation(op: &str) -> bool {
    admin_ops::OPERATIONS.contains(&op)
}

mod admin_ops;
mod identity_ops;
