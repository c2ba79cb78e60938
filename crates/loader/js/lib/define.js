// defineBackend, defineAuth, defineData, defineStorage, defineFunction,
// secret and referenceAuth: the resource factories of `@aws-amplify/backend`.
//
// They record what the user declared; `collect()` (collect.js) turns the
// records into the JSON BackendDefinition the Rust loader reads.

import { INTERNAL, strict, internal, describeValue } from './strict.js';
import { state, userLocation, warn, basename, dirname, resolveFrom, registerRuntimeModule } from './runtime.js';
import { cdkProxy, isCdkProxy, cdkPath } from './cdk.js';

registerRuntimeModule(new Error().stack);

const kind = (value) => internal(value)?.kind;

function tagged(obj, st) {
  Object.defineProperty(obj, INTERNAL, { value: st });
  return obj;
}

function checkProps(fn, props, required = false) {
  if (props === undefined && !required) return {};
  if (props === null || typeof props !== 'object' || Array.isArray(props)) {
    throw new Error(`${fn}() needs an object of properties, got ${describeValue(props)}.`);
  }
  return props;
}

// ---------------------------------------------------------------------------
// secret()
// ---------------------------------------------------------------------------

/** `secret('NAME')`: a sandbox secret, resolved by ampbase at run time. */
export function secret(name) {
  if (typeof name !== 'string' || name === '') {
    throw new Error(`secret() needs the secret's name, e.g. secret('GOOGLE_CLIENT_ID'); got ${describeValue(name)}.`);
  }
  return tagged({ name }, { kind: 'secret', name, describe: () => `secret('${name}')` });
}

// ---------------------------------------------------------------------------
// defineFunction()
// ---------------------------------------------------------------------------

const FUNCTION_PROPS = [
  'name', 'entry', 'timeoutSeconds', 'memoryMB', 'ephemeralStorageSizeMB', 'environment', 'runtime',
  'schedule', 'resourceGroupName', 'layers', 'bundling', 'architecture', 'logging', 'loggingFormat', 'logLevel',
];
const RUNTIMES = [16, 18, 20, 22, 24];

function checkWhole(fnName, prop, value, min, max) {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`defineFunction(${fnName}): ${prop} must be a whole number between ${min} and ${max}, got ${describeValue(value)}.`);
  }
}

/**
 * `defineFunction(props)` or `defineFunction(provider, props)` (a CDK provider
 * callback, which ampbase cannot run: it is recorded with a warning).
 * The default name is the directory of the calling file and the default
 * entry `./handler.ts`, relative to that file (as Amplify does).
 */
