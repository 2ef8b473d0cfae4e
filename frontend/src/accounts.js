// Wallet connection through @polkadot/extension-dapp. polkadot{.js}, Talisman
// and SubWallet all inject `window.injectedWeb3[name] = {enable, version}`, so
// one code path serves all three (and the fake wallet of the browser tests).
import { web3Accounts, web3Enable, web3FromSource } from '@polkadot/extension-dapp';
import { u8aEq } from '@polkadot/util';
import { decodeAddress } from '@polkadot/util-crypto';
import { ApiError, getConfig } from './http.js';

export const APP_NAME = 'PolkaMesh';
export const NO_WALLET_MESSAGE = 'Install polkadot{.js}, Talisman or SubWallet to sign in';
const STORAGE_KEY = 'polkamesh.account';
const SELECT_ID = 'pm-account';

let enablePromise = null;
let known = [];
let current = null;

/** True when some extension has injected itself (it may still refuse access). */
export function hasInjectedWallet() {
  return Object.values(window.injectedWeb3 || {}).some((ext) => ext && (ext.enable || ext.connect));
}

function storage(fn) {
  try {
    return fn(window.localStorage);
  } catch {
    return null; // private mode / storage disabled: the choice just is not remembered
  }
}

function samePublicKey(a, b) {
  try {
    return u8aEq(decodeAddress(a), decodeAddress(b));
  } catch {
    return false;
  }
}

function enable() {
  if (!enablePromise) {
    enablePromise = web3Enable(APP_NAME).then((extensions) => {
      if (extensions.length === 0) {
        // Injected but empty means the user refused (or closed) the extension's
        // "allow this site" prompt; not injected means nothing is installed.
        throw new ApiError(0, hasInjectedWallet()
          ? { code: 'wallet_denied', message: 'Allow PolkaMesh in your wallet extension, then try again' }
          : { code: 'no_wallet', message: NO_WALLET_MESSAGE });
      }
      return extensions;
    });
    enablePromise.catch(() => {
      enablePromise = null; // let the next click ask again
    });
  }
  return enablePromise;
}

function shortAddress(address) {
  return `${address.slice(0, 6)}…${address.slice(-6)}`;
}

function fillSelect(select) {
  const options = known.map((acct) => {
    const option = document.createElement('option');
    option.value = acct.address;
    option.textContent = acct.name ? `${acct.name} (${shortAddress(acct.address)})` : acct.address;
    return option;
  });
  select.replaceChildren(...options);
  if (current) select.value = current.address;
  select.disabled = false; // templates may render it disabled until a wallet answers
}

/** Make `address` (any SS58 prefix of a known account) the active account. */
export function choose(address) {
  const acct = known.find((a) => samePublicKey(a.address, address));
  if (!acct) throw new ApiError(0, { code: 'unknown_account', message: 'That account is not in your wallet' });
  const changed = !current || current.address !== acct.address;
  current = acct;
  storage((s) => s.setItem(STORAGE_KEY, acct.address));
  const select = document.getElementById(SELECT_ID);
  if (select && select.value !== acct.address) select.value = acct.address;
  if (changed) document.dispatchEvent(new CustomEvent('pm:account', { detail: { ...acct } }));
  return { ...acct };
}

/**
 * Ask the extensions for access, list their accounts (encoded with the
 * server's ss58_prefix), fill `<select id="pm-account">` when the page has one,
 * and pick the remembered account, else the first. Resolves to the account
 * `{address, name, source}`; rejects with ApiError code `no_wallet`,
 * `wallet_denied` or `no_accounts`.
 */
export async function connect() {
  await enable();
  const config = await getConfig().catch(() => null);
  const list = await web3Accounts({ ss58Format: config?.ss58_prefix ?? 42 });
  known = list.map((a) => ({ address: a.address, name: a.meta.name || '', source: a.meta.source, type: a.type }));
  if (known.length === 0) {
    throw new ApiError(0, { code: 'no_accounts', message: 'Your wallet shares no account with PolkaMesh: add or allow one' });
  }
  const remembered = storage((s) => s.getItem(STORAGE_KEY));
  const select = document.getElementById(SELECT_ID);
  // The account the page is signed in as comes first: the switcher shows who acts.
  const preferred = current?.address || select?.dataset.pmSession || remembered;
  const pick = known.find((a) => preferred && samePublicKey(a.address, preferred)) || known[0];
  current = null; // so choose() announces the (re)connection
  const acct = choose(pick.address);
  if (select) fillSelect(select);
  document.dispatchEvent(new CustomEvent('pm:connected', { detail: { account: acct, accounts: accounts() } }));
  return acct;
}

/** The active account `{address, name, source}`, or null before connect(). */
export function account() {
  return current ? { ...current } : null;
}

/** Every account the connected extensions share. */
export function accounts() {
  return known.map((a) => ({ ...a }));
}

/** The remembered account address, if the user connected on an earlier visit. */
export function rememberedAddress() {
  return storage((s) => s.getItem(STORAGE_KEY));
}

/** The injected signer of the extension that holds `acct`. */
export async function signerFor(acct) {
  const injected = await web3FromSource(acct.source);
  if (!injected.signer || typeof injected.signer.signRaw !== 'function') {
    throw new ApiError(0, { code: 'wallet_error', message: `${acct.source} cannot sign messages` });
  }
  return injected.signer;
}

// A user switching accounts in the page's picker switches the signer.
document.addEventListener('change', (event) => {
  if (event.target && event.target.id === SELECT_ID && event.target.value) {
    try {
      choose(event.target.value);
    } catch (err) {
      console.error(err);
    }
  }
});
