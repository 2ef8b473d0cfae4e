// The project's Python (for cross-checks against the server's libraries):
// $PM_PYTHON, else .venv/bin/python, else python3 — or null when none of them
// can import PyNaCl and substrate-interface (then those tests are skipped).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function findPython() {
  const candidates = [process.env.PM_PYTHON, join(root, '.venv/bin/python'), 'python3'].filter(Boolean);
  for (const exe of candidates) {
    if (exe.includes('/') && !existsSync(exe)) continue;
    const probe = spawnSync(exe, ['-c', 'import nacl.public, substrateinterface'], { encoding: 'utf8' });
    if (probe.status === 0) return exe;
  }
  return null;
}

export const python = findPython();
export const skipWithoutPython = python ? false : 'needs a Python with PyNaCl and substrate-interface (.venv)';

/** Run a Python snippet with `input` on stdin; returns stdout (throws on failure). */
export function runPython(code, input = '') {
  const result = spawnSync(python, ['-c', code], { input, encoding: 'utf8', cwd: root, maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`python failed: ${result.stderr}`);
  return result.stdout;
}
