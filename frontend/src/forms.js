// <form data-action="NAME" action="/api/..."> → collect params, convert types,
// optionally seal some of them, sign, POST, then show errors or follow up.
// The whole convention is documented for template authors in docs/FRONTEND.md.
import { AmountError, parseAmount } from './amount.js';
import { ApiError, assetDecimals, getJson } from './http.js';
import { isoSeconds } from './payload.js';
import { newBoxKeyPair, seal } from './seal.js';
import { send } from './signing.js';
import { saveReplyKey } from './display.js';

const SKIPPED_TYPES = new Set(['submit', 'button', 'reset', 'image', 'file', 'fieldset', 'output']);
const OMIT_WHEN_EMPTY = new Set(['int', 'amount', 'json', 'datetime']);

class FieldError extends Error {}

/** Set obj["a"]["b"] for the name "a.b" (nested params such as pricing.gpu). */
function setPath(obj, name, value) {
  const parts = name.split('.');
  let node = obj;
  for (const part of parts.slice(0, -1)) {
    if (node[part] === null || typeof node[part] !== 'object' || Array.isArray(node[part])) node[part] = {};
    node = node[part];
  }
  node[parts[parts.length - 1]] = value;
}

function getPath(obj, name) {
  return name.split('.').reduce((node, part) => (node == null ? undefined : node[part]), obj);
}

/** The decimals of an amount field: data-decimals, or the decimals (from
 *  /api/config) of the asset chosen in the field named by data-asset-field. */
async function decimalsFor(el) {
  if (el.dataset.decimals !== undefined) return Number(el.dataset.decimals);
  const assetField = el.dataset.assetField;
  if (assetField) {
    const assetEl = el.form.elements.namedItem(assetField);
    const code = assetEl && 'value' in assetEl ? assetEl.value : null;
    if (!code) throw new FieldError('Choose an asset first');
    return assetDecimals(code);
  }
  throw new FieldError('This amount field has no data-decimals');
}

/** One field's value as the API wants it; `undefined` means "leave it out". */
async function convert(el) {
  const type = el.dataset.type || (el.type === 'checkbox' ? 'bool' : 'string');
  if (type === 'bool') {
    if (el.type === 'checkbox' || el.type === 'radio') return el.checked;
    return ['true', '1', 'on', 'yes'].includes(String(el.value).trim().toLowerCase());
  }
  if (el.type === 'select-multiple') {
    return Array.from(el.selectedOptions, (o) => o.value);
  }
  const raw = el.value;
  const text = String(raw).trim();
  if (text === '' && (OMIT_WHEN_EMPTY.has(type) || el.hasAttribute('data-omit-empty'))) return undefined;
  switch (type) {
    case 'int': {
      if (!/^[+-]?\d+$/.test(text)) throw new FieldError('Enter a whole number');
      const n = Number(text);
      if (!Number.isSafeInteger(n)) throw new FieldError('This number is too large');
      return n;
    }
    case 'list':
      return text.split(',').map((s) => s.trim()).filter(Boolean);
    case 'json':
      try {
        return JSON.parse(text);
      } catch {
        throw new FieldError('Enter valid JSON');
      }
    case 'amount':
      try {
        return parseAmount(text, await decimalsFor(el));
      } catch (err) {
        if (err instanceof AmountError) throw new FieldError(err.message);
        throw err;
      }
    case 'datetime': {
      // <input type="datetime-local"> gives local wall time without a zone;
      // Date parses that as local time, and the API wants UTC.
      const when = new Date(text);
      if (Number.isNaN(when.getTime())) throw new FieldError('Enter a date and time');
      return isoSeconds(when);
    }
    case 'string':
      return raw;
    default:
      throw new FieldError(`Unknown data-type "${type}"`);
  }
}

/** Every named, enabled control of the form (including ones outside it with
 *  form="id") plus the clicked submit button's name=value, as params. */
export async function collectParams(form, submitter = null) {
  const params = {};
  const errors = {};
  for (const el of Array.from(form.elements)) {
    if (!el.name || el.disabled || el.matches(':disabled') || SKIPPED_TYPES.has(el.type)) continue;
    if (el.hasAttribute('data-pm-ignore')) continue;
    if (el.type === 'radio' && !el.checked) continue;
    try {
      if (el.type === 'checkbox' && el.dataset.type === 'list') {
        // A group of checkboxes sharing a name → the list of the checked values.
        const list = Array.isArray(getPath(params, el.name)) ? getPath(params, el.name) : [];
        if (el.checked) list.push(el.value);
        setPath(params, el.name, list);
        continue;
      }
      const value = await convert(el);
      if (value !== undefined) setPath(params, el.name, value);
    } catch (err) {
      if (!(err instanceof FieldError)) throw err;
      errors[el.name] = err.message;
    }
  }
  // The clicked button's name=value, as a native submit would send it (it is
  // disabled by now while in flight, so no :disabled check here).
  if (submitter && submitter.name) setPath(params, submitter.name, submitter.value);
  if (Object.keys(errors).length) {
    throw new ApiError(0, { code: 'invalid_params', message: 'Please correct the highlighted fields', fields: errors });
  }
  return params;
}

