//! AWS's published SigV4 test suite (credentials `AKIDEXAMPLE`, 2015-08-30T12:36:00Z,
//! `us-east-1`, service `service`): each request verifies with the signature AWS published,
//! and the signer reproduces it. Then what must be refused, and why.

use ampbase_core::{Caller, IamPrincipal};
use ampbase_sigv4::{
    CredentialChain, CredentialSource, ErrorKind, Lookup, RequestParts, SigningCredentials,
    Verifier, canonical, presign_query, sign_headers,
};
use http::HeaderMap;

const ACCESS_KEY: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
/// 2015-08-30T12:36:00Z.
const SUITE_TIME: i64 = 1_440_938_160;
const HOST: &str = "example.amazonaws.com";

struct Keys;

#[async_trait::async_trait]
impl CredentialSource for Keys {
    async fn lookup(&self, access_key_id: &str, session_token: Option<&str>) -> Lookup {
        match (access_key_id, session_token) {
            (ACCESS_KEY, None) => Lookup::Found {
                secret: SECRET.into(),
                caller: Caller::Iam(IamPrincipal::Admin),
            },
            (ACCESS_KEY, Some(_)) => Lookup::InvalidToken,
            ("ASIATEMPORARY", Some("good-token")) => Lookup::Found {
                secret: "temporary-secret".into(),
                caller: Caller::Iam(IamPrincipal::Guest {
                    identity_id: "us-east-1:guest".into(),
                }),
            },
            ("ASIATEMPORARY", Some(_)) => Lookup::InvalidToken,
            ("ASIAEXPIRED", _) => Lookup::Expired,
            _ => Lookup::Unknown,
        }
    }
}

fn suite_credentials() -> SigningCredentials {
    SigningCredentials {
        access_key_id: ACCESS_KEY.into(),
        secret_access_key: SECRET.into(),
        session_token: None,
    }
}

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    map.insert("host", HOST.parse().unwrap());
    map.insert("x-amz-date", "20150830T123600Z".parse().unwrap());
    for (k, v) in pairs {
        map.append(
            http::HeaderName::from_bytes(k.to_ascii_lowercase().as_bytes()).unwrap(),
            v.parse().unwrap(),
        );
    }
    map
}

fn authorize(map: &mut HeaderMap, signed_headers: &str, signature: &str) {
    let value = format!(
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders={signed_headers}, Signature={signature}"
    );
    map.insert("authorization", value.parse().unwrap());
}

struct Vector {
    name: &'static str,
    method: &'static str,
    /// The request target as the suite writes it (before the client's encoding).
    path: &'static str,
    query: &'static str,
    extra_headers: &'static [(&'static str, &'static str)],
    body: &'static str,
    signed_headers: &'static str,
    signature: &'static str,
}

