// Sign-in is the signed action `login`; the server answers with a session
// cookie (and an API token meant for agents, which the browser ignores: a
// token in localStorage would be readable by any injected script).
import { connect } from './accounts.js';
import { postJson } from './http.js';
import { send } from './signing.js';

/** Dispatch a cancelable event on document; reload unless a listener called
 *  preventDefault() (pages that update themselves instead). */
function announceThenReload(name, detail) {
  const proceed = document.dispatchEvent(new CustomEvent(name, { detail, cancelable: true }));
  if (proceed) window.location.reload();
}

/** Sign `login` with params {} and open a session. Fires `pm:login` (detail:
 *  {address, token}) and then reloads, unless a listener prevents it. */
export async function login() {
  await connect();
  const result = await send('/api/auth/login', 'login', {});
  announceThenReload('pm:login', result);
  return result;
}

/** POST /api/auth/logout (CSRF header from the csrftoken cookie), fire
 *  `pm:logout`, reload unless prevented. */
export async function logout() {
  await postJson('/api/auth/logout');
  announceThenReload('pm:logout', null);
}
