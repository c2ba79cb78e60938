//! Where object bytes live: [`BlobStore`], immutable blobs named by id.
//!
//! A blob is written once, whole, and read by range; it never changes. What an object *is*
//! (its key, its blobs, content type, metadata, ETag) is a record in the document store, and
//! committing that record is the only moment an object becomes visible. So a crash at any
//! point leaves either the old object or the new one, never a partial one: at worst an
//! unreferenced blob, which [`crate::StorageService::collect_garbage`] removes.
//!
//! [`LocalDisk`] is the default (the sandbox keeps its blobs under
//! `.amplify/ampbase/sandboxes/<id>/storage/blobs/`). An S3-compatible remote store for
//! `ampbase serve` implements the same four methods over `object_store` (put → multipart put of
//! `blobs/<id>`, get with a range, delete, list).

use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};

use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use futures::{Stream, StreamExt};
use md5::{Digest, Md5};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

/// Errors of request bodies (s3s's boxed error).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A request body on its way in.
pub type InStream = Pin<Box<dyn Stream<Item = Result<Bytes, BoxError>> + Send + 'static>>;

/// Blob bytes on their way out.
pub type OutStream = Pin<Box<dyn Stream<Item = Result<Bytes, io::Error>> + Send + 'static>>;

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("storage I/O: {0}")]
    Io(#[from] io::Error),
    /// The request body failed (a wrong payload signature or checksum, a dropped connection).
    #[error("request body: {0}")]
    Body(BoxError),
    #[error("the body exceeds {0} bytes")]
    TooLarge(u64),
    #[error("the body is shorter or longer than its declared length")]
    LengthMismatch,
    #[error("no blob {0}")]
    NotFound(String),
}

/// A written blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobInfo {
    pub id: String,
    pub size: u64,
    pub md5: [u8; 16],
}

/// Immutable blobs. Implementations stream in both directions: nothing holds a whole blob in
/// memory.
#[async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// Writes `body` to a new blob and returns it once it is durable. Fails with
    /// [`BlobError::TooLarge`] past `max_size` bytes and [`BlobError::LengthMismatch`] when
    /// `expected_size` is given and not met; a failed write leaves nothing behind.
    async fn put(
        &self,
        body: InStream,
        expected_size: Option<u64>,
        max_size: u64,
    ) -> Result<BlobInfo, BlobError>;

    /// The bytes `start..end` of a blob.
    async fn get(&self, id: &str, start: u64, end: u64) -> Result<OutStream, BlobError>;

    /// Deletes a blob; deleting a missing blob is not an error.
    async fn delete(&self, id: &str) -> Result<(), BlobError>;

    /// Every blob id, for garbage collection.
    async fn list(&self) -> Result<Vec<String>, BlobError>;
}

/// Blobs as files: `<root>/blobs/<2 hex>/<id>`, written as `<root>/tmp/<id>` first, then
/// `fsync`ed and renamed into place (and the folder `fsync`ed), so a blob file is always whole.
#[derive(Debug, Clone)]
pub struct LocalDisk {
    root: PathBuf,
    fsync: bool,
}

const WRITE_BUFFER: usize = 1 << 20;
const READ_CHUNK: usize = 256 * 1024;

impl LocalDisk {
    /// Blobs under `root` (created if missing); leftovers of interrupted writes are removed.
    pub fn open(root: impl AsRef<Path>) -> io::Result<LocalDisk> {
        let root = root.as_ref().to_path_buf();
        std::fs::create_dir_all(root.join("blobs"))?;
        let tmp = root.join("tmp");
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp)?;
        }
        std::fs::create_dir_all(&tmp)?;
        Ok(LocalDisk { root, fsync: true })
    }

    /// Turns `fsync` off (tests and benchmarks only: a power loss may then lose blobs whose
    /// records survived).
    pub fn without_fsync(mut self) -> LocalDisk {
        self.fsync = false;
        self
    }

    fn path(&self, id: &str) -> Option<PathBuf> {
        // Ids are ours (hex uuids); refuse anything else rather than touching other paths.
        if id.len() < 3 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        Some(self.root.join("blobs").join(&id[..2]).join(id))
    }
}

