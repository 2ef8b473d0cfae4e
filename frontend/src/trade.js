// The trade form (<form data-pm-quote>): as the trader types, the quote from
// GET /api/quote (route, expected output, fee, price impact, the open batch's
// sealed intents, a suggested minimum), the available balance with a "Max"
// button, and the lock filled in from the amount. And, on every page, batch
// badges and countdowns that follow the clock between server refreshes.
import { formatAmount, parseAmount, roundedAmount } from './amount.js';
import { ApiError, assetDecimals, getJson, serverNow } from './http.js';

const QUOTE_DELAY_MS = 250;

function field(form, name) {
  return form.elements.namedItem(name);
}

/** A field the trader typed into keeps its value; one we filled may be refilled. */
function fill(el, value) {
  if (el && el.dataset.pmTyped !== 'true') el.value = value;
}

function percent(bps) {
  return `${(Number(bps) / 100).toFixed(2).replace(/\.?0+$/, '')} %`;
}

async function showBalance(form) {
  const out = form.querySelector('[data-pm-available]');
  if (!out) return;
  const asset = field(form, 'token_in').value;
  try {
    const { data } = await getJson('/api/me');
    const row = (data.balances || []).find((b) => b.asset === asset);
    const available = row ? row.available : '0';
    out.dataset.pmAvailable = available;
    out.textContent = `${roundedAmount(available, await assetDecimals(asset))} ${asset}`;
  } catch {
    out.dataset.pmAvailable = '';
    out.textContent = '—';
  }
}

async function useMax(form) {
  const available = form.querySelector('[data-pm-available]')?.dataset.pmAvailable;
  if (!available) return;
  const amount = field(form, 'amount_in');
  amount.value = formatAmount(available, await assetDecimals(field(form, 'token_in').value));
  amount.dataset.pmTyped = 'true';
  update(form);
}

function render(panel, lines) {
  panel.replaceChildren(
    ...lines.flatMap(([label, value, attr]) => {
      const dt = document.createElement('dt');
      const dd = document.createElement('dd');
      dt.textContent = label;
      dd.textContent = value;
      if (attr) dd.setAttribute(attr, '');
      return [dt, dd];
    }),
  );
}

async function quote(form) {
  const panel = form.querySelector('[data-pm-quote-out]');
  const tokenIn = field(form, 'token_in').value;
  const tokenOut = field(form, 'token_out').value;
  const text = field(form, 'amount_in').value.trim();
  form.dataset.pmQuote = 'pending';
  let amountIn;
  try {
    amountIn = text ? parseAmount(text, await assetDecimals(tokenIn)) : null;
  } catch {
    amountIn = null;
  }
  if (!amountIn || amountIn === '0') {
    panel.replaceChildren();
    panel.hidden = true;
    form.dataset.pmQuote = 'none';
    return;
  }
  fill(field(form, 'lock_amount'), text);
  const query = new URLSearchParams({ token_in: tokenIn, token_out: tokenOut, amount_in: amountIn });
  try {
    const { data: q } = await getJson(`/api/quote?${query}`);
    const decimalsOut = await assetDecimals(tokenOut);
    const out = roundedAmount(q.amount_out_estimate, decimalsOut);
    const minimum = formatAmount(q.suggested_min_output, decimalsOut); // the field's exact value
    const fee = roundedAmount(q.fee, await assetDecimals(tokenIn));
    const sealed = Object.entries(q.batch_sealed_intents)
      .map(([pair, n]) => `${n} sealed intent${n === 1 ? '' : 's'} in ${pair.replace('-', '/')}`)
      .join(', ');
    fill(field(form, 'min_output'), minimum);
    render(panel, [
      ['You get about', `${out} ${tokenOut}`, 'data-pm-quote-estimate'],
      ['Route', q.route.join(' → ')],
      ['Fee', `${fee} ${tokenIn} (${percent(q.fee_bps)})`],
      ['Price impact', percent(q.price_impact_bps)],
      [`Suggested minimum (${percent(q.slippage_bps)} slippage)`, `${minimum} ${tokenOut}`, 'data-pm-quote-minimum'],
      [`Batch #${q.batch_id} so far`, `${sealed} (amounts stay hidden)`],
    ]);
    panel.hidden = false;
    form.dataset.pmQuote = 'ready';
  } catch (err) {
    const message = err instanceof ApiError ? err.message : 'The quote could not be fetched.';
    render(panel, [['No quote', message]]);
    panel.hidden = false;
    form.dataset.pmQuote = 'error';
  }
}

const timers = new WeakMap();

function update(form) {
  clearTimeout(timers.get(form));
  timers.set(form, setTimeout(() => quote(form), QUOTE_DELAY_MS));
}

function initForm(form) {
  if (form.dataset.pmQuoteReady) return;
  form.dataset.pmQuoteReady = 'true';
  for (const name of ['lock_amount', 'min_output', 'amount_in']) {
    field(form, name)?.addEventListener('input', (e) => {
      e.target.dataset.pmTyped = String(e.target.value.trim() !== '');
    });
  }
  field(form, 'amount_in').addEventListener('input', () => update(form));
  for (const name of ['token_in', 'token_out']) {
    field(form, name).addEventListener('change', () => {
      // A new pair: the minimum in the old asset means nothing any more.
      delete field(form, 'min_output').dataset.pmTyped;
      if (name === 'token_in') showBalance(form);
      update(form);
    });
  }
  form.querySelector('[data-pm-max]')?.addEventListener('click', (e) => {
    e.preventDefault();
    useMax(form);
  });
  // After a submit the form resets: what we filled is ours to fill again.
  form.addEventListener('reset', () => {
    for (const el of form.elements) delete el.dataset.pmTyped;
    setTimeout(() => {
      quote(form);
      showBalance(form);
    });
  });
  showBalance(form);
  if (field(form, 'amount_in').value.trim()) update(form);
}

/** `[data-pm-closes-at]` turns its text to "closing" once the time has come;
 *  `[data-pm-seconds-left]` counts down to it, second by second, and
 *  `progress[data-pm-window]` fills up to it, then runs while the batch settles. */
function tick() {
  const now = serverNow().getTime();
  for (const el of document.querySelectorAll('[data-pm-closes-at]')) {
    const left = Math.max(0, Math.ceil((Date.parse(el.dataset.pmClosesAt) - now) / 1000));
    const counter = el.querySelector('[data-pm-seconds-left]');
    if (counter && counter.textContent !== `${left} s`) counter.textContent = `${left} s`;
    const badge = el.querySelector('[data-pm-epoch-status]');
    if (badge && left === 0 && badge.dataset.pmEpochStatus === 'open') {
      badge.dataset.pmEpochStatus = 'closing';
      badge.textContent = 'closing';
    }
    // The window's bar fills as it runs, and moves without end while the batch settles.
    const bar = el.querySelector('progress[data-pm-window]');
    if (bar && left > 0) bar.value = Math.max(0, bar.max - left);
    else if (bar && bar.hasAttribute('value')) bar.removeAttribute('value');
  }
}

export function initTrade() {
  const scan = () => document.querySelectorAll('form[data-pm-quote]').forEach(initForm);
  scan();
  document.body.addEventListener('htmx:afterSettle', scan);
  document.body.addEventListener('htmx:oobAfterSwap', () =>
    document.querySelectorAll('form[data-pm-quote]').forEach(showBalance),
  );
  setInterval(tick, 200); // a badge turns within a fifth of a second of the close
  tick();
}
