//! The outputs file, in every version and format ampx writes, plus ampbase's local form.
//!
//! The spec versions are built as `@aws-amplify/client-config` builds them: each category
//! contributes its part (auth, data, storage, version), then the `backend.addOutput(...)`
//! parts are merged on top with `ObjectAccumulator` semantics. The values a real deployment
//! reads back from CloudFormation (what `@aws-amplify/auth-construct` `storeOutput` and
//! `@aws-amplify/backend-storage` store) are derived here from the definition directly.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use ampbase_definition::{AuthDefinition, BackendDefinition, StorageDefinition};
use serde_json::{Map, Value, json};

use crate::OutputsError;
use crate::merge::accumulate;

/// An AppSync authorization type, as the outputs name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthType {
    /// `AMAZON_COGNITO_USER_POOLS`
    UserPool,
    /// `API_KEY`
    ApiKey,
    /// `AWS_IAM`
    Iam,
    /// `AWS_LAMBDA`
    Lambda,
    /// `OPENID_CONNECT`
    Oidc,
}

impl AuthType {
    /// The AppSync enum name written to `default_authorization_type`.
    pub fn appsync_name(self) -> &'static str {
        match self {
            AuthType::UserPool => "AMAZON_COGNITO_USER_POOLS",
            AuthType::ApiKey => "API_KEY",
            AuthType::Iam => "AWS_IAM",
            AuthType::Lambda => "AWS_LAMBDA",
            AuthType::Oidc => "OPENID_CONNECT",
        }
    }

    /// The client's `defaultAuthMode` name (`parseAmplifyOutputs` `authModeNames`).
    pub fn client_name(self) -> &'static str {
        match self {
            AuthType::UserPool => "userPool",
            AuthType::ApiKey => "apiKey",
            AuthType::Iam => "iam",
            AuthType::Lambda => "lambda",
            AuthType::Oidc => "oidc",
        }
    }
}

impl FromStr for AuthType {
    type Err = String;
    /// Accepts the AppSync names and the `defineData` spellings (`userPool`, `apiKey`,
    /// `iam`, `identityPool`, `lambda`, `oidc`).
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "AMAZON_COGNITO_USER_POOLS" | "userPool" => AuthType::UserPool,
            "API_KEY" | "apiKey" => AuthType::ApiKey,
            "AWS_IAM" | "iam" | "identityPool" => AuthType::Iam,
            "AWS_LAMBDA" | "lambda" => AuthType::Lambda,
            "OPENID_CONNECT" | "oidc" => AuthType::Oidc,
            other => return Err(format!("unknown authorization type `{other}`")),
        })
    }
}

/// What the data compiler hands over for the outputs.
#[derive(Debug, Clone, PartialEq)]
pub struct CompiledDataOutputs {
    /// `model_introspection`, written as given.
    pub model_introspection: Value,
    pub default_authorization_type: AuthType,
    /// The additional modes, in the API's order (`authorization_types`). When empty the key
    /// is left out, as the GraphQL API construct does.
    pub additional_authorization_types: Vec<AuthType>,
    /// The API key, when the API has one. `None` with `API_KEY` among the modes falls back
    /// to [`OutputsContext::api_key`].
    pub api_key: Option<String>,
}

/// Where the running services are, and the ids the client sees.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputsContext {
    /// AWS region written everywhere (`us-east-1`).
    pub region: String,
    /// The main listener, without a trailing slash (`http://localhost:20002`).
    pub base_url: String,
    /// The GraphQL path on the main listener (`/graphql`).
    pub graphql_path: String,
    /// The S3 listener (`http://localhost:20005`).
    pub s3_endpoint: String,
    /// `<region>_<9 alphanumerics>`.
    pub user_pool_id: String,
    /// 26 lowercase alphanumerics.
    pub user_pool_client_id: String,
    /// `<region>:<uuid>`.
    pub identity_pool_id: String,
    /// `da2-<26 lowercase alphanumerics>`.
    pub api_key: String,
    /// Storage name (`defineStorage({ name })`) → bucket name.
    pub bucket_names: BTreeMap<String, String>,
    /// The installed `aws-amplify` Storage has the local-endpoint fix (client-protocol.md
    /// §1.4): write `dangerouslyConnectToHttpEndpointForTesting`.
    pub storage_local_endpoint_fix: bool,
    /// `unauthenticated_identities_enabled` (the identity pool's guest access).
    pub allow_guest_access: bool,
}

impl Default for OutputsContext {
    fn default() -> Self {
        OutputsContext::for_sandbox(
            "ampbase",
            "sandbox",
            "us-east-1",
            std::iter::empty::<&str>(),
        )
    }
}

impl OutputsContext {
    /// Deterministic ids for one sandbox of one app: the same inputs give the same ids on
    /// every run, so restarts keep them. Formats are those the client enforces
    /// (client-protocol.md §1.2) and AWS uses.
    pub fn for_sandbox<'a>(
        app_name: &str,
        sandbox_id: &str,
        region: &str,
        storage_names: impl IntoIterator<Item = &'a str>,
    ) -> OutputsContext {
        let seed = format!("{app_name}\u{0}{sandbox_id}\u{0}{region}");
        const ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        const LOWER: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
        let pool_suffix = IdStream::new(&seed, "user-pool").chars(ALNUM, 9);
        let client_id = IdStream::new(&seed, "user-pool-client").chars(LOWER, 26);
        let api_key = IdStream::new(&seed, "api-key").chars(LOWER, 26);
        let uuid = IdStream::new(&seed, "identity-pool").uuid();
        let bucket_names = storage_names
            .into_iter()
            .map(|name| (name.to_string(), bucket_name(app_name, sandbox_id, name)))
            .collect();
        OutputsContext {
            region: region.to_string(),
            base_url: "http://localhost:20002".into(),
            graphql_path: "/graphql".into(),
            s3_endpoint: "http://localhost:20005".into(),
            user_pool_id: format!("{region}_{pool_suffix}"),
            user_pool_client_id: client_id,
            identity_pool_id: format!("{region}:{uuid}"),
            api_key: format!("da2-{api_key}"),
            bucket_names,
            storage_local_endpoint_fix: false,
            allow_guest_access: true,
        }
    }

    /// [`OutputsContext::for_sandbox`] with the storage names of `def`.
    pub fn for_definition(
        app_name: &str,
        sandbox_id: &str,
        region: &str,
        def: &BackendDefinition,
    ) -> OutputsContext {
        OutputsContext::for_sandbox(
            app_name,
            sandbox_id,
            region,
            def.storage.iter().map(|s| s.name.as_str()),
        )
    }

    fn bucket_name_for(&self, storage: &str) -> String {
        self.bucket_names
            .get(storage)
            .cloned()
            .unwrap_or_else(|| bucket_name("ampbase", "local", storage))
    }

    fn graphql_url(&self) -> String {
        format!(
            "{}{}",
            self.base_url.trim_end_matches('/'),
            self.graphql_path
        )
    }

    /// The GraphQL URL with an upper-case scheme, so the client's case-sensitive
    /// `http://` → `wss://` rewrite leaves it alone and the socket goes to `ws://`
    /// (client-protocol.md §1.3).
    fn graphql_url_for_local_client(&self) -> String {
        let url = self.graphql_url();
        match url.split_once("://") {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => format!("HTTP://{rest}"),
            _ => url,
        }
    }
}

