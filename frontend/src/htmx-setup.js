// htmx 2.0.x and its WebSocket extension, as globals for the templates:
// hx-* attributes and hx-ext="ws" ws-connect="/ws/live/". (htmx 4 ships its
// own hx-ws with another extension API: staying on the 2.0 line on purpose.)
import htmx from 'htmx.org';
import 'htmx-ext-ws'; // registers itself on the htmx instance it imports
import { csrfToken } from './http.js';

window.htmx = htmx;

// hx-post / hx-delete from templates need Django's CSRF header like any POST.
document.addEventListener('htmx:configRequest', (event) => {
  if (event.detail.verb !== 'get') {
    const token = csrfToken();
    if (token && !event.detail.headers['X-CSRFToken']) event.detail.headers['X-CSRFToken'] = token;
  }
});



// The page was rendered before its /ws/live/ socket connects: until a socket has
// opened once, it asks the server (?since=<render time>, set by base.html) for the
// fragments of what changed in between. A dropped socket reconnects by itself (the ws
// extension backs off), but events sent while it was down are gone: after every
// reconnect, fragments that listen for `pm:refresh from:body` fetch themselves again.
let wsOpenedBefore = false;
const createWebSocket = htmx.createWebSocket;
htmx.createWebSocket = (url) => {
  const since = document.body.dataset.pmLiveSince;
  if (wsOpenedBefore || !since) return createWebSocket(url);
  return createWebSocket(`${url}${url.includes('?') ? '&' : '?'}since=${encodeURIComponent(since)}`);
};
document.addEventListener('htmx:wsOpen', () => {
  if (wsOpenedBefore) htmx.trigger(document.body, 'pm:refresh');
  wsOpenedBefore = true;
});
export default htmx;
