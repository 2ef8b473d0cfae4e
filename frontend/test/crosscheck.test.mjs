// End to end without a browser: sign with @polkadot/keyring and with the built
// fake-wallet bundle, then verify with substrate-interface, compare canonical
// JSON with Python's json.dumps and open a sealed box with PyNaCl.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { python, root, skipWithoutPython } from './python.mjs';

test('the server libraries accept what the browser code produces', { skip: skipWithoutPython }, () => {
  const result = spawnSync(python, ['frontend/verify_selftest.py'], { cwd: root, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stdout + result.stderr);
  assert.match(result.stdout, / 0 failed/);
});