/** The X25519 key to seal to: data-seal-key (hex), or the data-public-key of
 *  the option chosen in the field data-seal-key-from (else that field's value),
 *  or `public_key` of the JSON at data-seal-key-url (fetched on every submit:
 *  epochs rotate). */
async function sealKey(form) {
  const { sealKey: literal, sealKeyFrom, sealKeyUrl } = form.dataset;
  if (literal) return { publicKey: literal, extra: {} };
  if (sealKeyFrom) {
    const el = form.elements.namedItem(sealKeyFrom);
    const option = el && el.selectedOptions ? el.selectedOptions[0] : null;
    const key = option?.dataset.publicKey || el?.dataset?.publicKey || el?.value;
    if (!key) throw new ApiError(0, { code: 'invalid_params', message: 'Choose a recipient first', fields: { [sealKeyFrom]: 'Required' } });
    return { publicKey: key, extra: {} };
  }
  if (sealKeyUrl) {
    const { data } = await getJson(sealKeyUrl);
    if (!data?.public_key) throw new ApiError(0, { code: 'invalid_state', message: 'No sealing key is published right now' });
    return { publicKey: data.public_key, extra: data };
  }
  throw new Error('data-seal needs data-seal-key, data-seal-key-from or data-seal-key-url');
}

/**
 * data-seal="a,b": move params a and b into ONE sealed box (canonical JSON)
 * under data-seal-into (default "sealed_intent"). The clear values never leave
 * the browser. data-seal-copy="batch_id" copies keys of the key-URL response
 * into params, so the intent names the epoch whose key sealed it.
 * data-seal-reply-key adds a fresh `reply_public_key` to the sealed object and
 * returns the key pair, to be kept for opening the sealed result later.
 */
export async function applySeal(form, params) {
  const fields = (form.dataset.seal || '').split(',').map((s) => s.trim()).filter(Boolean);
  if (!fields.length) return { params, replyKeyPair: null };
  const { publicKey, extra } = await sealKey(form);
  const secret = {};
  for (const name of fields) {
    if (name in params) {
      secret[name] = params[name];
      delete params[name];
    }
  }
  let replyKeyPair = null;
  if (form.hasAttribute('data-seal-reply-key')) {
    replyKeyPair = newBoxKeyPair();
    secret.reply_public_key = replyKeyPair.publicKey;
  }
  for (const key of (form.dataset.sealCopy || '').split(',').map((s) => s.trim()).filter(Boolean)) {
    if (extra[key] !== undefined) params[key] = extra[key];
  }
  try {
    params[form.dataset.sealInto || 'sealed_intent'] = seal(publicKey, secret);
  } catch (err) {
    throw new ApiError(0, { code: 'invalid_state', message: `Cannot seal: ${err.message}` });
  }
  return { params, replyKeyPair };
}

// ---- errors ------------------------------------------------------------------

