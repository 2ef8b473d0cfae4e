// Entry point of static/js/deposit.js (the wallet page, when the platform has a chain):
// the Deposit form. The user's own wallet extension signs a real transfer to the
// platform's deposit address — balances.transferKeepAlive for the native token,
// assets.transferKeepAlive for an Assets-pallet token — sent with @polkadot/api to
// the chain named by GET /api/config `chain.url`. The deposits table below the form is
// pushed live by the server: seen in a block, then credited after the confirmations.
import { ApiPromise, WsProvider } from '@polkadot/api';

const wallet = window.PolkaMesh;
let api = null;

function chainApi(url) {
  // initWasm false: this bundle hashes in plain JS (the CSP refuses WASM), and the
  // extension does the signing.
  if (!api) api = ApiPromise.create({ provider: new WsProvider(url), noInitWarn: true, initWasm: false });
  return api;
}

function say(form, text, state) {
  const line = form.querySelector('[data-deposit-status]');
  line.textContent = text;
  line.dataset.state = state;
}

async function deposit(form) {
  const { chain } = await wallet.config();
  const asset = form.elements.asset.value;
  const target = chain.assets[asset];
  const decimals = (await wallet.config()).assets.find((a) => a.code === asset).decimals;
  const amount = wallet.parseAmount(form.elements.amount.value, decimals);
  const acct = wallet.account() || (await wallet.connect());
  const signer = await wallet.signerFor(acct);
  say(form, 'Connecting to the chain…', 'busy');
  const chainApiReady = await chainApi(chain.url);
  const tx = target.native
    ? chainApiReady.tx.balances.transferKeepAlive(chain.deposit_address, amount)
    : chainApiReady.tx.assets.transferKeepAlive(target.asset_id, chain.deposit_address, amount);
  say(form, 'Waiting for your wallet to sign the transfer…', 'busy');
  await new Promise((resolve, reject) => {
    tx.signAndSend(acct.address, { signer }, ({ status, dispatchError, txHash }) => {
      if (dispatchError) {
        const reason = dispatchError.isModule
          ? chainApiReady.registry.findMetaError(dispatchError.asModule).name
          : dispatchError.toString();
        reject(new Error(`The chain refused the transfer: ${reason}`));
      } else if (status.isInBlock || status.isFinalized) {
        say(form, `Pending: included in a block (tx ${txHash.toHex().slice(0, 12)}…); credited after ${chain.confirmations} more blocks.`, 'pending');
        resolve();
      }
    }).catch(reject);
  });
  form.elements.amount.value = '';
}

function init() {
  for (const form of document.querySelectorAll('form[data-deposit]')) {
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const button = form.querySelector('button');
      button.disabled = true;
      deposit(form)
        .catch((err) => say(form, err?.error?.message || err?.message || String(err), 'error'))
        .finally(() => { button.disabled = false; });
    });
  }
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init, { once: true });
else init();