export function defineFunction(propsOrProvider, maybeProps) {
  const location = userLocation();
  const caller = location ? location.file : null;
  const custom = typeof propsOrProvider === 'function';
  const props = checkProps('defineFunction', custom ? maybeProps : propsOrProvider);
  const name = props.name ?? (caller ? basename(dirname(caller)) : undefined);
  if (typeof name !== 'string' || !/^[a-zA-Z0-9_-]+$/.test(name)) {
    throw new Error(
      name === undefined
        ? 'defineFunction(): cannot infer the function name from the calling file; pass { name: "my-function" }.'
        : `defineFunction(): name must contain only letters, digits, "-" and "_", got ${describeValue(name)}.`,
    );
  }
  for (const key of Object.keys(props)) {
    if (!FUNCTION_PROPS.includes(key)) {
      warn(`defineFunction(${name}): property '${key}' is not supported by ampbase and was ignored.`, `defineFunction.${key}`, location);
    }
  }
  checkWhole(name, 'timeoutSeconds', props.timeoutSeconds, 1, 900);
  checkWhole(name, 'memoryMB', props.memoryMB, 128, 10240);
  checkWhole(name, 'ephemeralStorageSizeMB', props.ephemeralStorageSizeMB, 512, 10240);
  if (props.runtime !== undefined && !RUNTIMES.includes(props.runtime)) {
    throw new Error(`defineFunction(${name}): runtime must be one of ${RUNTIMES.join(', ')} (the Node.js major version), got ${describeValue(props.runtime)}.`);
  }
  const entry = props.entry ?? './handler.ts';
  if (typeof entry !== 'string') throw new Error(`defineFunction(${name}): entry must be a path string, got ${describeValue(entry)}.`);
  const schedule = props.schedule === undefined ? [] : Array.isArray(props.schedule) ? props.schedule : [props.schedule];
  for (const s of schedule) {
    if (typeof s !== 'string') throw new Error(`defineFunction(${name}): schedule must be a string such as 'every 5m' or a cron expression, or an array of them; got ${describeValue(s)}.`);
  }
  const environment = {};
  for (const [k, v] of Object.entries(props.environment ?? {})) {
    if (typeof v !== 'string' && kind(v) !== 'secret' && !isCdkProxy(v)) {
      throw new Error(`defineFunction(${name}): environment.${k} must be a string or secret('NAME'), got ${describeValue(v)}.`);
    }
    environment[k] = v;
  }
  const existing = state().functions.find((f) => internal(f).name === name);
  if (existing) {
    const other = internal(existing).definedIn;
    throw new Error(`defineFunction(): a function named '${name}' is already defined${other ? ` in ${other}` : ''}; function names must be unique.`);
  }
  if (custom) {
    warn(
      `defineFunction(${name}) with a CDK provider callback cannot be run by ampbase; the function is recorded but has no code.`,
      'defineFunction(provider)',
      location,
    );
  }

  const st = {
    kind: 'function',
    name,
    props,
    custom,
    entry: caller && !custom ? resolveFrom(caller, entry) : entry,
    definedIn: caller,
    environment,
    schedule,
    location,
    describe: () => `the function '${name}'`,
  };
  const fn = tagged(
    {
      name,
      // Amplify's ConstructFactory API; it reaches CDK, so it is recorded.
      getInstance: () => cdkProxy(`${name}.getInstance()`, { eager: true }),
    },
    st,
  );
  state().functions.push(fn);
  return fn;
}

// ---------------------------------------------------------------------------
// defineAuth(), referenceAuth(), defineData(), defineStorage()
// ---------------------------------------------------------------------------

function resource(kindName, props, extra = {}) {
  const st = { kind: kindName, props, location: userLocation(), ...extra, describe: () => `${kindName} resource` };
  const obj = tagged({}, st);
  state().resources.push(obj);
  return obj;
}

const AUTH_ACCESS_ACTIONS = [
  'manageUsers', 'manageGroups', 'manageGroupMembership', 'manageUserDevices', 'managePasswordRecovery',
  'addUserToGroup', 'createUser', 'deleteUser', 'deleteUserAttributes', 'disableUser', 'enableUser',
  'forgetDevice', 'getDevice', 'getUser', 'listUsers', 'listDevices', 'listGroupsForUser', 'listUsersInGroup',
  'removeUserFromGroup', 'resetUserPassword', 'setUserMfaPreference', 'setUserPassword', 'setUserSettings',
  'updateDeviceStatus', 'updateUserAttributes',
];

export function defineAuth(props) {
  checkProps('defineAuth', props, true);
  if (!props.loginWith) {
    throw new Error("defineAuth() needs loginWith, e.g. defineAuth({ loginWith: { email: true } }).");
  }
  let access = [];
  if (props.access !== undefined) {
    if (typeof props.access !== 'function') throw new Error('defineAuth(): access must be a callback, e.g. access: (allow) => [allow.resource(fn).to(["addUserToGroup"])].');
    const allow = strict(
      {
        resource(fn) {
          if (kind(fn) !== 'function') throw new Error(`defineAuth access: allow.resource() needs a function from defineFunction(), got ${describeValue(fn)}.`);
          const rule = { resource: fn, actions: null };
          return tagged(
            {
              to(actions) {
                if (!Array.isArray(actions) || actions.some((x) => typeof x !== 'string')) {
                  throw new Error(`defineAuth access: allow.resource(${internal(fn).name}).to() needs an array of actions such as ['addUserToGroup'].`);
                }
                const unknown = actions.filter((x) => !AUTH_ACCESS_ACTIONS.includes(x));
                if (unknown.length) {
                  throw new Error(`defineAuth access: unknown action(s) ${unknown.join(', ')} for allow.resource(${internal(fn).name}). Valid: ${AUTH_ACCESS_ACTIONS.join(', ')}.`);
                }
                rule.actions = actions;
                return tagged({}, { kind: 'authAccessRule', rule });
              },
            },
            { kind: 'authAccessRule', rule },
          );
        },
      },
      (name) => `allow.${name} is not available in defineAuth access`,
      { prefix: 'allow.', suffix: '()' },
    );
    const result = props.access(allow);
    for (const r of Array.isArray(result) ? result : [result]) {
      if (kind(r) !== 'authAccessRule') throw new Error(`defineAuth access: the callback must return allow.resource(fn).to([...]) rules, got ${describeValue(r)}.`);
      const { rule } = internal(r);
      if (!rule.actions) throw new Error(`defineAuth access: call .to([...actions]) on allow.resource(${internal(rule.resource).name}).`);
      access.push(rule);
    }
  }
  return resource('auth', props, { access });
}

