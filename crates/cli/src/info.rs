//! `ampbase info`: what a bug report needs, as `ampx info` prints it.

use std::process::{Command, ExitCode};

use anyhow::Result;

fn first_line(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.lines().next().map(str::trim).map(str::to_string))
        .unwrap_or_else(|| "Not Found".into())
}

fn memory() -> String {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            let kb = |key: &str| -> Option<u64> {
                m.lines().find(|l| l.starts_with(key))?.split_whitespace().nth(1)?.parse().ok()
            };
            Some(format!("{:.2} GB / {:.2} GB", kb("MemAvailable:")? as f64 / 1048576.0, kb("MemTotal:")? as f64 / 1048576.0))
        })
        .unwrap_or_else(|| "unknown".into())
}

/// Version of an npm package installed in the app, if any.
fn package_version(name: &str) -> String {
    std::fs::read_to_string(format!("node_modules/{name}/package.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|p| p["version"].as_str().map(str::to_string))
        .unwrap_or_else(|| "Not Found".into())
}

pub fn run() -> Result<ExitCode> {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("System:");
    println!("  OS: {} {}", std::env::consts::OS, first_line("uname", &["-r"]));
    println!("  CPU: ({cpus}) {}", std::env::consts::ARCH);
    println!("  Memory: {}", memory());
    println!("  Shell: {}", std::env::var("SHELL").unwrap_or_else(|_| "unknown".into()));
    println!("Binaries:");
    println!("  ampbase: {}", env!("CARGO_PKG_VERSION"));
    println!("  Node: {}", first_line("node", &["--version"]).trim_start_matches('v'));
    println!("  npm: {}", first_line("npm", &["--version"]));
    println!("NPM Packages:");
    for package in ["aws-amplify", "@aws-amplify/backend", "@aws-amplify/backend-cli", "@aws-amplify/ui-react", "typescript"] {
        println!("  {package}: {}", package_version(package));
    }
    let aws: Vec<(String, String)> = std::env::vars().filter(|(k, _)| k.starts_with("AWS_")).collect();
    if aws.is_empty() {
        println!("No AWS environment variables");
    } else {
        println!("AWS environment variables:");
        for (key, value) in aws {
            // Credentials are named, never shown.
            let shown = if key.contains("SECRET") || key.contains("TOKEN") || key.contains("KEY_ID") { "<hidden>".into() } else { value };
            println!("  {key} = {shown}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
