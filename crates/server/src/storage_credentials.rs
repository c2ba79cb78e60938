//! The identity pool's temporary credentials on the S3 endpoint: what `GetCredentialsForIdentity`
//! issued signs storage requests as the guest or authenticated identity it belongs to.
//!
//! The resolver reads the identity pool being served at each request, so credentials follow a
//! reload (they live in the store, not in the pool object) and stop working when the backend
//! no longer defines auth.

use ampbase_auth::CredentialLookup;
use ampbase_core::Caller;
use ampbase_storage::{CredentialResolver, Resolution};

use crate::AuthSlot;

/// Resolves identity-pool access keys (`ASIA…`) against the live identity pool.
pub(crate) struct IdentityPoolCredentials {
    pub(crate) auth: AuthSlot,
}

#[async_trait::async_trait]
impl CredentialResolver for IdentityPoolCredentials {
    async fn resolve(&self, access_key: &str, session_token: Option<&str>) -> Resolution {
        let Some(identity) = self.auth.load_full().and_then(|current| current.identity.clone()) else {
            return Resolution::Unknown;
        };
        match identity.lookup_credentials(access_key, session_token).await {
            Ok(CredentialLookup::Valid(credentials)) => {
                Resolution::Found { secret: credentials.secret_key, caller: Caller::Iam(credentials.principal) }
            }
            Ok(CredentialLookup::Unknown) => Resolution::Unknown,
            Ok(CredentialLookup::TokenMismatch) => Resolution::InvalidToken,
            Ok(CredentialLookup::Expired) => Resolution::Expired,
            Err(error) => Resolution::Failed(error.to_string()),
        }
    }
}
