//! IAM callers of the main listener: who signs with which access key, and SigV4 on
//! `/graphql` and `/graphql/realtime` (service `appsync`).
//!
//! Keys come from the sandbox's administrator credential (`IamPrincipal::Admin`) and from the
//! identity pool being served (guest and authenticated identities, the latter with the user's
//! groups, as Cognito's group role mapping gives them). Function roles
//! (`IamPrincipal::Function`) plug in with [`SandboxCredentials::with_function_roles`].

use std::sync::Arc;

use ampbase_appsync::{AuthRejection, AuthRequest};
use ampbase_auth::CredentialLookup;
use ampbase_core::{Caller, IamPrincipal};
use ampbase_sigv4::{CredentialSource, Lookup, RequestParts, Verifier};
use ampbase_storage::AdminCredential;

use crate::AuthSlot;

/// Every access key the sandbox knows.
pub(crate) struct SandboxCredentials {
    admin: AdminCredential,
    auth: AuthSlot,
    /// The roles of `defineFunction`s, once functions run with credentials.
    function_roles: Option<Arc<dyn CredentialSource>>,
}

impl SandboxCredentials {
    pub(crate) fn new(admin: AdminCredential, auth: AuthSlot) -> Self {
        SandboxCredentials {
            admin,
            auth,
            function_roles: None,
        }
    }

    /// Adds the credentials functions sign with; they resolve to `IamPrincipal::Function`,
    /// which the data and auth services check against the grants of the definition.
    #[allow(dead_code)]
    pub(crate) fn with_function_roles(mut self, roles: Arc<dyn CredentialSource>) -> Self {
        self.function_roles = Some(roles);
        self
    }
}

#[async_trait::async_trait]
impl CredentialSource for SandboxCredentials {
    async fn lookup(&self, access_key_id: &str, session_token: Option<&str>) -> Lookup {
        if access_key_id == self.admin.access_key_id {
            // A long-term key: a session token with it is not one AWS issued.
            return match session_token {
                None => Lookup::Found {
                    secret: self.admin.secret_access_key().to_string(),
                    caller: Caller::Iam(IamPrincipal::Admin),
                },
                Some(_) => Lookup::InvalidToken,
            };
        }
        if let Some(roles) = &self.function_roles {
            match roles.lookup(access_key_id, session_token).await {
                Lookup::Unknown => {}
                known => return known,
            }
        }
        let Some(identity) = self
            .auth
            .load_full()
            .and_then(|current| current.identity.clone())
        else {
            return Lookup::Unknown;
        };
        match identity
            .lookup_credentials(access_key_id, session_token)
            .await
        {
            Ok(CredentialLookup::Valid(credentials)) => Lookup::Found {
                secret: credentials.secret_key,
                caller: Caller::Iam(credentials.principal),
            },
            Ok(CredentialLookup::Unknown) => Lookup::Unknown,
            Ok(CredentialLookup::TokenMismatch) => Lookup::InvalidToken,
            Ok(CredentialLookup::Expired) => Lookup::Expired,
            Err(error) => Lookup::Failed(error.to_string()),
        }
    }
}

/// The `iam` / `identityPool` mode of GraphQL: SigV4 with service `appsync`, over
/// `POST /graphql`, the real-time handshake (`/graphql/connect`, body `{}`) and each
/// subscription's `start` (the `payload.data` string as body).
pub(crate) struct AppSyncIam {
    verifier: Verifier,
    credentials: Arc<dyn CredentialSource>,
}

impl AppSyncIam {
    pub(crate) fn new(credentials: Arc<dyn CredentialSource>) -> Self {
        AppSyncIam {
            verifier: Verifier::new("appsync"),
            credentials,
        }
    }

    pub(crate) async fn authenticate(
        &self,
        request: &AuthRequest<'_>,
    ) -> Result<Caller, AuthRejection> {
        let parts = RequestParts {
            method: request.method,
            path: request.path,
            query: request.query,
            headers: request.headers,
            body: request.body,
        };
        match self
            .verifier
            .verify(&parts, self.credentials.as_ref())
            .await
        {
            Ok(verified) => Ok(verified.caller),
            Err(error) => {
                tracing::debug!(error_type = error.type_name(), "GraphQL SigV4 refused");
                Err(AuthRejection::new(error.message))
            }
        }
    }
}
