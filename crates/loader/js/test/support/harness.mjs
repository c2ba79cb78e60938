// Test harness helpers: registers the loader hooks (hooks.mjs) and loads
// schema / amplify files against our runtime or the official package.
//
// Needs esbuild (for TypeScript): found by normal resolution, else in the
// directory named by AMPBASE_ESBUILD, else in ../shared/oracle/node_modules.
// The official comparison needs @aws-amplify/data-schema 1.26.2: the directory
// AMPBASE_OFFICIAL_DATA_SCHEMA, else ../shared/oracle/node_modules/@aws-amplify/data-schema.
// When something is missing, `setup()` returns { skip: "<reason>" }.

import { register, createRequire } from 'node:module';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const jsRoot = resolve(here, '../..');
export const repoRoot = resolve(jsRoot, '../../..');
export const sharedDir = process.env.AMPBASE_SHARED_DIR || resolve(repoRoot, '../shared');
const require = createRequire(import.meta.url);

function findEsbuild() {
  const candidates = [process.env.AMPBASE_ESBUILD, join(sharedDir, 'oracle/node_modules/esbuild')].filter(Boolean);
  try {
    return pathToFileURL(require.resolve('esbuild')).href;
  } catch {
    /* not installed next to the repo */
  }
  for (const dir of candidates) {
    if (existsSync(join(dir, 'package.json'))) return pathToFileURL(require.resolve(dir)).href;
  }
  return null;
}

function findOfficial() {
  const candidates = [process.env.AMPBASE_OFFICIAL_DATA_SCHEMA, join(sharedDir, 'oracle/node_modules/@aws-amplify/data-schema')].filter(Boolean);
  for (const dir of candidates) if (existsSync(join(dir, 'package.json'))) return dir;
  return null;
}

let setupResult;

/** Registers the hooks once. Returns { skip?, official: boolean }. */
export function setup() {
  if (setupResult) return setupResult;
  const esbuildUrl = findEsbuild();
  if (!esbuildUrl) {
    setupResult = { skip: 'esbuild is not installed (npm i esbuild somewhere and set AMPBASE_ESBUILD=<dir>/node_modules/esbuild); the runtime is tested through the Rust loader in CI' };
    console.log(`# skipped: ${setupResult.skip}`);
    return setupResult;
  }
  const official = findOfficial();
  if (official) process.env.AMPBASE_OFFICIAL_DATA_SCHEMA = official;
  const targets = {
    ours: { backend: pathToFileURL(join(jsRoot, 'backend.js')).href, dataSchema: pathToFileURL(join(jsRoot, 'data-schema.js')).href },
  };
  if (official) {
    targets.official = {
      backend: pathToFileURL(join(here, 'official-backend.mjs')).href,
      dataSchema: pathToFileURL(join(here, 'official-data-schema.mjs')).href,
    };
  }
  process.setSourceMapsEnabled(true);
  register(pathToFileURL(join(here, 'hooks.mjs')).href, { data: { esbuildUrl, targets } });
  setupResult = { official: Boolean(official) };
  return setupResult;
}

let counter = 0;

/** Imports a module against 'ours' or 'official' (fresh instance each time). */
export async function load(file, mode = 'ours', appRoot = '') {
  if (mode === 'ours') {
    await import(pathToFileURL(join(jsRoot, 'backend.js')).href);
    globalThis.__ampbase.reset();
    globalThis.__ampbase.configure({ appRoot });
  }
  const url = `${pathToFileURL(resolve(file)).href}?mode=${mode}&n=${++counter}`;
  return import(url);
}

const isSchemaValue = (v) => v && typeof v === 'object' && ('transform' in v || 'schemas' in v);

/** The schema exported by a module: defineData(...) export, else `schema`, else default, else the only schema. */
export function pickSchema(mod) {
  for (const value of Object.values(mod)) {
    const sym = value && typeof value === 'object' ? value[Symbol.for('ampbase.internal')] : undefined;
    if (sym) {
      if (sym.kind === 'data') return sym.props.schema;
    } else if (value && value.__official === 'data') return value.props.schema;
  }
  if (isSchemaValue(mod.schema)) return mod.schema;
  if (isSchemaValue(mod.default)) return mod.default;
  const schemas = Object.values(mod).filter(isSchemaValue);
  if (schemas.length === 1) return schemas[0];
  throw new Error('no schema export found');
}

/**
 * The graphql package (a dependency of the official data-schema package), used
 * to print combined schemas as the oracle does; null when unavailable.
 */
function graphqlPackage() {
  const dir = process.env.AMPBASE_OFFICIAL_DATA_SCHEMA;
  for (const base of [dir && join(dir, 'package.json'), import.meta.url].filter(Boolean)) {
    try {
      return createRequire(base)('graphql');
    } catch {
      /* try the next place */
    }
  }
  return null;
}

/**
 * The directive SDL of a schema value: `schema.transform().schema`. For
 * `a.combine([...])` the oracle's directive.graphql is the combined
 * definition (AmplifyDataDefinition.combine), i.e. the schemas' SDL
 * concatenated and re-printed by graphql-js; without graphql-js the SDLs are
 * joined by a newline and `printed: false` is returned.
 */
export function directiveOf(schema) {
  if (typeof schema === 'string') return schema;
  if ('schemas' in schema) {
    const joined = schema.schemas.map((s) => s.transform().schema).join('\n');
    const graphql = graphqlPackage();
    return graphql ? graphql.print(graphql.parse(joined)) : joined;
  }
  return schema.transform().schema;
}

/** Loads `file` against `mode` and returns { sdl } or { error }. */
export async function directiveFor(file, mode) {
  try {
    const mod = await load(file, mode);
    return { sdl: directiveOf(pickSchema(mod)) };
  } catch (error) {
    return { error };
  }
}

/** Conformance cases: oracle examples and the repo corpus, each { name, schema, fixture }. */
export function conformanceCases() {
  const cases = [];
  const examples = join(sharedDir, 'oracle/examples');
  if (existsSync(examples)) {
    for (const f of readdirSync(examples).sort()) {
      if (!/\.(m?ts|m?js)$/.test(f)) continue;
      const name = f.replace(/\.[^.]+$/, '');
      cases.push({ name: `oracle/${name}`, schema: join(examples, f), fixture: join(examples, name, 'directive.graphql') });
    }
  }
  const corpus = join(repoRoot, 'conformance/schemas');
  if (existsSync(corpus)) {
    for (const f of readdirSync(corpus).sort()) {
      if (!/\.(m?ts|m?js)$/.test(f)) continue;
      const name = f.replace(/\.[^.]+$/, '');
      cases.push({ name: `corpus/${name}`, schema: join(corpus, f), fixture: join(repoRoot, 'conformance/fixtures', name, 'directive.graphql') });
    }
  }
  return cases;
}
