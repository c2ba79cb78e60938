// Identity-pool (IAM) data access (examples/guestbook: Entry with allow.guest().to(['read'])
// and allow.authenticated('identityPool'), MemberNote with allow.authenticated('identityPool'),
// Diary with allow.owner(); identityPool by default), through the official client: every
// request is SigV4-signed (service appsync) with the credentials the identity pool issued —
// a guest's before sign-in, the user's after — and the real-time handshake and `start`
// messages are signed the same way.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { confirmSignUp, fetchAuthSession, signIn, signOut, signUp } from 'aws-amplify/auth';
import { assertOk, assertRejected } from '../lib/appsync.mjs';
import { createClient, subscribeAndWait } from '../lib/client.mjs';
import { useSandbox } from '../lib/sandbox.mjs';

const PASSWORD = 'Corr3ct-Horse-Battery!';
const IAM = { authMode: 'identityPool' };

describe('identity-pool data access (examples/guestbook)', () => {
  const ctx = useSandbox({ example: 'guestbook' });
  const run = randomUUID().slice(0, 8);
  let client;
  let base;

  before(() => {
    client = createClient(ctx.sb.outputs);
    base = ctx.sb.graphqlUrl.replace(/\/graphql$/i, '').replace(/^HTTP:/, 'http:');
  });
  after(async () => {
    await signOut().catch(() => {});
  });

  async function codeFor(email) {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const response = await fetch(`${base}/_ampbase/mailbox?to=${encodeURIComponent(email)}`);
      const code = (await response.json())[0]?.code;
      if (code) return code;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`no code for ${email} in the sandbox mailbox`);
  }

  const member = `member-${run}@example.com`;
  let entryId;

  test('a guest (no sign-in) signs with guest credentials: reads the guestbook, may not write it or read member notes', async () => {
    await signOut().catch(() => {});
    const session = await fetchAuthSession();
    assert.equal(session.tokens, undefined, 'not signed in');
    assert.ok(session.credentials?.accessKeyId, 'guest credentials from the identity pool');

    const entries = await client.models.Entry.list(IAM);
    assertOk(entries, 'guest lists entries');
    assert.ok(Array.isArray(entries.data));

    assertRejected(await client.models.Entry.create({ message: 'from a guest' }, IAM), {
      errorType: 'Unauthorized',
      what: 'a guest creating an entry (read only)',
    });
    assertRejected(await client.models.MemberNote.list(IAM), { errorType: 'Unauthorized', what: 'a guest listing member notes' });
    assertRejected(await client.models.Diary.list(IAM), { errorType: 'Unauthorized', what: 'a guest listing diaries' });
  });

  test('a signed-in user in identityPool mode writes entries and reads allow.authenticated(identityPool) data', async () => {
    const { nextStep } = await signUp({ username: member, password: PASSWORD, options: { userAttributes: { email: member } } });
    assert.equal(nextStep.signUpStep, 'CONFIRM_SIGN_UP');
    await confirmSignUp({ username: member, confirmationCode: await codeFor(member) });
    const signedIn = await signIn({ username: member, password: PASSWORD });
    assert.equal(signedIn.isSignedIn, true, JSON.stringify(signedIn.nextStep));
    const session = await fetchAuthSession();
    assert.ok(session.tokens?.idToken, 'signed in');
    assert.ok(session.credentials?.sessionToken, 'authenticated credentials');

    const entry = assertOk(await client.models.Entry.create({ message: `hello ${run}` }, IAM), 'member creates an entry');
    entryId = entry.id;
    const note = assertOk(await client.models.MemberNote.create({ body: `for members ${run}` }, IAM), 'member creates a note');
    const notes = assertOk(await client.models.MemberNote.list(IAM), 'member lists notes');
    assert.ok(notes.some((n) => n.id === note.id), 'the note is listed');
    const got = assertOk(await client.models.MemberNote.get({ id: note.id }, IAM), 'member gets the note');
    assert.equal(got.body, `for members ${run}`);
    // Owner rules are the user pool's: an IAM caller is not an owner.
    assertRejected(await client.models.Diary.create({ text: 'dear diary' }, IAM), { errorType: 'Unauthorized', what: 'a diary through IAM' });
    assertOk(await client.models.Diary.create({ text: 'dear diary' }, { authMode: 'userPool' }), 'the same user through the user pool');
  });

  test('the real-time handshake and start are SigV4-signed with the identity credentials', async () => {
    const subscription = await subscribeAndWait(client.models.MemberNote.onCreate(IAM), 'onCreateMemberNote');
    try {
      const created = assertOk(await client.models.MemberNote.create({ body: `live ${run}` }, IAM), 'member creates a note');
      const event = await subscription.waitFor((n) => n.id === created.id, { what: 'the onCreate event of the new note' });
      assert.equal(event.body, `live ${run}`);
    } finally {
      subscription.unsubscribe();
    }
  });

  test('after sign-out the guest reads what the member wrote, and still not member notes', async () => {
    await signOut();
    const entries = assertOk(await client.models.Entry.list(IAM), 'guest lists entries');
    assert.ok(entries.some((e) => e.id === entryId && e.message === `hello ${run}`), 'the member entry is visible to guests');
    const one = assertOk(await client.models.Entry.get({ id: entryId }, IAM), 'guest gets the entry');
    assert.equal(one.message, `hello ${run}`);
    assertRejected(await client.models.MemberNote.list(IAM), { errorType: 'Unauthorized', what: 'a guest listing member notes' });
  });

  test('the real-time handshake checks the SigV4 signature of /connect', async () => {
    const { default: WebSocket } = await import('ws');
    const { signRequest } = await import('@aws-amplify/core/internals/aws-client-utils');
    const session = await fetchAuthSession();
    const { accessKeyId, secretAccessKey, sessionToken } = session.credentials;
    const endpoint = new URL(ctx.sb.graphqlUrl.replace(/^HTTP:/, 'http:'));
    /** Opens the socket as the client does and returns the first message after connection_init. */
    const handshake = (credentials) => {
      const signed = signRequest(
        {
          method: 'POST',
          url: new URL(`${endpoint.href}/connect`),
          headers: {
            accept: 'application/json, text/javascript',
            'content-encoding': 'amz-1.0',
            'content-type': 'application/json; charset=UTF-8',
            host: endpoint.host,
          },
          body: '{}',
        },
        { credentials, signingRegion: 'us-east-1', signingService: 'appsync' },
      );
      const header = Buffer.from(JSON.stringify(signed.headers)).toString('base64url');
      const url = `${endpoint.href.replace(/^http/, 'ws')}/realtime`;
      return new Promise((resolve, reject) => {
        const socket = new WebSocket(url, ['graphql-ws', `header-${header}`]);
        const timer = setTimeout(() => reject(new Error('no answer to connection_init')), 10_000);
        socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
        socket.on('message', (data) => {
          const message = JSON.parse(String(data));
          if (message.type === 'ka') return;
          clearTimeout(timer);
          socket.close();
          resolve(message);
        });
        socket.on('error', reject);
      });
    };
    const accepted = await handshake({ accessKeyId, secretAccessKey, sessionToken });
    assert.equal(accepted.type, 'connection_ack', JSON.stringify(accepted));
    const refused = await handshake({ accessKeyId, secretAccessKey: `${secretAccessKey}x`, sessionToken });
    assert.equal(refused.type, 'connection_error', JSON.stringify(refused));
    assert.equal(refused.payload.errors[0].errorType, 'UnauthorizedException');
    assert.match(refused.payload.errors[0].message, /signature we calculated does not match/);
  });

  test('a forged signature or session token is refused with 401', async () => {
    const session = await fetchAuthSession();
    const { accessKeyId, secretAccessKey, sessionToken } = session.credentials;
    const { signRequest } = await import('@aws-amplify/core/internals/aws-client-utils');
    const url = new URL(ctx.sb.graphqlUrl.replace(/^HTTP:/, 'http:'));
    const send = async (credentials) => {
      const body = JSON.stringify({ query: '{ listEntries { items { id } } }' });
      const signed = signRequest(
        { method: 'POST', url, headers: { 'content-type': 'application/json', host: url.host }, body },
        { credentials, signingRegion: 'us-east-1', signingService: 'appsync' },
      );
      return fetch(url, { method: 'POST', headers: signed.headers, body });
    };
    const good = await send({ accessKeyId, secretAccessKey, sessionToken });
    assert.equal(good.status, 200, await good.text());
    for (const [what, credentials] of [
      ['wrong secret', { accessKeyId, secretAccessKey: `${secretAccessKey}x`, sessionToken }],
      ['forged session token', { accessKeyId, secretAccessKey, sessionToken: `${sessionToken}x` }],
      ['unknown key', { accessKeyId: 'ASIAUNKNOWN000000000', secretAccessKey, sessionToken }],
    ]) {
      const response = await send(credentials);
      assert.equal(response.status, 401, `${what}: ${response.status}`);
      assert.equal(response.headers.get('x-amzn-errortype'), 'UnauthorizedException', what);
    }
  });
});