export function referenceAuth(props) {
  checkProps('referenceAuth', props, true);
  for (const key of ['userPoolId', 'identityPoolId', 'authRoleArn', 'unauthRoleArn', 'userPoolClientId']) {
    if (typeof props[key] !== 'string') throw new Error(`referenceAuth() needs ${key} (a string).`);
  }
  return resource('auth', props, { reference: true, access: [] });
}

const AUTH_MODES = ['userPool', 'iam', 'identityPool', 'apiKey', 'oidc', 'lambda', 'AMAZON_COGNITO_USER_POOLS', 'AWS_IAM', 'API_KEY', 'OPENID_CONNECT', 'AWS_LAMBDA'];

export function defineData(props) {
  checkProps('defineData', props, true);
  const schema = props.schema;
  const sk = kind(schema);
  if (typeof schema !== 'string' && sk !== 'schema' && sk !== 'combined') {
    throw new Error(`defineData() needs schema: an a.schema({...}), a.combine([...]) or a GraphQL SDL string; got ${describeValue(schema)}.`);
  }
  const modes = props.authorizationModes;
  if (modes !== undefined) {
    if (modes === null || typeof modes !== 'object') throw new Error('defineData(): authorizationModes must be an object.');
    if (modes.defaultAuthorizationMode !== undefined && !AUTH_MODES.includes(modes.defaultAuthorizationMode)) {
      throw new Error(`defineData(): defaultAuthorizationMode '${modes.defaultAuthorizationMode}' is not valid. Valid: userPool, identityPool, iam, apiKey, oidc, lambda.`);
    }
    const lambda = modes.lambdaAuthorizationMode;
    if (lambda !== undefined && kind(lambda.function) !== 'function') {
      throw new Error(`defineData(): authorizationModes.lambdaAuthorizationMode.function must be a function from defineFunction(), got ${describeValue(lambda.function)}.`);
    }
  }
  return resource('data', props);
}

// Storage access rules -------------------------------------------------------

const STORAGE_ACTIONS = ['read', 'get', 'list', 'write', 'delete'];

// `allow.guest` and `allow.authenticated` are one object per callback, used on many paths:
// each `.to()` makes its own rule, never changes the shared one.
function storageRule(principal, extra, label) {
  return tagged(
    {
      to(actions) {
        if (!Array.isArray(actions) || actions.length === 0 || actions.some((x) => !STORAGE_ACTIONS.includes(x))) {
          throw new Error(`defineStorage access: ${label}.to() needs a non-empty array of ${STORAGE_ACTIONS.map((x) => `'${x}'`).join(', ')}; got ${describeValue(actions)}.`);
        }
        return tagged({}, { kind: 'storageRule', rule: { principal, ...extra, actions: [...actions] }, label });
      },
    },
    { kind: 'storageRule', rule: { principal, ...extra, actions: null }, label },
  );
}

function storageAllow() {
  return strict(
    {
      guest: storageRule('guest', {}, 'allow.guest'),
      authenticated: storageRule('authenticated', {}, 'allow.authenticated'),
      groups(groups) {
        if (!Array.isArray(groups) || groups.some((g) => typeof g !== 'string')) throw new Error(`defineStorage access: allow.groups() needs an array of group names, got ${describeValue(groups)}.`);
        return storageRule('groups', { groups }, `allow.groups(${JSON.stringify(groups)})`);
      },
      entity(entity) {
        if (entity !== 'identity') throw new Error(`defineStorage access: allow.entity() only supports 'identity', got ${describeValue(entity)}.`);
        return storageRule('entity', { entity }, "allow.entity('identity')");
      },
      resource(fn) {
        if (kind(fn) !== 'function') throw new Error(`defineStorage access: allow.resource() needs a function from defineFunction(), got ${describeValue(fn)}.`);
        return storageRule('resource', { resource: fn }, `allow.resource(${internal(fn).name})`);
      },
    },
    (name) => `allow.${name} is not a storage access rule`,
    { prefix: 'allow.', suffix: '' },
  );
}

