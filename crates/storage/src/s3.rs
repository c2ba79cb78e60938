//! The S3 protocol edge: s3s's `S3` trait over [`Objects`], with authentication
//! ([`S3Auth`] → [`CredentialResolver`]), the caller put in each request by [`S3Access`],
//! authorization by the bucket's [`AccessRules`], virtual hosts, and the path-style
//! `POST /?delete` of the Amplify client (client-protocol.md §1.4).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use ampbase_core::{Caller, IamPrincipal};
use async_trait::async_trait;
use base64::Engine as _;
use bytes::Bytes;
use futures::{Stream, TryStreamExt};
use s3s::access::{S3Access, S3AccessContext};
use s3s::auth::{S3Auth, SecretKey};
use s3s::dto::*;
use s3s::host::{S3Host, VirtualHost};
use s3s::route::S3Route;
use s3s::stream::{ByteStream, RemainingLength};
use s3s::{S3, S3Error, S3ErrorCode, S3Request, S3Response, S3Result, s3_error};

use crate::Inner;
use crate::blob::{BlobError, InStream, OutStream};
use crate::credentials::Resolution;
use crate::events::EventKind;
use crate::objects::{ContentHeaders, ListQuery, ObjectRecord, StorageError, WriteCondition};
use crate::rules::Action;

/// The peer address of a request, put in its extensions by the listener.
#[derive(Debug, Clone, Copy)]
pub struct RemoteAddr(pub std::net::SocketAddr);

pub(crate) fn to_s3(e: StorageError) -> S3Error {
    use StorageError as E;
    match e {
        E::NoSuchBucket => s3_error!(NoSuchBucket),
        E::NoSuchKey => s3_error!(NoSuchKey),
        E::NoSuchUpload => s3_error!(NoSuchUpload),
        E::BucketNotEmpty => s3_error!(BucketNotEmpty),
        E::BucketAlreadyOwnedByYou => s3_error!(BucketAlreadyOwnedByYou),
        E::PreconditionFailed => s3_error!(PreconditionFailed),
        E::NotModified => s3_error!(NotModified),
        E::InvalidRange => s3_error!(InvalidRange),
        E::InvalidPart(m) => S3Error::with_message(S3ErrorCode::InvalidPart, m),
        E::InvalidPartOrder => s3_error!(InvalidPartOrder),
        E::EntityTooSmall => s3_error!(EntityTooSmall),
        E::EntityTooLarge => s3_error!(EntityTooLarge),
        E::BadDigest => s3_error!(BadDigest),
        E::InvalidRequest(m) => S3Error::with_message(S3ErrorCode::InvalidRequest, m),
        E::IncompleteBody(m) => S3Error::with_message(S3ErrorCode::IncompleteBody, m),
        E::Blob(BlobError::Body(source)) => match source.downcast::<S3Error>() {
            // A payload signature or checksum s3s found wrong while the body streamed.
            Ok(s3) => *s3,
            Err(other) => S3Error::with_message(S3ErrorCode::IncompleteBody, other.to_string()),
        },
        E::Blob(BlobError::NotFound(_)) => s3_error!(NoSuchKey),
        other => {
            tracing::error!(error = %other, "storage failure");
            S3Error::with_message(
                S3ErrorCode::InternalError,
                "We encountered an internal error. Please try again.",
            )
        }
    }
}

fn caller_of<T>(req: &S3Request<T>) -> S3Result<Caller> {
    req.extensions
        .get::<Caller>()
        .cloned()
        .ok_or_else(|| s3_error!(AccessDenied, "Signature is required"))
}

fn is_admin(caller: &Caller) -> bool {
    matches!(caller, Caller::Iam(IamPrincipal::Admin))
}

fn principal_id(caller: &Caller) -> String {
    match caller {
        Caller::Iam(IamPrincipal::Admin) => "ampbase-admin".into(),
        Caller::Iam(IamPrincipal::Guest { identity_id }) => identity_id.clone(),
        Caller::Iam(IamPrincipal::Authenticated { identity_id, .. }) => identity_id.clone(),
        Caller::Iam(IamPrincipal::Function { name }) => format!("function:{name}"),
        _ => "anonymous".into(),
    }
}

fn timestamp(ms: i64) -> Timestamp {
    Timestamp::from(UNIX_EPOCH + Duration::from_millis(ms.max(0) as u64))
}

fn unix_seconds(t: &Timestamp) -> i64 {
    time::OffsetDateTime::from(t.clone()).unix_timestamp()
}

fn http_date(t: &Timestamp) -> Option<String> {
    let mut buf = Vec::new();
    t.format(TimestampFormat::HttpDate, &mut buf).ok()?;
    String::from_utf8(buf).ok()
}

fn parse_http_date(s: &str) -> Option<Timestamp> {
    Timestamp::parse(TimestampFormat::HttpDate, s).ok()
}

fn etag(value: &str) -> ETag {
    ETag::Strong(value.to_string())
}

fn etag_matches(cond: &ETagCondition, record: &ObjectRecord) -> bool {
    match cond {
        ETagCondition::Any => true,
        ETagCondition::ETag(e) => e.value() == record.etag,
    }
}

/// S3's order of evaluation for conditional reads.
fn check_read_conditions(
    record: &ObjectRecord,
    if_match: Option<&ETagCondition>,
    if_none_match: Option<&ETagCondition>,
    if_modified_since: Option<&Timestamp>,
    if_unmodified_since: Option<&Timestamp>,
) -> S3Result<()> {
    let modified = record.last_modified.div_euclid(1000);
    if let Some(c) = if_match {
        if !etag_matches(c, record) {
            return Err(s3_error!(PreconditionFailed));
        }
    } else if let Some(t) = if_unmodified_since
        && modified > unix_seconds(t)
    {
        return Err(s3_error!(PreconditionFailed));
    }
    if let Some(c) = if_none_match {
        if etag_matches(c, record) {
            return Err(not_modified(record));
        }
    } else if let Some(t) = if_modified_since
        && modified <= unix_seconds(t)
    {
        return Err(not_modified(record));
    }
    Ok(())
}

fn not_modified(record: &ObjectRecord) -> S3Error {
    let mut e = s3_error!(NotModified);
    let mut headers = http::HeaderMap::new();
    if let Ok(v) = format!("\"{}\"", record.etag).parse() {
        headers.insert(http::header::ETAG, v);
    }
    e.set_headers(headers);
    e
}

fn decode_md5(value: Option<&String>) -> S3Result<Option<[u8; 16]>> {
    let Some(v) = value else { return Ok(None) };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(v.trim())
        .map_err(|_| s3_error!(InvalidDigest))?;
    let digest: [u8; 16] = bytes.try_into().map_err(|_| s3_error!(InvalidDigest))?;
    Ok(Some(digest))
}

