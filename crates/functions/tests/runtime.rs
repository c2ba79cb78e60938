//! The runtime with real `node` workers behind the Lambda Runtime API.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ampbase_core::functions::{FunctionErrorKind, FunctionInvoker};
use ampbase_definition::BackendDefinition;
use ampbase_functions::{BuildContext, FunctionRuntime, LogLine, RuntimeOptions, build_functions};
use serde_json::{Value, json};

const HANDLERS: &[(&str, &str)] = &[
    (
        "amplify/functions/warm/handler.ts",
        "import { env } from '$amplify/env/warm';\n\
         import { double } from './math';\n\
         let invocations: number = 0;\n\
         export const handler = async (event: { n: number }, context: any) => {\n\
           invocations += 1;\n\
           console.log('serving', event.n);\n\
           return { pid: process.pid, invocations, doubled: double(event.n), greeting: env.GREETING, token: env.TOKEN,\n\
             fn: context.functionName, requestId: context.awsRequestId, remaining: context.getRemainingTimeInMillis(),\n\
             arn: context.invokedFunctionArn, region: process.env.AWS_REGION, trace: process.env._X_AMZN_TRACE_ID };\n\
         };\n",
    ),
    (
        "amplify/functions/warm/math.ts",
        "export const double = (n: number): number => n * 2;\n",
    ),
    (
        "amplify/functions/callback/handler.js",
        "export const handler = (event, context, callback) => {\n\
           setTimeout(() => callback(null, { echoed: event, waits: context.callbackWaitsForEmptyEventLoop }), 5);\n\
         };\n",
    ),
    (
        "amplify/functions/fails/handler.ts",
        "class ValidationError extends Error { name = 'ValidationError'; }\n\
         export const handler = async (event: { kind: string }) => {\n\
           if (event.kind === 'throw') throw new ValidationError('the name is not allowed');\n\
           if (event.kind === 'crash') process.exit(3);\n\
           if (event.kind === 'hang') await new Promise((r) => setTimeout(r, 60_000));\n\
           if (event.kind === 'slow') await new Promise((r) => setTimeout(r, 300));\n\
           if (event.kind === 'big') return 'x'.repeat(7 * 1024 * 1024);\n\
           return { pid: process.pid };\n\
         };\n",
    ),
    (
        "amplify/functions/broken/handler.ts",
        "throw new Error('cannot start');\nexport const handler = async () => 1;\n",
    ),
];

fn definition() -> BackendDefinition {
    serde_json::from_value(json!({
        "version": 1,
        "functions": [
            { "name": "warm", "entry": "amplify/functions/warm/handler.ts",
              "environment": { "GREETING": "hello", "TOKEN": { "secret": "TOKEN" } } },
            { "name": "callback", "entry": "amplify/functions/callback/handler.js" },
            { "name": "fails", "entry": "amplify/functions/fails/handler.ts", "timeoutSeconds": 1 },
            { "name": "broken", "entry": "amplify/functions/broken/handler.ts" },
        ],
    }))
    .unwrap()
}

type Lines = Arc<Mutex<Vec<(String, Option<String>, String)>>>;

