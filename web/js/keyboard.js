// Global keyboard shortcuts. Off while typing in a field or with modifier
// keys held, so they never eat characters or browser shortcuts.
import { isTypingTarget } from './util/dom.js';
import { getState, setUi } from './store.js';
import { moveSelection, patchTicket, assignToMe, sendCsatNow } from './actions.js';
import { focusComposer } from './views/composer.js';

function onKey(e) {
  if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
  if (isTypingTarget(e.target)) return;
  const s = getState();
  if (s.ui.helpOpen && e.key !== '?') return; // the dialog handles Escape itself
  if (s.ui.dialog) return; // escalate/transfer forms are modal: keys belong to them
  if (s.ui.screen && s.ui.screen !== 'inbox' && e.key !== '?') return; // the ticket keys act on the inbox
  const id = s.selectedId;
  const ticket = s.tickets[id];
  const run = {
    j: () => moveSelection(1),
    k: () => moveSelection(-1),
    r: () => ticket && focusComposer('reply'),
    n: () => ticket && focusComposer('note'),
    e: () => ticket && patchTicket(id, { status: 'resolved' }),
    a: () => ticket && assignToMe(id),
    p: () => ticket && document.getElementById('priority-select')?.focus(),
    l: () => ticket && document.getElementById('label-input')?.focus(),
    u: () => ticket && ticket.status !== 'closed' && setUi({ dialog: 'escalate' }), // "up": escalate
    t: () => ticket && ticket.status !== 'closed' && setUi({ dialog: 'transfer' }),
    c: () => ticket && ticket.status === 'resolved' && sendCsatNow(id),
    s: () => document.getElementById('search-input')?.focus(),
    '?': () => setUi({ helpOpen: !s.ui.helpOpen }),
  }[e.key];
  if (!run) return;
  e.preventDefault(); // keep "r" from being typed into the box we just focused
  run();
}

export function installKeyboard() {
  document.addEventListener('keydown', onKey);
  return () => document.removeEventListener('keydown', onKey);
}