const VECTORS: &[Vector] = &[
    Vector {
        name: "get-vanilla",
        method: "GET",
        path: "/",
        query: "",
        extra_headers: &[],
        body: "",
        signed_headers: "host;x-amz-date",
        signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    },
    Vector {
        name: "get-vanilla-query-order-key-case",
        method: "GET",
        path: "/",
        query: "Param2=value2&Param1=value1",
        extra_headers: &[],
        body: "",
        signed_headers: "host;x-amz-date",
        signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
    },
    Vector {
        name: "get-vanilla-empty-query-key",
        method: "GET",
        path: "/",
        query: "Param1=value1",
        extra_headers: &[],
        body: "",
        signed_headers: "host;x-amz-date",
        signature: "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb",
    },
    Vector {
        name: "get-vanilla-utf8-query",
        method: "GET",
        path: "/",
        query: "%E1%88%B4=bar",
        extra_headers: &[],
        body: "",
        signed_headers: "host;x-amz-date",
        signature: "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04",
    },
    Vector {
        name: "get-utf8",
        method: "GET",
        path: "/ሴ",
        query: "",
        extra_headers: &[],
        body: "",
        signed_headers: "host;x-amz-date",
        signature: "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85",
    },
    Vector {
        name: "get-space (normalize-path)",
        method: "GET",
        path: "/example space/",
        query: "",
        extra_headers: &[],
        body: "",
        signed_headers: "host;x-amz-date",
        signature: "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741",
    },
    Vector {
        name: "get-unreserved",
        method: "GET",
        path: "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
        query: "",
        extra_headers: &[],
        body: "",
        signed_headers: "host;x-amz-date",
        signature: "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f",
    },
    Vector {
        name: "get-relative-relative (normalize-path)",
        method: "GET",
        path: "/example1/example2/../..",
        query: "",
        extra_headers: &[],
        body: "",
        signed_headers: "host;x-amz-date",
        signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    },
    Vector {
        name: "get-slash-dot-slash (normalize-path)",
        method: "GET",
        path: "/./",
        query: "",
        extra_headers: &[],
        body: "",
        signed_headers: "host;x-amz-date",
        signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    },
    Vector {
        name: "get-slash (normalize-path)",
        method: "GET",
        path: "//",
        query: "",
        extra_headers: &[],
        body: "",
        signed_headers: "host;x-amz-date",
        signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    },
    Vector {
        name: "get-slashes (normalize-path)",
        method: "GET",
        path: "//example//",
        query: "",
        extra_headers: &[],
        body: "",
        signed_headers: "host;x-amz-date",
        signature: "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84",
    },
    Vector {
        name: "get-slash-pointless-dot (normalize-path)",
        method: "GET",
        path: "/./example",
        query: "",
        extra_headers: &[],
        body: "",
        signed_headers: "host;x-amz-date",
        signature: "ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5",
    },
    Vector {
        name: "get-header-value-trim",
        method: "GET",
        path: "/",
        query: "",
        extra_headers: &[("My-Header1", " value1"), ("My-Header2", " \"a   b   c\"")],
        body: "",
        signed_headers: "host;my-header1;my-header2;x-amz-date",
        signature: "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
    },
    Vector {
        name: "post-vanilla",
        method: "POST",
        path: "/",
        query: "",
        extra_headers: &[],
        body: "",
        signed_headers: "host;x-amz-date",
        signature: "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
    },
    Vector {
        name: "post-vanilla-query",
        method: "POST",
        path: "/",
        query: "Param1=value1",
        extra_headers: &[],
        body: "",
        signed_headers: "host;x-amz-date",
        signature: "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11",
    },
    Vector {
        name: "post-x-www-form-urlencoded",
        method: "POST",
        path: "/",
        query: "",
        extra_headers: &[("Content-Type", "application/x-www-form-urlencoded")],
        body: "Param1=value1",
        signed_headers: "content-type;host;x-amz-date",
        signature: "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
    },
];

fn verifier() -> Verifier {
    Verifier::new("service")
}

#[tokio::test]
async fn every_published_vector_verifies() {
    for v in VECTORS {
        let mut map = headers(v.extra_headers);
        authorize(&mut map, v.signed_headers, v.signature);
        let request = RequestParts {
            method: v.method,
            path: v.path,
            query: v.query,
            headers: &map,
            body: v.body.as_bytes(),
        };
        let verified = verifier()
            .verify_at(&request, &Keys, SUITE_TIME)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", v.name));
        assert_eq!(
            verified.caller,
            Caller::Iam(IamPrincipal::Admin),
            "{}",
            v.name
        );
        assert_eq!(verified.access_key_id, ACCESS_KEY);
        assert_eq!(verified.region, "us-east-1");
    }
}

#[test]
fn the_signer_reproduces_every_published_signature() {
    for v in VECTORS {
        let mut map = headers(v.extra_headers);
        map.remove("x-amz-date");
        sign_headers(
            &suite_credentials(),
            "us-east-1",
            "service",
            SUITE_TIME,
            v.method,
            v.path,
            v.query,
            &mut map,
            v.body.as_bytes(),
        );
        let authorization = map["authorization"].to_str().unwrap();
        assert!(
            authorization.ends_with(&format!(
                "SignedHeaders={}, Signature={}",
                v.signed_headers, v.signature
            )),
            "{}: {authorization}",
            v.name
        );
    }
}

#[test]
fn the_documented_canonical_request_and_string_to_sign() {
    let map = headers(&[("Content-Type", "application/x-www-form-urlencoded")]);
    let request = RequestParts {
        method: "POST",
        path: "/",
        query: "",
        headers: &map,
        body: b"Param1=value1",
    };
    let canonical = canonical::canonical_request(
        &request,
        "content-type;host;x-amz-date",
        &canonical::sha256_hex(b"Param1=value1"),
    );
    assert_eq!(
        canonical,
        "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n\
         content-type;host;x-amz-date\n9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e"
    );
    assert_eq!(
        canonical::string_to_sign(
            "20150830T123600Z",
            "20150830/us-east-1/service/aws4_request",
            &canonical
        ),
        "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n\
         42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281"
    );
    // The derived key of AWS's documentation (`iam` example).
    assert_eq!(
        hex::encode(canonical::signing_key(
            SECRET,
            "20150830",
            "us-east-1",
            "iam"
        )),
        "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
    );
}

