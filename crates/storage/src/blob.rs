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

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use futures::{Stream, StreamExt};
use md5::{Digest, Md5};

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

/// Blobs as files: `<root>/blobs/<2 hex>/<id>`.
///
/// A blob is written straight to its final name: it is invisible until a record refers to it,
/// so a crash mid-write leaves an unreferenced file that garbage collection removes, never a
/// partial object. With [`Durability::Fsync`] the file and its folder are synced before `put`
/// returns (before the record commits), so a power loss cannot keep a record whose bytes are
/// gone; with [`Durability::ProcessCrash`] (the sandbox) nothing is synced: bytes written
/// survive a crash of the process in the page cache, as the sandbox's SQLite commits do
/// (`synchronous = NORMAL`), and a 1 KiB PUT costs no disk flush.
///
/// Small bodies are buffered and written in one call on the caller's thread; larger ones go to
/// a blocking thread one `WRITE_CHUNK` at a time. Reads of up to `INLINE_READ` bytes happen on
/// the caller's thread (the page cache answers in microseconds, less than a thread hop); larger
/// ranges stream in `READ_CHUNK` pieces read on a blocking thread.
#[derive(Debug, Clone)]
pub struct LocalDisk {
    root: Arc<PathBuf>,
    durability: Durability,
}

/// What a written blob survives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Durability {
    /// Synced to disk before `put` returns: survives power loss (`ampbase serve`).
    Fsync,
    /// Left to the page cache: survives a crash of the process, not of the machine (the
    /// sandbox).
    ProcessCrash,
}

/// Buffered writes go to disk in pieces of this size.
const WRITE_CHUNK: usize = 1 << 20;
/// Bodies up to this size are written on the caller's thread (when not syncing).
const INLINE_WRITE: usize = 64 * 1024;
/// Ranges up to this size are read on the caller's thread.
const INLINE_READ: u64 = 64 * 1024;
/// Larger ranges stream in pieces of this size.
const READ_CHUNK: usize = 1 << 20;

impl Durability {
    /// The default of a configured local backend.
    pub fn fsync() -> Durability {
        Durability::Fsync
    }
}

impl LocalDisk {
    /// Blobs under `root` (created if missing), synced on every write.
    pub fn open(root: impl AsRef<Path>) -> io::Result<LocalDisk> {
        let root = root.as_ref().to_path_buf();
        let blobs = root.join("blobs");
        std::fs::create_dir_all(&blobs)?;
        for i in 0..=255u8 {
            std::fs::create_dir_all(blobs.join(format!("{i:02x}")))?;
        }
        // Left by versions that wrote a temporary file first.
        let tmp = root.join("tmp");
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp)?;
        }
        Ok(LocalDisk {
            root: Arc::new(root),
            durability: Durability::Fsync,
        })
    }

    pub fn with_durability(mut self, durability: Durability) -> LocalDisk {
        self.durability = durability;
        self
    }

    pub fn durability(&self) -> Durability {
        self.durability
    }

    fn path(&self, id: &str) -> Option<PathBuf> {
        // Ids are ours (hex uuids); refuse anything else rather than touching other paths.
        if id.len() < 3 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        Some(self.root.join("blobs").join(&id[..2]).join(id))
    }
}

/// Removes a blob file unless disarmed (a failed or abandoned write).
struct Partial(Option<PathBuf>);

impl Drop for Partial {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

fn create_new(path: &Path) -> io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> io::Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(io::Error::other)?
}

