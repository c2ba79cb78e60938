//! Who signed a request: the access key of a SigV4 signature → its secret and the caller.
//!
//! The S3 edge asks a [`CredentialResolver`] for the secret of the access key in a request's
//! signature, with the request's session token (`x-amz-security-token`, header or presigned
//! query); s3s verifies the signature with the secret, and the service then authorizes the
//! request as the [`Caller`] the resolver returned. The sandbox chains its static
//! administrator credential ([`AdminCredential`]) with the identity pool's temporary
//! credentials (guest and authenticated identities, resolved by the server crate against the
//! live identity pool).

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::path::Path;
use std::sync::Arc;

use ampbase_core::{Caller, IamPrincipal};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// What a resolver knows about an access key and session token; each refusal is the S3 error
/// AWS answers in that case.
#[derive(Clone, PartialEq)]
pub enum Resolution {
    /// The secret to verify the signature with, and whom the credentials stand for.
    Found { secret: String, caller: Caller },
    /// No such access key, or temporary credentials sent without their session token
    /// (`InvalidAccessKeyId`).
    Unknown,
    /// Temporary credentials past their expiration (`ExpiredToken`).
    Expired,
    /// A session token that is not the one issued with the access key, or a token sent with
    /// long-term credentials (`InvalidToken`).
    InvalidToken,
    /// The lookup itself failed (`InternalError`); the reason is logged, not sent.
    Failed(String),
}

impl fmt::Debug for Resolution {
    // Never prints the secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Resolution::Found { caller, .. } => f
                .debug_struct("Found")
                .field("secret", &"[hidden]")
                .field("caller", caller)
                .finish(),
            Resolution::Unknown => f.write_str("Unknown"),
            Resolution::Expired => f.write_str("Expired"),
            Resolution::InvalidToken => f.write_str("InvalidToken"),
            Resolution::Failed(reason) => f.debug_tuple("Failed").field(reason).finish(),
        }
    }
}

/// Maps an access key (and the request's session token, if it sent one) to its secret and
/// caller.
#[async_trait]
pub trait CredentialResolver: Send + Sync + 'static {
    async fn resolve(&self, access_key: &str, session_token: Option<&str>) -> Resolution;
}

/// A fixed set of credentials.
#[derive(Default, Clone)]
pub struct StaticCredentials {
    keys: HashMap<String, (String, Caller)>,
}

impl StaticCredentials {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with(
        mut self,
        access_key: impl Into<String>,
        secret: impl Into<String>,
        caller: Caller,
    ) -> Self {
        self.keys.insert(access_key.into(), (secret.into(), caller));
        self
    }

    pub fn insert(
        &mut self,
        access_key: impl Into<String>,
        secret: impl Into<String>,
        caller: Caller,
    ) {
        self.keys.insert(access_key.into(), (secret.into(), caller));
    }
}

impl fmt::Debug for StaticCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticCredentials")
            .field("access_keys", &self.keys.keys().collect::<Vec<_>>())
            .finish()
    }
}

#[async_trait]
impl CredentialResolver for StaticCredentials {
    async fn resolve(&self, access_key: &str, session_token: Option<&str>) -> Resolution {
        match (self.keys.get(access_key), session_token) {
            (None, _) => Resolution::Unknown,
            // Long-term credentials have no session; AWS refuses a token sent with them.
            (Some(_), Some(_)) => Resolution::InvalidToken,
            (Some((secret, caller)), None) => Resolution::Found {
                secret: secret.clone(),
                caller: caller.clone(),
            },
        }
    }
}

/// Several resolvers, asked in order; the first that knows the key (answers anything but
/// [`Resolution::Unknown`]) decides.
#[derive(Default, Clone)]
pub struct ResolverChain(Vec<Arc<dyn CredentialResolver>>);

impl ResolverChain {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with(mut self, resolver: Arc<dyn CredentialResolver>) -> Self {
        self.0.push(resolver);
        self
    }
}

