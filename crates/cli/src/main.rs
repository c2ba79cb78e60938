//! `ampbase`: the command line, with the `ampx` surface (same commands, same flags).

mod client_fix;
mod generate;
mod info;
mod pipeline;
mod project;
mod sandbox;
mod secrets;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(name = "ampbase", version, about = "Amplify Gen 2 backends, locally and self-hosted, in one binary")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the backend of the app in the current folder and rebuild it on every save.
    Sandbox(SandboxArgs),
    /// Generate files from the backend definition (client config, GraphQL client code).
    Generate {
        #[command(subcommand)]
        command: GenerateCommand,
    },
    /// Print information about this system and the app, for bug reports.
    Info,
    /// Fix (or, with --revert, unfix) the upstream aws-amplify Storage bug that keeps it from
    /// reaching a local S3 endpoint, in the app's node_modules.
    ClientFix {
        /// Put the original code back.
        #[arg(long)]
        revert: bool,
        /// Only say whether the fix is needed or applied.
        #[arg(long)]
        status: bool,
    },
}

#[derive(Args)]
pub struct SandboxArgs {
    #[command(subcommand)]
    command: Option<SandboxCommand>,
    /// Directory to watch for file changes, with all its subdirectories (default: amplify).
    #[arg(long)]
    dir_to_watch: Option<PathBuf>,
    /// Paths or glob patterns to ignore.
    #[arg(long, num_args = 1..)]
    exclude: Vec<String>,
    #[command(flatten)]
    identity: IdentityArgs,
    #[command(flatten)]
    outputs: OutputsArgs,
    /// Port of the main listener (GraphQL, real-time, Cognito).
    #[arg(long, env = "AMPBASE_PORT", default_value_t = project::DEFAULT_PORT)]
    port: u16,
    /// Port of the S3 listener (storage).
    #[arg(long, env = "AMPBASE_STORAGE_PORT", default_value_t = project::DEFAULT_STORAGE_PORT)]
    storage_port: u16,
    /// Build once, write the outputs and exit (serves nothing).
    #[arg(long)]
    once: bool,
    /// Do not ask on exit whether to delete the sandbox's data; keep it.
    #[arg(long, short = 'y')]
    yes: bool,
    /// Accepted for compatibility with ampx; ampbase needs no AWS profile.
    #[arg(long, hide = true)]
    profile: Option<String>,
    /// Stream function execution logs.
    #[arg(long)]
    stream_function_logs: bool,
    /// Regex patterns: stream logs only from functions whose name matches.
    #[arg(long, num_args = 1..)]
    logs_filter: Vec<String>,
    /// File to append the streamed logs to (default: stdout).
    #[arg(long)]
    logs_out_file: Option<PathBuf>,
}

#[derive(Args, Clone)]
pub struct IdentityArgs {
    /// A name to distinguish sandboxes of the same app (default: the system user name).
    #[arg(long, global = true)]
    identifier: Option<String>,
}

#[derive(Args, Clone)]
pub struct OutputsArgs {
    /// Directory the client config file is written to (default: the current directory).
    #[arg(long)]
    outputs_out_dir: Option<PathBuf>,
    /// Format of the client config file.
    #[arg(long, value_enum, default_value_t = OutputsFormatArg::Json)]
    outputs_format: OutputsFormatArg,
    /// Version of the client config: 0 is the Gen 1 amplifyconfiguration, 1 (1.1 … 1.4)
    /// the Gen 2 amplify_outputs spec. Default: the local form, which the unmodified
    /// aws-amplify client reads and which points it at this machine.
    #[arg(long)]
    outputs_version: Option<String>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputsFormatArg {
    Json,
    Dart,
}

#[derive(Subcommand)]
enum SandboxCommand {
    /// Delete the sandbox's data, keys and secrets.
    Delete {
        /// Do not ask for confirmation.
        #[arg(long, short = 'y')]
        yes: bool,
        /// Accepted for compatibility with ampx (the app name comes from package.json).
        #[arg(long)]
        name: Option<String>,
    },
    /// Manage the sandbox's secrets (values are encrypted at rest).
    Secret {
        #[command(subcommand)]
        command: SecretCommand,
    },
}

#[derive(Subcommand)]
enum SecretCommand {
    /// Set a secret; the value is read from standard input (prompted on a terminal).
    Set { name: String },
    /// Show a secret, its value masked unless --reveal is given.
    Get {
        name: String,
        /// Print the value in clear.
        #[arg(long)]
        reveal: bool,
    },
    /// List the secrets' names.
    List,
    /// Remove a secret.
    Remove { name: String },
}

#[derive(Subcommand)]
enum GenerateCommand {
    /// Write the client config (amplify_outputs.json) for the app's backend.
    Outputs(generate::OutputsCommand),
    /// Generate GraphQL statements, types or model introspection for clients.
    GraphqlClientCode(generate::ClientCodeCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Sandbox(args) => match args.command {
            None => sandbox::run(&args),
            Some(SandboxCommand::Delete { yes, name: _ }) => sandbox::delete(&args.identity, yes),
            Some(SandboxCommand::Secret { command }) => sandbox::secret(&args.identity, command),
        },
        Command::Generate { command: GenerateCommand::Outputs(cmd) } => generate::outputs(&cmd),
        Command::Generate { command: GenerateCommand::GraphqlClientCode(cmd) } => generate::client_code(&cmd),
        Command::Info => info::run(),
        Command::ClientFix { revert, status } => client_fix_command(revert, status),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn client_fix_command(revert: bool, status: bool) -> anyhow::Result<ExitCode> {
    let root = std::env::current_dir()?;
    if status {
        let packages = client_fix::installed_packages(&root);
        if packages.is_empty() {
            println!("no @aws-amplify/storage installed under node_modules");
        }
        for package in packages {
            let version = client_fix::package_version(&package).unwrap_or_else(|| "?".into());
            println!("@aws-amplify/storage {version} ({}): {:?}", package.display(), client_fix::state_of(&package));
        }
        return Ok(ExitCode::SUCCESS);
    }
    for line in client_fix::change(&root, revert)? {
        println!("{line}");
    }
    Ok(ExitCode::SUCCESS)
}
