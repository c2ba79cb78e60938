//! `/graphql` of a running sandbox (examples/guestbook) refuses forged credentials: access
//! tokens with alg `none`, signed by another key or with tampered claims; SigV4 with a wrong
//! secret, a forged session token, an expired date or a captured request replayed after the
//! ±5 minute window. A genuine token and a genuine signature (and its replay inside the
//! window, as AWS allows) are served.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ampbase_sigv4::{SigningCredentials, sign_headers};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let name = entry.file_name();
        if name == "node_modules"
            || name == ".amplify"
            || name.to_string_lossy().starts_with("amplify_outputs")
        {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Sandbox(Child);

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_sandbox(app: &Path, port: u16, secrets_key: &Path) -> Sandbox {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ampbase"))
        .args([
            "sandbox",
            "--identifier",
            "negative",
            "--port",
            &port.to_string(),
            "--storage-port",
            &free_port().to_string(),
        ])
        .current_dir(app)
        .env("AMPBASE_SECRETS_KEY_FILE", secrets_key)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let sandbox = Sandbox(child);
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = Vec::new();
    loop {
        let left = deadline
            .checked_duration_since(Instant::now())
            .unwrap_or_else(|| panic!("sandbox not ready:\n{}", seen.join("\n")));
        let line: String = lines
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("sandbox not ready:\n{}", seen.join("\n")));
        let ready = line.contains("watching");
        seen.push(line);
        if ready {
            return sandbox;
        }
    }
}

/// One HTTP/1.1 exchange: status, lower-case headers, body.
fn exchange(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> (u16, Vec<(String, String)>, String) {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let response = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (status, headers, body.to_string())
}

fn cognito(port: u16, target: &str, body: Value) -> Value {
    let headers = vec![
        ("Host".to_string(), format!("localhost:{port}")),
        (
            "Content-Type".to_string(),
            "application/x-amz-json-1.1".to_string(),
        ),
        ("X-Amz-Target".to_string(), target.to_string()),
    ];
    let (status, _, body) = exchange(port, "POST", "/", &headers, body.to_string().as_bytes());
    let value: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    assert_eq!(status, 200, "{target}: {body}");
    value
}

const QUERY: &str = r#"{"query":"{ listEntries { items { id message } } }"}"#;

fn graphql_with(port: u16, extra: Vec<(String, String)>) -> (u16, Vec<(String, String)>, String) {
    let mut headers = vec![("Content-Type".to_string(), "application/json".to_string())];
    headers.extend(extra);
    exchange(port, "POST", "/graphql", &headers, QUERY.as_bytes())
}

fn assert_unauthorized(
    what: &str,
    (status, headers, body): (u16, Vec<(String, String)>, String),
) -> String {
    assert_eq!(status, 401, "{what}: {body}");
    assert!(
        headers
            .iter()
            .any(|(k, v)| k == "x-amzn-errortype" && v == "UnauthorizedException"),
        "{what}: {headers:?}"
    );
    let value: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        value["errors"][0]["errorType"], "UnauthorizedException",
        "{what}: {body}"
    );
    value["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn signed(port: u16, credentials: &SigningCredentials, unix_seconds: i64) -> Vec<(String, String)> {
    let mut map = http::HeaderMap::new();
    map.insert("host", format!("localhost:{port}").parse().unwrap());
    map.insert("content-type", "application/json".parse().unwrap());
    sign_headers(
        credentials,
        "us-east-1",
        "appsync",
        unix_seconds,
        "POST",
        "/graphql",
        "",
        &mut map,
        QUERY.as_bytes(),
    );
    map.iter()
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap().to_string()))
        .collect()
}

