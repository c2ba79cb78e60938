// Bad input at the GraphQL edge (examples/todo). Whatever the client cannot send is sent
// with raw `fetch`; everything else goes through the client. Each request gets an
// AppSync-shaped error with the HTTP status AppSync uses, never a hang (10 s timeout per
// request), never a 5xx, and the server keeps answering afterwards.
//
// AppSync's behaviour, as its team documented it (graphql/graphql-over-http#81) and as
// client-protocol.md §3.3 records it:
// - empty body, a body that is not JSON, or JSON without a `query` string: HTTP 400,
//   errorType MalformedHttpRequestException;
// - a document that fails validation (unknown field, wrong variable type): HTTP 200,
//   `data: null`, errors with message and locations (AppSync gives these no errorType);
// - a missing or wrong API key: HTTP 401, `x-amzn-ErrorType: UnauthorizedException`,
//   errorType UnauthorizedException.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { assertHttpError, assertOk, assertRejected, assertValidationError, post } from '../lib/appsync.mjs';
import { collect, createClient, waitUntil } from '../lib/client.mjs';
import { startSandbox, useSandbox } from '../lib/sandbox.mjs';

const MALFORMED = 'MalformedHttpRequestException';
const UNAUTHORIZED = 'UnauthorizedException';

describe('bad input (examples/todo)', () => {
  const ctx = useSandbox({ example: 'todo' });
  const run = randomUUID().slice(0, 8);
  let client;
  let url;
  let apiKey;

  before(() => {
    client = createClient(ctx.sb.outputs);
    url = ctx.sb.graphqlUrl;
    apiKey = ctx.sb.apiKey;
  });

  /** A GraphQL request as the client would send it, with the right key unless told otherwise. */
  const send = (payload, options = {}) => post(url, { apiKey, body: typeof payload === 'string' ? payload : JSON.stringify(payload), ...options });

  /** The server still serves a normal request. */
  async function stillAnswers() {
    const response = await send({ query: 'query { listTodos(limit: 1) { items { id } nextToken } }', variables: null });
    assert.equal(response.status, 200, `the server still answers: HTTP ${response.status} ${response.text.slice(0, 300)}`);
    assert.ok(!response.body?.errors, `the server still answers: ${response.text.slice(0, 300)}`);
    assert.ok(Array.isArray(response.body.data.listTodos.items));
  }

  describe('requests that are not GraphQL over HTTP: 400 MalformedHttpRequestException', () => {
    for (const [name, body] of [
      ['an empty body', ''],
      ['malformed JSON', '{"query": "query { listTodos { items { id } } }"'],
      ['a body that is not JSON', 'meow'],
      ['a JSON object without query', '{}'],
      ['a JSON array', '[]'],
      ['a query that is not a string', '{"query": 42}'],
    ]) {
      test(name, async () => {
        assertHttpError(await send(body), { status: 400, errorType: MALFORMED });
        await stillAnswers();
      });
    }
  });

  describe('documents that fail parsing or validation', () => {
    test('invalid GraphQL syntax', async () => {
      const response = await send({ query: 'query { listTodos { items { id }' });
      // AppSync's published samples do not cover a JSON body whose query does not parse:
      // accept its two error forms (400 + MalformedHttpRequestException, or 200 + data null).
      assert.ok([200, 400].includes(response.status), `HTTP ${response.status}: ${response.text.slice(0, 300)}`);
      if (response.status === 400) assertHttpError(response, { status: 400, errorType: MALFORMED });
      else assertValidationError(response);
      await stillAnswers();
    });

    test('an unknown field', async () => {
      const errors = assertValidationError(await send({ query: 'query { listTodos { items { id notAField } } }' }));
      assert.ok(errors.every((error) => error.path === null || error.path === undefined), 'validation errors have no path');
      assert.ok(errors.some((error) => Array.isArray(error.locations) && error.locations.length > 0), 'validation errors point at the document');
      await stillAnswers();
    });

    test('an unknown operation on the root type', async () => {
      assertValidationError(await send({ query: 'query { listTodoz { items { id } } }' }));
      await stillAnswers();
    });

    test('a variable of the wrong type', async () => {
      const query = 'query ($limit: Int) { listTodos(limit: $limit) { items { id } } }';
      assertValidationError(await send({ query, variables: { limit: 'ten' } }));
      assertValidationError(await send({ query: 'mutation ($input: CreateTodoInput!) { createTodo(input: $input) { id } }', variables: { input: { content: { nested: true } } } }));
      await stillAnswers();
    });

    test('a missing required variable', async () => {
      assertValidationError(await send({ query: 'query ($id: ID!) { getTodo(id: $id) { id } }', variables: {} }));
      await stillAnswers();
    });

    test('one invalid mutation in a document: nothing of the document runs', async () => {
      const a = `partial-${run}-a`;
      const query = `mutation {
        a: createTodo(input: { id: "${a}", content: "x" }) { id }
        b: createTodo(input: { id: "partial-${run}-b", notAField: 1 }) { id }
      }`;
      assertValidationError(await send({ query }));
      const fetched = await client.models.Todo.get({ id: a });
      assert.equal(fetched.data, null, 'no partial write');
    });
  });

  describe('limits: answered, never a hang or a crash', () => {
    test('an oversized body (10 MiB)', async () => {
      const huge = 'x'.repeat(10 * 1024 * 1024);
      const response = await send({ query: 'mutation ($input: CreateTodoInput!) { createTodo(input: $input) { id } }', variables: { input: { content: huge } } }, { timeoutMs: 30_000 });
      assert.ok(response.status >= 400 && response.status < 500, `a client error, not HTTP ${response.status}`);
      assertHttpError(response, { errorType: /\S/ });
      await stillAnswers();
    });

    test('a deeply nested document (5,000 levels)', async () => {
      const depth = 5000;
      const query = `query { listTodos ${'{ items '.repeat(depth)}{ id }${' }'.repeat(depth)} }`;
      const response = await send({ query });
      assert.ok([200, 400].includes(response.status), `HTTP ${response.status}: ${response.text.slice(0, 300)}`);
      assertHttpError(response, {});
      await stillAnswers();
    });

    test('deeply nested list values (10,000 levels)', async () => {
      const depth = 10_000;
      const query = `query { listTodos(filter: { content: { between: ${'['.repeat(depth)}"a"${']'.repeat(depth)} } }) { items { id } } }`;
      const response = await send({ query });
      assert.ok([200, 400].includes(response.status), `HTTP ${response.status}: ${response.text.slice(0, 300)}`);
      assertHttpError(response, {});
      await stillAnswers();
    });

    test('a deeply nested filter in variables (1,000 levels of and)', async () => {
      let filter = { content: { eq: `deep-${run}` } };
      for (let i = 0; i < 1000; i++) filter = { and: [filter] };
      const response = await send({ query: 'query ($filter: ModelTodoFilterInput) { listTodos(filter: $filter) { items { id } } }', variables: { filter } });
      assert.ok([200, 400].includes(response.status), `HTTP ${response.status}: ${response.text.slice(0, 300)}`);
      if (response.body?.errors) assertHttpError(response, {});
      else assert.deepEqual(response.body.data.listTodos.items, []);
      await stillAnswers();
    });

    test('a document with 20,000 aliased fields', async () => {
      const fields = Array.from({ length: 20_000 }, (_, i) => `a${i}: __typename`).join(' ');
      const response = await send({ query: `query { ${fields} }` }, { timeoutMs: 20_000 });
      assert.ok(response.status < 500, `HTTP ${response.status}: ${response.text.slice(0, 300)}`);
      assert.ok(response.body, `a JSON answer: ${response.text.slice(0, 300)}`);
      await stillAnswers();
    });
  });

  describe('pagination tokens', () => {
    test('an invalid nextToken (sent by the client) is a GraphQL error, not a crash', async () => {
      // Not base64, and base64 of JSON that is no token of ours.
      for (const nextToken of ['garbage', 'eyJub3QiOiJ5b3VycyJ9']) {
        const result = await client.models.Todo.list({ limit: 2, nextToken });
        assertRejected(result, { what: `list with nextToken ${JSON.stringify(nextToken)}` });
        assert.ok(result.errors.every((error) => typeof error.errorType === 'string' && error.errorType.length > 0), `a resolver error carries an errorType: ${JSON.stringify(result.errors)}`);
      }
      await stillAnswers();
    });
  });

  describe('API keys', () => {
    test('a wrong API key: 401 UnauthorizedException', async () => {
      const response = await send({ query: 'query { listTodos { items { id } } }' }, { apiKey: 'da2-notthekeyofthissandbox000' });
      assertHttpError(response, { status: 401, errorType: UNAUTHORIZED });
      assert.equal(response.headers.get('x-amzn-errortype')?.split(':')[0], UNAUTHORIZED);
      await stillAnswers();
    });

    test('no API key at all: 401 UnauthorizedException', async () => {
      const response = await post(url, { body: JSON.stringify({ query: 'query { listTodos { items { id } } }' }) });
      assertHttpError(response, { status: 401, errorType: UNAUTHORIZED });
      await stillAnswers();
    });

    test('a wrong API key on a mutation writes nothing', async () => {
      const id = `nokey-${run}`;
      const response = await send({ query: `mutation { createTodo(input: { id: "${id}", content: "x" }) { id } }` }, { apiKey: 'da2-wrong' });
      assertHttpError(response, { status: 401, errorType: UNAUTHORIZED });
      assert.equal((await client.models.Todo.get({ id })).data, null);
    });

    test('a wrong API key on the real-time socket: the subscription errors out, no hang', async () => {
      const outputs = structuredClone(ctx.sb.outputs);
      outputs.API.GraphQL.apiKey = 'da2-notthekeyofthissandbox000';
      const wrongClient = createClient(outputs);
      const stream = collect(wrongClient.models.Todo.onCreate(), 'onCreate with a wrong key');
      try {
        await waitUntil(() => stream.errors.length > 0, { timeoutMs: 15_000, what: 'the subscription to fail' });
        assert.match(JSON.stringify(stream.errors), /Unauthori[sz]ed|401/, `an authorization failure: ${JSON.stringify(stream.errors)}`);
      } finally {
        stream.unsubscribe();
        createClient(ctx.sb.outputs); // restore the right configuration for the next tests
      }
      await stillAnswers();
    });

    test('an expired API key', async () => {
      // A sandbox whose key (kept in its state, made `expiresInDays` ago but 3 s) expires
      // while it runs: accepted before, 401 UnauthorizedException after.
      const days = 30; // apiKeyAuthorizationMode.expiresInDays of examples/todo
      const key = `da2-${'e'.repeat(26)}`;
      const createdAt = Math.floor(Date.now() / 1000) + 3 - days * 86_400;
      const sb = await startSandbox({
        example: 'todo',
        files: { '.amplify/ampbase/sandboxes/e2e/api-key.json': JSON.stringify({ key, createdAt }) },
      });
      try {
        assert.equal(sb.apiKey, key, 'the sandbox serves the key of its state');
        const query = JSON.stringify({ query: '{ listTodos { items { id } } }' });
        const before = await post(sb.graphqlUrl, { apiKey: key, body: query });
        assert.equal(before.status, 200, before.text);
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, (createdAt + days * 86_400) * 1000 - Date.now()) + 500));
        const after = await post(sb.graphqlUrl, { apiKey: key, body: query });
        assert.equal(after.status, 401, after.text);
        assertHttpError(after, { errorType: UNAUTHORIZED });
      } finally {
        await sb.stop();
      }
    });
  });

  test('after all of the above the client works as before', async () => {
    const created = assertOk(await client.models.Todo.create({ content: `alive-${run}` }), 'create');
    assert.equal(assertOk(await client.models.Todo.get({ id: created.id }), 'get').content, `alive-${run}`);
  });
});
