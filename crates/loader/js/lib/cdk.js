// Recording proxies for CDK escape hatches (`backend.createStack(...)`,
// `backend.auth.resources.cfnResources...`, `aws-cdk-lib` imports, ...).
//
// ampbase cannot honour CDK constructs. Instead of failing, any use of such a
// value yields another recording proxy: property reads, calls, `new`, sets and
// deletes are all accepted and ignored. Each chain records ONE warning, at the
// location where it was first used, naming the construct by the longest
// property path read directly off it (e.g. `backend.auth.resources.cfnResources`).

import { userLocation, warn, registerRuntimeModule } from './runtime.js';

registerRuntimeModule(new Error().stack);

const CDK = Symbol.for('ampbase.cdk');

/** True for values produced by `cdkProxy`. */
export function isCdkProxy(value) {
  return typeof value === 'function' && value[CDK] !== undefined;
}

/** The construct path of a recording proxy (e.g. `backend.data.resources.tables.Todo.tableName`). */
export function cdkPath(value) {
  return value[CDK].path;
}

const message = (construct) =>
  `${construct} is a CDK escape hatch, which ampbase cannot honour; it was ignored and the rest of the definition was loaded.`;

/**
 * @param path the construct name shown in the warning
 * @param options.eager record the warning now (the access that created it is the use)
 * @param options.location location for an eager warning
 */
export function cdkProxy(path, options = {}) {
  const chain = { record: null };
  const node = makeNode(chain, path, true);
  if (options.eager) touch(chain, path, options.location);
  return node;
}

function touch(chain, path, location = userLocation()) {
  if (!chain.record) {
    chain.record = warn(message(path), path, location);
    // The message is recomputed from the final construct path.
    Object.defineProperty(chain.record, 'message', { enumerable: true, get: () => message(chain.record.construct) });
  }
  return chain.record;
}

function makeNode(chain, path, extendable) {
  const target = function () {};
  const handler = {
    get(_t, key) {
      if (key === CDK) return { path };
      if (key === 'then') return undefined; // not a thenable: `await proxy` yields the proxy
      if (key === Symbol.toPrimitive) return () => `\${Token[${path}]}`;
      if (key === 'toString' || key === 'toJSON') return () => `\${Token[${path}]}`;
      if (key === Symbol.iterator) return function* () {};
      if (typeof key === 'symbol') return undefined;
      const childPath = `${path}.${key}`;
      const record = touch(chain, path);
      // Extend the construct name while the chain is read straight through.
      const tip = extendable && record.construct === path;
      if (tip) record.construct = childPath;
      return makeNode(chain, childPath, tip);
    },
    apply() {
      touch(chain, path);
      return makeNode(chain, `${path}()`, false);
    },
    construct() {
      touch(chain, path);
      return makeNode(chain, `new ${path}()`, false);
    },
    set() {
      touch(chain, path);
      return true;
    },
    deleteProperty() {
      touch(chain, path);
      return true;
    },
    has() {
      return true;
    },
  };
  return new Proxy(target, handler);
}

/**
 * An unsupported module (e.g. `aws-cdk-lib/aws-sns`): every export is a lazy
 * recording proxy whose warning is recorded when it is first used.
 * The loader can serve `import { Topic } from 'aws-cdk-lib/aws-sns'` with
 * `export const Topic = globalThis.__ampbase.unsupportedModule('aws-cdk-lib/aws-sns').Topic;`.
 */
export function unsupportedModule(specifier) {
  return new Proxy(
    {},
    {
      get(_t, key) {
        if (typeof key === 'symbol' || key === 'then') return undefined;
        return key === 'default' ? cdkProxy(`${specifier}`) : cdkProxy(`${specifier}.${key}`);
      },
    },
  );
}
