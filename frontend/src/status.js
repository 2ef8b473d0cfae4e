// The connect / logout buttons and the wallet status line. Pages must work
// read-only without any extension, so "no wallet" is a note, never an error.
import { NO_WALLET_MESSAGE, account, connect, hasInjectedWallet, rememberedAddress } from './accounts.js';
import { login, logout } from './auth.js';
import { toast } from './toast.js';

/** State for CSS: <html data-pm-wallet="none|available|connected|busy">. */
function setState(state, text) {
  document.documentElement.dataset.pmWallet = state;
  if (text !== undefined) {
    for (const el of document.querySelectorAll('[data-pm-wallet-status]')) el.textContent = text;
  }
}

function describe(acct) {
  return acct.name ? `${acct.name} · ${acct.address}` : acct.address;
}

function showNoWallet() {
  setState('none', NO_WALLET_MESSAGE);
  for (const el of document.querySelectorAll('[data-pm-connect]')) el.title = NO_WALLET_MESSAGE;
}

/** Look for an injected extension; mark the page accordingly. */
export function refreshWalletState() {
  if (account()) return setState('connected', describe(account()));
  if (!hasInjectedWallet()) return showNoWallet();
  for (const el of document.querySelectorAll('[data-pm-connect]')) {
    if (el.title === NO_WALLET_MESSAGE) el.removeAttribute('title');
  }
  setState('available', '');
}

const busy = new WeakSet();

async function run(el, task) {
  if (busy.has(el)) return; // a second click while the wallet popup is open
  busy.add(el);
  el.setAttribute('aria-busy', 'true');
  const before = document.documentElement.dataset.pmWallet;
  setState('busy');
  try {
    await task();
  } catch (err) {
    setState(before, err?.message || String(err));
    toast(err?.message || String(err), 'error');
    if (err?.code === 'no_wallet') showNoWallet();
    console.error('PolkaMesh:', err);
  } finally {
    busy.delete(el);
    el.removeAttribute('aria-busy');
    if (document.documentElement.dataset.pmWallet === 'busy') refreshWalletState();
  }
}

function onClick(event) {
  const connectEl = event.target.closest?.('[data-pm-connect]');
  if (connectEl) {
    event.preventDefault();
    if (!hasInjectedWallet()) return showNoWallet();
    // data-pm-connect="connect" only picks an account; anything else signs in too.
    const onlyConnect = connectEl.dataset.pmConnect === 'connect';
    return run(connectEl, () => (onlyConnect ? connect() : login()));
  }
  const logoutEl = event.target.closest?.('[data-pm-logout]');
  if (logoutEl) {
    event.preventDefault();
    run(logoutEl, logout);
  }
}

/** <select id="pm-account" data-pm-switch> (signed in): choosing another of the wallet's
 *  accounts signs in as that one (accounts.js has made it the active account by now). */
function onSwitch(event) {
  const select = event.target;
  if (!select?.matches?.('select[data-pm-switch]') || !select.value) return;
  if (select.dataset.pmSession === select.value) return;
  run(select, login);
}

export function initWalletUi() {
  document.addEventListener('click', onClick);
  document.addEventListener('change', onSwitch);
  document.addEventListener('pm:connected', () => refreshWalletState());
  document.addEventListener('pm:account', () => refreshWalletState());
  // htmx may swap in new buttons / status elements.
  document.addEventListener('htmx:afterSettle', () => refreshWalletState());
  refreshWalletState();
  // Some extensions inject after DOMContentLoaded; look again once loaded.
  const late = () => setTimeout(refreshWalletState, 500);
  if (document.readyState === 'complete') late();
  else window.addEventListener('load', late, { once: true });
  // A user who connected before gets the account picker filled without a click;
  // the extension does not prompt again for a site it already allowed.
  if (rememberedAddress()) {
    const restore = () => hasInjectedWallet() && connect().catch((err) => console.info('PolkaMesh: not reconnected:', err?.message));
    if (document.readyState === 'complete') restore();
    else window.addEventListener('load', restore, { once: true });
  }
}
