#!/usr/bin/env node
// Driver behind scripts/oracle-fixtures.sh (run that instead): runs the oracle
// in <repo>/.oracle on each given schema file and writes its fixture.
//
//   conformance/schemas/NAME.{ts,graphql} -> conformance/fixtures/NAME/
//       directive.graphql appsync.graphql model-introspection.json
//       statements.graphql client-operations.json inputs.json
//   conformance/errors/NAME.{ts,graphql}  -> conformance/errors/NAME.expected.txt
//       (the message of the error the oracle fails with)
//
// Usage: node scripts/oracle-fixtures.mjs --oracle DIR [--jobs N] FILE...

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { oracle: { type: 'string' }, jobs: { type: 'string', default: '2' } },
});
const oracleDir = path.resolve(values.oracle ?? path.join(repo, '.oracle'));
const oracle = path.join(oracleDir, 'oracle.mjs');
const inputsHelper = path.join(oracleDir, 'ampbase-inputs.mjs');
fs.copyFileSync(path.join(here, 'oracle-inputs.mjs'), inputsHelper);

const OUTPUT_FILES = [
  'directive.graphql',
  'appsync.graphql',
  'model-introspection.json',
  'statements.graphql',
  'client-operations.json',
];

/** Flags from a first-line comment `// oracle-flags: ...` or `# oracle-flags: ...`. */
function oracleFlags(file) {
  const first = fs.readFileSync(file, 'utf8').split('\n', 1)[0];
  const m = /^\s*(?:\/\/|#)\s*oracle-flags:\s*(.*)$/.exec(first);
  if (!m) return [];
  // Split on whitespace, honouring single quotes (for --authorization-modes '{...}').
  const flags = [];
  const re = /'([^']*)'|(\S+)/g;
  let t;
  while ((t = re.exec(m[1]))) flags.push(t[1] ?? t[2]);
  return flags;
}

function run(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The message of the error the oracle died with (stack without its frames). */
function errorMessage(stderr) {
  const lines = stderr.split('\n');
  const start = lines.findIndex((l) => l.startsWith('amplify-data-oracle: '));
  if (start < 0) return null;
  const out = [lines[start].slice('amplify-data-oracle: '.length)];
  for (const line of lines.slice(start + 1)) {
    if (/^\s+at /.test(line) || line.startsWith('caused by: ')) break;
    out.push(line);
  }
  while (out.length && out[out.length - 1].trim() === '') out.pop();
  return out.join('\n') + '\n';
}

async function fixture(file) {
  const rel = path.relative(repo, file);
  const name = path.basename(file).replace(/\.(ts|graphql)$/, '');
  const flags = oracleFlags(file);
  const isError = path.basename(path.dirname(file)) === 'errors';

  if (isError) {
    const res = await run([oracle, file, '--only', 'directive', ...flags]);
    const message = res.code !== 0 ? errorMessage(res.stderr) : null;
    if (res.code === 0 || !message) {
      throw new Error(`${rel}: expected the oracle to reject it, but it ${res.code === 0 ? 'accepted it' : 'failed without a message'}\n${res.stderr}`);
    }
    fs.writeFileSync(path.join(path.dirname(file), `${name}.expected.txt`), message);
    return `${rel}: rejected: ${message.split('\n')[0]}`;
  }

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `ampbase-fixture-${name}-`));
  try {
    const res = await run([oracle, file, '--out', tmp, '--statements', '--client-operations', ...flags]);
    if (res.code !== 0) throw new Error(`${rel}: the oracle failed\n${res.stderr}`);
    const invalid = res.stderr.split('\n').filter((l) => l.startsWith('client operation '));
    const inputsRes = await run([inputsHelper, file, ...flags]);
    if (inputsRes.code !== 0) throw new Error(`${rel}: reading the inputs failed\n${inputsRes.stderr}`);
    const inputs = { ...JSON.parse(inputsRes.stdout), oracleFlags: flags };
    fs.writeFileSync(path.join(tmp, 'inputs.json'), JSON.stringify(inputs, null, 2) + '\n');

    const dest = path.join(repo, 'conformance', 'fixtures', name);
    fs.rmSync(dest, { recursive: true, force: true });
    fs.mkdirSync(dest, { recursive: true });
    for (const f of [...OUTPUT_FILES, 'inputs.json']) fs.copyFileSync(path.join(tmp, f), path.join(dest, f));
    return `${rel}: ok${invalid.length ? ` (${invalid.length} client operation(s) do not validate)` : ''}`;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

const queue = positionals.map((f) => path.resolve(repo, f));
let failures = 0;
async function worker() {
  while (queue.length) {
    const file = queue.shift();
    try {
      process.stderr.write(`${await fixture(file)}\n`);
    } catch (error) {
      failures += 1;
      process.stderr.write(`FAILED ${error.message}\n`);
    }
  }
}
await Promise.all(Array.from({ length: Math.max(1, Number(values.jobs)) }, worker));
process.stderr.write(`${positionals.length - failures}/${positionals.length} schema(s) done\n`);
process.exit(failures ? 1 : 0);
