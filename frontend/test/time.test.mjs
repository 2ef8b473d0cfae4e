import assert from 'node:assert/strict';
import { test } from 'node:test';
import { relativeTime } from '../src/display.js';
import { runPython, skipWithoutPython } from './python.mjs';

const SECONDS = [0, 0.4, 1, -1, 8, -8, 59, 89, 90, -90, 150, 3599, 5399, 5400, 7200, -61200, 86399, 129599, 129600, -172800, 2592000];

test('it says one unit, rounded: seconds for short windows, then minutes, hours, days', () => {
  assert.equal(relativeTime(0.4), 'now');
  assert.equal(relativeTime(8), 'in 8 seconds');
  assert.equal(relativeTime(1), 'in 1 second');
  assert.equal(relativeTime(-89), '89 seconds ago');
  assert.equal(relativeTime(150), 'in 3 minutes');
  assert.equal(relativeTime(3599), 'in 60 minutes');
  assert.equal(relativeTime(-61200), '17 hours ago');
  assert.equal(relativeTime(-172800), '2 days ago');
});

test('the browser and the server word every time alike', { skip: skipWithoutPython }, () => {
  const server = runPython(
    'import json, os, sys, django; os.environ.setdefault("DJANGO_SETTINGS_MODULE", "polkamesh_web.settings"); django.setup()\n' +
      'from marketplace.core.templatetags.pm import relative_time\n' +
      'print(json.dumps([relative_time(s) for s in json.load(sys.stdin)]))',
    JSON.stringify(SECONDS),
  );
  assert.deepEqual(JSON.parse(server), SECONDS.map(relativeTime));
});
