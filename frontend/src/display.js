// Read-side helpers: amounts shown in whole units, and confidential results
// opened in the browser with the reply key that only this browser holds.
import { formatAmount, roundedAmount } from './amount.js';
import { getConfig, serverNow } from './http.js';
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
 *   gets its text set to "1.5" (rounded as the pages round, the exact value in its title);
 * - `[data-pm-sealed="<base64>"][data-pm-reply-key-id="7"]` gets its text set to
 *   the opened JSON when this browser holds job 7's reply key.
 */
export async function renderDisplays(root = document) {
  if (root.querySelectorAll) root.querySelectorAll('[data-pm-total]').forEach(renderTotal);
  const amounts = root.querySelectorAll ? root.querySelectorAll('[data-pm-amount]') : [];
  let config = null;
  for (const el of amounts) {
    try {
      let decimals = el.dataset.decimals;
      if (decimals === undefined && el.dataset.asset) {
        config = config || (await getConfig());
        decimals = (config.assets || []).find((a) => a.code === el.dataset.asset)?.decimals;
      }
      if (decimals !== undefined) showAmount(el, el.dataset.pmAmount, decimals);
    } catch (err) {
      console.error('PolkaMesh: cannot format amount', el, err);
    }
  }
  markExportButtons(root);
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

// ---- moving a reply key to another device ----------------------------------------

const KEY_FILE_FORMAT = 'polkamesh-reply-key';

function isKeyPair(key) {
  return Boolean(key) && /^(0x)?[0-9a-f]{64}$/i.test(key.publicKey || '') && /^(0x)?[0-9a-f]{64}$/i.test(key.secretKey || '');
}

/** `[data-pm-export-reply-key="7"]`: download job 7's reply key as a small JSON file,
 *  to be imported on another device. Disabled where this browser does not hold it. */
function markExportButtons(root) {
  const buttons = root.querySelectorAll ? root.querySelectorAll('[data-pm-export-reply-key]') : [];
  for (const button of buttons) {
    const held = replyKey(button.dataset.pmExportReplyKey) !== null;
    button.disabled = !held;
    button.title = held ? 'Save this job\'s reply key as a file, to open its result on another device.' : 'This browser does not hold this job\'s reply key.';
  }
}

function exportReplyKey(id) {
  const key = replyKey(id);
  if (!key) return;
  const file = new Blob([JSON.stringify({ format: KEY_FILE_FORMAT, id: Number(id), key }, null, 1)], { type: 'application/json' });
  const link = document.createElement('a');
  link.href = URL.createObjectURL(file);
  link.download = `polkamesh-reply-key-${id}.json`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

/** `<input type="file" data-pm-import-reply-key>`: keep the reply keys of the chosen
 *  files in this browser and open the results they unlock; the sentence that says what
 *  happened goes to `[data-pm-import-status]`. */
async function importReplyKeys(input) {
  const said = [];
  for (const file of input.files || []) {
    let doc = null;
    try {
      doc = JSON.parse(await file.text());
    } catch {
      doc = null;
    }
    if (doc?.format !== KEY_FILE_FORMAT || !Number.isInteger(doc.id) || !isKeyPair(doc.key)) {
      said.push(`${file.name} is not a PolkaMesh reply key file.`);
      continue;
    }
    saveReplyKey({ id: doc.id }, { publicKey: doc.key.publicKey, secretKey: doc.key.secretKey });
    said.push(`The reply key of confidential job #${doc.id} is kept in this browser now.`);
  }
  input.value = '';
  const status = document.querySelector('[data-pm-import-status]');
  if (status) status.textContent = said.join(' ');
  await renderDisplays(document);
}

/** `[data-pm-total][data-pm-unit-price][data-asset][data-pm-count-field]` inside a form:
 *  its `[data-pm-total-amount]` says the unit price times the count typed into that
 *  field, in whole units, before anyone signs (BigInt, no floats; rounded, exact in its title). */
async function renderTotal(el) {
  const field = el.closest('form')?.elements.namedItem(el.dataset.pmCountField);
  const out = el.querySelector('[data-pm-total-amount]');
  if (!field || !out) return;
  const count = field.value.trim();
  if (!/^[1-9]\d{0,5}$/.test(count)) {
    out.textContent = '—';
    return;
  }
  const config = await getConfig();
  const decimals = (config.assets || []).find((a) => a.code === el.dataset.asset)?.decimals;
  if (decimals === undefined) return;
  const total = (BigInt(el.dataset.pmUnitPrice) * BigInt(count)).toString();
  showAmount(out, total, decimals, ` ${el.dataset.asset}`);
}

/** The pages' rule for amounts people read (ledger/units.py): rounded, and the exact
 *  value in the title when rounding changed it. */
function showAmount(el, amount, decimals, suffix = '') {
  const exact = formatAmount(amount, decimals);
  const shown = roundedAmount(amount, decimals);
  el.textContent = shown + suffix;
  if (shown.replaceAll(',', '') !== exact) el.title = exact + suffix;
  else el.removeAttribute('title');
}

// The server's rule (marketplace/core/templatetags/pm.py, TIME_UNITS): one unit, rounded.
const TIME_UNITS = [
  [90, 1, 'second'],
  [90 * 60, 60, 'minute'],
  [36 * 3600, 3600, 'hour'],
];

/** `in 8 seconds`, `3 minutes ago`: `seconds` from now (negative: past). */
export function relativeTime(seconds) {
  const magnitude = Math.abs(seconds);
  if (magnitude < 1) return 'now';
  const [, size, unit] = TIME_UNITS.find(([limit]) => magnitude < limit) || [0, 86400, 'day'];
  const count = Math.round(magnitude / size);
  const text = `${count} ${unit}${count === 1 ? '' : 's'}`;
  return seconds > 0 ? `in ${text}` : `${text} ago`;
}

/** Every `<time data-pm-relative datetime="…">` says how far it is from now. */
export function renderRelativeTimes(root = document) {
  const now = serverNow().getTime(); // the server's clock, as the page's other countdowns
  for (const el of root.querySelectorAll('time[data-pm-relative][datetime]')) {
    const at = Date.parse(el.getAttribute('datetime'));
    if (!Number.isNaN(at)) el.textContent = relativeTime((at - now) / 1000);
  }
}

export function initDisplays() {
  document.addEventListener('click', (event) => {
    const button = event.target instanceof Element && event.target.closest('[data-pm-export-reply-key]');
    if (button) exportReplyKey(button.dataset.pmExportReplyKey);
  });
  document.addEventListener('change', (event) => {
    if (event.target instanceof HTMLInputElement && event.target.hasAttribute('data-pm-import-reply-key')) importReplyKeys(event.target);
  });
  renderDisplays(document);
  // Once a second, so a 10 s bid window counts down and "in 1 minute" becomes "20 seconds ago".
  setInterval(() => renderRelativeTimes(document), 1000);
  document.addEventListener('input', (event) => {
    event.target.form?.querySelectorAll('[data-pm-total]').forEach(renderTotal);
  });
  document.addEventListener('htmx:afterSettle', (event) => renderDisplays(event.target));
  // Fragments pushed over the WebSocket (hx-swap-oob) settle through htmx too.
  document.addEventListener('htmx:oobAfterSwap', (event) => renderDisplays(event.detail?.target || document));
}
