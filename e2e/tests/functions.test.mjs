// Functions (examples/functions): custom queries and mutations resolved by defineFunction
// handlers, run by the sandbox on Node.js behind the Lambda Runtime API, called through the
// unmodified client (`client.queries.*`, `client.mutations.*`).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { assertGraphQLErrors, assertOk } from '../lib/appsync.mjs';
import { createClient } from '../lib/client.mjs';
import { AMPBASE_BIN, E2E_DIR, useSandbox } from '../lib/sandbox.mjs';

const SECRET = 'e2e-secret-value-42';

describe('functions (examples/functions)', () => {
  const ctx = useSandbox({
    example: 'functions',
    // Function logs on the terminal, as `ampx sandbox` streams them, for two functions only.
    args: ['--stream-function-logs', '--logs-filter', '^slow$', 'notify'],
    // What a developer does first: install a package the handler imports, and set the
    // secret with `ampx sandbox secret set` (value on stdin).
    prepare: (dir) => {
      fs.cpSync(path.join(E2E_DIR, 'node_modules', 'ulid'), path.join(dir, 'node_modules', 'ulid'), { recursive: true });
      execFileSync(AMPBASE_BIN, ['sandbox', 'secret', 'set', 'API_TOKEN', '--identifier', 'e2e'], {
        cwd: dir,
        input: SECRET,
        encoding: 'utf8',
      });
    },
  });
  let client;

  before(() => {
    client = createClient(ctx.sb.outputs);
  });

  test('client.queries.sayHello returns what the handler returned', async () => {
    const result = await client.queries.sayHello({ name: 'Ada' });
    assert.equal(assertOk(result, 'sayHello'), 'Hello, Ada!');
    // Warm: the next call is served by the same worker, and answers the same way.
    assert.equal(assertOk(await client.queries.sayHello({ name: 'Grace' }), 'sayHello again'), 'Hello, Grace!');
  });

  test('a handler reads its environment, a secret, the variables Amplify provides and the AppSync event', async () => {
    const report = assertOk(await client.queries.reportEnv(), 'reportEnv');
    assert.equal(report.greeting, 'Bonjour');
    assert.equal(report.secret, SECRET);
    assert.equal(report.functionName, 'report-env');
    assert.equal(report.region, 'us-east-1');
    assert.equal(report.graphqlEndpoint, ctx.sb.graphqlUrl.replace(/\/$/, ''));
    assert.equal(report.dataName, 'amplifyData');
    // API key callers have no identity.
    assert.equal(report.identityIsNull, true);
    assert.equal(report.fieldName, 'reportEnv');
    assert.equal(report.parentTypeName, 'Query');
    assert.ok(report.selection.includes('greeting') && report.selection.includes('remainingMs'), JSON.stringify(report.selection));
    // The default timeout is Lambda's 3 s, counted from when the handler started.
    assert.ok(report.remainingMs > 1000 && report.remainingMs <= 3000, `remaining ${report.remainingMs}`);
  });

  test('a handler that throws: the error surfaces as Lambda:Unhandled with its message', async () => {
    const result = await client.queries.failHard({ reason: 'not today' });
    const [error] = assertGraphQLErrors(result, { errorType: 'Lambda:Unhandled', what: 'failHard' });
    assert.equal(error.message, 'refused: not today');
    assert.equal(result.data, null);
    // Its logs are not streamed: --logs-filter names other functions.
    assert.ok(!ctx.sb.lines().some((line) => line.startsWith('[fail]')), ctx.sb.logs());
  });

  test('a handler past its timeoutSeconds fails with Task timed out, and the function keeps working', async () => {
    const started = Date.now();
    const result = await client.mutations.takeYourTime();
    const took = Date.now() - started;
    const [error] = assertGraphQLErrors(result, { errorType: 'Lambda:Unhandled', what: 'takeYourTime' });
    assert.match(error.message, /Task timed out after 1\.00 seconds/);
    assert.ok(took >= 900 && took < 5000, `answered after ${took} ms`);
    await ctx.sb.waitForLine(/\[slow\] .*Task timed out after 1\.00 seconds/);
    // The killed worker is replaced: the next invocation times out again rather than hanging.
    const again = await client.mutations.takeYourTime();
    assertGraphQLErrors(again, { errorType: 'Lambda:Unhandled', what: 'takeYourTime again' });
  });

  test('a handler importing a relative TypeScript module and a package from node_modules', async () => {
    const result = assertOk(await client.mutations.formatId({ prefix: 'ord' }), 'formatId');
    assert.match(result.formatted, /^ORD-[0-9A-HJKMNP-TV-Z]{26}$/);
    assert.equal(result.idLength, 26);
  });

  test('an .async() handler answers at once and runs in the background', async () => {
    const since = ctx.sb.mark();
    const result = assertOk(await client.mutations.notifyLater({ message: 'ping' }), 'notifyLater');
    assert.equal(result.success, true);
    await ctx.sb.waitForLine(/\[notify\] .*INFO\tnotified: ping/, { since });
  });

  test('editing a handler redeploys its function', async () => {
    const handler = path.join(ctx.sb.dir, 'amplify/functions/say-hello/handler.ts');
    const since = ctx.sb.mark();
    fs.writeFileSync(handler, fs.readFileSync(handler, 'utf8').replace('Hello, ', 'Howdy, '));
    await ctx.sb.waitForLine(/^\[sandbox\] ✔/, { since, timeoutMs: 20_000 });
    assert.equal(assertOk(await client.queries.sayHello({ name: 'Ada' }), 'sayHello after the edit'), 'Howdy, Ada!');
  });
});
