//! The `ampbase` binary as a user runs it: sandbox on the bundled examples, outputs in every
//! format, errors with locations, reloads on save, secrets, delete, generate, info.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let name = entry.file_name();
        if name == "node_modules" || name == ".amplify" || name.to_string_lossy().starts_with("amplify_outputs") {
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

/// A copy of a bundled example, with its own secrets key.
struct App {
    dir: tempfile::TempDir,
}

impl App {
    fn example(name: &str) -> App {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&repo().join("examples").join(name), &dir.path().join("app"));
        App { dir }
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("app")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ampbase"));
        cmd.args(args)
            .current_dir(self.root())
            .env("AMPBASE_SECRETS_KEY_FILE", self.dir.path().join("secrets.key"))
            .stdin(Stdio::null());
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    fn run_ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(out.status.success(), "ampbase {args:?} failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
        stdout
    }

    fn read_json(&self, file: &str) -> Value {
        serde_json::from_str(&std::fs::read_to_string(self.root().join(file)).unwrap()).unwrap()
    }

    fn write(&self, file: &str, contents: &str) {
        std::fs::write(self.root().join(file), contents).unwrap();
    }

    fn read(&self, file: &str) -> String {
        std::fs::read_to_string(self.root().join(file)).unwrap()
    }
}

fn fixture(name: &str, file: &str) -> Value {
    let path = repo().join("conformance/fixtures").join(name).join(file);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn sandbox_on_each_example_writes_the_model_introspection_of_the_official_transformer() {
    for (example, schema) in [("todo", "01-todo-public-api-key"), ("blog", "02-blog-relations-indexes")] {
        let app = App::example(example);
        let stdout = app.run_ok(&["sandbox", "--once"]);
        assert!(stdout.contains("✔"), "{stdout}");
        let outputs = app.read_json("amplify_outputs.json");
        assert_eq!(outputs["version"], "0-local");
        assert_eq!(
            outputs["API"]["GraphQL"]["modelIntrospection"],
            fixture(schema, "model-introspection.json"),
            "{example}: model introspection differs from the oracle's"
        );
        // The form that reaches local endpoints with the unmodified client.
        assert_eq!(outputs["API"]["GraphQL"]["endpoint"], "HTTP://localhost:20002/graphql");
        assert_eq!(outputs["Auth"]["Cognito"]["userPoolEndpoint"], "http://localhost:20002/");
        assert_eq!(outputs["Auth"]["Cognito"]["identityPoolEndpoint"], "http://localhost:20002/");
        let pool = outputs["Auth"]["Cognito"]["userPoolId"].as_str().unwrap();
        assert!(pool.starts_with("us-east-1_"), "{pool}");
        assert!(outputs["Auth"]["Cognito"]["identityPoolId"].as_str().unwrap().starts_with("us-east-1:"));
        assert!(outputs["API"]["GraphQL"]["apiKey"].as_str().unwrap().starts_with("da2-"));
        // Ids and keys survive a restart.
        app.run_ok(&["sandbox", "--once"]);
        let again = app.read_json("amplify_outputs.json");
        assert_eq!(again["Auth"], outputs["Auth"]);
        assert_eq!(again["API"]["GraphQL"]["apiKey"], outputs["API"]["GraphQL"]["apiKey"]);
    }
}

#[test]
fn outputs_versions_and_formats() {
    let app = App::example("blog");
    app.run_ok(&["sandbox", "--once", "--outputs-version", "1"]);
    let v1 = app.read_json("amplify_outputs.json");
    assert_eq!(v1["version"], "1");
    assert_eq!(v1["data"]["url"], "http://localhost:20002/graphql");
    assert_eq!(v1["data"]["default_authorization_type"], "API_KEY");
    assert_eq!(v1["data"]["model_introspection"], fixture("02-blog-relations-indexes", "model-introspection.json"));
    assert!(v1["auth"]["user_pool_id"].is_string());
    assert!(v1["storage"]["bucket_name"].is_string());
    assert_eq!(v1["custom"]["blogTitle"], "The ampbase blog");

    app.run_ok(&["sandbox", "--once", "--outputs-version", "0"]);
    let v0 = app.read_json("amplifyconfiguration.json");
    assert_eq!(v0["aws_appsync_authenticationType"], "API_KEY");
    assert!(v0["aws_user_pools_id"].is_string());

    app.run_ok(&["sandbox", "--once", "--outputs-format", "dart", "--outputs-out-dir", "lib"]);
    let dart = app.read("lib/amplify_outputs.dart");
    assert!(dart.starts_with("const amplifyConfig = r'''{"), "{dart}");

    app.run_ok(&["generate", "outputs", "--out-dir", "gen", "--outputs-version", "1.4"]);
    assert_eq!(app.read_json("gen/amplify_outputs.json")["version"], "1.4");

    let bad = app.run(&["sandbox", "--once", "--outputs-version", "7"]);
    assert!(!bad.status.success());
}

#[test]
fn a_broken_definition_is_reported_with_its_location_and_fails_once() {
    let app = App::example("todo");
    app.write("amplify/data/resource.ts", "import { a, defineData } from '@aws-amplify/backend';\nconst schema = a.schema({\n  Todo: a.model({ content: a.strng() }),\n});\nexport const data = defineData({ schema });\n");
    let out = app.run(&["sandbox", "--once"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    assert!(stdout.contains("amplify/data/resource.ts:3:"), "{stdout}");
    assert!(stdout.contains("strng"), "{stdout}");
    assert!(!app.root().join("amplify_outputs.json").exists());
}

#[test]
fn unsupported_cdk_code_warns_with_its_location_and_the_rest_runs() {
    let app = App::example("todo");
    let backend = app.read("amplify/backend.ts").replace(
        "defineBackend({",
        "import { Duration } from 'aws-cdk-lib';\nconst backend = defineBackend({",
    ) + "backend.auth.resources.cfnResources.cfnUserPool.userPoolAddOns = { advancedSecurityMode: 'ENFORCED' };\nexport const ttl = Duration.days(1);\n";
    app.write("amplify/backend.ts", &backend);
    let stdout = app.run_ok(&["sandbox", "--once"]);
    assert!(stdout.contains("warning: amplify/backend.ts:"), "{stdout}");
    assert!(stdout.contains("aws-cdk-lib"), "{stdout}");
    assert!(stdout.contains("cfnUserPool"), "{stdout}");
    assert!(app.root().join("amplify_outputs.json").exists());
}

/// A running sandbox, with its stdout lines delivered as they come.
struct Sandbox {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Sandbox {
    fn start(app: &App) -> Sandbox {
        let mut child = app.command(&["sandbox", "--identifier", "watcher"]).stdout(Stdio::piped()).spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Sandbox { child, lines, seen: Vec::new() }
    }

    /// Waits for a line containing `needle`; returns it.
    fn wait_for(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(_) => break,
            }
        }
        panic!("no line with {needle:?}; the sandbox printed:\n{}", self.seen.join("\n"));
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_sandbox_rebuilds_on_save_and_keeps_the_last_good_backend_on_errors() {
    let app = App::example("todo");
    let mut sandbox = Sandbox::start(&app);
    sandbox.wait_for("watching");
    let resource = app.read("amplify/data/resource.ts");

    app.write("amplify/data/resource.ts", &resource.replace("content: a.string(),", "content: a.string(),\n      done: a.boolean(),"));
    sandbox.wait_for("✔");
    let fields = &app.read_json("amplify_outputs.json")["API"]["GraphQL"]["modelIntrospection"]["models"]["Todo"]["fields"];
    assert!(fields.get("done").is_some(), "the new field is in the outputs");

    app.write("amplify/data/resource.ts", &resource.replace("a.string()", "a.string("));
    let failure = sandbox.wait_for("✘");
    assert!(failure.contains("could not be built"));
    sandbox.wait_for("amplify/data/resource.ts:");
    sandbox.wait_for("keeping the last working backend");
    let still = &app.read_json("amplify_outputs.json")["API"]["GraphQL"]["modelIntrospection"]["models"]["Todo"]["fields"];
    assert!(still.get("done").is_some(), "the outputs of the last good build stay");

    app.write("amplify/data/resource.ts", &resource);
    sandbox.wait_for("✔");
    let fields = &app.read_json("amplify_outputs.json")["API"]["GraphQL"]["modelIntrospection"]["models"]["Todo"]["fields"];
    assert!(fields.get("done").is_none());
}

#[test]
fn secrets_are_per_sandbox_encrypted_and_masked() {
    let app = App::example("todo");
    let set = |id: &str, name: &str, value: &str| {
        let mut child = app.command(&["sandbox", "secret", "set", name, "--identifier", id]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
        child.stdin.take().unwrap().write_all(format!("{value}\n").as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    set("alice", "API_TOKEN", "tok-0123456789-secret");
    let masked = app.run_ok(&["sandbox", "secret", "get", "API_TOKEN", "--identifier", "alice"]);
    assert!(masked.contains("name: API_TOKEN"), "{masked}");
    assert!(!masked.contains("0123456789"), "masked by default: {masked}");
    let revealed = app.run_ok(&["sandbox", "secret", "get", "API_TOKEN", "--identifier", "alice", "--reveal"]);
    assert!(revealed.contains("tok-0123456789-secret"));
    assert!(app.run_ok(&["sandbox", "secret", "list", "--identifier", "alice"]).contains("API_TOKEN"));
    assert!(!app.run(&["sandbox", "secret", "get", "API_TOKEN", "--identifier", "bob"]).status.success(), "another sandbox does not see it");

    // Nothing under the app holds the value in clear.
    let mut stack = vec![app.root().join(".amplify")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            if entry.file_type().unwrap().is_dir() {
                stack.push(entry.path());
            } else {
                assert!(!std::fs::read_to_string(entry.path()).unwrap_or_default().contains("0123456789"));
            }
        }
    }

    app.run_ok(&["sandbox", "secret", "remove", "API_TOKEN", "--identifier", "alice"]);
    assert!(app.run_ok(&["sandbox", "secret", "list", "--identifier", "alice"]).contains("No secrets"));
}

#[test]
fn sandbox_delete_removes_the_sandbox_state() {
    let app = App::example("todo");
    app.run_ok(&["sandbox", "--once", "--identifier", "gone"]);
    let state = app.root().join(".amplify/ampbase/sandboxes/gone");
    assert!(state.exists());
    let refused = app.run(&["sandbox", "delete", "--identifier", "gone"]);
    assert!(!refused.status.success(), "without a terminal, delete needs --yes");
    app.run_ok(&["sandbox", "delete", "--yes", "--identifier", "gone"]);
    assert!(!state.exists());
}

/// `--type-target typescript` writes `API.ts` beside typed statements; `--format modelgen`
/// writes the DataStore models, equal to what the official generator writes for the same
/// schema (`crates/outputs/tests/fixtures/modelgen`).
#[test]
fn generate_typescript_types_and_models() {
    let app = App::example("todo");
    app.run_ok(&["generate", "graphql-client-code", "--format", "graphql-codegen", "--statement-target", "typescript", "--type-target", "typescript", "--out", "ts"]);
    let api = app.read("ts/API.ts");
    assert!(api.starts_with("/* tslint:disable */\n/* eslint-disable */\n//  This file was automatically generated and should not be edited.\n"), "{api}");
    assert!(api.contains("export type GetTodoQueryVariables = {\n  id: string,\n};"), "{api}");
    assert!(api.contains("export type ListTodosQuery = {"), "{api}");
    let queries = app.read("ts/queries.ts");
    assert!(queries.contains("import * as APITypes from \"./API\";"), "{queries}");
    assert!(queries.contains("` as GeneratedQuery<APITypes.GetTodoQueryVariables, APITypes.GetTodoQuery>;"), "{queries}");

    app.run_ok(&["generate", "graphql-client-code", "--format", "modelgen", "--model-target", "typescript", "--out", "models"]);
    let expected = Path::new(env!("CARGO_MANIFEST_DIR")).join("../outputs/tests/fixtures/modelgen/01-todo-public-api-key/modelgen-typescript");
    for file in ["index.ts", "schema.ts"] {
        assert_eq!(app.read(&format!("models/{file}")), std::fs::read_to_string(expected.join(file)).unwrap(), "{file}");
    }
    app.run_ok(&["generate", "graphql-client-code", "--format", "modelgen", "--model-target", "javascript", "--out", "jsmodels"]);
    for file in ["index.js", "index.d.ts", "schema.js", "schema.d.ts"] {
        assert!(app.root().join("jsmodels").join(file).is_file(), "{file}");
    }
    let refused = app.run(&["generate", "graphql-client-code", "--format", "modelgen", "--model-target", "dart"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("`dart`"));
}

#[test]
fn generate_graphql_client_code_and_info() {
    let app = App::example("todo");
    app.run_ok(&["generate", "graphql-client-code", "--format", "graphql-codegen", "--statement-target", "graphql", "--out", "gql"]);
    let queries = app.read("gql/queries.graphql");
    assert!(queries.contains("query GetTodo"), "{queries}");
    app.run_ok(&["generate", "graphql-client-code", "--format", "introspection", "--out", "intro"]);
    let intro: Value = serde_json::from_str(&app.read("intro/model-introspection.json")).unwrap();
    assert_eq!(intro, fixture("01-todo-public-api-key", "model-introspection.json"));
    let info = app.run_ok(&["info"]);
    assert!(info.contains("System:") && info.contains("ampbase:"), "{info}");
    for command in [vec!["--help"], vec!["sandbox", "--help"], vec!["sandbox", "secret", "--help"], vec!["generate", "graphql-client-code", "--help"]] {
        assert!(app.run(&command).status.success(), "{command:?}");
    }
}

/// A GraphQL request over a plain socket (the real-client suites in e2e/ use the official client).
fn graphql(port: u16, api_key: &str, query: &str) -> Value {
    use std::io::Read;
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
    let json = response.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {response}"))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[test]
fn data_survives_a_restart_of_the_sandbox() {
    let app = App::example("todo");
    let port = free_port();
    let start = || {
        let mut cmd = app.command(&["sandbox", "--identifier", "keep", "--port", &port.to_string()]);
        let mut child = cmd.stdout(Stdio::piped()).spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut sandbox = Sandbox { child, lines, seen: Vec::new() };
        sandbox.wait_for("watching");
        sandbox
    };
    let sandbox = start();
    let key = app.read_json("amplify_outputs.json")["API"]["GraphQL"]["apiKey"].as_str().unwrap().to_string();
    let created = graphql(port, &key, r#"mutation { createTodo(input: { content: "kept" }) { id } }"#);
    let id = created["data"]["createTodo"]["id"].as_str().unwrap_or_else(|| panic!("{created}")).to_string();
    drop(sandbox);

    let _again = start();
    let key_again = app.read_json("amplify_outputs.json")["API"]["GraphQL"]["apiKey"].as_str().unwrap().to_string();
    assert_eq!(key, key_again, "the API key is kept");
    let read = graphql(port, &key, &format!(r#"{{ getTodo(id: "{id}") {{ content }} }}"#));
    assert_eq!(read["data"]["getTodo"]["content"], "kept", "{read}");
}