fn metadata_of(m: Option<Metadata>) -> S3Result<BTreeMap<String, String>> {
    let map: BTreeMap<String, String> = m
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect();
    let size: usize = map.iter().map(|(k, v)| k.len() + v.len()).sum();
    if size > 2048 {
        return Err(s3_error!(
            MetadataTooLarge,
            "your metadata headers exceed the maximum allowed metadata size (2 KB)"
        ));
    }
    Ok(map)
}

fn body_stream(body: Option<StreamingBlob>) -> InStream {
    match body {
        Some(b) => Box::pin(b),
        None => Box::pin(futures::stream::empty()),
    }
}

/// An outgoing body with its exact length (so the response carries `Content-Length`).
struct Sized {
    inner: sync_wrapper::SyncStream<OutStream>,
    remaining: u64,
}

impl Stream for Sized {
    type Item = Result<Bytes, s3s::StdError>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        let this = &mut *self;
        match std::pin::Pin::new(&mut this.inner).poll_next(cx) {
            std::task::Poll::Ready(Some(Ok(b))) => {
                this.remaining = this.remaining.saturating_sub(b.len() as u64);
                std::task::Poll::Ready(Some(Ok(b)))
            }
            std::task::Poll::Ready(Some(Err(e))) => std::task::Poll::Ready(Some(Err(Box::new(e)))),
            std::task::Poll::Ready(None) => std::task::Poll::Ready(None),
            std::task::Poll::Pending => std::task::Poll::Pending,
        }
    }
}

impl ByteStream for Sized {
    fn remaining_length(&self) -> RemainingLength {
        RemainingLength::new_exact(self.remaining as usize)
    }
}

fn sized_blob(stream: OutStream, len: u64) -> StreamingBlob {
    StreamingBlob::new(Sized {
        inner: sync_wrapper::SyncStream::new(stream),
        remaining: len,
    })
}

fn content_of(
    content_type: Option<String>,
    content_encoding: Option<String>,
    content_disposition: Option<String>,
    content_language: Option<String>,
    cache_control: Option<String>,
    expires: Option<&Timestamp>,
) -> ContentHeaders {
    ContentHeaders {
        content_type,
        content_encoding,
        content_disposition,
        content_language,
        cache_control,
        expires: expires.and_then(http_date),
    }
}

fn encode_url(s: &str) -> String {
    // Unreserved characters and '/' stay; everything else is percent-encoded (a space is
    // `%20`, a '+' is `%2B`), which both `decodeURIComponent` and `unquote_plus` read back.
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~')
        .remove(b'/');
    percent_encoding::utf8_percent_encode(s, SET).to_string()
}

fn encode_token(last: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(last.as_bytes())
}

fn decode_token(token: &str) -> S3Result<String> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| {
            s3_error!(
                InvalidArgument,
                "The continuation token provided is incorrect"
            )
        })
}

fn list_object(r: &ObjectRecord, url: bool) -> Object {
    Object {
        key: Some(if url {
            encode_url(&r.key)
        } else {
            r.key.clone()
        }),
        last_modified: Some(timestamp(r.last_modified)),
        e_tag: Some(etag(&r.etag)),
        size: Some(r.size as i64),
        storage_class: Some(ObjectStorageClass::from_static(
            ObjectStorageClass::STANDARD,
        )),
        ..Default::default()
    }
}

fn owner() -> Owner {
    Owner {
        display_name: Some("ampbase".into()),
        id: Some("ampbase".into()),
    }
}

/// The `S3` implementation.
#[derive(Clone)]
pub(crate) struct AmpbaseS3 {
    pub(crate) inner: Arc<Inner>,
}

impl AmpbaseS3 {
    fn authorize(&self, caller: &Caller, bucket: &str, action: Action, key: &str) -> S3Result<()> {
        if is_admin(caller) {
            return Ok(());
        }
        let config = self.inner.config();
        match config.bucket(bucket) {
            Some(b) if b.rules.allows(caller, action, key) => Ok(()),
            _ => Err(s3_error!(AccessDenied, "Access Denied")),
        }
    }

    /// HeadObject: `get` or `list` (the documentation lists `getProperties` under `list`).
    fn authorize_head(&self, caller: &Caller, bucket: &str, key: &str) -> S3Result<()> {
        self.authorize(caller, bucket, Action::Get, key)
            .or_else(|_| self.authorize(caller, bucket, Action::List, key))
    }

    fn list_filter(&self, caller: &Caller, bucket: &str) -> impl Fn(&str) -> bool + use<> {
        let admin = is_admin(caller);
        let rules = self.inner.config().bucket(bucket).map(|b| b.rules.clone());
        let caller = caller.clone();
        move |key: &str| admin || rules.as_ref().is_some_and(|r| r.allows_list(&caller, key))
    }

    async fn notify<T>(
        &self,
        req: &S3Request<T>,
        caller: &Caller,
        kind: EventKind,
        record: &ObjectRecord,
    ) {
        let config = self.inner.config();
        let Some(bucket) = config.bucket(&record.bucket) else {
            return;
        };
        let Some(function) = bucket.triggers.get(kind.trigger()) else {
            return;
        };
        let source_ip = req
            .extensions
            .get::<RemoteAddr>()
            .map(|a| a.0.ip().to_string())
            .unwrap_or_else(|| "127.0.0.1".into());
        let principal = principal_id(caller);
        let change = crate::events::ObjectChange {
            kind,
            bucket: &record.bucket,
            key: &record.key,
            size: (kind != EventKind::Delete).then_some(record.size),
            etag: (kind != EventKind::Delete).then_some(record.etag.as_str()),
            principal_id: &principal,
            source_ip: &source_ip,
        };
        if let Err(e) = self
            .inner
            .events
            .push(&bucket.storage, function, &change)
            .await
        {
            tracing::error!(error = %e, bucket = %record.bucket, key = %record.key, "could not queue a storage trigger event");
        }
    }

    /// The error for a key without a record: `NoSuchBucket` or `NoSuchKey`. Reads look the
    /// bucket up only then (an object's record implies its bucket: a bucket with objects cannot
    /// be deleted), which saves a lookup on every GET and HEAD.
    async fn missing(&self, bucket: &str) -> S3Error {
        match self.inner.objects.require_bucket(bucket).await {
            Ok(_) => s3_error!(NoSuchKey),
            Err(e) => to_s3(e),
        }
    }

    async fn read_with_retry(
        &self,
        bucket: &str,
        key: &str,
        range: Option<&Range>,
        part: Option<i32>,
    ) -> S3Result<(ObjectRecord, OutStream, u64, u64)> {
        for attempt in 0..3 {
            let Some(record) = self.inner.objects.head(bucket, key).await.map_err(to_s3)? else {
                return Err(self.missing(bucket).await);
            };
            let (start, end) = match (part, range) {
                (Some(n), _) => part_range(&record, n)?,
                (None, Some(r)) => {
                    let r = r.check(record.size).map_err(|_| s3_error!(InvalidRange))?;
                    (r.start, r.end)
                }
                (None, None) => (0, record.size),
            };
            match self.inner.objects.read(&record, start, end).await {
                Ok(stream) => return Ok((record, stream, start, end)),
                Err(StorageError::Blob(BlobError::NotFound(_))) if attempt < 2 => continue,
                Err(e) => return Err(to_s3(e)),
            }
        }
        Err(s3_error!(NoSuchKey))
    }