#[async_trait]
impl CredentialResolver for ResolverChain {
    async fn resolve(&self, access_key: &str, session_token: Option<&str>) -> Resolution {
        for resolver in &self.0 {
            match resolver.resolve(access_key, session_token).await {
                Resolution::Unknown => continue,
                answer => return answer,
            }
        }
        Resolution::Unknown
    }
}

/// The sandbox's administrator credential (`Caller::Iam(IamPrincipal::Admin)`): generated on
/// first use, kept in a file only the user can read, never logged (`Debug` hides the secret).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdminCredential {
    pub access_key_id: String,
    secret_access_key: String,
}

impl AdminCredential {
    /// A fresh random credential: `AKIA` + 16 upper-case alphanumerics, and 40 characters of
    /// secret, as AWS shapes them.
    pub fn generate() -> io::Result<AdminCredential> {
        const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        const SECRET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut bytes = [0u8; 56];
        getrandom::fill(&mut bytes).map_err(|e| io::Error::other(e.to_string()))?;
        let id: String = bytes[..16]
            .iter()
            .map(|b| UPPER[(*b as usize) % UPPER.len()] as char)
            .collect();
        let secret: String = bytes[16..]
            .iter()
            .map(|b| SECRET[(*b as usize) % SECRET.len()] as char)
            .collect();
        Ok(AdminCredential {
            access_key_id: format!("AKIA{id}"),
            secret_access_key: secret,
        })
    }

    /// Reads the credential at `path`, or generates one and writes it there (mode 0600, with its
    /// parent folders).
    pub fn load_or_create(path: impl AsRef<Path>) -> io::Result<AdminCredential> {
        let path = path.as_ref();
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{}: {e}", path.display()),
                )
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let cred = AdminCredential::generate()?;
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                let tmp = path.with_extension("tmp");
                {
                    use std::io::Write;
                    let mut options = std::fs::OpenOptions::new();
                    options.write(true).create(true).truncate(true);
                    #[cfg(unix)]
                    {
                        use std::os::unix::fs::OpenOptionsExt;
                        options.mode(0o600);
                    }
                    let mut file = options.open(&tmp)?;
                    file.write_all(&serde_json::to_vec_pretty(&cred).map_err(io::Error::other)?)?;
                    file.sync_all()?;
                }
                std::fs::rename(&tmp, path)?;
                Ok(cred)
            }
            Err(e) => Err(e),
        }
    }

    pub fn secret_access_key(&self) -> &str {
        &self.secret_access_key
    }

    /// A resolver that knows this credential only.
    pub fn resolver(&self) -> StaticCredentials {
        StaticCredentials::new().with(
            self.access_key_id.clone(),
            self.secret_access_key.clone(),
            Caller::Iam(IamPrincipal::Admin),
        )
    }
}

impl fmt::Debug for AdminCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdminCredential")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"[hidden]")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn admin_credential_is_persisted_and_hidden() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sandbox/storage/admin-credential.json");
        let a = AdminCredential::load_or_create(&path).unwrap();
        let b = AdminCredential::load_or_create(&path).unwrap();
        assert_eq!(a, b);
        assert!(a.access_key_id.starts_with("AKIA") && a.access_key_id.len() == 20);
        assert_eq!(a.secret_access_key().len(), 40);
        assert!(!format!("{a:?}").contains(a.secret_access_key()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        let resolver = ResolverChain::new()
            .with(Arc::new(StaticCredentials::new()))
            .with(Arc::new(a.resolver()));
        let Resolution::Found { secret, caller } = resolver.resolve(&a.access_key_id, None).await
        else {
            panic!("the admin credential is not resolved");
        };
        assert_eq!(secret, a.secret_access_key());
        assert_eq!(caller, Caller::Iam(IamPrincipal::Admin));
        assert_eq!(
            resolver.resolve("AKIAUNKNOWN", None).await,
            Resolution::Unknown
        );
        assert_eq!(
            resolver.resolve(&a.access_key_id, Some("token")).await,
            Resolution::InvalidToken
        );
        let found = resolver.resolve(&a.access_key_id, None).await;
        assert!(!format!("{found:?}").contains(a.secret_access_key()));
        assert_ne!(AdminCredential::generate().unwrap(), a);
    }
}
