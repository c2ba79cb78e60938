//! Where an app and its sandbox state live.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

/// An Amplify app on disk, and the sandbox of one identifier.
#[derive(Debug, Clone)]
pub struct Project {
    /// The app's root: where `amplify/` and `amplify_outputs.json` are.
    pub root: PathBuf,
    /// The folder watched for changes (`--dir-to-watch`, default `amplify`).
    pub watch_dir: PathBuf,
    pub identifier: String,
    /// The main listener's port (GraphQL, Cognito); written into the outputs.
    pub port: u16,
    /// The S3 listener's port; written into the outputs.
    pub storage_port: u16,
}

/// The main listener's default port, as the client's local defaults expect.
pub const DEFAULT_PORT: u16 = 20002;

/// The S3 listener's default port: the one the client's local-testing switch targets.
pub const DEFAULT_STORAGE_PORT: u16 = 20005;

impl Project {
    pub fn open(root: &Path, identifier: Option<String>, dir_to_watch: Option<&Path>) -> Result<Self> {
        let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        let identifier = match identifier {
            Some(id) => validate_identifier(id)?,
            None => default_identifier(),
        };
        let watch_dir = dir_to_watch.map_or_else(|| root.join("amplify"), |d| root.join(d));
        Ok(Self { root, watch_dir, identifier, port: DEFAULT_PORT, storage_port: DEFAULT_STORAGE_PORT })
    }

    /// The app's name, as ampx takes it: `package.json`'s name, else the folder's.
    pub fn app_name(&self) -> String {
        std::fs::read_to_string(self.root.join("package.json"))
            .ok()
            .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
            .and_then(|pkg| pkg["name"].as_str().map(str::to_string))
            .unwrap_or_else(|| {
                self.root.file_name().map_or("app".into(), |n| n.to_string_lossy().into_owned())
            })
    }

    /// State kept between runs: `.amplify/ampbase/` (git-ignored, as `.amplify/` is).
    pub fn state_dir(&self) -> PathBuf {
        self.root.join(".amplify").join("ampbase")
    }

    /// The sandbox's database.
    pub fn database(&self) -> PathBuf {
        self.sandbox_dir().join("data.db")
    }

    /// State of this sandbox only (data, keys): deleted by `sandbox delete`.
    pub fn sandbox_dir(&self) -> PathBuf {
        self.state_dir().join("sandboxes").join(&self.identifier)
    }
}

/// ampx's default: the name of the user running the sandbox.
fn default_identifier() -> String {
    let name: String = whoami::username()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(15)
        .collect();
    if name.is_empty() { "sandbox".into() } else { name }
}

/// ampx accepts 1–15 letters, digits and dashes.
fn validate_identifier(id: String) -> Result<String> {
    let ok = (1..=15).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !ok {
        bail!("invalid sandbox identifier '{id}': use 1 to 15 letters, digits or dashes");
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_follow_ampx_rules() {
        assert!(validate_identifier("alice-1".into()).is_ok());
        assert!(validate_identifier("".into()).is_err());
        assert!(validate_identifier("a".repeat(16)).is_err());
        assert!(validate_identifier("a b".into()).is_err());
        assert!(!default_identifier().is_empty());
    }
}
