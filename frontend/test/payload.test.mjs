import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isoSeconds, makePayload, newNonce } from '../src/payload.js';

test('the nonce is 32 characters of [A-Za-z0-9_-] and never repeats', () => {
  const seen = new Set();
  for (let i = 0; i < 1000; i++) {
    const nonce = newNonce();
    assert.match(nonce, /^[A-Za-z0-9_-]{32}$/);
    seen.add(nonce);
  }
  assert.equal(seen.size, 1000);
});

test('issued_at is ISO-8601 UTC to the second', () => {
  assert.equal(isoSeconds(new Date(Date.UTC(2026, 10, 24, 10, 0, 0, 987))), '2026-11-24T10:00:00Z');
  assert.match(isoSeconds(), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
});

test('the payload is the canonical envelope of API.md', () => {
  const payload = makePayload({
    action: 'submit_bid',
    address: '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY',
    domain: 'polkamesh.test',
    params: { sla_seconds: 60, price: '100', job_id: 7 },
    nonce: 'n'.repeat(32),
    issuedAt: '2026-11-24T10:00:00Z',
  });
  assert.equal(
    payload,
    '{"action":"submit_bid","address":"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY","domain":"polkamesh.test",' +
      `"issued_at":"2026-11-24T10:00:00Z","nonce":"${'n'.repeat(32)}","params":{"job_id":7,"price":"100","sla_seconds":60}}`,
  );
  assert.throws(() => makePayload({ action: 'x', address: 'a', domain: '' }), /domain/);
  assert.throws(() => makePayload({ action: 'x', address: 'a', domain: 'd', params: [] }), /params/);
});