/// A bucket name S3 accepts (3–63 lowercase letters, digits, hyphens), stable per input.
fn bucket_name(app: &str, sandbox: &str, storage: &str) -> String {
    let clean = |s: &str| -> String {
        let mut out = String::new();
        for c in s.chars() {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                out.push(c);
            } else if !out.ends_with('-') && !out.is_empty() {
                out.push('-');
            }
        }
        out.trim_end_matches('-').to_string()
    };
    let hash = IdStream::new(&format!("{app}\u{0}{sandbox}\u{0}{storage}"), "bucket")
        .chars(b"0123456789abcdef", 8);
    let mut stem = format!(
        "amplify-{}-{}-{}",
        clean(app),
        clean(sandbox),
        clean(storage)
    );
    stem = stem.replace("--", "-");
    let max = 63 - 1 - hash.len();
    if stem.len() > max {
        stem.truncate(max);
    }
    format!("{}-{hash}", stem.trim_end_matches('-'))
}

/// FNV-1a seeded splitmix64: small, dependency-free and the same on every platform.
struct IdStream(u64);

impl IdStream {
    fn new(seed: &str, purpose: &str) -> IdStream {
        let mut h: u64 = 0xcbf29ce484222325;
        for b in seed.bytes().chain([0u8]).chain(purpose.bytes()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x100000001b3);
        }
        IdStream(h)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e3779b97f4a7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
        z ^ (z >> 31)
    }
    fn chars(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n)
            .map(|_| alphabet[(self.next() % alphabet.len() as u64) as usize] as char)
            .collect()
    }
    fn uuid(&mut self) -> String {
        let a = self.next();
        let b = self.next();
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&a.to_be_bytes());
        bytes[8..].copy_from_slice(&b.to_be_bytes());
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        format!(
            "{}-{}-{}-{}-{}",
            &hex[..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..]
        )
    }
}

/// Which outputs file to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum OutputsVersion {
    /// ampbase's default: the already-parsed `ResourcesConfig` with `"version": "0-local"`
    /// and the local endpoints (client-protocol.md §1.5).
    #[default]
    Local,
    /// `0`: the Gen 1 `amplifyconfiguration.json`.
    V0,
    /// `1`: the file of the published `outputs-schema.json`.
    V1,
    /// `1.1`: adds `storage.buckets` (name, bucket name, region).
    V1_1,
    /// `1.2`: adds `storage.buckets[].paths`.
    V1_2,
    /// `1.3`: adds `auth.groups`.
    V1_3,
    /// `1.4`: adds `auth.passwordless`.
    V1_4,
    /// `1.5`: as 1.4 (notifications keys become optional); ampx's default.
    V1_5,
}

impl OutputsVersion {
    /// The `version` value written.
    pub fn as_str(self) -> &'static str {
        match self {
            OutputsVersion::Local => "0-local",
            OutputsVersion::V0 => "0",
            OutputsVersion::V1 => "1",
            OutputsVersion::V1_1 => "1.1",
            OutputsVersion::V1_2 => "1.2",
            OutputsVersion::V1_3 => "1.3",
            OutputsVersion::V1_4 => "1.4",
            OutputsVersion::V1_5 => "1.5",
        }
    }

    /// The Gen 2 spec version whose content this version is built from.
    fn spec(self) -> OutputsVersion {
        match self {
            // Legacy output is converted from 1.5 contributors (with 1.1 auth), the local form
            // from the newest content.
            OutputsVersion::Local | OutputsVersion::V0 => OutputsVersion::V1_5,
            v => v,
        }
    }

    fn at_least(self, other: OutputsVersion) -> bool {
        self.rank() >= other.rank()
    }

    fn rank(self) -> u8 {
        match self {
            OutputsVersion::V0 => 0,
            OutputsVersion::V1 => 1,
            OutputsVersion::V1_1 => 2,
            OutputsVersion::V1_2 => 3,
            OutputsVersion::V1_3 => 4,
            OutputsVersion::V1_4 => 5,
            OutputsVersion::V1_5 | OutputsVersion::Local => 6,
        }
    }
}

impl fmt::Display for OutputsVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OutputsVersion {
    type Err = OutputsError;
    fn from_str(s: &str) -> Result<Self, OutputsError> {
        Ok(match s {
            "local" | "0-local" => OutputsVersion::Local,
            "0" => OutputsVersion::V0,
            "1" => OutputsVersion::V1,
            "1.1" => OutputsVersion::V1_1,
            "1.2" => OutputsVersion::V1_2,
            "1.3" => OutputsVersion::V1_3,
            "1.4" => OutputsVersion::V1_4,
            "1.5" => OutputsVersion::V1_5,
            other => return Err(OutputsError::UnknownVersion(other.to_string())),
        })
    }
}

/// `--outputs-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum OutputsFormat {
    #[default]
    Json,
    Dart,
}

impl FromStr for OutputsFormat {
    type Err = OutputsError;
    fn from_str(s: &str) -> Result<Self, OutputsError> {
        match s {
            "json" => Ok(OutputsFormat::Json),
            "dart" => Ok(OutputsFormat::Dart),
            other => Err(OutputsError::Unsupported(format!(
                "outputs format `{other}` (choices: json, dart)"
            ))),
        }
    }
}

/// A file to write: its name (no directory) and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedOutputs {
    pub file_name: String,
    pub contents: String,
}

