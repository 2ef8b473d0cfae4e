// Canonical JSON, byte for byte the same as Python's
//   json.dumps(obj, sort_keys=True, separators=(",", ":"))      (ensure_ascii=True)
//
// Why not JSON.stringify: the server re-serialises the payload it parsed and
// compares, and the signature covers the exact bytes. JSON.stringify does not
// sort keys, keeps non-ASCII characters raw, and prints floats differently from
// Python's repr(). Every difference would be a `bad_signature` for the user.

/** Compare strings by Unicode code point, as Python's sort does. JS `<` compares
 *  UTF-16 code units, which orders astral characters (emoji) before U+E000–U+FFFF. */
function compareCodePoints(a, b) {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const ca = ia.next();
    const cb = ib.next();
    if (ca.done || cb.done) return ca.done === cb.done ? 0 : ca.done ? -1 : 1;
    const d = ca.value.codePointAt(0) - cb.value.codePointAt(0);
    if (d !== 0) return d;
  }
}

const SHORT_ESCAPES = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

/** Python's ensure_ascii encoder: everything outside printable ASCII (0x20–0x7e)
 *  becomes \uXXXX with lowercase hex; astral characters are already two UTF-16
 *  code units in JS, which is exactly the surrogate pair Python writes. */
export function quoteString(s) {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    const code = s.charCodeAt(i);
    if (SHORT_ESCAPES[ch]) out += SHORT_ESCAPES[ch];
    else if (code < 0x20 || code > 0x7e) out += '\\u' + code.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + '"';
}

/** Python's repr() of a float that is not a whole number. Both languages print
 *  the shortest digits that round-trip; they differ only in when they switch to
 *  exponent notation (Python: exponent < -4 or >= 16) and how (`1e-05`). */
function pythonFloatRepr(n) {
  const [mantissa, expText] = n.toExponential().split('e'); // shortest round-trip digits
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    const sign = exp < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  let text;
  if (exp < 0) text = '0.' + '0'.repeat(-exp - 1) + digits;
  else if (digits.length > exp + 1) text = digits.slice(0, exp + 1) + '.' + digits.slice(exp + 1);
  else text = digits + '0'.repeat(exp + 1 - digits.length) + '.0';
  return (negative ? '-' : '') + text;
}

function formatNumber(n, path) {
  if (!Number.isFinite(n)) throw new TypeError(`canonicalJson: ${path} is ${n}, which JSON cannot carry`);
  if (Number.isInteger(n)) {
    // A whole number is sent as an int (Python parses "5" as int and writes "5").
    // Past 2^53 a JS number has already lost digits: money must be a string.
    if (!Number.isSafeInteger(n)) {
      throw new RangeError(`canonicalJson: ${path} = ${n} is too large for a JS number; send it as a string`);
    }
    return String(n === 0 ? 0 : n); // -0 → "0"
  }
  return pythonFloatRepr(n);
}

function encode(value, path) {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return quoteString(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return formatNumber(value, path);
    case 'bigint':
      return value.toString(); // Python int has no size limit, so this is exact
    case 'object': {
      if (Array.isArray(value)) {
        return '[' + value.map((v, i) => encode(v, `${path}[${i}]`)).join(',') + ']';
      }
      if (typeof value.toJSON === 'function') return encode(value.toJSON(), path); // e.g. Date
      const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort(compareCodePoints);
      return '{' + keys.map((k) => quoteString(k) + ':' + encode(value[k], `${path}.${k}`)).join(',') + '}';
    }
    default:
      throw new TypeError(`canonicalJson: ${path} has type ${typeof value}, which JSON cannot carry`);
  }
}

/**
 * Serialise `value` like Python's json.dumps(value, sort_keys=True, separators=(",", ":")).
 * Object keys whose value is `undefined` are left out (as JSON.stringify does);
 * NaN, Infinity, functions and unsafe integers throw instead of being mangled.
 */
export function canonicalJson(value) {
  return encode(value, '$');
}
