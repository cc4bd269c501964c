// The agent's own status in the header: a colored dot, a native select
// (online / away / offline; only online agents are routed new tickets) and
// their load, "3/6" open conversations of their capacity. Live through
// agent.updated (another tab, a supervisor) and /me refreshes.
import { h } from '../util/dom.js';
import { watch } from '../store.js';
import { setAvailability } from '../actions.js';

export const AVAILABILITY = [
  { value: 'online', label: 'Online', hint: 'gets new conversations' },
  { value: 'away', label: 'Away', hint: 'keeps current conversations, no new ones' },
  { value: 'offline', label: 'Offline', hint: 'no new conversations' },
];

export function mountAvailability(root) {
  const dot = h('span.status-dot', { 'aria-hidden': 'true' });
  const selectEl = h('select#availability-select.availability-select', {
    onchange: (e) => setAvailability(e.target.value),
  }, AVAILABILITY.map((a) => h('option', { value: a.value }, a.label)));
  const loadText = h('span', { 'aria-hidden': 'true' });
  const loadSpoken = h('span.sr-only');
  const load = h('span.load', loadText, loadSpoken);
  root.replaceChildren(
    h('label.availability', { for: 'availability-select' },
      h('span.sr-only', 'Your status'), dot, selectEl),
    load);

  watch((s) => s.agent, (a) => {
    if (!a) return;
    const value = a.availability || 'offline';
    selectEl.value = value;
    dot.dataset.state = value;
    const info = AVAILABILITY.find((x) => x.value === value);
    selectEl.title = info ? `${info.label}: ${info.hint}` : value;
    const open = a.open_tickets ?? 0;
    const cap = a.capacity ?? 0;
    const full = cap > 0 && open >= cap;
    loadText.textContent = cap ? `${open}/${cap}` : String(open);
    load.dataset.full = String(full);
    load.title = `${open} open conversation${open === 1 ? '' : 's'} of your capacity of ${cap}${full ? ' (full: no new ones)' : ''}`;
    loadSpoken.textContent = `Your load: ${load.title}`;
  });
}