/// Renders the outputs file.
///
/// - `Local` + JSON: `amplify_outputs.json` in the local `ResourcesConfig` form.
/// - `1`…`1.5` + JSON: `amplify_outputs.json`, `JSON.stringify(config, null, 2)`.
/// - `0` + JSON: `amplifyconfiguration.json` (`ClientConfigLegacyConverter`).
/// - Dart: `amplify_outputs.dart`, `const amplifyConfig = r'''<json>''';`
///   (`ClientConfigFormatterDefault`). The Flutter libraries read only the Gen 2 spec
///   shape, so `Local` + Dart writes ampx's default version (1.5).
pub fn render(
    def: &BackendDefinition,
    data: Option<&CompiledDataOutputs>,
    ctx: &OutputsContext,
    version: OutputsVersion,
    format: OutputsFormat,
) -> Result<RenderedOutputs, OutputsError> {
    match format {
        OutputsFormat::Json => {
            let value = render_value(def, data, ctx, version)?;
            let file_name = if version == OutputsVersion::V0 {
                "amplifyconfiguration.json"
            } else {
                "amplify_outputs.json"
            };
            Ok(RenderedOutputs {
                file_name: file_name.into(),
                contents: to_json_text(&value)?,
            })
        }
        OutputsFormat::Dart => {
            if version == OutputsVersion::V0 {
                return Err(OutputsError::Unsupported(
                    "the Dart format of outputs version 0 (amplifyconfiguration.dart)".into(),
                ));
            }
            let version = if version == OutputsVersion::Local {
                OutputsVersion::V1_5
            } else {
                version
            };
            let value = render_value(def, data, ctx, version)?;
            Ok(RenderedOutputs {
                file_name: "amplify_outputs.dart".into(),
                contents: format!("const amplifyConfig = r'''{}''';", to_json_text(&value)?),
            })
        }
    }
}

/// `JSON.stringify(value, null, 2)`.
fn to_json_text(value: &Value) -> Result<String, OutputsError> {
    Ok(serde_json::to_string_pretty(value)?)
}

/// The outputs as JSON, before formatting.
pub fn render_value(
    def: &BackendDefinition,
    data: Option<&CompiledDataOutputs>,
    ctx: &OutputsContext,
    version: OutputsVersion,
) -> Result<Value, OutputsError> {
    match version {
        OutputsVersion::Local => {
            let spec = spec_config(def, data, ctx, OutputsVersion::V1_5, false)?;
            Ok(local_config(&spec, ctx))
        }
        OutputsVersion::V0 => {
            let spec = spec_config(def, data, ctx, OutputsVersion::V0, true)?;
            Ok(legacy_config(&spec, ctx))
        }
        v => Ok(Value::Object(spec_config(def, data, ctx, v, false)?)),
    }
}

// ---------------------------------------------------------------------------------------
// Gen 2 spec (client-config contributors)
// ---------------------------------------------------------------------------------------

fn spec_config(
    def: &BackendDefinition,
    data: Option<&CompiledDataOutputs>,
    ctx: &OutputsContext,
    version: OutputsVersion,
    legacy_auth: bool,
) -> Result<Map<String, Value>, OutputsError> {
    let spec = version.spec();
    let mut acc = Map::new();
    if let Some(auth) = &def.auth {
        // Version 0 is derived with the 1.1 auth contributor (no groups, no passwordless).
        let auth_version = if legacy_auth {
            OutputsVersion::V1_1
        } else {
            spec
        };
        let part = json!({ "auth": auth_config(auth, ctx, auth_version) });
        accumulate(&mut acc, part.as_object().unwrap())?;
    }
    if let Some(data) = data {
        let part = json!({ "data": data_config(data, ctx) });
        accumulate(&mut acc, part.as_object().unwrap())?;
    }
    if let Some(storage) = storage_config(def, ctx, spec)? {
        let part = json!({ "storage": storage });
        accumulate(&mut acc, part.as_object().unwrap())?;
    }
    let version_part = json!({ "version": spec.as_str() });
    accumulate(&mut acc, version_part.as_object().unwrap())?;
    if !def.outputs.is_empty() {
        accumulate(&mut acc, &def.outputs)?;
    }
    Ok(acc)
}

/// `AuthClientConfigContributor` over what `AmplifyAuth.storeOutput` stores.
fn auth_config(auth: &AuthDefinition, ctx: &OutputsContext, version: OutputsVersion) -> Value {
    let login = &auth.login_with;
    let enabled = |key: &str| login.get(key).is_some_and(truthy);
    let (mut email, phone) = (enabled("email"), enabled("phone"));
    if login.as_object().is_none_or(|o| o.is_empty()) {
        // `DEFAULTS.IF_NO_PROPS_PROVIDED`
        email = true;
    }

    let mut out = Map::new();
    out.insert("user_pool_id".into(), json!(ctx.user_pool_id));
    out.insert("aws_region".into(), json!(ctx.region));
    out.insert("user_pool_client_id".into(), json!(ctx.user_pool_client_id));
    out.insert("identity_pool_id".into(), json!(ctx.identity_pool_id));

    // mfaTypes from the user pool's enabledMfas.
    let mfa = auth.multifactor.as_ref();
    let mode = mfa
        .and_then(|m| m.get("mode"))
        .and_then(Value::as_str)
        .unwrap_or("OFF");
    let mfa_on = matches!(mode, "OPTIONAL" | "REQUIRED");
    let mut mfa_methods = Vec::new();
    if mfa_on {
        let m = mfa.unwrap();
        let on = |k: &str| m.get(k).is_some_and(truthy);
        if on("sms") {
            mfa_methods.push("SMS");
        }
        if on("totp") {
            mfa_methods.push("TOTP");
        }
        if on("email") {
            mfa_methods.push("EMAIL");
        }
    }
    out.insert("mfa_methods".into(), json!(mfa_methods));
    out.insert(
        "standard_required_attributes".into(),
        json!(required_standard_attributes(auth, email, phone)),
    );
    let mut username = Vec::new();
    if email {
        username.push("email");
    }
    if phone {
        username.push("phone_number");
    }
    out.insert("username_attributes".into(), json!(username));
    out.insert("user_verification_types".into(), json!(username));
    if version.at_least(OutputsVersion::V1_3) {
        let groups: Vec<Value> = auth
            .groups
            .iter()
            .enumerate()
            .map(|(i, g)| json!({ g.as_str(): { "precedence": i } }))
            .collect();
        out.insert("groups".into(), Value::Array(groups));
    }
    let mfa_configuration = match mode {
        "OPTIONAL" => "OPTIONAL",
        "REQUIRED" => "REQUIRED",
        _ => "NONE",
    };
    out.insert("mfa_configuration".into(), json!(mfa_configuration));
    // DEFAULTS.PASSWORD_POLICY of the auth construct (Cognito's defaults).
    out.insert(
        "password_policy".into(),
        json!({
            "min_length": 8,
            "require_lowercase": true,
            "require_numbers": true,
            "require_symbols": true,
            "require_uppercase": true
        }),
    );
    if let Some(oauth) = oauth_config(login, ctx) {
        out.insert("oauth".into(), oauth);
    }
    out.insert(
        "unauthenticated_identities_enabled".into(),
        json!(ctx.allow_guest_access),
    );
    if version.at_least(OutputsVersion::V1_4)
        && let Some(p) = passwordless_config(auth)
    {
        out.insert("passwordless".into(), p);
    }
    Value::Object(out)
}

