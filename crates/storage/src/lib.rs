//! The storage service: the buckets of `defineStorage`, served over the S3 REST protocol.
//!
//! * **Protocol** ([`s3s`] 0.14.1): routing, XML, errors and SigV4 verification (header-signed,
//!   presigned URLs, `aws-chunked` streaming payloads) are s3s's; this crate implements the
//!   `S3` operations (`s3` module), the secret lookup ([`CredentialResolver`]), virtual hosts
//!   (`<bucket>.localhost`, `<bucket>.s3.<region>.amazonaws.com`), the Amplify client's
//!   path-style `POST /?delete` (client-protocol.md §1.4: addressed to the default bucket), and
//!   CORS (preflight answered, `ETag`/`x-amz-*` exposed; §5) in [`S3HttpService`].
//! * **Authorization** ([`rules`], protocol-free): each request's [`Caller`] is the principal of
//!   its verified access key; the bucket's `defineStorage` `access` rules decide, deny by
//!   default; listings are limited to what the caller may list.
//! * **Objects** ([`objects`]): records (key, size, ETag, content headers, user metadata, part
//!   layout, and the bytes of objects up to [`objects::INLINE_MAX`]) in the
//!   [`DocumentStore`](ampbase_store::DocumentStore), larger bytes in the [`BlobStore`] a
//!   [`StorageBackend`] names: [`blob::LocalDisk`] (the sandbox's, without `fsync`) or
//!   [`RemoteBlobs`] (any S3-compatible store, for `ampbase serve`); atomic and streaming both
//!   ways.
//! * **Triggers** ([`events`]): `onUpload` / `onDelete` produce Lambda S3 events into a durable
//!   queue ([`StorageService::pending_events`], [`StorageService::ack`]).
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use ampbase_storage::{AdminCredential, StorageConfig, StorageService};
//! let dir = std::path::Path::new(".amplify/ampbase/sandboxes/me/storage");
//! let store = ampbase_store::Store::open(dir.join("../data.sqlite"))?;
//! let admin = AdminCredential::load_or_create(dir.join("admin-credential.json"))?;
//! let service = StorageService::open_local(dir, store, Arc::new(admin.resolver())).await?;
//! # let (storage, names): (Vec<ampbase_definition::StorageDefinition>, std::collections::BTreeMap<String, String>) = Default::default();
//! service.apply(StorageConfig::from_definitions(&storage, &names)?).await?;
//! let listener = tokio::net::TcpListener::bind(("127.0.0.1", ampbase_storage::DEFAULT_PORT)).await?;
//! service.serve(listener, std::future::pending()).await?;
//! # Ok(()) }
//! ```

pub mod blob;
pub mod credentials;
pub mod events;
mod http_service;
pub mod objects;
pub mod remote;
pub mod rules;
mod s3;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use ampbase_definition::StorageDefinition;
use ampbase_store::Store;

pub use ampbase_core::Caller;
pub use blob::{BlobStore, Durability, LocalDisk};
pub use credentials::{
    AdminCredential, CredentialResolver, Resolution, ResolverChain, StaticCredentials,
};
pub use events::{EventKind, StorageEvent};
pub use http_service::S3HttpService;
pub use objects::{Objects, StorageError};
pub use remote::{RemoteBlobs, RemoteConfig};
pub use rules::{AccessRules, Action, RuleError};
pub use s3::RemoteAddr;

/// The port the client's local-testing switch targets (`http://localhost:20005`).
pub const DEFAULT_PORT: u16 = 20005;

/// One bucket as the service serves it.
#[derive(Debug, Clone)]
pub struct BucketConfig {
    /// The S3 bucket name.
    pub name: String,
    /// The `defineStorage` name.
    pub storage: String,
    pub is_default: bool,
    pub rules: AccessRules,
    /// `onUpload` / `onDelete` → function name.
    pub triggers: BTreeMap<String, String>,
}

/// The buckets of a backend.
#[derive(Debug, Clone, Default)]
pub struct StorageConfig {
    pub buckets: Vec<BucketConfig>,
}

