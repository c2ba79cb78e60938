// The backend runtime: collect() of a sample amplify/ app, CDK escape-hatch
// warnings, and actionable errors for typos and bad arguments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setup, load, jsRoot } from './support/harness.mjs';
import { internal } from '../lib/strict.js';
import { a, defineFunction, defineStorage, defineData, defineAuth, defineBackend } from '../backend.js';

const env = setup();
const app = join(jsRoot, 'test/app');

test('collect() of the sample app', { skip: env.skip }, async () => {
  await load(join(app, 'amplify/backend.ts'), 'ours', app);
  const def = globalThis.__ampbase.collect();
  assert.equal(def.version, 1);
  assert.equal(def.auth.loginWith.email.verificationEmailBody, 'Your code is {####}');
  assert.deepEqual(def.auth.loginWith.externalProviders.google.clientId, { secret: 'GOOGLE_CLIENT_ID' });
  assert.deepEqual(def.auth.triggers, { postConfirmation: 'post-confirmation' });
  assert.deepEqual(def.auth.access, [{ resource: 'post-confirmation', actions: ['addUserToGroup'] }]);
  assert.deepEqual(def.data.functionNames, { FnSayHello: 'say-hello' });
  assert.deepEqual(def.data.functionSchemaAccess, [{ resource: 'post-confirmation', actions: ['mutate'] }]);
  assert.deepEqual(def.data.customHandlers, [{ operation: 'Mutation.likeTodo', step: 0, dataSource: 'Todo', entry: 'amplify/data/increment-like.js' }]);
  assert.match(def.data.schemaSdl, /^type Todo @model @auth\(rules: \[\{allow: owner, ownerField: "owner"\}/);
  assert.equal(def.storage[0].name, 'media');
  assert.deepEqual(def.storage[0].access['private/{entity_id}/*'], [{ principal: 'entity', entity: 'identity', actions: ['read', 'write', 'delete'] }]);
  assert.deepEqual(def.storage[0].triggers, { onUpload: 'on-upload' });
  const fns = Object.fromEntries(def.functions.map((f) => [f.name, f]));
  assert.deepEqual(Object.keys(fns).sort(), ['on-upload', 'post-confirmation', 'say-hello']);
  assert.equal(fns['say-hello'].entry, 'amplify/functions/say-hello/handler.ts');
  assert.equal(fns['say-hello'].definedIn, 'amplify/functions/say-hello/resource.ts');
  assert.deepEqual(fns['say-hello'].environment, { NAME: 'World', API_KEY: { secret: 'API_KEY' }, GREETING: 'hi' });
  assert.deepEqual(fns['say-hello'].schedule, ['every 5m']);
  assert.equal(fns['on-upload'].entry, 'amplify/functions/shared/upload-handler.ts');
  assert.deepEqual(def.outputs, { custom: { api_name: 'demo', region: 'local' }, version: '1.3' });
  assert.deepEqual(
    def.warnings.map((w) => [w.construct, w.file, w.line]),
    [
      ['backend.auth.resources.cfnResources.cfnUserPool', 'amplify/backend.ts', 12],
      ['backend.createStack', 'amplify/backend.ts', 15],
    ],
  );
  assert.deepEqual(JSON.parse(JSON.stringify(def)), def, 'collect() is JSON-safe');
});

const throws = (fn, pattern) => assert.throws(fn, (e) => e instanceof Error && pattern.test(e.message));

test('typos name the valid methods', () => {
  throws(() => a.strng(), /^a\.strng is not a function of the schema builder; did you mean a\.string\? Valid: .*integer/);
  throws(() => a.string().requried(), /requried is not a function of a field; did you mean \.required\(\)\?/);
  throws(() => a.model({}).identifer(['x']), /did you mean \.identifier\(\)/);
  throws(() => a.model({}).authorization((allow) => [allow.publicApikey()]), /allow\.publicApikey is not a function: no such authorization rule.*did you mean allow\.publicApiKey\(\)/);
  throws(() => a.query().authorization((allow) => [allow.owner()]), /allow\.owner is not a function: no such authorization rule in custom operation.*only publicApiKey, guest, authenticated/);
  throws(() => a.model({}).authorization((allow) => [allow.resource(1)]), /only allowed at schema level/);
  throws(() => a.model({}).authorization((allow) => [allow.owner().to(['read']).to(['read'])]), /\.to\(\) is not available here/);
  throws(() => a.handler.funtion(), /did you mean a\.handler\.function\(\)/);
});

test('bad arguments explain what to write', () => {
  throws(() => a.model({ title: 'x' }), /field 'title' is not a valid field definition/);
  throws(() => a.model({ title: a.string }), /Did you forget to call it: a\.string\(\)\?/);
  throws(() => a.hasMany('Comment'), /needs the reference field name\(s\)/);
  throws(() => a.model({}).authorization((allow) => [allow.owner().to(['reed'])]), /'reed' is not a valid operation. Valid operations: create, update/);
  throws(() => a.model({}).authorization((allow) => [allow.authenticated('apiKey')]), /invalid provider "apiKey"/);
  throws(() => a.model({}).authorization((allow) => [allow.publicApiKey]), /Did you forget to call it: allow\.publicApiKey\(\)\?/);
  throws(() => a.model({}).disableOperations(['lists']), /'lists' is not an operation/);
  throws(() => a.enum('A'), /a\.enum\(\) needs a non-empty array/);
  throws(() => a.schema({ Todo: a.string() }), /top-level schema entries must be a\.model/);
});

test('schema errors name the model and field', () => {
  const s1 = a.schema({
    Post: a.model({ comments: a.hasMany('Coment', 'postId') }).authorization((allow) => [allow.publicApiKey()]),
    Comment: a.model({ postId: a.id() }),
  });
  throws(() => s1.transform(), /Post is referring to Coment which is not defined in the schema; did you mean Comment\?/);
  const s2 = a.schema({ Todo: a.model({ content: a.string() }) });
  throws(() => s2.transform(), /Model `Todo` is missing authorization rules/);
  const s3 = a.schema({
    Todo: a.model({ owner: a.integer() }).authorization((allow) => [allow.owner()]),
  });
  throws(() => s3.transform(), /model Todo uses owner as an owner\/group field.*Todo\.owner is Int/);
  const s4 = a.schema({
    Todo: a.model({ status: a.string() }).secondaryIndexes((index) => [index('state')]).authorization((allow) => [allow.publicApiKey()]),
  });
  globalThis.__ampbase.reset();
  s4.transform();
  assert.match(globalThis.__ampbase.collect().warnings.find((w) => w.construct === 'Todo.secondaryIndexes').message, /Model Todo: the secondary index on 'state' uses 'state', which is not a field of Todo/);
  const s5 = a.schema({
    Post: a.model({ comments: a.hasMany('Comment', 'postId') }).authorization((allow) => [allow.publicApiKey()]),
    Comment: a.model({ postId: a.id() }).authorization((allow) => [allow.publicApiKey()]),
  });
  throws(() => s5.transform(), /Unable to find associated relationship definition in Comment for Post\.comments.*add a\.belongsTo\('Post', "postId"\) to Comment/);
});

test('resource factories validate their properties', () => {
  globalThis.__ampbase.reset();
  throws(() => defineFunction({ name: 'x', timeoutSeconds: 0 }), /timeoutSeconds must be a whole number between 1 and 900/);
  throws(() => defineStorage({ name: 'm', access: (allow) => ({ 'public/': [allow.guest.to(['read'])] }) }), /invalid access path 'public\/': paths must end with '\/\*'/);
  throws(() => defineStorage({ name: 'm', access: (allow) => ({ 'public/*': [allow.guest] }) }), /allow\.guest on 'public\/\*' needs \.to\(\[\.\.\.\]\)/);
  throws(() => defineStorage({ name: 'm', access: (allow) => ({ 'public/*': [allow.guest.to(['upload'])] }) }), /needs a non-empty array of 'read', 'get', 'list', 'write', 'delete'/);
  throws(() => defineData({ schema: 1 }), /defineData\(\) needs schema/);
  throws(() => defineAuth({}), /defineAuth\(\) needs loginWith/);
  // The same principal on several paths keeps each path's actions.
  const shared = internal(
    defineStorage({
      name: 'shared',
      access: (allow) => ({
        'public/*': [allow.guest.to(['read']), allow.authenticated.to(['read', 'write', 'delete'])],
        'protected/{entity_id}/*': [allow.authenticated.to(['read']), allow.entity('identity').to(['read', 'write', 'delete'])],
      }),
    }),
  );
  assert.deepEqual(shared.access['public/*'], [
    { principal: 'guest', actions: ['read'] },
    { principal: 'authenticated', actions: ['read', 'write', 'delete'] },
  ]);
  assert.deepEqual(shared.access['protected/{entity_id}/*'][0], { principal: 'authenticated', actions: ['read'] });
  const fn = defineFunction({ name: 'one' });
  throws(() => defineFunction({ name: 'one' }), /a function named 'one' is already defined/);
  const backend = defineBackend({ fn, geo: { something: true } });
  throws(() => backend.addOutput(1), /backend\.addOutput\(\) needs an object/);
  backend.addOutput({ custom: { a: 1 } });
  throws(() => backend.addOutput({ custom: { a: 2 } }), /property custom\.a already exists/);
  const def = globalThis.__ampbase.collect();
  assert.equal(def.warnings[0].construct, 'defineBackend.geo');
  assert.deepEqual(def.functions.map((f) => f.name), ['one']);
});

test('CDK recording proxies swallow everything and warn once per use', () => {
  globalThis.__ampbase.reset();
  const backend = defineBackend({});
  const stack = backend.createStack('x');
  const topic = new (globalThis.__ampbase.unsupportedModule('aws-cdk-lib/aws-sns').Topic)(stack, 'T');
  topic.addSubscription(1);
  stack.node.addDependency(topic);
  assert.equal(`${backend.data}`.startsWith('${Token['), true);
  const def = globalThis.__ampbase.collect();
  assert.deepEqual(def.warnings.map((w) => w.construct), ['backend.createStack', 'aws-cdk-lib/aws-sns.Topic', 'backend.data']);
});
