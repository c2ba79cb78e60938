// BRIEF acceptance scenario 1, "Quickstart": the Amplify Gen 2 quickstart Todo
// (examples/todo: `Todo { content }` with `allow.publicApiKey()`) through the unmodified
// client: create, get, list with filter and pagination, update, delete, observeQuery,
// onCreate/onUpdate/onDelete with and without filters, and AppSync-shaped errors.
//
// Expectations follow the Amplify Data docs (seeds/003, "Data" pages) and AppSync's
// behaviour for Amplify-generated resolvers (client-protocol.md §3).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { CONDITIONAL_CHECK_FAILED, assertGraphQLErrors, assertOk, assertRejected } from '../lib/appsync.mjs';
import { ackMark, collect, createClient, subscribeAndWait, waitForAcks } from '../lib/client.mjs';
import { useSandbox } from '../lib/sandbox.mjs';

const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
/** Time a subscriber is given to (wrongly) receive an event before we conclude it won't. */
const QUIET_MS = 500;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every page of a list call: `{ items, pages }`; fails on errors, repeated tokens or a runaway loop. */
async function listAll(list, args = {}) {
  const items = [];
  const pages = [];
  const tokens = new Set();
  let nextToken = null;
  do {
    const page = await list({ ...args, nextToken });
    assert.ok(!page.errors?.length, `list page ${pages.length + 1} failed: ${JSON.stringify(page.errors)}`);
    pages.push(page.data.length);
    items.push(...page.data);
    nextToken = page.nextToken ?? null;
    if (nextToken !== null) {
      assert.equal(typeof nextToken, 'string', 'nextToken is an opaque string');
      assert.ok(!tokens.has(nextToken), `nextToken repeated: ${nextToken}`);
      tokens.add(nextToken);
    }
    assert.ok(pages.length <= 200, 'pagination does not end');
  } while (nextToken !== null);
  return { items, pages };
}

