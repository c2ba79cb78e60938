"""boto3 against ampbase's S3 endpoint. Run by tests/boto3.rs, which starts the endpoint and
passes S3_ENDPOINT, S3_BUCKET, ADMIN_KEY and ADMIN_SECRET; the other principals' keys are
fixed test credentials the Rust side registers."""

import base64
import hashlib
import os
import socket
import sys
import time
import urllib.error
import urllib.request

import boto3
import botocore
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

EP = os.environ["S3_ENDPOINT"]
BUCKET = os.environ["S3_BUCKET"]
ADMIN = (os.environ["ADMIN_KEY"], os.environ["ADMIN_SECRET"])

# `<bucket>.localhost` → 127.0.0.1, for virtual-hosted-style requests.
_getaddrinfo = socket.getaddrinfo


def _gai(host, *args, **kwargs):
    if isinstance(host, str) and host.endswith(".localhost"):
        host = "127.0.0.1"
    return _getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _gai

checks = 0


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        print(f"FAILED: {what}")
        sys.exit(1)


def client(key, secret, style="path"):
    return boto3.client(
        "s3",
        endpoint_url=EP,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": style}, signature_version="s3v4", retries={"max_attempts": 1}),
    )


def error_code(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"]
    return None


def status_of(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        return e.response["ResponseMetadata"]["HTTPStatusCode"]
    return 200


s3 = client(*ADMIN)

# ---- buckets
names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
check(BUCKET in names, f"list_buckets has the defined bucket: {names}")
s3.head_bucket(Bucket=BUCKET)
check(error_code(s3.head_bucket, Bucket="no-such-bucket") in ("404", "NoSuchBucket"), "head of a missing bucket")
check(error_code(s3.get_object, Bucket="no-such-bucket", Key="k") == "NoSuchBucket", "get from a missing bucket")
check(error_code(s3.get_object, Bucket=BUCKET, Key="public/no-such-key") == "NoSuchKey", "get of a missing key")
s3.create_bucket(Bucket="scratch-bucket")
check(error_code(s3.create_bucket, Bucket="scratch-bucket") == "BucketAlreadyOwnedByYou", "bucket exists")
s3.put_object(Bucket="scratch-bucket", Key="x", Body=b"x")
check(error_code(s3.delete_bucket, Bucket="scratch-bucket") == "BucketNotEmpty", "non-empty bucket")
s3.delete_object(Bucket="scratch-bucket", Key="x")
s3.delete_bucket(Bucket="scratch-bucket")
check("scratch-bucket" not in [b["Name"] for b in s3.list_buckets()["Buckets"]], "bucket deleted")

# ---- put / get / head / metadata
body = b"hello, ampbase storage"
r = s3.put_object(
    Bucket=BUCKET,
    Key="hello.txt",
    Body=body,
    ContentType="text/plain",
    Metadata={"Author": "ann", "x-note": "two words"},
    CacheControl="max-age=60",
    ContentDisposition='attachment; filename="hello.txt"',
)
check(r["ETag"] == '"%s"' % hashlib.md5(body).hexdigest(), f"PutObject ETag is the MD5: {r['ETag']}")
g = s3.get_object(Bucket=BUCKET, Key="hello.txt")
check(g["Body"].read() == body, "GetObject body")
check(g["ContentType"] == "text/plain", "content type kept")
check(g["Metadata"] == {"author": "ann", "x-note": "two words"}, f"metadata kept: {g['Metadata']}")
check(g["CacheControl"] == "max-age=60", "cache-control kept")
check(g["ContentDisposition"] == 'attachment; filename="hello.txt"', "content-disposition kept")
check(g["ETag"] == r["ETag"], "GetObject ETag")
h = s3.head_object(Bucket=BUCKET, Key="hello.txt")
check(h["ContentLength"] == len(body), "HeadObject length")
check(h["Metadata"]["author"] == "ann", "HeadObject metadata")
check(error_code(s3.get_object, Bucket=BUCKET, Key="nope") == "NoSuchKey", "missing key")
check(status_of(s3.head_object, Bucket=BUCKET, Key="nope") == 404, "missing key (HEAD)")

# ---- ranges
g = s3.get_object(Bucket=BUCKET, Key="hello.txt", Range="bytes=0-4")
check(g["Body"].read() == b"hello" and g["ContentRange"] == f"bytes 0-4/{len(body)}", "range 0-4")
check(g["ResponseMetadata"]["HTTPStatusCode"] == 206, "206 for a range")
check(s3.get_object(Bucket=BUCKET, Key="hello.txt", Range="bytes=-7")["Body"].read() == b"storage", "suffix range")
check(s3.get_object(Bucket=BUCKET, Key="hello.txt", Range="bytes=7-")["Body"].read() == body[7:], "open range")
check(s3.get_object(Bucket=BUCKET, Key="hello.txt", Range="bytes=7-1000")["Body"].read() == body[7:], "range past the end")
check(error_code(s3.get_object, Bucket=BUCKET, Key="hello.txt", Range="bytes=100-200") == "InvalidRange", "unsatisfiable range")

# ---- conditional requests
etag = r["ETag"]
check(status_of(s3.get_object, Bucket=BUCKET, Key="hello.txt", IfNoneMatch=etag) == 304, "If-None-Match → 304")
check(status_of(s3.get_object, Bucket=BUCKET, Key="hello.txt", IfMatch='"0000"') == 412, "If-Match → 412")
check(status_of(s3.get_object, Bucket=BUCKET, Key="hello.txt", IfMatch=etag) == 200, "If-Match ok")
future = time.time() + 3600
past = time.time() - 3600
import datetime

dt = lambda t: datetime.datetime.fromtimestamp(t, datetime.timezone.utc)
check(status_of(s3.get_object, Bucket=BUCKET, Key="hello.txt", IfModifiedSince=dt(future)) == 304, "If-Modified-Since → 304")
check(status_of(s3.get_object, Bucket=BUCKET, Key="hello.txt", IfModifiedSince=dt(past)) == 200, "If-Modified-Since ok")
check(status_of(s3.get_object, Bucket=BUCKET, Key="hello.txt", IfUnmodifiedSince=dt(past)) == 412, "If-Unmodified-Since → 412")
check(status_of(s3.head_object, Bucket=BUCKET, Key="hello.txt", IfNoneMatch=etag) == 304, "HEAD If-None-Match → 304")
check(error_code(s3.put_object, Bucket=BUCKET, Key="hello.txt", Body=b"x", IfNoneMatch="*") == "PreconditionFailed", "PUT If-None-Match: * on an existing key")
s3.put_object(Bucket=BUCKET, Key="fresh.txt", Body=b"x", IfNoneMatch="*")

# ---- special keys, empty objects, Content-MD5
for key in ["dir/a b+c=d&e?.txt", "unicode/ünï cödé/日本語.txt", "sym/!'()*;:@$,#[]%.txt"]:
    s3.put_object(Bucket=BUCKET, Key=key, Body=key.encode())
    check(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == key.encode(), f"special key {key!r}")
    listed = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix=key.split("/")[0] + "/")["Contents"]]
    check(key in listed, f"special key listed: {listed}")
