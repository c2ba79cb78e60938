//! Evaluates the definition in QuickJS and turns what it throws into a located diagnostic.

use std::path::Path;
use std::time::Instant;

use rquickjs::{Context, Ctx, Function, Module, Object, Runtime, Value};

use crate::modules::{AppLoader, AppResolver, ModuleGraph, RUNTIME_PREFIX};
use crate::source::Location;
use crate::{BackendDefinition, LoadError, LoadOptions, LoadedBackend};

const ENTRY_MODULE: &str = "ampbase:entry";

/// Globals a definition may reasonably touch: `console` and `process.env`.
const PRELUDE: &str = r#"
const format = (args) => args.map((a) => typeof a === 'string' ? a : (() => { try { return JSON.stringify(a); } catch { return String(a); } })()).join(' ');
globalThis.console = {
  log: (...a) => __ampbasePrint('log', format(a)),
  info: (...a) => __ampbasePrint('info', format(a)),
  debug: (...a) => __ampbasePrint('debug', format(a)),
  warn: (...a) => __ampbasePrint('warn', format(a)),
  error: (...a) => __ampbasePrint('error', format(a)),
};
"#;

pub(crate) fn evaluate(
    app_root: &Path,
    entry_code: &str,
    options: &LoadOptions,
) -> Result<LoadedBackend, LoadError> {
    let runtime = Runtime::new().map_err(|e| LoadError::internal(e.to_string()))?;
    runtime.set_memory_limit(options.memory_limit_bytes);
    runtime.set_max_stack_size(4 << 20);
    let deadline = Instant::now() + options.timeout;
    runtime.set_interrupt_handler(Some(Box::new(move || Instant::now() > deadline)));
    let graph = ModuleGraph::new(app_root.to_path_buf());
    runtime.set_loader(AppResolver(graph.clone()), AppLoader(graph.clone()));
    let context = Context::full(&runtime).map_err(|e| LoadError::internal(e.to_string()))?;

    let json = context.with(|ctx| -> Result<String, LoadError> {
        install_globals(&ctx, options).map_err(|e| LoadError::internal(e.to_string()))?;
        let run = || -> rquickjs::Result<String> {
            let promise = Module::evaluate(ctx.clone(), ENTRY_MODULE, entry_code)?;
            promise.finish::<()>()?;
            let state: Object = ctx.globals().get("__ampbase")?;
            let collect: Function = state.get("collect")?;
            let result: Value = collect.call(())?;
            Ok(ctx.json_stringify(result)?.map(|s| s.to_string()).transpose()?.unwrap_or_default())
        };
        run().map_err(|error| {
            if let Some(found) = graph.borrow_mut().error.take() {
                return found;
            }
            if Instant::now() > deadline {
                return LoadError::Timeout(options.timeout);
            }
            match error {
                rquickjs::Error::Exception => exception_to_error(&ctx, &graph.borrow()),
                other => LoadError::internal(other.to_string()),
            }
        })
    })?;

    let mut definition: BackendDefinition = serde_json::from_str(&json)
        .map_err(|e| LoadError::internal(format!("the runtime returned an unexpected definition: {e}")))?;
    let mut graph = graph.borrow_mut();
    // The runtime saw positions in the generated JavaScript; point them at the TypeScript.
    for warning in &mut definition.warnings {
        let (Some(file), Some(line)) = (&warning.file, warning.line) else { continue };
        if let Some(module) = graph.modules.get(file.as_str()) {
            if let Some(at) = original_location(module, line, warning.column.unwrap_or(1)) {
                warning.line = Some(at.line);
                warning.column = Some(at.column);
            }
        }
    }
    let mut warnings = std::mem::take(&mut graph.warnings);
    warnings.append(&mut definition.warnings);
    definition.warnings = warnings;
    let mut files = std::mem::take(&mut graph.files);
    files.sort();
    files.dedup();
    Ok(LoadedBackend { definition, files })
}

