//! Storage benchmark: ampbase's S3 endpoint and moto's server, side by side in one run, every
//! request SigV4-signed (and verified by the server).
//!
//! - PUT and GET of 1 KiB objects at 16 keep-alive connections: requests/s, p50/p99 (after
//!   the big object);
//! - first, on the fresh server, a multipart upload of 256 MiB (8 MiB parts, 4 at a time) in
//!   MB/s, and the server's peak resident memory meanwhile (`VmHWM` after resetting it through
//!   `/proc/<pid>/clear_refs`), then GET of that object in MB/s (best of 3);
//! - resident memory at the end.
//!
//! Usage: `storage-bench --binary target/release/ampbase [--seconds 5] [--connections 16]
//! [--big-mib 256] [--only ampbase|moto]`
//!
//! The load generator runs on one thread and signs each request (canonical request, string to
//! sign, one HMAC with the signing key derived once per day): the client shares the machine's
//! cores with the server, so what it spends per request is taken from the server.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, anyhow, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

const REGION: &str = "us-east-1";
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const PART_SIZE: usize = 8 << 20;
const PART_CONCURRENCY: usize = 4;

// ---- SigV4 (the client side)

type HmacSha256 = hmac::Hmac<Sha256>;

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    use hmac::{KeyInit, Mac};
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}

fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

/// `(YYYYMMDD, YYYYMMDDTHHMMSSZ)` of a Unix time (UTC; days to civil date after H. Hinnant).
fn amz_dates(unix: u64) -> (String, String) {
    let days = (unix / 86_400) as i64;
    let secs = unix % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let date = format!("{year:04}{month:02}{day:02}");
    let stamp = format!(
        "{date}T{:02}{:02}{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    );
    (date, stamp)
}

/// Signs requests for one credential; the signing key is derived once per day.
struct Signer {
    access_key: String,
    secret: String,
    day: String,
    key: [u8; 32],
    /// The `x-amz-date` of the current second.
    second: u64,
    stamp: String,
}

impl Signer {
    fn new(access_key: &str, secret: &str) -> Signer {
        let mut signer = Signer {
            access_key: access_key.into(),
            secret: secret.into(),
            day: String::new(),
            key: [0; 32],
            second: u64::MAX,
            stamp: String::new(),
        };
        signer.refresh();
        signer
    }

    fn refresh(&mut self) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        if now == self.second {
            return;
        }
        let (day, stamp) = amz_dates(now);
        if day != self.day {
            let k = hmac(format!("AWS4{}", self.secret).as_bytes(), day.as_bytes());
            let k = hmac(&k, REGION.as_bytes());
            let k = hmac(&k, b"s3");
            self.key = hmac(&k, b"aws4_request");
            self.day = day;
        }
        self.second = now;
        self.stamp = stamp;
    }

    /// A signed request. `path` is already URI-encoded; `query` is canonical (sorted, encoded);
    /// `payload_sha256` is the body's hex SHA-256.
    fn request(
        &mut self,
        method: &str,
        host: &str,
        path: &str,
        query: &str,
        payload_sha256: &str,
        body: Bytes,
    ) -> Result<Request<Full<Bytes>>> {
        self.refresh();
        let canonical = format!(
            "{method}\n{path}\n{query}\nhost:{host}\nx-amz-content-sha256:{payload_sha256}\nx-amz-date:{}\n\nhost;x-amz-content-sha256;x-amz-date\n{payload_sha256}",
            self.stamp
        );
        let string_to_sign = format!(
            "AWS4-HMAC-SHA256\n{}\n{}/{REGION}/s3/aws4_request\n{}",
            self.stamp,
            self.day,
            sha256_hex(canonical.as_bytes())
        );
        let signature = hex(&hmac(&self.key, string_to_sign.as_bytes()));
        let authorization = format!(
            "AWS4-HMAC-SHA256 Credential={}/{}/{REGION}/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature={signature}",
            self.access_key, self.day
        );
        let uri = if query.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{query}")
        };
        Ok(Request::builder()
            .method(method)
            .uri(uri)
            .header("host", host)
            .header("x-amz-content-sha256", payload_sha256)
            .header("x-amz-date", &self.stamp)
            .header("authorization", authorization)
            .header("content-length", body.len())
            .body(Full::new(body))?)
    }
}

// ---- the two servers

