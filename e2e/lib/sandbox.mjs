// Starts the real `ampbase sandbox` on a throw-away copy of an example app and hands
// the tests what an app would have: the directory, the `amplify_outputs.json` it wrote,
// and the process's output for failure messages.
//
//   const sb = await startSandbox({ example: 'todo' });
//   ... Amplify.configure(sb.outputs) ...
//   await sb.stop();
//
// The process is always killed: `stop()` in the tests' `after` hook, and a synchronous
// SIGKILL on exit of the test process for anything still running (a crashed test, an
// unhandled rejection, Ctrl+C).

import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, afterEach, before, beforeEach } from 'node:test';

export const E2E_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = path.resolve(E2E_DIR, '..');
export const AMPBASE_BIN = process.env.AMPBASE_BIN
  ? path.resolve(process.env.AMPBASE_BIN)
  : path.join(REPO_ROOT, 'target', 'debug', 'ampbase');
/** The main listener's port when the CLI offers no way to choose it (BRIEF: defaults). */
export const DEFAULT_PORT = 20002;
const OUTPUTS_FILE = 'amplify_outputs.json';
/** The status line `ampbase sandbox` prints after every build: `[sandbox] ✔ …` or `[sandbox] ✘ …`. */
const STATUS_LINE = /^\[sandbox\] (✔|✘)/;
/** Printed once the file watcher is installed. */
const WATCHING_LINE = /^\[sandbox\] watching /;

const live = new Set();
process.on('exit', () => {
  for (const sb of live) sb.killNow();
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    for (const sb of live) sb.killNow();
    process.exit(130);
  });
}

/** Which flags `ampbase sandbox` accepts, read once from its `--help`. */
let helpText;
function sandboxHelp() {
  if (helpText === undefined) {
    try {
      helpText = execFileSync(AMPBASE_BIN, ['sandbox', '--help'], { encoding: 'utf8', timeout: 10_000 });
    } catch {
      helpText = '';
    }
  }
  return helpText;
}

