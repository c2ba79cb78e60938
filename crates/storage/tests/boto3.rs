//! The S3 protocol through a real AWS SDK: boto3 (pinned in `tests/boto3/requirements.txt`,
//! installed into `tests/boto3/.venv` on first run) against a running endpoint. Skipped, with a
//! message, when `python3` is missing or the venv cannot be created (no network).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use ampbase_core::{Caller, IamPrincipal};
use ampbase_definition::StorageDefinition;
use ampbase_storage::{
    AdminCredential, CredentialResolver, Resolution, ResolverChain, StaticCredentials,
    StorageConfig, StorageService,
};
use serde_json::json;

fn venv_python(dir: &Path) -> Option<PathBuf> {
    let python = dir.join(".venv/bin/python");
    let marker = dir.join(".venv/installed-requirements.txt");
    let requirements = std::fs::read_to_string(dir.join("requirements.txt")).ok()?;
    if python.exists()
        && std::fs::read_to_string(&marker).ok().as_deref() == Some(requirements.as_str())
    {
        return Some(python);
    }
    let ok = Command::new("python3")
        .arg("-m")
        .arg("venv")
        .arg(dir.join(".venv"))
        .status()
        .ok()?
        .success()
        && Command::new(&python)
            .args(["-m", "pip", "install", "-q", "-r"])
            .arg(dir.join("requirements.txt"))
            .status()
            .ok()?
            .success();
    if !ok {
        return None;
    }
    std::fs::write(&marker, requirements).ok()?;
    Some(python)
}

fn definition() -> StorageDefinition {
    let r =
        |principal: &str, actions: &[&str]| json!({ "principal": principal, "actions": actions });
    serde_json::from_value(json!({
        "name": "media",
        "isDefault": true,
        "access": {
            "public/*": [r("guest", &["read"]), r("authenticated", &["read", "write", "delete"])],
            "protected/{entity_id}/*": [r("authenticated", &["read"]), { "principal": "entity", "entity": "identity", "actions": ["read", "write", "delete"] }],
            "private/{entity_id}/*": [{ "principal": "entity", "entity": "identity", "actions": ["read", "write", "delete"] }],
            "media/*": [r("authenticated", &["read", "write", "delete"])],
            "media/profile-pictures/*": [r("guest", &["read"])],
            "drafts/*": [{ "principal": "groups", "groups": ["EDITORS"], "actions": ["read", "write"] }],
            "reports/*": [{ "principal": "resource", "resource": "reportFn", "actions": ["read", "write", "delete"] }],
        },
        "triggers": { "onUpload": "onUploadFn", "onDelete": "onDeleteFn" },
    }))
    .unwrap()
}

/// Temporary credentials as the identity pool issues them: a key, a secret and the session
/// token issued with them, live or expired. The server crate resolves the real identity
/// pool's credentials with the same answers.
struct TemporaryCredentials;

