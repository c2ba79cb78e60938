// Files (BRIEF scenario 4) through the official client: aws-amplify Storage against the
// sandbox's S3 endpoint on examples/files (public/* guest read + authenticated read/write/
// delete, protected/ and private/{entity_id}/* per identity, admin/* for the ADMINS group),
// signed with the identity pool's temporary credentials — guest ones before sign-in, the
// user's own after.
//
// No released aws-amplify Storage reaches a local endpoint (client-protocol.md §1.4), so the
// app copy gets its own node_modules (a copy of e2e/node_modules) with the documented remedy
// applied: `ampbase client-fix`. e2e/node_modules itself is never changed, so the other
// suites run the client as published. The client is loaded from the app copy. Node lacks the
// FileReader that multipart uploads call; lib/filereader.mjs fills that gap (it explains).
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import '../lib/filereader.mjs';
import { AMPBASE_BIN, E2E_DIR, editAndWaitForReload, useSandbox } from '../lib/sandbox.mjs';

const PASSWORD = 'Corr3ct-Horse-Battery!';
/** The port the client's local-testing switch targets, whatever the outputs say. */
const LOCAL_TESTING_S3_PORT = 20005;

/** The client as the app imports it, resolved from the app copy's node_modules. */
const CLIENT_MODULE = `export { Amplify } from 'aws-amplify';
export * as auth from 'aws-amplify/auth';
export * as storage from 'aws-amplify/storage';
export { signRequest } from '@aws-amplify/core/internals/aws-client-utils';
`;

