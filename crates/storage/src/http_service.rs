//! The HTTP face of the S3 endpoint: CORS (client-protocol.md §5) around the s3s service, a
//! request id on every response, and the listener loop.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use s3s::Body;
use s3s::service::S3Service;

use crate::s3::RemoteAddr;

const ALLOW_METHODS: &str = "GET, PUT, POST, DELETE, HEAD";
/// What the browser client may send, when the preflight does not list its headers.
const ALLOW_HEADERS: &str = "authorization, content-type, content-md5, content-disposition, content-encoding, \
    content-language, cache-control, expires, range, if-match, if-none-match, if-modified-since, \
    if-unmodified-since, x-amz-date, x-amz-security-token, x-amz-content-sha256, x-amz-user-agent, \
    amz-sdk-invocation-id, amz-sdk-request, x-amz-acl, x-amz-tagging, x-amz-expected-bucket-owner, \
    x-amz-copy-source, x-amz-copy-source-if-match, x-amz-copy-source-if-none-match, \
    x-amz-copy-source-if-modified-since, x-amz-copy-source-if-unmodified-since, x-amz-copy-source-range, \
    x-amz-metadata-directive, x-amz-checksum-crc32, x-amz-checksum-crc32c, x-amz-checksum-sha1, \
    x-amz-checksum-sha256, x-amz-checksum-algorithm, x-amz-sdk-checksum-algorithm, \
    x-amz-decoded-content-length, x-amz-trailer";
/// What the browser client reads from responses (`ETag` is required for multipart uploads).
const EXPOSE_HEADERS: &str = "ETag, x-amz-version-id, x-amz-request-id, x-amz-id-2, Content-Range, Accept-Ranges, \
    Content-Length, Content-Type, Content-Disposition, Content-Encoding, Content-Language, Cache-Control, \
    Expires, Last-Modified, Date, x-amz-delete-marker, x-amz-mp-parts-count, x-amz-server-side-encryption, \
    x-amz-checksum-crc32, x-amz-checksum-crc32c, x-amz-checksum-sha1, x-amz-checksum-sha256, \
    x-amzn-RequestId, x-amzn-ErrorType";

/// The S3 endpoint as a tower / hyper service, with CORS. Cheap to clone.
#[derive(Clone)]
pub struct S3HttpService {
    s3: S3Service,
    ids: Arc<AtomicU64>,
}

impl S3HttpService {
    pub fn new(s3: S3Service) -> Self {
        let mut seed = [0u8; 8];
        let _ = getrandom::fill(&mut seed);
        S3HttpService {
            s3,
            ids: Arc::new(AtomicU64::new(u64::from_le_bytes(seed) >> 8)),
        }
    }

    /// Handles one request.
    pub async fn handle(&self, req: Request<Body>) -> Response<Body> {
        let origin = req.headers().get(http::header::ORIGIN).cloned();
        let request_id = format!("{:016X}", self.ids.fetch_add(1, Ordering::Relaxed));
        if req.method() == Method::OPTIONS {
            return preflight(req.headers(), origin, &request_id);
        }
        let credentials = crate::s3::RequestCredentials::of(req.headers(), req.uri());
        let call = crate::s3::REQUEST_CREDENTIALS.scope(credentials, self.s3.call(req));
        let mut resp = match call.await {
            Ok(resp) => resp,
            Err(err) => {
                tracing::error!(error = ?err, "S3 request failed");
                let mut r = Response::new(Body::from(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>"
                        .to_string(),
                ));
                *r.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
                r
            }
        };
        decorate(resp.headers_mut(), origin, &request_id);
        resp
    }
}

fn decorate(headers: &mut HeaderMap, origin: Option<HeaderValue>, request_id: &str) {
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.entry("x-amz-request-id").or_insert(v.clone());
        headers.entry("x-amz-id-2").or_insert(v);
    }
    if origin.is_none() {
        return;
    }
    headers.insert(
        http::header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    // Expose the user metadata headers of this response by name: `x-amz-meta-*` is not a
    // wildcard in Access-Control-Expose-Headers.
    let mut expose = EXPOSE_HEADERS.to_string();
    for name in headers.keys() {
        if name.as_str().starts_with("x-amz-meta-") {
            expose.push_str(", ");
            expose.push_str(name.as_str());
        }
    }
    if let Ok(v) = HeaderValue::from_str(&expose) {
        headers.insert(http::header::ACCESS_CONTROL_EXPOSE_HEADERS, v);
    }
    headers.append(http::header::VARY, HeaderValue::from_static("Origin"));
}

fn preflight(
    req_headers: &HeaderMap,
    origin: Option<HeaderValue>,
    request_id: &str,
) -> Response<Body> {
    let mut resp = Response::new(Body::empty());
    let h = resp.headers_mut();
    h.insert(
        http::header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(
        http::header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(ALLOW_METHODS),
    );
    let allow = req_headers
        .get(http::header::ACCESS_CONTROL_REQUEST_HEADERS)
        .cloned()
        .unwrap_or_else(|| HeaderValue::from_static(ALLOW_HEADERS));
    h.insert(http::header::ACCESS_CONTROL_ALLOW_HEADERS, allow);
    h.insert(
        http::header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(EXPOSE_HEADERS),
    );
    h.insert(
        http::header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("3000"),
    );
    h.insert(
        HeaderName::from_static("vary"),
        HeaderValue::from_static("Origin, Access-Control-Request-Headers"),
    );
    decorate(h, None, request_id);
    let _ = origin;
    resp
}

impl hyper::service::Service<Request<hyper::body::Incoming>> for S3HttpService {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn call(&self, req: Request<hyper::body::Incoming>) -> Self::Future {
        let this = self.clone();
        Box::pin(async move { Ok(this.handle(req.map(Body::from)).await) })
    }
}

impl<B> tower::Service<Request<B>> for S3HttpService
where
    B: http_body::Body<Data = bytes::Bytes> + Send + Sync + 'static,
    B::Error: std::error::Error + Send + Sync + 'static,
{
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let this = self.clone();
        Box::pin(async move { Ok(this.handle(req.map(Body::http_body)).await) })
    }
}

pub(crate) async fn serve(
    service: S3HttpService,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "S3 listener accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => return Ok(()),
        };
        let _ = stream.set_nodelay(true);
        let service = service.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |mut req: Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(RemoteAddr(peer));
                let service = service.clone();
                async move { Ok::<_, Infallible>(service.handle(req.map(Body::from)).await) }
            });
            let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            if let Err(e) = builder.serve_connection(TokioIo::new(stream), svc).await {
                tracing::debug!(error = %e, "S3 connection ended with an error");
            }
        });
    }
}
