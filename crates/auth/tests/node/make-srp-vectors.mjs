// Produces ../srp_vectors.json with the official aws-amplify client's own SRP code
// (@aws-amplify/auth/dist/esm/providers/cognito/utils/srp). Run: npm ci && node make-srp-vectors.mjs
//
// For each case the client computes the password verifier v = g^x (its generateHashDevice
// formula with the pool name and user id), A from a fixed a, the HKDF key from the server's
// B (computed here from a fixed b with plain BigInt), and PASSWORD_CLAIM_SIGNATURE over a
// secret block and a timestamp. The Rust side must reproduce v, B, the key and the signature.
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const srp = join(here, 'node_modules/@aws-amplify/auth/dist/esm/providers/cognito/utils/srp');
const load = async (p) => import(pathToFileURL(join(srp, p)).href);

const { default: AuthenticationHelper } = await load('AuthenticationHelper/AuthenticationHelper.mjs');
const { default: BigInteger } = await load('BigInteger/BigInteger.mjs');
const { calculateA } = await load('calculate/calculateA.mjs');
const { INIT_N } = await load('constants.mjs');
const { getHashFromData } = await load('getHashFromData.mjs');
const { getHashFromHex } = await load('getHashFromHex.mjs');
const { getPaddedHex } = await load('getPaddedHex.mjs');
const { getSignatureString } = await load('getSignatureString.mjs');

const modPow = (base, exp, mod) => {
  let r = 1n;
  base %= mod;
  while (exp > 0n) {
    if (exp & 1n) r = (r * base) % mod;
    base = (base * base) % mod;
    exp >>= 1n;
  }
  return r;
};
const big = (bi) => BigInt('0x' + bi.toString(16));
const hex = (n) => n.toString(16);

const cases = [
  { poolName: 'AbCdEfGh1', userId: '6f1c2a0e-6d3b-4c8e-9a51-2f1d0c9b8a77', password: 'Passw0rd!', salt: '8f3c1d2e4b5a69788796a5b4c3d2e1f0', a: 'a1'.repeat(128), b: '7e'.repeat(32), secretBlock: 'c2VjcmV0IGJsb2NrIG9uZQ==', timestamp: 'Mon Nov 2 02:36:14 UTC 2026' },
  { poolName: 'Zz9Yy8Xx7', userId: 'alice', password: 'Ünïcødé pass 1$', salt: '0123456789abcdef0123456789abcdef', a: '0f'.repeat(128), b: 'ff'.repeat(32), secretBlock: 'AAECAwQFBgcICQoLDA0ODw', timestamp: 'Sun Nov 22 14:05:09 UTC 2026' },
  { poolName: 'LocalPool', userId: 'bob@example.com', password: 'x', salt: '1', a: '3'.repeat(256), b: '1'.repeat(64), secretBlock: '-_-_AAAA', timestamp: 'Fri Jan 1 00:00:00 UTC 2027' },
];

const N = new BigInteger(INIT_N, 16);
const g = new BigInteger('2', 16);
const out = [];
for (const c of cases) {
  const a = new BigInteger(c.a, 16);
  const A = await calculateA({ a, g, N });
  const helper = new AuthenticationHelper({ userPoolName: c.poolName, a, g, A, N });
  const salt = new BigInteger(c.salt, 16);
  // The client's x and verifier (generateHashDevice's formula with the user's password).
  const x = new BigInteger(getHashFromHex(getPaddedHex(salt) + getHashFromData(`${c.poolName}${c.userId}:${c.password}`)), 16);
  const v = await new Promise((res, rej) => g.modPow(x, N, (e, r) => (e ? rej(e) : res(r))));
  const Nn = big(N), kn = big(helper.k), vn = big(v), bn = BigInt('0x' + c.b);
  const B = (kn * vn + modPow(2n, bn, Nn)) % Nn;
  const hkdf = await helper.getPasswordAuthenticationKey({ username: c.userId, password: c.password, serverBValue: new BigInteger(hex(B), 16), salt });
  const signature = getSignatureString({ userPoolName: c.poolName, username: c.userId, challengeParameters: { SECRET_BLOCK: c.secretBlock }, dateNow: c.timestamp, hkdf });
  out.push({ ...c, k: helper.k.toString(16), verifier: v.toString(16), A: A.toString(16), B: hex(B), hkdf: Buffer.from(hkdf).toString('hex'), signature });
}
writeFileSync(join(here, '..', 'srp_vectors.json'), JSON.stringify({ generatedBy: 'aws-amplify 6.22.1 (@aws-amplify/auth SRP helpers) via tests/node/make-srp-vectors.mjs', cases: out }, null, 2) + '\n');
console.log(`wrote ${out.length} vectors`);
