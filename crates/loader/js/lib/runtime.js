// Shared state of the ampbase definition runtime: the registry of resources
// defined while the user's `amplify/` modules are evaluated, warnings, source
// locations taken from stack traces, and small path helpers.
//
// QuickJS-NG has no Node APIs, so everything here is plain ES2023.

const STATE_KEY = Symbol.for('ampbase.state');

function freshState() {
  return {
    appRoot: '',
    runtimeFiles: new Set(),
    functions: [], // every defineFunction() result, in definition order
    resources: [], // every defineAuth/defineData/defineStorage/referenceAuth result
    backend: null, // the defineBackend() call, once made
    outputs: {}, // merged backend.addOutput() parts
    warnings: [],
  };
}

/** The single mutable state of this runtime instance. */
export function state() {
  if (!globalThis[STATE_KEY]) globalThis[STATE_KEY] = freshState();
  return globalThis[STATE_KEY];
}

export function resetState() {
  const keep = globalThis[STATE_KEY];
  globalThis[STATE_KEY] = freshState();
  if (keep) {
    globalThis[STATE_KEY].appRoot = keep.appRoot;
    globalThis[STATE_KEY].runtimeFiles = keep.runtimeFiles;
  }
}

// ---------------------------------------------------------------------------
// Stack traces and source locations
// ---------------------------------------------------------------------------

// QuickJS-NG frames look like `    at fn (amplify/data/resource.ts:3:20)` and
// `    at <anonymous> (amplify/backend.ts:3:41)`; V8 (used by the Node test
// harness) prints `    at fn (file:///abs/x.ts:3:20)` or `    at file:///abs/x.ts:3:20`.
const FRAME = /^\s*at (?:(.*?) \((.+?):(\d+):(\d+)\)|(.+?):(\d+):(\d+))\s*$/;

/** Parses a stack trace into frames `{ fn, file, line, column }`. */
export function parseStack(stack) {
  const frames = [];
  for (const line of String(stack || '').split('\n')) {
    const m = FRAME.exec(line);
    if (!m) continue;
    const file = m[2] !== undefined ? m[2] : m[5];
    frames.push({
      fn: m[1],
      file: normalizeFile(file),
      line: Number(m[2] !== undefined ? m[3] : m[6]),
      column: Number(m[2] !== undefined ? m[4] : m[7]),
    });
  }
  return frames;
}

function normalizeFile(file) {
  let f = file;
  if (f.startsWith('file://')) f = decodeURIComponent(f.slice('file://'.length));
  const q = f.indexOf('?');
  if (q >= 0) f = f.slice(0, q);
  const root = state().appRoot;
  if (root && f.startsWith(root + '/')) f = f.slice(root.length + 1);
  return f;
}

/**
 * Each runtime module calls this at its top level with `new Error().stack`,
 * so that frames inside the runtime can be told apart from user code whatever
 * names the embedding loader gives our modules.
 */
export function registerRuntimeModule(stack) {
  const [top] = parseStack(stack);
  if (top) state().runtimeFiles.add(top.file);
}
registerRuntimeModule(new Error().stack);

function isRuntimeFile(file) {
  return (
    state().runtimeFiles.has(file) ||
    file.startsWith('ampbase:') ||
    file.startsWith('@aws-amplify/') ||
    file.startsWith('node:') ||
    file === 'native' ||
    file.includes('/crates/loader/js/')
  );
}

/** The first stack frame in user code (`{ file, line, column }`), or null. */
export function userLocation(stack = new Error().stack) {
  for (const frame of parseStack(stack)) {
    if (!isRuntimeFile(frame.file)) {
      return { file: frame.file, line: frame.line, column: frame.column };
    }
  }
  return null;
}

/** Records a warning; `location` defaults to the current user frame. */
export function warn(message, construct = null, location = userLocation()) {
  const entry = {
    message,
    construct,
    file: location ? location.file : null,
    line: location ? location.line : null,
    column: location ? location.column : null,
  };
  state().warnings.push(entry);
  return entry;
}

// ---------------------------------------------------------------------------
// Paths (POSIX, module names are paths relative to the app root)
// ---------------------------------------------------------------------------

export function dirname(p) {
  const i = p.lastIndexOf('/');
  if (i < 0) return '';
  if (i === 0) return '/';
  return p.slice(0, i);
}

export function basename(p) {
  const trimmed = p.endsWith('/') ? p.slice(0, -1) : p;
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** Joins and normalises (`.`/`..` segments) POSIX paths. */
export function joinPath(...parts) {
  const joined = parts.filter((p) => p !== '').join('/');
  const absolute = joined.startsWith('/');
  const out = [];
  for (const seg of joined.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length && out[out.length - 1] !== '..') out.pop();
      else if (!absolute) out.push('..');
    } else {
      out.push(seg);
    }
  }
  return (absolute ? '/' : '') + out.join('/');
}

/** Resolves `entry` relative to the directory of module `fromFile`. */
export function resolveFrom(fromFile, entry) {
  if (entry.startsWith('/')) return joinPath(entry);
  return joinPath(dirname(fromFile), entry);
}
