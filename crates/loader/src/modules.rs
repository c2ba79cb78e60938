//! Module resolution and loading for QuickJS: the app's own files (transpiled by oxc),
//! ampbase's embedded runtime of `@aws-amplify/backend`, and stand-ins for packages
//! ampbase cannot serve (CDK), which load with a warning instead of failing.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;

use ampbase_definition::DefinitionWarning;
use rquickjs::loader::{ImportAttributes, Loader, Resolver};
use rquickjs::{Ctx, Error, Module, Result};

use crate::source::{Location, SourceText};
use crate::transpile::{self, ImportUse};
use crate::LoadError;

include!(concat!(env!("OUT_DIR"), "/runtime_files.rs"));

/// Prefix of the embedded runtime's module names.
pub(crate) const RUNTIME_PREFIX: &str = "ampbase:runtime/";
const UNSUPPORTED_PREFIX: &str = "ampbase:unsupported/";
const JSON_PREFIX: &str = "ampbase:json/";

/// Packages whose API the embedded runtime provides.
const SERVED_PACKAGES: &[&str] = &["@aws-amplify/backend", "@aws-amplify/data-schema"];

/// A user module as loaded: what is needed to explain an error raised in it.
pub(crate) struct LoadedModule {
    pub source: SourceText,
    pub map: Option<oxc_sourcemap::SourceMap<'static>>,
}

/// State shared by the resolver, the loader and the engine during one load.
pub(crate) struct ModuleGraph {
    pub app_root: PathBuf,
    pub modules: HashMap<String, LoadedModule>,
    imports: HashMap<String, Vec<ImportUse>>,
    pub warnings: Vec<DefinitionWarning>,
    /// The first error met while resolving or loading; QuickJS only sees a generic failure.
    pub error: Option<LoadError>,
    /// Every file of the app that was read, for watching.
    pub files: Vec<PathBuf>,
}

pub(crate) type SharedGraph = Rc<RefCell<ModuleGraph>>;

impl ModuleGraph {
    pub fn new(app_root: PathBuf) -> SharedGraph {
        Rc::new(RefCell::new(ModuleGraph {
            app_root,
            modules: HashMap::new(),
            imports: HashMap::new(),
            warnings: Vec::new(),
            error: None,
            files: Vec::new(),
        }))
    }

    fn fail<T>(&mut self, error: LoadError, name: &str) -> Result<T> {
        self.error.get_or_insert(error);
        Err(Error::new_loading(name))
    }
}

pub(crate) struct AppResolver(pub SharedGraph);
pub(crate) struct AppLoader(pub SharedGraph);

fn runtime_file(path: &str) -> Option<&'static str> {
    RUNTIME_FILES.iter().find(|(p, _)| *p == path).map(|(_, src)| *src)
}

/// The runtime file that is the package `@aws-amplify/backend` (or `.../data-schema`).
fn runtime_entry(package: &str) -> Option<&'static str> {
    let candidates: &[&str] = match package {
        "@aws-amplify/backend" => &["backend.js", "index.js"],
        "@aws-amplify/data-schema" => &["data-schema.js", "data-schema/index.js"],
        _ => &[],
    };
    candidates.iter().copied().find(|c| runtime_file(c).is_some())
}

