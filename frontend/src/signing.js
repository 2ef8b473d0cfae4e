// Signed actions (API.md "Signed actions"): build the canonical payload, have
// the wallet sign it with signRaw, POST {payload, signature}.
import { stringToHex } from '@polkadot/util';
import { account, connect, signerFor } from './accounts.js';
import { ApiError, getConfig, postJson, serverNow } from './http.js';
import { isoSeconds, makePayload } from './payload.js';

/** Canonical JSON string of {action, address, domain, nonce, issued_at, params};
 *  `domain` comes from GET /api/config (fetched once per page). */
export async function buildPayload(action, address, params = {}) {
  const config = await getConfig();
  return makePayload({ action, address, domain: config.domain, params, issuedAt: isoSeconds(serverNow()) });
}

/**
 * Sign one action with the active account (connecting first if needed).
 * signRaw with type 'bytes' makes every extension sign `<Bytes>payload</Bytes>`,
 * which the server accepts; the wrapping is what stops a dApp from getting a
 * transaction signed while the user thinks it is a message.
 */
export async function sign(action, params = {}) {
  const acct = account() || (await connect());
  const payload = await buildPayload(action, acct.address, params);
  const signer = await signerFor(acct);
  let result;
  try {
    result = await signer.signRaw({ address: acct.address, data: stringToHex(payload), type: 'bytes' });
  } catch (err) {
    // Extensions reject with "Cancelled" when the user closes the popup.
    throw new ApiError(0, { code: 'wallet_rejected', message: `The wallet did not sign: ${err?.message || 'cancelled'}` });
  }
  return { payload, signature: result.signature };
}

/** Sign `action` with `params` and POST it to `url`; resolves to the parsed
 *  JSON response, rejects with ApiError {status, error: {code, message, fields}}. */
export async function send(url, action, params = {}) {
  const body = await sign(action, params);
  return postJson(url, body);
}
