// `globalThis.__ampbase.collect()`: the BackendDefinition (version 1) handed
// to the Rust loader after the user's modules are evaluated. The contract is
// documented in ../README.md.

import { internal } from './strict.js';
import { state, warn, resolveFrom, userLocation, registerRuntimeModule } from './runtime.js';
import { isCdkProxy, cdkPath } from './cdk.js';

registerRuntimeModule(new Error().stack);

const kind = (value) => internal(value)?.kind;

/**
 * JSON-safe copy of user-provided properties: functions from defineFunction
 * become their name (and are marked as referenced), secret('X') becomes
 * { secret: 'X' }, CDK values become '${Token[...]}' strings, plain callbacks
 * are called with `callbackArgs` when listed there, otherwise dropped with a
 * warning.
 */
function jsonSafe(value, where, ctx, callbackArgs = {}) {
  if (value === undefined) return undefined;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (isCdkProxy(value)) return `\${Token[${cdkPath(value)}]}`;
  const k = kind(value);
  if (k === 'function') {
    ctx.referenced.add(value);
    return internal(value).name;
  }
  if (k === 'secret') return { secret: internal(value).name };
  if (typeof value === 'function') {
    const key = where.slice(where.lastIndexOf('.') + 1);
    if (callbackArgs[key]) {
      const result = value(...callbackArgs[key]);
      return jsonSafe(result, where, ctx, callbackArgs);
    }
    warn(`${where} is a callback that ampbase cannot represent; it was ignored.`, where, internal(ctx.owner)?.location);
    return undefined;
  }
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v, i) => jsonSafe(v, `${where}[${i}]`, ctx, callbackArgs)).filter((v) => v !== undefined);
  if (typeof value === 'object') {
    const out = {};
    for (const [k2, v] of Object.entries(value)) {
      const safe = jsonSafe(v, `${where}.${k2}`, ctx, callbackArgs);
      if (safe !== undefined) out[k2] = safe;
    }
    return out;
  }
  return undefined;
}

// Amplify renders message templates by calling them with placeholder producers.
const createCode = () => '{####}';
const username = () => '{username}';
const AUTH_CALLBACKS = {
  verificationEmailBody: [createCode],
  verificationEmailSubject: [createCode],
  verificationMessage: [createCode],
  emailBody: [username, createCode],
  emailSubject: [username, createCode],
  smsMessage: [username, createCode],
};

function collectAuth(res, ctx) {
  if (!res) return null;
  const st = internal(res);
  ctx.owner = res;
  const { access: _access, ...props } = st.props;
  const out = jsonSafe(props, 'defineAuth', ctx, AUTH_CALLBACKS);
  if (st.reference) out.reference = true;
  out.access = st.access.map((rule) => {
    ctx.referenced.add(rule.resource);
    return { resource: internal(rule.resource).name, actions: rule.actions };
  });
  return out;
}

function collectData(res, ctx) {
  if (!res) return null;
  const st = internal(res);
  ctx.owner = res;
  const props = st.props;
  const schemas = typeof props.schema === 'string' ? [props.schema] : kind(props.schema) === 'combined' ? internal(props.schema).schemas : [props.schema];
  const sdls = [];
  const functionNames = {};
  const functionSchemaAccess = [];
  const customHandlers = [];
  for (const schema of schemas) {
    if (typeof schema === 'string') {
      sdls.push(schema);
      continue;
    }
    for (const [name, t] of Object.entries(internal(schema).data.types)) {
      if (kind(t) === 'unsupported') {
        warn(`${internal(t).what} '${name}' (AI kit) is not supported by ampbase; it was left out of the data schema.`, `a.schema.${name}`, st.location);
      }
    }
    const result = schema.transform();
    sdls.push(result.schema);
    for (const [sdlName, fn] of Object.entries(result.lambdaFunctions)) {
      ctx.referenced.add(fn);
      functionNames[sdlName] = internal(fn).name;
    }
    for (const access of result.functionSchemaAccess) {
      ctx.referenced.add(access.resourceProvider);
      functionSchemaAccess.push({ resource: internal(access.resourceProvider).name, actions: access.actions });
    }
    for (const js of result.jsFunctions) {
      js.handlers.forEach((h, step) => {
        const input = h.dataSourceInput;
        let dataSource;
        if (input === undefined || input === 'NONE' || input === 'NONE_DS') dataSource = 'NONE';
        else if (typeof input === 'string') dataSource = input;
        else dataSource = internal(input).data.link;
        let entry = h.entry;
        if (!entry.startsWith('/')) {
          // Relative to the file that called a.handler.custom().
          const caller = userFrameFile(h.stack);
          if (caller) entry = resolveFrom(caller, entry);
        }
        customHandlers.push({ operation: `${js.typeName}.${js.fieldName}`, step, dataSource, entry });
      });
    }
  }
  // defineData({ functions: { name: fn } }) for @function(name: "...") in SDL schemas.
  for (const [name, fn] of Object.entries(props.functions ?? {})) {
    if (kind(fn) === 'function') {
      ctx.referenced.add(fn);
      functionNames[name] = internal(fn).name;
    }
  }
  const { schema: _s, functions: _f, ...rest } = props;
  const out = jsonSafe(rest, 'defineData', ctx);
  return {
    name: props.name ?? 'amplifyData',
    ...out,
    // One SDL string; an array of them (in order) for a.combine([...]).
    schemaSdl: sdls.length === 1 ? sdls[0] : sdls,
    authorizationModes: out.authorizationModes ?? null,
    functionNames,
    functionSchemaAccess,
    customHandlers,
  };
}

