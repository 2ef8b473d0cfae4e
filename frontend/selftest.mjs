// Signs canonical payloads the way the browser does and prints what a verifier
// needs, as one JSON object on stdout. frontend/verify_selftest.py runs this and
// checks every item with the server's libraries (substrate-interface, PyNaCl,
// Python's json.dumps).
//
//   node frontend/selftest.mjs [--seal-to <x25519 public key hex>]
//
// Signatures come from two places:
//  - @polkadot/keyring directly, over u8aWrapBytes(payload) (what the extension does);
//  - the built tests/e2e/fake-wallet.js bundle, loaded as a browser would and
//    driven through window.injectedWeb3 → enable → signer.signRaw with
//    stringToHex(payload), exactly the call static/js/wallet.js makes.
import { Keyring } from '@polkadot/keyring';
import { stringToHex, stringToU8a, u8aToHex, u8aWrapBytes } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { canonicalJson } from './src/canonical.js';
import { makePayload } from './src/payload.js';
import { seal } from './src/seal.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? null : process.argv[i + 1];
};

// Params with nested keys out of order and text Python escapes (é, emoji,
// a CJK character, control characters, quotes), as forms will produce.
const PARAMS = {
  zeta: 'last',
  model_ref: 'ipfs://Qm…/résumé-模型 🚀',
  pricing: { tee: '30000000000', gpu: '20000000000', cpu: '1' },
  nested: { b: [3, { y: true, x: null }], a: 'tab\there "quoted" \\ back\u0001', ['\uff01']: 1, ['\u{1F600}']: 2 },
  floats: [0.1, -2.5, 123.456, 1e-7, 0.00001, 1.5e-300],
  budget: '15000000000',
  job_id: 42,
};

await cryptoWaitReady();
const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
const alice = keyring.addFromUri('//Alice', { name: 'Alice' });

const out = { signatures: [], canonical: [], sealed: null };

// 1. keyring, wrapped bytes
{
  const payload = makePayload({ action: 'submit_job', address: alice.address, domain: 'polkamesh.test', params: PARAMS });
  const signature = u8aToHex(alice.sign(u8aWrapBytes(stringToU8a(payload))));
  out.signatures.push({ via: '@polkadot/keyring', address: alice.address, payload, signature });
}

// 2. the built fake-wallet bundle, through the injected-extension interface
{
  globalThis.window = globalThis;
  globalThis.__pmFakeWalletAccount = 'Bob';
  // An IIFE meant for a page: run it as a script would run (indirect eval = global scope).
  (0, eval)(readFileSync(join(root, 'tests/e2e/fake-wallet.js'), 'utf8'));
  const ext = await globalThis.injectedWeb3['polkadot-js'].enable('PolkaMesh');
  const [first] = await ext.accounts.get();
  const payload = makePayload({ action: 'login', address: first.address, domain: 'polkamesh.test', params: {} });
  const { signature } = await ext.signer.signRaw({ address: first.address, data: stringToHex(payload), type: 'bytes' });
  out.signatures.push({ via: 'tests/e2e/fake-wallet.js', name: first.name, address: first.address, payload, signature });
}

// 3. canonical JSON cases: Python must produce the same string from JSON.stringify's text
for (const value of [PARAMS, { b: 1, a: { d: [], c: {} } }, { s: '\u007f\u0080\u2028\ud800x' }]) {
  out.canonical.push({ json: JSON.stringify(value), canonical: canonicalJson(value) });
}

// 4. a sealed box for Python to open
const sealTo = arg('--seal-to');
if (sealTo) {
  const secret = { amount_in: '15000000000', min_output: '29000000', note: 'sealed ✓' };
  out.sealed = { plaintext: canonicalJson(secret), box: seal(sealTo, secret) };
}

process.stdout.write(JSON.stringify(out) + '\n');
