//! Verification of a signed request.

use ampbase_core::Caller;
use http::HeaderMap;

use crate::canonical::{self, ALGORITHM, RequestParts, TERMINATOR};
use crate::sign::amz_date;
use crate::{CredentialSource, ErrorKind, Lookup, SigV4Error};

/// The longest validity AWS allows a presigned request (7 days).
const MAX_PRESIGNED_EXPIRES: i64 = 604_800;

/// Whether a request carries a SigV4 signature at all (header or presigned form).
pub fn is_signed(headers: &HeaderMap, query: &str) -> bool {
    let header = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with(ALGORITHM));
    header || query.split('&').any(|p| p.starts_with("X-Amz-Algorithm="))
}

/// Verifies requests for one service (`appsync`, `cognito-idp`).
#[derive(Debug, Clone)]
pub struct Verifier {
    service: String,
    max_skew_seconds: i64,
}

/// A request whose signature checked out.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    pub access_key_id: String,
    pub region: String,
    pub caller: Caller,
}

/// The signing parameters of a request, from its header or its query.
struct Signed {
    access_key_id: String,
    scope_date: String,
    region: String,
    service: String,
    terminator: String,
    signed_headers: String,
    signature: String,
    amz_date: String,
    session_token: Option<String>,
    /// `X-Amz-Expires` of the presigned form.
    expires: Option<i64>,
}

impl Verifier {
    /// A verifier for `service`, accepting request times within 5 minutes of the clock.
    pub fn new(service: impl Into<String>) -> Self {
        Verifier {
            service: service.into(),
            max_skew_seconds: 300,
        }
    }

    pub fn with_max_skew_seconds(mut self, seconds: i64) -> Self {
        self.max_skew_seconds = seconds;
        self
    }

    pub fn service(&self) -> &str {
        &self.service
    }

    /// Verifies `request` against the system clock.
    pub async fn verify(
        &self,
        request: &RequestParts<'_>,
        credentials: &dyn CredentialSource,
    ) -> Result<Verified, SigV4Error> {
        self.verify_at(request, credentials, chrono::Utc::now().timestamp())
            .await
    }

    /// Verifies `request` as if the time were `now` (Unix seconds).
    pub async fn verify_at(
        &self,
        request: &RequestParts<'_>,
        credentials: &dyn CredentialSource,
        now: i64,
    ) -> Result<Verified, SigV4Error> {
        let signed = parse(request)?;
        let request_time = parse_amz_date(&signed.amz_date)?;
        self.check_scope(&signed)?;
        if !signed.signed_headers.split(';').any(|h| h == "host") {
            return Err(SigV4Error::new(
                ErrorKind::InvalidSignature,
                "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
            ));
        }
        self.check_time(&signed, request_time, now)?;

        let payload_hash = payload_hash(request, signed.expires.is_some())?;
        let (secret, caller) = match credentials
            .lookup(&signed.access_key_id, signed.session_token.as_deref())
            .await
        {
            Lookup::Found { secret, caller } => (secret, caller),
            Lookup::Unknown | Lookup::InvalidToken => {
                return Err(SigV4Error::new(
                    ErrorKind::UnrecognizedClient,
                    "The security token included in the request is invalid.",
                ));
            }
            Lookup::Expired => {
                return Err(SigV4Error::new(
                    ErrorKind::ExpiredToken,
                    "The security token included in the request is expired",
                ));
            }
            Lookup::Failed(reason) => {
                return Err(SigV4Error::new(
                    ErrorKind::InternalFailure,
                    format!("The credentials could not be checked: {reason}"),
                ));
            }
        };
        let canonical_request =
            canonical::canonical_request(request, &signed.signed_headers, &payload_hash);
        let scope = format!(
            "{}/{}/{}/{}",
            signed.scope_date, signed.region, signed.service, signed.terminator
        );
        let to_sign = canonical::string_to_sign(&signed.amz_date, &scope, &canonical_request);
        let key =
            canonical::signing_key(&secret, &signed.scope_date, &signed.region, &signed.service);
        if !canonical::signature_matches(&key, &to_sign, &signed.signature) {
            // AWS shows what it signed, so that a client can find its mistake; neither part is secret.
            return Err(SigV4Error::new(
                ErrorKind::InvalidSignature,
                format!(
                    "The request signature we calculated does not match the signature you provided. Check your AWS Secret \
                     Access Key and signing method. Consult the service documentation for details.\n\nThe Canonical String \
                     for this request should have been\n'{canonical_request}'\n\nThe String-to-Sign should have been\n'{to_sign}'\n"
                ),
            ));
        }
        Ok(Verified {
            access_key_id: signed.access_key_id,
            region: signed.region,
            caller,
        })
    }