fn signed_request(
    credentials: &SigningCredentials,
    service: &str,
    time: i64,
    body: &[u8],
) -> HeaderMap {
    let mut map = HeaderMap::new();
    map.insert("host", "localhost:20002".parse().unwrap());
    map.insert(
        "content-type",
        "application/json; charset=UTF-8".parse().unwrap(),
    );
    sign_headers(
        credentials,
        "us-east-1",
        service,
        time,
        "POST",
        "/graphql",
        "",
        &mut map,
        body,
    );
    map
}

async fn verify(map: &HeaderMap, body: &[u8], now: i64) -> Result<Caller, (ErrorKind, String)> {
    let request = RequestParts {
        method: "POST",
        path: "/graphql",
        query: "",
        headers: map,
        body,
    };
    Verifier::new("appsync")
        .verify_at(&request, &Keys, now)
        .await
        .map(|v| v.caller)
        .map_err(|e| (e.kind, e.message))
}

const NOW: i64 = 1_800_000_000;
const BODY: &[u8] = br#"{"query":"{ listTodos { items { id } } }"}"#;

#[tokio::test]
async fn a_wrong_secret_is_a_signature_mismatch() {
    let mut credentials = suite_credentials();
    credentials.secret_access_key = "not-the-secret".into();
    let (kind, message) = verify(
        &signed_request(&credentials, "appsync", NOW, BODY),
        BODY,
        NOW,
    )
    .await
    .unwrap_err();
    assert_eq!(kind, ErrorKind::InvalidSignature);
    assert!(
        message.starts_with(
            "The request signature we calculated does not match the signature you provided."
        ),
        "{message}"
    );
    assert!(
        message.contains("POST\n/graphql\n"),
        "the canonical request is shown: {message}"
    );
}

#[tokio::test]
async fn a_changed_body_header_or_path_breaks_the_signature() {
    let map = signed_request(&suite_credentials(), "appsync", NOW, BODY);
    assert!(verify(&map, BODY, NOW).await.is_ok());
    assert_eq!(
        verify(&map, b"{\"query\":\"mutation\"}", NOW)
            .await
            .unwrap_err()
            .0,
        ErrorKind::InvalidSignature
    );
    let mut changed = map.clone();
    changed.insert("content-type", "text/plain".parse().unwrap());
    assert_eq!(
        verify(&changed, BODY, NOW).await.unwrap_err().0,
        ErrorKind::InvalidSignature
    );
    let request = RequestParts {
        method: "POST",
        path: "/graphql/connect",
        query: "",
        headers: &map,
        body: BODY,
    };
    let refused = Verifier::new("appsync")
        .verify_at(&request, &Keys, NOW)
        .await
        .unwrap_err();
    assert_eq!(refused.kind, ErrorKind::InvalidSignature);
}

#[tokio::test]
async fn a_stated_payload_hash_must_be_the_bodys() {
    let mut map = HeaderMap::new();
    map.insert("host", "localhost:20002".parse().unwrap());
    map.insert("x-amz-content-sha256", "UNSIGNED-PAYLOAD".parse().unwrap());
    sign_headers(
        &suite_credentials(),
        "us-east-1",
        "appsync",
        NOW,
        "POST",
        "/graphql",
        "",
        &mut map,
        BODY,
    );
    let (kind, message) = verify(&map, BODY, NOW).await.unwrap_err();
    assert_eq!(kind, ErrorKind::InvalidSignature);
    assert!(message.contains("x-amz-content-sha256"), "{message}");

    let mut map = HeaderMap::new();
    map.insert("host", "localhost:20002".parse().unwrap());
    map.insert(
        "x-amz-content-sha256",
        canonical::sha256_hex(BODY).parse().unwrap(),
    );
    sign_headers(
        &suite_credentials(),
        "us-east-1",
        "appsync",
        NOW,
        "POST",
        "/graphql",
        "",
        &mut map,
        BODY,
    );
    assert!(verify(&map, BODY, NOW).await.is_ok());
}

