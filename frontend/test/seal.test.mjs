import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newBoxKeyPair, openSealed, seal } from '../src/seal.js';
import { runPython, skipWithoutPython } from './python.mjs';

test('a sealed box opens with its key pair and not with another', () => {
  const mine = newBoxKeyPair();
  assert.match(mine.publicKey, /^[0-9a-f]{64}$/);
  const box = seal(mine.publicKey, { amount_in: '15000000000', note: 'é' });
  assert.deepEqual(openSealed(mine, box), { amount_in: '15000000000', note: 'é' });
  assert.throws(() => openSealed(newBoxKeyPair(), box), /Cannot open/);
  assert.throws(() => seal('abcd', {}), /32 bytes/);
});

test('PyNaCl SealedBox(PrivateKey).decrypt opens what the browser seals', { skip: skipWithoutPython }, () => {
  const py = [
    'import base64, sys',
    'from nacl.public import PrivateKey, SealedBox',
    'sk = PrivateKey(bytes.fromhex(sys.argv[1] if len(sys.argv) > 1 else sys.stdin.readline().strip()))',
    'print(SealedBox(sk).decrypt(base64.b64decode(sys.stdin.readline())).decode())',
  ].join('\n');
  const pair = newBoxKeyPair();
  const box = seal(pair.publicKey, { min_output: '29000000', amount_in: '15000000000' });
  const opened = runPython(py, `${pair.secretKey}\n${box}\n`).trim();
  assert.equal(opened, '{"amount_in":"15000000000","min_output":"29000000"}');
});

test('the browser opens what PyNaCl seals to a reply key', { skip: skipWithoutPython }, () => {
  const reply = newBoxKeyPair();
  const py = [
    'import base64, sys',
    'from nacl.public import PublicKey, SealedBox',
    'pk = PublicKey(bytes.fromhex(sys.stdin.readline().strip()))',
    'print(base64.b64encode(SealedBox(pk).encrypt(b\'{"label":"cat","score":0.97}\')).decode())',
  ].join('\n');
  const box = runPython(py, `${reply.publicKey}\n`).trim();
  assert.deepEqual(openSealed(reply, box), { label: 'cat', score: 0.97 });
});
