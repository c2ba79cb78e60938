//! AWS Signature Version 4 for the JSON and GraphQL services (Cognito as `cognito-idp`,
//! AppSync as `appsync`): verification of header-signed requests
//! (`Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`) and of the
//! presigned query form (`X-Amz-Algorithm`, `X-Amz-Credential`, …), plus the signer the tests
//! and tools use. S3's own variant (no path normalisation, `aws-chunked`) lives in the storage
//! edge.
//!
//! A [`Verifier`] checks the request's shape, credential scope (date, the caller's service,
//! `aws4_request`), that `host` is signed, the time (±5 minutes, or a presigned request's
//! `X-Amz-Expires`), asks a [`CredentialSource`] for the access key's secret and
//! [`Caller`], and compares signatures in constant time. Failures come back as
//! [`SigV4Error`]s that carry AWS's `__type` and message, for the edge to answer in its own
//! protocol.

pub mod canonical;
mod sign;
mod verify;

use ampbase_core::Caller;

pub use canonical::RequestParts;
pub use sign::{SigningCredentials, presign_query, sign_headers};
pub use verify::{Verified, Verifier, is_signed};

/// What a [`CredentialSource`] knows about an access key.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    /// The key's secret, and who signs with it.
    Found { secret: String, caller: Caller },
    /// No such access key (or temporary credentials without their session token).
    Unknown,
    /// The session token is not the one issued with the key.
    InvalidToken,
    /// Temporary credentials past their expiration.
    Expired,
    /// The lookup itself failed (the store); answered as an internal error.
    Failed(String),
}

/// Where secrets come from: long-term keys (the sandbox's administrator), identity-pool
/// temporary credentials (with their session token), function roles.
#[async_trait::async_trait]
pub trait CredentialSource: Send + Sync {
    async fn lookup(&self, access_key_id: &str, session_token: Option<&str>) -> Lookup;
}

/// Several sources, asked in order; the first that knows the key answers.
#[derive(Default)]
pub struct CredentialChain(Vec<std::sync::Arc<dyn CredentialSource>>);

impl CredentialChain {
    pub fn new() -> Self {
        CredentialChain::default()
    }

    pub fn with(mut self, source: std::sync::Arc<dyn CredentialSource>) -> Self {
        self.0.push(source);
        self
    }
}

#[async_trait::async_trait]
impl CredentialSource for CredentialChain {
    async fn lookup(&self, access_key_id: &str, session_token: Option<&str>) -> Lookup {
        for source in &self.0 {
            match source.lookup(access_key_id, session_token).await {
                Lookup::Unknown => continue,
                other => return other,
            }
        }
        Lookup::Unknown
    }
}

/// AWS's error codes for signature failures (the `__type` of the JSON protocols).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// No signature at all.
    MissingAuthenticationToken,
    /// A malformed `Authorization` header or missing signing parameters.
    IncompleteSignature,
    /// Wrong signature, wrong scope, or a request outside the time window.
    InvalidSignature,
    /// Unknown access key, or a wrong or missing session token.
    UnrecognizedClient,
    /// Temporary credentials that have expired.
    ExpiredToken,
    /// The credential lookup failed.
    InternalFailure,
}

impl ErrorKind {
    pub fn type_name(self) -> &'static str {
        match self {
            ErrorKind::MissingAuthenticationToken => "MissingAuthenticationTokenException",
            ErrorKind::IncompleteSignature => "IncompleteSignatureException",
            ErrorKind::InvalidSignature => "InvalidSignatureException",
            ErrorKind::UnrecognizedClient => "UnrecognizedClientException",
            ErrorKind::ExpiredToken => "ExpiredTokenException",
            ErrorKind::InternalFailure => "InternalFailure",
        }
    }
}

/// Why a signed request was refused, in AWS's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigV4Error {
    pub kind: ErrorKind,
    pub message: String,
}

impl SigV4Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        SigV4Error {
            kind,
            message: message.into(),
        }
    }

    pub fn type_name(&self) -> &'static str {
        self.kind.type_name()
    }
}

impl std::fmt::Display for SigV4Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind.type_name(), self.message)
    }
}

impl std::error::Error for SigV4Error {}
