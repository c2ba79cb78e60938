//! Cognito's administrator operations through a real AWS SDK: boto3 (pinned in
//! `tests/cognito_admin/requirements.txt`, installed into `tests/cognito_admin/.venv` on first
//! run) signs with the sandbox's administrator credential against `ampbase sandbox` on a copy
//! of `examples/notes`; wrong secrets, expired dates, unknown keys and unsigned calls are
//! refused with Cognito's `__type`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

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

/// The venv's python, created and installed from `requirements.txt` when missing or stale.
fn venv_python(dir: &Path) -> PathBuf {
    let python = dir.join(".venv/bin/python");
    let marker = dir.join(".venv/installed-requirements.txt");
    let requirements = std::fs::read_to_string(dir.join("requirements.txt")).unwrap();
    if python.exists()
        && std::fs::read_to_string(&marker).ok().as_deref() == Some(requirements.as_str())
    {
        return python;
    }
    let created = Command::new("python3")
        .arg("-m")
        .arg("venv")
        .arg(dir.join(".venv"))
        .status()
        .expect("python3 runs");
    assert!(
        created.success(),
        "python3 -m venv failed (Debian: apt-get install python3-venv)"
    );
    let installed = Command::new(&python)
        .args(["-m", "pip", "install", "-q", "-r"])
        .arg(dir.join("requirements.txt"))
        .status()
        .expect("pip runs");
    assert!(
        installed.success(),
        "pip install -r requirements.txt failed"
    );
    std::fs::write(&marker, requirements).unwrap();
    python
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

#[test]
fn boto3_runs_the_admin_operations_with_the_sandbox_credential() {
    let python = venv_python(&repo().join("crates/cli/tests/cognito_admin"));
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("app");
    copy_dir(&repo().join("examples/notes"), &app);
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ampbase"))
        .args([
            "sandbox",
            "--identifier",
            "admin",
            "--port",
            &port.to_string(),
            "--storage-port",
            &free_port().to_string(),
        ])
        .current_dir(&app)
        .env("AMPBASE_SECRETS_KEY_FILE", dir.path().join("secrets.key"))
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
            break;
        }
    }

    let outputs: Value =
        serde_json::from_slice(&std::fs::read(app.join("amplify_outputs.json")).unwrap()).unwrap();
    let credential: Value = serde_json::from_slice(
        &std::fs::read(app.join(".amplify/ampbase/sandboxes/admin/admin-credential.json")).unwrap(),
    )
    .unwrap();
    let output = Command::new(python)
        .arg(repo().join("crates/cli/tests/cognito_admin/test_cognito_admin.py"))
        .env("AMPBASE_ENDPOINT", format!("http://127.0.0.1:{port}"))
        .env(
            "AMPBASE_REGION",
            outputs["API"]["GraphQL"]["region"]
                .as_str()
                .unwrap_or_else(|| panic!("{outputs}")),
        )
        .env(
            "AMPBASE_USER_POOL_ID",
            outputs["Auth"]["Cognito"]["userPoolId"]
                .as_str()
                .unwrap_or_else(|| panic!("{outputs}")),
        )
        .env(
            "AMPBASE_IDENTITY_POOL_ID",
            outputs["Auth"]["Cognito"]["identityPoolId"]
                .as_str()
                .unwrap(),
        )
        .env(
            "AMPBASE_ACCESS_KEY_ID",
            credential["accessKeyId"].as_str().unwrap(),
        )
        .env(
            "AMPBASE_SECRET_ACCESS_KEY",
            credential["secretAccessKey"].as_str().unwrap(),
        )
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "boto3 checks failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("ok: "), "{stdout}");
    eprintln!("{stdout}");
    drop(sandbox);
}