#[async_trait::async_trait]
impl CredentialResolver for TemporaryCredentials {
    async fn resolve(&self, access_key: &str, session_token: Option<&str>) -> Resolution {
        let (token, expired, identity_id) = match access_key {
            "ASIATEMPCAROL" => ("carol-session-token/+=", false, "us-east-1:carol"),
            "ASIAEXPIREDCAROL" => ("carol-old-token", true, "us-east-1:carol"),
            _ => return Resolution::Unknown,
        };
        match session_token {
            None => Resolution::Unknown,
            Some(given) if given != token => Resolution::InvalidToken,
            Some(_) if expired => Resolution::Expired,
            Some(_) => Resolution::Found {
                secret: "carol-secret".into(),
                caller: Caller::Iam(IamPrincipal::Authenticated {
                    identity_id: identity_id.into(),
                    sub: "carol-sub".into(),
                    username: "carol".into(),
                    groups: vec![],
                }),
            },
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_against_the_endpoint() {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let script_dir = manifest.join("tests/boto3");
    if Command::new("python3").arg("--version").output().is_err() {
        eprintln!("SKIPPED: python3 is not installed");
        return;
    }
    let Some(python) = venv_python(&script_dir) else {
        eprintln!("SKIPPED: could not create the boto3 venv (no network?)");
        return;
    };

    let dir = tempfile::tempdir().unwrap();
    let storage_dir = dir.path().join("sandboxes/test/storage");
    let admin = AdminCredential::load_or_create(storage_dir.join("admin-credential.json")).unwrap();
    let users = StaticCredentials::new()
        .with(
            "GUESTKEY",
            "guest-secret",
            Caller::Iam(IamPrincipal::Guest {
                identity_id: "us-east-1:guest".into(),
            }),
        )
        .with(
            "ALICEKEY",
            "alice-secret",
            Caller::Iam(IamPrincipal::Authenticated {
                identity_id: "us-east-1:alice".into(),
                sub: "alice-sub".into(),
                username: "alice".into(),
                groups: vec!["EDITORS".into()],
            }),
        )
        .with(
            "BOBKEY",
            "bob-secret",
            Caller::Iam(IamPrincipal::Authenticated {
                identity_id: "us-east-1:bob".into(),
                sub: "bob-sub".into(),
                username: "bob".into(),
                groups: vec![],
            }),
        )
        .with(
            "FNKEY",
            "fn-secret",
            Caller::Iam(IamPrincipal::Function {
                name: "reportFn".into(),
            }),
        );
    let resolver = ResolverChain::new()
        .with(Arc::new(admin.resolver()))
        .with(Arc::new(users))
        .with(Arc::new(TemporaryCredentials));
    let store = ampbase_store::Store::open(dir.path().join("sandboxes/test/data.sqlite")).unwrap();
    let service = StorageService::open_local(&storage_dir, store, Arc::new(resolver))
        .await
        .unwrap();
    let names: BTreeMap<String, String> = [(
        "media".to_string(),
        "amplify-app-test-media-1a2b3c".to_string(),
    )]
    .into();
    service
        .apply(StorageConfig::from_definitions(&[definition()], &names).unwrap())
        .await
        .unwrap();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = {
        let service = service.clone();
        tokio::spawn(async move {
            service
                .serve(listener, async {
                    let _ = stop_rx.await;
                })
                .await
        })
    };

    let output = tokio::process::Command::new(&python)
        .arg(script_dir.join("test_s3.py"))
        .env("S3_ENDPOINT", format!("http://localhost:{port}"))
        .env("S3_BUCKET", &names["media"])
        .env("ADMIN_KEY", &admin.access_key_id)
        .env("ADMIN_SECRET", admin.secret_access_key())
        .output()
        .await
        .unwrap();
    let _ = stop_tx.send(());
    let _ = server.await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "boto3 script failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("ALL OK"), "{stdout}\n{stderr}");

    // The triggers queued S3-shaped events.
    let events = service.pending_events(10_000).await.unwrap();
    let names: Vec<String> = events
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e.event["Records"][0]["eventName"].as_str().unwrap(),
                e.event["Records"][0]["s3"]["object"]["key"]
                    .as_str()
                    .unwrap()
            )
        })
        .collect();
    assert!(
        names.contains(&"ObjectCreated:Put hello.txt".to_string()),
        "{names:?}"
    );
    assert!(
        names.contains(&"ObjectCreated:CompleteMultipartUpload big%2Fdata.bin".to_string())
            || names
                .iter()
                .any(|n| n.starts_with("ObjectCreated:CompleteMultipartUpload big/")),
        "{names:?}"
    );
    assert!(
        names.iter().any(|n| n.starts_with("ObjectCreated:Copy ")),
        "{names:?}"
    );
    assert!(
        names.iter().any(|n| n.starts_with("ObjectRemoved:Delete ")),
        "{names:?}"
    );
    let first = &events[0];
    assert_eq!(first.storage, "media");
    assert!(["onUploadFn", "onDeleteFn"].contains(&first.function.as_str()));
    assert!(service.ack(&first.id).await.unwrap());
    assert_eq!(
        service.pending_events(10_000).await.unwrap().len(),
        events.len() - 1
    );

    // Nothing leaked: every blob on disk belongs to an object or a live part.
    assert_eq!(service.collect_garbage().await.unwrap(), 0);
}
