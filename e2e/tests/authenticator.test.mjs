// Amplify UI's React <Authenticator> in a real browser against `ampbase sandbox`
// (examples/todo: email sign-in). The app in e2e/browser/ is built once with Vite into a
// temporary folder and served with the sandbox's amplify_outputs.json next to it; headless
// Debian Chromium, driven by playwright-core, creates an account through the form, confirms
// it with the code from the sandbox mailbox, ends signed in, signs out and signs in again;
// then the form's error messages (wrong password, existing email, wrong code), Resend Code
// and Forgot your password?. Every request the page makes must go to the static server or
// the sandbox.
//
// Needs /usr/bin/chromium (Debian's `chromium`; scripts/test installs it) and
// e2e/browser/node_modules (e2e/run.sh installs it). AMPBASE_E2E_CHROMIUM overrides the path.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { E2E_DIR, useSandbox } from '../lib/sandbox.mjs';

const CHROMIUM = process.env.AMPBASE_E2E_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const APP_DIR = path.join(E2E_DIR, 'browser');
const PASSWORD = 'Corr3ct-Horse-Battery!';
/** How long one UI step may take (a click to the next screen, SRP included). */
const STEP_TIMEOUT_MS = 15_000;

/** `vite build` of e2e/browser into `outDir`. */
async function buildApp(outDir) {
  const vite = path.join(APP_DIR, 'node_modules', 'vite', 'bin', 'vite.js');
  if (!fs.existsSync(vite)) {
    throw new Error(`${vite} is missing: install the app's packages first (e2e/run.sh runs npm ci in e2e/browser)`);
  }
  await promisify(execFile)(process.execPath, [vite, 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
    cwd: APP_DIR,
    timeout: 60_000,
  });
}

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
};