fn install_globals(ctx: &Ctx<'_>, options: &LoadOptions) -> rquickjs::Result<()> {
    let globals = ctx.globals();
    globals.set(
        "__ampbasePrint",
        Function::new(ctx.clone(), |level: String, message: String| {
            // The definition's own console output, shown as the user wrote it.
            eprintln!("[definition {level}] {message}");
        })?,
    )?;
    let process = Object::new(ctx.clone())?;
    let env = Object::new(ctx.clone())?;
    for (key, value) in &options.environment {
        env.set(key.as_str(), value.as_str())?;
    }
    process.set("env", env)?;
    globals.set("process", process)?;
    ctx.eval::<(), _>(PRELUDE)
}

/// Builds the diagnostic for an uncaught JavaScript exception: its message, and the first
/// stack frame that lies in the user's code, mapped back to the TypeScript source.
fn exception_to_error(ctx: &Ctx<'_>, graph: &ModuleGraph) -> LoadError {
    let thrown = ctx.catch();
    // The runtime marks errors about a schema type with where the type was written.
    let marked: Option<(String, u32, u32)> = thrown.as_object().and_then(|obj| {
        let at: Object = obj.get("ampbaseLocation").ok()?;
        Some((at.get("file").ok()?, at.get("line").ok()?, at.get("column").ok()?))
    });
    let (message, stack) = match thrown.as_object() {
        Some(obj) if obj.contains_key("message").unwrap_or(false) => {
            let name: String = obj.get("name").unwrap_or_else(|_| "Error".into());
            let message: String = obj.get("message").unwrap_or_default();
            let stack: String = obj.get("stack").unwrap_or_default();
            let message = if name == "Error" || name.is_empty() { message } else { format!("{name}: {message}") };
            (message, stack)
        }
        _ => {
            let text = ctx
                .json_stringify(thrown)
                .ok()
                .flatten()
                .and_then(|s| s.to_string().ok())
                .unwrap_or_else(|| "a non-error value was thrown".into());
            (format!("uncaught {text}"), String::new())
        }
    };
    let marked_frame = marked.as_ref().map(|(file, line, column)| (file.as_str(), *line, *column));
    for (file, line, column) in marked_frame.into_iter().chain(stack_frames(&stack)) {
        if file.starts_with(RUNTIME_PREFIX) || file.starts_with("ampbase:") {
            continue;
        }
        if let Some(module) = graph.modules.get(file) {
            let location = original_location(module, line, column);
            return LoadError::at(file, location, message)
                .with_code_line(location.and_then(|l| module.source.line_text(l.line)));
        }
    }
    LoadError::at(crate::BACKEND_ENTRY, None, message)
}

/// `(file, line, column)` of each `at ... (file:line:column)` frame of a QuickJS stack.
fn stack_frames(stack: &str) -> Vec<(&str, u32, u32)> {
    stack
        .lines()
        .filter_map(|line| {
            let line = line.trim().strip_prefix("at ")?;
            let place = match (line.rfind('('), line.ends_with(')')) {
                (Some(open), true) => &line[open + 1..line.len() - 1],
                _ => line,
            };
            let mut parts = place.rsplitn(3, ':');
            let last: u32 = parts.next()?.parse().ok()?;
            let middle = parts.next()?;
            match (middle.parse::<u32>(), parts.next()) {
                (Ok(line_no), Some(file)) => Some((file, line_no, last)),
                _ => Some((place.rsplit_once(':')?.0, last, 0)),
            }
        })
        .collect()
}

fn original_location(module: &crate::modules::LoadedModule, line: u32, column: u32) -> Option<Location> {
    let map = module.map.as_ref()?;
    let table = map.generate_lookup_table();
    let token = map.lookup_token(&table, line.saturating_sub(1), column.saturating_sub(1))?;
    Some(Location { line: token.get_src_line() + 1, column: token.get_src_col() + 1 })
}

#[cfg(test)]
mod tests {
    use super::stack_frames;

    #[test]
    fn reads_quickjs_stack_frames() {
        let stack = "Error: boom\n    at fail (ampbase:runtime/backend.js:10:11)\n    at <anonymous> (amplify/data/resource.ts:4:22)\n    at x (amplify/y.ts:7)\n";
        assert_eq!(
            stack_frames(stack),
            vec![("ampbase:runtime/backend.js", 10, 11), ("amplify/data/resource.ts", 4, 22), ("amplify/y.ts", 7, 0)]
        );
    }
}
