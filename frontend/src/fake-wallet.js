// Entry point of tests/e2e/fake-wallet.js: a keyring-backed stand-in for the
// polkadot{.js} extension, for browser tests only (never served to users).
//
//   context.add_init_script(script="window.__pmFakeWalletAccount = 'Bob'")  # optional, first
//   context.add_init_script(path="tests/e2e/fake-wallet.js")
//
// It injects window.injectedWeb3['polkadot-js'] exactly like the extension's
// content script does, so extension-dapp's web3Enable / web3Accounts /
// web3FromSource, signer.signRaw and signer.signPayload run their real code paths.
import { Keyring } from '@polkadot/keyring';
import { TypeRegistry } from '@polkadot/types';
import { hexToU8a, isHex, stringToU8a, u8aEq, u8aToHex, u8aWrapBytes } from '@polkadot/util';
import { cryptoWaitReady, decodeAddress } from '@polkadot/util-crypto';

const NAMES = ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie'];
const SS58_PREFIX = 42;

// sr25519 lives in WASM: every call waits for it (a few ms, once).
const ready = cryptoWaitReady().then(() => {
  const keyring = new Keyring({ type: 'sr25519', ss58Format: SS58_PREFIX });
  return NAMES.map((name) => keyring.addFromUri(`//${name}`, { name }));
});

// What tests can look at (and steer) from page.evaluate().
const state = {
  accounts: [], // [{name, address}] once ready
  signed: [], // every signRaw request: {address, data, signature}
  transactions: [], // every signPayload request: {address, method, nonce, signature}
  reject: false, // set window.__pmFakeWallet.reject = true to act like "Cancel"
};

/** The offered accounts, the chosen one first: window.__pmFakeWalletAccount =
 *  'Bob' (read on every call, so tests may set it before or after this script). */
async function offered() {
  const pairs = await ready;
  const first = String(window.__pmFakeWalletAccount || 'Alice').toLowerCase();
  const ordered = [...pairs].sort((a, b) => (b.meta.name.toLowerCase() === first) - (a.meta.name.toLowerCase() === first));
  return ordered.map((p) => ({ address: p.address, name: p.meta.name, type: 'sr25519' }));
}

async function pairFor(address) {
  const pairs = await ready;
  if (state.reject || window.__pmFakeWalletReject) throw new Error('Cancelled');
  const key = decodeAddress(address);
  const pair = pairs.find((p) => u8aEq(p.publicKey, key));
  if (!pair) throw new Error(`Unable to find account ${address}`);
  return pair;
}

const signer = {
  // Same as the extension: a transaction's payload is signed as the chain expects it
  // (the signed extensions named by the dApp's @polkadot/api, no metadata needed).
  async signPayload(payload) {
    const pair = await pairFor(payload.address);
    const registry = new TypeRegistry();
    registry.setSignedExtensions(payload.signedExtensions);
    const { signature } = registry
      .createType('ExtrinsicPayload', payload, { version: payload.version })
      .sign(pair);
    state.transactions.push({ address: payload.address, method: payload.method, nonce: payload.nonce, signature });
    return { id: state.signed.length + state.transactions.length, signature };
  },
  // Same as the extension: sign the bytes wrapped in <Bytes>…</Bytes>.
  async signRaw({ address, data, type }) {
    const pair = await pairFor(address);
    if (type && type !== 'bytes') throw new Error(`Unsupported signRaw type ${type}`);
    const message = isHex(data) ? hexToU8a(data) : stringToU8a(data);
    const signature = u8aToHex(pair.sign(u8aWrapBytes(message)));
    state.signed.push({ address, data, signature });
    return { id: state.signed.length, signature };
  },
};

window.injectedWeb3 = window.injectedWeb3 || {};
window.injectedWeb3['polkadot-js'] = {
  version: 'fake',
  enable: async (origin) => {
    if (!origin) throw new Error('enable(origin) needs the dApp name');
    await ready;
    return {
      accounts: {
        get: async () => offered(),
        subscribe: (cb) => {
          offered().then(cb);
          return () => {};
        },
      },
      signer,
    };
  },
};

window.__pmFakeWallet = state;
ready.then(async () => {
  state.accounts = (await offered()).map(({ name, address }) => ({ name, address }));
});
