//! The compiled backend: a loaded definition with everything derived from it.
//!
//! This is the middle of the one-way flow, definition → compiled backend → services. It is
//! built whole from an `amplify/` folder, and a reload replaces it whole; services only read it.

use std::fmt;
use std::path::{Path, PathBuf};

use ampbase_data_compiler::{AuthMode, AuthorizationConfig, CompileError, CompileInput, CompiledData};
use ampbase_definition::BackendDefinition;
use ampbase_loader::{LoadError, LoadOptions, LoadedBackend};
use ampbase_outputs::amplify_outputs::{AuthType, CompiledDataOutputs};

pub use ampbase_loader::BACKEND_ENTRY;

/// A backend, loaded and compiled.
#[derive(Debug, Clone)]
pub struct CompiledBackend {
    pub definition: BackendDefinition,
    /// The app's files the definition was read from (what a reload watches).
    pub files: Vec<PathBuf>,
    pub data: Option<CompiledApi>,
}

/// The compiled GraphQL API, and the authorization modes it was compiled for.
#[derive(Debug, Clone)]
pub struct CompiledApi {
    pub compiled: CompiledData,
    pub authorization: AuthorizationConfig,
}

impl std::ops::Deref for CompiledApi {
    type Target = CompiledData;
    fn deref(&self) -> &CompiledData {
        &self.compiled
    }
}

/// Why a backend could not be built.
#[derive(Debug)]
pub enum BuildError {
    Load(LoadError),
    /// The data schema is invalid; `file` is where `defineData` is, when known.
    Data { file: Option<String>, error: CompileError },
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::Load(e) => e.fmt(f),
            BuildError::Data { file: Some(file), error } => write!(f, "{file}: data schema: {error}"),
            BuildError::Data { file: None, error } => write!(f, "data schema: {error}"),
        }
    }
}

impl std::error::Error for BuildError {}

impl From<LoadError> for BuildError {
    fn from(e: LoadError) -> Self {
        BuildError::Load(e)
    }
}

/// Loads `<app_root>/amplify/backend.ts` and compiles it.
pub fn build(app_root: &Path, options: &LoadOptions) -> Result<CompiledBackend, BuildError> {
    compile(ampbase_loader::load_backend(app_root, options)?)
}

/// Compiles a loaded definition.
pub fn compile(loaded: LoadedBackend) -> Result<CompiledBackend, BuildError> {
    let data = compile_data(&loaded.definition)?;
    Ok(CompiledBackend { definition: loaded.definition, files: loaded.files, data })
}

/// Compiles the data part of a definition, with the authorization modes `defineData` and
/// `defineAuth` imply.
pub fn compile_data(def: &BackendDefinition) -> Result<Option<CompiledApi>, BuildError> {
    let Some(data) = &def.data else { return Ok(None) };
    let file = data.other.get("definedIn").and_then(|v| v.as_str()).map(str::to_string);
    let fail = |error| BuildError::Data { file: file.clone(), error };
    let modes = data.authorization_modes.clone().unwrap_or(serde_json::Value::Null);
    let authorization = AuthorizationConfig::from_define_data_json(&modes, def.auth.is_some()).map_err(fail)?;
    let input = CompileInput {
        sdl: data.schema_sdl.clone(),
        authorization: authorization.clone(),
        function_names: data.function_names.clone(),
    };
    let compiled = ampbase_data_compiler::compile(&input).map_err(fail)?;
    Ok(Some(CompiledApi { compiled, authorization }))
}

impl CompiledBackend {
    /// `data (12 models), auth, storage (2 buckets), 3 functions`.
    pub fn summary(&self) -> String {
        let def = &self.definition;
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        let mut parts = Vec::new();
        if let Some(data) = &self.data {
            let models = data.model_introspection["models"].as_object().map_or(0, |m| m.len());
            parts.push(format!("data ({})", plural(models, "model")));
        }
        if def.auth.is_some() {
            parts.push("auth".into());
        }
        if !def.storage.is_empty() {
            parts.push(format!("storage ({})", plural(def.storage.len(), "bucket")));
        }
        if !def.functions.is_empty() {
            parts.push(plural(def.functions.len(), "function"));
        }
        if parts.is_empty() { "an empty backend".into() } else { parts.join(", ") }
    }
}

impl CompiledApi {
    /// What the outputs file says about this API.
    pub fn outputs(&self, api_key: &str) -> CompiledDataOutputs {
        let auth = &self.authorization;
        CompiledDataOutputs {
            model_introspection: self.model_introspection.clone(),
            default_authorization_type: auth_type(auth.default_mode),
            additional_authorization_types: auth.additional_modes().into_iter().map(auth_type).collect(),
            api_key: auth.api_key.as_ref().map(|_| api_key.to_string()),
        }
    }
}

fn auth_type(mode: AuthMode) -> AuthType {
    match mode {
        AuthMode::ApiKey => AuthType::ApiKey,
        AuthMode::UserPool => AuthType::UserPool,
        AuthMode::Iam => AuthType::Iam,
        AuthMode::Oidc => AuthType::Oidc,
        AuthMode::Lambda => AuthType::Lambda,
    }
}