    /// DeleteObjects, for both routes (bucket in the path, or the default bucket).
    pub(crate) async fn delete_many(
        &self,
        caller: &Caller,
        bucket: &str,
        delete: Delete,
        req: &S3Request<impl Send + Sync>,
    ) -> S3Result<DeleteObjectsOutput> {
        if delete.objects.len() > 1000 {
            return Err(s3_error!(MalformedXML, "at most 1000 keys per request"));
        }
        if !is_admin(caller) && self.inner.config().bucket(bucket).is_none() {
            return Err(s3_error!(AccessDenied, "Access Denied"));
        }
        self.inner
            .objects
            .require_bucket(bucket)
            .await
            .map_err(to_s3)?;
        let quiet = delete.quiet.unwrap_or(false);
        let mut deleted = Vec::new();
        let mut errors = Vec::new();
        for obj in delete.objects {
            let key = obj.key;
            if let Err(e) = self.authorize(caller, bucket, Action::Delete, &key) {
                errors.push(Error {
                    code: Some(e.code().as_str().to_string()),
                    key: Some(key),
                    message: e.message().map(str::to_string),
                    version_id: None,
                });
                continue;
            }
            match self.inner.objects.delete(bucket, &key).await {
                Ok(old) => {
                    if let Some(old) = old {
                        self.notify(req, caller, EventKind::Delete, &old).await;
                    }
                    if !quiet {
                        deleted.push(DeletedObject {
                            key: Some(key),
                            ..Default::default()
                        });
                    }
                }
                Err(e) => {
                    let e = to_s3(e);
                    errors.push(Error {
                        code: Some(e.code().as_str().to_string()),
                        key: Some(key),
                        message: e.message().map(str::to_string),
                        version_id: None,
                    });
                }
            }
        }
        Ok(DeleteObjectsOutput {
            deleted: Some(deleted),
            errors: Some(errors),
            ..Default::default()
        })
    }
}

fn part_range(record: &ObjectRecord, n: i32) -> S3Result<(u64, u64)> {
    if n < 1 {
        return Err(s3_error!(InvalidArgument, "part number must be at least 1"));
    }
    if record.parts_count.is_none() {
        return if n == 1 {
            Ok((0, record.size))
        } else {
            Err(S3Error::with_message(
                S3ErrorCode::InvalidArgument,
                "invalid part number",
            ))
        };
    }
    let mut offset = 0;
    for (i, s) in record.segments.iter().enumerate() {
        if i as i32 + 1 == n {
            return Ok((offset, offset + s.size));
        }
        offset += s.size;
    }
    Err(S3Error::with_message(
        S3ErrorCode::InvalidArgument,
        "invalid part number",
    ))
}

#[async_trait]
impl S3 for AmpbaseS3 {
    async fn list_buckets(
        &self,
        req: S3Request<ListBucketsInput>,
    ) -> S3Result<S3Response<ListBucketsOutput>> {
        let caller = caller_of(&req)?;
        if !is_admin(&caller) {
            return Err(s3_error!(AccessDenied, "Access Denied"));
        }
        let buckets: Vec<Bucket> = self
            .inner
            .objects
            .list_buckets()
            .await
            .map_err(to_s3)?
            .into_iter()
            .map(|b| Bucket {
                name: Some(b.name),
                creation_date: Some(timestamp(b.created)),
                bucket_region: Some(self.inner.region.clone()),
            })
            .collect();
        Ok(S3Response::new(ListBucketsOutput {
            buckets: Some(buckets),
            owner: Some(owner()),
            ..Default::default()
        }))
    }

    async fn create_bucket(
        &self,
        req: S3Request<CreateBucketInput>,
    ) -> S3Result<S3Response<CreateBucketOutput>> {
        let caller = caller_of(&req)?;
        if !is_admin(&caller) {
            return Err(s3_error!(AccessDenied, "Access Denied"));
        }
        if !self
            .inner
            .objects
            .create_bucket(&req.input.bucket)
            .await
            .map_err(to_s3)?
        {
            return Err(s3_error!(BucketAlreadyOwnedByYou));
        }
        Ok(S3Response::new(CreateBucketOutput {
            location: Some(format!("/{}", req.input.bucket)),
        }))
    }

    async fn delete_bucket(
        &self,
        req: S3Request<DeleteBucketInput>,
    ) -> S3Result<S3Response<DeleteBucketOutput>> {
        let caller = caller_of(&req)?;
        if !is_admin(&caller) {
            return Err(s3_error!(AccessDenied, "Access Denied"));
        }
        self.inner
            .objects
            .delete_bucket(&req.input.bucket)
            .await
            .map_err(to_s3)?;
        Ok(S3Response::new(DeleteBucketOutput::default()))
    }

    async fn head_bucket(
        &self,
        req: S3Request<HeadBucketInput>,
    ) -> S3Result<S3Response<HeadBucketOutput>> {
        let caller = caller_of(&req)?;
        if !is_admin(&caller) && self.inner.config().bucket(&req.input.bucket).is_none() {
            return Err(s3_error!(AccessDenied, "Access Denied"));
        }
        self.inner
            .objects
            .require_bucket(&req.input.bucket)
            .await
            .map_err(to_s3)?;
        Ok(S3Response::new(HeadBucketOutput {
            bucket_region: Some(self.inner.region.clone()),
            ..Default::default()
        }))
    }

    async fn get_bucket_location(
        &self,
        req: S3Request<GetBucketLocationInput>,
    ) -> S3Result<S3Response<GetBucketLocationOutput>> {
        let caller = caller_of(&req)?;
        if !is_admin(&caller) && self.inner.config().bucket(&req.input.bucket).is_none() {
            return Err(s3_error!(AccessDenied, "Access Denied"));
        }
        self.inner
            .objects
            .require_bucket(&req.input.bucket)
            .await
            .map_err(to_s3)?;
        let location = (self.inner.region != "us-east-1")
            .then(|| BucketLocationConstraint::from(self.inner.region.clone()));
        Ok(S3Response::new(GetBucketLocationOutput {
            location_constraint: location,
        }))
    }