struct TempFile(Option<PathBuf>);

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

#[async_trait]
impl BlobStore for LocalDisk {
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
        let tmp_path = self.root.join("tmp").join(&id);
        let mut guard = TempFile(Some(tmp_path.clone()));
        let mut file = tokio::fs::File::create(&tmp_path).await?;
        let mut md5 = Md5::new();
        let mut size: u64 = 0;
        let mut buf = BytesMut::with_capacity(WRITE_BUFFER);
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
            if buf.len() + chunk.len() > WRITE_BUFFER && !buf.is_empty() {
                file.write_all(&buf).await?;
                buf.clear();
            }
            if chunk.len() >= WRITE_BUFFER {
                file.write_all(&chunk).await?;
            } else {
                buf.extend_from_slice(&chunk);
            }
        }
        if expected_size.is_some_and(|n| size != n) {
            return Err(BlobError::LengthMismatch);
        }
        if !buf.is_empty() {
            file.write_all(&buf).await?;
        }
        file.flush().await?;
        if self.fsync {
            file.sync_data().await?;
        }
        drop(file);
        let path = self.path(&id).expect("generated ids are hex");
        let dir = path
            .parent()
            .expect("blob paths have a folder")
            .to_path_buf();
        tokio::fs::create_dir_all(&dir).await?;
        tokio::fs::rename(&tmp_path, &path).await?;
        guard.0 = None;
        if self.fsync {
            tokio::task::spawn_blocking(move || {
                std::fs::File::open(&dir).and_then(|d| d.sync_all())
            })
            .await
            .map_err(io::Error::other)??;
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
        let mut file = match tokio::fs::File::open(&path).await {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(BlobError::NotFound(id.to_string()));
            }
            Err(e) => return Err(e.into()),
        };
        if start > 0 {
            file.seek(io::SeekFrom::Start(start)).await?;
        }
        Ok(Box::pin(FileRange {
            file: Some(file),
            remaining: end.saturating_sub(start),
            pending: None,
        }))
    }

    async fn delete(&self, id: &str) -> Result<(), BlobError> {
        let Some(path) = self.path(id) else {
            return Ok(());
        };
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    async fn list(&self) -> Result<Vec<String>, BlobError> {
        let root = self.root.join("blobs");
        let ids = tokio::task::spawn_blocking(move || -> io::Result<Vec<String>> {
            let mut ids = Vec::new();
            for dir in std::fs::read_dir(root)? {
                let dir = dir?;
                if !dir.file_type()?.is_dir() {
                    continue;
                }
                for file in std::fs::read_dir(dir.path())? {
                    if let Some(name) = file?.file_name().to_str() {
                        ids.push(name.to_string());
                    }
                }
            }
            Ok(ids)
        })
        .await
        .map_err(io::Error::other)??;
        Ok(ids)
    }
}

type ReadFuture = Pin<Box<dyn Future<Output = (tokio::fs::File, io::Result<Bytes>)> + Send>>;

/// Reads a byte range of a file in chunks.
struct FileRange {
    file: Option<tokio::fs::File>,
    remaining: u64,
    pending: Option<ReadFuture>,
}

