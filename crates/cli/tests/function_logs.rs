//! The sandbox's functions as a user runs them: logs streamed to a file for the functions a
//! filter names, and no worker outliving a killed sandbox.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "node_modules"
            || name == ".amplify"
            || name.to_string_lossy().starts_with("amplify_outputs")
        {
            continue;
        }
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to.join(&name));
        } else {
            std::fs::copy(entry.path(), to.join(&name)).unwrap();
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

fn graphql(port: u16, api_key: &str, query: &str) -> Value {
    let body = serde_json::json!({ "query": query }).to_string();
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nx-api-key: {api_key}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let json = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .unwrap_or("");
    serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {response}"))
}

/// Node processes whose command line mentions `root` (the app's workers).
fn workers_of(root: &Path) -> Vec<String> {
    let needle = root.to_string_lossy().to_string();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) {
            let text = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            if text.contains("bootstrap.mjs") && text.contains(&needle) {
                found.push(format!("{}: {text}", entry.file_name().to_string_lossy()));
            }
        }
    }
    found
}

fn wait_until(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if check() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out waiting for {what}");
}

#[test]
fn logs_of_the_filtered_functions_go_to_the_file_and_workers_die_with_the_sandbox() {
    let dir = tempfile::tempdir().unwrap();
    let root: PathBuf = dir.path().join("app");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/functions"),
        &root,
    );
    let log_file = dir.path().join("functions.log");
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ampbase"))
        .args([
            "sandbox",
            "--identifier",
            "logs",
            "--port",
            &port.to_string(),
            "--storage-port",
            &free_port().to_string(),
        ])
        .args([
            "--stream-function-logs",
            "--logs-filter",
            "^notify$",
            "--logs-out-file",
        ])
        .arg(&log_file)
        .current_dir(&root)
        .env("AMPBASE_SECRETS_KEY_FILE", dir.path().join("secrets.key"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, lines) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut seen = Vec::new();
    loop {
        let line = lines
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("no start; printed:\n{}", seen.join("\n")));
        seen.push(line.clone());
        if line.contains("watching") {
            break;
        }
    }
    let outputs: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("amplify_outputs.json")).unwrap())
            .unwrap();
    let key = outputs["API"]["GraphQL"]["apiKey"]
        .as_str()
        .unwrap()
        .to_string();

    let failed = graphql(port, &key, r#"{ failHard(reason: "logged elsewhere") }"#);
    assert_eq!(
        failed["errors"][0]["errorType"], "Lambda:Unhandled",
        "{failed}"
    );
    let notified = graphql(
        port,
        &key,
        r#"mutation { notifyLater(message: "to the file") { success } }"#,
    );
    assert_eq!(
        notified["data"]["notifyLater"]["success"], true,
        "{notified}"
    );
    wait_until("the notify line in the log file", || {
        std::fs::read_to_string(&log_file)
            .unwrap_or_default()
            .contains("notified: to the file")
    });
    let logged = std::fs::read_to_string(&log_file).unwrap();
    assert!(
        logged.lines().all(|l| l.starts_with("[notify] ")),
        "only the filtered function, prefixed:\n{logged}"
    );
    assert!(
        !seen
            .iter()
            .chain(lines.try_iter().collect::<Vec<_>>().iter())
            .any(|l| l.contains("notified:")),
        "not on stdout"
    );
    assert!(
        !workers_of(&root).is_empty(),
        "warm workers run while the sandbox does"
    );

    // SIGKILL: the sandbox cannot stop its workers; they notice their Runtime API is gone.
    child.kill().unwrap();
    child.wait().unwrap();
    wait_until("the workers to exit", || workers_of(&root).is_empty());
}