/** The user file of a captured stack (first frame outside the runtime). */
function userFrameFile(stack) {
  return userLocation(stack)?.file;
}

function collectStorage(res, ctx) {
  const st = internal(res);
  ctx.owner = res;
  const access = {};
  for (const [path, rules] of Object.entries(st.access)) {
    access[path] = rules.map((r) => {
      const rule = { principal: r.principal };
      if (r.groups) rule.groups = r.groups;
      if (r.entity) rule.entity = r.entity;
      if (r.resource) {
        ctx.referenced.add(r.resource);
        rule.resource = internal(r.resource).name;
      }
      rule.actions = r.actions;
      return rule;
    });
  }
  const triggers = {};
  for (const [event, fn] of Object.entries(st.triggers)) {
    ctx.referenced.add(fn);
    triggers[event] = internal(fn).name;
  }
  const { name, isDefault, access: _a, triggers: _t, ...rest } = st.props;
  return { name, isDefault: Boolean(isDefault), access, triggers, ...jsonSafe(rest, 'defineStorage', ctx) };
}

function collectFunction(fn, backendKey, ctx) {
  const st = internal(fn);
  ctx.owner = fn;
  const p = st.props;
  const environment = {};
  for (const [k, v] of Object.entries(st.environment)) environment[k] = jsonSafe(v, `defineFunction.environment.${k}`, ctx);
  const extra = {};
  for (const key of ['layers', 'bundling', 'logging', 'loggingFormat', 'logLevel']) {
    if (p[key] !== undefined) extra[key] = jsonSafe(p[key], `defineFunction.${key}`, ctx);
  }
  return {
    name: st.name,
    backendKey,
    entry: st.entry,
    definedIn: st.definedIn,
    custom: st.custom,
    // Amplify's defaults when not given.
    timeoutSeconds: p.timeoutSeconds ?? 3,
    memoryMB: p.memoryMB ?? 512,
    ephemeralStorageSizeMB: p.ephemeralStorageSizeMB ?? 512,
    runtime: p.runtime ?? 20,
    architecture: p.architecture ?? 'x86_64',
    environment,
    schedule: st.schedule,
    resourceGroupName: p.resourceGroupName ?? null,
    ...extra,
  };
}

/** Builds the BackendDefinition (see README.md). */
export function collect() {
  const st = state();
  const ctx = { referenced: new Set(), owner: null };
  let entries;
  if (st.backend) {
    entries = st.backend.entries;
  } else {
    warn('defineBackend(...) was not called; the resources defined by the loaded modules were used instead.', 'defineBackend', null);
    entries = {};
    st.resources.forEach((r, i) => {
      entries[`${internal(r).kind}${i}`] = r;
    });
  }
  const byKind = (k) => Object.entries(entries).filter(([, v]) => kind(v) === k);

  const auth = collectAuth(byKind('auth')[0]?.[1], ctx);
  const data = collectData(byKind('data')[0]?.[1], ctx);
  const storage = byKind('storage').map(([, v]) => collectStorage(v, ctx));
  if (storage.length > 1 && storage.filter((s) => s.isDefault).length !== 1) {
    throw new Error(`Several storage buckets are defined (${storage.map((s) => s.name).join(', ')}): mark exactly one with isDefault: true.`);
  }
  if (storage.length === 1) storage[0].isDefault = true;

  // Functions: those passed to defineBackend and those referenced by the resources.
  const backendKeys = new Map(byKind('function').map(([key, fn]) => [fn, key]));
  const included = st.functions.filter((fn) => backendKeys.has(fn) || ctx.referenced.has(fn));
  const functions = [];
  // Collecting a function may reference no further functions, but keep order stable.
  for (const fn of included) functions.push(collectFunction(fn, backendKeys.get(fn) ?? null, ctx));

  return {
    version: 1,
    auth,
    data,
    storage,
    functions,
    outputs: JSON.parse(JSON.stringify(st.outputs)),
    warnings: st.warnings.map((w) => ({ message: w.message, construct: w.construct, file: w.file, line: w.line, column: w.column })),
  };
}