/// Joins a relative specifier onto a module's directory, without touching the disk.
fn join_normalized(base_dir: &Path, specifier: &str) -> PathBuf {
    let mut out = PathBuf::new();
    for part in base_dir.join(specifier).components() {
        match part {
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

fn to_module_name(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// Finds the file a relative import means, the way TypeScript's bundler resolution does:
/// `./x.js` may name `./x.ts`, and the extension or `/index` may be left out.
fn find_source(app_root: &Path, wanted: &Path) -> Option<PathBuf> {
    let exists = |p: &Path| app_root.join(p).is_file();
    if exists(wanted) {
        return Some(wanted.to_path_buf());
    }
    let text = to_module_name(wanted);
    for (js, ts) in [(".js", ".ts"), (".mjs", ".mts"), (".cjs", ".cts"), (".jsx", ".tsx")] {
        if let Some(stem) = text.strip_suffix(js) {
            let candidate = PathBuf::from(format!("{stem}{ts}"));
            if exists(&candidate) {
                return Some(candidate);
            }
        }
    }
    for suffix in [".ts", ".tsx", ".mts", ".js", ".mjs", "/index.ts", "/index.js"] {
        let candidate = PathBuf::from(format!("{text}{suffix}"));
        if exists(&candidate) {
            return Some(candidate);
        }
    }
    None
}

impl Resolver for AppResolver {
    fn resolve<'js>(
        &mut self,
        _ctx: &Ctx<'js>,
        base: &str,
        name: &str,
        _attributes: Option<ImportAttributes<'js>>,
    ) -> Result<String> {
        let mut graph = self.0.borrow_mut();
        // Inside the embedded runtime, relative imports stay inside it.
        if let Some(base_path) = base.strip_prefix(RUNTIME_PREFIX) {
            if name.starts_with('.') {
                let dir = Path::new(base_path).parent().unwrap_or(Path::new(""));
                let path = to_module_name(&join_normalized(dir, name));
                if runtime_file(&path).is_some() {
                    return Ok(format!("{RUNTIME_PREFIX}{path}"));
                }
                return graph.fail(LoadError::internal(format!("runtime module {path} is missing")), name);
            }
        }
        if name.starts_with("./") || name.starts_with("../") || name.starts_with('/') {
            let dir = Path::new(base).parent().unwrap_or(Path::new(""));
            let wanted = join_normalized(dir, name);
            return match find_source(&graph.app_root, &wanted) {
                Some(path) if to_module_name(&path).ends_with(".json") => {
                    Ok(format!("{JSON_PREFIX}{}", to_module_name(&path)))
                }
                Some(path) => Ok(to_module_name(&path)),
                None => {
                    let at = import_location(&graph, base, name);
                    graph.fail(
                        LoadError::at(
                            base,
                            at,
                            format!(
                                "cannot find module '{name}' (looked for {} with .ts/.js/index endings)",
                                to_module_name(&wanted)
                            ),
                        ),
                        name,
                    )
                }
            };
        }
        if SERVED_PACKAGES.contains(&name) || name.starts_with("@aws-amplify/backend") {
            return Ok(match runtime_entry(name) {
                Some(entry) => format!("{RUNTIME_PREFIX}{entry}"),
                None => format!("ampbase:package/{name}"),
            });
        }
        // Anything else (aws-cdk-lib, constructs, node: builtins, npm packages) cannot run
        // here: it is replaced by a stand-in and reported where it is imported.
        let at = import_location(&graph, base, name);
        let warning = DefinitionWarning {
            message: format!(
                "'{name}' is not available in ampbase; what the file does with it is ignored and the rest of the definition loads"
            ),
            construct: Some(name.to_string()),
            file: Some(base.to_string()),
            line: at.map(|l| l.line),
            column: at.map(|l| l.column),
        };
        if !graph.warnings.contains(&warning) {
            graph.warnings.push(warning);
        }
        Ok(format!("{UNSUPPORTED_PREFIX}{name}"))
    }
}

fn import_location(graph: &ModuleGraph, base: &str, specifier: &str) -> Option<Location> {
    graph.imports.get(base)?.iter().find(|i| i.specifier == specifier).map(|i| i.at)
}

impl Loader for AppLoader {
    fn load<'js>(
        &mut self,
        ctx: &Ctx<'js>,
        name: &str,
        _attributes: Option<ImportAttributes<'js>>,
    ) -> Result<Module<'js>> {
        if let Some(path) = name.strip_prefix(RUNTIME_PREFIX) {
            let source = runtime_file(path).ok_or_else(|| Error::new_loading(name))?;
            return Module::declare(ctx.clone(), name, source);
        }
        if let Some(package) = name.strip_prefix("ampbase:package/") {
            // A sub-package of @aws-amplify/backend: the same API.
            let code = if package == "@aws-amplify/data-schema" {
                "export { a } from '@aws-amplify/backend';".to_string()
            } else {
                "export * from '@aws-amplify/backend';".to_string()
            };
            return Module::declare(ctx.clone(), name, code);
        }
        if let Some(specifier) = name.strip_prefix(UNSUPPORTED_PREFIX) {
            let code = stand_in_module(&self.0.borrow(), specifier);
            return Module::declare(ctx.clone(), name, code);
        }
        if let Some(path) = name.strip_prefix(JSON_PREFIX) {
            let mut graph = self.0.borrow_mut();
            let file = graph.app_root.join(path);
            let text = match std::fs::read_to_string(&file) {
                Ok(t) => t,
                Err(e) => return graph.fail(LoadError::io(path, e), name),
            };
            if let Err(e) = serde_json::from_str::<serde_json::Value>(&text) {
                return graph.fail(
                    LoadError::at(path, Some(Location { line: e.line() as u32, column: e.column() as u32 }), format!("invalid JSON: {e}")),
                    name,
                );
            }
            graph.files.push(file);
            return Module::declare(ctx.clone(), name, format!("export default {text};"));
        }
        self.load_app_file(ctx, name)
    }
}

impl AppLoader {
    fn load_app_file<'js>(&self, ctx: &Ctx<'js>, name: &str) -> Result<Module<'js>> {
        let mut graph = self.0.borrow_mut();
        let file = graph.app_root.join(name);
        let text = match std::fs::read_to_string(&file) {
            Ok(t) => t,
            Err(e) => return graph.fail(LoadError::io(name, e), name),
        };
        graph.files.push(file);
        let source = SourceText::new(text);
        let transpiled = match transpile::transpile(name, &source) {
            Ok(t) => t,
            Err(e) => {
                let error = LoadError::at(name, Some(e.at), format!("syntax error: {}", e.message))
                    .with_code_line(source.line_text(e.at.line));
                return graph.fail(error, name);
            }
        };
        graph.imports.insert(name.to_string(), transpiled.imports);
        graph
            .modules
            .insert(name.to_string(), LoadedModule { source, map: transpiled.map });
        drop(graph);
        Module::declare(ctx.clone(), name, transpiled.code)
    }
}