    fn check_scope(&self, signed: &Signed) -> Result<(), SigV4Error> {
        let invalid = |m: String| Err(SigV4Error::new(ErrorKind::InvalidSignature, m));
        if signed.amz_date.get(..8) != Some(signed.scope_date.as_str()) {
            return invalid(format!(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}', from '{}'.",
                signed.scope_date,
                signed.amz_date.get(..8).unwrap_or(""),
                signed.amz_date
            ));
        }
        if signed.region.is_empty() {
            return invalid("Credential should be scoped to a valid region. ".to_string());
        }
        if signed.service != self.service {
            return invalid(format!(
                "Credential should be scoped to correct service: '{}'. ",
                self.service
            ));
        }
        if signed.terminator != TERMINATOR {
            return invalid(format!(
                "Credential should be scoped with a valid terminator: '{TERMINATOR}', not '{}'. ",
                signed.terminator
            ));
        }
        Ok(())
    }

    fn check_time(&self, signed: &Signed, request_time: i64, now: i64) -> Result<(), SigV4Error> {
        let skew = self.max_skew_seconds;
        let minutes = skew / 60;
        if let Some(expires) = signed.expires {
            if now > request_time + expires {
                return Err(SigV4Error::new(
                    ErrorKind::InvalidSignature,
                    format!(
                        "Signature expired: {} is now earlier than {} ({} - {expires} sec.)",
                        signed.amz_date,
                        amz_date(now - expires),
                        amz_date(now)
                    ),
                ));
            }
        } else if request_time < now - skew {
            return Err(SigV4Error::new(
                ErrorKind::InvalidSignature,
                format!(
                    "Signature expired: {} is now earlier than {} ({} - {minutes} min.)",
                    signed.amz_date,
                    amz_date(now - skew),
                    amz_date(now)
                ),
            ));
        }
        if request_time > now + skew {
            return Err(SigV4Error::new(
                ErrorKind::InvalidSignature,
                format!(
                    "Signature not yet current: {} is still later than {} ({} + {minutes} min.)",
                    signed.amz_date,
                    amz_date(now + skew),
                    amz_date(now)
                ),
            ));
        }
        Ok(())
    }
}

/// The payload hash the signer must have used: the body's SHA-256. A signer may state it in
/// `x-amz-content-sha256`; a statement that is not the body's hash is refused, so that a
/// signature never covers a body other than the one received.
fn payload_hash(request: &RequestParts<'_>, presigned: bool) -> Result<String, SigV4Error> {
    let actual = canonical::sha256_hex(request.body);
    if presigned {
        return Ok(actual);
    }
    match request.headers.get("x-amz-content-sha256") {
        None => Ok(actual),
        Some(stated) if stated.as_bytes().eq_ignore_ascii_case(actual.as_bytes()) => {
            Ok(String::from_utf8_lossy(stated.as_bytes()).into_owned())
        }
        Some(_) => Err(SigV4Error::new(
            ErrorKind::InvalidSignature,
            "The provided 'x-amz-content-sha256' header does not match what was computed.",
        )),
    }
}

fn incomplete(message: impl Into<String>) -> SigV4Error {
    SigV4Error::new(ErrorKind::IncompleteSignature, message)
}

fn parse(request: &RequestParts<'_>) -> Result<Signed, SigV4Error> {
    if let Some(value) = request.headers.get(http::header::AUTHORIZATION) {
        let value = value
            .to_str()
            .map_err(|_| incomplete("The Authorization header is not valid ASCII."))?;
        return parse_header(value, request.headers);
    }
    if request
        .query
        .split('&')
        .any(|p| p.starts_with("X-Amz-Algorithm="))
    {
        return parse_query(request.query);
    }
    Err(SigV4Error::new(
        ErrorKind::MissingAuthenticationToken,
        "Missing Authentication Token",
    ))
}