    async fn put_object(
        &self,
        req: S3Request<PutObjectInput>,
    ) -> S3Result<S3Response<PutObjectOutput>> {
        let caller = caller_of(&req)?;
        let input = &req.input;
        self.authorize(&caller, &input.bucket, Action::Write, &input.key)?;
        let content_md5 = decode_md5(input.content_md5.as_ref())?;
        let content = content_of(
            input.content_type.clone(),
            input.content_encoding.clone(),
            input.content_disposition.clone(),
            input.content_language.clone(),
            input.cache_control.clone(),
            input.expires.as_ref(),
        );
        let metadata = metadata_of(input.metadata.clone())?;
        let condition = WriteCondition {
            if_none_match_any: matches!(input.if_none_match, Some(ETagCondition::Any)),
            if_match: match &input.if_match {
                Some(ETagCondition::Any) => Some("*".into()),
                Some(ETagCondition::ETag(e)) => Some(e.value().to_string()),
                None => None,
            },
        };
        let expected = input.content_length.map(|n| n.max(0) as u64);
        let (bucket, key) = (input.bucket.clone(), input.key.clone());
        let mut req = req;
        let body = body_stream(req.input.body.take());
        let (record, _old) = self
            .inner
            .objects
            .put(
                &bucket,
                &key,
                body,
                expected,
                content_md5,
                content,
                metadata,
                &condition,
            )
            .await
            .map_err(to_s3)?;
        self.notify(&req, &caller, EventKind::Put, &record).await;
        Ok(S3Response::new(PutObjectOutput {
            e_tag: Some(etag(&record.etag)),
            ..Default::default()
        }))
    }

    async fn get_object(
        &self,
        req: S3Request<GetObjectInput>,
    ) -> S3Result<S3Response<GetObjectOutput>> {
        let caller = caller_of(&req)?;
        let input = &req.input;
        self.authorize(&caller, &input.bucket, Action::Get, &input.key)?;
        // Conditions are checked on the record that is read.
        let (record, stream, start, end) = self
            .read_with_retry(
                &input.bucket,
                &input.key,
                input.range.as_ref(),
                input.part_number,
            )
            .await?;
        check_read_conditions(
            &record,
            input.if_match.as_ref(),
            input.if_none_match.as_ref(),
            input.if_modified_since.as_ref(),
            input.if_unmodified_since.as_ref(),
        )?;
        let partial =
            input.range.is_some() || (input.part_number.is_some() && record.parts_count.is_some());
        let len = end - start;
        let content_range = partial.then(|| {
            if len == 0 {
                format!("bytes */{}", record.size)
            } else {
                format!("bytes {}-{}/{}", start, end - 1, record.size)
            }
        });
        let out = GetObjectOutput {
            body: Some(sized_blob(stream, len)),
            content_length: Some(len as i64),
            content_range,
            accept_ranges: Some("bytes".into()),
            e_tag: Some(etag(&record.etag)),
            last_modified: Some(timestamp(record.last_modified)),
            content_type: Some(
                record
                    .content
                    .content_type
                    .clone()
                    .unwrap_or_else(|| "binary/octet-stream".into()),
            ),
            content_encoding: record.content.content_encoding.clone(),
            content_disposition: record.content.content_disposition.clone(),
            content_language: record.content.content_language.clone(),
            cache_control: record.content.cache_control.clone(),
            expires: record.content.expires.as_deref().and_then(parse_http_date),
            metadata: (!record.metadata.is_empty())
                .then(|| record.metadata.clone().into_iter().collect()),
            parts_count: input.part_number.and(record.parts_count.map(|n| n as i32)),
            ..Default::default()
        };
        Ok(S3Response::new(out))
    }

    async fn head_object(
        &self,
        req: S3Request<HeadObjectInput>,
    ) -> S3Result<S3Response<HeadObjectOutput>> {
        let caller = caller_of(&req)?;
        let input = &req.input;
        self.authorize_head(&caller, &input.bucket, &input.key)?;
        let Some(record) = self
            .inner
            .objects
            .head(&input.bucket, &input.key)
            .await
            .map_err(to_s3)?
        else {
            return Err(self.missing(&input.bucket).await);
        };
        check_read_conditions(
            &record,
            input.if_match.as_ref(),
            input.if_none_match.as_ref(),
            input.if_modified_since.as_ref(),
            input.if_unmodified_since.as_ref(),
        )?;
        let content_length = match input.part_number {
            Some(n) => {
                let (a, b) = part_range(&record, n)?;
                b - a
            }
            None => record.size,
        };
        Ok(S3Response::new(HeadObjectOutput {
            content_length: Some(content_length as i64),
            accept_ranges: Some("bytes".into()),
            e_tag: Some(etag(&record.etag)),
            last_modified: Some(timestamp(record.last_modified)),
            content_type: Some(
                record
                    .content
                    .content_type
                    .clone()
                    .unwrap_or_else(|| "binary/octet-stream".into()),
            ),
            content_encoding: record.content.content_encoding.clone(),
            content_disposition: record.content.content_disposition.clone(),
            content_language: record.content.content_language.clone(),
            cache_control: record.content.cache_control.clone(),
            expires: record.content.expires.as_deref().and_then(parse_http_date),
            metadata: (!record.metadata.is_empty())
                .then(|| record.metadata.clone().into_iter().collect()),
            parts_count: input.part_number.and(record.parts_count.map(|n| n as i32)),
            ..Default::default()
        }))
    }

    async fn delete_object(
        &self,
        req: S3Request<DeleteObjectInput>,
    ) -> S3Result<S3Response<DeleteObjectOutput>> {
        let caller = caller_of(&req)?;
        let input = &req.input;
        self.authorize(&caller, &input.bucket, Action::Delete, &input.key)?;
        self.inner
            .objects
            .require_bucket(&input.bucket)
            .await
            .map_err(to_s3)?;
        if let Some(cond) = &input.if_match {
            let current = self
                .inner
                .objects
                .head(&input.bucket, &input.key)
                .await
                .map_err(to_s3)?;
            match current {
                Some(c) if etag_matches(cond, &c) => {}
                Some(_) => return Err(s3_error!(PreconditionFailed)),
                None => return Err(s3_error!(NoSuchKey)),
            }
        }
        if let Some(old) = self
            .inner
            .objects
            .delete(&input.bucket, &input.key)
            .await
            .map_err(to_s3)?
        {
            self.notify(&req, &caller, EventKind::Delete, &old).await;
        }
        Ok(S3Response::new(DeleteObjectOutput::default()))
    }

    async fn delete_objects(
        &self,
        req: S3Request<DeleteObjectsInput>,
    ) -> S3Result<S3Response<DeleteObjectsOutput>> {
        let caller = caller_of(&req)?;
        let bucket = req.input.bucket.clone();
        let delete = req.input.delete.clone();
        let out = self.delete_many(&caller, &bucket, delete, &req).await?;
        Ok(S3Response::new(out))
    }

