// Directive SDL conformance: our `schema.transform().schema` must equal the
// oracle's directive.graphql byte for byte (modulo the trailing newline the
// oracle adds), for the oracle examples and conformance/schemas/*.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { setup, conformanceCases, directiveFor } from './support/harness.mjs';

const env = setup();

for (const c of conformanceCases()) {
  test(`directive SDL matches the oracle: ${c.name}`, { skip: env.skip || (!existsSync(c.fixture) && 'no fixture yet') }, async () => {
    const expected = readFileSync(c.fixture, 'utf8').replace(/\n+$/, '');
    const ours = await directiveFor(c.schema, 'ours');
    if (ours.error) throw ours.error;
    assert.equal(ours.sdl.replace(/\n+$/, ''), expected);
  });
}