/** A port nobody listens on right now (the kernel's pick). */
async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** True when something accepts TCP connections on localhost:port. */
function portInUse(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The URL the client POSTs to. The outputs write `HTTP://…/graphql` (upper-case scheme, so
 * the client opens its real-time socket over ws://, client-protocol.md §1.3); URL parsing
 * lower-cases the scheme exactly as the client's `AmplifyUrl` does for HTTP.
 */
export function graphqlUrlOf(outputs) {
  const endpoint = outputs?.API?.GraphQL?.endpoint ?? outputs?.data?.url;
  if (!endpoint) throw new Error(`no GraphQL endpoint in the outputs: ${JSON.stringify(outputs).slice(0, 500)}`);
  return new URL(endpoint).href;
}

export function apiKeyOf(outputs) {
  return outputs?.API?.GraphQL?.apiKey ?? outputs?.data?.api_key;
}

function copyApp(example, destination) {
  const source = path.join(REPO_ROOT, 'examples', example);
  if (!fs.existsSync(path.join(source, 'amplify'))) {
    throw new Error(`no example app at ${source}`);
  }
  const skip = new Set(['node_modules', '.amplify']);
  fs.cpSync(source, destination, {
    recursive: true,
    filter: (src) => {
      const name = path.basename(src);
      return !skip.has(name) && !name.startsWith('amplify_outputs') && !name.startsWith('amplifyconfiguration');
    },
  });
}

function readOutputs(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined; // not there yet, or half-written
  }
}

/**
 * Starts `ampbase sandbox --identifier e2e --yes` in a temporary copy of examples/<example>.
 *
 * Options:
 * - `example`: folder name under examples/ (required).
 * - `waitForServer` (default true): also wait until `/graphql` answers HTTP.
 * - `timeoutMs` (default 30 s, or AMPBASE_E2E_START_TIMEOUT_MS): for the first build and for the server.
 * - `args`: extra arguments for `ampbase sandbox`.
 * - `storagePort`: the S3 port to use instead of a free one (the client's local-testing switch
 *   always targets 20005, client-protocol.md §1.4).
 * - `prepare(dir)`: runs on the app copy before the sandbox starts (e.g. installs a client).
 *
 * Returns `{ dir, outputs, outputsPath, graphqlUrl, apiKey, port, logs(), mark(), stop(), … }`.
 */
export async function startSandbox({ example, waitForServer = true, timeoutMs = Number(process.env.AMPBASE_E2E_START_TIMEOUT_MS ?? 30_000), args = [], files = {}, storagePort, prepare } = {}) {
  if (!example) throw new Error('startSandbox: `example` is required');
  if (!fs.existsSync(AMPBASE_BIN)) {
    throw new Error(`ampbase binary not found at ${AMPBASE_BIN}: build it first (cargo build -p ampbase) or set AMPBASE_BIN`);
  }

  const root = fs.mkdtempSync(path.join(os.tmpdir(), `ampbase-e2e-${example}-`));
  const dir = path.join(root, example);
  copyApp(example, dir);
  // Extra files of the app or of its sandbox state (`files: { 'relative/path': 'contents' }`).
  for (const [relative, contents] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, relative)), { recursive: true });
    fs.writeFileSync(path.join(dir, relative), contents);
  }
  if (prepare) {
    try {
      await prepare(dir);
    } catch (error) {
      fs.rmSync(root, { recursive: true, force: true });
      throw error;
    }
  }

  // Free ports when the CLI lets us choose them; otherwise the default, which must be free
  // (run.sh runs the suites one at a time for that reason).
  const portArgs = [];
  let port = DEFAULT_PORT;
  if (/\s--port[\s=<]/.test(sandboxHelp())) {
    port = await freePort();
    portArgs.push('--port', String(port));
    if (/\s--storage-port[\s=<]/.test(sandboxHelp())) portArgs.push('--storage-port', String(storagePort ?? (await freePort())));
  } else if (await portInUse(DEFAULT_PORT)) {
    fs.rmSync(root, { recursive: true, force: true });
    throw new Error(
      `port ${DEFAULT_PORT} is already in use (another ampbase sandbox?); the CLI has no port flag, so the e2e suites need it free`,
    );
  }

  const argv = ['sandbox', '--identifier', 'e2e', '--yes', ...portArgs, ...args];
  const child = spawn(AMPBASE_BIN, argv, {
    cwd: dir,
    // No terminal on stdin: the sandbox never prompts (and --yes keeps the data on exit).
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', RUST_BACKTRACE: '1' },
  });

  /** Every output line, in order: { at, stream, text }. */
  const lines = [];
  const waiters = new Set();
  let exit; // { code, signal } once the process is gone
  const started = Date.now();
  const feed = (stream) => {
    let partial = '';
    return (chunk) => {
      partial += chunk.toString('utf8');
      const parts = partial.split('\n');
      partial = parts.pop();
      for (const text of parts) {
        lines.push({ at: Date.now() - started, stream, text: text.replace(/\r$/, '') });
      }
      for (const wake of [...waiters]) wake();
    };
  };
  child.stdout.on('data', feed('stdout'));
  child.stderr.on('data', feed('stderr'));
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      for (const wake of [...waiters]) wake();
      resolve(exit);
    });
  });
  child.once('error', (error) => {
    lines.push({ at: Date.now() - started, stream: 'spawn', text: String(error) });
    exit ??= { code: null, signal: null, error };
    for (const wake of [...waiters]) wake();
  });

  /** Resolves when `check()` returns a truthy value; re-checked on every output line and every 50 ms. */
  function until(check, { timeoutMs: limit, what }) {
    return new Promise((resolve, reject) => {
      const deadline = Date.now() + limit;
      let timer;
      const wake = () => {
        let value;
        try {
          value = check();
        } catch (error) {
          done();
          reject(error);
          return;
        }
        if (value) {
          done();
          resolve(value);
        } else if (Date.now() >= deadline) {
          done();
          reject(new Error(`timed out after ${limit} ms waiting for ${what}\n${sb.logs()}`));
        }
      };
      const done = () => {
        waiters.delete(wake);
        clearInterval(timer);
      };
      waiters.add(wake);
      timer = setInterval(wake, 50);
      wake();
    });
  }

  const outputsPath = path.join(dir, OUTPUTS_FILE);
  const sb = {
    example,
    root,
    dir,
    port,
    argv,
    outputsPath,
    outputs: undefined,
    graphqlUrl: undefined,
    apiKey: undefined,
    process: child,

    /** All output so far (or from line index `since`), one string, for failure messages. */
    logs(since = 0) {
      const shown = lines.slice(since).map((l) => `  [${String(l.at).padStart(6)} ms ${l.stream}] ${l.text}`);
      const status = exit ? `  (process exited: code ${exit.code}, signal ${exit.signal})` : '  (process running)';
      return `--- ampbase ${argv.join(' ')} (in ${dir}) ---\n${shown.join('\n')}\n${status}`;
    },
    /** The current position in the output, for `logs(since)` and `waitForLine(…, { since })`. */
    mark() {
      return lines.length;
    },
    lines() {
      return lines.map((l) => l.text);
    },
    /** Resolves with `check()`'s first truthy value; re-checked on every output line and every 50 ms. */
    until(check, { timeoutMs: limit = 10_000, what = 'a condition' } = {}) {
      return until(check, { timeoutMs: limit, what });
    },
    /** Waits for an output line matching `pattern` at or after line index `since`. */
    waitForLine(pattern, { since = 0, timeoutMs: limit = 10_000 } = {}) {
      return until(
        () => {
          const hit = lines.slice(since).find((l) => pattern.test(l.text));
          if (hit) return hit.text;
          if (exit) throw new Error(`ampbase exited before printing ${pattern}\n${sb.logs()}`);
          return undefined;
        },
        { timeoutMs: limit, what: `a line matching ${pattern}` },
      );
    },
    /** Reads amplify_outputs.json again (after a reload). */
    reloadOutputs() {
      const outputs = readOutputs(outputsPath);
      if (outputs) {
        sb.outputs = outputs;
        // An app without defineData (storage and auth only) has no GraphQL endpoint.
        sb.graphqlUrl = outputs.API || outputs.data ? graphqlUrlOf(outputs) : undefined;
        sb.apiKey = apiKeyOf(outputs);
      }
      return outputs;
    },
    /** SIGKILL, synchronously (process exit path). */
    killNow() {
      if (!exit && child.exitCode === null && child.signalCode === null) {
        try {
          child.kill('SIGKILL');
        } catch {
          /* already gone */
        }
      }
      live.delete(sb);
    },
    /** Ctrl+C as a user would, SIGKILL after 5 s; then removes the temporary copy. */
    async stop() {
      if (!exit && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGINT');
        const killed = await Promise.race([exited, sleep(5000).then(() => null)]);
        if (!killed) {
          child.kill('SIGKILL');
          await Promise.race([exited, sleep(2000)]);
        }
      }
      live.delete(sb);
      if (!process.env.AMPBASE_E2E_KEEP) fs.rmSync(root, { recursive: true, force: true });
      return exit;
    },
  };
  live.add(sb);

  try {
    // First build: the status line, then a parseable outputs file.
    const status = await sb.waitForLine(STATUS_LINE, { timeoutMs });
    if (status.includes('✘')) throw new Error(`the first build failed\n${sb.logs()}`);
    await until(() => sb.reloadOutputs(), { timeoutMs: 5000, what: `${OUTPUTS_FILE} to be written` });
    // Edits made before the watcher is installed would be missed.
    await sb.waitForLine(WATCHING_LINE, { timeoutMs });
    if (waitForServer) await waitForGraphql(sb, { timeoutMs });
  } catch (error) {
    await sb.stop();
    throw error;
  }
  return sb;
}

