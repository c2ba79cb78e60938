//! [`RemoteBlobs`]: blobs in any S3-compatible store (AWS S3, MinIO, R2) through the
//! `object_store` crate, for `ampbase serve`. Blob `<id>` is the object `<prefix>/blobs/<id>`;
//! content type, metadata and ETags stay in the records (the remote store keeps bytes only).
//!
//! Bodies stream both ways: a body up to one part is sent as one PUT; a larger one as a
//! multipart upload of `PART_SIZE` parts with at most `UPLOAD_CONCURRENCY` in flight, so
//! memory stays bounded whatever the object's size; a failed body aborts the upload.

use std::sync::Arc;

use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use futures::{StreamExt, TryStreamExt};
use md5::{Digest, Md5};
use object_store::path::Path as StorePath;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};

use crate::blob::{BlobError, BlobInfo, BlobStore, InStream, OutStream};

/// Parts of a multipart upload (S3's minimum is 5 MiB).
const PART_SIZE: usize = 8 << 20;
const UPLOAD_CONCURRENCY: usize = 2;

/// Where and how to reach an S3-compatible store.
#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RemoteConfig {
    /// `None`: AWS S3 of `region`; otherwise e.g. `http://127.0.0.1:9000` (MinIO) or an R2
    /// account endpoint. Path-style requests are used with an endpoint.
    #[serde(default)]
    pub endpoint: Option<String>,
    pub region: String,
    pub bucket: String,
    /// Blobs are stored under `<prefix>/blobs/`; empty: at the bucket's root.
    #[serde(default)]
    pub prefix: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    #[serde(default)]
    pub session_token: Option<String>,
}

impl std::fmt::Debug for RemoteConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteConfig")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("bucket", &self.bucket)
            .field("prefix", &self.prefix)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"[hidden]")
            .finish()
    }
}

/// Blobs in an S3-compatible bucket.
#[derive(Debug, Clone)]
pub struct RemoteBlobs {
    store: Arc<dyn ObjectStore>,
    root: StorePath,
}

fn io_error(e: object_store::Error) -> BlobError {
    BlobError::Io(std::io::Error::other(e))
}

impl RemoteBlobs {
    pub fn connect(config: &RemoteConfig) -> Result<RemoteBlobs, BlobError> {
        let mut builder = object_store::aws::AmazonS3Builder::new()
            .with_region(&config.region)
            .with_bucket_name(&config.bucket)
            .with_access_key_id(&config.access_key_id)
            .with_secret_access_key(&config.secret_access_key);
        if let Some(token) = &config.session_token {
            builder = builder.with_token(token);
        }
        if let Some(endpoint) = &config.endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"))
                .with_virtual_hosted_style_request(false);
        }
        let store = builder.build().map_err(io_error)?;
        Ok(RemoteBlobs::over(Arc::new(store), &config.prefix))
    }

    /// Over any `object_store` store (an in-memory one in tests).
    pub fn over(store: Arc<dyn ObjectStore>, prefix: &str) -> RemoteBlobs {
        let prefix = prefix.trim_matches('/');
        let root = if prefix.is_empty() {
            StorePath::from("blobs")
        } else {
            StorePath::from(format!("{prefix}/blobs"))
        };
        RemoteBlobs { store, root }
    }

    fn path(&self, id: &str) -> Option<StorePath> {
        if id.len() < 3 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        Some(self.root.clone().join(id))
    }
}

#[async_trait]
impl BlobStore for RemoteBlobs {
    async fn put(
        &self,
        mut body: InStream,
        expected_size: Option<u64>,
        max_size: u64,
    ) -> Result<BlobInfo, BlobError> {
        if let Some(n) = expected_size
            && n > max_size
        {
            return Err(BlobError::TooLarge(max_size));
        }
        let id = uuid::Uuid::new_v4().simple().to_string();
        let path = self.path(&id).expect("generated ids are hex");
        let mut md5 = Md5::new();
        let mut size = 0u64;
        let mut first = BytesMut::new();
        let mut upload: Option<WriteMultipart> = None;
        let result: Result<(), BlobError> = async {
            while let Some(chunk) = body.next().await {
                let chunk = chunk.map_err(BlobError::Body)?;
                size += chunk.len() as u64;
                if size > max_size {
                    return Err(BlobError::TooLarge(max_size));
                }
                if expected_size.is_some_and(|n| size > n) {
                    return Err(BlobError::LengthMismatch);
                }
                md5.update(&chunk);
                match upload.as_mut() {
                    Some(writer) => {
                        writer
                            .wait_for_capacity(UPLOAD_CONCURRENCY)
                            .await
                            .map_err(io_error)?;
                        writer.write(&chunk);
                    }
                    None => {
                        first.extend_from_slice(&chunk);
                        if first.len() > PART_SIZE {
                            let started =
                                self.store.put_multipart(&path).await.map_err(io_error)?;
                            let mut writer =
                                WriteMultipart::new_with_chunk_size(started, PART_SIZE);
                            writer.write(&std::mem::take(&mut first));
                            upload = Some(writer);
                        }
                    }
                }
            }
            if expected_size.is_some_and(|n| size != n) {
                return Err(BlobError::LengthMismatch);
            }
            Ok(())
        }
        .await;
        match (result, upload) {
            (Ok(()), Some(writer)) => {
                writer.finish().await.map_err(io_error)?;
            }
            (Ok(()), None) => {
                self.store
                    .put(&path, PutPayload::from(first.freeze()))
                    .await
                    .map_err(io_error)?;
            }
            (Err(e), Some(writer)) => {
                let _ = writer.abort().await;
                return Err(e);
            }
            (Err(e), None) => return Err(e),
        }
        Ok(BlobInfo {
            id,
            size,
            md5: md5.finalize().into(),
        })
    }

    async fn get(&self, id: &str, start: u64, end: u64) -> Result<OutStream, BlobError> {
        let path = self
            .path(id)
            .ok_or_else(|| BlobError::NotFound(id.to_string()))?;
        if end <= start {
            // Still answer NotFound for a missing blob.
            self.store.head(&path).await.map_err(|e| match e {
                object_store::Error::NotFound { .. } => BlobError::NotFound(id.to_string()),
                e => io_error(e),
            })?;
            return Ok(Box::pin(futures::stream::empty()));
        }
        let options = GetOptions {
            range: Some(GetRange::Bounded(start..end)),
            ..Default::default()
        };
        let result = self
            .store
            .get_opts(&path, options)
            .await
            .map_err(|e| match e {
                object_store::Error::NotFound { .. } => BlobError::NotFound(id.to_string()),
                e => io_error(e),
            })?;
        let expected = end - start;
        let mut seen = 0u64;
        let stream = result.into_stream().map_err(std::io::Error::other).map(
            move |chunk: Result<Bytes, std::io::Error>| {
                let chunk = chunk?;
                seen += chunk.len() as u64;
                if seen > expected {
                    return Err(std::io::Error::other(
                        "the remote store sent more than asked",
                    ));
                }
                Ok(chunk)
            },
        );
        Ok(Box::pin(stream))
    }

    async fn delete(&self, id: &str) -> Result<(), BlobError> {
        let Some(path) = self.path(id) else {
            return Ok(());
        };
        match self.store.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(io_error(e)),
        }
    }

    async fn list(&self) -> Result<Vec<String>, BlobError> {
        let metas: Vec<_> = self
            .store
            .list(Some(&self.root))
            .try_collect()
            .await
            .map_err(io_error)?;
        Ok(metas
            .into_iter()
            .filter_map(|m| m.location.filename().map(str::to_string))
            .collect())
    }
}