s3.put_object(Bucket=BUCKET, Key="empty", Body=b"")
g = s3.get_object(Bucket=BUCKET, Key="empty")
check(g["Body"].read() == b"" and g["ContentLength"] == 0, "empty object")
check(g["ETag"] == '"d41d8cd98f00b204e9800998ecf8427e"', "empty object ETag")
good_md5 = base64.b64encode(hashlib.md5(b"abc").digest()).decode()
bad_md5 = base64.b64encode(hashlib.md5(b"abd").digest()).decode()
s3.put_object(Bucket=BUCKET, Key="md5", Body=b"abc", ContentMD5=good_md5)
check(error_code(s3.put_object, Bucket=BUCKET, Key="md5", Body=b"abc", ContentMD5=bad_md5) == "BadDigest", "Content-MD5 mismatch")
check(s3.get_object(Bucket=BUCKET, Key="md5")["Body"].read() == b"abc", "failed PUT left the object alone")

# ---- listings
keys = ["list/a/1", "list/a/2", "list/b/1", "list/c", "list/d", "list/e/x/y"]
for k in keys:
    s3.put_object(Bucket=BUCKET, Key=k, Body=k.encode())
r = s3.list_objects_v2(Bucket=BUCKET, Prefix="list/", Delimiter="/")
check([p["Prefix"] for p in r["CommonPrefixes"]] == ["list/a/", "list/b/", "list/e/"], f"common prefixes: {r.get('CommonPrefixes')}")
check([o["Key"] for o in r["Contents"]] == ["list/c", "list/d"], "contents beside prefixes")
check(r["KeyCount"] == 5 and r["IsTruncated"] is False and "NextContinuationToken" not in r, "KeyCount / IsTruncated")
check(r["Prefix"] == "list/" and r["Delimiter"] == "/" and r["MaxKeys"] == 1000, "echoed elements")
r = s3.list_objects_v2(Bucket=BUCKET, Prefix="list/")
check([o["Key"] for o in r["Contents"]] == keys, "flat listing in key order")
check(all(o["ETag"].startswith('"') and o["Size"] > 0 for o in r["Contents"]), "listed ETag and Size")
pages = list(s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix="list/", PaginationConfig={"PageSize": 2}))
check(len(pages) == 3, f"3 pages of 2: {len(pages)}")
check(all(p["IsTruncated"] == ("NextContinuationToken" in p) for p in pages), "IsTruncated iff NextContinuationToken")
check([o["Key"] for p in pages for o in p["Contents"]] == keys, "paginated listing")
pages = list(s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix="list/", Delimiter="/", PaginationConfig={"PageSize": 1}))
got = [(o.get("Key") or "") for p in pages for o in p.get("Contents", [])] + [c["Prefix"] for p in pages for c in p.get("CommonPrefixes", [])]
check(sorted(got) == ["list/a/", "list/b/", "list/c", "list/d", "list/e/"], f"paginated with delimiter: {got}")
check(len(pages) == 5, f"one item per page: {len(pages)}")
r = s3.list_objects_v2(Bucket=BUCKET, Prefix="list/", StartAfter="list/b/1")
check([o["Key"] for o in r["Contents"]] == ["list/c", "list/d", "list/e/x/y"], "start-after")
r = s3.list_objects_v2(Bucket=BUCKET, Prefix="list/", MaxKeys=0)
check(r["KeyCount"] == 0 and not r["IsTruncated"], "max-keys 0")
pages = list(s3.get_paginator("list_objects").paginate(Bucket=BUCKET, Prefix="list/", PaginationConfig={"PageSize": 4}))
check([o["Key"] for p in pages for o in p["Contents"]] == keys, "ListObjects v1 paginated")
pages = list(s3.get_paginator("list_objects").paginate(Bucket=BUCKET, Prefix="list/", Delimiter="/", PaginationConfig={"PageSize": 1}))
got = [o["Key"] for p in pages for o in p.get("Contents", [])] + [c["Prefix"] for p in pages for c in p.get("CommonPrefixes", [])]
check(sorted(got) == ["list/a/", "list/b/", "list/c", "list/d", "list/e/"], f"v1 paginated with delimiter: {got}")
# encoding-type=url (botocore asks for it and decodes)
r = s3.list_objects_v2(Bucket=BUCKET, Prefix="dir/", Delimiter="/")
check([o["Key"] for o in r["Contents"]] == ["dir/a b+c=d&e?.txt"], f"url-encoded listing decoded: {r['Contents']}")