/**
 * Polls `/graphql` until it answers HTTP with anything but 404 (404 = not served yet).
 * The request is the smallest valid one, with the API key as the client sends it.
 */
async function waitForGraphql(sb, { timeoutMs }) {
  let last = 'no attempt yet';
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const answered = await probeGraphql(sb);
    if (answered.ok) return;
    last = answered.reason;
    await sleep(100);
    if (sb.process.exitCode !== null || sb.process.signalCode !== null) break;
  }
  throw new Error(`${sb.graphqlUrl} did not answer within ${timeoutMs} ms (last: ${last})\n${sb.logs()}`);
}

/** One POST to the GraphQL endpoint: `{ ok, status?, reason }`. Never throws. */
export async function probeGraphql(sb) {
  try {
    const response = await fetch(sb.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=UTF-8', 'x-api-key': sb.apiKey ?? '' },
      body: JSON.stringify({ query: '{ __typename }', variables: null }),
      signal: AbortSignal.timeout(2000),
    });
    await response.arrayBuffer();
    if (response.status === 404) return { ok: false, status: 404, reason: 'HTTP 404' };
    return { ok: true, status: response.status, reason: `HTTP ${response.status}` };
  } catch (error) {
    return { ok: false, reason: String(error?.cause?.code ?? error?.cause ?? error) };
  }
}