struct Target {
    name: &'static str,
    port: u16,
    host: String,
    bucket: String,
    access_key: String,
    secret: String,
    pid: u32,
    _child: Child,
    _dir: Option<tempfile::TempDir>,
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if name == "node_modules"
            || name == ".amplify"
            || name.to_string_lossy().starts_with("amplify_outputs")
        {
            continue;
        }
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &to.join(&name))?;
        } else {
            std::fs::copy(entry.path(), to.join(&name))?;
        }
    }
    Ok(())
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// `ampbase sandbox` on a copy of `examples/blog` (it has `defineStorage`), with the sandbox's
/// administrator credential.
async fn start_ampbase(binary: &Path) -> Result<Target> {
    let dir = tempfile::tempdir()?;
    let app = dir.path().join("blog");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/blog"),
        &app,
    )?;
    let (port, storage_port) = (free_port()?, free_port()?);
    let mut child = Command::new(binary)
        .args([
            "sandbox",
            "--identifier",
            "bench",
            "--yes",
            "--port",
            &port.to_string(),
            "--storage-port",
            &storage_port.to_string(),
        ])
        .current_dir(&app)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("cannot run {}", binary.display()))?;
    let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
    tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await? {
            if line.contains('✔') {
                return Ok(());
            }
            if line.contains('✘') {
                bail!("the sandbox failed to build: {line}");
            }
        }
        bail!("the sandbox exited")
    })
    .await
    .map_err(|_| anyhow!("the sandbox did not become ready"))??;
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let outputs: Value =
        serde_json::from_str(&std::fs::read_to_string(app.join("amplify_outputs.json"))?)?;
    // The local outputs (`0-local`) carry the bucket as `Storage.S3.bucket`; the Gen 2 spec as
    // `storage.bucket_name`.
    let bucket = outputs["Storage"]["S3"]["bucket"]
        .as_str()
        .or(outputs["storage"]["bucket_name"].as_str())
        .ok_or_else(|| anyhow!("no storage bucket in the outputs"))?
        .to_string();
    let credential: Value = serde_json::from_str(&std::fs::read_to_string(
        app.join(".amplify/ampbase/sandboxes/bench/admin-credential.json"),
    )?)?;
    let field = |name: &str| {
        credential[name]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| anyhow!("no {name} in the admin credential"))
    };
    Ok(Target {
        name: "ampbase",
        port: storage_port,
        host: format!("127.0.0.1:{storage_port}"),
        bucket,
        access_key: field("accessKeyId")?,
        secret: field("secretAccessKey")?,
        pid: child.id().ok_or_else(|| anyhow!("the sandbox exited"))?,
        _child: child,
        _dir: Some(dir),
    })
}

