//! The auth service: a Cognito-compatible user pool.
//!
//! * [`UserPool`] is the protocol-free domain: users (with `sub`, attributes, groups),
//!   passwords kept as an SRP-6a verifier plus an Argon2id hash (never in plaintext),
//!   verification and reset codes, sign-in sessions, RS256 tokens with Cognito's claims,
//!   refresh tokens, revocation and lockout. Everything persists in an
//!   [`ampbase_store::Store`] (`cognito_*` tables), keys included, so users and sessions
//!   survive restarts and are shared by replicas.
//! * [`wire`] speaks Cognito's JSON protocol (`X-Amz-Target:
//!   AWSCognitoIdentityProviderService.<Op>`) as an axum [`Router`](axum::Router), plus
//!   the JWKS, the OIDC discovery document and the sandbox mailbox.
//! * [`UserPool::verify_access_or_id_token`] is what the data service's `userPool` mode
//!   calls to turn an `Authorization` header into an [`ampbase_core::UserIdentity`].
//!
//! ```ignore
//! let ctx = OutputsContext::for_definition(app, sandbox, region, &def);
//! let config = PoolConfig::from_definition(def.auth.as_ref().unwrap(), &ctx.user_pool_id,
//!     &ctx.user_pool_client_id, &ctx.base_url);
//! let pool = Arc::new(UserPool::open(config, store.clone(), SandboxDelivery::new(store)).await?);
//! let app = axum::Router::new().merge(ampbase_auth::router(pool.clone()));
//! ```

pub mod admin;
mod bn;
pub mod config;
pub mod crypto;
pub mod delivery;
pub mod error;
pub mod grants;
pub mod identity;
pub mod pool;
pub mod srp;
pub use bn::{modpow_g, modpow_n};
pub mod tokens;
pub mod wire;

pub use admin::{Group, NewUser};
pub use config::{AttributeSpec, PasswordPolicy, PoolConfig};
pub use delivery::{CodeDelivery, Mailbox, Message, SandboxDelivery};
pub use error::{AuthError, AuthResult, ErrorKind};
pub use grants::FunctionAccess;
pub use identity::{CredentialLookup, Credentials, Identity, IdentityPool, IdentityPoolConfig};
pub use pool::{AuthStep, AuthenticationResult, CodeDeliveryDetails, SignUpResult, User, UserPool};
pub use tokens::TokenError;
pub use wire::{
    AdminAuthorizer, AdminRequest, AllowAdmin, DenyAdmin, RouterOptions, SigV4Admin, router, router_with, router_with_admin,
};
pub mod totp;
