//! definition → compiled backend → outputs: the steps every command shares.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use ampbase_backend::CompiledBackend;
use ampbase_loader::LoadOptions;
use ampbase_outputs::amplify_outputs::{self, OutputsContext, OutputsFormat, OutputsVersion};

use crate::project::Project;
use crate::{OutputsArgs, OutputsFormatArg};

/// The region written everywhere; the ids carry it and the client reads it from them.
const REGION: &str = "us-east-1";

/// Loads `amplify/backend.ts` and compiles what it declares.
pub fn build(project: &Project) -> Result<CompiledBackend> {
    Ok(ampbase_backend::build(&project.root, &LoadOptions::default())?)
}

/// Writes the client config; returns the file written.
pub fn write_outputs(project: &Project, build: &CompiledBackend, args: &OutputsArgs, out_dir: Option<&Path>) -> Result<PathBuf> {
    let version = match args.outputs_version.as_deref() {
        None => OutputsVersion::Local,
        Some(v) => v.parse::<OutputsVersion>().map_err(|e| anyhow!("--outputs-version: {e}"))?,
    };
    let format = match args.outputs_format {
        OutputsFormatArg::Json => OutputsFormat::Json,
        OutputsFormatArg::Dart => OutputsFormat::Dart,
    };
    let ctx = outputs_context(project, &build.definition)?;
    let data = build.data.as_ref().map(|api| api.outputs(&ctx.api_key));
    let rendered = amplify_outputs::render(&build.definition, data.as_ref(), &ctx, version, format)?;
    let dir = out_dir
        .map(Path::to_path_buf)
        .or_else(|| args.outputs_out_dir.clone())
        .unwrap_or_else(|| std::env::current_dir().unwrap_or_else(|_| project.root.clone()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join(&rendered.file_name);
    write_atomic(&path, rendered.contents.as_bytes())?;
    Ok(path)
}

/// Identifiers and endpoints of this sandbox, stable across restarts.
pub fn outputs_context(project: &Project, def: &ampbase_definition::BackendDefinition) -> Result<OutputsContext> {
    let mut ctx = OutputsContext::for_definition(&project.app_name(), &project.identifier, REGION, def);
    ctx.base_url = format!("http://localhost:{}", project.port);
    ctx.s3_endpoint = format!("http://localhost:{}", project.storage_port);
    ctx.api_key = api_key(project)?.key;
    ctx.storage_local_endpoint_fix = crate::client_fix::fix_installed(&project.root);
    Ok(ctx)
}

/// The sandbox's API key: random, made once, kept with the sandbox's state, and replaced
/// when it has expired (`apiKeyAuthorizationMode.expiresInDays` from its creation).
pub fn api_key(project: &Project) -> Result<ApiKey> {
    let path = project.sandbox_dir().join("api-key.json");
    if let Some(key) = std::fs::read_to_string(&path).ok().and_then(|t| serde_json::from_str::<ApiKey>(&t).ok()) {
        return Ok(key);
    }
    use aws_lc_rs::rand::{SecureRandom, SystemRandom};
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = [0u8; 26];
    SystemRandom::new().fill(&mut bytes).map_err(|_| anyhow!("no system randomness"))?;
    let key = format!("da2-{}", bytes.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect::<String>());
    let created_at = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
    let api_key = ApiKey { key, created_at };
    std::fs::create_dir_all(project.sandbox_dir())?;
    write_atomic(&path, serde_json::to_string(&api_key)?.as_bytes())?;
    Ok(api_key)
}

/// The API key and when it was made (seconds since the epoch).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKey {
    pub key: String,
    pub created_at: u64,
}

impl ApiKey {
    /// When the key stops working, for an API whose keys last `days`.
    pub fn expires_at(&self, days: u32) -> std::time::SystemTime {
        std::time::UNIX_EPOCH + std::time::Duration::from_secs(self.created_at + u64::from(days) * 86_400)
    }

    /// Makes a new key when this one has expired.
    pub fn renew_if_expired(self, project: &Project, days: u32) -> Result<ApiKey> {
        if self.expires_at(days) > std::time::SystemTime::now() {
            return Ok(self);
        }
        let _ = std::fs::remove_file(project.sandbox_dir().join("api-key.json"));
        api_key(project)
    }
}

pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    let tmp = path.with_extension(format!("{}.tmp", std::process::id()));
    std::fs::write(&tmp, contents).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// `--exclude` paths and glob patterns, plus what is never part of a definition.
pub struct Excludes {
    root: PathBuf,
    globs: globset::GlobSet,
}

impl Excludes {
    pub fn new(root: &Path, patterns: &[String]) -> Result<Self> {
        let mut builder = globset::GlobSetBuilder::new();
        for pattern in patterns {
            let pattern = pattern.trim_end_matches('/');
            let glob = |p: &str| globset::Glob::new(p).with_context(|| format!("--exclude: invalid pattern '{p}'"));
            builder.add(glob(pattern)?);
            // A directory excludes everything below it.
            builder.add(glob(&format!("{pattern}/**"))?);
        }
        Ok(Self { root: root.to_path_buf(), globs: builder.build()? })
    }

    pub fn is_excluded(&self, path: &Path) -> bool {
        let relative = path.strip_prefix(&self.root).unwrap_or(path);
        if relative.components().any(|c| {
            let c = c.as_os_str().to_string_lossy();
            c == "node_modules" || c == ".git"
        }) {
            return true;
        }
        self.globs.is_match(relative) || self.globs.is_match(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excludes_globs_directories_and_node_modules() {
        let root = Path::new("/app");
        let ex = Excludes::new(root, &["amplify/scratch".into(), "**/*.test.ts".into()]).unwrap();
        assert!(ex.is_excluded(Path::new("/app/amplify/scratch/a.ts")));
        assert!(ex.is_excluded(Path::new("/app/amplify/data/x.test.ts")));
        assert!(ex.is_excluded(Path::new("/app/amplify/node_modules/x/index.js")));
        assert!(!ex.is_excluded(Path::new("/app/amplify/data/resource.ts")));
    }
}