fn parse_header(value: &str, headers: &HeaderMap) -> Result<Signed, SigV4Error> {
    let value = value.trim();
    let Some(rest) = value.strip_prefix(ALGORITHM).filter(|r| r.starts_with(' ')) else {
        let algorithm = value.split_whitespace().next().unwrap_or("");
        return Err(incomplete(format!(
            "Unsupported AWS 'algorithm': '{algorithm}'. Use '{ALGORITHM}'."
        )));
    };
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let Some((name, v)) = part.trim().split_once('=') else {
            continue;
        };
        match name {
            "Credential" => credential = Some(v.trim()),
            "SignedHeaders" => signed_headers = Some(v.trim()),
            "Signature" => signature = Some(v.trim()),
            _ => {}
        }
    }
    let amz_date = headers.get("x-amz-date").and_then(|v| v.to_str().ok());
    let mut missing = Vec::new();
    if credential.is_none() {
        missing.push("Authorization header requires 'Credential' parameter.");
    }
    if signature.is_none() {
        missing.push("Authorization header requires 'Signature' parameter.");
    }
    if signed_headers.is_none() {
        missing.push("Authorization header requires 'SignedHeaders' parameter.");
    }
    if amz_date.is_none() {
        missing.push("Authorization header requires existence of a 'X-Amz-Date' header.");
    }
    if !missing.is_empty() {
        return Err(incomplete(missing.join(" ")));
    }
    let session_token = headers
        .get("x-amz-security-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    signed(
        credential.unwrap_or(""),
        signed_headers.unwrap_or(""),
        signature.unwrap_or(""),
        amz_date.unwrap_or(""),
        session_token,
        None,
    )
}

fn parse_query(query: &str) -> Result<Signed, SigV4Error> {
    let param = |name: &str| {
        query
            .split('&')
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| String::from_utf8_lossy(&canonical::percent_decode(v)).into_owned())
    };
    let algorithm = param("X-Amz-Algorithm").unwrap_or_default();
    if algorithm != ALGORITHM {
        return Err(incomplete(format!(
            "Unsupported AWS 'algorithm': '{algorithm}'. Use '{ALGORITHM}'."
        )));
    }
    let names = [
        "X-Amz-Credential",
        "X-Amz-SignedHeaders",
        "X-Amz-Signature",
        "X-Amz-Date",
        "X-Amz-Expires",
    ];
    let values: Vec<Option<String>> = names.iter().map(|n| param(n)).collect();
    let missing: Vec<String> = names
        .iter()
        .zip(&values)
        .filter(|(_, v)| v.is_none())
        .map(|(n, _)| format!("AWS query-string parameters must include '{n}'."))
        .collect();
    if !missing.is_empty() {
        return Err(incomplete(missing.join(" ")));
    }
    let values: Vec<String> = values.into_iter().map(Option::unwrap_or_default).collect();
    let expires: i64 = values[4]
        .parse()
        .ok()
        .filter(|e| (1..=MAX_PRESIGNED_EXPIRES).contains(e))
        .ok_or_else(|| {
            incomplete(format!(
                "X-Amz-Expires must be a number of seconds from 1 to {MAX_PRESIGNED_EXPIRES}."
            ))
        })?;
    signed(
        &values[0],
        &values[1],
        &values[2],
        &values[3],
        param("X-Amz-Security-Token"),
        Some(expires),
    )
}

fn signed(
    credential: &str,
    signed_headers: &str,
    signature: &str,
    amz_date: &str,
    session_token: Option<String>,
    expires: Option<i64>,
) -> Result<Signed, SigV4Error> {
    let parts: Vec<&str> = credential.split('/').collect();
    let [access_key_id, scope_date, region, service, terminator] = parts.as_slice() else {
        return Err(incomplete(format!(
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{credential}'"
        )));
    };
    if access_key_id.is_empty() {
        return Err(incomplete("Credential must name an access key id."));
    }
    Ok(Signed {
        access_key_id: access_key_id.to_string(),
        scope_date: scope_date.to_string(),
        region: region.to_string(),
        service: service.to_string(),
        terminator: terminator.to_string(),
        signed_headers: signed_headers.to_string(),
        signature: signature.to_string(),
        amz_date: amz_date.to_string(),
        session_token,
        expires,
    })
}

fn parse_amz_date(value: &str) -> Result<i64, SigV4Error> {
    chrono::NaiveDateTime::parse_from_str(value, "%Y%m%dT%H%M%SZ")
        .map(|t| t.and_utc().timestamp())
        .map_err(|_| incomplete(format!("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\", got '{value}'.")))
}
