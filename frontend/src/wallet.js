// Entry point of static/js/wallet.js: wires the page and exposes window.PolkaMesh.
import './htmx-setup.js';
import { account, accounts, choose, connect, signerFor } from './accounts.js';
import { formatAmount, parseAmount } from './amount.js';
import { login, logout } from './auth.js';
import { canonicalJson } from './canonical.js';
import { renderDisplays, replyKey, initDisplays } from './display.js';
import { collectParams, initForms, submitForm } from './forms.js';
import { ApiError, getConfig } from './http.js';
import { newBoxKeyPair, openSealed, seal } from './seal.js';
import { buildPayload, send, sign } from './signing.js';
import { initWalletUi } from './status.js';
import { initModelInputs } from './model-inputs.js';
import { toast, initToasts } from './toast.js';
import { initTrade } from './trade.js';
import { initUploads } from './upload.js';

window.PolkaMesh = Object.freeze({
  // wallet
  connect,
  account,
  accounts,
  chooseAccount: choose,
  signerFor, // the extension's signer of an account (deposit.js signs transfers with it)
  login,
  logout,
  // signed actions
  config: getConfig,
  buildPayload,
  sign,
  send,
  canonicalJson,
  // sealed boxes
  seal,
  newBoxKeyPair,
  openSealed,
  replyKey,
  // amounts
  formatAmount,
  parseAmount,
  // forms and display, for pages that drive them by hand
  toast,
  collectParams,
  submitForm,
  renderDisplays,
  ApiError,
});

function init() {
  initWalletUi();
  initForms();
  initToasts();
  initDisplays();
  initTrade();
  initUploads();
  initModelInputs();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init, { once: true });
else init();
