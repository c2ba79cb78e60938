#!/usr/bin/env node
// Dev check: evaluates an amplify/ app against crates/loader/js in QuickJS-NG
// (the engine rquickjs embeds), compiled to WebAssembly, and prints collect().
// This catches JavaScript the embedded engine rejects and checks stack-frame
// parsing, without building the Rust loader.
//
//   AMPBASE_DEV_NODE_MODULES=/path/to/node_modules node scripts/js-runtime-check.mjs [APP_DIR]
//
// The node_modules directory must hold esbuild, quickjs-emscripten-core and
// @jitl/quickjs-ng-wasmfile-release-sync (npm i esbuild quickjs-emscripten-core
// @jitl/quickjs-ng-wasmfile-release-sync in a scratch directory). APP_DIR
// defaults to the runtime's sample app (crates/loader/js/test/app). Module
// names follow the Rust loader: app files by their path relative to APP_DIR,
// runtime files as `ampbase:runtime/<path>`.
import { createRequire } from 'node:module';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const jsRoot = join(repo, 'crates/loader/js');
const modulesDir = process.env.AMPBASE_DEV_NODE_MODULES;
if (!modulesDir) {
  console.error('set AMPBASE_DEV_NODE_MODULES to a node_modules with esbuild, quickjs-emscripten-core, @jitl/quickjs-ng-wasmfile-release-sync');
  process.exit(2);
}
const require = createRequire(join(modulesDir, 'noop.js'));
const esbuild = require('esbuild');
const { newQuickJSWASMModuleFromVariant } = require('quickjs-emscripten-core');
const variant = require('@jitl/quickjs-ng-wasmfile-release-sync');

const appDir = resolve(process.argv[2] || join(jsRoot, 'test/app'));
const RUNTIME = 'ampbase:runtime/';
const PACKAGES = { '@aws-amplify/backend': `${RUNTIME}backend.js`, '@aws-amplify/data-schema': `${RUNTIME}data-schema.js` };

const isFile = (p) => existsSync(p) && statSync(p).isFile();

function normalize(base, name) {
  if (PACKAGES[name]) return PACKAGES[name];
  if (!name.startsWith('.')) return `ampbase:unsupported/${name}`;
  if (base.startsWith(RUNTIME)) return RUNTIME + posix.join(posix.dirname(base.slice(RUNTIME.length)), name);
  const wanted = posix.join(posix.dirname(base), name);
  for (const c of [wanted, wanted.replace(/\.js$/, '.ts'), `${wanted}.ts`, `${wanted}.js`, `${wanted}/index.ts`]) {
    if (isFile(join(appDir, c))) return c;
  }
  return wanted;
}

function load(name) {
  if (name.startsWith(RUNTIME)) return readFileSync(join(jsRoot, name.slice(RUNTIME.length)), 'utf8');
  if (name.startsWith('ampbase:unsupported/')) {
    const spec = JSON.stringify(name.slice('ampbase:unsupported/'.length));
    return `const m = globalThis.__ampbase.unsupportedModule(${spec});\nexport default m.default;`;
  }
  const source = readFileSync(join(appDir, name), 'utf8');
  if (!name.endsWith('.ts')) return source;
  return esbuild.transformSync(source, { loader: 'ts', format: 'esm', target: 'es2022' }).code;
}

const QuickJS = await newQuickJSWASMModuleFromVariant(variant);
const runtime = QuickJS.newRuntime();
runtime.setModuleLoader(load, normalize);
const ctx = runtime.newContext();
const entry = isFile(join(appDir, 'amplify/backend.ts')) ? 'amplify/backend.ts' : null;
if (!entry) {
  console.error(`no amplify/backend.ts under ${appDir}`);
  process.exit(2);
}
const result = ctx.evalCode(`import './${entry}';`, 'ampbase:entry', { type: 'module' });
if (result.error) {
  const error = ctx.dump(result.error);
  console.error('evaluation failed:', error?.message ?? error, '\n', error?.stack ?? '');
  process.exit(1);
}
result.value.dispose();
runtime.executePendingJobs();
const out = ctx.evalCode('JSON.stringify(globalThis.__ampbase.collect(), null, 2)');
if (out.error) {
  const error = ctx.dump(out.error);
  console.error('collect() failed:', error?.message ?? error, '\n', error?.stack ?? '');
  process.exit(1);
}
console.log(ctx.dump(out.value));