/// moto's server from the pinned venv of `bench/python` (created on first use), with a fresh
/// bucket. moto accepts any credential; the requests are signed all the same.
async fn start_moto() -> Result<Target> {
    let python_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("python");
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(
            "import sys; sys.path.insert(0, sys.argv[1]); import moto as m; print(m.ensure_venv())",
        )
        .arg(&python_dir)
        .stderr(Stdio::inherit())
        .output()
        .context("cannot run python3")?;
    if !out.status.success() {
        bail!("could not prepare moto's venv");
    }
    let python = PathBuf::from(
        String::from_utf8(out.stdout)?
            .lines()
            .last()
            .unwrap_or_default()
            .trim(),
    );
    let port = free_port()?;
    let child = Command::new(python.with_file_name("moto_server"))
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .context("cannot start moto_server")?;
    let pid = child.id().ok_or_else(|| anyhow!("moto_server exited"))?;
    let mut target = Target {
        name: "moto",
        port,
        host: format!("127.0.0.1:{port}"),
        bucket: "bench".into(),
        access_key: "AKIABENCHMARKMOTO000".into(),
        secret: "bench-secret-bench-secret-bench-secret-0".into(),
        pid,
        _child: child,
        _dir: None,
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(mut c) = Connection::open(&target).await
            && c.send(
                Request::get("/moto-api/")
                    .header("host", &target.host)
                    .body(Full::new(Bytes::new()))?,
            )
            .await
            .is_ok()
        {
            break;
        }
        if Instant::now() > deadline {
            bail!("moto_server did not start");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut c = Connection::open(&target).await?;
    let path = format!("/{}", target.bucket);
    let req = c
        .signer
        .request("PUT", &target.host, &path, "", EMPTY_SHA256, Bytes::new())?;
    c.send(req).await.context("creating the bucket in moto")?;
    target.bucket = "bench".into();
    Ok(target)
}

// ---- the load generator

/// One keep-alive HTTP/1.1 connection with its signer. moto's server closes the connection
/// after each answer; a closed connection is reopened before the next request.
struct Connection {
    port: u16,
    sender: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    signer: Signer,
}

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

async fn connect(port: u16) -> Result<Sender> {
    let stream = TcpStream::connect(("127.0.0.1", port)).await?;
    stream.set_nodelay(true)?;
    let (sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    Ok(sender)
}

impl Connection {
    async fn open(target: &Target) -> Result<Connection> {
        Ok(Connection {
            port: target.port,
            sender: connect(target.port).await?,
            signer: Signer::new(&target.access_key, &target.secret),
        })
    }

    async fn ready(&mut self) -> Result<()> {
        if self.sender.ready().await.is_err() {
            self.sender = connect(self.port).await?;
            self.sender.ready().await?;
        }
        Ok(())
    }

    /// Sends and reads the whole answer; a non-2xx answer is an error with its body.
    async fn send(&mut self, request: Request<Full<Bytes>>) -> Result<(hyper::HeaderMap, Bytes)> {
        self.ready().await?;
        let response = self.sender.send_request(request).await?;
        let status = response.status();
        let (parts, body) = response.into_parts();
        let body = body.collect().await?.to_bytes();
        if !status.is_success() {
            bail!("HTTP {status}: {}", String::from_utf8_lossy(&body));
        }
        Ok((parts.headers, body))
    }

    /// Sends and counts the answer's bytes as they arrive (nothing kept).
    async fn send_counting(&mut self, request: Request<Full<Bytes>>) -> Result<u64> {
        self.ready().await?;
        let response = self.sender.send_request(request).await?;
        let status = response.status();
        let mut body = response.into_body();
        let mut total = 0u64;
        while let Some(frame) = body.frame().await {
            if let Ok(data) = frame?.into_data() {
                total += data.len() as u64;
            }
        }
        if !status.is_success() {
            bail!("HTTP {status}");
        }
        Ok(total)
    }
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize] as f64 / 1000.0
}

#[derive(Debug, Clone, Copy)]
struct Throughput {
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
}

#[derive(Clone, Copy, PartialEq)]
enum Op {
    Put,
    Get,
}

const SMALL_KEYS: usize = 1000;

/// PUTs (new keys each time) or GETs (of `SMALL_KEYS` keys written before) of 1 KiB objects
/// on `connections` connections for `seconds`, after a warm-up of a tenth of that.
async fn small_objects(
    target: &Arc<Target>,
    op: Op,
    connections: usize,
    seconds: f64,
) -> Result<Throughput> {
    let body = Bytes::from(
        (0..1024u32)
            .map(|i| (i * 31 % 251) as u8)
            .collect::<Vec<u8>>(),
    );
    let body_sha256: Arc<str> = sha256_hex(&body).into();
    let warm_up = Duration::from_secs_f64(seconds / 10.0);
    let measured = Duration::from_secs_f64(seconds);
    let start = Instant::now() + warm_up;
    let end = start + measured;
    let mut tasks = Vec::new();
    for c in 0..connections {
        let target = target.clone();
        let (body, body_sha256) = (body.clone(), body_sha256.clone());
        tasks.push(tokio::spawn(async move {
            let mut conn = Connection::open(&target).await?;
            let mut latencies: Vec<u32> = Vec::with_capacity(1 << 16);
            let mut i = 0usize;
            loop {
                let sent = Instant::now();
                if sent >= end {
                    break;
                }
                let req = match op {
                    Op::Put => {
                        let path = format!("/{}/small/put-{c}-{i}", target.bucket);
                        conn.signer.request(
                            "PUT",
                            &target.host,
                            &path,
                            "",
                            &body_sha256,
                            body.clone(),
                        )?
                    }
                    Op::Get => {
                        let path = format!(
                            "/{}/small/get-{}",
                            target.bucket,
                            (c * 7919 + i) % SMALL_KEYS
                        );
                        conn.signer.request(
                            "GET",
                            &target.host,
                            &path,
                            "",
                            EMPTY_SHA256,
                            Bytes::new(),
                        )?
                    }
                };
                let (_, answer) = conn.send(req).await?;
                if op == Op::Get && answer.len() != 1024 {
                    bail!("GET returned {} bytes, not 1024", answer.len());
                }
                if sent >= start {
                    latencies.push(sent.elapsed().as_micros().min(u32::MAX as u128) as u32);
                }
                i += 1;
            }
            Ok::<_, anyhow::Error>(latencies)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await??);
    }
    all.sort_unstable();
    Ok(Throughput {
        per_second: all.len() as f64 / measured.as_secs_f64(),
        p50_ms: percentile(&all, 0.5),
        p99_ms: percentile(&all, 0.99),
    })
}

async fn seed_small_objects(target: &Arc<Target>) -> Result<()> {
    let body = Bytes::from(vec![b'x'; 1024]);
    let body_sha256 = sha256_hex(&body);
    let mut conn = Connection::open(target).await?;
    for k in 0..SMALL_KEYS {
        let path = format!("/{}/small/get-{k}", target.bucket);
        let req =
            conn.signer
                .request("PUT", &target.host, &path, "", &body_sha256, body.clone())?;
        conn.send(req).await?;
    }
    Ok(())
}

/// Deterministic incompressible bytes.
fn pseudo_random(len: usize) -> Bytes {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(len);
    Bytes::from(out)
}

fn xml_field<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{tag}>"))? + start;
    Some(&xml[start..end])
}

fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

struct Upload {
    mb_per_s: f64,
    peak_rss_mb: f64,
    /// Resident before the upload started (what the earlier phases left).
    start_rss_mb: f64,
}

/// A multipart upload of `data` to `key` (parts of `PART_SIZE`, `PART_CONCURRENCY` at a time),
/// with the server's peak RSS while it runs.
async fn multipart_upload(
    target: &Arc<Target>,
    key: &str,
    data: &Bytes,
    part_sha256: &[String],
) -> Result<Upload> {
    let path = format!("/{}/{key}", target.bucket);
    let mut conn = Connection::open(target).await?;
    // Peak RSS from here: VmHWM reset (Linux's clear_refs 5), and sampled VmRSS as a fallback.
    let start_kib = status_kib(target.pid, "VmRSS:").unwrap_or(0);
    let reset = std::fs::write(format!("/proc/{}/clear_refs", target.pid), "5").is_ok();
    let sampling = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let (pid, sampling) = (target.pid, sampling.clone());
        tokio::spawn(async move {
            let mut peak = 0;
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(status_kib(pid, "VmRSS:").unwrap_or(0));
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            peak
        })
    };
    let started = Instant::now();
    let req = conn.signer.request(
        "POST",
        &target.host,
        &path,
        "uploads=",
        EMPTY_SHA256,
        Bytes::new(),
    )?;
    let (_, answer) = conn.send(req).await?;
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let upload_id = xml_field(&answer, "UploadId")
        .ok_or_else(|| anyhow!("no UploadId in {answer}"))?
        .to_string();
    let parts = data.len().div_ceil(PART_SIZE);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..PART_CONCURRENCY.min(parts) {
        let (target, next, data, upload_id, path) = (
            target.clone(),
            next.clone(),
            data.clone(),
            upload_id.clone(),
            path.clone(),
        );
        let part_sha256 = part_sha256.to_vec();
        workers.push(tokio::spawn(async move {
            let mut conn = Connection::open(&target).await?;
            let mut etags = Vec::new();
            loop {
                let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if n >= parts {
                    break;
                }
                let body = data.slice(n * PART_SIZE..((n + 1) * PART_SIZE).min(data.len()));
                let query = format!("partNumber={}&uploadId={upload_id}", n + 1);
                let req = conn.signer.request(
                    "PUT",
                    &target.host,
                    &path,
                    &query,
                    &part_sha256[n],
                    body,
                )?;
                let (headers, _) = conn.send(req).await?;
                let etag = headers
                    .get("etag")
                    .and_then(|v| v.to_str().ok())
                    .ok_or_else(|| anyhow!("no ETag for part {}", n + 1))?;
                etags.push((n + 1, etag.to_string()));
            }
            Ok::<_, anyhow::Error>(etags)
        }));
    }
    let mut etags = Vec::new();
    for w in workers {
        etags.extend(w.await??);
    }
    etags.sort();
    let mut xml = String::from("<CompleteMultipartUpload>");
    for (n, etag) in &etags {
        xml.push_str(&format!(
            "<Part><PartNumber>{n}</PartNumber><ETag>{etag}</ETag></Part>"
        ));
    }
    xml.push_str("</CompleteMultipartUpload>");
    let body = Bytes::from(xml);
    let req = conn.signer.request(
        "POST",
        &target.host,
        &path,
        &format!("uploadId={upload_id}"),
        &sha256_hex(&body),
        body,
    )?;
    let (_, answer) = conn.send(req).await?;
    let elapsed = started.elapsed();
    sampling.store(false, std::sync::atomic::Ordering::Relaxed);
    let sampled = sampler.await?;
    if !String::from_utf8_lossy(&answer).contains("ETag") {
        bail!(
            "CompleteMultipartUpload: {}",
            String::from_utf8_lossy(&answer)
        );
    }
    let peak_kib = if reset {
        status_kib(target.pid, "VmHWM:")
            .unwrap_or(sampled)
            .max(sampled)
    } else {
        sampled
    };
    Ok(Upload {
        mb_per_s: data.len() as f64 / elapsed.as_secs_f64() / 1e6,
        peak_rss_mb: peak_kib as f64 / 1024.0,
        start_rss_mb: start_kib as f64 / 1024.0,
    })
}

/// GETs `key` whole `rounds` times; the best rate in MB/s.
async fn big_get(target: &Arc<Target>, key: &str, size: u64, rounds: usize) -> Result<f64> {
    let path = format!("/{}/{key}", target.bucket);
    let mut conn = Connection::open(target).await?;
    let mut best = 0f64;
    for _ in 0..rounds {
        let started = Instant::now();
        let req =
            conn.signer
                .request("GET", &target.host, &path, "", EMPTY_SHA256, Bytes::new())?;
        let got = conn.send_counting(req).await?;
        if got != size {
            bail!("GET returned {got} bytes, not {size}");
        }
        best = best.max(size as f64 / started.elapsed().as_secs_f64() / 1e6);
    }
    Ok(best)
}

#[derive(Default)]
struct Results {
    put: Option<Throughput>,
    get: Option<Throughput>,
    upload: Option<Upload>,
    big_get_mb_s: Option<f64>,
    /// Resident at the end of all phases.
    end_rss_mb: Option<f64>,
}

struct Options {
    seconds: f64,
    connections: usize,
    big: usize,
}

async fn measure(
    target: Target,
    options: &Options,
    data: &Bytes,
    part_sha256: &[String],
) -> Result<Results> {
    let target = Arc::new(target);
    let name = target.name;
    let mut r = Results::default();
    // The upload first, on a fresh server: its peak RSS is then what the upload costs, not
    // what the small-object phases left in the allocator and SQLite's caches.
    eprintln!("[{name}] multipart upload of {} MiB", options.big >> 20);
    r.upload = Some(
        multipart_upload(&target, "big/object", data, part_sha256)
            .await
            .with_context(|| format!("{name}: multipart upload"))?,
    );
    eprintln!("[{name}] GET {} MiB", options.big >> 20);
    r.big_get_mb_s = Some(
        big_get(&target, "big/object", data.len() as u64, 3)
            .await
            .with_context(|| format!("{name}: big GET"))?,
    );
    eprintln!("[{name}] PUT 1 KiB");
    r.put = Some(
        small_objects(&target, Op::Put, options.connections, options.seconds)
            .await
            .with_context(|| format!("{name}: PUT 1 KiB"))?,
    );
    seed_small_objects(&target)
        .await
        .with_context(|| format!("{name}: seeding"))?;
    eprintln!("[{name}] GET 1 KiB");
    r.get = Some(
        small_objects(&target, Op::Get, options.connections, options.seconds)
            .await
            .with_context(|| format!("{name}: GET 1 KiB"))?,
    );
    r.end_rss_mb = status_kib(target.pid, "VmRSS:").map(|k| k as f64 / 1024.0);
    Ok(r)
}

fn cell(v: Option<f64>, digits: usize) -> String {
    match v {
        Some(v) if v.is_finite() => format!("{v:.digits$}"),
        _ => "–".into(),
    }
}

fn print_table(options: &Options, ours: &Results, moto: &Results) {
    let mib = options.big >> 20;
    let c = options.connections;
    let rows: Vec<(String, String, String, &str)> = vec![
        (
            format!("PUT 1 KiB, {c} connections (req/s)"),
            cell(ours.put.map(|t| t.per_second), 0),
            cell(moto.put.map(|t| t.per_second), 0),
            "≥ 5,000",
        ),
        (
            "  PUT p50 / p99 (ms)".into(),
            format!(
                "{} / {}",
                cell(ours.put.map(|t| t.p50_ms), 2),
                cell(ours.put.map(|t| t.p99_ms), 2)
            ),
            format!(
                "{} / {}",
                cell(moto.put.map(|t| t.p50_ms), 2),
                cell(moto.put.map(|t| t.p99_ms), 2)
            ),
            "",
        ),
        (
            format!("GET 1 KiB, {c} connections (req/s)"),
            cell(ours.get.map(|t| t.per_second), 0),
            cell(moto.get.map(|t| t.per_second), 0),
            "≥ 15,000",
        ),
        (
            "  GET p50 / p99 (ms)".into(),
            format!(
                "{} / {}",
                cell(ours.get.map(|t| t.p50_ms), 2),
                cell(ours.get.map(|t| t.p99_ms), 2)
            ),
            format!(
                "{} / {}",
                cell(moto.get.map(|t| t.p50_ms), 2),
                cell(moto.get.map(|t| t.p99_ms), 2)
            ),
            "",
        ),
        (
            format!("GET {mib} MiB object (MB/s, best of 3)"),
            cell(ours.big_get_mb_s, 0),
            cell(moto.big_get_mb_s, 0),
            "≥ 1,000",
        ),
        (
            format!(
                "multipart upload {mib} MiB ({} MiB parts × {PART_CONCURRENCY}) (MB/s)",
                PART_SIZE >> 20
            ),
            cell(ours.upload.as_ref().map(|u| u.mb_per_s), 0),
            cell(moto.upload.as_ref().map(|u| u.mb_per_s), 0),
            "",
        ),
        (
            "  server peak RSS during the upload (MB)".into(),
            cell(ours.upload.as_ref().map(|u| u.peak_rss_mb), 0),
            cell(moto.upload.as_ref().map(|u| u.peak_rss_mb), 0),
            "≤ 64",
        ),
        (
            "  server RSS when the upload started (MB)".into(),
            cell(ours.upload.as_ref().map(|u| u.start_rss_mb), 0),
            cell(moto.upload.as_ref().map(|u| u.start_rss_mb), 0),
            "",
        ),
        (
            "server RSS after all phases (MB)".into(),
            cell(ours.end_rss_mb, 0),
            cell(moto.end_rss_mb, 0),
            "",
        ),
    ];
    println!("| S3, every request SigV4-signed | ampbase | moto | target |");
    println!("| --- | ---: | ---: | ---: |");
    for (name, a, m, t) in rows {
        println!("| {name} | {a} | {m} | {t} |");
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let mut binary: Option<PathBuf> = None;
    let mut options = Options {
        seconds: 5.0,
        connections: 16,
        big: 256 << 20,
    };
    let mut only: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| anyhow!("{arg} needs a value"));
        match arg.as_str() {
            "--binary" => binary = Some(PathBuf::from(value()?)),
            "--seconds" => options.seconds = value()?.parse()?,
            "--connections" => options.connections = value()?.parse()?,
            "--big-mib" => options.big = value()?.parse::<usize>()? << 20,
            "--only" => only = Some(value()?),
            other => bail!(
                "unknown argument {other} (usage: storage-bench --binary <ampbase> [--seconds 5] [--connections 16] [--big-mib 256] [--only ampbase|moto])"
            ),
        }
    }
    let binary = binary.ok_or_else(|| anyhow!("--binary <path to ampbase> is required"))?;
    let binary =
        std::fs::canonicalize(&binary).with_context(|| format!("no {}", binary.display()))?;
    // The big object and its part hashes, computed before anything is timed.
    let data = pseudo_random(options.big);
    let part_sha256: Vec<String> = data.chunks(PART_SIZE).map(sha256_hex).collect();
    let run = |name: &str| only.as_deref().is_none_or(|o| o == name);
    let ours = if run("ampbase") {
        measure(start_ampbase(&binary).await?, &options, &data, &part_sha256).await?
    } else {
        Results::default()
    };
    let moto = if run("moto") {
        measure(start_moto().await?, &options, &data, &part_sha256).await?
    } else {
        Results::default()
    };
    print_table(&options, &ours, &moto);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(amz_dates(0), ("19700101".into(), "19700101T000000Z".into()));
        assert_eq!(
            amz_dates(1_440_938_160),
            ("20150830".into(), "20150830T123600Z".into())
        );
        assert_eq!(
            amz_dates(951_782_400),
            ("20000229".into(), "20000229T000000Z".into())
        );
    }

    /// AWS's documented signing-key derivation example (IAM, 2012-02-15).
    #[test]
    fn signing_key_matches_aws_example() {
        let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
        let k = hmac(format!("AWS4{secret}").as_bytes(), b"20120215");
        let k = hmac(&k, b"us-east-1");
        let k = hmac(&k, b"iam");
        let k = hmac(&k, b"aws4_request");
        assert_eq!(
            hex(&k),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
        );
    }
}
