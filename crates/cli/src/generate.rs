//! `ampbase generate outputs` and `ampbase generate graphql-client-code`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, anyhow};
use clap::{Args, ValueEnum};

use crate::pipeline;
use crate::project::Project;
use crate::{OutputsArgs, OutputsFormatArg};

/// Flags ampx needs to find a deployed backend; the local backend is the app itself.
#[derive(Args, Clone)]
pub struct DeploymentArgs {
    /// Accepted for compatibility with ampx; the backend is the app in the current folder.
    #[arg(long, hide = true)]
    stack: Option<String>,
    #[arg(long, hide = true)]
    app_id: Option<String>,
    #[arg(long, hide = true)]
    branch: Option<String>,
    #[arg(long, hide = true)]
    profile: Option<String>,
    /// The sandbox whose ids and keys the generated files use.
    #[arg(long)]
    identifier: Option<String>,
}

#[derive(Args)]
pub struct OutputsCommand {
    #[command(flatten)]
    deployment: DeploymentArgs,
    /// Format of the client config file.
    #[arg(long, value_enum, default_value_t = OutputsFormatArg::Json)]
    format: OutputsFormatArg,
    /// Directory the file is written to (default: the current directory).
    #[arg(long)]
    out_dir: Option<PathBuf>,
    /// 0 (Gen 1 amplifyconfiguration), 1 … 1.4 (Gen 2 spec); default: the local form.
    #[arg(long)]
    outputs_version: Option<String>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientCodeFormat {
    Modelgen,
    GraphqlCodegen,
    Introspection,
}

#[derive(Args)]
pub struct ClientCodeCommand {
    #[command(flatten)]
    deployment: DeploymentArgs,
    /// What to generate.
    #[arg(long, value_enum, default_value_t = ClientCodeFormat::GraphqlCodegen)]
    format: ClientCodeFormat,
    /// Statement language, with --format graphql-codegen.
    #[arg(long, default_value = "javascript")]
    statement_target: String,
    /// Optional type language, with --format graphql-codegen.
    #[arg(long)]
    type_target: Option<String>,
    /// Model language, with --format modelgen.
    #[arg(long, default_value = "javascript")]
    model_target: String,
    /// Depth of nested selections in generated statements.
    #[arg(long, default_value_t = 2)]
    max_depth: u32,
    /// Directory the files are written to (default: the current directory).
    #[arg(long)]
    out: Option<PathBuf>,
}

fn open_project(deployment: &DeploymentArgs) -> Result<Project> {
    if deployment.stack.is_some() || deployment.app_id.is_some() || deployment.branch.is_some() {
        eprintln!("note: --stack/--app-id/--branch name AWS deployments; ampbase uses the app in the current folder");
    }
    Project::open(&std::env::current_dir()?, deployment.identifier.clone(), None)
}

pub fn outputs(cmd: &OutputsCommand) -> Result<ExitCode> {
    let project = open_project(&cmd.deployment)?;
    let build = pipeline::build(&project)?;
    for warning in &build.definition.warnings {
        eprintln!("warning: {warning}");
    }
    let args = OutputsArgs { outputs_out_dir: cmd.out_dir.clone(), outputs_format: cmd.format, outputs_version: cmd.outputs_version.clone() };
    let written = pipeline::write_outputs(&project, &build, &args, None)?;
    println!("File written: {}", written.display());
    Ok(ExitCode::SUCCESS)
}

pub fn client_code(cmd: &ClientCodeCommand) -> Result<ExitCode> {
    use ampbase_outputs::client_code::{self, ClientCodeOptions};
    let project = open_project(&cmd.deployment)?;
    let build = pipeline::build(&project)?;
    let data = build.data.as_ref().ok_or_else(|| anyhow!("the backend defines no data (defineData): there is no GraphQL API to generate code for"))?;
    let options = ClientCodeOptions {
        format: match cmd.format {
            ClientCodeFormat::Modelgen => client_code::ClientCodeFormat::Modelgen,
            ClientCodeFormat::GraphqlCodegen => client_code::ClientCodeFormat::GraphqlCodegen,
            ClientCodeFormat::Introspection => client_code::ClientCodeFormat::Introspection,
        },
        statement_target: cmd.statement_target.parse().map_err(|e| anyhow!("--statement-target: {e}"))?,
        type_target: cmd.type_target.as_deref().map(str::parse).transpose().map_err(|e| anyhow!("--type-target: {e}"))?,
        model_target: cmd.model_target.parse().map_err(|e| anyhow!("--model-target: {e}"))?,
        max_depth: cmd.max_depth,
        ..ClientCodeOptions::default()
    };
    // The model schema modelgen reads: the directive SDL of every schema, as deployed.
    let model_schema = build.definition.data.as_ref().map(|d| d.schema_sdl.join("\n"));
    let files = client_code::generate_client_code(&data.appsync_sdl, model_schema.as_deref(), Some(&data.model_introspection), &options)?;
    let out = cmd.out.clone().unwrap_or(std::env::current_dir()?);
    for file in files {
        let path = out.join(&file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        pipeline::write_atomic(&path, file.contents.as_bytes())?;
        println!("File written: {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}
