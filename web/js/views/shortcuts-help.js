// The "?" overlay listing every keyboard shortcut. Uses <dialog> for focus
// trapping and Escape-to-close for free.
import { h } from '../util/dom.js';
import { watch, setUi } from '../store.js';

export const SHORTCUTS = [
  ['j', 'Next conversation'],
  ['k', 'Previous conversation'],
  ['r', 'Reply to the customer'],
  ['n', 'Write an internal note'],
  ['a', 'Assign to me'],
  ['e', 'Resolve'],
  ['p', 'Change priority'],
  ['l', 'Add a label'],
  ['u', 'Escalate (up a level)…'],
  ['t', 'Transfer to a team or agent…'],
  ['c', 'Send the CSAT survey now'],
  ['s', 'Search messages and notes'],
  ['Enter', 'Send (in the reply box)'],
  ['Shift+Enter', 'New line (in the reply box)'],
  ['Esc', 'Leave the reply box / close this help'],
  ['?', 'Show this help'],
];

export function mountShortcutsHelp() {
  const dialog = h('dialog.help-dialog', { 'aria-labelledby': 'help-title', onclose: () => setUi({ helpOpen: false }) },
    h('div.pane-header', h('h2#help-title', 'Keyboard shortcuts'),
      h('button.btn.btn-icon', { type: 'button', 'aria-label': 'Close', onclick: () => dialog.close() }, '×')),
    h('dl.shortcut-list', SHORTCUTS.map(([k, d]) => [h('dt', h('kbd', k)), h('dd', d)])),
    h('p.muted', 'Shortcuts are off while you type in a field.'));
  document.body.append(dialog);
  watch((s) => s.ui.helpOpen, (open) => {
    if (open && !dialog.open) dialog.showModal();
    else if (!open && dialog.open) dialog.close();
  });
  return () => dialog.remove();
}
