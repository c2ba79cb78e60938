//! Signing, for the tests and tools that call the services (the verifier's mirror image).

use http::{HeaderMap, HeaderValue};

use crate::canonical::{self, ALGORITHM, RequestParts, TERMINATOR};

/// An access key, its secret, and the session token of temporary credentials.
#[derive(Clone)]
pub struct SigningCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl std::fmt::Debug for SigningCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningCredentials")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// `YYYYMMDDTHHMMSSZ` of a Unix time.
pub(crate) fn amz_date(unix_seconds: i64) -> String {
    chrono::DateTime::from_timestamp(unix_seconds, 0)
        .unwrap_or_default()
        .format("%Y%m%dT%H%M%SZ")
        .to_string()
}

/// Signs a request in place, as the AWS SDKs and the Amplify client do: adds `x-amz-date` (and
/// `x-amz-security-token`), signs every header present (`host` must be), and adds
/// `authorization`. `path` and `query` as they will be sent.
#[allow(clippy::too_many_arguments)]
pub fn sign_headers(
    credentials: &SigningCredentials,
    region: &str,
    service: &str,
    unix_seconds: i64,
    method: &str,
    path: &str,
    query: &str,
    headers: &mut HeaderMap,
    body: &[u8],
) {
    let date_time = amz_date(unix_seconds);
    headers.remove(http::header::AUTHORIZATION);
    headers.insert(
        "x-amz-date",
        HeaderValue::from_str(&date_time).expect("ASCII date"),
    );
    if let Some(token) = &credentials.session_token {
        headers.insert(
            "x-amz-security-token",
            HeaderValue::from_str(token).expect("session token is a header value"),
        );
    }
    let mut names: Vec<String> = headers
        .keys()
        .map(|k| k.as_str().to_ascii_lowercase())
        .collect();
    names.sort();
    names.dedup();
    let signed_headers = names.join(";");
    let payload_hash = canonical::sha256_hex(body);
    let scope = format!("{}/{region}/{service}/{TERMINATOR}", &date_time[..8]);
    let request = RequestParts {
        method,
        path,
        query,
        headers,
        body,
    };
    let canonical_request = canonical::canonical_request(&request, &signed_headers, &payload_hash);
    let to_sign = canonical::string_to_sign(&date_time, &scope, &canonical_request);
    let key = canonical::signing_key(
        &credentials.secret_access_key,
        &date_time[..8],
        region,
        service,
    );
    let signature = canonical::signature(&key, &to_sign);
    let authorization = format!(
        "{ALGORITHM} Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
        credentials.access_key_id
    );
    headers.insert(
        http::header::AUTHORIZATION,
        HeaderValue::from_str(&authorization).expect("ASCII authorization"),
    );
}

/// The query of a presigned request (`query` plus the `X-Amz-*` parameters and the signature),
/// signing `host` only, with the payload's SHA-256.
#[allow(clippy::too_many_arguments)]
pub fn presign_query(
    credentials: &SigningCredentials,
    region: &str,
    service: &str,
    unix_seconds: i64,
    expires_seconds: u32,
    method: &str,
    path: &str,
    query: &str,
    host: &str,
    body: &[u8],
) -> String {
    let date_time = amz_date(unix_seconds);
    let scope = format!("{}/{region}/{service}/{TERMINATOR}", &date_time[..8]);
    let encode = |s: &str| canonical::uri_encode(s.as_bytes(), false);
    let mut full = String::from(query);
    let mut add = |k: &str, v: &str| {
        if !full.is_empty() {
            full.push('&');
        }
        full.push_str(&format!("{k}={}", encode(v)));
    };
    add("X-Amz-Algorithm", ALGORITHM);
    add(
        "X-Amz-Credential",
        &format!("{}/{scope}", credentials.access_key_id),
    );
    add("X-Amz-Date", &date_time);
    add("X-Amz-Expires", &expires_seconds.to_string());
    if let Some(token) = &credentials.session_token {
        add("X-Amz-Security-Token", token);
    }
    add("X-Amz-SignedHeaders", "host");
    let mut headers = HeaderMap::new();
    headers.insert(
        http::header::HOST,
        HeaderValue::from_str(host).expect("host is a header value"),
    );
    let request = RequestParts {
        method,
        path,
        query: &full,
        headers: &headers,
        body,
    };
    let canonical_request =
        canonical::canonical_request(&request, "host", &canonical::sha256_hex(body));
    let to_sign = canonical::string_to_sign(&date_time, &scope, &canonical_request);
    let key = canonical::signing_key(
        &credentials.secret_access_key,
        &date_time[..8],
        region,
        service,
    );
    format!(
        "{full}&X-Amz-Signature={}",
        canonical::signature(&key, &to_sign)
    )
}