    async fn copy_object(
        &self,
        req: S3Request<CopyObjectInput>,
    ) -> S3Result<S3Response<CopyObjectOutput>> {
        let caller = caller_of(&req)?;
        let input = &req.input;
        let CopySource::Bucket {
            bucket: src_bucket,
            key: src_key,
            ..
        } = &input.copy_source
        else {
            return Err(s3_error!(
                NotImplemented,
                "access point copy sources are not supported"
            ));
        };
        self.authorize(&caller, src_bucket, Action::Get, src_key)?;
        self.authorize(&caller, &input.bucket, Action::Write, &input.key)?;
        self.inner
            .objects
            .require_bucket(src_bucket)
            .await
            .map_err(to_s3)?;
        let src = self
            .inner
            .objects
            .head(src_bucket, src_key)
            .await
            .map_err(to_s3)?
            .ok_or_else(|| s3_error!(NoSuchKey))?;
        check_copy_conditions(
            &src,
            input.copy_source_if_match.as_ref(),
            input.copy_source_if_none_match.as_ref(),
            input.copy_source_if_modified_since.as_ref(),
            input.copy_source_if_unmodified_since.as_ref(),
        )?;
        let replace = input
            .metadata_directive
            .as_ref()
            .is_some_and(|d| d.as_str() == MetadataDirective::REPLACE);
        if !replace && **src_bucket == *input.bucket && **src_key == *input.key {
            return Err(s3_error!(
                InvalidRequest,
                "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes."
            ));
        }
        let (content, metadata) = if replace {
            (
                content_of(
                    input.content_type.clone(),
                    input.content_encoding.clone(),
                    input.content_disposition.clone(),
                    input.content_language.clone(),
                    input.cache_control.clone(),
                    input.expires.as_ref(),
                ),
                metadata_of(input.metadata.clone())?,
            )
        } else {
            (src.content.clone(), src.metadata.clone())
        };
        let (record, _old) = self
            .inner
            .objects
            .copy(
                &src,
                &input.bucket,
                &input.key,
                content,
                metadata,
                &WriteCondition::default(),
            )
            .await
            .map_err(to_s3)?;
        self.notify(&req, &caller, EventKind::Copy, &record).await;
        Ok(S3Response::new(CopyObjectOutput {
            copy_object_result: Some(CopyObjectResult {
                e_tag: Some(etag(&record.etag)),
                last_modified: Some(timestamp(record.last_modified)),
                ..Default::default()
            }),
            ..Default::default()
        }))
    }

    async fn list_objects_v2(
        &self,
        req: S3Request<ListObjectsV2Input>,
    ) -> S3Result<S3Response<ListObjectsV2Output>> {
        let caller = caller_of(&req)?;
        let input = &req.input;
        let prefix = input.prefix.clone().unwrap_or_default();
        if !is_admin(&caller) && !self.list_filter(&caller, &input.bucket)(&prefix) {
            return Err(s3_error!(AccessDenied, "Access Denied"));
        }
        let max_keys = match input.max_keys {
            Some(n) if n < 0 => {
                return Err(s3_error!(InvalidArgument, "max-keys cannot be negative"));
            }
            Some(n) => n.min(1000) as usize,
            None => 1000,
        };
        let resume_after = match input.continuation_token.as_deref() {
            Some(t) => Some(decode_token(t)?),
            None => None,
        };
        let query = ListQuery {
            prefix: prefix.clone(),
            delimiter: input.delimiter.clone(),
            max_keys,
            start_after: input.start_after.clone(),
            resume_after,
        };
        let page = self
            .inner
            .objects
            .list(
                &input.bucket,
                &query,
                self.list_filter(&caller, &input.bucket),
            )
            .await
            .map_err(to_s3)?;
        let url = input
            .encoding_type
            .as_ref()
            .is_some_and(|e| e.as_str() == EncodingType::URL);
        let enc = |s: &str| if url { encode_url(s) } else { s.to_string() };
        let key_count = (page.objects.len() + page.common_prefixes.len()) as i32;
        let out = ListObjectsV2Output {
            name: Some(input.bucket.clone()),
            prefix: input.prefix.as_deref().map(enc),
            delimiter: input.delimiter.as_deref().map(enc),
            max_keys: Some(input.max_keys.unwrap_or(1000)),
            key_count: Some(key_count),
            continuation_token: input.continuation_token.clone(),
            start_after: input.start_after.as_deref().map(enc),
            encoding_type: input.encoding_type.clone(),
            is_truncated: Some(page.next.is_some()),
            next_continuation_token: page.next.as_deref().map(encode_token),
            contents: Some(page.objects.iter().map(|r| list_object(r, url)).collect()),
            common_prefixes: Some(
                page.common_prefixes
                    .iter()
                    .map(|p| CommonPrefix {
                        prefix: Some(enc(p)),
                    })
                    .collect(),
            ),
            ..Default::default()
        };
        Ok(S3Response::new(out))
    }

    async fn list_objects(
        &self,
        req: S3Request<ListObjectsInput>,
    ) -> S3Result<S3Response<ListObjectsOutput>> {
        let caller = caller_of(&req)?;
        let input = &req.input;
        let prefix = input.prefix.clone().unwrap_or_default();
        if !is_admin(&caller) && !self.list_filter(&caller, &input.bucket)(&prefix) {
            return Err(s3_error!(AccessDenied, "Access Denied"));
        }
        let max_keys = match input.max_keys {
            Some(n) if n < 0 => {
                return Err(s3_error!(InvalidArgument, "max-keys cannot be negative"));
            }
            Some(n) => n.min(1000) as usize,
            None => 1000,
        };
        let query = ListQuery {
            prefix: prefix.clone(),
            delimiter: input.delimiter.clone(),
            max_keys,
            start_after: None,
            resume_after: input.marker.clone().filter(|m| !m.is_empty()),
        };
        let page = self
            .inner
            .objects
            .list(
                &input.bucket,
                &query,
                self.list_filter(&caller, &input.bucket),
            )
            .await
            .map_err(to_s3)?;
        let url = input
            .encoding_type
            .as_ref()
            .is_some_and(|e| e.as_str() == EncodingType::URL);
        let enc = |s: &str| if url { encode_url(s) } else { s.to_string() };
        Ok(S3Response::new(ListObjectsOutput {
            name: Some(input.bucket.clone()),
            prefix: Some(enc(&prefix)),
            marker: Some(input.marker.as_deref().map(enc).unwrap_or_default()),
            delimiter: input.delimiter.as_deref().map(enc),
            max_keys: Some(input.max_keys.unwrap_or(1000)),
            encoding_type: input.encoding_type.clone(),
            is_truncated: Some(page.next.is_some()),
            next_marker: page.next.as_deref().map(enc),
            contents: Some(page.objects.iter().map(|r| list_object(r, url)).collect()),
            common_prefixes: Some(
                page.common_prefixes
                    .iter()
                    .map(|p| CommonPrefix {
                        prefix: Some(enc(p)),
                    })
                    .collect(),
            ),
            ..Default::default()
        }))
    }

