//! The identity pool's temporary credentials on the S3 endpoint: what `GetCredentialsForIdentity`
//! issued signs storage requests as the guest or authenticated identity it belongs to.
//!
//! The resolver reads the identity pool being served at each request, so credentials follow a
//! reload (they live in the store, not in the pool object) and stop working when the backend
//! no longer defines auth.

use ampbase_auth::{CredentialLookup, IdentityPool};
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
        match self.auth.load_full().and_then(|current| current.identity.clone()) {
            Some(identity) => resolve(&identity, access_key, session_token).await,
            None => Resolution::Unknown,
        }
    }
}

/// The identity pool's answer in the S3 edge's terms.
async fn resolve(identity: &IdentityPool, access_key: &str, session_token: Option<&str>) -> Resolution {
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use ampbase_auth::{IdentityPoolConfig, PoolConfig, SandboxDelivery, UserPool};
    use ampbase_core::IamPrincipal;
    use ampbase_store::Store;
    use serde_json::Map;

    use super::*;

    #[tokio::test]
    async fn guest_credentials_resolve_to_the_guest_until_they_expire() {
        let store = Store::open_in_memory().unwrap();
        let config = PoolConfig::new("us-east-1_TestPool1", "testclient");
        let pool = Arc::new(UserPool::open(config, store.clone(), SandboxDelivery::quiet(store)).await.unwrap());
        let identity_pool_id = "us-east-1:00000000-0000-4000-8000-000000000000";
        let identity =
            IdentityPool::open(IdentityPoolConfig { identity_pool_id: identity_pool_id.into(), allow_guest: true }, pool.clone())
                .await
                .unwrap();
        let guest = identity.get_id(identity_pool_id, &Map::new()).await.unwrap();
        let issued = identity.get_credentials_for_identity(&guest, &Map::new()).await.unwrap();
        let key = issued.access_key_id.as_str();

        let Resolution::Found { secret, caller } = resolve(&identity, key, Some(&issued.session_token)).await else {
            panic!("issued credentials are not resolved");
        };
        assert_eq!(secret, issued.secret_key);
        assert_eq!(caller, Caller::Iam(IamPrincipal::Guest { identity_id: guest }));
        assert_eq!(resolve(&identity, key, None).await, Resolution::Unknown);
        assert_eq!(resolve(&identity, key, Some("another-token")).await, Resolution::InvalidToken);
        assert_eq!(resolve(&identity, "ASIAUNKNOWN000000000", Some(&issued.session_token)).await, Resolution::Unknown);
        pool.advance_clock(3600);
        assert_eq!(resolve(&identity, key, Some(&issued.session_token)).await, Resolution::Expired);
    }
}
