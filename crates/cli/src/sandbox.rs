//! `ampbase sandbox`: build the backend, write the outputs, rebuild on every save.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use notify::{RecursiveMode, Watcher};

use ampbase_backend::CompiledBackend as Build;

use crate::pipeline;
use crate::project::Project;
use ampbase_server::{Server, ServerConfig};
use crate::secrets::{self, SecretStore};
use crate::{IdentityArgs, SandboxArgs, SecretCommand};

/// Quiet time after the last file event before rebuilding: editors save in several writes.
const SETTLE: Duration = Duration::from_millis(15);

enum Event {
    Changed(Vec<PathBuf>),
    Interrupted,
}

/// The services of a running sandbox.
struct Serving {
    runtime: tokio::runtime::Runtime,
    server: Server,
}

pub fn run(args: &SandboxArgs) -> Result<ExitCode> {
    let cwd = std::env::current_dir()?;
    let mut project = Project::open(&cwd, args.identity.identifier.clone(), args.dir_to_watch.as_deref())?;
    project.port = args.port;
    project.storage_port = args.storage_port;
    let excludes = pipeline::Excludes::new(&project.root, &args.exclude)?;
    let started = Instant::now();
    if args.once {
        let outcome = rebuild(&project, args, None, started, None);
        return Ok(if outcome.is_some() { ExitCode::SUCCESS } else { ExitCode::FAILURE });
    }
    let serving = start_serving(&project)?;
    serving.server.functions().set_logs(function_logs(args)?);
    let mut last_good = rebuild(&project, args, None, started, Some(&serving));

    let (tx, rx) = mpsc::channel::<Event>();
    let watch_tx = tx.clone();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event {
            if !matches!(event.kind, notify::EventKind::Access(_)) {
                let _ = watch_tx.send(Event::Changed(event.paths));
            }
        }
    })?;
    if !project.watch_dir.is_dir() {
        bail!("{} does not exist: nothing to watch", project.watch_dir.display());
    }
    watcher.watch(&project.watch_dir, RecursiveMode::Recursive)?;
    let interrupt_tx = tx.clone();
    ctrlc::set_handler(move || {
        let _ = interrupt_tx.send(Event::Interrupted);
    })?;
    println!("[sandbox] watching {} for changes (Ctrl+C to stop)", display_relative(&project.root, &project.watch_dir));

    loop {
        match rx.recv() {
            Ok(Event::Interrupted) | Err(_) => break,
            Ok(Event::Changed(paths)) => {
                let mut changed: Vec<PathBuf> = paths;
                // Gather the rest of this save before rebuilding.
                let mut interrupted = false;
                loop {
                    match rx.recv_timeout(SETTLE) {
                        Ok(Event::Changed(more)) => changed.extend(more),
                        Ok(Event::Interrupted) => {
                            interrupted = true;
                            break;
                        }
                        Err(_) => break,
                    }
                }
                if interrupted {
                    break;
                }
                changed.retain(|p| !excludes.is_excluded(p));
                if changed.is_empty() {
                    continue;
                }
                let started = Instant::now();
                if let Some(build) = rebuild(&project, args, Some(&changed), started, Some(&serving)) {
                    last_good = Some(build);
                } else if last_good.is_some() {
                    println!("[sandbox] keeping the last working backend");
                }
            }
        }
    }
    drop(watcher);
    let Serving { runtime, server } = serving;
    runtime.block_on(server.stop());
    shutdown(&project, args.yes)?;
    Ok(ExitCode::SUCCESS)
}

fn start_serving(project: &Project) -> Result<Serving> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let store = ampbase_store::Store::open(project.database())
        .with_context(|| format!("cannot open the sandbox database {}", project.database().display()))?;
    let config = ServerConfig { port: project.port, storage_port: project.storage_port, ..ServerConfig::new(project.sandbox_dir()) };
    let server = runtime
        .block_on(Server::start(&config, store))
        .context("is another sandbox running? (choose other ports with --port and --storage-port)")?;
    println!(
        "[sandbox] serving GraphQL on http://localhost:{}/graphql, S3 on http://localhost:{}",
        server.addr().port(),
        server.storage_addr().port()
    );
    Ok(Serving { runtime, server })
}

