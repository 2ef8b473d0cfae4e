// htmx 2.0.x and its WebSocket extension, as globals for the templates:
// hx-* attributes and hx-ext="ws" ws-connect="/ws/live/". (htmx 4 ships its
// own hx-ws with another extension API: staying on the 2.0 line on purpose.)
import htmx from 'htmx.org';
import 'htmx-ext-ws'; // registers itself on the htmx instance it imports
import { csrfToken } from './http.js';

window.htmx = htmx;

// A live fragment names the element it replaces (hx-swap-oob); most pages show only a few
// of the fragments the socket pushes, and htmx logs an error for each one with no target
// (htmx:oobErrorNoTarget). hx-ext="pm-live" drops those before htmx swaps the message.
htmx.defineExtension('pm-live', {
  transformResponse(text, xhr) {
    if (xhr) return text; // only socket messages (the ws extension passes no request)
    const template = document.createElement('template');
    template.innerHTML = text;
    for (const el of Array.from(template.content.children)) {
      // the ws extension swaps every top-level element, one without hx-swap-oob by its id
      const oob = el.getAttribute('hx-swap-oob') || 'true';
      const colon = oob.indexOf(':');
      const selector = colon >= 0 ? oob.slice(colon + 1) : el.id && `#${CSS.escape(el.id)}`;
      if (!selector || !document.querySelector(selector)) el.remove();
    }
    return template.innerHTML;
  },
});

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
