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

/**
 * notify(message, 'info' | 'warning' | 'error', {timeout, action: {label, onClick}}).
 * With an action the toast carries a button (e.g. "Open" the ticket it is about).
 */
export function notify(message, kind = 'info', { timeout = kind === 'error' ? 8000 : 3500, action = null } = {}) {
  if (!message) return;
  message = String(message);
  // Server messages start lower-case ("a ticket cannot go from …").
  message = message.charAt(0).toUpperCase() + message.slice(1);
  const el = h(`div.toast.toast-${kind}`,
    h('span.toast-text', message),
    action ? h('button.toast-action', {
      type: 'button',
      onclick: () => { el.remove(); action.onClick(); },
    }, action.label) : null,
    h('button.toast-close', { type: 'button', 'aria-label': 'Dismiss', onclick: () => el.remove() }, '×'));
  const region = ensureRegion();
  region.append(el);
  // Alerts can come in bursts (a breach per ticket): keep the newest few.
  while (region.children.length > 4) region.firstElementChild.remove();
  // Don't take a toast away while the pointer or keyboard focus is on it.
  let timer = setTimeout(() => el.remove(), timeout);
  const hold = () => clearTimeout(timer);
  const release = () => { clearTimeout(timer); timer = setTimeout(() => el.remove(), 3000); };
  el.addEventListener('mouseenter', hold);
  el.addEventListener('focusin', hold);
  el.addEventListener('mouseleave', release);
  el.addEventListener('focusout', release);
}