    async fn create_multipart_upload(
        &self,
        req: S3Request<CreateMultipartUploadInput>,
    ) -> S3Result<S3Response<CreateMultipartUploadOutput>> {
        let caller = caller_of(&req)?;
        let input = &req.input;
        self.authorize(&caller, &input.bucket, Action::Write, &input.key)?;
        let content = content_of(
            input.content_type.clone(),
            input.content_encoding.clone(),
            input.content_disposition.clone(),
            input.content_language.clone(),
            input.cache_control.clone(),
            input.expires.as_ref(),
        );
        let metadata = metadata_of(input.metadata.clone())?;
        let upload = self
            .inner
            .objects
            .create_upload(&input.bucket, &input.key, content, metadata)
            .await
            .map_err(to_s3)?;
        Ok(S3Response::new(CreateMultipartUploadOutput {
            bucket: Some(upload.bucket),
            key: Some(upload.key),
            upload_id: Some(upload.upload_id),
            ..Default::default()
        }))
    }

    async fn upload_part(
        &self,
        req: S3Request<UploadPartInput>,
    ) -> S3Result<S3Response<UploadPartOutput>> {
        let caller = caller_of(&req)?;
        let mut req = req;
        let input = &req.input;
        self.authorize(&caller, &input.bucket, Action::Write, &input.key)?;
        let upload = self
            .inner
            .objects
            .upload(&input.bucket, &input.key, &input.upload_id)
            .await
            .map_err(to_s3)?;
        let content_md5 = decode_md5(input.content_md5.as_ref())?;
        let expected = input.content_length.map(|n| n.max(0) as u64);
        let part_number = input.part_number;
        let body = body_stream(req.input.body.take());
        let part = self
            .inner
            .objects
            .put_part(&upload, part_number, body, expected, content_md5)
            .await
            .map_err(to_s3)?;
        Ok(S3Response::new(UploadPartOutput {
            e_tag: Some(etag(&part.etag)),
            ..Default::default()
        }))
    }

    async fn upload_part_copy(
        &self,
        req: S3Request<UploadPartCopyInput>,
    ) -> S3Result<S3Response<UploadPartCopyOutput>> {
        let caller = caller_of(&req)?;
        let input = &req.input;
        let CopySource::Bucket {
            bucket: src_bucket,
            key: src_key,
            ..
        } = &input.copy_source
        else {
            return Err(s3_error!(
                NotImplemented,
                "access point copy sources are not supported"
            ));
        };
        self.authorize(&caller, src_bucket, Action::Get, src_key)?;
        self.authorize(&caller, &input.bucket, Action::Write, &input.key)?;
        let upload = self
            .inner
            .objects
            .upload(&input.bucket, &input.key, &input.upload_id)
            .await
            .map_err(to_s3)?;
        let src = self
            .inner
            .objects
            .head(src_bucket, src_key)
            .await
            .map_err(to_s3)?
            .ok_or_else(|| s3_error!(NoSuchKey))?;
        check_copy_conditions(
            &src,
            input.copy_source_if_match.as_ref(),
            input.copy_source_if_none_match.as_ref(),
            input.copy_source_if_modified_since.as_ref(),
            input.copy_source_if_unmodified_since.as_ref(),
        )?;
        let (start, end) = match &input.copy_source_range {
            Some(r) => {
                let range = Range::parse(r)
                    .map_err(|_| s3_error!(InvalidArgument, "invalid x-amz-copy-source-range"))?;
                let Range::Int {
                    first,
                    last: Some(last),
                } = range
                else {
                    return Err(s3_error!(
                        InvalidArgument,
                        "x-amz-copy-source-range must be bytes=first-last"
                    ));
                };
                if last >= src.size {
                    return Err(s3_error!(InvalidRange));
                }
                (first, last + 1)
            }
            None => (0, src.size),
        };
        let stream = self
            .inner
            .objects
            .read(&src, start, end)
            .await
            .map_err(to_s3)?;
        let body: InStream = Box::pin(stream.map_err(|e| Box::new(e) as s3s::StdError));
        let part = self
            .inner
            .objects
            .put_part(&upload, input.part_number, body, Some(end - start), None)
            .await
            .map_err(to_s3)?;
        Ok(S3Response::new(UploadPartCopyOutput {
            copy_part_result: Some(CopyPartResult {
                e_tag: Some(etag(&part.etag)),
                last_modified: Some(timestamp(part.last_modified)),
                ..Default::default()
            }),
            ..Default::default()
        }))
    }

