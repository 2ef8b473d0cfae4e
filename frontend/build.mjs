// Builds the committed browser bundles:
//   static/js/wallet.js       the page's wallet + htmx bundle (frontend/src/wallet.js)
//   tests/e2e/fake-wallet.js  the keyring-backed test wallet (frontend/src/fake-wallet.js);
//                             beside the browser tests, never in static/ (never served)
//   static/js/charts.js       uPlot charts from json_script data (frontend/src/charts.js)
//   static/js/deposit.js      the Deposit form: a transfer signed by the extension (frontend/src/deposit.js)
// and copies Pico CSS's and uPlot's stylesheets to static/css/.
// Usage: npm run build            (minified, what gets committed)
//        npm run build -- --dev   (readable, with inline source maps, for debugging)
import { build } from 'esbuild';
import { copyFileSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dev = process.argv.includes('--dev');

/**
 * wallet.js never needs the WASM crypto: it only encodes/decodes SS58
 * addresses (blake2b + base58), which @polkadot/util-crypto does in plain JS
 * whenever the WASM is not ready; signing happens inside the extension. Yet
 * importing util-crypto pulls in ~220 KB of WASM and compiles it on every page
 * load. This plugin swaps @polkadot/wasm-crypto for a stub that says "never
 * ready", so util-crypto takes its JS paths. The stub's export list is read
 * from the installed package, so an upgrade cannot silently break the import.
 * The fake wallet does sign (sr25519 exists only in WASM), so it keeps the real one.
 */
async function noWasmCrypto() {
  const real = await import('@polkadot/wasm-crypto');
  const names = Object.keys(real).filter((n) => !['isReady', 'waitReady', 'packageInfo'].includes(n));
  const contents = [
    `export const packageInfo = ${JSON.stringify(real.packageInfo)};`,
    'export function isReady() { return false; }',
    'export async function waitReady() { return false; }',
    'function unavailable() { throw new Error("WASM crypto is not bundled in wallet.js"); }',
    ...names.map((n) => `export const ${n} = unavailable;`),
  ].join('\n');
  return {
    name: 'no-wasm-crypto',
    setup(b) {
      b.onResolve({ filter: /^@polkadot\/wasm-crypto$/ }, () => ({ path: 'no-wasm-crypto', namespace: 'stub' }));
      b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({ contents, loader: 'js', resolveDir: root }));
    },
  };
}

const bundles = [
  { entry: 'frontend/src/wallet.js', out: 'static/js/wallet.js', plugins: [await noWasmCrypto()] },
  { entry: 'frontend/src/fake-wallet.js', out: 'tests/e2e/fake-wallet.js', plugins: [] },
  { entry: 'frontend/src/charts.js', out: 'static/js/charts.js', plugins: [] },
  // Only the wallet page of a platform with a chain loads it (@polkadot/api is big).
  // It hashes in plain JS too (the extension signs), under the same CSP.
  { entry: 'frontend/src/deposit.js', out: 'static/js/deposit.js', plugins: [await noWasmCrypto()] },
];

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

for (const { entry, out, plugins } of bundles) {
  await build({
    absWorkingDir: root,
    entryPoints: [entry],
    outfile: out,
    bundle: true,
    format: 'iife', // a plain <script>, and a Playwright init script, both need it
    platform: 'browser',
    target: ['es2020'], // BigInt (polkadot/util) needs ES2020; every wallet-capable browser has it
    minify: !dev,
    sourcemap: dev ? 'inline' : false,
    legalComments: dev ? 'inline' : 'eof', // keep the libraries' licence notices
    plugins,
    logLevel: 'warning',
  });
  const bytes = readFileSync(join(root, out));
  console.log(`${out}: ${kb(bytes.length)} (gzip ${kb(gzipSync(bytes).length)})`);
}

// Pico CSS and uPlot's stylesheet are used as shipped: copy them next to ours (a
// <link>ed file, because the CSP refuses inline <style>).
for (const [from, to] of [
  ['node_modules/@picocss/pico/css/pico.min.css', 'static/css/pico.min.css'],
  ['node_modules/uplot/dist/uPlot.min.css', 'static/css/uplot.min.css'],
]) {
  copyFileSync(join(root, from), join(root, to));
  console.log(`${to}: copied from ${from}`);
}
