// Accounts and owned data (examples/notes: email sign-in; Note with allow.owner() and
// allow.group('EDITORS').to(['read']), userPool by default), through the official client:
// sign-up with the code read from the sandbox mailbox, confirm, SRP sign-in, the session's
// tokens and identity, attributes, sign-out; then two users whose notes stay their own in
// get, list, update, delete and subscriptions.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  confirmSignUp,
  fetchAuthSession,
  fetchUserAttributes,
  getCurrentUser,
  signIn,
  signOut,
  signUp,
} from 'aws-amplify/auth';
import { ackMark, createClient, waitForAcks, waitUntil } from '../lib/client.mjs';
import { useSandbox } from '../lib/sandbox.mjs';

const PASSWORD = 'Corr3ct-Horse-Battery!';

describe('accounts and owned data (examples/notes)', () => {
  const ctx = useSandbox({ example: 'notes' });
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

  /** The newest code the sandbox delivered to `email` (its terminal and mailbox). */
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

  /** Signs up, confirms with the mailbox code, signs in (SRP); returns the user's sub. */
  async function newUser(name) {
    const email = `${name}-${run}@example.com`;
    const { nextStep } = await signUp({ username: email, password: PASSWORD, options: { userAttributes: { email } } });
    assert.equal(nextStep.signUpStep, 'CONFIRM_SIGN_UP');
    const confirmed = await confirmSignUp({ username: email, confirmationCode: await codeFor(email) });
    assert.equal(confirmed.isSignUpComplete, true);
    return email;
  }

  async function signInAs(email) {
    await signOut().catch(() => {});
    const result = await signIn({ username: email, password: PASSWORD });
    assert.equal(result.isSignedIn, true, JSON.stringify(result.nextStep));
  }

  const users = {};

  test('sign-up, confirm with the mailbox code, SRP sign-in, tokens, attributes, sign-out', async () => {
    users.alice = await newUser('alice');
    await signInAs(users.alice);
    const current = await getCurrentUser();
    assert.equal(current.signInDetails?.loginId, users.alice);
    const session = await fetchAuthSession();
    assert.ok(session.tokens?.idToken, 'an id token');
    assert.equal(session.tokens.idToken.payload.email, users.alice);
    assert.equal(session.tokens.accessToken.payload.token_use, 'access');
    assert.match(session.identityId ?? '', /^us-east-1:/, 'an identity-pool identity');
    assert.ok(session.credentials?.accessKeyId, 'temporary credentials');
    const attributes = await fetchUserAttributes();
    assert.equal(attributes.email, users.alice);
    assert.equal(attributes.email_verified, 'true');
    await signOut();
    await assert.rejects(getCurrentUser(), /UserUnAuthenticatedException/);
  });

  test('a wrong password is refused with NotAuthorizedException', async () => {
    await assert.rejects(signIn({ username: users.alice, password: 'Wr0ng-password!' }), (e) => e.name === 'NotAuthorizedException');
  });

  test("each owner sees and changes only their own notes, in queries and in subscriptions", async () => {
    users.bob = await newUser('bob');

    await signInAs(users.alice);
    const created = await client.models.Note.create({ title: `alice's note ${run}` });
    assert.equal(created.errors, undefined, JSON.stringify(created.errors));
    const note = created.data;
    assert.ok(note.owner, 'the owner field is filled in');
    const own = await client.models.Note.list();
    assert.ok(own.data.some((n) => n.id === note.id));

    await signInAs(users.bob);
    // Bob listens for new notes: he must not hear of Alice's.
    const heard = [];
    const mark = ackMark();
    const subscription = client.models.Note.onCreate().subscribe({ next: (n) => heard.push(n) });
    await waitForAcks(['onCreateNote'], { since: mark });

    const bobsList = await client.models.Note.list();
    assert.equal(bobsList.errors, undefined, JSON.stringify(bobsList.errors));
    assert.ok(!bobsList.data.some((n) => n.id === note.id), "Bob's list leaves Alice's note out");
    const got = await client.models.Note.get({ id: note.id });
    assert.equal(got.data, null, "Bob cannot read Alice's note");
    const updated = await client.models.Note.update({ id: note.id, title: 'taken over' });
    assert.ok(updated.errors?.length, 'Bob cannot update it');
    const deleted = await client.models.Note.delete({ id: note.id });
    assert.ok(deleted.errors?.length, 'Bob cannot delete it');

    const bobs = (await client.models.Note.create({ title: `bob's note ${run}` })).data;
    await waitUntil(() => heard.some((n) => n.id === bobs.id), { what: "Bob's own note on his subscription" });

    await signInAs(users.alice);
    await client.models.Note.create({ title: `alice again ${run}` });
    await new Promise((resolve) => setTimeout(resolve, 500));
    subscription.unsubscribe();
    assert.ok(!heard.some((n) => n.title?.startsWith('alice')), `Bob heard only his own notes: ${JSON.stringify(heard)}`);

    const mine = await client.models.Note.get({ id: note.id });
    assert.equal(mine.data?.title, `alice's note ${run}`, 'the note is unchanged');
    const removed = await client.models.Note.delete({ id: note.id });
    assert.equal(removed.errors, undefined, JSON.stringify(removed.errors));
  });
});