# ---- copy
r = s3.copy_object(Bucket=BUCKET, Key="copy.txt", CopySource={"Bucket": BUCKET, "Key": "hello.txt"})
check(r["CopyObjectResult"]["ETag"] == etag, "copy ETag")
g = s3.get_object(Bucket=BUCKET, Key="copy.txt")
check(g["Body"].read() == body and g["Metadata"]["author"] == "ann" and g["ContentType"] == "text/plain", "copy keeps content and metadata")
s3.copy_object(Bucket=BUCKET, Key="copy.txt", CopySource={"Bucket": BUCKET, "Key": "hello.txt"}, MetadataDirective="REPLACE", Metadata={"k": "v"}, ContentType="text/x-new")
g = s3.head_object(Bucket=BUCKET, Key="copy.txt")
check(g["Metadata"] == {"k": "v"} and g["ContentType"] == "text/x-new", "copy with REPLACE")
check(error_code(s3.copy_object, Bucket=BUCKET, Key="hello.txt", CopySource={"Bucket": BUCKET, "Key": "hello.txt"}) == "InvalidRequest", "copy onto itself")
check(error_code(s3.copy_object, Bucket=BUCKET, Key="c2", CopySource={"Bucket": BUCKET, "Key": "hello.txt"}, CopySourceIfMatch='"00"') == "PreconditionFailed", "copy-source-if-match")
s3.copy_object(Bucket=BUCKET, Key="dir/copy of a b+c.txt", CopySource={"Bucket": BUCKET, "Key": "dir/a b+c=d&e?.txt"})
check(s3.get_object(Bucket=BUCKET, Key="dir/copy of a b+c.txt")["Body"].read() == b"dir/a b+c=d&e?.txt", "copy of a special key")

# ---- delete
s3.delete_object(Bucket=BUCKET, Key="copy.txt")
check(error_code(s3.get_object, Bucket=BUCKET, Key="copy.txt") == "NoSuchKey", "deleted")
s3.delete_object(Bucket=BUCKET, Key="copy.txt")  # idempotent
r = s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": "list/c"}, {"Key": "list/d"}, {"Key": "never-existed"}]})
check(sorted(d["Key"] for d in r["Deleted"]) == ["list/c", "list/d", "never-existed"], f"DeleteObjects: {r}")
check([o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="list/")["Contents"]] == ["list/a/1", "list/a/2", "list/b/1", "list/e/x/y"], "after DeleteObjects")
r = s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": "list/a/1"}], "Quiet": True})
check("Deleted" not in r or r["Deleted"] == [], "quiet DeleteObjects")

