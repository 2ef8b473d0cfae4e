import assert from 'node:assert/strict';
import { test } from 'node:test';
import { xRange } from '../src/chart-range.js';

test('a single point gets a span around it, not an axis of years', () => {
  assert.deepEqual(xRange('line', true, 1000, 1000), [-800, 2800]);
  assert.deepEqual(xRange('line', false, 3, 3), [2, 4]);
});

test('several points keep their range; bars get half a day on each side', () => {
  assert.deepEqual(xRange('line', true, 1000, 5000), [1000, 5000]);
  assert.deepEqual(xRange('bar', true, 86400, 86400), [43200, 129600]);
});