#[tokio::test]
async fn requests_outside_five_minutes_are_expired_or_not_yet_current() {
    let old = signed_request(&suite_credentials(), "appsync", NOW - 301, BODY);
    let (kind, message) = verify(&old, BODY, NOW).await.unwrap_err();
    assert_eq!(kind, ErrorKind::InvalidSignature);
    assert_eq!(
        message,
        "Signature expired: 20270115T075459Z is now earlier than 20270115T075500Z (20270115T080000Z - 5 min.)"
    );
    // Within the window, a replay of the same request still verifies, as on AWS.
    let recent = signed_request(&suite_credentials(), "appsync", NOW - 299, BODY);
    assert!(verify(&recent, BODY, NOW).await.is_ok());
    let future = signed_request(&suite_credentials(), "appsync", NOW + 301, BODY);
    let (kind, message) = verify(&future, BODY, NOW).await.unwrap_err();
    assert_eq!(kind, ErrorKind::InvalidSignature);
    assert!(
        message.starts_with("Signature not yet current: "),
        "{message}"
    );
    assert!(message.ends_with("+ 5 min.)"), "{message}");
}

#[tokio::test]
async fn unknown_keys_and_bad_session_tokens_are_unrecognized_clients() {
    let unknown = SigningCredentials {
        access_key_id: "AKIAUNKNOWN".into(),
        secret_access_key: SECRET.into(),
        session_token: None,
    };
    let (kind, message) = verify(&signed_request(&unknown, "appsync", NOW, BODY), BODY, NOW)
        .await
        .unwrap_err();
    assert_eq!(
        (kind, message.as_str()),
        (
            ErrorKind::UnrecognizedClient,
            "The security token included in the request is invalid."
        )
    );

    let temporary = |token: Option<&str>| SigningCredentials {
        access_key_id: "ASIATEMPORARY".into(),
        secret_access_key: "temporary-secret".into(),
        session_token: token.map(str::to_string),
    };
    let guest = verify(
        &signed_request(&temporary(Some("good-token")), "appsync", NOW, BODY),
        BODY,
        NOW,
    )
    .await
    .unwrap();
    assert!(matches!(guest, Caller::Iam(IamPrincipal::Guest { .. })));
    for token in [Some("forged-token"), None] {
        let (kind, _) = verify(
            &signed_request(&temporary(token), "appsync", NOW, BODY),
            BODY,
            NOW,
        )
        .await
        .unwrap_err();
        assert_eq!(kind, ErrorKind::UnrecognizedClient, "{token:?}");
    }
    let expired = SigningCredentials {
        access_key_id: "ASIAEXPIRED".into(),
        secret_access_key: "x".into(),
        session_token: Some("t".into()),
    };
    let (kind, _) = verify(&signed_request(&expired, "appsync", NOW, BODY), BODY, NOW)
        .await
        .unwrap_err();
    assert_eq!(kind, ErrorKind::ExpiredToken);
}

#[tokio::test]
async fn the_scope_must_name_the_service_the_date_and_the_terminator() {
    let (kind, message) = verify(
        &signed_request(&suite_credentials(), "cognito-idp", NOW, BODY),
        BODY,
        NOW,
    )
    .await
    .unwrap_err();
    assert_eq!(kind, ErrorKind::InvalidSignature);
    assert_eq!(
        message,
        "Credential should be scoped to correct service: 'appsync'. "
    );

    let mut map = signed_request(&suite_credentials(), "appsync", NOW, BODY);
    let authorization = map["authorization"]
        .to_str()
        .unwrap()
        .replace("/20270115/", "/20270114/");
    map.insert("authorization", authorization.parse().unwrap());
    let (kind, message) = verify(&map, BODY, NOW).await.unwrap_err();
    assert_eq!(kind, ErrorKind::InvalidSignature);
    assert!(
        message.starts_with("Date in Credential scope does not match YYYYMMDD"),
        "{message}"
    );

    let mut map = signed_request(&suite_credentials(), "appsync", NOW, BODY);
    let authorization = map["authorization"]
        .to_str()
        .unwrap()
        .replace("aws4_request", "aws5_request");
    map.insert("authorization", authorization.parse().unwrap());
    assert!(
        verify(&map, BODY, NOW)
            .await
            .unwrap_err()
            .1
            .contains("valid terminator")
    );
}