# ---- multipart: 12 MB in 5 MB parts
MB = 1024 * 1024
data = os.urandom(12 * MB)
key = "big/data.bin"
up = s3.create_multipart_upload(Bucket=BUCKET, Key=key, ContentType="application/x-big", Metadata={"kind": "big"})
uid = up["UploadId"]
chunks = [data[0 : 5 * MB], data[5 * MB : 10 * MB], data[10 * MB :]]
parts = []
for i, c in enumerate(chunks, start=1):
    pr = s3.upload_part(Bucket=BUCKET, Key=key, UploadId=uid, PartNumber=i, Body=c)
    check(pr["ETag"] == '"%s"' % hashlib.md5(c).hexdigest(), f"part {i} ETag")
    parts.append({"PartNumber": i, "ETag": pr["ETag"]})
lp = s3.list_parts(Bucket=BUCKET, Key=key, UploadId=uid)
check([p["PartNumber"] for p in lp["Parts"]] == [1, 2, 3] and lp["Parts"][2]["Size"] == 2 * MB, "ListParts")
lp = s3.list_parts(Bucket=BUCKET, Key=key, UploadId=uid, MaxParts=2)
check(lp["IsTruncated"] and lp["NextPartNumberMarker"] == 2, "ListParts pagination")
uploads = s3.list_multipart_uploads(Bucket=BUCKET)["Uploads"]
check(any(u["UploadId"] == uid and u["Key"] == key for u in uploads), "ListMultipartUploads")
r = s3.complete_multipart_upload(Bucket=BUCKET, Key=key, UploadId=uid, MultipartUpload={"Parts": parts})
expected = hashlib.md5(b"".join(hashlib.md5(c).digest() for c in chunks)).hexdigest() + "-3"
check(r["ETag"] == '"%s"' % expected, f"multipart ETag {r['ETag']} != {expected}")
h = s3.head_object(Bucket=BUCKET, Key=key)
check(h["ContentLength"] == 12 * MB and h["ETag"] == r["ETag"] and h["ContentType"] == "application/x-big" and h["Metadata"] == {"kind": "big"}, "HEAD after complete")
got = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
check(hashlib.sha256(got).digest() == hashlib.sha256(data).digest(), "multipart object bytes")
rng = s3.get_object(Bucket=BUCKET, Key=key, Range=f"bytes={5 * MB - 10}-{5 * MB + 9}")["Body"].read()
check(rng == data[5 * MB - 10 : 5 * MB + 10], "range across a part boundary")
p2 = s3.get_object(Bucket=BUCKET, Key=key, PartNumber=2)
check(p2["Body"].read() == chunks[1] and p2["PartsCount"] == 3, "GetObject partNumber")
check(error_code(s3.list_parts, Bucket=BUCKET, Key=key, UploadId=uid) == "NoSuchUpload", "upload gone after complete")
# upload_file: boto3's managed transfer (multipart, parallel parts)
path = "/tmp/ampbase-boto3-upload.bin"
with open(path, "wb") as f:
    f.write(data)
from boto3.s3.transfer import TransferConfig

s3.upload_file(path, BUCKET, "big/managed.bin", Config=TransferConfig(multipart_threshold=5 * MB, multipart_chunksize=5 * MB))
check(s3.head_object(Bucket=BUCKET, Key="big/managed.bin")["ETag"].endswith('-3"'), "upload_file multipart")
s3.download_file(BUCKET, "big/managed.bin", path + ".down")
with open(path + ".down", "rb") as f:
    check(hashlib.sha256(f.read()).digest() == hashlib.sha256(data).digest(), "download_file (ranged GETs)")