function validateStoragePath(storageName, path, rules) {
  const bad = (why) => {
    throw new Error(`defineStorage(${storageName}): invalid access path '${path}': ${why}.`);
  };
  if (!path.endsWith('/*')) bad("paths must end with '/*'");
  if (path.startsWith('/')) bad("paths must not start with '/'");
  if (path.includes('//')) bad("paths must not contain '//'");
  if (path.slice(0, -1).includes('*')) bad("'*' is only allowed at the end of a path");
  const entityCount = path.split('{entity_id}').length - 1;
  if (entityCount > 1) bad('{entity_id} may appear only once');
  if (entityCount === 1) {
    if (!path.endsWith('/{entity_id}/*')) bad("{entity_id} must be the last path part, followed by '/*'");
    if (!rules.some((r) => r.principal === 'entity')) bad("a path with {entity_id} needs an allow.entity('identity') rule");
  }
}

export function defineStorage(props) {
  checkProps('defineStorage', props, true);
  if (typeof props.name !== 'string' || props.name === '') throw new Error('defineStorage() needs a name, e.g. defineStorage({ name: "myProjectFiles" }).');
  const name = props.name;
  const access = {};
  if (props.access !== undefined) {
    if (typeof props.access !== 'function') throw new Error(`defineStorage(${name}): access must be a callback, e.g. access: (allow) => ({ 'public/*': [allow.guest.to(['read'])] }).`);
    const result = props.access(storageAllow());
    if (result === null || typeof result !== 'object' || Array.isArray(result)) {
      throw new Error(`defineStorage(${name}): the access callback must return an object of path => rules, got ${describeValue(result)}.`);
    }
    const paths = Object.keys(result);
    for (const path of paths) {
      const list = Array.isArray(result[path]) ? result[path] : [result[path]];
      const rules = list.map((r) => {
        const st = internal(r);
        if (!st || st.kind !== 'storageRule') throw new Error(`defineStorage(${name}): '${path}' has ${describeValue(r)}; use rules such as allow.authenticated.to(['read']).`);
        if (!st.rule.actions) throw new Error(`defineStorage(${name}): ${st.label} on '${path}' needs .to([...]) with the allowed actions (${STORAGE_ACTIONS.join(', ')}).`);
        return st.rule;
      });
      validateStoragePath(name, path, rules);
      access[path] = rules;
    }
    // Amplify allows at most one level of prefix nesting between access paths.
    for (const p of paths) {
      const prefixes = paths.filter((q) => q !== p && p.startsWith(q.slice(0, -1)));
      if (prefixes.length > 1) {
        throw new Error(`defineStorage(${name}): path '${p}' is nested in more than one other path (${prefixes.join(', ')}); only one level of nesting is allowed.`);
      }
    }
  }
  const triggers = {};
  for (const [event, fn] of Object.entries(props.triggers ?? {})) {
    if (!['onUpload', 'onDelete'].includes(event)) throw new Error(`defineStorage(${name}): unknown trigger '${event}'. Valid: onUpload, onDelete.`);
    if (kind(fn) !== 'function') throw new Error(`defineStorage(${name}): triggers.${event} must be a function from defineFunction(), got ${describeValue(fn)}.`);
    triggers[event] = fn;
  }
  return resource('storage', props, { access, triggers });
}

// ---------------------------------------------------------------------------
// defineBackend()
// ---------------------------------------------------------------------------

const RESOURCE_KINDS = ['auth', 'data', 'storage', 'function'];

/** Deep merge of addOutput parts: arrays concatenate, a leaf set twice is an error (as Amplify). */
function mergeOutputs(target, part, path = '') {
  for (const [key, value] of Object.entries(part)) {
    const here = path ? `${path}.${key}` : key;
    const existing = target[key];
    if (existing === undefined) {
      target[key] = value;
    } else if (Array.isArray(existing)) {
      target[key] = existing.concat(value);
    } else if (existing !== null && typeof existing === 'object' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      mergeOutputs(existing, value, here);
    } else {
      throw new Error(`backend.addOutput(): property ${here} already exists (set by an earlier addOutput call); each output property can be set only once.`);
    }
  }
}