#[tokio::test]
async fn host_must_be_signed_and_the_header_complete() {
    let mut map = HeaderMap::new();
    map.insert("content-type", "application/json".parse().unwrap());
    sign_headers(
        &suite_credentials(),
        "us-east-1",
        "appsync",
        NOW,
        "POST",
        "/graphql",
        "",
        &mut map,
        BODY,
    );
    map.insert("host", "localhost:20002".parse().unwrap());
    let (kind, message) = verify(&map, BODY, NOW).await.unwrap_err();
    assert_eq!(kind, ErrorKind::InvalidSignature);
    assert!(message.contains("'Host'"), "{message}");

    for (authorization, expected) in [
        (
            "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=00",
            "requires 'Credential' parameter",
        ),
        (
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20270115/us-east-1/appsync/aws4_request, Signature=00",
            "requires 'SignedHeaders'",
        ),
        (
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/us-east-1/appsync, SignedHeaders=host, Signature=00",
            "exactly 5 slash-delimited",
        ),
        ("AWS3-HMAC-SHA1 Credential=x", "Unsupported AWS 'algorithm'"),
    ] {
        let mut map = signed_request(&suite_credentials(), "appsync", NOW, BODY);
        map.insert("authorization", authorization.parse().unwrap());
        let (kind, message) = verify(&map, BODY, NOW).await.unwrap_err();
        assert_eq!(kind, ErrorKind::IncompleteSignature, "{authorization}");
        assert!(message.contains(expected), "{authorization}: {message}");
    }
    let mut map = signed_request(&suite_credentials(), "appsync", NOW, BODY);
    map.remove("x-amz-date");
    assert!(
        verify(&map, BODY, NOW)
            .await
            .unwrap_err()
            .1
            .contains("'X-Amz-Date'")
    );
    let mut map = signed_request(&suite_credentials(), "appsync", NOW, BODY);
    map.insert("x-amz-date", "2027-01-15T08:00:00Z".parse().unwrap());
    assert_eq!(
        verify(&map, BODY, NOW).await.unwrap_err().0,
        ErrorKind::IncompleteSignature
    );
    assert_eq!(
        verify(&HeaderMap::new(), BODY, NOW).await.unwrap_err().0,
        ErrorKind::MissingAuthenticationToken
    );
}

#[tokio::test]
async fn presigned_requests_verify_until_they_expire() {
    let credentials = SigningCredentials {
        access_key_id: "ASIATEMPORARY".into(),
        secret_access_key: "temporary-secret".into(),
        session_token: Some("good-token".into()),
    };
    let query = presign_query(
        &credentials,
        "us-east-1",
        "appsync",
        NOW,
        60,
        "GET",
        "/graphql",
        "a=1",
        "localhost:20002",
        b"",
    );
    let mut map = HeaderMap::new();
    map.insert("host", "localhost:20002".parse().unwrap());
    let request = |query: &'static str, map: &'static HeaderMap| RequestParts {
        method: "GET",
        path: "/graphql",
        query,
        headers: map,
        body: b"",
    };
    let query: &'static str = Box::leak(query.into_boxed_str());
    let map: &'static HeaderMap = Box::leak(Box::new(map));
    let verifier = Verifier::new("appsync");
    assert!(matches!(
        verifier
            .verify_at(&request(query, map), &Keys, NOW + 59)
            .await
            .unwrap()
            .caller,
        Caller::Iam(IamPrincipal::Guest { .. })
    ));
    let expired = verifier
        .verify_at(&request(query, map), &Keys, NOW + 61)
        .await
        .unwrap_err();
    assert_eq!(expired.kind, ErrorKind::InvalidSignature);
    assert!(
        expired.message.starts_with("Signature expired:"),
        "{}",
        expired.message
    );
    let tampered: &'static str = Box::leak(query.replace("a=1", "a=2").into_boxed_str());
    assert_eq!(
        verifier
            .verify_at(&request(tampered, map), &Keys, NOW)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::InvalidSignature
    );
}

#[tokio::test]
async fn a_chain_asks_each_source_until_one_knows_the_key() {
    struct Nobody;
    #[async_trait::async_trait]
    impl CredentialSource for Nobody {
        async fn lookup(&self, _: &str, _: Option<&str>) -> Lookup {
            Lookup::Unknown
        }
    }
    let chain = CredentialChain::new()
        .with(std::sync::Arc::new(Nobody))
        .with(std::sync::Arc::new(Keys));
    assert!(matches!(
        chain.lookup(ACCESS_KEY, None).await,
        Lookup::Found { .. }
    ));
    assert_eq!(chain.lookup("AKIAOTHER", None).await, Lookup::Unknown);
}