# UploadPartCopy, with a range
up = s3.create_multipart_upload(Bucket=BUCKET, Key="big/copied.bin")
c1 = s3.upload_part_copy(Bucket=BUCKET, Key="big/copied.bin", UploadId=up["UploadId"], PartNumber=1, CopySource={"Bucket": BUCKET, "Key": key}, CopySourceRange=f"bytes=0-{5 * MB - 1}")
c2 = s3.upload_part_copy(Bucket=BUCKET, Key="big/copied.bin", UploadId=up["UploadId"], PartNumber=2, CopySource={"Bucket": BUCKET, "Key": "hello.txt"})
s3.complete_multipart_upload(Bucket=BUCKET, Key="big/copied.bin", UploadId=up["UploadId"], MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": c1["CopyPartResult"]["ETag"]}, {"PartNumber": 2, "ETag": c2["CopyPartResult"]["ETag"]}]})
check(s3.get_object(Bucket=BUCKET, Key="big/copied.bin")["Body"].read() == data[: 5 * MB] + body, "UploadPartCopy")
# errors: small parts, wrong ETag, order, abort
up = s3.create_multipart_upload(Bucket=BUCKET, Key="small")
e1 = s3.upload_part(Bucket=BUCKET, Key="small", UploadId=up["UploadId"], PartNumber=1, Body=b"a")["ETag"]
e2 = s3.upload_part(Bucket=BUCKET, Key="small", UploadId=up["UploadId"], PartNumber=2, Body=b"b")["ETag"]
check(error_code(s3.complete_multipart_upload, Bucket=BUCKET, Key="small", UploadId=up["UploadId"], MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]}) == "EntityTooSmall", "EntityTooSmall")
check(error_code(s3.complete_multipart_upload, Bucket=BUCKET, Key="small", UploadId=up["UploadId"], MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e2}]}) == "InvalidPart", "InvalidPart")
check(error_code(s3.complete_multipart_upload, Bucket=BUCKET, Key="small", UploadId=up["UploadId"], MultipartUpload={"Parts": [{"PartNumber": 2, "ETag": e2}, {"PartNumber": 1, "ETag": e1}]}) == "InvalidPartOrder", "InvalidPartOrder")
s3.complete_multipart_upload(Bucket=BUCKET, Key="small", UploadId=up["UploadId"], MultipartUpload={"Parts": [{"PartNumber": 2, "ETag": e2}]})
check(s3.get_object(Bucket=BUCKET, Key="small")["Body"].read() == b"b", "a single last part may be small")
up = s3.create_multipart_upload(Bucket=BUCKET, Key="aborted")
s3.upload_part(Bucket=BUCKET, Key="aborted", UploadId=up["UploadId"], PartNumber=1, Body=b"zzz")
s3.abort_multipart_upload(Bucket=BUCKET, Key="aborted", UploadId=up["UploadId"])
check(error_code(s3.upload_part, Bucket=BUCKET, Key="aborted", UploadId=up["UploadId"], PartNumber=2, Body=b"z") == "NoSuchUpload", "abort")
check(error_code(s3.head_object, Bucket=BUCKET, Key="aborted") in ("404", "NoSuchKey"), "aborted upload leaves no object")

# ---- presigned URLs
url = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "hello.txt"}, ExpiresIn=300)
check(urllib.request.urlopen(url).read() == body, "presigned GET")
url = s3.generate_presigned_url("put_object", Params={"Bucket": BUCKET, "Key": "presigned/put.txt"}, ExpiresIn=300)
req = urllib.request.Request(url, data=b"via presigned PUT", method="PUT")
check(urllib.request.urlopen(req).status == 200, "presigned PUT")
check(s3.get_object(Bucket=BUCKET, Key="presigned/put.txt")["Body"].read() == b"via presigned PUT", "presigned PUT stored")
url = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "hello.txt"}, ExpiresIn=1)
time.sleep(2.1)
try:
    urllib.request.urlopen(url)
    check(False, "expired presigned URL accepted")
except urllib.error.HTTPError as e:
    text = e.read().decode()
    check(e.code == 403 and "AccessDenied" in text and "expired" in text, f"expired presigned URL: {e.code} {text}")
tampered = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "hello.txt"}, ExpiresIn=300).replace("hello.txt", "fresh.txt")
try:
    urllib.request.urlopen(tampered)
    check(False, "tampered presigned URL accepted")
except urllib.error.HTTPError as e:
    check(e.code == 403 and "SignatureDoesNotMatch" in e.read().decode(), "tampered presigned URL")

# ---- bad credentials
check(error_code(client(ADMIN[0], "wrong-secret").get_object, Bucket=BUCKET, Key="hello.txt") == "SignatureDoesNotMatch", "wrong secret")
check(error_code(client("AKIANOTAREALKEY00000", "x").get_object, Bucket=BUCKET, Key="hello.txt") == "InvalidAccessKeyId", "unknown key")
check(error_code(client(ADMIN[0], "wrong-secret").put_object, Bucket=BUCKET, Key="evil", Body=b"x") == "SignatureDoesNotMatch", "wrong secret on PUT")
try:
    urllib.request.urlopen(f"{EP}/{BUCKET}/hello.txt")
    check(False, "anonymous GET accepted")
except urllib.error.HTTPError as e:
    check(e.code == 403, "anonymous request denied")

# ---- virtual-hosted style (<bucket>.localhost)
vs = client(*ADMIN, style="virtual")
check(vs.get_object(Bucket=BUCKET, Key="hello.txt")["Body"].read() == body, "virtual-hosted GET")
vs.put_object(Bucket=BUCKET, Key="vhost/x.txt", Body=b"vh")
check([o["Key"] for o in vs.list_objects_v2(Bucket=BUCKET, Prefix="vhost/")["Contents"]] == ["vhost/x.txt"], "virtual-hosted list")
vs.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": "vhost/x.txt"}]})
check("Contents" not in vs.list_objects_v2(Bucket=BUCKET, Prefix="vhost/"), "virtual-hosted DeleteObjects")

