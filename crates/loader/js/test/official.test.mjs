// Differential test against the official @aws-amplify/data-schema 1.26.2:
// for every conformance schema and every test/cases/*.ts, our directive SDL
// must equal the official one; when the official package throws, ours must
// throw too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setup, conformanceCases, directiveFor, jsRoot } from './support/harness.mjs';

const env = setup();
const skip = env.skip || (!env.official && 'the official @aws-amplify/data-schema is not installed (set AMPBASE_OFFICIAL_DATA_SCHEMA)');
if (!env.skip && !env.official) console.log(`# skipped: ${skip}`);

const casesDir = join(jsRoot, 'test/cases');
const cases = [
  ...conformanceCases().map((c) => ({ name: c.name, schema: c.schema })),
  ...readdirSync(casesDir)
    .filter((f) => f.endsWith('.ts'))
    .sort()
    .map((f) => ({ name: `cases/${f}`, schema: join(casesDir, f) })),
];

for (const c of cases) {
  test(`directive SDL equals the official package's: ${c.name}`, { skip }, async () => {
    const official = await directiveFor(c.schema, 'official');
    const ours = await directiveFor(c.schema, 'ours');
    if (official.error) {
      assert.ok(ours.error, `the official package throws (${official.error.message}) but ours returned:\n${ours.sdl}`);
      return;
    }
    if (ours.error) throw ours.error;
    assert.equal(ours.sdl, official.sdl);
  });
}
