// Installs `globalThis.__ampbase`, the interface between the Rust loader and
// this runtime (see ../README.md).

import { state, resetState, warn, registerRuntimeModule } from './runtime.js';
import { collect } from './collect.js';
import { cdkProxy, unsupportedModule } from './cdk.js';
import { internal } from './strict.js';

registerRuntimeModule(new Error().stack);

if (!globalThis.__ampbase) {
  globalThis.__ampbase = Object.freeze({
    /** The BackendDefinition of everything evaluated so far. */
    collect,
    /** Forget all definitions (between two loads in one JS context). */
    reset: resetState,
    /** Options: { appRoot } — a prefix stripped from stack-frame file names (absolute module names). */
    configure(options = {}) {
      if (typeof options.appRoot === 'string') state().appRoot = options.appRoot.replace(/\/+$/, '');
    },
    /** Records a warning: warn(message, construct?, { file, line, column }?). */
    warn: (message, construct = null, location = null) => warn(message, construct, location),
    /** A recording proxy for an unsupported module's exports (e.g. 'aws-cdk-lib'). */
    unsupportedModule,
    /** True for a defineData(...) result. */
    isDataResource: (value) => internal(value)?.kind === 'data',
    /** True for an a.schema(...) or a.combine([...]) value. */
    isSchema: (value) => ['schema', 'combined'].includes(internal(value)?.kind),
    /** A recording proxy named `path` (warning recorded on first use). */
    cdkProxy: (path) => cdkProxy(path),
  });
}
