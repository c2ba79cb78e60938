// The harness itself, independent of what the server answers: the sandbox starts on a copy
// of the app, writes outputs the unmodified client accepts, and the client's requests go to
// the sandbox's listener (not to AWS).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { createClient, Amplify } from '../lib/client.mjs';
import { REPO_ROOT, startSandbox } from '../lib/sandbox.mjs';

describe('harness', () => {
  let sb;
  after(async () => {
    await sb?.stop();
  });

  test('the sandbox starts on a copy of examples/todo and writes the local outputs', async () => {
    const before = fs.readdirSync(path.join(REPO_ROOT, 'examples', 'todo')).sort();
    sb = await startSandbox({ example: 'todo', waitForServer: false });
    assert.notEqual(sb.dir, path.join(REPO_ROOT, 'examples', 'todo'));
    assert.ok(fs.existsSync(path.join(sb.dir, 'amplify', 'backend.ts')));
    assert.deepEqual(fs.readdirSync(path.join(REPO_ROOT, 'examples', 'todo')).sort(), before, 'the repository copy stays clean');
    // client-protocol.md §1.5: the ResourcesConfig form with local endpoints.
    assert.equal(sb.outputs.version, '0-local');
    assert.match(sb.outputs.API.GraphQL.endpoint, new RegExp(`^HTTP://localhost:${sb.port}/graphql$`));
    assert.equal(sb.outputs.API.GraphQL.defaultAuthMode, 'apiKey');
    assert.match(sb.outputs.API.GraphQL.apiKey, /^da2-/);
    assert.ok(sb.outputs.API.GraphQL.modelIntrospection.models.Todo);
    assert.equal(sb.graphqlUrl, `http://localhost:${sb.port}/graphql`);
  });

  test('Amplify.configure accepts the outputs and generateClient builds the models', () => {
    const client = createClient(sb.outputs);
    const config = Amplify.getConfig();
    assert.equal(config.API.GraphQL.endpoint, sb.outputs.API.GraphQL.endpoint);
    assert.equal(config.API.GraphQL.apiKey, sb.outputs.API.GraphQL.apiKey);
    for (const operation of ['create', 'get', 'list', 'update', 'delete', 'onCreate', 'onUpdate', 'onDelete', 'observeQuery']) {
      assert.equal(typeof client.models.Todo[operation], 'function', `client.models.Todo.${operation}`);
    }
  });

  test("the client's GraphQL request goes to the sandbox's /graphql with the API key", async () => {
    // Observe (never alter) what the client sends: wrap the global fetch it calls.
    const seen = [];
    const realFetch = globalThis.fetch;
    globalThis.fetch = (input, init = {}) => {
      const headers = new Headers(init.headers);
      seen.push({ url: typeof input === 'string' ? input : (input.url ?? String(input)), method: init.method, apiKey: headers.get('x-api-key'), body: init.body });
      return realFetch(input, init);
    };
    try {
      const client = createClient(sb.outputs);
      // Today the data service may not be there: a network error is fine for this test.
      await client.models.Todo.list({ limit: 1 }).catch((error) => ({ thrown: error }));
    } finally {
      globalThis.fetch = realFetch;
    }
    const graphql = seen.filter((request) => request.url === sb.graphqlUrl);
    assert.ok(graphql.length > 0, `no request to ${sb.graphqlUrl}; the client sent: ${JSON.stringify(seen)}`);
    assert.equal(graphql[0].method, 'POST');
    assert.equal(graphql[0].apiKey, sb.apiKey);
    assert.match(JSON.parse(graphql[0].body).query, /listTodos\(/);
    const elsewhere = seen.filter((request) => !new URL(request.url).host.startsWith('localhost:'));
    assert.deepEqual(elsewhere, [], 'nothing goes to AWS');
  });

  test('stop() ends the process and removes the temporary copy', async () => {
    const { root } = sb;
    const exit = await sb.stop();
    assert.ok(exit, 'the process exited');
    if (!process.env.AMPBASE_E2E_KEEP) assert.equal(fs.existsSync(root), false);
    sb = undefined;
  });
});