impl StorageConfig {
    /// From the `defineStorage` definitions, with bucket names as the outputs name them
    /// (`OutputsContext::for_definition(...).bucket_names`: storage name → bucket name). The
    /// default bucket is the one marked `isDefault`, else the first.
    pub fn from_definitions(
        definitions: &[StorageDefinition],
        bucket_names: &BTreeMap<String, String>,
    ) -> Result<StorageConfig, RuleError> {
        let default_name = definitions
            .iter()
            .find(|d| d.is_default)
            .or(definitions.first())
            .map(|d| d.name.clone());
        let mut buckets = Vec::with_capacity(definitions.len());
        for def in definitions {
            buckets.push(BucketConfig {
                name: bucket_names
                    .get(&def.name)
                    .cloned()
                    .unwrap_or_else(|| def.name.clone()),
                storage: def.name.clone(),
                is_default: Some(&def.name) == default_name.as_ref(),
                rules: AccessRules::from_definition(def)?,
                triggers: def.triggers.clone(),
            });
        }
        Ok(StorageConfig { buckets })
    }

    pub fn bucket(&self, name: &str) -> Option<&BucketConfig> {
        self.buckets.iter().find(|b| b.name == name)
    }

    pub fn default_bucket(&self) -> Option<&str> {
        self.buckets
            .iter()
            .find(|b| b.is_default)
            .or(self.buckets.first())
            .map(|b| b.name.as_str())
    }
}

/// Options of the S3 endpoint.
#[derive(Debug, Clone)]
pub struct StorageOptions {
    /// Written in bucket locations and events.
    pub region: String,
    /// Domains under which `<bucket>.<domain>` is a virtual-hosted bucket (`localhost`
    /// is the default; `*.s3[.<region>].amazonaws.com` always is).
    pub virtual_host_domains: Vec<String>,
}

impl Default for StorageOptions {
    fn default() -> Self {
        StorageOptions {
            region: "us-east-1".into(),
            virtual_host_domains: vec!["localhost".into()],
        }
    }
}

pub(crate) struct Inner {
    pub(crate) objects: Objects,
    pub(crate) events: events::EventQueue,
    pub(crate) resolver: Arc<dyn CredentialResolver>,
    pub(crate) region: String,
    config: RwLock<Arc<StorageConfig>>,
}

impl Inner {
    pub(crate) fn config(&self) -> Arc<StorageConfig> {
        self.config.read().expect("config lock").clone()
    }
}

/// The storage service. Cheap to clone.
#[derive(Clone)]
pub struct StorageService {
    inner: Arc<Inner>,
    options: Arc<StorageOptions>,
}

/// Where object bytes live, as configured (`ampbase serve` reads it from its configuration;
/// the sandbox uses local disk). In JSON: `{"type": "local", "root": "...", "durability":
/// "fsync"}` or `{"type": "s3", "endpoint": "http://127.0.0.1:9000", "region": "us-east-1",
/// "bucket": "...", "prefix": "...", "accessKeyId": "...", "secretAccessKey": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum StorageBackend {
    /// Files under `root` (by default `.amplify/ampbase/.../storage`).
    Local {
        root: PathBuf,
        #[serde(default = "Durability::fsync")]
        durability: Durability,
    },
    /// An S3-compatible store (AWS S3, MinIO, R2).
    S3(RemoteConfig),
}

#[cfg(test)]
mod backend_tests {
    use super::*;