/// Where function logs go: nowhere unless `--stream-function-logs` (as with ampx); lines
/// `[function] …` on stdout or appended to `--logs-out-file`, for the functions whose name
/// matches one of the `--logs-filter` patterns (all when none).
fn function_logs(args: &SandboxArgs) -> Result<ampbase_functions::LogSink> {
    if !args.stream_function_logs {
        return Ok(std::sync::Arc::new(|_: &ampbase_functions::LogLine<'_>| {}));
    }
    let filters = args
        .logs_filter
        .iter()
        .map(|pattern| regex::Regex::new(pattern).with_context(|| format!("--logs-filter {pattern}")))
        .collect::<Result<Vec<_>>>()?;
    let file = match &args.logs_out_file {
        None => None,
        Some(path) => Some(std::sync::Mutex::new(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .with_context(|| format!("cannot open {}", path.display()))?,
        )),
    };
    Ok(std::sync::Arc::new(move |line: &ampbase_functions::LogLine<'_>| {
        if !filters.is_empty() && !filters.iter().any(|f| f.is_match(line.function)) {
            return;
        }
        let text = format!("[{}] {}\n", line.function, line.line);
        match &file {
            Some(file) => {
                let _ = file.lock().unwrap().write_all(text.as_bytes());
            }
            None => {
                let mut out = std::io::stdout().lock();
                let _ = out.write_all(text.as_bytes());
                let _ = out.flush();
            }
        }
    }))
}

/// Puts a compiled backend in service.
fn install(project: &Project, build: &Build, serving: &Serving) -> Result<()> {
    let days = build.data.as_ref().and_then(|d| d.authorization.api_key.as_ref()).map_or(7, |k| k.expires_in_days);
    let key = pipeline::api_key(project)?.renew_if_expired(project, days)?;
    let credential = ampbase_appsync::ApiKeyCredential { expires_at: Some(key.expires_at(days)), key: key.key };
    let ids = pipeline::outputs_context(project, &build.definition)?;
    deploy_functions(project, build, &ids, serving)?;
    serving.runtime.block_on(serving.server.install(build, credential, &ids))?;
    Ok(())
}

/// Builds the functions (handlers transpiled, secrets resolved) and replaces the changed ones.
fn deploy_functions(project: &Project, build: &Build, ids: &ampbase_outputs::amplify_outputs::OutputsContext, serving: &Serving) -> Result<()> {
    let store = secret_store(project);
    let secrets = |name: &str| store.get(name).ok().flatten().map(|s| s.value);
    let ctx = ampbase_functions::BuildContext {
        app_root: &project.root,
        region: &ids.region,
        graphql_endpoint: build.data.as_ref().map(|_| format!("{}{}", ids.base_url, ids.graphql_path)),
        bucket_names: ids.bucket_names.clone(),
        secrets: &secrets,
    };
    let built = ampbase_functions::build_functions(&build.definition, &ctx).map_err(|e| anyhow::anyhow!("function: {e}"))?;
    let mut warnings = built.warnings;
    warnings.extend(serving.server.functions().deploy(built.functions));
    for warning in warnings {
        println!("[sandbox] warning: {warning}");
    }
    Ok(())
}

/// Builds, serves and writes the outputs; prints one status line either way.
fn rebuild(
    project: &Project,
    args: &SandboxArgs,
    changed: Option<&[PathBuf]>,
    started: Instant,
    serving: Option<&Serving>,
) -> Option<Build> {
    if let Some(changed) = changed {
        let names: Vec<String> = changed.iter().map(|p| display_relative(&project.root, p)).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
        println!("[sandbox] change in {}", names.join(", "));
    }
    match pipeline::build(project).and_then(|build| {
        if let Some(serving) = serving {
            install(project, &build, serving)?;
        }
        let written = pipeline::write_outputs(project, &build, &args.outputs, None)?;
        Ok((build, written))
    }) {
        Ok((build, written)) => {
            for warning in &build.definition.warnings {
                println!("[sandbox] warning: {warning}");
            }
            storage_client_note(project, &build);
            println!(
                "[sandbox] ✔ {} ready in {} ms; {} written",
                build.summary(),
                started.elapsed().as_millis(),
                display_relative(&std::env::current_dir().unwrap_or_default(), &written)
            );
            let _ = std::io::stdout().flush();
            Some(build)
        }
        Err(error) => {
            println!("[sandbox] ✘ the backend could not be built:\n{error:#}");
            let _ = std::io::stdout().flush();
            None
        }
    }
}

/// With storage defined, says whether the app's aws-amplify can reach the local S3 endpoint.
fn storage_client_note(project: &Project, build: &Build) {
    use crate::client_fix::{self, FixState};
    if build.definition.storage.is_empty() {
        return;
    }
    for package in client_fix::installed_packages(&project.root) {
        if client_fix::state_of(&package) == FixState::Needed {
            let version = client_fix::package_version(&package).unwrap_or_default();
            println!(
                "[sandbox] note: @aws-amplify/storage {version} cannot reach a local S3 endpoint (an upstream bug); \
                 run `ampbase client-fix` in {} (or apply patches/ with patch-package), then restart the sandbox",
                project.root.display()
            );
        }
    }
}

/// On exit, ask as ampx does whether to delete the sandbox; without a terminal, keep it.
fn shutdown(project: &Project, yes: bool) -> Result<()> {
    let interactive = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    if yes || !interactive {
        println!("[sandbox] stopped; the sandbox's data is kept");
        return Ok(());
    }
    print!("\n? Would you like to delete all the resources in your sandbox environment (This can't be undone)? (y/N) ");
    std::io::stdout().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if matches!(answer.trim(), "y" | "Y" | "yes") {
        delete_state(project)?;
        println!("[sandbox] sandbox deleted");
    } else {
        println!("[sandbox] stopped; the sandbox's data is kept");
    }
    Ok(())
}

pub fn delete(identity: &IdentityArgs, yes: bool) -> Result<ExitCode> {
    let project = Project::open(&std::env::current_dir()?, identity.identifier.clone(), None)?;
    if !yes {
        if !std::io::stdin().is_terminal() {
            bail!("refusing to delete without confirmation: pass --yes");
        }
        print!("? Are you sure you want to delete all the resources in your sandbox environment '{}' (This can't be undone)? (y/N) ", project.identifier);
        std::io::stdout().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            println!("Nothing deleted.");
            return Ok(ExitCode::SUCCESS);
        }
    }
    delete_state(&project)?;
    println!("[sandbox] deleted sandbox '{}' of {}", project.identifier, project.app_name());
    Ok(ExitCode::SUCCESS)
}