    async fn complete_multipart_upload(
        &self,
        req: S3Request<CompleteMultipartUploadInput>,
    ) -> S3Result<S3Response<CompleteMultipartUploadOutput>> {
        let caller = caller_of(&req)?;
        let input = &req.input;
        self.authorize(&caller, &input.bucket, Action::Write, &input.key)?;
        let upload = self
            .inner
            .objects
            .upload(&input.bucket, &input.key, &input.upload_id)
            .await
            .map_err(to_s3)?;
        let parts: Vec<(i32, Option<String>)> = input
            .multipart_upload
            .as_ref()
            .and_then(|m| m.parts.as_ref())
            .map(|ps| {
                ps.iter()
                    .map(|p| {
                        (
                            p.part_number.unwrap_or(0),
                            p.e_tag.as_ref().map(|e| e.value().to_string()),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let condition = WriteCondition {
            if_none_match_any: matches!(input.if_none_match, Some(ETagCondition::Any)),
            if_match: match &input.if_match {
                Some(ETagCondition::Any) => Some("*".into()),
                Some(ETagCondition::ETag(e)) => Some(e.value().to_string()),
                None => None,
            },
        };
        let (record, _old) = self
            .inner
            .objects
            .complete_upload(&upload, &parts, &condition)
            .await
            .map_err(to_s3)?;
        self.notify(&req, &caller, EventKind::CompleteMultipartUpload, &record)
            .await;
        let host = req
            .headers
            .get(http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost");
        Ok(S3Response::new(CompleteMultipartUploadOutput {
            bucket: Some(record.bucket.clone()),
            key: Some(record.key.clone()),
            e_tag: Some(etag(&record.etag)),
            location: Some(format!(
                "http://{host}/{}/{}",
                record.bucket,
                encode_url(&record.key)
            )),
            ..Default::default()
        }))
    }

    async fn abort_multipart_upload(
        &self,
        req: S3Request<AbortMultipartUploadInput>,
    ) -> S3Result<S3Response<AbortMultipartUploadOutput>> {
        let caller = caller_of(&req)?;
        let input = &req.input;
        self.authorize(&caller, &input.bucket, Action::Write, &input.key)?;
        let upload = self
            .inner
            .objects
            .upload(&input.bucket, &input.key, &input.upload_id)
            .await
            .map_err(to_s3)?;
        self.inner
            .objects
            .abort_upload(&upload)
            .await
            .map_err(to_s3)?;
        Ok(S3Response::new(AbortMultipartUploadOutput::default()))
    }

    async fn list_parts(
        &self,
        req: S3Request<ListPartsInput>,
    ) -> S3Result<S3Response<ListPartsOutput>> {
        let caller = caller_of(&req)?;
        let input = &req.input;
        self.authorize(&caller, &input.bucket, Action::Write, &input.key)?;
        let upload = self
            .inner
            .objects
            .upload(&input.bucket, &input.key, &input.upload_id)
            .await
            .map_err(to_s3)?;
        let marker = input.part_number_marker.unwrap_or(0);
        let max = input.max_parts.unwrap_or(1000).clamp(0, 1000) as usize;
        let all = self
            .inner
            .objects
            .parts(&upload.upload_id)
            .await
            .map_err(to_s3)?;
        let after: Vec<_> = all.into_iter().filter(|p| p.part_number > marker).collect();
        let truncated = after.len() > max;
        let page: Vec<_> = after.into_iter().take(max).collect();
        Ok(S3Response::new(ListPartsOutput {
            bucket: Some(upload.bucket.clone()),
            key: Some(upload.key.clone()),
            upload_id: Some(upload.upload_id.clone()),
            part_number_marker: input.part_number_marker,
            next_part_number_marker: if truncated {
                page.last().map(|p| p.part_number)
            } else {
                None
            },
            max_parts: Some(max as i32),
            is_truncated: Some(truncated),
            parts: Some(
                page.iter()
                    .map(|p| Part {
                        part_number: Some(p.part_number),
                        e_tag: Some(etag(&p.etag)),
                        size: Some(p.size as i64),
                        last_modified: Some(timestamp(p.last_modified)),
                        ..Default::default()
                    })
                    .collect(),
            ),
            owner: Some(owner()),
            storage_class: Some(StorageClass::from_static(StorageClass::STANDARD)),
            ..Default::default()
        }))
    }

    async fn list_multipart_uploads(
        &self,
        req: S3Request<ListMultipartUploadsInput>,
    ) -> S3Result<S3Response<ListMultipartUploadsOutput>> {
        let caller = caller_of(&req)?;
        let input = &req.input;
        let prefix = input.prefix.clone().unwrap_or_default();
        if !is_admin(&caller) && !self.list_filter(&caller, &input.bucket)(&prefix) {
            return Err(s3_error!(AccessDenied, "Access Denied"));
        }
        self.inner
            .objects
            .require_bucket(&input.bucket)
            .await
            .map_err(to_s3)?;
        let max = input.max_uploads.unwrap_or(1000).clamp(0, 1000) as usize;
        let key_marker = input.key_marker.clone().unwrap_or_default();
        let id_marker = input.upload_id_marker.clone();
        let uploads = self
            .inner
            .objects
            .uploads(&input.bucket)
            .await
            .map_err(to_s3)?;
        let visible: Vec<_> = uploads
            .into_iter()
            .filter(|u| u.key.starts_with(&prefix))
            .filter(|u| {
                self.authorize(&caller, &input.bucket, Action::Write, &u.key)
                    .is_ok()
            })
            .filter(|u| {
                key_marker.is_empty()
                    || u.key > key_marker
                    || (u.key == key_marker && id_marker.as_ref().is_some_and(|m| u.upload_id > *m))
            })
            .collect();
        let truncated = visible.len() > max;
        let page: Vec<_> = visible.into_iter().take(max).collect();
        let url = input
            .encoding_type
            .as_ref()
            .is_some_and(|e| e.as_str() == EncodingType::URL);
        let enc = |s: &str| if url { encode_url(s) } else { s.to_string() };
        Ok(S3Response::new(ListMultipartUploadsOutput {
            bucket: Some(input.bucket.clone()),
            prefix: input.prefix.as_deref().map(enc),
            key_marker: input.key_marker.as_deref().map(enc),
            upload_id_marker: input.upload_id_marker.clone(),
            max_uploads: Some(max as i32),
            encoding_type: input.encoding_type.clone(),
            is_truncated: Some(truncated),
            next_key_marker: if truncated {
                page.last().map(|u| enc(&u.key))
            } else {
                None
            },
            next_upload_id_marker: if truncated {
                page.last().map(|u| u.upload_id.clone())
            } else {
                None
            },
            uploads: Some(
                page.iter()
                    .map(|u| MultipartUpload {
                        key: Some(enc(&u.key)),
                        upload_id: Some(u.upload_id.clone()),
                        initiated: Some(timestamp(u.initiated)),
                        owner: Some(owner()),
                        initiator: Some(Initiator {
                            display_name: Some("ampbase".into()),
                            id: Some("ampbase".into()),
                        }),
                        storage_class: Some(StorageClass::from_static(StorageClass::STANDARD)),
                        ..Default::default()
                    })
                    .collect(),
            ),
            ..Default::default()
        }))
    }
}

fn check_copy_conditions(
    src: &ObjectRecord,
    if_match: Option<&ETagCondition>,
    if_none_match: Option<&ETagCondition>,
    if_modified_since: Option<&Timestamp>,
    if_unmodified_since: Option<&Timestamp>,
) -> S3Result<()> {
    // For copies every failed condition is a 412.
    check_read_conditions(
        src,
        if_match,
        if_none_match,
        if_modified_since,
        if_unmodified_since,
    )
    .map_err(|e| {
        if *e.code() == S3ErrorCode::NotModified {
            s3_error!(PreconditionFailed)
        } else {
            e
        }
    })
}

tokio::task_local! {
    /// The session token of the request being handled, and what its credentials resolved to.
    /// s3s asks [`S3Auth`] for a secret by access key alone; the HTTP service reads the token
    /// before handing the request to s3s, and the resolution made for the signature is reused
    /// for the caller.
    pub(crate) static REQUEST_CREDENTIALS: RequestCredentials;
}

/// See [`REQUEST_CREDENTIALS`].
pub(crate) struct RequestCredentials {
    session_token: Option<String>,
    resolved: std::sync::Mutex<Option<(String, Caller)>>,
}

impl RequestCredentials {
    /// The session token of a request: the `x-amz-security-token` header, or the
    /// `X-Amz-Security-Token` parameter of a presigned URL (both covered by the signature).
    pub(crate) fn of(headers: &http::HeaderMap, uri: &http::Uri) -> RequestCredentials {
        let from_header = headers
            .get("x-amz-security-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let from_query = || {
            uri.query()?.split('&').find_map(|pair| {
                let (name, value) = pair.split_once('=')?;
                name.eq_ignore_ascii_case("X-Amz-Security-Token").then(|| {
                    percent_encoding::percent_decode_str(value)
                        .decode_utf8_lossy()
                        .into_owned()
                })
            })
        };
        RequestCredentials {
            session_token: from_header.or_else(from_query),
            resolved: std::sync::Mutex::new(None),
        }
    }
}

fn current_session_token() -> Option<String> {
    REQUEST_CREDENTIALS
        .try_with(|c| c.session_token.clone())
        .ok()
        .flatten()
}

/// Resolves an access key with the request's session token; refusals in S3's words.
async fn resolve(inner: &Inner, access_key: &str) -> S3Result<(String, Caller)> {
    let token = current_session_token();
    match inner.resolver.resolve(access_key, token.as_deref()).await {
        Resolution::Found { secret, caller } => {
            let _ = REQUEST_CREDENTIALS.try_with(|c| {
                if let Ok(mut slot) = c.resolved.lock() {
                    *slot = Some((access_key.to_string(), caller.clone()));
                }
            });
            Ok((secret, caller))
        }
        Resolution::Unknown => Err(s3_error!(
            InvalidAccessKeyId,
            "The AWS Access Key Id you provided does not exist in our records."
        )),
        Resolution::Expired => Err(s3_error!(ExpiredToken, "The provided token has expired.")),
        Resolution::InvalidToken => Err(s3_error!(
            InvalidToken,
            "The provided token is malformed or otherwise invalid."
        )),
        Resolution::Failed(reason) => {
            tracing::error!(%reason, "credential lookup failed");
            Err(S3Error::with_message(
                S3ErrorCode::InternalError,
                "We encountered an internal error. Please try again.",
            ))
        }
    }
}

/// Authentication: the secret of an access key, from the resolver.
pub(crate) struct Auth {
    pub(crate) inner: Arc<Inner>,
}

#[async_trait]
impl S3Auth for Auth {
    async fn get_secret_key(&self, access_key: &str) -> S3Result<SecretKey> {
        let (secret, _) = resolve(&self.inner, access_key).await?;
        Ok(SecretKey::from(secret))
    }
}

/// The caller of a request whose signature s3s verified: the resolution made for the
/// signature, or a fresh one (a request handled outside [`REQUEST_CREDENTIALS`]).
async fn resolve_caller(inner: &Inner, access_key: Option<&str>) -> S3Result<Caller> {
    let Some(access_key) = access_key else {
        return Err(s3_error!(
            AccessDenied,
            "Anonymous access is not allowed: sign the request"
        ));
    };
    let verified = REQUEST_CREDENTIALS
        .try_with(|c| {
            c.resolved
                .lock()
                .ok()
                .and_then(|r| r.clone())
                .filter(|(key, _)| key == access_key)
        })
        .ok()
        .flatten();
    match verified {
        Some((_, caller)) => Ok(caller),
        None => Ok(resolve(inner, access_key).await?.1),
    }
}

/// Puts the verified caller into every request (authorization happens in the operations,
/// which know the keys).
pub(crate) struct Access {
    pub(crate) inner: Arc<Inner>,
}

#[async_trait]
impl S3Access for Access {
    async fn check(&self, cx: &mut S3AccessContext<'_>) -> S3Result<()> {
        let caller =
            resolve_caller(&self.inner, cx.credentials().map(|c| c.access_key.as_str())).await?;
        cx.extensions_mut().insert(caller);
        Ok(())
    }
}

/// Virtual hosts: `<bucket>.<domain>` for each configured domain (and any
/// `<bucket>.s3[.<region>].amazonaws.com`); anything else is path-style.
pub(crate) struct Hosts {
    pub(crate) domains: Vec<String>,
}

pub(crate) fn host_name(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    host.rsplit_once(':').map_or(host, |(name, port)| {
        if port.bytes().all(|b| b.is_ascii_digit()) {
            name
        } else {
            host
        }
    })
}

impl Hosts {
    /// `(domain, bucket)` for a `Host` header.
    pub(crate) fn split<'a>(&'a self, host: &'a str) -> (&'a str, Option<&'a str>) {
        let name = host_name(host);
        for d in &self.domains {
            if name.eq_ignore_ascii_case(d) {
                return (name, None);
            }
            if name.len() > d.len() + 1
                && name[name.len() - d.len()..].eq_ignore_ascii_case(d)
                && name.as_bytes()[name.len() - d.len() - 1] == b'.'
            {
                return (
                    &name[name.len() - d.len()..],
                    Some(&name[..name.len() - d.len() - 1]),
                );
            }
        }
        if name.ends_with(".amazonaws.com")
            && let Some(i) = name.find(".s3.").or_else(|| name.find(".s3-"))
            && i > 0
        {
            return (&name[i + 1..], Some(&name[..i]));
        }
        (name, None)
    }
}

impl S3Host for Hosts {
    fn parse_host_header<'a>(&'a self, host: &'a str) -> S3Result<VirtualHost<'a>> {
        Ok(match self.split(host) {
            (domain, Some(bucket)) => VirtualHost::new(domain).with_bucket(bucket),
            (domain, None) => VirtualHost::new(domain),
        })
    }
}

/// `POST /?delete` without a bucket, which the Amplify client sends in path-style mode
/// (`deleteObjects` sets the path to `/`): addressed to the default bucket.
pub(crate) struct DefaultBucketDelete {
    pub(crate) inner: Arc<Inner>,
    pub(crate) hosts: Arc<Hosts>,
}

#[async_trait]
impl S3Route for DefaultBucketDelete {
    fn is_match(
        &self,
        method: &http::Method,
        uri: &http::Uri,
        headers: &http::HeaderMap,
        _: &mut http::Extensions,
    ) -> bool {
        if method != http::Method::POST || uri.path() != "/" {
            return false;
        }
        let has_delete = uri.query().is_some_and(|q| {
            q.split('&')
                .any(|kv| kv == "delete" || kv.starts_with("delete="))
        });
        let vhost_bucket = headers
            .get(http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .is_some_and(|h| self.hosts.split(h).1.is_some());
        has_delete && !vhost_bucket
    }

    async fn check_access(&self, req: &mut S3Request<s3s::Body>) -> S3Result<()> {
        let caller = resolve_caller(
            &self.inner,
            req.credentials.as_ref().map(|c| c.access_key.as_str()),
        )
        .await?;
        req.extensions.insert(caller);
        Ok(())
    }

    async fn call(&self, mut req: S3Request<s3s::Body>) -> S3Result<S3Response<s3s::Body>> {
        let caller = caller_of(&req)?;
        let Some(bucket) = self.inner.config().default_bucket().map(str::to_string) else {
            return Err(s3_error!(NoSuchBucket, "no default bucket is defined"));
        };
        let bytes = req
            .input
            .store_all_limited(4 << 20)
            .await
            .map_err(|e| S3Error::with_message(S3ErrorCode::MalformedXML, e.to_string()))?;
        let delete = {
            use s3s::xml::Deserialize as _;
            let mut d = s3s::xml::Deserializer::new(&bytes);
            Delete::deserialize(&mut d).map_err(|_| s3_error!(MalformedXML))?
        };
        let s3 = AmpbaseS3 {
            inner: self.inner.clone(),
        };
        let out = s3.delete_many(&caller, &bucket, delete, &req).await?;
        let mut xml = Vec::new();
        {
            use s3s::xml::Serialize as _;
            let mut s = s3s::xml::Serializer::new(&mut xml);
            s.decl()
                .map_err(|e| S3Error::internal_error(std::io::Error::other(format!("{e:?}"))))?;
            out.serialize(&mut s)
                .map_err(|e| S3Error::internal_error(std::io::Error::other(format!("{e:?}"))))?;
        }
        let mut resp = S3Response::new(s3s::Body::from(xml));
        resp.headers.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/xml"),
        );
        Ok(resp)
    }
}
