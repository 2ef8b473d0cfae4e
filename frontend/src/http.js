// fetch helpers shared by signing, sign-in and forms: same-origin credentials,
// Django's CSRF header, and one error shape for every failure.

/** The error every PolkaMesh call throws: `status` is the HTTP status (0 when
 *  the request never got an answer or the wallet refused), `error` is the API's
 *  `{code, message, fields}` body (API.md "Conventions"). */
export class ApiError extends Error {
  constructor(status, error, body = null) {
    super(error?.message || `Request failed (${status})`);
    this.name = 'ApiError';
    this.status = status;
    this.error = { code: error?.code || 'error', message: error?.message || this.message, fields: error?.fields || {} };
    this.code = this.error.code;
    this.fields = this.error.fields;
    this.body = body;
  }
}

export function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : null;
}

async function readBody(response) {
  if (response.status === 204) return null;
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return { error: { code: 'http_error', message: `Unexpected response (${response.status})` } };
  }
}

/**
 * POST JSON and return the parsed response; throw ApiError on non-2xx.
 * The CSRF header goes on every POST: signed actions do not need it, but DRF's
 * SessionAuthentication enforces CSRF once the browser has a session, and an
 * extra header costs nothing.
 */
export async function postJson(url, body) {
  const headers = body === undefined ? {} : { 'Content-Type': 'application/json' };
  return post(url, body === undefined ? undefined : JSON.stringify(body), headers);
}

/** POST a FormData (multipart: the browser sets the boundary), same rules as postJson. */
export async function postForm(url, formData) {
  return post(url, formData, {});
}

async function post(url, body, extraHeaders) {
  const headers = { Accept: 'application/json', ...extraHeaders };
  const token = csrfToken();
  if (token) headers['X-CSRFToken'] = token;
  let response;
  try {
    response = await fetch(url, { method: 'POST', credentials: 'same-origin', headers, body });
  } catch (err) {
    throw new ApiError(0, { code: 'network_error', message: 'The server could not be reached' }, null);
  }
  const parsed = await readBody(response);
  if (!response.ok) throw new ApiError(response.status, parsed?.error || { message: `HTTP ${response.status}` }, parsed);
  return parsed;
}

export async function getJson(url) {
  let response;
  try {
    response = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  } catch (err) {
    throw new ApiError(0, { code: 'network_error', message: 'The server could not be reached' }, null);
  }
  const parsed = await readBody(response);
  if (!response.ok) throw new ApiError(response.status, parsed?.error || { message: `HTTP ${response.status}` }, parsed);
  return { data: parsed, response };
}

let configPromise = null;
let clockSkewMs = 0;

/** GET /api/config once per page (domain, ss58_prefix, assets…). A failed
 *  fetch is not cached, so the next call tries again. */
export function getConfig() {
  if (!configPromise) {
    const sentAt = Date.now();
    configPromise = getJson('/api/config').then(({ data, response }) => {
      // issued_at must be within 5 minutes of the server's clock. A laptop whose
      // clock is off by more would fail every action with `stale_request`, so
      // learn the offset from the HTTP Date header (1 s resolution: only
      // correct offsets well above the network delay).
      const serverDate = Date.parse(response.headers.get('Date') || '');
      if (Number.isFinite(serverDate)) {
        const skew = serverDate - (sentAt + Date.now()) / 2;
        clockSkewMs = Math.abs(skew) > 30_000 ? skew : 0;
      }
      return data;
    });
    configPromise.catch(() => {
      configPromise = null;
    });
  }
  return configPromise;
}

/** "Now" on the server's clock, as far as we know it. */
export function serverNow() {
  return new Date(Date.now() + clockSkewMs);
}

/** Decimals of an asset code from /api/config (`assets[{code, decimals}]`). */
export async function assetDecimals(code) {
  const config = await getConfig();
  const asset = (config.assets || []).find((a) => a.code === code);
  if (!asset) throw new Error(`Unknown asset ${code}`);
  return asset.decimals;
}
