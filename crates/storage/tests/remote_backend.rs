//! The storage service over the S3-compatible remote backend (`StorageBackend::S3`, through
//! `object_store`), with moto's server as the remote store: put, get, ranges, overwrite,
//! delete, a body larger than one part (a remote multipart upload), an S3 multipart upload
//! through the service, and failed bodies leaving nothing behind.
//!
//! moto comes from the pinned venv of `bench/python` (created on first run; needs python3 and
//! the package index).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ampbase_storage::blob::{BlobStore, BoxError, InStream};
use ampbase_storage::objects::{ContentHeaders, WriteCondition};
use ampbase_storage::{
    RemoteBlobs, RemoteConfig, StaticCredentials, StorageBackend, StorageError, StorageOptions,
    StorageService,
};
use bytes::Bytes;
use futures::StreamExt;

struct Moto {
    child: Child,
    url: String,
    python: PathBuf,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_moto() -> Moto {
    let bench_python = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/python");
    let out = Command::new("python3")
        .arg("-c")
        .arg(
            "import sys; sys.path.insert(0, sys.argv[1]); import moto as m; print(m.ensure_venv())",
        )
        .arg(&bench_python)
        .stderr(Stdio::inherit())
        .output()
        .expect("python3 is needed to run moto's server");
    assert!(out.status.success(), "could not create moto's venv");
    let python = PathBuf::from(
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .last()
            .unwrap()
            .trim(),
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(python.with_file_name("moto_server"))
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("moto_server");
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "moto_server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    Moto { child, url, python }
}

/// Creates the remote bucket with boto3 (from the same venv): `object_store` has no bucket
/// operations.
fn create_remote_bucket(moto: &Moto, bucket: &str) {
    let status = Command::new(&moto.python)
        .arg("-c")
        .arg(
            "import sys, boto3; boto3.client('s3', endpoint_url=sys.argv[1], region_name='us-east-1', \
             aws_access_key_id='AKIAREMOTETEST', aws_secret_access_key='remote-secret')\
             .create_bucket(Bucket=sys.argv[2])",
        )
        .arg(&moto.url)
        .arg(bucket)
        .status()
        .unwrap();
    assert!(status.success());
}

fn config(moto: &Moto, bucket: &str) -> RemoteConfig {
    RemoteConfig {
        endpoint: Some(moto.url.clone()),
        region: "us-east-1".into(),
        bucket: bucket.into(),
        prefix: "app/sandbox".into(),
        access_key_id: "AKIAREMOTETEST".into(),
        secret_access_key: "remote-secret".into(),
        session_token: None,
    }
}

fn body_of(data: Bytes, chunk: usize) -> InStream {
    let pieces: Vec<Result<Bytes, BoxError>> = (0..data.len())
        .step_by(chunk)
        .map(|i| Ok(data.slice(i..(i + chunk).min(data.len()))))
        .collect();
    Box::pin(futures::stream::iter(pieces))
}

fn pattern(len: usize, seed: u8) -> Bytes {
    Bytes::from(
        (0..len)
            .map(|i| {
                (i as u32)
                    .wrapping_mul(2_654_435_761)
                    .wrapping_add(seed as u32) as u8
            })
            .collect::<Vec<u8>>(),
    )
}

async fn read(service: &StorageService, bucket: &str, key: &str, start: u64, end: u64) -> Vec<u8> {
    let record = service
        .objects()
        .head(bucket, key)
        .await
        .unwrap()
        .expect("the object exists");
    let mut s = service.objects().read(&record, start, end).await.unwrap();
    let mut out = Vec::new();
    while let Some(c) = s.next().await {
        out.extend_from_slice(&c.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_service_over_an_s3_compatible_store() {
    let moto = start_moto();
    create_remote_bucket(&moto, "ampbase-blobs");
    let remote = config(&moto, "ampbase-blobs");
    assert!(!format!("{remote:?}").contains("remote-secret"));
    let dir = tempfile::tempdir().unwrap();
    let store = ampbase_store::Store::open(dir.path().join("data.db")).unwrap();
    let service = StorageService::open(
        &StorageBackend::S3(remote.clone()),
        store,
        Arc::new(StaticCredentials::new()),
        StorageOptions::default(),
    )
    .await
    .unwrap();
    let objects = service.objects();
    objects.create_bucket("media").await.unwrap();
    // What is in the remote bucket, seen by a second client.
    let blobs = RemoteBlobs::connect(&remote).unwrap();

    // Put, get, ranges.
    let small = pattern(10_000, 1);
    let (record, old) = objects
        .put(
            "media",
            "public/a.bin",
            body_of(small.clone(), 1000),
            Some(small.len() as u64),
            None,
            ContentHeaders {
                content_type: Some("application/x-test".into()),
                ..Default::default()
            },
            BTreeMap::from([("owner".to_string(), "me".to_string())]),
            &WriteCondition::default(),
        )
        .await
        .unwrap();
    assert!(old.is_none());
    assert_eq!(record.etag, md5_hex(&small));
    assert_eq!(
        read(&service, "media", "public/a.bin", 0, 10_000).await,
        small
    );
    assert_eq!(
        read(&service, "media", "public/a.bin", 100, 250).await,
        small[100..250]
    );
    assert_eq!(
        read(&service, "media", "public/a.bin", 9_999, 10_000).await,
        small[9_999..]
    );
    let head = objects
        .head("media", "public/a.bin")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        head.content.content_type.as_deref(),
        Some("application/x-test")
    );
    assert_eq!(head.metadata.get("owner").map(String::as_str), Some("me"));
    assert_eq!(
        blobs.list().await.unwrap(),
        vec![record.segments[0].blob.clone()]
    );

    // A body larger than one remote part: streamed as a remote multipart upload.
    let big = pattern(20 << 20, 2);
    let (big_record, _) = objects
        .put(
            "media",
            "public/big.bin",
            body_of(big.clone(), 256 * 1024),
            None,
            None,
            ContentHeaders::default(),
            BTreeMap::new(),
            &WriteCondition::default(),
        )
        .await
        .unwrap();
    assert_eq!(big_record.size, 20 << 20);
    assert_eq!(
        read(&service, "media", "public/big.bin", 0, 20 << 20).await,
        big
    );
    let (a, b) = ((8 << 20) - 5, (8 << 20) + 5);
    assert_eq!(
        read(&service, "media", "public/big.bin", a, b).await,
        big[a as usize..b as usize]
    );

    // Overwrite: the old blob is deleted remotely.
    let replacement = pattern(300, 3);
    let (_, old) = objects
        .put(
            "media",
            "public/a.bin",
            body_of(replacement.clone(), 100),
            Some(300),
            None,
            ContentHeaders::default(),
            BTreeMap::new(),
            &WriteCondition::default(),
        )
        .await
        .unwrap();
    let old_blob = old.unwrap().segments[0].blob.clone();
    assert!(!blobs.list().await.unwrap().contains(&old_blob));
    // 300 bytes live in the record: the only remote blob left is the big object's.
    assert_eq!(
        blobs.list().await.unwrap(),
        vec![big_record.segments[0].blob.clone()]
    );
    assert_eq!(
        read(&service, "media", "public/a.bin", 0, 300).await,
        replacement
    );

    // An S3 multipart upload through the service: two parts (5 MiB minimum but the last).
    let upload = objects
        .create_upload(
            "media",
            "public/parts.bin",
            ContentHeaders::default(),
            BTreeMap::new(),
        )
        .await
        .unwrap();
    let part1 = pattern(5 << 20, 4);
    let part2 = pattern(1234, 5);
    let p1 = objects
        .put_part(
            &upload,
            1,
            body_of(part1.clone(), 64 * 1024),
            Some(5 << 20),
            None,
        )
        .await
        .unwrap();
    let p2 = objects
        .put_part(&upload, 2, body_of(part2.clone(), 1000), Some(1234), None)
        .await
        .unwrap();
    let (parts_record, _) = objects
        .complete_upload(
            &upload,
            &[(1, Some(p1.etag.clone())), (2, Some(p2.etag.clone()))],
            &WriteCondition::default(),
        )
        .await
        .unwrap();
    assert!(parts_record.etag.ends_with("-2"));
    let mut whole = part1.to_vec();
    whole.extend_from_slice(&part2);
    assert_eq!(
        read(&service, "media", "public/parts.bin", 0, whole.len() as u64).await,
        whole
    );
    assert_eq!(
        read(
            &service,
            "media",
            "public/parts.bin",
            (5 << 20) - 2,
            (5 << 20) + 2
        )
        .await,
        whole[(5 << 20) - 2..(5 << 20) + 2]
    );

    // Failed bodies leave nothing, small or past one part.
    let before = blobs.list().await.unwrap().len();
    for (len, chunk) in [(1000usize, 100usize), ((9 << 20), 1 << 20)] {
        let mut pieces: Vec<Result<Bytes, BoxError>> = (0..len)
            .step_by(chunk)
            .map(|_| Ok(Bytes::from(vec![0u8; chunk])))
            .collect();
        pieces.push(Err("connection reset".into()));
        let failed = objects
            .put(
                "media",
                "public/failed.bin",
                Box::pin(futures::stream::iter(pieces)),
                None,
                None,
                ContentHeaders::default(),
                BTreeMap::new(),
                &WriteCondition::default(),
            )
            .await;
        assert!(matches!(failed, Err(StorageError::Blob(_))), "{failed:?}");
    }
    assert_eq!(blobs.list().await.unwrap().len(), before);
    assert!(
        objects
            .head("media", "public/failed.bin")
            .await
            .unwrap()
            .is_none()
    );

    // Delete removes the record and the remote blobs.
    for key in ["public/a.bin", "public/big.bin", "public/parts.bin"] {
        assert!(objects.delete("media", key).await.unwrap().is_some());
    }
    assert!(blobs.list().await.unwrap().is_empty());
    assert!(matches!(
        blobs.get(&old_blob, 0, 1).await,
        Err(ampbase_storage::blob::BlobError::NotFound(_))
    ));
    // Bad credentials are an error, not a hang.
    let wrong = RemoteBlobs::connect(&RemoteConfig {
        bucket: "no-such-bucket".into(),
        ..remote
    })
    .unwrap();
    assert!(wrong.list().await.is_err());
}

fn md5_hex(data: &[u8]) -> String {
    use md5::Digest;
    hex::encode(md5::Md5::digest(data))
}
