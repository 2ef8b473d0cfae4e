import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalJson } from '../src/canonical.js';
import { runPython, skipWithoutPython } from './python.mjs';

test('it sorts keys recursively and leaves no spaces', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [1, { z: 0, y: null }], c: true } }), '{"a":{"c":true,"d":[1,{"y":null,"z":0}]},"b":1}');
});

test('it escapes non-ASCII like ensure_ascii, with lowercase hex and surrogate pairs', () => {
  assert.equal(canonicalJson('é模🚀'), '"\\u00e9\\u6a21\\ud83d\\ude80"');
  assert.equal(canonicalJson('\u007f\n\t"\\\u0001'), '"\\u007f\\n\\t\\"\\\\\\u0001"');
});

test('it orders keys by code point as Python does, not by UTF-16 unit', () => {
  // U+FF01 < U+1F600 by code point, though "\ud83d" < "\uff01" as UTF-16 units.
  assert.equal(canonicalJson({ '\u{1F600}': 2, '\uff01': 1 }), '{"\\uff01":1,"\\ud83d\\ude00":2}');
});

test('it prints floats like Python repr and whole numbers as ints', () => {
  assert.equal(canonicalJson([0.1, 1e-5, 1.5e-7, 123.456, -2.5, 5, -0, 1e15]), '[0.1,1e-05,1.5e-07,123.456,-2.5,5,0,1000000000000000]');
});

test('it refuses values JSON or Python would change', () => {
  assert.throws(() => canonicalJson({ a: NaN }), /NaN/);
  assert.throws(() => canonicalJson({ a: 2 ** 60 }), /too large/);
  assert.throws(() => canonicalJson([undefined]), /undefined/);
  assert.equal(canonicalJson({ a: undefined, b: 1 }), '{"b":1}');
  assert.equal(canonicalJson({ a: 10n ** 30n }), '{"a":1000000000000000000000000000000}');
});

// Random documents, compared with Python's json.dumps on the same values.
function randomText(rand) {
  const pool = ['a', 'Z', ' ', '"', '\\', '/', '\n', '\u0000', '\u001f', '\u007f', 'é', 'ß', '模', '\u2028', '\uff01', '🚀', '😀', '\ud800'];
  let s = '';
  const n = Math.floor(rand() * 6);
  for (let i = 0; i < n; i++) s += pool[Math.floor(rand() * pool.length)];
  return s;
}

function randomValue(rand, depth) {
  const kind = Math.floor(rand() * (depth > 2 ? 5 : 7));
  switch (kind) {
    case 0: return randomText(rand);
    case 1: return Math.floor((rand() - 0.5) * 2 ** 40);
    case 2: return (rand() - 0.5) * 10 ** Math.floor(rand() * 35 - 20); // below 2^53: bigger "floats" are ints in JS
    case 3: return rand() < 0.5;
    case 4: return null;
    case 5: return Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(rand, depth + 1));
    default: {
      const obj = {};
      for (let i = Math.floor(rand() * 5); i > 0; i--) obj[randomText(rand)] = randomValue(rand, depth + 1);
      return obj;
    }
  }
}

test('it matches json.dumps(sort_keys=True, separators=(",", ":")) on 500 random documents', { skip: skipWithoutPython }, () => {
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const docs = Array.from({ length: 500 }, () => ({ params: randomValue(rand, 0) }));
  const py = 'import json,sys\nfor line in sys.stdin:\n    print(json.dumps(json.loads(line), sort_keys=True, separators=(",", ":")))';
  const expected = runPython(py, docs.map((d) => JSON.stringify(d)).join('\n') + '\n').trimEnd().split('\n');
  docs.forEach((doc, i) => assert.equal(canonicalJson(doc), expected[i], `document ${i}: ${JSON.stringify(doc)}`));
});