/// A module that exports, for every name its importers take, a value that absorbs any use.
fn stand_in_module(graph: &ModuleGraph, specifier: &str) -> String {
    let mut names: Vec<String> = Vec::new();
    for (importer, uses) in &graph.imports {
        for import in uses.iter().filter(|i| i.specifier == specifier) {
            names.extend(import.names.iter().cloned());
            if let Some(ns) = &import.namespace {
                if let Some(module) = graph.modules.get(importer) {
                    names.extend(transpile::namespace_members(module.source.text(), ns));
                }
            }
        }
    }
    names.sort();
    names.dedup();
    let label = serde_json::to_string(specifier).unwrap();
    let mut code = format!(
        "const standIn = (path) => new Proxy(function () {{}}, {{\n\
           get(_, key) {{\n\
             if (key === Symbol.toPrimitive) return () => `[${{path}} is not available in ampbase]`;\n\
             if (typeof key === 'symbol' || key === 'then') return undefined;\n\
             return standIn(`${{path}}.${{String(key)}}`);\n\
           }},\n\
           apply() {{ return standIn(`${{path}}()`); }},\n\
           construct() {{ return standIn(`new ${{path}}`); }},\n\
           set() {{ return true; }},\n\
         }});\n\
         export default standIn({label});\n"
    );
    for name in names.iter().filter(|n| *n != "default" && is_identifier(n)) {
        code.push_str(&format!("export const {name} = standIn({label} + '.{name}');\n"));
    }
    code
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$')
}
