//! Sandbox secrets (`ampx sandbox secret ...`), encrypted at rest.
//!
//! Each sandbox identifier has its own file under the app's state folder, holding
//! AES-256-GCM ciphertexts. The key lives outside the project (in the user's config
//! folder, mode 0600), so a copied or committed `.amplify/` folder reveals nothing.
//! The secret's name and the identifier are bound in as associated data: a ciphertext
//! moved to another name or sandbox does not decrypt.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};

/// Secret names as Amplify accepts them (SSM parameter name characters).
fn validate_name(name: &str) -> Result<()> {
    let valid = !name.is_empty()
        && name.len() <= 512
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
    if !valid {
        bail!("invalid secret name '{name}': use letters, digits, '_', '.' and '-' only");
    }
    Ok(())
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct SecretFile {
    secrets: BTreeMap<String, StoredSecret>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredSecret {
    nonce: String,
    ciphertext: String,
    /// Seconds since the epoch; shown by `list`.
    last_updated: u64,
    version: u32,
}

/// One secret, decrypted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    pub name: String,
    pub value: String,
    pub version: u32,
    pub last_updated: u64,
}

pub struct SecretStore {
    file: PathBuf,
    key_file: PathBuf,
    identifier: String,
}

impl SecretStore {
    /// The store of one sandbox: `<state_dir>/secrets/<identifier>.json`.
    pub fn new(state_dir: &Path, identifier: &str, key_file: PathBuf) -> Self {
        Self {
            file: state_dir.join("secrets").join(format!("{identifier}.json")),
            key_file,
            identifier: identifier.to_string(),
        }
    }

    /// The key file's default place: `$AMPBASE_SECRETS_KEY_FILE`, else the user's config folder.
    pub fn default_key_file() -> PathBuf {
        if let Some(path) = std::env::var_os("AMPBASE_SECRETS_KEY_FILE") {
            return PathBuf::from(path);
        }
        let config = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
            .unwrap_or_else(|| PathBuf::from("."));
        config.join("ampbase").join("secrets.key")
    }

    pub fn set(&self, name: &str, value: &str) -> Result<Secret> {
        validate_name(name)?;
        let key = self.key(true)?;
        let mut file = self.read()?;
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new().fill(&mut nonce).map_err(|_| anyhow!("no system randomness"))?;
        let mut sealed = value.as_bytes().to_vec();
        key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(self.associated_data(name)),
            &mut sealed,
        )
        .map_err(|_| anyhow!("encryption failed"))?;
        let version = file.secrets.get(name).map_or(1, |s| s.version + 1);
        let last_updated = now();
        file.secrets.insert(
            name.to_string(),
            StoredSecret { nonce: B64.encode(nonce), ciphertext: B64.encode(sealed), last_updated, version },
        );
        self.write(&file)?;
        Ok(Secret { name: name.into(), value: value.into(), version, last_updated })
    }

    pub fn get(&self, name: &str) -> Result<Option<Secret>> {
        let file = self.read()?;
        let Some(stored) = file.secrets.get(name) else { return Ok(None) };
        let key = self.key(false)?;
        let nonce: [u8; NONCE_LEN] = B64
            .decode(&stored.nonce)
            .ok()
            .and_then(|n| n.try_into().ok())
            .ok_or_else(|| anyhow!("secret '{name}' is corrupt"))?;
        let mut sealed = B64.decode(&stored.ciphertext).map_err(|_| anyhow!("secret '{name}' is corrupt"))?;
        let plain = key
            .open_in_place(Nonce::assume_unique_for_key(nonce), Aad::from(self.associated_data(name)), &mut sealed)
            .map_err(|_| {
                anyhow!(
                    "secret '{name}' cannot be decrypted with the key in {} (was it set on another machine?); set it again",
                    self.key_file.display()
                )
            })?;
        let value = String::from_utf8(plain.to_vec()).map_err(|_| anyhow!("secret '{name}' is corrupt"))?;
        Ok(Some(Secret { name: name.into(), value, version: stored.version, last_updated: stored.last_updated }))
    }

    /// Names with their versions; values stay encrypted.
    pub fn list(&self) -> Result<Vec<(String, u32, u64)>> {
        Ok(self.read()?.secrets.iter().map(|(n, s)| (n.clone(), s.version, s.last_updated)).collect())
    }

    pub fn remove(&self, name: &str) -> Result<bool> {
        let mut file = self.read()?;
        let removed = file.secrets.remove(name).is_some();
        if removed {
            self.write(&file)?;
        }
        Ok(removed)
    }

    pub fn delete_all(&self) -> Result<()> {
        match fs::remove_file(&self.file) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }

    fn associated_data(&self, name: &str) -> Vec<u8> {
        format!("ampbase-secret\0{}\0{name}", self.identifier).into_bytes()
    }

    fn read(&self) -> Result<SecretFile> {
        match fs::read_to_string(&self.file) {
            Ok(text) => serde_json::from_str(&text).with_context(|| format!("{} is corrupt", self.file.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(SecretFile::default()),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", self.file.display())),
        }
    }

    fn write(&self, file: &SecretFile) -> Result<()> {
        write_private(&self.file, serde_json::to_string_pretty(file)?.as_bytes())
    }

    fn key(&self, create: bool) -> Result<LessSafeKey> {
        let bytes = match fs::read(&self.key_file) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
                let mut key = [0u8; 32];
                SystemRandom::new().fill(&mut key).map_err(|_| anyhow!("no system randomness"))?;
                write_private(&self.key_file, &key)?;
                key.to_vec()
            }
            Err(e) => {
                return Err(e).with_context(|| format!("cannot read the secrets key {}", self.key_file.display()));
            }
        };
        let unbound = UnboundKey::new(&AES_256_GCM, &bytes)
            .map_err(|_| anyhow!("the secrets key {} is not a 32-byte key", self.key_file.display()))?;
        Ok(LessSafeKey::new(unbound))
    }
}

