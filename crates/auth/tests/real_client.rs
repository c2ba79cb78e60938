//! The official `aws-amplify` client (tests/node, pinned by its package-lock.json) against the
//! user pool served on a real socket. Needs Node.js and `npm ci` in tests/node (the test runs
//! it when node_modules is missing). Without Node the test is skipped with a notice, unless
//! `AMPBASE_REQUIRE_NODE_TESTS=1`, which makes a missing Node a failure (CI sets it).

mod common;

use std::path::PathBuf;
use std::process::Command;

fn node_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/node")
}

fn node_ready() -> Result<(), String> {
    let ok = |c: &mut Command| c.output().map(|o| o.status.success()).unwrap_or(false);
    if !ok(Command::new("node").arg("--version")) {
        return Err("node is not installed".into());
    }
    if !node_dir().join("node_modules/aws-amplify").exists() {
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(node_dir())
            .status()
            .map_err(|e| format!("npm ci: {e}"))?;
        if !status.success() {
            return Err("npm ci failed".into());
        }
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_aws_amplify_client_runs_the_account_lifecycle() {
    if let Err(why) = node_ready() {
        if std::env::var("AMPBASE_REQUIRE_NODE_TESTS").is_ok_and(|v| v == "1") {
            panic!("real-client test cannot run: {why}");
        }
        eprintln!("SKIPPED real-client test: {why}");
        return;
    }
    let pool = common::pool().await;
    let pool_id = pool.config().user_pool_id.clone();
    pool.admin_create_user(
        &pool_id,
        ampbase_auth::NewUser {
            username: "invited@example.com".into(),
            attributes: vec![("email_verified".into(), "true".into())],
            temporary_password: Some("Temp0rary!pw".into()),
            message_action: Some("SUPPRESS".into()),
        },
    )
    .await
    .unwrap();
    pool.admin_add_user_to_group(&pool_id, "invited@example.com", "ADMINS")
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let identity = common::identity_pool(&pool, true).await;
    let app = ampbase_auth::router_with(
        pool.clone(),
        ampbase_auth::RouterOptions {
            identity_pool: Some(identity),
            ..Default::default()
        },
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let out = tokio::process::Command::new("node")
        .arg("real-client.mjs")
        .current_dir(node_dir())
        .env("ENDPOINT", format!("http://{addr}/"))
        .env("POOL_ID", &pool.config().user_pool_id)
        .env("CLIENT_ID", &pool.config().client_id)
        .env("IDENTITY_POOL_ID", common::identity_pool_id())
        .env("ADMIN_USER", "invited@example.com")
        .env("ADMIN_TEMP_PASSWORD", "Temp0rary!pw")
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stdout}");
    assert!(
        out.status.success() && stdout.contains("real-client: OK"),
        "real client failed\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
}
