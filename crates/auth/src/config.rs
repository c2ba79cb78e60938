//! The user pool's settings, from `defineAuth` ([`AuthDefinition`]) and the deterministic ids.

use std::collections::BTreeMap;

use ampbase_definition::AuthDefinition;
use serde_json::Value;

/// Cognito's standard attributes (all exist in every pool; `userAttributes` only makes them
/// required or immutable).
pub const STANDARD_ATTRIBUTES: &[&str] = &[
    "address",
    "birthdate",
    "email",
    "family_name",
    "gender",
    "given_name",
    "locale",
    "middle_name",
    "name",
    "nickname",
    "phone_number",
    "picture",
    "preferred_username",
    "profile",
    "updated_at",
    "website",
    "zoneinfo",
    "email_verified",
    "phone_number_verified",
];

/// One attribute of the pool's schema.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeSpec {
    pub required: bool,
    pub mutable: bool,
    /// `String`, `Number`, `Boolean` or `DateTime` (custom attributes).
    pub data_type: String,
    pub min_len: Option<usize>,
    pub max_len: Option<usize>,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

impl Default for AttributeSpec {
    fn default() -> Self {
        AttributeSpec {
            required: false,
            mutable: true,
            data_type: "String".into(),
            min_len: None,
            max_len: None,
            min: None,
            max: None,
        }
    }
}

/// Cognito's password policy. The defaults are Cognito's (and what `amplify_outputs.json`
/// advertises).
#[derive(Debug, Clone, PartialEq)]
pub struct PasswordPolicy {
    pub min_length: usize,
    pub require_lowercase: bool,
    pub require_uppercase: bool,
    pub require_numbers: bool,
    pub require_symbols: bool,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy {
            min_length: 8,
            require_lowercase: true,
            require_uppercase: true,
            require_numbers: true,
            require_symbols: true,
        }
    }
}

/// Everything the user pool needs to know about itself.
#[derive(Debug, Clone)]
pub struct PoolConfig {
    /// `us-east-1_XXXXXXXXX`.
    pub user_pool_id: String,
    /// The app client the outputs name.
    pub client_id: String,
    /// The main listener's URL without a trailing slash (`http://localhost:20002`); the
    /// token issuer is `<base_url>/<user_pool_id>`.
    pub base_url: String,
    /// Email is a username attribute (`loginWith.email`).
    pub email_login: bool,
    /// Phone number is a username attribute (`loginWith.phone`).
    pub phone_login: bool,
    /// Cognito attribute name (`given_name`, `custom:tenant`) → spec. Standard attributes not
    /// listed are optional and mutable; custom attributes must be listed.
    pub attributes: BTreeMap<String, AttributeSpec>,
    pub password_policy: PasswordPolicy,
    /// Verification email; `{####}` stands for the code.
    pub email_subject: String,
    pub email_body: String,
    pub sms_message: String,
    pub groups: Vec<String>,
    /// `accountRecovery`: `EMAIL_ONLY` (default), `PHONE_ONLY_WITHOUT_MFA`, ...
    pub account_recovery: String,
    /// `multifactor.mode`: `OFF`, `OPTIONAL` or `REQUIRED`.
    pub mfa_mode: String,
    /// MFA methods the pool allows (`multifactor.totp`, `.sms`, `.email`).
    pub mfa_totp: bool,
    pub mfa_sms: bool,
    pub mfa_email: bool,
    /// Passwordless sign-in with a code (`loginWith.email.otpLogin`, `loginWith.phone.otpLogin`).
    pub email_otp_login: bool,
    pub sms_otp_login: bool,
    pub access_token_seconds: i64,
    pub id_token_seconds: i64,
    pub refresh_token_seconds: i64,
    /// How long a sign-in session (`Session`, `SECRET_BLOCK`) stays valid.
    pub session_seconds: i64,
    /// Sign-up and attribute verification codes.
    pub code_seconds: i64,
    /// Forgot-password codes.
    pub reset_code_seconds: i64,
}

impl PoolConfig {
    /// A pool with Cognito's defaults and email sign-in.
    pub fn new(user_pool_id: impl Into<String>, client_id: impl Into<String>) -> PoolConfig {
        PoolConfig {
            user_pool_id: user_pool_id.into(),
            client_id: client_id.into(),
            base_url: "http://localhost:20002".into(),
            email_login: true,
            phone_login: false,
            attributes: BTreeMap::from([(
                "email".to_string(),
                AttributeSpec {
                    required: true,
                    ..AttributeSpec::default()
                },
            )]),
            password_policy: PasswordPolicy::default(),
            email_subject: "Verify your new account".into(),
            email_body: "The verification code to your new account is {####}".into(),
            sms_message: "The verification code to your new account is {####}".into(),
            groups: Vec::new(),
            account_recovery: "EMAIL_ONLY".into(),
            mfa_mode: "OFF".into(),
            mfa_totp: false,
            mfa_sms: false,
            mfa_email: false,
            email_otp_login: false,
            sms_otp_login: false,
            access_token_seconds: 3600,
            id_token_seconds: 3600,
            refresh_token_seconds: 30 * 24 * 3600,
            session_seconds: 180,
            code_seconds: 24 * 3600,
            reset_code_seconds: 3600,
        }
    }