/// Writes a file readable by its owner only, atomically (write, then rename).
fn write_private(path: &Path, contents: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let tmp = path.with_extension("tmp");
    {
        use std::io::Write;
        let mut options = fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut f = options.open(&tmp).with_context(|| format!("cannot write {}", tmp.display()))?;
        f.write_all(contents)?;
        f.sync_all()?;
    }
    fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// `sup3rs3cret` → `sup*******`: enough to recognise, not to use.
pub fn mask(value: &str) -> String {
    let shown: String = value.chars().take(if value.chars().count() > 8 { 3 } else { 0 }).collect();
    format!("{shown}{}", "*".repeat(value.chars().count().saturating_sub(shown.chars().count()).max(4)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(dir: &Path, id: &str) -> SecretStore {
        SecretStore::new(&dir.join("state"), id, dir.join("key"))
    }

    #[test]
    fn set_get_list_remove_and_encrypted_at_rest() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path(), "alice");
        assert_eq!(s.get("API_KEY").unwrap(), None);
        s.set("API_KEY", "sup3rs3cret-value").unwrap();
        let again = s.set("API_KEY", "sup3rs3cret-value2").unwrap();
        assert_eq!(again.version, 2);
        assert_eq!(s.get("API_KEY").unwrap().unwrap().value, "sup3rs3cret-value2");
        let on_disk = fs::read_to_string(dir.path().join("state/secrets/alice.json")).unwrap();
        assert!(!on_disk.contains("sup3rs3cret"));
        assert_eq!(s.list().unwrap().len(), 1);
        assert!(s.remove("API_KEY").unwrap());
        assert!(!s.remove("API_KEY").unwrap());
        assert!(s.list().unwrap().is_empty());
    }

    #[test]
    fn sandboxes_are_separate_and_ciphertexts_are_bound_to_their_name() {
        let dir = tempfile::tempdir().unwrap();
        let alice = store(dir.path(), "alice");
        alice.set("A", "one").unwrap();
        alice.set("B", "two").unwrap();
        assert_eq!(store(dir.path(), "bob").get("A").unwrap(), None);
        // Swap the ciphertexts of A and B: neither decrypts.
        let path = dir.path().join("state/secrets/alice.json");
        let mut file: serde_json::Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        let a = file["secrets"]["A"].clone();
        file["secrets"]["A"] = file["secrets"]["B"].clone();
        file["secrets"]["B"] = a;
        fs::write(&path, file.to_string()).unwrap();
        assert!(alice.get("A").is_err());
    }

    #[test]
    fn rejects_bad_names_and_masks_values() {
        let dir = tempfile::tempdir().unwrap();
        assert!(store(dir.path(), "x").set("bad name", "v").is_err());
        assert_eq!(mask("abc"), "****");
        assert_eq!(mask("sup3rs3cret"), "sup********");
    }
}
