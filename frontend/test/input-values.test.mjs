import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseInput, sentence } from '../src/input-values.js';

test('numbers separated by commas fill one row of the input', () => {
  assert.deepEqual(parseInput('1, 2.5 3', 1, 'float32'), [1, 2.5, 3]);
  assert.deepEqual(parseInput('1,2,3', 2, 'float32'), [[1, 2, 3]]);
  assert.deepEqual(parseInput('4', 0, 'int64'), 4);
});

test('a nested JSON list sets every axis', () => {
  assert.deepEqual(parseInput('[[1, 2], [3, 4]]', 2, 'float32'), [[1, 2], [3, 4]]);
  assert.deepEqual(parseInput('["a", "b"]', 1, 'str'), ['a', 'b']);
});

test('a word that is not a number, or broken JSON, is refused with a sentence', () => {
  assert.throws(() => parseInput('1, two', 1, 'float32'), /“two” is not a number\./);
  assert.throws(() => parseInput('[[1, 2]', 2, 'float32'), /not valid JSON/);
  assert.throws(() => parseInput('  ', 1, 'float32'), /Fill in this input\./);
  assert.throws(() => parseInput('1 2', 0, 'float32'), /one value/);
});

test("the API's messages about an input read as sentences", () => {
  assert.equal(
    sentence('has shape [3]; the model needs a float32 tensor of shape [batch, 3]'),
    'This input has shape [3]; the model needs a float32 tensor of shape [batch, 3].',
  );
  assert.equal(sentence('missing: the model needs a float32 tensor'), 'Missing: the model needs a float32 tensor.');
  assert.equal(sentence('Already a sentence.'), 'Already a sentence.');
});