fn send_headers(port: u16, headers: Vec<(String, String)>) -> (u16, Vec<(String, String)>, String) {
    exchange(port, "POST", "/graphql", &headers, QUERY.as_bytes())
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[test]
fn graphql_refuses_forged_tokens_and_signatures() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("app");
    copy_dir(&repo().join("examples/guestbook"), &app);
    let port = free_port();
    let _sandbox = start_sandbox(&app, port, &dir.path().join("secrets.key"));
    let outputs: Value =
        serde_json::from_slice(&std::fs::read(app.join("amplify_outputs.json")).unwrap()).unwrap();
    let cognito_config = &outputs["Auth"]["Cognito"];
    let client_id = cognito_config["userPoolClientId"].as_str().unwrap();
    let identity_pool = cognito_config["identityPoolId"].as_str().unwrap();

    // A user and its genuine access token.
    let email = "victim@example.com";
    let password = "Corr3ct-Horse-Battery!";
    cognito(
        port,
        "AWSCognitoIdentityProviderService.SignUp",
        json!({ "ClientId": client_id, "Username": email, "Password": password, "UserAttributes": [{ "Name": "email", "Value": email }] }),
    );
    let (_, _, mailbox) = exchange(
        port,
        "GET",
        &format!("/_ampbase/mailbox?to={email}"),
        &[("Host".into(), "localhost".into())],
        b"",
    );
    let code = serde_json::from_str::<Value>(&mailbox).unwrap()[0]["code"]
        .as_str()
        .unwrap()
        .to_string();
    cognito(
        port,
        "AWSCognitoIdentityProviderService.ConfirmSignUp",
        json!({ "ClientId": client_id, "Username": email, "ConfirmationCode": code }),
    );
    let tokens = cognito(
        port,
        "AWSCognitoIdentityProviderService.InitiateAuth",
        json!({ "ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": { "USERNAME": email, "PASSWORD": password } }),
    );
    let access = tokens["AuthenticationResult"]["AccessToken"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, _, body) = graphql_with(port, vec![("Authorization".into(), access.clone())]);
    assert_eq!(status, 200, "the genuine token: {body}");

    // Forged tokens.
    let mut pieces = access.split('.');
    let header: Map<String, Value> =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(pieces.next().unwrap()).unwrap()).unwrap();
    let claims: Map<String, Value> =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(pieces.next().unwrap()).unwrap()).unwrap();
    let signature = pieces.next().unwrap();
    let b64 = |m: &Map<String, Value>| URL_SAFE_NO_PAD.encode(serde_json::to_vec(m).unwrap());
    let mut none = header.clone();
    none.insert("alg".into(), json!("none"));
    let mut elevated = claims.clone();
    elevated.insert("cognito:groups".into(), json!(["ADMINS"]));
    let (other_key, _) = ampbase_auth::tokens::SigningKey::generate(now());
    for (what, token) in [
        ("alg none", format!("{}.{}.", b64(&none), b64(&claims))),
        ("another key", other_key.sign(&claims)),
        (
            "tampered claims",
            format!("{}.{}.{signature}", b64(&header), b64(&elevated)),
        ),
        ("garbage", "not.a.jwt".to_string()),
    ] {
        assert_unauthorized(
            what,
            graphql_with(port, vec![("Authorization".into(), token)]),
        );
    }

    // Guest credentials from the identity pool.
    let id = cognito(
        port,
        "AWSCognitoIdentityService.GetId",
        json!({ "IdentityPoolId": identity_pool }),
    );
    let issued = cognito(
        port,
        "AWSCognitoIdentityService.GetCredentialsForIdentity",
        json!({ "IdentityId": id["IdentityId"] }),
    );
    let guest = SigningCredentials {
        access_key_id: issued["Credentials"]["AccessKeyId"]
            .as_str()
            .unwrap()
            .into(),
        secret_access_key: issued["Credentials"]["SecretKey"].as_str().unwrap().into(),
        session_token: issued["Credentials"]["SessionToken"]
            .as_str()
            .map(str::to_string),
    };
    let genuine = signed(port, &guest, now());
    let (status, _, body) = send_headers(port, genuine.clone());
    assert_eq!(status, 200, "a genuine guest signature: {body}");
    assert!(body.contains("\"listEntries\""), "{body}");
    // The same signed request again, inside the window: served, as AWS serves it.
    assert_eq!(send_headers(port, genuine).0, 200);

    let mut wrong_secret = guest.clone();
    wrong_secret.secret_access_key.push('x');
    let message = assert_unauthorized(
        "wrong secret",
        send_headers(port, signed(port, &wrong_secret, now())),
    );
    assert!(
        message.starts_with("The request signature we calculated does not match"),
        "{message}"
    );
    let mut forged_token = guest.clone();
    forged_token.session_token = Some("forged".into());
    let message = assert_unauthorized(
        "forged session token",
        send_headers(port, signed(port, &forged_token, now())),
    );
    assert_eq!(
        message,
        "The security token included in the request is invalid."
    );
    let mut no_token = guest.clone();
    no_token.session_token = None;
    assert_unauthorized(
        "no session token",
        send_headers(port, signed(port, &no_token, now())),
    );
    // Signed ten minutes ago (a captured request replayed after the window), or ahead.
    let message = assert_unauthorized(
        "expired date",
        send_headers(port, signed(port, &guest, now() - 600)),
    );
    assert!(
        message.starts_with("Signature expired: ") && message.ends_with("- 5 min.)"),
        "{message}"
    );
    let message = assert_unauthorized(
        "future date",
        send_headers(port, signed(port, &guest, now() + 600)),
    );
    assert!(
        message.starts_with("Signature not yet current: "),
        "{message}"
    );
    // A signed body cannot be swapped.
    let (status, _, body) = exchange(
        port,
        "POST",
        "/graphql",
        &signed(port, &guest, now()),
        br#"{"query":"mutation { createEntry(input: { message: \"x\" }) { id } }"}"#,
    );
    assert_eq!(status, 401, "a swapped body: {body}");
}
