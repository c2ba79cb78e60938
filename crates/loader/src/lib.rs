//! Loads an Amplify Gen 2 `amplify/` folder into a [`BackendDefinition`].
//!
//! `backend.ts` and everything it imports are stripped of their TypeScript by oxc and
//! evaluated as ES modules in an embedded QuickJS, against ampbase's own runtime of
//! `@aws-amplify/backend` (the `js/` folder, embedded at build time). No Node.js, no
//! `node_modules` and no network are involved. The runtime records what the definition
//! declares; `globalThis.__ampbase.collect()` hands it over as JSON.

mod engine;
mod modules;
mod source;
mod transpile;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use ampbase_definition::{BackendDefinition, DefinitionWarning};
pub use source::Location;

/// Where the definition lives inside an app.
pub const BACKEND_ENTRY: &str = "amplify/backend.ts";

/// Limits for evaluating a definition, which is user code.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Wall-clock budget for evaluation (an endless loop must not hang the sandbox).
    pub timeout: Duration,
    /// Heap limit of the JavaScript engine.
    pub memory_limit_bytes: usize,
    /// Environment visible as `process.env` to the definition.
    pub environment: Vec<(String, String)>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            memory_limit_bytes: 512 << 20,
            environment: std::env::vars().collect(),
        }
    }
}

/// A loaded definition and the files it was read from.
#[derive(Debug, Clone)]
pub struct LoadedBackend {
    pub definition: BackendDefinition,
    /// Every file of the app that was read, absolute.
    pub files: Vec<PathBuf>,
}

/// Loads `<app_root>/amplify/backend.ts`.
pub fn load_backend(app_root: &Path, options: &LoadOptions) -> Result<LoadedBackend, LoadError> {
    let entry = app_root.join(BACKEND_ENTRY);
    if !entry.is_file() {
        return Err(LoadError::NoBackend(app_root.to_path_buf()));
    }
    engine::evaluate(app_root, &format!("import './{BACKEND_ENTRY}';"), options)
}

/// Loads a single data resource module (for example `amplify/data/resource.ts`, or a
/// schema file of the conformance corpus) as if `defineBackend({ data })` named it.
///
/// The export used is the `defineData(...)` result, else `schema` wrapped in
/// `defineData({ schema })`, else the default export.
pub fn load_data_module(
    app_root: &Path,
    module: &str,
    options: &LoadOptions,
) -> Result<LoadedBackend, LoadError> {
    let module = serde_json::to_string(&format!("./{}", module.trim_start_matches("./"))).unwrap();
    let entry = format!(
        "import * as m from {module};\n\
         import {{ defineBackend, defineData }} from '@aws-amplify/backend';\n\
         const isData = (v) => v != null && typeof v === 'object' && globalThis.__ampbase.isDataResource(v);\n\
         const found = Object.values(m).find(isData);\n\
         const schema = m.schema ?? m.default ?? Object.values(m).find((v) => v != null && typeof v.transform === 'function');\n\
         defineBackend({{ data: found ?? defineData({{ schema }}) }});\n"
    );
    engine::evaluate(app_root, &entry, options)
}

/// A TypeScript or JavaScript module made runnable by Node.js: types stripped, nothing
/// down-levelled (for the functions service, which runs handlers on Node.js).
#[derive(Debug, Clone)]
pub struct NodeModule {
    pub code: String,
    /// Source map v3 JSON back to `path` as given.
    pub source_map: Option<String>,
    /// The specifiers of the value imports and re-exports, as written (before any rewrite).
    pub imports: Vec<String>,
}

/// Transpiles one module for Node.js; `rewrite` may replace the specifier of each static
/// import and re-export (`None` keeps it). Syntax errors come back located in `text`.
pub fn transpile_for_node(
    path: &str,
    text: String,
    rewrite: &mut dyn FnMut(&str) -> Option<String>,
) -> Result<NodeModule, Diagnostic> {
    let source = source::SourceText::new(text);
    match transpile::transpile_with(path, &source, Some(rewrite)) {
        Ok(t) => Ok(NodeModule {
            code: t.code,
            source_map: t.map.map(|m| m.to_json_string()),
            imports: t.imports.into_iter().map(|i| i.specifier).collect(),
        }),
        Err(e) => Err(Diagnostic {
            file: path.to_string(),
            location: Some(e.at),
            message: e.message,
            code_line: source.line_text(e.at.line).map(str::to_string),
        }),
    }
}

/// Why a definition could not be loaded.
#[derive(Debug)]
pub enum LoadError {
    /// A problem in the user's code, with its place.
    At(Diagnostic),
    Io { path: String, error: std::io::Error },
    NoBackend(PathBuf),
    /// The definition ran longer than allowed.
    Timeout(Duration),
    /// A fault of ampbase itself, not of the definition.
    Internal(String),
}

/// A message about a place in the user's code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub location: Option<Location>,
    pub message: String,
    /// The line of code the location points at.
    pub code_line: Option<String>,
}

impl LoadError {
    pub(crate) fn at(file: &str, location: Option<Location>, message: String) -> Self {
        LoadError::At(Diagnostic { file: file.to_string(), location, message, code_line: None })
    }

    pub(crate) fn io(path: &str, error: std::io::Error) -> Self {
        LoadError::Io { path: path.to_string(), error }
    }

    pub(crate) fn internal(message: String) -> Self {
        LoadError::Internal(message)
    }

    pub(crate) fn with_code_line(mut self, line: Option<&str>) -> Self {
        if let LoadError::At(d) = &mut self {
            d.code_line = line.map(str::to_string);
        }
        self
    }

    /// The diagnostic, when the error is about a place in the user's code.
    pub fn diagnostic(&self) -> Option<&Diagnostic> {
        match self {
            LoadError::At(d) => Some(d),
            _ => None,
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(at) = self.location {
            write!(f, ":{}:{}", at.line, at.column)?;
        }
        write!(f, ": {}", self.message)?;
        if let (Some(code), Some(at)) = (&self.code_line, self.location) {
            let gutter = at.line.to_string();
            write!(f, "\n {gutter} | {code}\n {} | {}^", " ".repeat(gutter.len()), " ".repeat(at.column.saturating_sub(1) as usize))?;
        }
        Ok(())
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::At(d) => d.fmt(f),
            LoadError::Io { path, error } => write!(f, "cannot read {path}: {error}"),
            LoadError::NoBackend(root) => write!(
                f,
                "no {BACKEND_ENTRY} in {}: run ampbase in the root of an Amplify Gen 2 app (or pass --dir-to-watch)",
                root.display()
            ),
            LoadError::Timeout(limit) => write!(
                f,
                "the definition did not finish within {} s: look for an endless loop or a promise that never settles",
                limit.as_secs()
            ),
            LoadError::Internal(m) => write!(f, "internal error while loading the definition: {m}"),
        }
    }
}

impl std::error::Error for LoadError {}