fn sync_dir(path: &Path) -> io::Result<()> {
    std::fs::File::open(path.parent().expect("blob paths have a folder"))?.sync_all()
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
        let path = self.path(&id).expect("generated ids are hex");
        let fsync = self.durability == Durability::Fsync;
        let mut md5 = Md5::new();
        let mut size: u64 = 0;
        let capacity = expected_size.map_or(WRITE_CHUNK, |n| (n as usize).min(WRITE_CHUNK));
        let mut buf = BytesMut::with_capacity(capacity);
        // Opened once the body outgrows one buffer; owned by whichever thread writes.
        let mut file: Option<std::fs::File> = None;
        let mut partial = Partial(None);
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
            let mut rest: &[u8] = &chunk;
            while !rest.is_empty() {
                let take = rest.len().min(WRITE_CHUNK - buf.len());
                buf.extend_from_slice(&rest[..take]);
                rest = &rest[take..];
                if buf.len() == WRITE_CHUNK {
                    // The buffer goes to the writing thread and comes back: one buffer per
                    // upload, however large, and no allocation per chunk.
                    let full = std::mem::take(&mut buf);
                    let opened = file.take();
                    if opened.is_none() {
                        partial.0 = Some(path.clone());
                    }
                    let target = path.clone();
                    let (f, mut emptied) = blocking(move || {
                        let mut f = match opened {
                            Some(f) => f,
                            None => create_new(&target)?,
                        };
                        f.write_all(&full)?;
                        Ok((f, full))
                    })
                    .await?;
                    emptied.clear();
                    buf = emptied;
                    file = Some(f);
                }
            }
        }
        if expected_size.is_some_and(|n| size != n) {
            return Err(BlobError::LengthMismatch);
        }
        let last = buf.freeze();
        match file {
            None if !fsync && last.len() <= INLINE_WRITE => {
                // One small file, written here: cheaper than a hop to a blocking thread.
                partial.0 = Some(path.clone());
                create_new(&path)?.write_all(&last)?;
            }
            opened => {
                if opened.is_none() {
                    partial.0 = Some(path.clone());
                }
                let target = path.clone();
                blocking(move || {
                    let mut f = match opened {
                        Some(f) => f,
                        None => create_new(&target)?,
                    };
                    f.write_all(&last)?;
                    if fsync {
                        f.sync_data()?;
                        drop(f);
                        sync_dir(&target)?;
                    }
                    Ok(())
                })
                .await?;
            }
        }
        partial.0 = None;
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
        let not_found = |e: io::Error| {
            if e.kind() == io::ErrorKind::NotFound {
                BlobError::NotFound(id.to_string())
            } else {
                BlobError::Io(e)
            }
        };
        let len = end.saturating_sub(start);
        if len <= INLINE_READ {
            let file = std::fs::File::open(&path).map_err(not_found)?;
            let bytes = read_at(&file, start, len as usize)?;
            return Ok(Box::pin(futures::stream::once(async { Ok(bytes) })));
        }
        let file = blocking(move || std::fs::File::open(&path))
            .await
            .map_err(not_found)?;
        let file = Arc::new(file);
        let chunks = futures::stream::try_unfold(start, move |offset| {
            let file = file.clone();
            async move {
                if offset >= end {
                    return Ok(None);
                }
                let want = (end - offset).min(READ_CHUNK as u64) as usize;
                let bytes = blocking(move || read_at(&file, offset, want)).await?;
                Ok(Some((bytes, offset + want as u64)))
            }
        });
        Ok(Box::pin(chunks))
    }

    async fn delete(&self, id: &str) -> Result<(), BlobError> {
        let Some(path) = self.path(id) else {
            return Ok(());
        };
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    async fn list(&self) -> Result<Vec<String>, BlobError> {
        let root = self.root.join("blobs");
        let ids = blocking(move || -> io::Result<Vec<String>> {
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
        .await?;
        Ok(ids)
    }
}

/// Exactly `len` bytes at `offset` (a blob shorter than its record is an error).
fn read_at(file: &std::fs::File, offset: u64, len: usize) -> io::Result<Bytes> {
    use std::os::unix::fs::FileExt;
    let mut buf = BytesMut::zeroed(len);
    let mut filled = 0;
    while filled < len {
        match file.read_at(&mut buf[filled..], offset + filled as u64) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "blob shorter than its record",
                ));
            }
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(buf.freeze())
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
        // A body that fails after a buffer has reached the disk.
        let big: &'static [u8] = Box::leak(vec![1u8; WRITE_CHUNK + 10].into_boxed_slice());
        let failing: InStream = Box::pin(futures::stream::iter(vec![
            Ok(Bytes::from_static(big)),
            Err::<Bytes, BoxError>("connection reset".into()),
        ]));
        assert!(matches!(
            disk.put(failing, None, u64::MAX).await,
            Err(BlobError::Body(_))
        ));
        assert!(disk.list().await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn large_blob_streams_in_chunks() {
        for durability in [Durability::Fsync, Durability::ProcessCrash] {
            let dir = tempfile::tempdir().unwrap();
            let disk = LocalDisk::open(dir.path())
                .unwrap()
                .with_durability(durability);
            let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
            let chunks: Vec<&'static [u8]> = Box::leak(data.clone().into_boxed_slice())
                .chunks(100_000)
                .collect();
            let info = disk
                .put(body(chunks), Some(3_000_000), u64::MAX)
                .await
                .unwrap();
            assert_eq!(info.size, 3_000_000);
            assert_eq!(info.md5, <[u8; 16]>::from(Md5::digest(&data)));
            let mut s = disk.get(&info.id, 1, 3_000_000).await.unwrap();
            let mut got = Vec::new();
            let mut pieces = 0;
            while let Some(c) = s.next().await {
                let c = c.unwrap();
                assert!(c.len() <= READ_CHUNK);
                got.extend_from_slice(&c);
                pieces += 1;
            }
            assert_eq!(pieces, 3);
            assert_eq!(got, data[1..]);
            // A small range is one piece.
            assert_eq!(
                read_all(disk.get(&info.id, 1_000_000, 1_000_005).await.unwrap()).await,
                data[1_000_000..1_000_005]
            );
        }
    }

    #[tokio::test]
    async fn a_blob_shorter_than_its_record_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let disk = LocalDisk::open(dir.path()).unwrap();
        let info = disk.put(body(vec![b"abc"]), None, 100).await.unwrap();
        // A small range is read before `get` returns, a large one as it streams.
        assert!(matches!(
            disk.get(&info.id, 0, 10).await,
            Err(BlobError::Io(_))
        ));
        let mut s = disk.get(&info.id, 0, 10_000_000).await.unwrap();
        assert!(s.next().await.unwrap().is_err());
    }
}