    #[test]
    fn backend_from_configuration() {
        let local: StorageBackend =
            serde_json::from_str(r#"{"type": "local", "root": "/srv/blobs"}"#).unwrap();
        assert_eq!(
            local,
            StorageBackend::Local {
                root: "/srv/blobs".into(),
                durability: Durability::Fsync
            }
        );
        let s3: StorageBackend = serde_json::from_str(
            r#"{"type": "s3", "endpoint": "http://127.0.0.1:9000", "region": "eu-west-1",
                "bucket": "blobs", "prefix": "prod", "accessKeyId": "AKIA1", "secretAccessKey": "s3cr3t"}"#,
        )
        .unwrap();
        let StorageBackend::S3(remote) = &s3 else {
            panic!("{s3:?}")
        };
        assert_eq!(remote.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        assert_eq!(
            (remote.bucket.as_str(), remote.prefix.as_str()),
            ("blobs", "prod")
        );
        assert!(remote.session_token.is_none());
        assert!(!format!("{s3:?}").contains("s3cr3t"));
        assert!(serde_json::from_str::<StorageBackend>(r#"{"type": "ftp"}"#).is_err());
    }
}

impl StorageBackend {
    /// The blob store it describes.
    pub fn open(&self) -> Result<Arc<dyn BlobStore>, StorageError> {
        Ok(match self {
            StorageBackend::Local { root, durability } => Arc::new(
                LocalDisk::open(root)
                    .map_err(|e| StorageError::Blob(e.into()))?
                    .with_durability(*durability),
            ),
            StorageBackend::S3(config) => {
                Arc::new(RemoteBlobs::connect(config).map_err(StorageError::Blob)?)
            }
        })
    }
}

impl StorageService {
    /// The sandbox's storage: blobs on local disk under `root` (its `storage/` folder), records
    /// in `store`. Blobs are not `fsync`ed, as the sandbox's records are not
    /// ([`Durability::ProcessCrash`]): a crash of the process loses nothing, a power loss may
    /// lose the last writes, and never leaves a partial object.
    pub async fn open_local(
        root: impl AsRef<Path>,
        store: Store,
        resolver: Arc<dyn CredentialResolver>,
    ) -> Result<StorageService, StorageError> {
        let backend = StorageBackend::Local {
            root: root.as_ref().to_path_buf(),
            durability: Durability::ProcessCrash,
        };
        StorageService::open(&backend, store, resolver, StorageOptions::default()).await
    }

    /// Over the configured backend (what `ampbase serve` calls). Unreferenced blobs left by a
    /// crash are removed.
    pub async fn open(
        backend: &StorageBackend,
        store: Store,
        resolver: Arc<dyn CredentialResolver>,
        options: StorageOptions,
    ) -> Result<StorageService, StorageError> {
        let service = StorageService::new(store, backend.open()?, resolver, options).await?;
        let removed = service.collect_garbage().await?;
        if removed > 0 {
            tracing::info!(removed, "removed unreferenced storage blobs");
        }
        Ok(service)
    }

    /// Over any blob store.
    pub async fn new(
        store: Store,
        blobs: Arc<dyn BlobStore>,
        resolver: Arc<dyn CredentialResolver>,
        options: StorageOptions,
    ) -> Result<StorageService, StorageError> {
        let objects = Objects::open(store.clone(), blobs).await?;
        let events = events::EventQueue::open(store, options.region.clone()).await?;
        Ok(StorageService {
            inner: Arc::new(Inner {
                objects,
                events,
                resolver,
                region: options.region.clone(),
                config: RwLock::new(Arc::new(StorageConfig::default())),
            }),
            options: Arc::new(options),
        })
    }

    /// Creates the configured buckets that do not exist, and swaps in their rules and
    /// triggers (a reload). Buckets no longer configured keep their objects, reachable by the
    /// administrator only.
    pub async fn apply(&self, config: StorageConfig) -> Result<(), StorageError> {
        for b in &config.buckets {
            self.inner.objects.create_bucket(&b.name).await?;
        }
        *self.inner.config.write().expect("config lock") = Arc::new(config);
        Ok(())
    }

    pub fn config(&self) -> Arc<StorageConfig> {
        self.inner.config()
    }

    /// The records and blobs, without protocol or authorization (for the console and tests).
    pub fn objects(&self) -> &Objects {
        &self.inner.objects
    }

    /// The s3s service (no CORS); [`StorageService::http_service`] is what listeners serve.
    pub fn s3_service(&self) -> s3s::service::S3Service {
        let hosts = Arc::new(s3::Hosts {
            domains: self.options.virtual_host_domains.clone(),
        });
        let mut builder = s3s::service::S3ServiceBuilder::new(s3::AmpbaseS3 {
            inner: self.inner.clone(),
        });
        builder.set_auth(s3::Auth {
            inner: self.inner.clone(),
        });
        builder.set_access(s3::Access {
            inner: self.inner.clone(),
        });
        builder.set_host(s3::Hosts {
            domains: self.options.virtual_host_domains.clone(),
        });
        builder.set_route(s3::DefaultBucketDelete {
            inner: self.inner.clone(),
            hosts,
        });
        builder.build()
    }

    /// The HTTP service of the S3 endpoint, with CORS: a tower and hyper service.
    pub fn http_service(&self) -> S3HttpService {
        S3HttpService::new(self.s3_service())
    }

    /// Serves the S3 endpoint on `listener` (HTTP/1.1 and HTTP/2) until `shutdown` completes.
    pub async fn serve(
        &self,
        listener: tokio::net::TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send,
    ) -> std::io::Result<()> {
        http_service::serve(self.http_service(), listener, shutdown).await
    }

    /// Queued trigger invocations, oldest first.
    pub async fn pending_events(&self, limit: usize) -> Result<Vec<StorageEvent>, StorageError> {
        self.inner.events.pending(limit).await
    }

    /// Acknowledges a delivered trigger event.
    pub async fn ack(&self, id: &str) -> Result<bool, StorageError> {
        self.inner.events.ack(id).await
    }

    /// Deletes blobs no record refers to; see [`Objects::collect_garbage`].
    pub async fn collect_garbage(&self) -> Result<usize, StorageError> {
        self.inner.objects.collect_garbage().await
    }
}
