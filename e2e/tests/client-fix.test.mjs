// The client fix as a user meets it (README "Storage and the client fix"): on an app whose
// installed @aws-amplify/storage has the upstream local-endpoint bug (client-protocol.md
// §1.4), `ampbase sandbox` prints the remedy and leaves the local-testing switch out of
// amplify_outputs.json; after `ampbase client-fix` the sandbox writes the switch; and
// `ampbase client-fix --revert` puts the package back byte for byte.
//
// The package is the real one the e2e client uses (e2e/node_modules, aws-amplify 6.22.1 →
// @aws-amplify/storage 6.17.0), copied into the app; e2e/node_modules is never changed.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { AMPBASE_BIN, E2E_DIR, startSandbox } from '../lib/sandbox.mjs';

const PACKAGE = path.join('node_modules', '@aws-amplify', 'storage');

/** One hash of a directory tree: every file's relative path, mode and bytes, in order. */
function treeHash(root) {
  const hash = createHash('sha256');
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(dir, entry.name);
      const relative = path.relative(root, full);
      if (entry.isDirectory()) {
        hash.update(`dir ${relative}\n`);
        walk(full);
      } else if (entry.isSymbolicLink()) {
        hash.update(`link ${relative} ${fs.readlinkSync(full)}\n`);
      } else {
        hash.update(`file ${relative} ${fs.statSync(full).mode.toString(8)} `);
        hash.update(fs.readFileSync(full));
        hash.update('\n');
      }
    }
  };
  walk(root);
  return hash.digest('hex');
}

const installStorageClient = (dir) =>
  fs.cpSync(path.join(E2E_DIR, PACKAGE), path.join(dir, PACKAGE), { recursive: true, verbatimSymlinks: true });

const ampbase = (dir, args) => execFileSync(AMPBASE_BIN, args, { cwd: dir, encoding: 'utf8', timeout: 30_000 });

describe('ampbase client-fix and the sandbox (examples/files)', () => {
  test('an unfixed client: the sandbox prints the remedy and writes no switch; fixed: the switch; reverted: the package byte for byte', async () => {
    const sb = await startSandbox({ example: 'files', waitForServer: false, prepare: installStorageClient });
    try {
      const packageDir = path.join(sb.dir, PACKAGE);
      const original = treeHash(packageDir);
      assert.match(ampbase(sb.dir, ['client-fix', '--status']), /@aws-amplify\/storage 6\.\d+\.\d+ .*: Needed/);

      const note = sb.lines().find((l) => l.includes('cannot reach a local S3 endpoint'));
      assert.ok(note, `the sandbox names the problem\n${sb.logs()}`);
      assert.match(note, /@aws-amplify\/storage 6\.\d+\.\d+/, 'with the installed version');
      assert.match(note, /run `ampbase client-fix`/, 'and the remedy');
      assert.equal(sb.outputs.Storage.S3.dangerouslyConnectToHttpEndpointForTesting, undefined, 'no switch the client would choke on');
      assert.ok(sb.outputs.Storage.S3.bucket, 'storage is still described');

      const applied = ampbase(sb.dir, ['client-fix']);
      assert.match(applied, /dist\/esm\/providers\/s3\/utils\/client\/s3data\/base\.mjs: added the missing `else`/);
      assert.match(applied, /dist\/cjs\/providers\/s3\/utils\/client\/s3data\/base\.js: added the missing `else`/);
      assert.match(ampbase(sb.dir, ['client-fix', '--status']), /: Applied/);
      assert.notEqual(treeHash(packageDir), original, 'the fix changed the package');
      assert.match(ampbase(sb.dir, ['client-fix']), /unchanged \(already fixed\)/, 'applying twice changes nothing');

      const reverted = ampbase(sb.dir, ['client-fix', '--revert']);
      assert.match(reverted, /removed the `else` ampbase added/);
      assert.equal(treeHash(packageDir), original, 'client-fix then client-fix --revert leaves the package byte for byte as it was');
      assert.match(ampbase(sb.dir, ['client-fix', '--status']), /: Needed/);
    } finally {
      await sb.stop();
    }
  });

  test('with the fix applied, the sandbox writes the local-testing switch and prints no remedy', async () => {
    const sb = await startSandbox({
      example: 'files',
      waitForServer: false,
      prepare: (dir) => {
        installStorageClient(dir);
        ampbase(dir, ['client-fix']);
      },
    });
    try {
      assert.ok(sb.outputs.Storage.S3.dangerouslyConnectToHttpEndpointForTesting, `the switch is written\n${sb.logs()}`);
      assert.ok(!sb.lines().some((l) => l.includes('cannot reach a local S3 endpoint')), sb.logs());
    } finally {
      await sb.stop();
    }
  });
});