describe('quickstart (examples/todo)', () => {
  const ctx = useSandbox({ example: 'todo' });
  const run = randomUUID().slice(0, 8);
  let client;

  before(() => {
    client = createClient(ctx.sb.outputs);
  });

  test('create returns the record with a generated id and timestamps; get reads it back', async () => {
    const content = `create-${run}`;
    const created = assertOk(await client.models.Todo.create({ content }), 'create');
    assert.equal(typeof created.id, 'string');
    assert.ok(created.id.length > 0);
    assert.equal(created.content, content);
    assert.match(created.createdAt, ISO_DATETIME);
    assert.match(created.updatedAt, ISO_DATETIME);
    assert.equal(created.createdAt, created.updatedAt, 'a new record has createdAt = updatedAt');

    const fetched = assertOk(await client.models.Todo.get({ id: created.id }), 'get');
    assert.deepEqual(
      { id: fetched.id, content: fetched.content, createdAt: fetched.createdAt, updatedAt: fetched.updatedAt },
      { id: created.id, content, createdAt: created.createdAt, updatedAt: created.updatedAt },
    );
  });

  test('create accepts a client-chosen id', async () => {
    const id = `todo-${run}-chosen`;
    const created = assertOk(await client.models.Todo.create({ id, content: 'chosen id' }), 'create with id');
    assert.equal(created.id, id);
    assert.equal(assertOk(await client.models.Todo.get({ id }), 'get').content, 'chosen id');
  });

  test('get of a missing id returns null without errors', async () => {
    const result = await client.models.Todo.get({ id: `missing-${run}` });
    assert.ok(!result.errors?.length, JSON.stringify(result.errors));
    assert.equal(result.data, null);
  });

  test('list with a filter, page by page (limit + nextToken): every match exactly once', async () => {
    const prefix = `page-${run}-`;
    const total = 23;
    const contents = Array.from({ length: total }, (_, i) => `${prefix}${String(i).padStart(2, '0')}`);
    // Records that must not match, interleaved with the matching ones.
    const others = Array.from({ length: 6 }, (_, i) => `other-${run}-${i}`);
    for (const batch of [contents.slice(0, 12), others, contents.slice(12)]) {
      const results = await Promise.all(batch.map((content) => client.models.Todo.create({ content })));
      results.forEach((result) => assertOk(result, 'create'));
    }

    const limit = 5;
    const { items, pages } = await listAll(client.models.Todo.list, { filter: { content: { beginsWith: prefix } }, limit });
    const ids = items.map((item) => item.id);
    assert.equal(new Set(ids).size, ids.length, 'no record twice across pages');
    assert.deepEqual(items.map((item) => item.content).sort(), contents, 'every matching record, nothing else');
    assert.ok(pages.every((size) => size <= limit), `no page larger than limit ${limit}: ${pages}`);
    assert.ok(pages.length >= Math.ceil(total / limit), `at least ${Math.ceil(total / limit)} pages: ${pages}`);

    // Without a filter, a limited list stops early and hands out a token.
    const first = await client.models.Todo.list({ limit: 3 });
    assert.ok(!first.errors?.length, JSON.stringify(first.errors));
    assert.ok(first.data.length <= 3);
    assert.equal(typeof first.nextToken, 'string', 'more records remain, so there is a nextToken');
  });

  test('list filters: eq, ne, contains, notContains, beginsWith, between, attributeExists, and/or/not', async () => {
    const tag = `filt-${run}`;
    const names = ['alpha', 'beta', 'gamma', 'delta'];
    for (const name of names) assertOk(await client.models.Todo.create({ content: `${tag}-${name}` }), 'create');
    assertOk(await client.models.Todo.create({ id: `${tag}-empty` }), 'create without content');
    const scope = { content: { beginsWith: tag } };
    const contentsOf = async (filter) => {
      const { items } = await listAll(client.models.Todo.list, { filter, limit: 100 });
      return items.map((item) => item.content).sort();
    };

    assert.deepEqual(await contentsOf({ content: { eq: `${tag}-beta` } }), [`${tag}-beta`]);
    assert.deepEqual(await contentsOf({ and: [scope, { content: { ne: `${tag}-beta` } }] }), [`${tag}-alpha`, `${tag}-delta`, `${tag}-gamma`]);
    assert.deepEqual(await contentsOf({ and: [scope, { content: { contains: 'mm' } }] }), [`${tag}-gamma`]);
    assert.deepEqual(await contentsOf({ and: [scope, { content: { notContains: 'mm' } }] }), [`${tag}-alpha`, `${tag}-beta`, `${tag}-delta`]);
    assert.deepEqual(await contentsOf({ content: { between: [`${tag}-b`, `${tag}-e`] } }), [`${tag}-beta`, `${tag}-delta`]);
    assert.deepEqual(await contentsOf({ or: [{ content: { eq: `${tag}-alpha` } }, { content: { eq: `${tag}-delta` } }] }), [`${tag}-alpha`, `${tag}-delta`]);
    assert.deepEqual(await contentsOf({ and: [scope, { not: { content: { eq: `${tag}-alpha` } } }] }), [`${tag}-beta`, `${tag}-delta`, `${tag}-gamma`]);

    const missing = await listAll(client.models.Todo.list, { filter: { and: [{ id: { beginsWith: tag } }, { content: { attributeExists: false } }] }, limit: 100 });
    assert.deepEqual(missing.items.map((item) => item.id), [`${tag}-empty`]);
  });

  test('update changes the given fields only, keeps createdAt and advances updatedAt', async () => {
    const created = assertOk(await client.models.Todo.create({ content: `before-${run}` }), 'create');
    await sleep(20);
    const updated = assertOk(await client.models.Todo.update({ id: created.id, content: `after-${run}` }), 'update');
    assert.equal(updated.id, created.id);
    assert.equal(updated.content, `after-${run}`);
    assert.equal(updated.createdAt, created.createdAt);
    assert.match(updated.updatedAt, ISO_DATETIME);
    assert.ok(Date.parse(updated.updatedAt) > Date.parse(created.updatedAt), 'updatedAt moves forward');

    const fetched = assertOk(await client.models.Todo.get({ id: created.id }), 'get');
    assert.equal(fetched.content, `after-${run}`);
    assert.equal(fetched.updatedAt, updated.updatedAt);
  });

  test('delete returns the deleted record; it is gone afterwards', async () => {
    const created = assertOk(await client.models.Todo.create({ content: `doomed-${run}` }), 'create');
    const deleted = assertOk(await client.models.Todo.delete({ id: created.id }), 'delete');
    assert.equal(deleted.id, created.id);
    assert.equal(deleted.content, `doomed-${run}`);
    const fetched = await client.models.Todo.get({ id: created.id });
    assert.ok(!fetched.errors?.length, JSON.stringify(fetched.errors));
    assert.equal(fetched.data, null);
    const { items } = await listAll(client.models.Todo.list, { filter: { id: { eq: created.id } } });
    assert.deepEqual(items, []);
  });

  test('observeQuery: the initial items, then a created, an updated and a deleted record', async () => {
    const prefix = `obs-${run}-`;
    const initial = [];
    for (const n of [1, 2]) initial.push(assertOk(await client.models.Todo.create({ content: `${prefix}${n}` }), 'create'));
    assertOk(await client.models.Todo.create({ content: `not-observed-${run}` }), 'create');

    const since = ackMark();
    const stream = collect(client.models.Todo.observeQuery({ filter: { content: { beginsWith: prefix } } }), 'observeQuery');
    try {
      const synced = await stream.waitFor((snapshot) => snapshot.isSynced, { what: 'the synced snapshot' });
      assert.deepEqual(synced.items.map((item) => item.id).sort(), initial.map((item) => item.id).sort());
      // observeQuery runs onCreate/onUpdate/onDelete with the same filter; changes made
      // before the server acknowledged them are not owed to the subscriber.
      await waitForAcks(['onCreateTodo', 'onUpdateTodo', 'onDeleteTodo'], { since });

      const added = assertOk(await client.models.Todo.create({ content: `${prefix}3` }), 'create');
      await stream.waitFor((s) => s.items.some((item) => item.id === added.id), { what: 'the created record in a snapshot' });

      assertOk(await client.models.Todo.update({ id: initial[0].id, content: `${prefix}1-edited` }), 'update');
      await stream.waitFor((s) => s.items.some((item) => item.id === initial[0].id && item.content === `${prefix}1-edited`), { what: 'the updated record in a snapshot' });

      assertOk(await client.models.Todo.delete({ id: initial[1].id }), 'delete');
      const last = await stream.waitFor((s) => !s.items.some((item) => item.id === initial[1].id), { what: 'a snapshot without the deleted record' });
      assert.deepEqual(last.items.map((item) => item.id).sort(), [initial[0].id, added.id].sort());
      assert.ok(last.items.every((item) => item.content.startsWith(prefix)), 'only records of the filter');
    } finally {
      stream.unsubscribe();
    }
  });

  test('onCreate / onUpdate / onDelete without a filter receive every change', async () => {
    const created$ = await subscribeAndWait(client.models.Todo.onCreate(), 'onCreateTodo');
    const updated$ = await subscribeAndWait(client.models.Todo.onUpdate(), 'onUpdateTodo');
    const deleted$ = await subscribeAndWait(client.models.Todo.onDelete(), 'onDeleteTodo');
    try {
      const created = assertOk(await client.models.Todo.create({ content: `sub-${run}` }), 'create');
      const onCreate = await created$.waitFor((todo) => todo.id === created.id);
      assert.equal(onCreate.content, `sub-${run}`);
      assert.equal(onCreate.createdAt, created.createdAt);

      assertOk(await client.models.Todo.update({ id: created.id, content: `sub-${run}-edited` }), 'update');
      const onUpdate = await updated$.waitFor((todo) => todo.id === created.id);
      assert.equal(onUpdate.content, `sub-${run}-edited`);

      assertOk(await client.models.Todo.delete({ id: created.id }), 'delete');
      const onDelete = await deleted$.waitFor((todo) => todo.id === created.id);
      assert.equal(onDelete.content, `sub-${run}-edited`);
    } finally {
      created$.unsubscribe();
      updated$.unsubscribe();
      deleted$.unsubscribe();
    }
  });

  test('onCreate / onUpdate / onDelete with a filter receive only matching changes', async () => {
    const wanted = `want-${run}`;
    const filter = { content: { beginsWith: wanted } };
    const created$ = await subscribeAndWait(client.models.Todo.onCreate({ filter }), 'onCreateTodo');
    const updated$ = await subscribeAndWait(client.models.Todo.onUpdate({ filter }), 'onUpdateTodo');
    const deleted$ = await subscribeAndWait(client.models.Todo.onDelete({ filter }), 'onDeleteTodo');
    try {
      // A non-matching change first: events arrive in order, so once the matching one is
      // in, a wrongly delivered non-matching one would already be there too.
      const other = assertOk(await client.models.Todo.create({ content: `skip-${run}` }), 'create');
      const match = assertOk(await client.models.Todo.create({ content: `${wanted}-1` }), 'create');
      await created$.waitFor((todo) => todo.id === match.id);

      assertOk(await client.models.Todo.update({ id: other.id, content: `skip-${run}-edited` }), 'update');
      assertOk(await client.models.Todo.update({ id: match.id, content: `${wanted}-1-edited` }), 'update');
      await updated$.waitFor((todo) => todo.id === match.id && todo.content === `${wanted}-1-edited`);

      assertOk(await client.models.Todo.delete({ id: other.id }), 'delete');
      assertOk(await client.models.Todo.delete({ id: match.id }), 'delete');
      await deleted$.waitFor((todo) => todo.id === match.id);

      await sleep(QUIET_MS);
      for (const [name, stream] of [['onCreate', created$], ['onUpdate', updated$], ['onDelete', deleted$]]) {
        const delivered = stream.events.map((todo) => todo.id);
        assert.ok(!delivered.includes(other.id), `${name} with a filter delivered a non-matching record: ${JSON.stringify(stream.events)}`);
        assert.ok(stream.events.every((todo) => todo.content.startsWith(wanted)), `${name}: only matching records`);
      }
    } finally {
      created$.unsubscribe();
      updated$.unsubscribe();
      deleted$.unsubscribe();
    }
  });

  test('a subscription filter on id with `in` (subscription-only operator)', async () => {
    const ids = [`in-${run}-a`, `in-${run}-b`];
    const created$ = await subscribeAndWait(client.models.Todo.onCreate({ filter: { id: { in: ids } } }), 'onCreateTodo');
    try {
      assertOk(await client.models.Todo.create({ id: `in-${run}-z`, content: 'no' }), 'create');
      assertOk(await client.models.Todo.create({ id: ids[1], content: 'yes' }), 'create');
      await created$.waitFor((todo) => todo.id === ids[1]);
      assert.deepEqual(created$.events.map((todo) => todo.id), [ids[1]]);
    } finally {
      created$.unsubscribe();
    }
  });

  describe('errors in AppSync shape', () => {
    test('an id of the wrong type is rejected by validation', async () => {
      const result = await client.models.Todo.get({ id: { not: 'an id' } });
      assertRejected(result, { what: 'get with an object id' });
    });

    test('an input field the model does not have is rejected, nothing is written', async () => {
      const id = `unknown-field-${run}`;
      const result = await client.models.Todo.create({ id, content: 'x', priority: 3 });
      assertRejected(result, { what: 'create with an unknown field' });
      const fetched = await client.models.Todo.get({ id });
      assert.equal(fetched.data, null, 'no partial write');
    });

    test('creating an id that exists fails with ConditionalCheckFailedException and changes nothing', async () => {
      const id = `dup-${run}`;
      assertOk(await client.models.Todo.create({ id, content: 'first' }), 'create');
      const again = await client.models.Todo.create({ id, content: 'second' });
      assertRejected(again, { errorType: CONDITIONAL_CHECK_FAILED, what: 'create of an existing id' });
      assert.equal(assertOk(await client.models.Todo.get({ id }), 'get').content, 'first');
    });

    test('updating or deleting a missing id fails with ConditionalCheckFailedException', async () => {
      const id = `ghost-${run}`;
      assertRejected(await client.models.Todo.update({ id, content: 'x' }), { errorType: CONDITIONAL_CHECK_FAILED, what: 'update of a missing id' });
      assertRejected(await client.models.Todo.delete({ id }), { errorType: CONDITIONAL_CHECK_FAILED, what: 'delete of a missing id' });
      assert.equal((await client.models.Todo.get({ id })).data, null, 'update must not create');
    });

    // The model API never sends `condition` (client-protocol.md §3.2); the documented way to
    // pass one is `client.graphql` with the mutation document, as below.
    const updateWithCondition = `mutation ($input: UpdateTodoInput!, $condition: ModelTodoConditionInput) {
      updateTodo(input: $input, condition: $condition) { id content createdAt updatedAt }
    }`;
    const deleteWithCondition = `mutation ($input: DeleteTodoInput!, $condition: ModelTodoConditionInput) {
      deleteTodo(input: $input, condition: $condition) { id content }
    }`;
    // client.graphql rejects with `{ data, errors }` when the response has errors.
    const graphql = (query, variables) => client.graphql({ query, variables }).catch((error) => error);

    test('update with a failing condition: ConditionalCheckFailedException, record unchanged', async () => {
      const created = assertOk(await client.models.Todo.create({ content: `cond-${run}` }), 'create');
      const failed = await graphql(updateWithCondition, { input: { id: created.id, content: 'changed' }, condition: { content: { eq: 'something else' } } });
      assertGraphQLErrors(failed, { errorType: CONDITIONAL_CHECK_FAILED, what: 'update with a false condition' });
      assert.equal(failed.data?.updateTodo ?? null, null);
      assert.equal(assertOk(await client.models.Todo.get({ id: created.id }), 'get').content, `cond-${run}`);

      const passed = await graphql(updateWithCondition, { input: { id: created.id, content: 'changed' }, condition: { content: { eq: `cond-${run}` } } });
      assert.ok(!passed.errors?.length, `update with a true condition: ${JSON.stringify(passed.errors)}`);
      assert.equal(passed.data.updateTodo.content, 'changed');
    });

    test('delete with a failing condition: ConditionalCheckFailedException, record kept', async () => {
      const created = assertOk(await client.models.Todo.create({ content: `keep-${run}` }), 'create');
      const failed = await graphql(deleteWithCondition, { input: { id: created.id }, condition: { content: { beginsWith: 'nope' } } });
      assertGraphQLErrors(failed, { errorType: CONDITIONAL_CHECK_FAILED, what: 'delete with a false condition' });
      assert.equal(assertOk(await client.models.Todo.get({ id: created.id }), 'get').content, `keep-${run}`);
    });
  });
});

