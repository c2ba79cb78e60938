#!/usr/bin/env node
// Prints, as JSON, the inputs the Amplify data oracle uses for a schema file
// beyond the directive SDL:
//   { "authorizationModes": <defineData authorizationModes or null>,
//     "withAuth": true|false,
//     "functionNames": { <functionNameMap key>: <function name> } }
//
// scripts/oracle-fixtures.sh copies this file next to oracle.mjs (into .oracle/)
// and runs it from there, so that '@aws-amplify/data-schema' and the
// '@aws-amplify/backend' shim resolve exactly as they do for the oracle. The
// loading and export-picking logic below is the oracle's own (loadModule,
// pickDataProps in oracle.mjs), and the function map is built as in its
// computeOutputs: { ...defineData functions, ...schema.transform().lambdaFunctions }.
//
// defineFunction(...) values (in lambdaAuthorizationMode.function and in the
// function map) are recorded by their function name.
//
// Usage: node .oracle/ampbase-inputs.mjs <schema file> [oracle flags...]

import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const ORACLE_KIND = Symbol.for('amplify-data-oracle.kind');

async function loadModule(file) {
  const esbuild = require('esbuild');
  const shim = path.join(here, 'lib', 'backend-shim.mjs');
  const plugin = {
    name: 'amplify-data-oracle',
    setup(build) {
      build.onResolve({ filter: /^@aws-amplify\/backend$/ }, () => ({ path: shim }));
      build.onResolve({ filter: /^@aws-amplify\/data-schema(\/.*)?$/ }, (args) => ({
        path: import.meta.resolve(args.path),
        external: true,
      }));
    },
  };
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ampbase-oracle-inputs-'));
  const outfile = path.join(tmp, 'schema.mjs');
  try {
    await esbuild.build({
      entryPoints: [file],
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      outfile,
      logLevel: 'error',
      plugins: [plugin],
      banner: {
        js: "import { createRequire as __oracleCreateRequire } from 'node:module'; const require = __oracleCreateRequire(import.meta.url);",
      },
    });
    return await import(pathToFileURL(outfile).href);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

const isDataSchema = (v) =>
  v !== null && typeof v === 'object' && 'transform' in v && typeof v.transform === 'function';
const isCombinedSchema = (v) =>
  v !== null && typeof v === 'object' && 'schemas' in v && Array.isArray(v.schemas);
const isSchemaInput = (v) => isDataSchema(v) || isCombinedSchema(v);

function pickDataProps(mod, exportName) {
  const fromValue = (value, label) => {
    if (value && value[ORACLE_KIND] === 'data') return { ...value.props };
    if (isSchemaInput(value) || typeof value === 'string') {
      return mod.authorizationModes ? { schema: value, authorizationModes: mod.authorizationModes } : { schema: value };
    }
    throw new Error(`export '${label}' is neither a schema built with a.schema(...) nor a defineData(...) result`);
  };
  if (exportName) {
    if (!(exportName in mod)) throw new Error(`the module has no export named '${exportName}'`);
    return fromValue(mod[exportName], exportName);
  }
  const entries = Object.entries(mod);
  const dataExports = entries.filter(([, v]) => v && v[ORACLE_KIND] === 'data');
  if (dataExports.length === 1) return fromValue(dataExports[0][1], dataExports[0][0]);
  if (dataExports.length > 1) {
    throw new Error(`several defineData exports (${dataExports.map(([k]) => k).join(', ')}); pick one with --export`);
  }
  for (const name of ['schema', 'default']) {
    if (isSchemaInput(mod[name])) return fromValue(mod[name], name);
  }
  const schemaExports = entries.filter(([, v]) => isSchemaInput(v));
  if (schemaExports.length === 1) return fromValue(schemaExports[0][1], schemaExports[0][0]);
  if (schemaExports.length > 1) {
    throw new Error(`several schema exports (${schemaExports.map(([k]) => k).join(', ')}); pick one with --export`);
  }
  throw new Error('no export built with a.schema(...) or defineData(...) was found');
}

const functionName = (fn) => {
  if (typeof fn === 'string') return fn;
  if (fn && fn[ORACLE_KIND] === 'function') return fn.name;
  throw new Error(`unexpected function reference: ${String(fn)}`);
};

const replaceFunctions = (_key, value) =>
  value && typeof value === 'object' && value[ORACLE_KIND] === 'function' ? value.name : value;

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    strict: false,
    options: {
      export: { type: 'string' },
      'authorization-modes': { type: 'string' },
      'no-auth': { type: 'boolean', default: false },
    },
  });
  const file = path.resolve(positionals[0]);
  let dataProps;
  if (/\.(graphql|gql)$/i.test(file)) {
    dataProps = { schema: fs.readFileSync(file, 'utf8') };
  } else {
    dataProps = pickDataProps(await loadModule(file), values.export);
  }
  if (values['authorization-modes']) {
    dataProps.authorizationModes = JSON.parse(values['authorization-modes']);
  }
  const schemas = isCombinedSchema(dataProps.schema) ? dataProps.schema.schemas : [dataProps.schema];
  let lambdaFunctions = {};
  for (const schema of schemas) {
    if (isDataSchema(schema)) lambdaFunctions = { ...lambdaFunctions, ...schema.transform().lambdaFunctions };
  }
  const functionNames = Object.fromEntries(
    Object.entries({ ...(dataProps.functions ?? {}), ...lambdaFunctions }).map(([key, fn]) => [key, functionName(fn)]),
  );
  const inputs = {
    authorizationModes: dataProps.authorizationModes ?? null,
    withAuth: !values['no-auth'],
    functionNames,
  };
  process.stdout.write(JSON.stringify(inputs, replaceFunctions, 2) + '\n');
}

main().catch((error) => {
  process.stderr.write(`ampbase-inputs: ${error?.stack ?? error}\n`);
  process.exit(1);
});