fn start(root: &Path, max_concurrency: usize) -> (FunctionRuntime, Lines) {
    for (path, text) in HANDLERS {
        let file = root.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    }
    let secrets = |name: &str| (name == "TOKEN").then(|| "from-the-secret-store".to_string());
    let ctx = BuildContext {
        app_root: root,
        region: "eu-west-1",
        graphql_endpoint: None,
        bucket_names: BTreeMap::new(),
        secrets: &secrets,
    };
    let built = build_functions(&definition(), &ctx).unwrap();
    let lines: Lines = Arc::default();
    let sink = lines.clone();
    let mut options = RuntimeOptions::new(root.join(".amplify/ampbase/functions/_runtime"));
    options.region = "eu-west-1".into();
    options.max_concurrency = max_concurrency;
    options.logs = Arc::new(move |l: &LogLine<'_>| {
        sink.lock().unwrap().push((
            l.function.to_string(),
            l.request_id.map(str::to_string),
            l.line.to_string(),
        ))
    });
    let runtime = FunctionRuntime::new(options).unwrap();
    runtime.deploy(built.functions);
    (runtime, lines)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_warm_worker_serves_successive_invocations_with_lambdas_context_and_environment() {
    let dir = tempfile::tempdir().unwrap();
    let (runtime, lines) = start(dir.path(), 4);
    let first = runtime.invoke("warm", &json!({ "n": 21 })).await.unwrap();
    let second = runtime.invoke("warm", &json!({ "n": 2 })).await.unwrap();
    assert_eq!(first["doubled"], 42);
    assert_eq!(
        first["pid"], second["pid"],
        "the second invocation reuses the warm process"
    );
    assert_eq!(
        (
            first["invocations"].as_u64(),
            second["invocations"].as_u64()
        ),
        (Some(1), Some(2))
    );
    assert_eq!(first["greeting"], "hello");
    assert_eq!(first["token"], "from-the-secret-store");
    assert_eq!(first["fn"], "warm");
    assert_eq!(first["region"], "eu-west-1");
    assert_eq!(
        first["arn"],
        "arn:aws:lambda:eu-west-1:000000000000:function:warm"
    );
    assert!(first["trace"].as_str().unwrap().starts_with("Root=1-"));
    let remaining = first["remaining"].as_u64().unwrap();
    assert!(
        remaining > 2_000 && remaining <= 13_000,
        "remaining {remaining}"
    );
    assert_ne!(first["requestId"], second["requestId"]);
    assert_eq!(runtime.idle_workers("warm"), 1);
    // The handler's console.log, attributed to its invocation.
    let logged = lines.lock().unwrap().clone();
    let served = logged
        .iter()
        .find(|(f, _, l)| f == "warm" && l.ends_with("INFO\tserving 21"))
        .expect("log line");
    assert_eq!(served.1.as_deref(), first["requestId"].as_str());
    runtime.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_callback_form_answers_through_its_callback() {
    let dir = tempfile::tempdir().unwrap();
    let (runtime, _) = start(dir.path(), 4);
    let out = runtime
        .invoke("callback", &json!({ "a": [1, 2] }))
        .await
        .unwrap();
    assert_eq!(out, json!({ "echoed": { "a": [1, 2] }, "waits": true }));
    // Through the trait every service uses.
    let invoker: &dyn FunctionInvoker = &runtime;
    assert_eq!(
        invoker.invoke("callback", json!(7)).await.unwrap()["echoed"],
        7
    );
    assert_eq!(
        invoker.invoke("nope", json!(7)).await.unwrap_err().kind,
        FunctionErrorKind::NotFound
    );
    runtime.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thrown_error_comes_back_as_lambdas_error_with_the_typescript_stack() {
    let dir = tempfile::tempdir().unwrap();
    let (runtime, _) = start(dir.path(), 4);
    let ok = runtime
        .invoke("fails", &json!({ "kind": "none" }))
        .await
        .unwrap();
    let error = runtime
        .invoke("fails", &json!({ "kind": "throw" }))
        .await
        .unwrap_err();
    assert_eq!(error.kind, FunctionErrorKind::Handled);
    assert_eq!(error.error_type, "ValidationError");
    assert_eq!(error.error_message, "the name is not allowed");
    let stack = error.stack_trace.join("\n");
    assert!(
        stack.contains("amplify/functions/fails/handler.ts:3:"),
        "source-mapped stack: {stack}"
    );
    // Lambda's payload limit.
    let big = runtime.invoke("fails", &json!({ "kind": "big" })).await.unwrap_err();
    assert_eq!(big.error_type, "Function.ResponseSizeTooLarge");
    // A handled error keeps the worker.
    let again = runtime
        .invoke("fails", &json!({ "kind": "none" }))
        .await
        .unwrap();
    assert_eq!(ok["pid"], again["pid"]);
    runtime.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_out_invocation_kills_its_worker_and_the_next_gets_a_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let (runtime, lines) = start(dir.path(), 4);
    let before = runtime
        .invoke("fails", &json!({ "kind": "none" }))
        .await
        .unwrap();
    let started = Instant::now();
    let error = runtime
        .invoke("fails", &json!({ "kind": "hang" }))
        .await
        .unwrap_err();
    let took = started.elapsed();
    assert_eq!(error.kind, FunctionErrorKind::Timeout);
    assert_eq!(error.error_type, "Sandbox.Timedout");
    assert!(
        error
            .error_message
            .ends_with("Task timed out after 1.00 seconds"),
        "{}",
        error.error_message
    );
    assert!(
        took >= Duration::from_millis(950) && took < Duration::from_secs(3),
        "took {took:?}"
    );
    let pid = before["pid"].as_u64().unwrap() as i32;
    // The process is gone (signal 0 probes).
    let mut gone = false;
    for _ in 0..50 {
        if !Path::new(&format!("/proc/{pid}")).exists() {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(gone, "the timed-out worker {pid} was killed");
    let after = runtime
        .invoke("fails", &json!({ "kind": "none" }))
        .await
        .unwrap();
    assert_ne!(before["pid"], after["pid"]);
    assert!(
        lines
            .lock()
            .unwrap()
            .iter()
            .any(|(_, _, l)| l.ends_with("Task timed out after 1.00 seconds"))
    );
    runtime.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_worker_fails_its_invocation_and_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let (runtime, _) = start(dir.path(), 4);
    let before = runtime
        .invoke("fails", &json!({ "kind": "none" }))
        .await
        .unwrap();
    let error = runtime
        .invoke("fails", &json!({ "kind": "crash" }))
        .await
        .unwrap_err();
    assert_eq!(error.kind, FunctionErrorKind::Runtime);
    assert_eq!(error.error_type, "Runtime.ExitError");
    assert!(
        error
            .error_message
            .contains("Runtime exited with error: exit status: 3"),
        "{}",
        error.error_message
    );
    let after = runtime
        .invoke("fails", &json!({ "kind": "none" }))
        .await
        .unwrap();
    assert_ne!(before["pid"], after["pid"]);
    runtime.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_module_that_fails_to_import_reports_the_init_error_every_time() {
    let dir = tempfile::tempdir().unwrap();
    let (runtime, _) = start(dir.path(), 4);
    for _ in 0..2 {
        let error = runtime.invoke("broken", &json!({})).await.unwrap_err();
        assert_eq!(error.error_type, "Runtime.ImportModuleError");
        assert!(
            error.error_message.contains("cannot start"),
            "{}",
            error.error_message
        );
    }
    runtime.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_invocations_share_a_bounded_pool() {
    let dir = tempfile::tempdir().unwrap();
    let (runtime, _) = start(dir.path(), 2);
    let started = Instant::now();
    let calls: Vec<_> = (0..6)
        .map(|_| {
            let runtime = runtime.clone();
            tokio::spawn(async move {
                runtime
                    .invoke("fails", &json!({ "kind": "slow" }))
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut pids = std::collections::BTreeSet::new();
    for call in calls {
        let out: Value = call.await.unwrap();
        pids.insert(out["pid"].as_u64().unwrap());
    }
    // Six 300 ms handlers on two workers: three rounds, never more than two processes.
    assert_eq!(pids.len(), 2, "{pids:?}");
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(runtime.idle_workers("fails"), 2);
    runtime.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redeploying_a_changed_function_replaces_its_workers_and_keeps_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let (runtime, _) = start(root, 4);
    let warm = runtime.invoke("warm", &json!({ "n": 1 })).await.unwrap();
    let callback = runtime.invoke("callback", &json!(1)).await.unwrap();
    assert_eq!(callback["echoed"], 1);
    std::fs::write(
        root.join("amplify/functions/warm/math.ts"),
        "export const double = (n: number): number => n * 20;\n",
    )
    .unwrap();
    let secrets = |_: &str| None;
    let ctx = BuildContext {
        app_root: root,
        region: "eu-west-1",
        graphql_endpoint: None,
        bucket_names: BTreeMap::new(),
        secrets: &secrets,
    };
    let mut definition = definition();
    definition.functions.retain(|f| f.name != "broken");
    let built = build_functions(&definition, &ctx).unwrap();
    let callback_workers = runtime.idle_worker_ids("callback");
    runtime.deploy(built.functions);
    assert_eq!(
        runtime.idle_worker_ids("callback"),
        callback_workers,
        "an unchanged function keeps its workers"
    );
    assert_eq!(runtime.idle_workers("warm"), 0);
    let reloaded = runtime.invoke("warm", &json!({ "n": 1 })).await.unwrap();
    assert_eq!(reloaded["doubled"], 20);
    assert_ne!(reloaded["pid"], warm["pid"]);
    assert!(runtime.invoke("broken", &json!({})).await.is_err());
    assert_eq!(runtime.functions(), vec!["callback", "fails", "warm"]);
    runtime.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runtime_other_than_the_installed_node_is_warned_about_once() {
    let dir = tempfile::tempdir().unwrap();
    let (runtime, _) = start(dir.path(), 1);
    let installed = String::from_utf8(
        std::process::Command::new("node")
            .arg("--version")
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let major: u32 = installed
        .trim()
        .trim_start_matches('v')
        .split('.')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let secrets = |_: &str| None;
    let ctx = BuildContext {
        app_root: dir.path(),
        region: "eu-west-1",
        graphql_endpoint: None,
        bucket_names: BTreeMap::new(),
        secrets: &secrets,
    };
    let mut definition = definition();
    definition.functions.retain(|f| f.name == "callback");
    definition.functions[0].runtime = Some(major + 2);
    let built = build_functions(&definition, &ctx).unwrap();
    let warnings = runtime.deploy(built.functions.clone());
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains(&format!("runtime {} requested", major + 2)),
        "{warnings:?}"
    );
    assert!(runtime.deploy(built.functions).is_empty(), "said once");
    // It still runs, on the installed Node.js.
    assert_eq!(
        runtime.invoke("callback", &json!(1)).await.unwrap()["echoed"],
        1
    );
    runtime.shutdown();
}