/** {"a": ["x"], "b": {"c": "y"}} → [["a", "x"], ["b.c", "y"]] (DRF nests and lists). */
function flattenFields(fields, prefix = '') {
  const out = [];
  for (const [key, value] of Object.entries(fields || {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (Array.isArray(value)) {
      if (value.every((v) => typeof v !== 'object' || v === null)) out.push([path, value.join(' ')]);
      else value.forEach((v, i) => out.push(...(typeof v === 'object' && v ? flattenFields(v, `${path}.${i}`) : [[path, String(v)]])));
    } else if (value && typeof value === 'object') out.push(...flattenFields(value, path));
    else out.push([path, String(value)]);
  }
  return out;
}

function errorSlot(form, path) {
  // "pricing.gpu" shows in [data-error-for="pricing.gpu"], else in "pricing".
  const parts = path.split('.');
  for (let n = parts.length; n > 0; n--) {
    const slot = form.querySelector(`[data-error-for="${CSS.escape(parts.slice(0, n).join('.'))}"]`);
    if (slot) return slot;
  }
  return null;
}

export function clearErrors(form) {
  for (const el of form.querySelectorAll('[data-error-for], [data-form-error]')) el.textContent = '';
  for (const el of form.querySelectorAll('[aria-invalid][data-pm-invalid]')) {
    el.removeAttribute('aria-invalid');
    el.removeAttribute('data-pm-invalid');
  }
}

export function showErrors(form, err) {
  const unplaced = [];
  for (const [path, text] of flattenFields(err?.fields)) {
    const slot = errorSlot(form, path);
    if (slot) slot.textContent = slot.textContent ? `${slot.textContent} ${text}` : text;
    else unplaced.push(text); // the messages are sentences: no field code in front
    const control = form.elements.namedItem(path);
    if (control && control.setAttribute) {
      control.setAttribute('aria-invalid', 'true');
      control.setAttribute('data-pm-invalid', '');
    }
  }
  let general = form.querySelector('[data-form-error]');
  if (!general) {
    // The user must see why nothing happened, even on a form without a slot.
    general = document.createElement('p');
    general.setAttribute('data-form-error', '');
    general.setAttribute('role', 'alert');
    form.append(general);
  }
  general.textContent = [err?.error?.message || err?.message || 'Something went wrong', ...unplaced].join(' ');
}

// ---- after success -----------------------------------------------------------

/** "/jobs/{id}/" with {"id": 42} → "/jobs/42/". */
function fillTemplate(template, result) {
  return template.replace(/\{([\w.]+)\}/g, (_, key) => encodeURIComponent(getPath(result, key) ?? ''));
}

export function followUp(form, result) {
  const steps = (form.dataset.then || '').split(/\s+/).filter(Boolean);
  if (steps.includes('reset')) form.reset();
  const { swap, fragmentUrl } = form.dataset;
  if (swap && fragmentUrl && window.htmx) {
    window.htmx.ajax('GET', fillTemplate(fragmentUrl, result || {}), { target: swap, swap: form.dataset.swapStyle || 'innerHTML' });
  }
  if (steps.includes('redirect') && form.dataset.redirect) window.location.assign(fillTemplate(form.dataset.redirect, result || {}));
  else if (steps.includes('reload')) window.location.reload();
}

// ---- submit ------------------------------------------------------------------

function submitButtons(form) {
  return Array.from(form.elements).filter((el) => el.type === 'submit' || el.type === 'image');
}

/** Sign and send one form; resolves to the response (or null on error, which
 *  is shown in the form and fired as `pm:error`). */
export async function submitForm(form, submitter = null) {
  const buttons = submitButtons(form).filter((b) => !b.disabled);
  clearErrors(form);
  buttons.forEach((b) => (b.disabled = true));
  form.setAttribute('aria-busy', 'true');
  try {
    const url = form.getAttribute('action'); // the attribute: form.action falls back to the page URL
    if (!url) throw new Error('A data-action form needs action="/api/..."');
    const collected = await collectParams(form, submitter);
    const { params, replyKeyPair } = await applySeal(form, collected);
    const result = await send(url, form.dataset.action, params);
    if (replyKeyPair) saveReplyKey(result, replyKeyPair);
    form.dispatchEvent(new CustomEvent('pm:action', { detail: result, bubbles: true }));
    followUp(form, result);
    return result;
  } catch (err) {
    showErrors(form, err);
    form.dispatchEvent(new CustomEvent('pm:error', { detail: err, bubbles: true }));
    if (!(err instanceof ApiError)) console.error('PolkaMesh form:', err);
    return null;
  } finally {
    buttons.forEach((b) => (b.disabled = false));
    form.removeAttribute('aria-busy');
  }
}

const inFlight = new WeakSet();

/** The user changed a field the last attempt complained about: that complaint (and the
 *  form's general one) is stale now, so it goes rather than linger until the next submit. */
function clearStaleError(event) {
  const control = event.target;
  const form = control?.form;
  if (!form || !form.hasAttribute('data-action') || !control.name) return;
  const slot = errorSlot(form, control.name);
  if (slot) slot.textContent = '';
  const general = form.querySelector('[data-form-error]');
  if (general) general.textContent = '';
  if (control.hasAttribute('data-pm-invalid')) {
    control.removeAttribute('aria-invalid');
    control.removeAttribute('data-pm-invalid');
  }
}

export function initForms() {
  document.addEventListener('input', clearStaleError);
  // Delegated on document, so forms swapped in by htmx are covered too. Bubble
  // phase: a page script that calls preventDefault() (its own validation) wins.
  document.addEventListener('submit', async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-action') || event.defaultPrevented) return;
    event.preventDefault();
    if (inFlight.has(form)) return;
    inFlight.add(form);
    try {
      await submitForm(form, event.submitter || null);
    } finally {
      inFlight.delete(form);
    }
  });
}