/// The user pool schema's required attributes, lower-cased, in the construct's order:
/// email and phone first (required when used to sign in), then `userAttributes`.
fn required_standard_attributes(auth: &AuthDefinition, email: bool, phone: bool) -> Vec<String> {
    let mut attrs: Vec<(String, bool)> = Vec::new();
    if email {
        attrs.push(("email".into(), true));
    }
    if phone {
        attrs.push(("phoneNumber".into(), true));
    }
    for (key, value) in &auth.user_attributes {
        if key.starts_with("custom:") {
            continue;
        }
        let present = truthy(value);
        let required = value
            .get("required")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        match attrs.iter().position(|(k, _)| k == key) {
            Some(i) if present => attrs[i].1 = required,
            Some(i) => {
                attrs.remove(i);
            }
            None if present => attrs.push((key.clone(), required)),
            None => {}
        }
    }
    attrs
        .into_iter()
        .filter(|(_, required)| *required)
        .map(|(k, _)| standard_attribute_name(&k).to_lowercase())
        .collect()
}

/// CDK `StandardAttributeNames`.
fn standard_attribute_name(key: &str) -> String {
    match key {
        "familyName" => "family_name",
        "givenName" => "given_name",
        "middleName" => "middle_name",
        "fullname" => "name",
        "phoneNumber" => "phone_number",
        "profilePicture" => "picture",
        "preferredUsername" => "preferred_username",
        "profilePage" => "profile",
        "timezone" => "zoneinfo",
        "lastUpdateTime" => "updated_at",
        other => other,
    }
    .to_string()
}