function jsonClone(value, where) {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (Array.isArray(value)) return value.map((v, i) => jsonClone(v, `${where}[${i}]`));
  if (isCdkProxy(value)) {
    return `\${Token[${cdkPath(value)}]}`;
  }
  if (typeof value === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = jsonClone(v, `${where}.${k}`);
    return out;
  }
  throw new Error(`backend.addOutput(): ${where} is ${describeValue(value)}, which cannot be written to amplify_outputs.json.`);
}

/** The object `backend.<key>` for one resource. */
function resourceView(key, res) {
  const k = kind(res);
  const view = {
    resources: cdkProxy(`backend.${key}.resources`),
    stack: cdkProxy(`backend.${key}.stack`),
  };
  if (k === 'function') {
    // backend.fn.addEnvironment(name, value): adds to the function's environment.
    view.addEnvironment = (name, value) => {
      if (typeof name !== 'string') throw new Error(`backend.${key}.addEnvironment() needs a variable name string.`);
      if (typeof value !== 'string' && kind(value) !== 'secret') {
        if (isCdkProxy(value)) {
          warn(
            `backend.${key}.addEnvironment('${name}', ${cdkPath(value)}): the value comes from a CDK construct, which ampbase cannot resolve; the variable is set to an unresolved token.`,
            cdkPath(value),
          );
        } else {
          throw new Error(`backend.${key}.addEnvironment('${name}', value): value must be a string or secret('NAME'), got ${describeValue(value)}.`);
        }
      }
      internal(res).environment[name] = value;
    };
  }
  // Any other property (addDynamoDbDataSource, addLambdaDataSource, ...) reaches CDK.
  return new Proxy(view, {
    get(obj, prop) {
      if (typeof prop === 'symbol' || prop === 'then') return obj[prop];
      if (prop === 'resources' || prop === 'stack') {
        return cdkProxy(`backend.${key}.${prop}`, { eager: true });
      }
      if (prop in obj) return obj[prop];
      return cdkProxy(`backend.${key}.${prop}`, { eager: true });
    },
  });
}

export function defineBackend(resources) {
  const st = state();
  if (st.backend) {
    const at = st.backend.location;
    throw new Error(`defineBackend() was already called${at ? ` at ${at.file}:${at.line}` : ''}; call it once, in amplify/backend.ts.`);
  }
  checkProps('defineBackend', resources, true);
  const location = userLocation();
  const entries = {};
  for (const [key, value] of Object.entries(resources)) {
    const k = kind(value);
    if (!RESOURCE_KINDS.includes(k)) {
      warn(
        `defineBackend(): '${key}' is ${describeValue(value)}, which is not an Amplify resource ampbase supports (auth, data, storage, functions); it was ignored.`,
        `defineBackend.${key}`,
        location,
      );
      continue;
    }
    entries[key] = value;
  }
  const kinds = Object.values(entries).map(kind);
  if (kinds.filter((k) => k === 'auth').length > 1) throw new Error('defineBackend(): only one auth resource (defineAuth or referenceAuth) is allowed.');
  if (kinds.filter((k) => k === 'data').length > 1) throw new Error('defineBackend(): only one data resource (defineData) is allowed.');
  st.backend = { entries, location };

  const views = {};
  for (const [key, value] of Object.entries(entries)) views[key] = resourceView(key, value);
  const backend = {
    addOutput(part) {
      if (part === null || typeof part !== 'object' || Array.isArray(part)) {
        throw new Error(`backend.addOutput() needs an object, e.g. backend.addOutput({ custom: { key: 'value' } }); got ${describeValue(part)}.`);
      }
      mergeOutputs(st.outputs, jsonClone(part, 'output'));
    },
    ...views,
  };
  return new Proxy(backend, {
    get(obj, prop) {
      if (typeof prop === 'symbol' || prop === 'then' || prop === 'toJSON') return obj[prop];
      if (prop in obj) return obj[prop];
      // createStack, getStack, stack, ... : CDK escape hatches.
      return cdkProxy(`backend.${prop}`, { eager: true });
    },
  });
}
