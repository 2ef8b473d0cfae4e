import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AmountError, formatAmount, parseAmount, roundedAmount } from '../src/amount.js';
import { runPython, skipWithoutPython } from './python.mjs';

test('it converts whole units to the smallest unit exactly', () => {
  assert.equal(parseAmount('1.5', 10), '15000000000');
  assert.equal(parseAmount('0.0000000001', 10), '1');
  assert.equal(parseAmount('.5', 6), '500000');
  assert.equal(parseAmount('7.', 6), '7000000');
  assert.equal(parseAmount(' 1_000.25 ', 2), '100025');
  assert.equal(parseAmount('0', 10), '0');
  assert.equal(parseAmount('1.50', 1), '15'); // trailing zeros are not extra precision
  // Past 2^53 and past u64: still exact, because no Number is involved.
  assert.equal(parseAmount('340282366920938463463.3742607431768211455', 19), '3402823669209384634633742607431768211455');
});

test('it rejects more decimals than the asset has, and anything not a plain amount', () => {
  assert.throws(() => parseAmount('1.00000000001', 10), (e) => e instanceof AmountError && /at most 10 decimal places/.test(e.message));
  assert.throws(() => parseAmount('1.5', 0), /no decimal places/);
  for (const bad of ['', '.', '-1', '1e5', '1.2.3', 'abc', '0x10', '1,5']) {
    assert.throws(() => parseAmount(bad, 10), AmountError, bad);
  }
});

test('it formats smallest units back to whole units', () => {
  assert.equal(formatAmount('15000000000', 10), '1.5');
  assert.equal(formatAmount('1', 10), '0.0000000001');
  assert.equal(formatAmount('0', 10), '0');
  assert.equal(formatAmount('000120', 2), '1.2');
  assert.equal(formatAmount('-15000000000', 10), '-1.5');
  assert.equal(formatAmount(10n ** 20n, 10), '10000000000');
  assert.equal(formatAmount('5', 0), '5');
  assert.throws(() => formatAmount('1.5', 10), AmountError);
  assert.throws(() => formatAmount(0.1, 10), AmountError);
});

test('parse and format are inverse', () => {
  for (const text of ['1', '1.5', '0.0001', '123456789.987654321', '0.000001']) {
    assert.equal(formatAmount(parseAmount(text, 10), 10), text);
  }
});

test('roundedAmount follows the server rule: 4 decimals, 4 significant digits below 1', () => {
  assert.equal(roundedAmount('16566666666', 10), '1.6567');
  assert.equal(roundedAmount('15000000000', 10), '1.5');
  assert.equal(roundedAmount('12345678900000000', 10), '1,234,567.89');
  assert.equal(roundedAmount('1234', 10), '0.0000001234');
  assert.equal(roundedAmount('99999', 10), '0.00001');
  assert.equal(roundedAmount('-16566666666', 10), '-1.6567');
  assert.equal(roundedAmount('0', 10), '0');
  assert.equal(roundedAmount('7', 0), '7');
});

test('roundedAmount agrees with ledger.units.rounded_units', { skip: skipWithoutPython }, () => {
  const cases = [];
  for (let i = 0; i < 300; i++) {
    const digits = 1 + Math.floor(Math.random() * 20);
    const amount = String(Math.floor(Math.random() * 9) + 1) + Array.from({ length: digits - 1 }, () => Math.floor(Math.random() * 10)).join('');
    cases.push([amount, [0, 2, 6, 10, 12][i % 5]]);
  }
  const code = 'import json,os,sys,django\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "polkamesh_web.settings")\ndjango.setup()\nfrom ledger.units import rounded_units\nprint(json.dumps([rounded_units(int(a), d) for a, d in json.load(sys.stdin)]))';
  const expected = JSON.parse(runPython(code, JSON.stringify(cases)));
  assert.deepEqual(cases.map(([a, d]) => roundedAmount(a, d)), expected);
});