fn delete_state(project: &Project) -> Result<()> {
    let dir = project.sandbox_dir();
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("cannot delete {}", dir.display()))?;
    }
    secret_store(project).delete_all()
}

pub fn secret_store(project: &Project) -> SecretStore {
    SecretStore::new(&project.state_dir(), &project.identifier, SecretStore::default_key_file())
}

pub fn secret(identity: &IdentityArgs, command: SecretCommand) -> Result<ExitCode> {
    let project = Project::open(&std::env::current_dir()?, identity.identifier.clone(), None)?;
    let store = secret_store(&project);
    match command {
        SecretCommand::Set { name } => {
            let value = read_secret_value(&name)?;
            let secret = store.set(&name, &value)?;
            println!("Successfully created version {} of secret {}", secret.version, secret.name);
        }
        SecretCommand::Get { name, reveal } => match store.get(&name)? {
            Some(secret) => {
                let value = if reveal { secret.value.clone() } else { secrets::mask(&secret.value) };
                println!("name: {}\nversion: {}\nvalue: {}\nlastUpdated: {}", secret.name, secret.version, value, secret.last_updated);
            }
            None => bail!("secret {name} does not exist in sandbox '{}'", project.identifier),
        },
        SecretCommand::List => {
            let list = store.list()?;
            if list.is_empty() {
                println!("No secrets found");
            }
            for (name, _, _) in list {
                println!(" - {name}");
            }
        }
        SecretCommand::Remove { name } => {
            if !store.remove(&name)? {
                bail!("secret {name} does not exist in sandbox '{}'", project.identifier);
            }
            println!("Successfully removed secret {name}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The value comes from standard input, so it never lands in shell history or `ps`.
fn read_secret_value(name: &str) -> Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        print!("? Enter secret value for {name}: ");
        std::io::stdout().flush()?;
    }
    let mut value = String::new();
    stdin.lock().read_line(&mut value)?;
    let value = value.trim_end_matches(['\n', '\r']).to_string();
    if value.is_empty() {
        bail!("no value given for secret {name}");
    }
    Ok(value)
}

pub fn display_relative(base: &Path, path: &Path) -> String {
    path.strip_prefix(base).unwrap_or(path).display().to_string()
}