impl Stream for FileRange {
    type Item = Result<Bytes, io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            if let Some(fut) = self.pending.as_mut() {
                let (file, result) = futures::ready!(fut.as_mut().poll(cx));
                self.pending = None;
                self.file = Some(file);
                return Poll::Ready(Some(match result {
                    Ok(bytes) if bytes.is_empty() => {
                        self.remaining = 0;
                        Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "blob shorter than its record",
                        ))
                    }
                    Ok(bytes) => {
                        self.remaining -= bytes.len() as u64;
                        Ok(bytes)
                    }
                    Err(e) => {
                        self.remaining = 0;
                        Err(e)
                    }
                }));
            }
            if self.remaining == 0 {
                self.file = None;
                return Poll::Ready(None);
            }
            let Some(mut file) = self.file.take() else {
                return Poll::Ready(None);
            };
            let want = self.remaining.min(READ_CHUNK as u64) as usize;
            self.pending = Some(Box::pin(async move {
                let mut buf = BytesMut::with_capacity(want);
                let result = async {
                    while buf.len() < want {
                        let n = (&mut file)
                            .take((want - buf.len()) as u64)
                            .read_buf(&mut buf)
                            .await?;
                        if n == 0 {
                            break;
                        }
                    }
                    Ok(buf.freeze())
                }
                .await;
                (file, result)
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(chunks: Vec<&'static [u8]>) -> InStream {
        Box::pin(futures::stream::iter(
            chunks.into_iter().map(|c| Ok(Bytes::from_static(c))),
        ))
    }

    async fn read_all(s: OutStream) -> Vec<u8> {
        s.fold(Vec::new(), |mut acc, c| async move {
            acc.extend_from_slice(&c.unwrap());
            acc
        })
        .await
    }

    #[tokio::test]
    async fn put_get_ranges_delete() {
        let dir = tempfile::tempdir().unwrap();
        let disk = LocalDisk::open(dir.path()).unwrap();
        let info = disk
            .put(body(vec![b"hello ", b"world"]), Some(11), 100)
            .await
            .unwrap();
        assert_eq!(info.size, 11);
        assert_eq!(hex::encode(info.md5), "5eb63bbbe01eeed093cb22bb8f5acdc3");
        assert_eq!(
            read_all(disk.get(&info.id, 0, 11).await.unwrap()).await,
            b"hello world"
        );
        assert_eq!(
            read_all(disk.get(&info.id, 6, 9).await.unwrap()).await,
            b"wor"
        );
        assert_eq!(read_all(disk.get(&info.id, 3, 3).await.unwrap()).await, b"");
        assert_eq!(disk.list().await.unwrap(), vec![info.id.clone()]);
        disk.delete(&info.id).await.unwrap();
        disk.delete(&info.id).await.unwrap();
        assert!(matches!(
            disk.get(&info.id, 0, 1).await,
            Err(BlobError::NotFound(_))
        ));
        assert!(matches!(
            disk.get("../../etc/passwd", 0, 1).await,
            Err(BlobError::NotFound(_))
        ));
    }

    #[tokio::test]
    async fn failed_writes_leave_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let disk = LocalDisk::open(dir.path()).unwrap();
        assert!(matches!(
            disk.put(body(vec![b"0123456789"]), None, 5).await,
            Err(BlobError::TooLarge(5))
        ));
        assert!(matches!(
            disk.put(body(vec![b"0123"]), Some(5), 100).await,
            Err(BlobError::LengthMismatch)
        ));
        let failing: InStream = Box::pin(futures::stream::iter(vec![
            Ok(Bytes::from_static(b"abc")),
            Err::<Bytes, BoxError>("signature mismatch".into()),
        ]));
        assert!(matches!(
            disk.put(failing, None, 100).await,
            Err(BlobError::Body(_))
        ));
        assert!(disk.list().await.unwrap().is_empty());
        assert_eq!(
            std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
            0
        );
    }

    #[tokio::test]
    async fn large_blob_streams_in_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let disk = LocalDisk::open(dir.path()).unwrap().without_fsync();
        let chunk: &'static [u8] = Box::leak(vec![7u8; 100_000].into_boxed_slice());
        let info = disk
            .put(body(vec![chunk; 30]), None, u64::MAX)
            .await
            .unwrap();
        assert_eq!(info.size, 3_000_000);
        let mut s = disk.get(&info.id, 1, 3_000_000).await.unwrap();
        let mut total = 0;
        while let Some(c) = s.next().await {
            let c = c.unwrap();
            assert!(c.len() <= READ_CHUNK);
            total += c.len();
        }
        assert_eq!(total, 2_999_999);
    }
}