    /// The pool `defineAuth` describes.
    pub fn from_definition(
        def: &AuthDefinition,
        user_pool_id: impl Into<String>,
        client_id: impl Into<String>,
        base_url: impl Into<String>,
    ) -> PoolConfig {
        let mut c = PoolConfig::new(user_pool_id, client_id);
        c.base_url = base_url.into().trim_end_matches('/').to_string();
        let login = &def.login_with;
        let on = |k: &str| login.get(k).is_some_and(truthy);
        let no_login = login.as_object().is_none_or(|o| o.is_empty());
        c.email_login = on("email") || no_login;
        c.phone_login = on("phone");
        if login.get("username").is_some_and(truthy) && !on("email") && !on("phone") {
            c.email_login = false;
        }
        c.attributes.clear();
        if c.email_login {
            c.attributes.insert(
                "email".into(),
                AttributeSpec {
                    required: true,
                    ..Default::default()
                },
            );
        }
        if c.phone_login {
            c.attributes.insert(
                "phone_number".into(),
                AttributeSpec {
                    required: true,
                    ..Default::default()
                },
            );
        }
        for (key, value) in &def.user_attributes {
            if !truthy(value) {
                continue;
            }
            let name = if key.starts_with("custom:") {
                key.clone()
            } else {
                standard_attribute_name(key)
            };
            let num = |k: &str| value.get(k).and_then(Value::as_f64);
            let spec = AttributeSpec {
                required: value
                    .get("required")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                mutable: value
                    .get("mutable")
                    .and_then(Value::as_bool)
                    .unwrap_or(true),
                data_type: value
                    .get("dataType")
                    .and_then(Value::as_str)
                    .unwrap_or("String")
                    .to_string(),
                min_len: num("minLen").map(|n| n as usize),
                max_len: num("maxLen").map(|n| n as usize),
                min: num("min"),
                max: num("max"),
            };
            c.attributes.insert(name, spec);
        }
        if let Some(email) = login.get("email").filter(|v| v.is_object()) {
            if let Some(s) = email
                .get("verificationEmailSubject")
                .and_then(Value::as_str)
            {
                c.email_subject = s.to_string();
            }
            if let Some(s) = email.get("verificationEmailBody").and_then(Value::as_str) {
                c.email_body = s.to_string();
            }
        }
        if let Some(phone) = login.get("phone").filter(|v| v.is_object())
            && let Some(s) = phone.get("verificationMessage").and_then(Value::as_str)
        {
            c.sms_message = s.to_string();
        }
        if let Some(p) = def.other.get("passwordPolicy").filter(|p| p.is_object()) {
            let b = |keys: &[&str], d: bool| {
                keys.iter()
                    .find_map(|k| p.get(*k).and_then(Value::as_bool))
                    .unwrap_or(d)
            };
            let d = PasswordPolicy::default();
            c.password_policy = PasswordPolicy {
                min_length: p
                    .get("minLength")
                    .and_then(Value::as_u64)
                    .map(|n| n as usize)
                    .unwrap_or(d.min_length),
                require_lowercase: b(&["requireLowercase"], d.require_lowercase),
                require_uppercase: b(&["requireUppercase"], d.require_uppercase),
                require_numbers: b(&["requireNumbers", "requireDigits"], d.require_numbers),
                require_symbols: b(&["requireSymbols"], d.require_symbols),
            };
        }
        let otp = |k: &str| {
            login
                .get(k)
                .and_then(|v| v.get("otpLogin"))
                .and_then(Value::as_bool)
                == Some(true)
        };
        c.email_otp_login = otp("email");
        c.sms_otp_login = otp("phone");
        c.groups = def.groups.clone();
        if let Some(r) = &def.account_recovery {
            c.account_recovery = r.clone();
        }
        if let Some(m) = &def.multifactor {
            let mode = m.get("mode").and_then(Value::as_str).unwrap_or("OFF");
            if matches!(mode, "OPTIONAL" | "REQUIRED") {
                c.mfa_mode = mode.to_string();
                c.mfa_totp = m.get("totp").is_some_and(truthy);
                c.mfa_sms = m.get("sms").is_some_and(truthy);
                c.mfa_email = m.get("email").is_some_and(truthy);
            }
        }
        c
    }

    /// MFA is on (`OPTIONAL` or `REQUIRED`).
    pub fn mfa_on(&self) -> bool {
        self.mfa_mode != "OFF"
    }

    /// The SRP "pool name": the part of the pool id after `_`.
    pub fn pool_name(&self) -> &str {
        self.user_pool_id
            .split_once('_')
            .map(|(_, n)| n)
            .unwrap_or(&self.user_pool_id)
    }

    /// `iss` of the tokens.
    pub fn issuer(&self) -> String {
        format!("{}/{}", self.base_url, self.user_pool_id)
    }

    /// Usernames are chosen by users (no username attributes).
    pub fn username_login(&self) -> bool {
        !self.email_login && !self.phone_login
    }

    pub fn spec(&self, name: &str) -> Option<AttributeSpec> {
        if let Some(s) = self.attributes.get(name) {
            return Some(s.clone());
        }
        if STANDARD_ATTRIBUTES.contains(&name) {
            return Some(AttributeSpec::default());
        }
        None
    }
}

fn truthy(v: &Value) -> bool {
    !matches!(v, Value::Null | Value::Bool(false))
}

/// CDK `StandardAttributeNames`: `defineAuth` key → Cognito attribute name.
pub fn standard_attribute_name(key: &str) -> String {
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
        "emailVerified" => "email_verified",
        "phoneNumberVerified" => "phone_number_verified",
        other => other,
    }
    .to_string()
}
