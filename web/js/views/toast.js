// Transient messages (errors from the server, confirmations). The region is
// aria-live so screen readers hear them too.
import { h } from '../util/dom.js';

let region = null;

function ensureRegion() {
  if (region && document.body.contains(region)) return region;
  region = h('div.toasts', { role: 'status', 'aria-live': 'polite' });
  document.body.append(region);
  return region;
}

export function notify(message, kind = 'info', { timeout = kind === 'error' ? 8000 : 3500 } = {}) {
  if (!message) return;
  message = String(message);
  // Server messages start lower-case ("a ticket cannot go from …").
  message = message.charAt(0).toUpperCase() + message.slice(1);
  const el = h(`div.toast.toast-${kind}`,
    h('span', message),
    h('button.toast-close', { type: 'button', 'aria-label': 'Dismiss', onclick: () => el.remove() }, '×'));
  ensureRegion().append(el);
  setTimeout(() => el.remove(), timeout);
}
