// The signed-action envelope of API.md "Signed actions", as a pure function so
// that node tests can build exactly what the browser builds.
import { canonicalJson } from './canonical.js';

const NONCE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** 32 characters from [A-Za-z0-9_-]. The alphabet has exactly 64 symbols, so
 *  `byte & 63` is uniform: 192 bits from the platform CSPRNG, no modulo bias. */
export function newNonce(length = 32) {
  const bytes = new Uint8Array(length);
  globalThis.crypto.getRandomValues(bytes);
  let out = '';
  for (const b of bytes) out += NONCE_ALPHABET[b & 63];
  return out;
}

/** ISO-8601 UTC to the second, e.g. "2026-11-24T10:00:00Z" (no milliseconds:
 *  that is the form the API documents and the server's parser expects). */
export function isoSeconds(date = new Date()) {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The canonical payload string for one action.
 * `nonce` and `issuedAt` may be given (tests); otherwise they are fresh.
 */
export function makePayload({ action, address, domain, params = {}, nonce = newNonce(), issuedAt = isoSeconds() }) {
  if (!action || typeof action !== 'string') throw new TypeError('payload: action must be a non-empty string');
  if (!address || typeof address !== 'string') throw new TypeError('payload: address must be an SS58 string');
  if (!domain || typeof domain !== 'string') throw new TypeError('payload: domain must come from GET /api/config');
  if (params === null || typeof params !== 'object' || Array.isArray(params)) {
    throw new TypeError('payload: params must be an object');
  }
  return canonicalJson({ action, address, domain, nonce, issued_at: issuedAt, params });
}
