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
const { fetchConfig, setStorage, setupWithServer } = await import('@acala-network/chopsticks');

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
writeFileSync(
  configPath,
  [`genesis: ${specPath}`, 'host: 127.0.0.1', `port: ${port}`, 'build-block-mode: Instant', `db: ${db}`]
    .concat(resuming ? ['resume: true'] : [])
    .join('\n'),
);

const { chain, close } = await setupWithServer(await fetchConfig(configPath));

// The runtime checks signatures against System.BlockHash(0); after a resume chopsticks
// answers another hash for block 0, and wallets sign over that one. Make them agree.
const genesis = (await chain.getBlockAt(0)).hash;
const meta = await chain.head.meta;
const key = '0x' + Buffer.from(meta.query.system.blockHash(0)).toString('hex');
const stored = await chain.head.get(key);
if (stored !== genesis) {
  await setStorage(chain, { System: { BlockHash: [[[0], genesis]] } });
  await chain.newBlock();
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
