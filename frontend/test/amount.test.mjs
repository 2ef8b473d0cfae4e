import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AmountError, formatAmount, parseAmount } from '../src/amount.js';

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
