// Hot reload with a client connected (issue 3, "What it must show"): a field added to the
// Todo model in amplify/data/resource.ts is queryable shortly after the save; data written
// before the reload is still there; a broken save keeps the last good backend serving.
//
// After a reload the app gets the new amplify_outputs.json (a dev server reloads it) and
// configures the client again, exactly as on start: Amplify.configure(outputs) and
// generateClient().
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { assertOk } from '../lib/appsync.mjs';
import { createClient, subscribeAndWait } from '../lib/client.mjs';
import { editAndWaitForReload, useSandbox } from '../lib/sandbox.mjs';

const RESOURCE = 'amplify/data/resource.ts';
/** "Shortly after the save": generous for CI; the bench measures the real reload time. */
const SHORTLY_MS = 5000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

describe('reload (examples/todo)', () => {
  const ctx = useSandbox({ example: 'todo' });
  const run = randomUUID().slice(0, 8);
  let client;
  let before_;

  before(async () => {
    client = createClient(ctx.sb.outputs);
    before_ = assertOk(await client.models.Todo.create({ content: `before-reload-${run}` }), 'create before the reload');
  });

  test('a field added to the model is queryable shortly after the save', async (t) => {
    // A client connected over real-time while the definition changes.
    const connected = await subscribeAndWait(client.models.Todo.onCreate(), 'onCreateTodo');
    try {
      const saved = Date.now();
      const reload = await editAndWaitForReload(ctx.sb, RESOURCE, (source) => {
        const edited = source.replace(/content: a\.string\(\),/, 'content: a.string(),\n      priority: a.integer(),');
        assert.notEqual(edited, source, `the Todo model of ${RESOURCE} has the expected shape`);
        return edited;
      });
      assert.ok(reload.ok, `the reload succeeded: ${reload.line}\n${ctx.sb.logs()}`);
      const priority = reload.outputs.API.GraphQL.modelIntrospection.models.Todo.fields.priority;
      assert.ok(priority, 'amplify_outputs.json is rewritten with the new field');
      assert.equal(priority.type, 'Int');

      // The app picks up the new outputs.
      const next = createClient(reload.outputs);
      let created;
      let lastAttempt;
      while (!created) {
        lastAttempt = await next.models.Todo.create({ content: `after-reload-${run}`, priority: 3 });
        if (!lastAttempt.errors?.length) created = lastAttempt.data;
        else if (Date.now() - saved > SHORTLY_MS) break;
        else await sleep(50);
      }
      const elapsed = Date.now() - saved;
      assert.ok(created, `create with the new field within ${SHORTLY_MS} ms of the save: ${JSON.stringify(lastAttempt?.errors)}`);
      t.diagnostic(`new field writable ${elapsed} ms after the save (status line after ${reload.elapsedMs} ms)`);
      assert.equal(created.priority, 3);

      const fetched = assertOk(await next.models.Todo.get({ id: created.id }), 'get after the reload');
      assert.equal(fetched.priority, 3);
      const filtered = await next.models.Todo.list({ filter: { priority: { eq: 3 }, content: { eq: `after-reload-${run}` } } });
      assert.deepEqual(filtered.data.map((todo) => todo.id), [created.id], 'the new field can be filtered on');

      // Data from before the reload survives it, with the new field unset.
      const old = assertOk(await next.models.Todo.get({ id: before_.id }), 'get a record from before the reload');
      assert.equal(old.content, `before-reload-${run}`);
      assert.equal(old.priority, null);

      // A new subscription sees the new field.
      const fresh = await subscribeAndWait(next.models.Todo.onCreate(), 'onCreateTodo');
      try {
        const live = assertOk(await next.models.Todo.create({ content: `live-${run}`, priority: 7 }), 'create');
        const event = await fresh.waitFor((todo) => todo.id === live.id);
        assert.equal(event.priority, 7);
      } finally {
        fresh.unsubscribe();
      }
    } finally {
      connected.unsubscribe();
    }
  });

  test('documents of the old schema still work after the reload', async () => {
    // A client generated before the reload (old selection sets, no `priority`) keeps working.
    const oldOutputs = structuredClone(ctx.sb.outputs);
    delete oldOutputs.API.GraphQL.modelIntrospection.models.Todo.fields.priority;
    const old = createClient(oldOutputs);
    const created = assertOk(await old.models.Todo.create({ content: `old-client-${run}` }), 'create with the old client');
    assert.equal(assertOk(await old.models.Todo.get({ id: created.id }), 'get with the old client').content, `old-client-${run}`);
    client = createClient(ctx.sb.outputs);
  });

  test('a broken save keeps the last good backend serving, and a fix is picked up', async () => {
    const broken = await editAndWaitForReload(ctx.sb, RESOURCE, (source) => `${source}\nexport const oops = ;\n`);
    assert.equal(broken.ok, false, `a syntax error fails the build: ${broken.line}`);
    // Still the last good backend, with `priority`.
    const still = assertOk(await client.models.Todo.create({ content: `during-broken-${run}`, priority: 1 }), 'create while the definition is broken');
    assert.equal(still.priority, 1);

    const fixed = await editAndWaitForReload(ctx.sb, RESOURCE, (source) => source.replace('\nexport const oops = ;\n', ''));
    assert.ok(fixed.ok, `the fixed definition builds: ${fixed.line}`);
    const after = createClient(fixed.outputs);
    assert.equal(assertOk(await after.models.Todo.get({ id: still.id }), 'get after the fix').priority, 1);
  });
});