/// `auth.oauth`, present when external providers give both callback and logout URLs.
fn oauth_config(login: &Value, ctx: &OutputsContext) -> Option<Value> {
    let ext = login.get("externalProviders")?;
    let urls = |k: &str| -> Vec<Value> {
        ext.get(k)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let (sign_in, sign_out) = (urls("callbackUrls"), urls("logoutUrls"));
    if sign_in.is_empty() || sign_out.is_empty() {
        return None;
    }
    let mut providers = Vec::new();
    for (key, name) in [
        ("google", "GOOGLE"),
        ("facebook", "FACEBOOK"),
        ("loginWithAmazon", "LOGIN_WITH_AMAZON"),
        ("signInWithApple", "SIGN_IN_WITH_APPLE"),
    ] {
        if ext.get(key).is_some_and(truthy) {
            providers.push(name);
        }
    }
    // UserPoolClient.configureOAuthScopes: keep order, add `openid` for phone/email/profile.
    let scope_name = |s: &str| -> String {
        match s {
            "PHONE" => "phone".into(),
            "EMAIL" => "email".into(),
            "OPENID" => "openid".into(),
            "PROFILE" => "profile".into(),
            "COGNITO_ADMIN" => "aws.cognito.signin.user.admin".into(),
            other => other.into(),
        }
    };
    let mut scopes: Vec<String> = match ext.get("scopes").and_then(Value::as_array) {
        Some(list) => list
            .iter()
            .filter_map(Value::as_str)
            .map(scope_name)
            .collect(),
        None => [
            "phone",
            "email",
            "openid",
            "profile",
            "aws.cognito.signin.user.admin",
        ]
        .map(String::from)
        .to_vec(),
    };
    let mut seen = std::collections::HashSet::new();
    scopes.retain(|s| seen.insert(s.clone()));
    if scopes
        .iter()
        .any(|s| matches!(s.as_str(), "phone" | "email" | "profile"))
        && !seen.contains("openid")
    {
        scopes.push("openid".into());
    }
    let domain = ext
        .get("domainPrefix")
        .and_then(Value::as_str)
        .map(|p| format!("{p}.auth.{}.amazoncognito.com", ctx.region))
        .unwrap_or_default();
    Some(json!({
        "identity_providers": providers,
        "redirect_sign_in_uri": sign_in,
        "redirect_sign_out_uri": sign_out,
        "response_type": "code",
        "scopes": scopes,
        "domain": domain
    }))
}

/// `auth.passwordless` (1.4): OTP sign-in and passkeys from `loginWith`.
fn passwordless_config(auth: &AuthDefinition) -> Option<Value> {
    let login = &auth.login_with;
    let otp = |k: &str| {
        login
            .get(k)
            .and_then(|v| v.get("otpLogin"))
            .and_then(Value::as_bool)
            == Some(true)
    };
    let (email_otp, sms_otp) = (otp("email"), otp("phone"));
    let web_authn = login
        .get("webAuthn")
        .filter(|v| !v.is_null() && *v != &Value::Bool(false));
    let preferred = auth
        .other
        .get("passwordlessOptions")
        .and_then(|p| p.get("preferredChallenge"))
        .and_then(Value::as_str);
    let mut out = Map::new();
    if email_otp || sms_otp || web_authn.is_some() {
        out.insert("email_otp_enabled".into(), json!(email_otp));
        out.insert("sms_otp_enabled".into(), json!(sms_otp));
        if let Some(w) = web_authn {
            let rp = w
                .get("relyingPartyId")
                .and_then(Value::as_str)
                .unwrap_or("AUTO");
            let rp = if rp == "AUTO" { "localhost" } else { rp };
            let uv = if w.get("userVerification").and_then(Value::as_str) == Some("required") {
                "required"
            } else {
                "preferred"
            };
            out.insert(
                "web_authn".into(),
                json!({ "relying_party_id": rp, "user_verification": uv }),
            );
        }
    }
    if let Some(p) = preferred {
        out.insert("preferred_challenge".into(), json!(p));
    }
    if out.is_empty() {
        None
    } else {
        Some(Value::Object(out))
    }
}

/// `DataClientConfigContributor`.
fn data_config(data: &CompiledDataOutputs, ctx: &OutputsContext) -> Value {
    let mut out = Map::new();
    out.insert("url".into(), json!(ctx.graphql_url()));
    out.insert("aws_region".into(), json!(ctx.region));
    let has_key = data.default_authorization_type == AuthType::ApiKey
        || data
            .additional_authorization_types
            .contains(&AuthType::ApiKey);
    if let Some(key) = data
        .api_key
        .clone()
        .or_else(|| has_key.then(|| ctx.api_key.clone()))
    {
        out.insert("api_key".into(), json!(key));
    }
    out.insert(
        "default_authorization_type".into(),
        json!(data.default_authorization_type.appsync_name()),
    );
    if !data.additional_authorization_types.is_empty() {
        let types: Vec<&str> = data
            .additional_authorization_types
            .iter()
            .map(|t| t.appsync_name())
            .collect();
        out.insert("authorization_types".into(), json!(types));
    }
    if !data.model_introspection.is_null() {
        out.insert(
            "model_introspection".into(),
            data.model_introspection.clone(),
        );
    }
    Value::Object(out)
}

/// `StorageClientConfigContributor*` over what `StorageOutputsAspect` stores.
fn storage_config(
    def: &BackendDefinition,
    ctx: &OutputsContext,
    version: OutputsVersion,
) -> Result<Option<Value>, OutputsError> {
    if def.storage.is_empty() {
        return Ok(None);
    }
    let defaults: Vec<&StorageDefinition> = def.storage.iter().filter(|s| s.is_default).collect();
    let default = match (defaults.len(), def.storage.len()) {
        (0, 1) => &def.storage[0],
        (0, _) => return Err(OutputsError::NoDefaultStorage),
        (1, _) => defaults[0],
        _ => return Err(OutputsError::MultipleDefaultStorage),
    };
    let mut out = Map::new();
    out.insert("aws_region".into(), json!(ctx.region));
    out.insert(
        "bucket_name".into(),
        json!(ctx.bucket_name_for(&default.name)),
    );
    if version.at_least(OutputsVersion::V1_1) {
        let mut buckets = Vec::new();
        for s in &def.storage {
            let mut b = Map::new();
            b.insert("name".into(), json!(s.name));
            b.insert("bucket_name".into(), json!(ctx.bucket_name_for(&s.name)));
            b.insert("aws_region".into(), json!(ctx.region));
            if version.at_least(OutputsVersion::V1_2) && !s.access.is_empty() {
                b.insert("paths".into(), storage_paths(s)?);
            }
            buckets.push(Value::Object(b));
        }
        out.insert("buckets".into(), Value::Array(buckets));
    }
    Ok(Some(Value::Object(out)))
}

/// The `paths` of a bucket as `StorageAccessOrchestrator.orchestrateStorageAccess` returns
/// them: `{entity_id}` becomes `${cognito-identity.amazonaws.com:sub}` for entity rules and
/// `*` for the others (a trailing `/*/*` then loses its last `/*`), `read` becomes
/// `get` + `list`, and each principal gets a key: `guest`, `authenticated`,
/// `groups<Name>`, `entity<entity>`. Resource rules grant functions and add no key.
pub fn storage_paths(storage: &StorageDefinition) -> Result<Value, OutputsError> {
    const ENTITY_SUB: &str = "${cognito-identity.amazonaws.com:sub}";
    let mut out: Map<String, Value> = Map::new();
    for (path, rules) in &storage.access {
        let mut unique = std::collections::HashSet::new();
        for rule in rules {
            let mut actions: Vec<String> = Vec::new();
            for a in &rule.actions {
                let expanded: &[&str] = if a == "read" {
                    &["get", "list"]
                } else {
                    &[a.as_str()]
                };
                for e in expanded {
                    if !actions.iter().any(|x| x == e) {
                        actions.push(e.to_string());
                    }
                }
            }
            let (ids, substitution): (Vec<(String, String)>, &str) = match rule.principal.as_str() {
                "guest" => (vec![("guest".into(), "guest users".into())], "*"),
                "authenticated" => (
                    vec![("authenticated".into(), "authenticated users".into())],
                    "*",
                ),
                "groups" | "group" => (
                    rule.groups
                        .iter()
                        .map(|g| (format!("groups{g}"), format!("group {g}")))
                        .collect(),
                    "*",
                ),
                "entity" => {
                    let e = rule.entity.clone().unwrap_or_else(|| "identity".into());
                    (vec![(format!("entity{e}"), e)], ENTITY_SUB)
                }
                _ => (Vec::new(), "*"),
            };
            let mut access = Map::new();
            for (id, what) in ids {
                if !unique.insert(id.clone()) {
                    return Err(OutputsError::InvalidStorageAccess {
                        path: path.clone(),
                        message: format!("access for {what} is specified multiple times."),
                    });
                }
                access.insert(id, json!(actions));
            }
            let mut prefix = path.replace("{entity_id}", substitution);
            if prefix.ends_with("/*/*") {
                prefix.truncate(prefix.len() - 2);
            }
            let entry = out
                .entry(prefix)
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(m) = entry {
                for (k, v) in access {
                    m.insert(k, v);
                }
            }
        }
    }
    Ok(Value::Object(out))
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        _ => true,
    }
}

// ---------------------------------------------------------------------------------------
// Local form: `parseAmplifyOutputs` of the spec file, plus the local endpoints
// ---------------------------------------------------------------------------------------

/// `parseAmplifyOutputs` of `@aws-amplify/core` (6.19), ported key by key. Keys the
/// client leaves `undefined` are omitted, as `JSON.stringify` omits them.
pub fn parse_amplify_outputs(outputs: &Map<String, Value>) -> Map<String, Value> {
    let mut rc = Map::new();
    if let Some(storage) = outputs.get("storage").filter(|v| truthy(v)) {
        rc.insert("Storage".into(), parse_storage(storage));
    }
    if let Some(auth) = outputs.get("auth").filter(|v| truthy(v)) {
        rc.insert("Auth".into(), parse_auth(auth));
    }
    if let Some(analytics) = outputs.get("analytics").filter(|v| truthy(v))
        && let Some(pinpoint) = analytics.get("amazon_pinpoint").filter(|v| truthy(v))
    {
        rc.insert(
            "Analytics".into(),
            json!({ "Pinpoint": compact(json!({ "appId": pinpoint.get("app_id"), "region": pinpoint.get("aws_region") })) }),
        );
    }
    if let Some(geo) = outputs.get("geo").filter(|v| truthy(v)) {
        rc.insert(
            "Geo".into(),
            json!({ "LocationService": compact(json!({
                "region": geo.get("aws_region"),
                "searchIndices": geo.get("search_indices"),
                "geofenceCollections": geo.get("geofence_collections"),
                "maps": geo.get("maps"),
            })) }),
        );
    }
    if let Some(data) = outputs.get("data").filter(|v| truthy(v)) {
        let auth_mode = data
            .get("default_authorization_type")
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<AuthType>().ok());
        rc.insert(
            "API".into(),
            json!({ "GraphQL": compact(json!({
                "endpoint": data.get("url"),
                "defaultAuthMode": auth_mode.map(AuthType::client_name),
                "region": data.get("aws_region"),
                "apiKey": data.get("api_key"),
                "modelIntrospection": data.get("model_introspection"),
            })) }),
        );
    }
    if let Some(events) = outputs
        .get("custom")
        .and_then(|c| c.get("events"))
        .filter(|v| truthy(v))
    {
        let auth_mode = events
            .get("default_authorization_type")
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<AuthType>().ok());
        let ev = compact(json!({
            "endpoint": events.get("url"),
            "defaultAuthMode": auth_mode.map(AuthType::client_name),
            "region": events.get("aws_region"),
            "apiKey": events.get("api_key"),
        }));
        let api = rc.entry("API").or_insert_with(|| json!({}));
        api.as_object_mut().unwrap().insert("Events".into(), ev);
    }
    if let Some(n) = outputs.get("notifications").filter(|v| truthy(v))
        && let Some(parsed) = parse_notifications(n)
    {
        rc.insert("Notifications".into(), parsed);
    }
    rc
}