# ---- the Amplify client's path-style `POST /?delete` (bucket dropped): the default bucket
s3.put_object(Bucket=BUCKET, Key="folder/one", Body=b"1")
s3.put_object(Bucket=BUCKET, Key="folder/two", Body=b"2")
xml = b'<?xml version="1.0" encoding="UTF-8"?><Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>folder/one</Key></Object><Object><Key>folder/two</Key></Object><Quiet>false</Quiet></Delete>'
areq = AWSRequest(method="POST", url=f"{EP}/?delete", data=xml, headers={
    "Content-Type": "application/xml",
    "Content-MD5": base64.b64encode(hashlib.md5(xml).digest()).decode(),
    "x-amz-content-sha256": hashlib.sha256(xml).hexdigest(),
})
SigV4Auth(Credentials(*ADMIN), "s3", "us-east-1").add_auth(areq)
resp = urllib.request.urlopen(urllib.request.Request(areq.url, data=xml, headers=dict(areq.headers.items()), method="POST"))
text = resp.read().decode()
check(resp.status == 200 and "<Deleted><Key>folder/one</Key>" in text and "folder/two" in text, f"POST /?delete: {text}")
check("Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix="folder/"), "POST /?delete deleted from the default bucket")

# ---- CORS
req = urllib.request.Request(f"{EP}/{BUCKET}/hello.txt", method="OPTIONS", headers={
    "Origin": "http://localhost:5173",
    "Access-Control-Request-Method": "PUT",
    "Access-Control-Request-Headers": "content-type,x-amz-meta-author,x-amz-content-sha256",
})
resp = urllib.request.urlopen(req)
check(resp.status == 200 and resp.headers["Access-Control-Allow-Origin"] == "*", "preflight")
check("PUT" in resp.headers["Access-Control-Allow-Methods"], "preflight methods")
check("x-amz-meta-author" in resp.headers["Access-Control-Allow-Headers"], "preflight reflects request headers")
url = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "hello.txt"}, ExpiresIn=300)
resp = urllib.request.urlopen(urllib.request.Request(url, headers={"Origin": "http://localhost:5173"}))
expose = resp.headers["Access-Control-Expose-Headers"]
check(resp.headers["Access-Control-Allow-Origin"] == "*" and "ETag" in expose and "x-amz-meta-author" in expose, f"exposed headers: {expose}")
check(resp.headers.get("x-amz-request-id"), "request id header")

# ---- aws-chunked streaming payload (STREAMING-AWS4-HMAC-SHA256-PAYLOAD), signed chunk by chunk
import hmac


def chunked_put(key, payload, chunk_size, secret=ADMIN[1], corrupt=False):
    amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    day = amz_date[:8]
    scope = f"{day}/us-east-1/s3/aws4_request"
    chunks = [payload[i : i + chunk_size] for i in range(0, len(payload), chunk_size)] + [b""]
    encoded_len = sum(len(f"{len(c):x};chunk-signature=".encode()) + 64 + 2 + len(c) + 2 for c in chunks)
    areq = AWSRequest(method="PUT", url=f"{EP}/{BUCKET}/{key}", headers={
        "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "Content-Encoding": "aws-chunked",
        "x-amz-decoded-content-length": str(len(payload)),
        "Content-Length": str(encoded_len),
        "X-Amz-Date": amz_date,
    })
    SigV4Auth(Credentials(ADMIN[0], secret), "s3", "us-east-1").add_auth(areq)
    seed = areq.headers["Authorization"].split("Signature=")[1]
    k = ("AWS4" + secret).encode()
    for part in (day, "us-east-1", "s3", "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    prev, out = seed, b""
    empty = hashlib.sha256(b"").hexdigest()
    for i, c in enumerate(chunks):
        sts = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, prev, empty, hashlib.sha256(c).hexdigest()])
        sig = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
        if corrupt and i == 1:
            sig = "0" * 64
        out += f"{len(c):x};chunk-signature={sig}\r\n".encode() + c + b"\r\n"
        prev = sig
    assert len(out) == encoded_len
    req = urllib.request.Request(areq.url, data=out, headers=dict(areq.headers.items()), method="PUT")
    return urllib.request.urlopen(req)