/** Installs the client into the app copy and applies the fix there, as a user would. */
function installFixedClient(dir) {
  fs.cpSync(path.join(E2E_DIR, 'node_modules'), path.join(dir, 'node_modules'), { recursive: true, verbatimSymlinks: true });
  const report = execFileSync(AMPBASE_BIN, ['client-fix'], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
  if (!/added the missing `else`/.test(report)) throw new Error(`client-fix did not apply the fix:\n${report}`);
  fs.writeFileSync(path.join(dir, 'client.mjs'), CLIENT_MODULE);
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** The S3 error code the client reports (`StorageError.name` is S3's `Code`). */
async function s3ErrorOf(promise) {
  try {
    await promise;
  } catch (error) {
    return error.name;
  }
  return 'no error';
}

describe('files (examples/files) with the official Storage client', () => {
  const ctx = useSandbox({ example: 'files', waitForServer: false, storagePort: LOCAL_TESTING_S3_PORT, prepare: installFixedClient });
  const run = randomUUID().slice(0, 8);
  let client; // { Amplify, auth, storage, signRequest } of the app copy
  let base;
  const users = {};

  before(async () => {
    client = await import(pathToFileURL(path.join(ctx.sb.dir, 'client.mjs')).href);
    const s3 = ctx.sb.outputs.Storage.S3;
    assert.ok(s3.dangerouslyConnectToHttpEndpointForTesting, 'the sandbox enables the local endpoint once the client is fixed');
    client.Amplify.configure(ctx.sb.outputs);
    base = ctx.sb.outputs.Auth.Cognito.userPoolEndpoint.replace(/\/$/, '');
    // The S3 listener must be the one the switch targets.
    assert.ok(ctx.sb.lines().some((l) => l.includes(`S3 on http://localhost:${LOCAL_TESTING_S3_PORT}`)), ctx.sb.logs());
  });
  after(async () => {
    await client?.auth.signOut().catch(() => {});
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

  /** Signs up and confirms a user (signed out afterwards); returns the email. */
  async function newUser(name) {
    const email = `${name}-${run}@example.com`;
    await client.auth.signOut().catch(() => {});
    const { nextStep } = await client.auth.signUp({ username: email, password: PASSWORD, options: { userAttributes: { email } } });
    assert.equal(nextStep.signUpStep, 'CONFIRM_SIGN_UP');
    await client.auth.confirmSignUp({ username: email, confirmationCode: await codeFor(email) });
    return email;
  }

  /** Signs in; returns the user's identity-pool identity id. */
  async function signInAs(email) {
    await client.auth.signOut().catch(() => {});
    const result = await client.auth.signIn({ username: email, password: PASSWORD });
    assert.equal(result.isSignedIn, true, JSON.stringify(result.nextStep));
    const session = await client.auth.fetchAuthSession();
    assert.ok(session.credentials?.sessionToken, 'temporary credentials with a session token');
    return session.identityId;
  }

  const upload = (p, data, options = {}) => client.storage.uploadData({ path: p, data, options }).result;
  const download = async (p) => Buffer.from(await (await (await client.storage.downloadData({ path: p }).result).body.blob()).arrayBuffer());

  test('guest mode: no sign-in, guest credentials read public/ and nothing else', async () => {
    users.alice = await newUser('alice');
    users.aliceId = await signInAs(users.alice);
    await upload(`public/${run}/welcome.txt`, 'hello, guests', { contentType: 'text/plain' });
    await client.auth.signOut();

    const session = await client.auth.fetchAuthSession();
    assert.equal(session.tokens, undefined, 'signed out');
    assert.ok(session.credentials?.accessKeyId, 'guest credentials from the identity pool');
    assert.equal((await download(`public/${run}/welcome.txt`)).toString(), 'hello, guests');
    const props = await client.storage.getProperties({ path: `public/${run}/welcome.txt` });
    assert.equal(props.contentType, 'text/plain');
    assert.equal(props.size, 'hello, guests'.length);
    const listed = await client.storage.list({ path: `public/${run}/` });
    assert.deepEqual(listed.items.map((i) => i.path), [`public/${run}/welcome.txt`]);
    assert.equal(await s3ErrorOf(upload(`public/${run}/by-guest.txt`, 'x')), 'AccessDenied', 'guests only read public/');
    assert.equal(await s3ErrorOf(client.storage.remove({ path: `public/${run}/welcome.txt` })), 'AccessDenied');
    assert.equal(await s3ErrorOf(download(`private/${users.aliceId}/anything.txt`)), 'AccessDenied');
    assert.equal(await s3ErrorOf(client.storage.list({ path: `protected/${users.aliceId}/` })), 'AccessDenied', 'protected/ is for signed-in users');
  });

  test('per-identity paths: write, read, list and delete under {entity_id}; another user is denied', async () => {
    users.aliceId = await signInAs(users.alice);
    const mine = ({ identityId }) => `private/${identityId}/diary-${run}.txt`;
    const uploaded = await upload(mine, 'dear diary');
    assert.equal(uploaded.path, `private/${users.aliceId}/diary-${run}.txt`, '{entity_id} is the identity id');
    assert.equal((await download(mine)).toString(), 'dear diary');
    await upload(({ identityId }) => `protected/${identityId}/card-${run}.txt`, 'my card');
    const own = await client.storage.list({ path: ({ identityId }) => `private/${identityId}/` });
    assert.ok(own.items.some((i) => i.path === `private/${users.aliceId}/diary-${run}.txt`));

    users.bob = await newUser('bob');
    users.bobId = await signInAs(users.bob);
    assert.notEqual(users.bobId, users.aliceId);
    const alices = `private/${users.aliceId}/diary-${run}.txt`;
    assert.equal(await s3ErrorOf(download(alices)), 'AccessDenied', "Bob cannot read Alice's private file");
    assert.equal(await s3ErrorOf(upload(alices, 'overwritten')), 'AccessDenied', 'nor write it');
    assert.equal(await s3ErrorOf(client.storage.remove({ path: alices })), 'AccessDenied', 'nor delete it');
    assert.equal(await s3ErrorOf(client.storage.list({ path: `private/${users.aliceId}/` })), 'AccessDenied', 'nor list her folder');
    // getUrl's existence check is a HEAD: S3 answers it without a body, so the client can
    // only report the status.
    assert.equal(await s3ErrorOf(client.storage.getUrl({ path: alices, options: { validateObjectExistence: true } })), '403');
    // protected/: every signed-in user reads, only the owner writes.
    assert.equal((await download(`protected/${users.aliceId}/card-${run}.txt`)).toString(), 'my card');
    assert.equal(await s3ErrorOf(upload(`protected/${users.aliceId}/card-${run}.txt`, 'forged')), 'AccessDenied');
    // Listing protected/ shows every identity's protected files (`protected/*` for
    // authenticated users); private/ stays unlistable.
    const everyones = await client.storage.list({ path: 'protected/', options: { listAll: true } });
    assert.ok(everyones.items.some((i) => i.path === `protected/${users.aliceId}/card-${run}.txt`));
    assert.equal(await s3ErrorOf(client.storage.list({ path: 'private/' })), 'AccessDenied');
    // Copying her file somewhere Bob can write needs read on the source.
    assert.equal(await s3ErrorOf(client.storage.copy({ source: { path: alices }, destination: { path: `public/${run}/stolen.txt` } })), 'AccessDenied');

    users.aliceId = await signInAs(users.alice);
    assert.equal((await download(alices)).toString(), 'dear diary', 'untouched');
    await client.storage.remove({ path: alices });
    assert.equal(await s3ErrorOf(download(alices)), 'NoSuchKey', 'removed');
  });

  /** AdminAddUserToGroup, signed (SigV4) with the sandbox's administrator credential. */
  async function addToGroup(email, group) {
    const file = path.join(ctx.sb.dir, '.amplify/ampbase/sandboxes/e2e/admin-credential.json');
    const admin = JSON.parse(fs.readFileSync(file, 'utf8'));
    const url = new URL(`${base}/`);
    const body = JSON.stringify({ UserPoolId: ctx.sb.outputs.Auth.Cognito.userPoolId, Username: email, GroupName: group });
    const signed = client.signRequest(
      {
        method: 'POST',
        url,
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.AdminAddUserToGroup' },
        body,
      },
      { credentials: { accessKeyId: admin.accessKeyId, secretAccessKey: admin.secretAccessKey }, signingRegion: 'us-east-1', signingService: 'cognito-idp' },
    );
    const response = await fetch(url, { method: 'POST', headers: signed.headers, body });
    const text = await response.text();
    assert.equal(response.status, 200, `AdminAddUserToGroup: HTTP ${response.status} ${text}`);
  }

  test('group paths: a member of ADMINS reads and writes admin/, a user outside the group is denied', async () => {
    users.carol = await newUser('carol');
    await addToGroup(users.carol, 'ADMINS');
    await signInAs(users.carol); // tokens issued after joining carry cognito:groups
    const session = await client.auth.fetchAuthSession();
    assert.deepEqual(session.tokens.accessToken.payload['cognito:groups'], ['ADMINS']);
    await upload(`admin/${run}/payroll.csv`, 'name,amount\n');
    assert.equal((await download(`admin/${run}/payroll.csv`)).toString(), 'name,amount\n');
    assert.deepEqual((await client.storage.list({ path: `admin/${run}/` })).items.map((i) => i.path), [`admin/${run}/payroll.csv`]);

    await signInAs(users.bob);
    assert.equal(await s3ErrorOf(download(`admin/${run}/payroll.csv`)), 'AccessDenied');
    assert.equal(await s3ErrorOf(upload(`admin/${run}/bob.csv`, 'x')), 'AccessDenied');
    assert.equal(await s3ErrorOf(client.storage.list({ path: `admin/${run}/` })), 'AccessDenied');
    await client.auth.signOut();
    assert.equal(await s3ErrorOf(download(`admin/${run}/payroll.csv`)), 'AccessDenied', 'nor guests');
  });

  test('a 12 MB uploadData goes multipart and downloads byte for byte', async () => {
    users.aliceId = await signInAs(users.alice);
    const data = randomBytes(12 * 1024 * 1024);
    const key = `private/${users.aliceId}/big-${run}.bin`;
    const result = await client.storage.uploadData({
      path: key,
      data,
      options: { contentType: 'application/octet-stream' },
    }).result;
    assert.equal(result.path, key);
    // Multipart ETags are `"<md5 of the parts' md5s>-<parts>"`: 5 MiB parts → 3.
    assert.match(result.eTag ?? '', /-3"?$/, `a multipart ETag: ${result.eTag}`);
    const props = await client.storage.getProperties({ path: key });
    assert.equal(props.size, data.length);
    const back = await download(key);
    assert.equal(back.length, data.length);
    assert.equal(sha256(back), sha256(data));
  });

  test('list: subpaths included or excluded, pages of pageSize with nextToken, listAll', async () => {
    await signInAs(users.alice);
    const folder = `public/${run}/album/`;
    const names = [];
    for (let i = 0; i < 7; i++) names.push(`${folder}photo-${i}.jpg`);
    names.push(`${folder}2024/a.jpg`, `${folder}2024/b.jpg`, `${folder}2025/c.jpg`);
    for (const name of names) await upload(name, `bytes of ${name}`);

    const all = await client.storage.list({ path: folder, options: { listAll: true } });
    assert.deepEqual(all.items.map((i) => i.path).sort(), [...names].sort(), 'subpaths are included by default');
    assert.ok(all.items.every((i) => i.size > 0 && i.eTag && i.lastModified instanceof Date));

    const seen = [];
    let nextToken;
    let pages = 0;
    do {
      const page = await client.storage.list({ path: folder, options: { pageSize: 3, nextToken } });
      assert.ok(page.items.length <= 3, `a page of ${page.items.length}`);
      seen.push(...page.items.map((i) => i.path));
      nextToken = page.nextToken;
      pages += 1;
    } while (nextToken);
    assert.equal(pages, 4, '10 files in pages of 3');
    assert.deepEqual([...seen].sort(), [...names].sort(), 'every file exactly once');

    const direct = await client.storage.list({ path: folder, options: { listAll: true, subpathStrategy: { strategy: 'exclude' } } });
    assert.deepEqual(direct.items.map((i) => i.path).sort(), names.slice(0, 7).sort(), 'only the files directly in the folder');
    assert.deepEqual([...direct.excludedSubpaths].sort(), [`${folder}2024/`, `${folder}2025/`]);
    const custom = await client.storage.list({ path: folder, options: { listAll: true, subpathStrategy: { strategy: 'exclude', delimiter: '-' } } });
    assert.deepEqual([...custom.excludedSubpaths].sort(), [`${folder}photo-`], 'a custom delimiter');
  });

  test('getUrl: a presigned URL fetch returns the bytes; a tampered session token is refused', async () => {
    users.aliceId = await signInAs(users.alice);
    const key = `private/${users.aliceId}/report-${run}.pdf`;
    const bytes = randomBytes(70_000);
    await upload(key, bytes, { contentType: 'application/pdf' });
    const { url, expiresAt } = await client.storage.getUrl({ path: key, options: { validateObjectExistence: true, expiresIn: 300 } });
    assert.ok(expiresAt > new Date());
    assert.equal(url.searchParams.get('X-Amz-Algorithm'), 'AWS4-HMAC-SHA256');
    assert.ok(url.searchParams.get('X-Amz-Security-Token'), 'signed with temporary credentials');
    const response = await fetch(url);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/pdf');
    assert.equal(sha256(Buffer.from(await response.arrayBuffer())), sha256(bytes));

    const tampered = new URL(url);
    tampered.searchParams.set('X-Amz-Security-Token', `${url.searchParams.get('X-Amz-Security-Token')}x`);
    const refused = await fetch(tampered);
    assert.equal(refused.status, 400);
    assert.match(await refused.text(), /<Code>InvalidToken<\/Code>/);
    const missing = new URL(url);
    missing.searchParams.delete('X-Amz-Security-Token');
    const unknown = await fetch(missing);
    assert.equal(unknown.status, 403);
    assert.match(await unknown.text(), /<Code>InvalidAccessKeyId<\/Code>/);

    await assert.rejects(
      client.storage.getUrl({ path: `private/${users.aliceId}/nothing-${run}`, options: { validateObjectExistence: true } }),
      (e) => e.name === 'NotFound',
    );
    await client.auth.signOut();
    const guestUrl = (await client.storage.getUrl({ path: `public/${run}/welcome.txt` })).url;
    assert.equal(await (await fetch(guestUrl)).text(), 'hello, guests', 'a guest URL');
  });

  test('copy within the bucket, with the source untouched', async () => {
    users.aliceId = await signInAs(users.alice);
    const source = `private/${users.aliceId}/original-${run}.txt`;
    await upload(source, 'the original', { contentType: 'text/plain' });
    const copied = await client.storage.copy({ source: { path: source }, destination: { path: `public/${run}/shared-copy.txt` } });
    assert.equal(copied.path, `public/${run}/shared-copy.txt`);
    assert.equal((await download(`public/${run}/shared-copy.txt`)).toString(), 'the original');
    assert.equal((await client.storage.getProperties({ path: `public/${run}/shared-copy.txt` })).contentType, 'text/plain');
    assert.equal((await download(source)).toString(), 'the original');
    await signInAs(users.bob);
    assert.equal((await download(`public/${run}/shared-copy.txt`)).toString(), 'the original', 'readable where it was copied to');
  });

  test('remove a file, and a folder (list, then remove each)', async () => {
    await signInAs(users.alice);
    const file = `public/${run}/album/photo-0.jpg`;
    const removed = await client.storage.remove({ path: file });
    assert.equal(removed.path, file);
    assert.equal(await s3ErrorOf(download(file)), 'NoSuchKey');

    const folder = `public/${run}/album/`;
    const { items } = await client.storage.list({ path: folder, options: { listAll: true } });
    assert.equal(items.length, 9);
    await Promise.all(items.map((item) => client.storage.remove({ path: item.path })));
    assert.deepEqual((await client.storage.list({ path: folder, options: { listAll: true } })).items, []);
    const rest = (await client.storage.list({ path: `public/${run}/`, options: { listAll: true } })).items.map((i) => i.path);
    assert.deepEqual(rest.sort(), [`public/${run}/shared-copy.txt`, `public/${run}/welcome.txt`], 'nothing else removed');
  });

  test('after a reload the same credentials keep working and the new rules apply', async () => {
    users.aliceId = await signInAs(users.alice);
    const before = await client.auth.fetchAuthSession();
    assert.equal(await s3ErrorOf(upload(`shared/${run}/note.txt`, 'x')), 'AccessDenied', 'no rule for shared/ yet');
    const reload = await editAndWaitForReload(ctx.sb, 'amplify/storage/resource.ts', (text) =>
      text.replace("'admin/*': [", "'shared/*': [allow.authenticated.to(['read', 'write'])],\n    'admin/*': ["),
    );
    assert.ok(reload.ok, reload.line);
    const after = await client.auth.fetchAuthSession();
    assert.equal(after.credentials.accessKeyId, before.credentials.accessKeyId, 'the client keeps its credentials');
    await upload(`shared/${run}/note.txt`, 'after the reload');
    assert.equal((await download(`shared/${run}/note.txt`)).toString(), 'after the reload');
    assert.equal((await download(`private/${users.aliceId}/original-${run}.txt`)).toString(), 'the original', 'files survive the reload');
  });
});