fn parse_storage(storage: &Value) -> Value {
    let mut s3 = Map::new();
    put(&mut s3, "bucket", storage.get("bucket_name"));
    put(&mut s3, "region", storage.get("aws_region"));
    if let Some(buckets) = storage.get("buckets").and_then(Value::as_array) {
        let mut map = Map::new();
        for b in buckets {
            let Some(name) = b.get("name").and_then(Value::as_str) else {
                continue;
            };
            let mut info = Map::new();
            put(&mut info, "bucketName", b.get("bucket_name"));
            put(&mut info, "region", b.get("aws_region"));
            if let Some(paths) = b.get("paths").and_then(Value::as_object) {
                let sanitized: Map<String, Value> = paths
                    .iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                info.insert("paths".into(), Value::Object(sanitized));
            }
            map.insert(name.to_string(), Value::Object(info));
        }
        s3.insert("buckets".into(), Value::Object(map));
    }
    json!({ "S3": s3 })
}

fn parse_auth(auth: &Value) -> Value {
    let mut c = Map::new();
    put(&mut c, "userPoolId", auth.get("user_pool_id"));
    put(&mut c, "userPoolClientId", auth.get("user_pool_client_id"));
    put(&mut c, "groups", auth.get("groups"));
    if let Some(id) = auth.get("identity_pool_id").filter(|v| truthy(v)) {
        c.insert("identityPoolId".into(), id.clone());
    }
    if let Some(p) = auth.get("password_policy").filter(|v| truthy(v)) {
        let mut pf = Map::new();
        put(&mut pf, "requireLowercase", p.get("require_lowercase"));
        put(&mut pf, "requireNumbers", p.get("require_numbers"));
        put(&mut pf, "requireUppercase", p.get("require_uppercase"));
        put(
            &mut pf,
            "requireSpecialCharacters",
            p.get("require_symbols"),
        );
        pf.insert(
            "minLength".into(),
            p.get("min_length")
                .filter(|v| !v.is_null())
                .cloned()
                .unwrap_or(json!(6)),
        );
        c.insert("passwordFormat".into(), Value::Object(pf));
    }
    if let Some(mfa) = auth.get("mfa_configuration").filter(|v| truthy(v)) {
        let status = match mfa.as_str() {
            Some("OPTIONAL") => "optional",
            Some("REQUIRED") => "on",
            _ => "off",
        };
        let methods = auth.get("mfa_methods").and_then(Value::as_array);
        let has = |m: &str| methods.map(|ms| Value::Bool(ms.iter().any(|x| x == m)));
        let mut mfa_c = Map::new();
        mfa_c.insert("status".into(), json!(status));
        put(&mut mfa_c, "smsEnabled", has("SMS").as_ref());
        put(&mut mfa_c, "totpEnabled", has("TOTP").as_ref());
        c.insert("mfa".into(), Value::Object(mfa_c));
    }
    if let Some(g) = auth
        .get("unauthenticated_identities_enabled")
        .filter(|v| truthy(v))
    {
        c.insert("allowGuestAccess".into(), g.clone());
    }
    let mut login_with: Option<Map<String, Value>> = None;
    if let Some(o) = auth.get("oauth").filter(|v| truthy(v)) {
        let providers: Vec<&str> = o
            .get("identity_providers")
            .and_then(Value::as_array)
            .map(|ps| {
                ps.iter()
                    .filter_map(|p| match p.as_str()? {
                        "GOOGLE" => Some("Google"),
                        "LOGIN_WITH_AMAZON" => Some("Amazon"),
                        "FACEBOOK" => Some("Facebook"),
                        "SIGN_IN_WITH_APPLE" => Some("Apple"),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut oauth = Map::new();
        put(&mut oauth, "domain", o.get("domain"));
        put(&mut oauth, "redirectSignIn", o.get("redirect_sign_in_uri"));
        put(
            &mut oauth,
            "redirectSignOut",
            o.get("redirect_sign_out_uri"),
        );
        let rt = if o.get("response_type").and_then(Value::as_str) == Some("token") {
            "token"
        } else {
            "code"
        };
        oauth.insert("responseType".into(), json!(rt));
        put(&mut oauth, "scopes", o.get("scopes"));
        oauth.insert("providers".into(), json!(providers));
        let mut lw = Map::new();
        lw.insert("oauth".into(), Value::Object(oauth));
        login_with = Some(lw);
    }
    if let Some(u) = auth
        .get("username_attributes")
        .filter(|v| truthy(v))
        .and_then(Value::as_array)
    {
        let lw = login_with.get_or_insert_with(Map::new);
        lw.insert("email".into(), json!(u.iter().any(|x| x == "email")));
        lw.insert("phone".into(), json!(u.iter().any(|x| x == "phone_number")));
        lw.insert("username".into(), json!(u.iter().any(|x| x == "username")));
    }
    if let Some(lw) = login_with {
        c.insert("loginWith".into(), Value::Object(lw));
    }
    if let Some(attrs) = auth
        .get("standard_required_attributes")
        .filter(|v| truthy(v))
        .and_then(Value::as_array)
    {
        let mut ua = Map::new();
        for a in attrs.iter().filter_map(Value::as_str) {
            ua.insert(a.to_string(), json!({ "required": true }));
        }
        c.insert("userAttributes".into(), Value::Object(ua));
    }
    if let Some(p) = auth.get("passwordless").filter(|v| truthy(v)) {
        let mut pl = Map::new();
        put(&mut pl, "emailOtpEnabled", p.get("email_otp_enabled"));
        put(&mut pl, "smsOtpEnabled", p.get("sms_otp_enabled"));
        if let Some(w) = p.get("web_authn").filter(|v| truthy(v)) {
            pl.insert(
                "webAuthn".into(),
                compact(json!({ "relyingPartyId": w.get("relying_party_id"), "userVerification": w.get("user_verification") })),
            );
        }
        put(&mut pl, "preferredChallenge", p.get("preferred_challenge"));
        c.insert("passwordless".into(), Value::Object(pl));
    }
    json!({ "Cognito": c })
}

fn parse_notifications(n: &Value) -> Option<Value> {
    let channels: Vec<&str> = n
        .get("channels")
        .and_then(Value::as_array)
        .map(|c| c.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let in_app = channels.contains(&"IN_APP_MESSAGING");
    let push = channels.contains(&"APNS") || channels.contains(&"FCM");
    let connect = n.get("amazon_connect").filter(|v| truthy(v));
    if !(in_app || push || connect.is_some()) {
        return None;
    }
    let app_id = n.get("amazon_pinpoint_app_id").filter(|v| truthy(v));
    let region = n.get("aws_region").filter(|v| truthy(v));
    let mut out = Map::new();
    if in_app && let (Some(a), Some(r)) = (app_id, region) {
        out.insert(
            "InAppMessaging".into(),
            json!({ "Pinpoint": { "appId": a, "region": r } }),
        );
    }
    let mut push_c = Map::new();
    if push && let (Some(a), Some(r)) = (app_id, region) {
        push_c.insert("Pinpoint".into(), json!({ "appId": a, "region": r }));
    }
    if let Some(c) = connect {
        push_c.insert(
            "CustomerProfiles".into(),
            compact(json!({ "endpoint": c.get("endpoint"), "region": c.get("aws_region") })),
        );
    }
    if !push_c.is_empty() {
        out.insert("PushNotification".into(), Value::Object(push_c));
    }
    Some(Value::Object(out))
}

fn put(m: &mut Map<String, Value>, key: &str, v: Option<&Value>) {
    if let Some(v) = v.filter(|v| !v.is_null()) {
        m.insert(key.to_string(), v.clone());
    }
}

/// Drops `null` members, as `JSON.stringify` drops `undefined` ones.
fn compact(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(m.into_iter().filter(|(_, v)| !v.is_null()).collect()),
        other => other,
    }
}

/// The local form (client-protocol.md §1.5): `parseAmplifyOutputs(spec)`, then
/// `version: "0-local"`, the Cognito endpoints, the upper-case GraphQL URL, the S3 testing
/// switch when the installed client has the fix, and `custom` kept as written so app code
/// that reads `outputs.custom.*` keeps working.
fn local_config(spec: &Map<String, Value>, ctx: &OutputsContext) -> Value {
    let parsed = parse_amplify_outputs(spec);
    let mut out = Map::new();
    out.insert("version".into(), json!(OutputsVersion::Local.as_str()));
    for (k, v) in parsed {
        out.insert(k, v);
    }
    let endpoint = format!("{}/", ctx.base_url.trim_end_matches('/'));
    if let Some(c) = out
        .get_mut("Auth")
        .and_then(|a| a.get_mut("Cognito"))
        .and_then(Value::as_object_mut)
    {
        c.insert("userPoolEndpoint".into(), json!(endpoint));
        if c.contains_key("identityPoolId") {
            c.insert("identityPoolEndpoint".into(), json!(endpoint));
        }
    }
    if let Some(g) = out
        .get_mut("API")
        .and_then(|a| a.get_mut("GraphQL"))
        .and_then(Value::as_object_mut)
    {
        g.insert("endpoint".into(), json!(ctx.graphql_url_for_local_client()));
    }
    if ctx.storage_local_endpoint_fix
        && let Some(s3) = out
            .get_mut("Storage")
            .and_then(|s| s.get_mut("S3"))
            .and_then(Value::as_object_mut)
    {
        s3.insert(
            "dangerouslyConnectToHttpEndpointForTesting".into(),
            json!(ctx.s3_endpoint),
        );
    }
    if let Some(custom) = spec.get("custom") {
        out.insert("custom".into(), custom.clone());
    }
    Value::Object(out)
}

// ---------------------------------------------------------------------------------------
// Version 0 (`ClientConfigLegacyConverter`)
// ---------------------------------------------------------------------------------------

fn legacy_config(c: &Map<String, Value>, ctx: &OutputsContext) -> Value {
    let mut out = Map::new();
    let (auth, data, storage) = (c.get("auth"), c.get("data"), c.get("storage"));
    if auth.is_some() || data.is_some() || storage.is_some() {
        let region = [auth, data, storage]
            .into_iter()
            .flatten()
            .find_map(|x| x.get("aws_region").filter(|v| !v.is_null()));
        put(&mut out, "aws_project_region", region);
    }
    if let Some(a) = auth {
        put(&mut out, "aws_user_pools_id", a.get("user_pool_id"));
        put(&mut out, "aws_cognito_region", a.get("aws_region"));
        put(
            &mut out,
            "aws_user_pools_web_client_id",
            a.get("user_pool_client_id"),
        );
        put(
            &mut out,
            "aws_cognito_identity_pool_id",
            a.get("identity_pool_id"),
        );
        if let Some(g) = a
            .get("unauthenticated_identities_enabled")
            .filter(|v| truthy(v))
        {
            out.insert(
                "allowUnauthenticatedIdentities".into(),
                json!(if truthy(g) { "true" } else { "false" }),
            );
        }
        if let Some(m) = a.get("mfa_methods").filter(|v| truthy(v)) {
            out.insert("aws_cognito_mfa_types".into(), m.clone());
        }
        if let Some(m) = a.get("mfa_configuration").and_then(Value::as_str) {
            let v = match m {
                "NONE" => Some("OFF"),
                "OPTIONAL" => Some("OPTIONAL"),
                "REQUIRED" => Some("ON"),
                _ => None,
            };
            if let Some(v) = v {
                out.insert("aws_cognito_mfa_configuration".into(), json!(v));
            }
        }
        let upper = |key: &str| -> Option<Value> {
            a.get(key).and_then(Value::as_array).map(|list| {
                Value::Array(
                    list.iter()
                        .filter_map(Value::as_str)
                        .map(|s| json!(s.to_uppercase()))
                        .collect(),
                )
            })
        };
        if a.get("standard_required_attributes").is_some_and(truthy) {
            put(
                &mut out,
                "aws_cognito_signup_attributes",
                upper("standard_required_attributes").as_ref(),
            );
        }
        if a.get("username_attributes").is_some_and(truthy) {
            put(
                &mut out,
                "aws_cognito_username_attributes",
                upper("username_attributes").as_ref(),
            );
        }
        put(
            &mut out,
            "aws_cognito_verification_mechanisms",
            upper("user_verification_types").as_ref(),
        );
        if let Some(p) = a.get("password_policy").filter(|v| truthy(v)) {
            let mut settings = Map::new();
            if let Some(min) = p.get("min_length").filter(|v| truthy(v)) {
                settings.insert("passwordPolicyMinLength".into(), min.clone());
            }
            let mut req = Vec::new();
            for (k, name) in [
                ("require_numbers", "REQUIRES_NUMBERS"),
                ("require_lowercase", "REQUIRES_LOWERCASE"),
                ("require_uppercase", "REQUIRES_UPPERCASE"),
                ("require_symbols", "REQUIRES_SYMBOLS"),
            ] {
                if p.get(k).is_some_and(truthy) {
                    req.push(name);
                }
            }
            settings.insert("passwordPolicyCharacters".into(), json!(req));
            out.insert(
                "aws_cognito_password_protection_settings".into(),
                Value::Object(settings),
            );
        }
        if let Some(o) = a.get("oauth").filter(|v| truthy(v)) {
            let providers: Vec<Value> = o
                .get("identity_providers")
                .and_then(Value::as_array)
                .map(|ps| {
                    ps.iter()
                        .map(|p| match p.as_str() {
                            Some("SIGN_IN_WITH_APPLE") => json!("APPLE"),
                            Some("LOGIN_WITH_AMAZON") => json!("AMAZON"),
                            _ => p.clone(),
                        })
                        .collect()
                })
                .unwrap_or_default();
            let join = |k: &str| -> Value {
                json!(
                    o.get(k)
                        .and_then(Value::as_array)
                        .map(|l| l
                            .iter()
                            .filter_map(Value::as_str)
                            .collect::<Vec<_>>()
                            .join(","))
                        .unwrap_or_default()
                )
            };
            let mut oauth = Map::new();
            put(&mut oauth, "domain", o.get("domain"));
            put(&mut oauth, "scope", o.get("scopes"));
            oauth.insert("redirectSignIn".into(), join("redirect_sign_in_uri"));
            oauth.insert("redirectSignOut".into(), join("redirect_sign_out_uri"));
            put(&mut oauth, "responseType", o.get("response_type"));
            out.insert("oauth".into(), Value::Object(oauth));
            out.insert(
                "aws_cognito_social_providers".into(),
                Value::Array(providers),
            );
        }
    }
    if let Some(d) = data {
        put(
            &mut out,
            "aws_appsync_authenticationType",
            d.get("default_authorization_type"),
        );
        put(&mut out, "aws_appsync_region", d.get("aws_region"));
        put(&mut out, "aws_appsync_graphqlEndpoint", d.get("url"));
        put(&mut out, "modelIntrospection", d.get("model_introspection"));
        if let Some(k) = d.get("api_key").filter(|v| truthy(v)) {
            out.insert("aws_appsync_apiKey".into(), k.clone());
        }
        if let Some(t) = d.get("authorization_types").and_then(Value::as_array) {
            let joined = t
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(",");
            out.insert(
                "aws_appsync_additionalAuthenticationTypes".into(),
                json!(joined),
            );
        }
    }
    if let Some(s) = storage {
        put(&mut out, "aws_user_files_s3_bucket", s.get("bucket_name"));
        put(
            &mut out,
            "aws_user_files_s3_bucket_region",
            s.get("aws_region"),
        );
        if ctx.storage_local_endpoint_fix {
            out.insert(
                "aws_user_files_s3_dangerously_connect_to_http_endpoint_for_testing".into(),
                json!(ctx.s3_endpoint),
            );
        }
    }
    if let Some(a) = c.get("analytics").and_then(|a| a.get("amazon_pinpoint")) {
        out.insert(
            "Analytics".into(),
            json!({ "Pinpoint": compact(json!({ "appId": a.get("app_id"), "region": a.get("aws_region") })) }),
        );
        put(&mut out, "aws_mobile_analytics_app_id", a.get("app_id"));
        put(
            &mut out,
            "aws_mobile_analytics_app_region",
            a.get("aws_region"),
        );
    }
    if let Some(custom) = c.get("custom") {
        out.insert("custom".into(), custom.clone());
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sandbox_ids_are_stable_and_well_formed() {
        let a = OutputsContext::for_sandbox("todo", "alice", "us-east-1", ["media"]);
        let b = OutputsContext::for_sandbox("todo", "alice", "us-east-1", ["media"]);
        assert_eq!(a, b);
        let c = OutputsContext::for_sandbox("todo", "bob", "us-east-1", ["media"]);
        assert_ne!(a.user_pool_id, c.user_pool_id);

        let (region, suffix) = a.user_pool_id.split_once('_').unwrap();
        assert_eq!(region, "us-east-1");
        assert_eq!(suffix.len(), 9);
        assert!(suffix.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_eq!(a.user_pool_client_id.len(), 26);
        assert!(
            a.user_pool_client_id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        );
        let (region, uuid) = a.identity_pool_id.split_once(':').unwrap();
        assert_eq!(region, "us-east-1");
        let groups: Vec<usize> = uuid.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12]);
        assert!(a.api_key.starts_with("da2-") && a.api_key.len() == 30);
        let bucket = &a.bucket_names["media"];
        assert!(
            bucket.len() <= 63 && bucket.starts_with("amplify-todo-alice-media-"),
            "{bucket}"
        );
        assert!(
            bucket
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        );
    }

    #[test]
    fn long_names_give_valid_bucket_names() {
        let name = bucket_name(&"My App".repeat(20), "User.Name", "Media_Files");
        assert!(name.len() <= 63, "{name}");
        assert!(
            !name.contains("--") && !name.contains('.') && !name.contains('_'),
            "{name}"
        );
    }

    #[test]
    fn versions_parse() {
        assert_eq!(
            "1.3".parse::<OutputsVersion>().unwrap(),
            OutputsVersion::V1_3
        );
        assert_eq!(
            "local".parse::<OutputsVersion>().unwrap(),
            OutputsVersion::Local
        );
        assert!("2".parse::<OutputsVersion>().is_err());
    }
}