payload = os.urandom(200 * 1024 + 17)
resp = chunked_put("chunked/ok.bin", payload, 64 * 1024)
check(resp.status == 200 and resp.headers["ETag"] == '"%s"' % hashlib.md5(payload).hexdigest(), "aws-chunked PUT")
check(s3.get_object(Bucket=BUCKET, Key="chunked/ok.bin")["Body"].read() == payload, "aws-chunked PUT stored the decoded bytes")
try:
    chunked_put("chunked/bad.bin", payload, 64 * 1024, corrupt=True)
    check(False, "a wrong chunk signature was accepted")
except urllib.error.HTTPError as e:
    check(e.code in (400, 403) and "Signature" in e.read().decode(), "wrong chunk signature refused")
check(error_code(s3.head_object, Bucket=BUCKET, Key="chunked/bad.bin") in ("404", "NoSuchKey"), "a refused chunked upload leaves no object")

# ---- authorization by principal (defineStorage access rules)
guest = client("GUESTKEY", "guest-secret")
alice = client("ALICEKEY", "alice-secret")
bob = client("BOBKEY", "bob-secret")
fn = client("FNKEY", "fn-secret")
denied = lambda f, **kw: error_code(f, Bucket=BUCKET, **kw) == "AccessDenied"
s3.put_object(Bucket=BUCKET, Key="public/readme.txt", Body=b"public")
check(guest.get_object(Bucket=BUCKET, Key="public/readme.txt")["Body"].read() == b"public", "guest reads public/")
check(denied(guest.put_object, Key="public/x", Body=b"x"), "guest cannot write public/")
alice.put_object(Bucket=BUCKET, Key="public/by-alice", Body=b"a")
check(denied(guest.get_object, Key="hello.txt"), "no rule → denied")
check(denied(guest.list_objects_v2, Prefix=""), "guest cannot list the bucket root")
check([o["Key"] for o in guest.list_objects_v2(Bucket=BUCKET, Prefix="public/")["Contents"]] == ["public/by-alice", "public/readme.txt"], "guest lists public/")
alice.put_object(Bucket=BUCKET, Key="private/us-east-1:alice/diary.txt", Body=b"dear diary")
check(alice.get_object(Bucket=BUCKET, Key="private/us-east-1:alice/diary.txt")["Body"].read() == b"dear diary", "owner reads private")
check(denied(bob.get_object, Key="private/us-east-1:alice/diary.txt"), "another user cannot read private")
check(denied(bob.put_object, Key="private/us-east-1:alice/evil", Body=b"x"), "another user cannot write private")
check(denied(bob.list_objects_v2, Prefix="private/"), "nobody lists private/")
check(denied(alice.list_objects_v2, Prefix="private/"), "even the owner cannot list private/ itself")
check([o["Key"] for o in alice.list_objects_v2(Bucket=BUCKET, Prefix="private/us-east-1:alice/")["Contents"]] == ["private/us-east-1:alice/diary.txt"], "owner lists own folder")
alice.put_object(Bucket=BUCKET, Key="protected/us-east-1:alice/photo.png", Body=b"png")
check(bob.get_object(Bucket=BUCKET, Key="protected/us-east-1:alice/photo.png")["Body"].read() == b"png", "authenticated reads protected")
check(denied(bob.delete_object, Key="protected/us-east-1:alice/photo.png"), "authenticated cannot delete another's protected")
check(denied(guest.get_object, Key="protected/us-east-1:alice/photo.png"), "guest cannot read protected")
# sub-path overrides parent: media/* (authenticated rwd) vs media/profile-pictures/* (guest read)
alice.put_object(Bucket=BUCKET, Key="media/a.jpg", Body=b"a")
s3.put_object(Bucket=BUCKET, Key="media/profile-pictures/p.png", Body=b"p")
check(denied(alice.get_object, Key="media/profile-pictures/p.png"), "no inheritance from media/*")
check(denied(alice.put_object, Key="media/profile-pictures/q.png", Body=b"q"), "no inheritance for writes")
check(guest.get_object(Bucket=BUCKET, Key="media/profile-pictures/p.png")["Body"].read() == b"p", "guest reads the sub-path")
r = alice.list_objects_v2(Bucket=BUCKET, Prefix="media/")
check([o["Key"] for o in r["Contents"]] == ["media/a.jpg"] and r["KeyCount"] == 1, f"listing hides what the caller may not list: {r.get('Contents')}")
r = alice.list_objects_v2(Bucket=BUCKET, Prefix="media/", Delimiter="/")
check("CommonPrefixes" not in r, "listing hides a common prefix the caller may not list")
check(denied(guest.list_objects_v2, Prefix="media/"), "guest cannot list media/")
# groups and functions
alice.put_object(Bucket=BUCKET, Key="drafts/d1", Body=b"d")
check(denied(bob.get_object, Key="drafts/d1"), "not in the group")
check(denied(alice.delete_object, Key="drafts/d1"), "the group has no delete")
fn.put_object(Bucket=BUCKET, Key="reports/2024.csv", Body=b"r")
check(fn.get_object(Bucket=BUCKET, Key="reports/2024.csv")["Body"].read() == b"r", "function reads its path")
check(denied(fn.get_object, Key="public/readme.txt"), "function has no access elsewhere")
check(denied(alice.get_object, Key="reports/2024.csv"), "users have no access to the function's path")
# copy needs get on the source and write on the destination
check(denied(bob.copy_object, Key="public/stolen", CopySource={"Bucket": BUCKET, "Key": "private/us-east-1:alice/diary.txt"}), "copy from an unreadable source")
alice.copy_object(Bucket=BUCKET, Key="public/diary-copy", CopySource={"Bucket": BUCKET, "Key": "private/us-east-1:alice/diary.txt"})
# DeleteObjects reports per-key AccessDenied
r = bob.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": "public/diary-copy"}, {"Key": "private/us-east-1:alice/diary.txt"}]})
check([d["Key"] for d in r.get("Deleted", [])] == ["public/diary-copy"], f"DeleteObjects deleted what was allowed: {r}")
check([(e["Key"], e["Code"]) for e in r.get("Errors", [])] == [("private/us-east-1:alice/diary.txt", "AccessDenied")], f"DeleteObjects errors: {r}")
# multipart as a user, in their own folder
up = alice.create_multipart_upload(Bucket=BUCKET, Key="private/us-east-1:alice/big")
check(denied(bob.upload_part, Key="private/us-east-1:alice/big", UploadId=up["UploadId"], PartNumber=1, Body=b"x"), "another user cannot upload parts")
e = alice.upload_part(Bucket=BUCKET, Key="private/us-east-1:alice/big", UploadId=up["UploadId"], PartNumber=1, Body=b"x")["ETag"]
alice.complete_multipart_upload(Bucket=BUCKET, Key="private/us-east-1:alice/big", UploadId=up["UploadId"], MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e}]})
check(error_code(guest.list_buckets) == "AccessDenied", "only administrators list buckets")
check(error_code(alice.create_bucket, Bucket="alices-bucket") == "AccessDenied", "only administrators create buckets")