/** Serves `root` and, at /amplify_outputs.json, the file at `outputsPath` as it is now. */
async function serveStatic(root, outputsPath) {
  const server = http.createServer((request, response) => {
    const pathname = decodeURIComponent(new URL(request.url, 'http://localhost').pathname);
    const file =
      pathname === '/amplify_outputs.json'
        ? outputsPath
        : path.join(root, path.normalize(pathname === '/' ? '/index.html' : pathname));
    if (file !== outputsPath && !file.startsWith(root + path.sep)) {
      response.writeHead(403).end();
      return;
    }
    fs.readFile(file, (error, body) => {
      if (error) {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      response.writeHead(200, {
        'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
        'cache-control': 'no-store',
      });
      response.end(body);
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return { server, url: `http://127.0.0.1:${server.address().port}/` };
}

describe('Amplify UI <Authenticator> in Chromium (examples/todo)', () => {
  const ctx = useSandbox({ example: 'todo' });
  const email = `browser-${randomUUID().slice(0, 8)}@example.com`;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ampbase-e2e-browser-'));
  /** Every URL the page requested, what failed at the network level, the Cognito operations
   * it called (`X-Amz-Target`) and what the page said on its console. */
  const requested = [];
  const failedRequests = [];
  const cognitoOperations = new Set();
  const consoleLines = [];
  let site;
  let context;
  let page;
  let sandboxOrigin;

  before(async () => {
    if (!fs.existsSync(CHROMIUM)) {
      throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium (scripts/test does) or set AMPBASE_E2E_CHROMIUM`);
    }
    const dist = path.join(tmp, 'dist');
    await buildApp(dist);
    site = await serveStatic(dist, ctx.sb.outputsPath);
    sandboxOrigin = new URL(ctx.sb.outputs.Auth.Cognito.userPoolEndpoint).origin;

    // A fresh profile every run: no session from an earlier run can leak in.
    context = await chromium.launchPersistentContext(path.join(tmp, 'profile'), {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      viewport: { width: 1000, height: 900 },
      timeout: 30_000,
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    page.on('request', (request) => {
      requested.push(request.url());
      const target = request.headers()['x-amz-target'];
      if (target) cognitoOperations.add(target.split('.').pop());
    });
    // CORS refusals and connection errors land here, not in HTTP statuses.
    page.on('requestfailed', (request) => failedRequests.push(`${request.method()} ${request.url()}: ${request.failure()?.errorText}`));
    page.on('console', (message) => consoleLines.push(`[${message.type()}] ${message.text()}`));
    page.on('pageerror', (error) => consoleLines.push(`[pageerror] ${error.message}`));
  });

  after(async () => {
    await context?.close().catch(() => {});
    await new Promise((resolve) => (site ? site.server.close(resolve) : resolve()));
    // Screenshots of failures stay for inspection; everything else goes.
    for (const entry of fs.readdirSync(tmp)) {
      if (!entry.endsWith('.png')) fs.rmSync(path.join(tmp, entry), { recursive: true, force: true });
    }
    if (fs.readdirSync(tmp).length === 0) fs.rmSync(tmp, { recursive: true, force: true });
  });

  /**
   * Runs a UI test body; on failure saves a screenshot of the page into the temporary folder,
   * prints its path and the page's console, and fails with the original error.
   */
  async function inBrowser(t, body) {
    try {
      await body();
    } catch (error) {
      if (page) {
        const shot = path.join(tmp, `${t.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}.png`);
        const saved = await page.screenshot({ path: shot, fullPage: true }).then(
          () => true,
          () => false,
        );
        const lines = [
          saved ? `screenshot: ${shot}` : 'screenshot: (could not be taken)',
          `page URL: ${page.url()}`,
          'page console:',
          ...consoleLines.map((line) => `  ${line}`),
        ];
        process.stderr.write(`\n# ${t.name}\n${lines.map((line) => `# ${line}`).join('\n')}\n`);
        t.diagnostic(lines[0]);
      }
      throw error;
    }
  }

  /**
   * The newest code the sandbox delivered to `address` for one of `purposes`
   * (`GET /_ampbase/mailbox?to=`), waiting for one whose message id is not in `seen` (so a
   * resent code is the new one).
   */
  async function mailboxCode(address, purposes, seen = new Set()) {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const response = await fetch(`${sandboxOrigin}/_ampbase/mailbox?to=${encodeURIComponent(address)}`);
      assert.equal(response.status, 200, `mailbox: HTTP ${response.status}`);
      const [newest] = await response.json();
      if (newest?.code && !seen.has(newest.id)) {
        assert.equal(newest.destination, address);
        assert.ok([purposes].flat().includes(newest.purpose), `purpose ${newest.purpose}, expected ${purposes}`);
        seen.add(newest.id);
        return newest.code;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`no new ${purposes} code for ${address} in the sandbox mailbox`);
  }

  /** Fills and submits the Create Account form. */
  async function createAccount(address) {
    await page.getByRole('tab', { name: 'Create Account' }).click();
    const form = page.locator('form').filter({ has: page.getByLabel('Confirm Password') });
    await form.getByLabel('Email').fill(address);
    await form.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await form.getByLabel('Confirm Password').fill(PASSWORD);
    await form.getByRole('button', { name: 'Create Account' }).click();
  }

  /** Fills and submits the Sign In form. */
  async function signIn(address, password) {
    const form = page.locator('form').filter({ has: page.getByRole('button', { name: 'Sign in', exact: true }) });
    await form.getByLabel('Email').fill(address);
    await form.getByLabel('Password', { exact: true }).fill(password);
    await form.getByRole('button', { name: 'Sign in', exact: true }).click();
  }

  /** Signs out through the app's button and waits for the Sign In tab. */
  async function signOut() {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('tab', { name: 'Sign In' }).waitFor({ state: 'visible' });
    assert.equal(await page.getByTestId('signed-in').count(), 0, 'signed out');
  }

  /** The error the Authenticator shows (its alert), once visible. */
  async function alertText() {
    const alert = page.getByRole('alert').filter({ hasText: /\S/ }).first();
    await alert.waitFor({ state: 'visible' });
    return (await alert.textContent()).trim();
  }

  /** The signed-in line shows the user's email. */
  async function expectSignedIn(address = email) {
    const line = page.getByTestId('signed-in');
    await line.waitFor({ state: 'visible' });
    assert.equal(await page.getByTestId('signed-in-email').textContent(), address);
    const username = (await page.getByTestId('signed-in-username').textContent()).trim();
    assert.ok(username.length > 0, 'the user has a username');
  }

  test('Create Account, confirm with the code from the mailbox, signed in', async (t) => {
    await inBrowser(t, async () => {
      await page.goto(site.url);
      await createAccount(email);

      // The confirmation screen, with the code the sandbox "emailed".
      const codeField = page.getByLabel('Confirmation Code');
      await codeField.waitFor({ state: 'visible' });
      await codeField.fill(await mailboxCode(email, 'SIGN_UP'));
      await page.getByRole('button', { name: 'Confirm', exact: true }).click();

      // Confirming signs the user in (the client's auto sign-in with the ConfirmSignUp session).
      await expectSignedIn();
    });
  });

  test('Sign out, then sign in again through the Sign In form', async (t) => {
    await inBrowser(t, async () => {
      await signOut();
      await signIn(email, PASSWORD);
      await expectSignedIn();

      // A reload keeps the session (tokens in the browser's storage, refreshed from the pool).
      await page.reload();
      await expectSignedIn();
    });
  });

  test("a wrong password and an email already registered: Cognito's errors on the form", async (t) => {
    await inBrowser(t, async () => {
      await signOut();
      await signIn(email, `${PASSWORD}-wrong`);
      assert.match(await alertText(), /incorrect username or password/i);
      assert.equal(await page.getByTestId('signed-in').count(), 0);

      await createAccount(email);
      assert.match(await alertText(), /already exists/i);
    });
  });

  test('an unconfirmed account: a wrong code is refused, Resend Code, then confirm', async (t) => {
    const other = `browser-resend-${randomUUID().slice(0, 8)}@example.com`;
    const seen = new Set();
    await inBrowser(t, async () => {
      await page.reload();
      await createAccount(other);
      const codeField = page.getByLabel('Confirmation Code');
      await codeField.waitFor({ state: 'visible' });
      const first = await mailboxCode(other, 'SIGN_UP', seen);

      await codeField.fill(first === '000000' ? '111111' : '000000');
      await page.getByRole('button', { name: 'Confirm', exact: true }).click();
      assert.match(await alertText(), /invalid verification code/i);

      await page.getByRole('button', { name: 'Resend Code' }).click();
      // A resent code replaces the sign-up code (the sandbox files it under either name).
      const resent = await mailboxCode(other, ['RESEND_CODE', 'SIGN_UP'], seen);
      await codeField.fill(resent);
      await page.getByRole('button', { name: 'Confirm', exact: true }).click();
      await expectSignedIn(other);
    });
  });

  test('Forgot your password? reset with the mailbox code, sign in with the new one', async (t) => {
    const newPassword = `${PASSWORD}-2`;
    await inBrowser(t, async () => {
      await signOut();
      await page.getByRole('button', { name: 'Forgot your password?' }).click();
      await page.getByLabel('Enter your email').fill(email);
      await page.getByRole('button', { name: /send code/i }).click();

      const codeField = page.getByLabel('Code *');
      await codeField.waitFor({ state: 'visible' });
      await codeField.fill(await mailboxCode(email, 'FORGOT_PASSWORD'));
      await page.getByLabel('New Password').fill(newPassword);
      await page.getByLabel('Confirm Password').fill(newPassword);
      await page.getByRole('button', { name: 'Submit' }).click();

      // Back on the Sign In form: the old password no longer works, the new one does.
      await page.getByRole('tab', { name: 'Sign In' }).waitFor({ state: 'visible' });
      await signIn(email, PASSWORD);
      assert.match(await alertText(), /incorrect username or password/i);
      await signIn(email, newPassword);
      await expectSignedIn();
    });
  });

  test('the page called only the static server and the sandbox, and every call got through', (t) => {
    assert.ok(requested.length > 0, 'the page made requests');
    const siteOrigin = new URL(site.url).origin;
    const elsewhere = requested.filter((url) => {
      const origin = new URL(url).origin;
      return origin !== siteOrigin && origin !== sandboxOrigin && !url.startsWith('data:');
    });
    assert.deepEqual(elsewhere, []);
    assert.deepEqual(failedRequests, [], 'no request failed (CORS, connection)');
    t.diagnostic(`Cognito operations called: ${[...cognitoOperations].sort().join(', ')}`);
    for (const operation of ['SignUp', 'ConfirmSignUp', 'ResendConfirmationCode', 'InitiateAuth', 'RespondToAuthChallenge', 'GetUser', 'ForgotPassword', 'ConfirmForgotPassword']) {
      assert.ok(cognitoOperations.has(operation), `the Authenticator called ${operation}`);
    }
  });

  test("a page on another origin can read the headers the client parses from Cognito's errors", async () => {
    // What the client's error parser reads (x-amzn-errortype, then the body's __type; the
    // request id from x-amzn-requestid), fetched from the app's origin as the client fetches.
    const seen = await page.evaluate(async (endpoint) => {
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': 'AWSCognitoIdentityProviderService.GetUser',
        },
        body: JSON.stringify({ AccessToken: 'not-a-token' }),
      });
      return {
        status: response.status,
        errorType: response.headers.get('x-amzn-errortype'),
        requestId: response.headers.get('x-amzn-requestid'),
        body: await response.json(),
      };
    }, `${sandboxOrigin}/`);
    assert.equal(seen.status, 400);
    assert.equal(seen.body.__type, 'NotAuthorizedException');
    assert.equal(seen.errorType, 'NotAuthorizedException');
    assert.ok(seen.requestId, 'the request id is readable');
  });
});
