// Whole units <-> smallest-unit integer strings, with string arithmetic only.
//
// Amounts are u128 integers in the asset's smallest unit (DOT has 10 decimals),
// sent as decimal strings. A float cannot even hold 1.1 exactly, and a DOT
// supply in planck is past 2^53, so no Number ever touches an amount here.

export class AmountError extends Error {}

const WHOLE_UNITS = /^(\d*)(?:\.(\d*))?$/;

/**
 * "1.5", 10 → "15000000000". Accepts digits with one optional "." (and "_" or
 * spaces as digit group separators, which are dropped). Throws AmountError for
 * anything else, for a negative amount, and for more fractional digits than the
 * asset has (rounding money silently is never right).
 */
export function parseAmount(text, decimals) {
  const places = Number(decimals);
  if (!Number.isInteger(places) || places < 0) throw new AmountError(`Bad decimals setting: ${decimals}`);
  const cleaned = String(text).trim().replace(/[_\s]/g, '');
  const match = WHOLE_UNITS.exec(cleaned);
  if (!cleaned || !match || (match[1] === '' && !match[2])) {
    throw new AmountError('Enter an amount such as 1.5');
  }
  const whole = match[1] || '0';
  const fraction = (match[2] || '').replace(/0+$/, ''); // "1.50" is as exact as "1.5"
  if (fraction.length > places) {
    throw new AmountError(places === 0 ? 'This asset has no decimal places' : `Use at most ${places} decimal places`);
  }
  const digits = (whole + fraction.padEnd(places, '0')).replace(/^0+(?=\d)/, '');
  return digits;
}

/**
 * "15000000000", 10 → "1.5". Takes a string (or bigint / safe integer) of the
 * smallest unit, returns whole units without trailing zeros.
 */
export function formatAmount(amount, decimals) {
  const places = Number(decimals);
  if (!Number.isInteger(places) || places < 0) throw new AmountError(`Bad decimals setting: ${decimals}`);
  if (typeof amount === 'number' && !Number.isSafeInteger(amount)) {
    throw new AmountError('formatAmount needs an integer string, not a float');
  }
  const text = String(amount).trim();
  if (!/^-?\d+$/.test(text)) throw new AmountError(`Not an integer amount: ${text}`);
  const negative = text.startsWith('-');
  const digits = text.replace('-', '').replace(/^0+(?=\d)/, '').padStart(places + 1, '0');
  const whole = digits.slice(0, digits.length - places);
  const fraction = digits.slice(digits.length - places).replace(/0+$/, '');
  const result = fraction ? `${whole}.${fraction}` : whole;
  return negative && result !== '0' ? `-${result}` : result;
}

/** The one rounding rule of amounts shown to people (ledger/units.py `rounded_units`). */
const SHOWN_DIGITS = 4;

/**
 * "16566666666", 10 → "1.6567": formatAmount rounded half up to 4 decimals (4
 * significant digits below 1, so a small amount never reads 0), with thousands
 * separators. For text people read; inputs keep formatAmount's exact value.
 */
export function roundedAmount(amount, decimals) {
  const places = Number(decimals);
  formatAmount(amount, places); // the same checks: an integer amount, sane decimals
  const text = String(amount).trim();
  const negative = text.startsWith('-');
  let magnitude = BigInt(text.replace('-', ''));
  const digits = magnitude.toString().length;
  const leadingZeros = magnitude > 0n && magnitude < 10n ** BigInt(places) ? places - digits : 0;
  const step = 10n ** BigInt(Math.max(0, places - SHOWN_DIGITS - leadingZeros));
  magnitude = ((magnitude + step / 2n) / step) * step;
  const [whole, fraction] = formatAmount(magnitude.toString(), places).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+$)/g, ',') + (fraction ? `.${fraction}` : '');
  return negative && grouped !== '0' ? `-${grouped}` : grouped;
}
