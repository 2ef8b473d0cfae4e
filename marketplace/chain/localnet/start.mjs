// The local chain: chopsticks running the Rococo Asset Hub runtime from its raw genesis
// (shipped by @substrate/connect-known-chains), offline. The native token is labelled
// DOT with 10 decimals like the platform's asset, and USDT is created in the Assets
// pallet (id 1984, 6 decimals) on the first start. A block is built as soon as a
// transaction arrives, and an empty one every --block-seconds, so deposits gather
// their confirmations as on a live chain. State is kept in <dir>/chain.sqlite and
// resumed on the next start.
//
//   node start.mjs --port 9944 --dir var/chain [--block-seconds 3] [--fresh]
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { chainSpec } from '@substrate/connect-known-chains/rococo_v2_2_asset_hub';

// chopsticks logs every block it builds; only warnings unless LOG_LEVEL says otherwise
// (set before its logger is created by the import below).
process.env.LOG_LEVEL ??= 'warn';
const { compactHex, fetchConfig, setStorage, setupWithServer } = await import('@acala-network/chopsticks');

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const port = Number(option('port', '9944'));
const dir = resolve(option('dir', 'var/chain'));
const blockSeconds = Number(option('block-seconds', '0'));
mkdirSync(dir, { recursive: true });
const db = join(dir, 'chain.sqlite');
if (args.includes('--fresh')) rmSync(db, { force: true });
const resuming = existsSync(db);

const spec = JSON.parse(chainSpec);
// Display data only (the runtime has no notion of decimals): the platform's DOT has 10.
spec.name = 'PolkaMesh local chain';
spec.properties = { ...spec.properties, tokenSymbol: 'DOT', tokenDecimals: 10 };
const specPath = join(dir, 'spec.json');
writeFileSync(specPath, JSON.stringify(spec));
const configPath = join(dir, 'chopsticks.yml');
// Started from a genesis, chopsticks builds a block 1 on every start, before resuming.
// Saved, that block would replace the saved block 1 (one block per height), and the
// resumed chain's block 2 would point at a parent that is gone: chopsticks then takes
// that parent for block 0 and the chain's genesis hash changes with every restart. So
// nothing is saved until the saved head is resumed.
writeFileSync(
  configPath,
  [`genesis: ${specPath}`, 'host: 127.0.0.1', `port: ${port}`, 'build-block-mode: Instant', `db: ${db}`]
    .concat(resuming ? ['resume: true', 'save-blocks: false'] : [])
    .join('\n'),
);

const { chain, close } = await setupWithServer(await fetchConfig(configPath));
chain.saveBlocks = true;

// Wallets sign over block 0's hash and the runtime checks them against
// System.BlockHash(0): a saved state where they differ (written before the above) can
// only be started afresh.
const genesis = (await chain.getBlockAt(0)).hash;
const meta = await chain.head.meta;
if ((await chain.head.get(compactHex(meta.query.system.blockHash(0)))) !== genesis) {
  console.error(`${db} holds an inconsistent chain (block 0 is ${genesis}): delete it or pass --fresh`);
  await close();
  process.exit(1);
}

if (!resuming) {
  // USDT as on Polkadot Asset Hub: id 1984, 6 decimals, sufficient (an account may hold
  // it without the native token). No owner can mint: supply comes only from storage.
  const nobody = '0x' + '00'.repeat(32);
  await setStorage(chain, {
    Assets: {
      Asset: [
        [
          [1984],
          {
            owner: nobody, issuer: nobody, admin: nobody, freezer: nobody,
            supply: 0, deposit: 0, minBalance: 10000, isSufficient: true,
            accounts: 0, sufficients: 0, approvals: 0, isFrozen: false,
          },
        ],
      ],
      Metadata: [[[1984], { deposit: 0, name: 'Tether USD', symbol: 'USDT', decimals: 6, isFrozen: false }]],
    },
  });
  await chain.newBlock();
}

console.log(`local chain ready on ws://127.0.0.1:${port} at block ${chain.head.number}`);
if (blockSeconds > 0) setInterval(() => chain.newBlock().catch(console.error), blockSeconds * 1000);
const stop = () => close().finally(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
