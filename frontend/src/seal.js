// Sealed boxes: libsodium's crypto_box_seal format
//   ephemeral_pk (32) || box(m, nonce = blake2b-24(ephemeral_pk || recipient_pk))
// which is what PyNaCl's SealedBox(PrivateKey).decrypt opens on the server.
// tweetnacl gives X25519 + XSalsa20-Poly1305 in ~30 KB of plain JS (no WASM to
// wait for); tweetnacl-sealedbox-js adds the 20-line sealed-box wrapper + blake2b.
import nacl from 'tweetnacl';
import sealedbox from 'tweetnacl-sealedbox-js';
import { canonicalJson } from './canonical.js';

export function hexToBytes(hex) {
  const clean = String(hex).trim().replace(/^0x/i, '');
  if (clean.length % 2 !== 0 || /[^0-9a-f]/i.test(clean)) throw new TypeError('Not a hex string');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function bytesToHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function bytesToBase64(bytes) {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function base64ToBytes(text) {
  const binary = atob(String(text).trim());
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

function keyBytes(key, what) {
  const bytes = typeof key === 'string' ? hexToBytes(key) : key;
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32) throw new TypeError(`${what} must be 32 bytes (64 hex chars)`);
  return bytes;
}

/** Seal raw bytes to an X25519 public key; returns base64. */
export function sealBytes(publicKey, bytes) {
  return bytesToBase64(sealedbox.seal(bytes, keyBytes(publicKey, 'public key')));
}

/** Seal a JSON-able value (canonical JSON, UTF-8) to an X25519 public key (hex);
 *  returns the base64 sealed box. */
export function seal(publicKeyHex, value) {
  return sealBytes(publicKeyHex, new TextEncoder().encode(canonicalJson(value)));
}

/** A fresh X25519 key pair as lowercase hex, e.g. to put `reply_public_key` in a
 *  confidential payload and later open the result sealed to it. */
export function newBoxKeyPair() {
  const pair = nacl.box.keyPair();
  return { publicKey: bytesToHex(pair.publicKey), secretKey: bytesToHex(pair.secretKey) };
}

/** Open a base64 sealed box with {publicKey, secretKey} (hex or bytes). Returns
 *  the parsed JSON when the plaintext is JSON, else the text. Throws when the box
 *  was not sealed to this key or was tampered with. */
export function openSealed(keyPair, base64) {
  const publicKey = keyBytes(keyPair.publicKey, 'publicKey');
  const secretKey = keyBytes(keyPair.secretKey, 'secretKey');
  const plain = sealedbox.open(base64ToBytes(base64), publicKey, secretKey);
  if (!plain) throw new Error('Cannot open this sealed box with this key');
  const text = new TextDecoder().decode(plain);
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