# ---- temporary credentials (identity pool): the session token must be the issued one
def temp_client(key, token, secret="carol-secret"):
    return boto3.client(
        "s3",
        endpoint_url=EP,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, signature_version="s3v4", retries={"max_attempts": 1}),
    )


carol = temp_client("ASIATEMPCAROL", "carol-session-token/+=")
carol.put_object(Bucket=BUCKET, Key="private/us-east-1:carol/note.txt", Body=b"carol")
check(carol.get_object(Bucket=BUCKET, Key="private/us-east-1:carol/note.txt")["Body"].read() == b"carol", "session token in the header")
check(denied(carol.get_object, Key="private/us-east-1:alice/diary.txt"), "temporary credentials are their identity, nothing more")
url = carol.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "private/us-east-1:carol/note.txt"}, ExpiresIn=300)
check("X-Amz-Security-Token=" in url, "presigned URL carries the token")
check(urllib.request.urlopen(url).read() == b"carol", "session token in a presigned URL")
check(error_code(temp_client("ASIATEMPCAROL", "another-token").get_object, Bucket=BUCKET, Key="private/us-east-1:carol/note.txt") == "InvalidToken", "a token that is not the issued one")
check(status_of(temp_client("ASIATEMPCAROL", "another-token").get_object, Bucket=BUCKET, Key="private/us-east-1:carol/note.txt") == 400, "InvalidToken is a 400")
check(error_code(client("ASIATEMPCAROL", "carol-secret").get_object, Bucket=BUCKET, Key="private/us-east-1:carol/note.txt") == "InvalidAccessKeyId", "temporary credentials without their token")
expired = temp_client("ASIAEXPIREDCAROL", "carol-old-token")
check(error_code(expired.get_object, Bucket=BUCKET, Key="private/us-east-1:carol/note.txt") == "ExpiredToken", "expired credentials")
check(status_of(expired.get_object, Bucket=BUCKET, Key="private/us-east-1:carol/note.txt") == 400, "ExpiredToken is a 400")
url = expired.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "private/us-east-1:carol/note.txt"}, ExpiresIn=300)
try:
    urllib.request.urlopen(url)
    check(False, "a presigned URL of expired credentials is refused")
except urllib.error.HTTPError as e:
    check(e.code == 400 and b"<Code>ExpiredToken</Code>" in e.read(), "a presigned URL of expired credentials: ExpiredToken")
check(error_code(temp_client(ADMIN[0], "some-token", ADMIN[1]).list_buckets) == "InvalidToken", "a session token with long-term credentials")

print(f"ALL OK ({checks} checks)")