/**
 * Edits a file of the running app the way an editor saves it (write a temporary file next
 * to the app, rename it over the original: one change event, never a half-written file)
 * and waits for the sandbox's next status line.
 *
 * `edit` is the new content, or a function old content → new content.
 * Resolves `{ ok, line, outputs, elapsedMs }`; `ok` is false when the build failed (✘).
 */
export async function editAndWaitForReload(sb, relativePath, edit, { timeoutMs = 15_000 } = {}) {
  const file = path.join(sb.dir, relativePath);
  const before = fs.readFileSync(file, 'utf8');
  const after = typeof edit === 'function' ? edit(before) : edit;
  if (after === before) throw new Error(`editAndWaitForReload: the edit leaves ${relativePath} unchanged`);
  const since = sb.mark();
  const temp = path.join(sb.root, `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(temp, after);
  const saved = Date.now();
  fs.renameSync(temp, file);
  // The status line is printed after the outputs are written; a changed outputs file
  // without it (a future status-line format) counts too.
  const previousOutputs = JSON.stringify(sb.outputs);
  const line = await sb.until(
    () => {
      const status = sb.lines().slice(since).find((text) => STATUS_LINE.test(text));
      if (status) return status;
      const outputs = readOutputs(sb.outputsPath);
      if (outputs && JSON.stringify(outputs) !== previousOutputs) return '(amplify_outputs.json rewritten)';
      return undefined;
    },
    { timeoutMs, what: `the reload after saving ${relativePath}` },
  );
  const elapsedMs = Date.now() - saved;
  const ok = !line.includes('✘');
  const outputs = ok ? sb.reloadOutputs() : sb.outputs;
  return { ok, line, outputs, elapsedMs };
}

/**
 * Registers node:test hooks for a suite: starts the sandbox before the first test, stops it
 * after the last, and prints the sandbox's output of a failed test next to its failure.
 * Returns a holder whose `.sb` is set once the sandbox runs.
 */
export function useSandbox(options) {
  const holder = { sb: undefined };
  let since = 0;
  before(async () => {
    holder.sb = await startSandbox(options);
  });
  after(async () => {
    await holder.sb?.stop();
  });
  beforeEach(() => {
    since = holder.sb?.mark() ?? 0;
  });
  afterEach((t) => {
    if (holder.sb && t.passed === false) {
      process.stderr.write(`\n# sandbox output during "${t.name}":\n${holder.sb.logs(since)}\n`);
    }
  });
  return holder;
}
