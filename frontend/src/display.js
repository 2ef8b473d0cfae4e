// Read-side helpers: amounts shown in whole units, and confidential results
// opened in the browser with the reply key that only this browser holds.
import { formatAmount } from './amount.js';
import { getConfig } from './http.js';
import { openSealed } from './seal.js';

const REPLY_KEY_PREFIX = 'polkamesh.replyKey.';

/** Keep the reply key pair of a confidential job, under the response's `id`.
 *  It lives only in this browser's localStorage: lose it and the result stays
 *  sealed, which is the point of a confidential job. */
export function saveReplyKey(result, keyPair) {
  const id = result?.id ?? result?.job_id;
  if (id === undefined) return;
  try {
    window.localStorage.setItem(REPLY_KEY_PREFIX + id, JSON.stringify(keyPair));
  } catch (err) {
    console.error('PolkaMesh: cannot keep the reply key; the result will not be readable here', err);
  }
}

/** The reply key pair kept for confidential job `id`, or null. */
export function replyKey(id) {
  try {
    const text = window.localStorage.getItem(REPLY_KEY_PREFIX + id);
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

/**
 * Within `root`:
 * - `[data-pm-amount="15000000000"][data-decimals="10"]` (or `data-asset="DOT"`)
 *   gets its text set to "1.5";
 * - `[data-pm-sealed="<base64>"][data-pm-reply-key-id="7"]` gets its text set to
 *   the opened JSON when this browser holds job 7's reply key.
 */
export async function renderDisplays(root = document) {
  const amounts = root.querySelectorAll ? root.querySelectorAll('[data-pm-amount]') : [];
  let config = null;
  for (const el of amounts) {
    try {
      let decimals = el.dataset.decimals;
      if (decimals === undefined && el.dataset.asset) {
        config = config || (await getConfig());
        decimals = (config.assets || []).find((a) => a.code === el.dataset.asset)?.decimals;
      }
      if (decimals !== undefined) el.textContent = formatAmount(el.dataset.pmAmount, decimals);
    } catch (err) {
      console.error('PolkaMesh: cannot format amount', el, err);
    }
  }
  const sealed = root.querySelectorAll ? root.querySelectorAll('[data-pm-sealed][data-pm-reply-key-id]') : [];
  for (const el of sealed) {
    const keyPair = replyKey(el.dataset.pmReplyKeyId);
    if (!keyPair) continue;
    try {
      const value = openSealed(keyPair, el.dataset.pmSealed);
      el.textContent = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
      el.dataset.pmOpened = '';
    } catch (err) {
      console.error('PolkaMesh: cannot open sealed result', err);
    }
  }
}

export function initDisplays() {
  renderDisplays(document);
  document.addEventListener('htmx:afterSettle', (event) => renderDisplays(event.target));
  // Fragments pushed over the WebSocket (hx-swap-oob) settle through htmx too.
  document.addEventListener('htmx:oobAfterSwap', (event) => renderDisplays(event.detail?.target || document));
}
