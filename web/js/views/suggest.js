// Autocomplete for the reply box: "/" opens the canned responses, "@" (in a
// note) the agents to mention. Typing narrows the list, ↑/↓ move, Enter or
// Tab picks, Escape closes. The listbox follows the ARIA combobox pattern so
// screen readers announce the highlighted option.
import { h } from '../util/dom.js';

/**
 * The trigger word the caret is in, or null: `/word` at the start of the box
 * or after whitespace (canned), `@word` after whitespace or at the start (mention).
 * Pure, for the unit tests: returns {kind, start, end, query}.
 */
export function triggerAt(text, caret, { canned = true, mentions = true } = {}) {
  let i = caret;
  while (i > 0 && /[\p{L}\p{N}_.\-]/u.test(text[i - 1])) i--;
  const sign = text[i - 1];
  if (i === 0 || (sign !== '/' && sign !== '@')) return null;
  const start = i - 1;
  if (start > 0 && !/\s/.test(text[start - 1])) return null; // a/b, ana@shop
  if (sign === '/' && !canned) return null;
  if (sign === '@' && !mentions) return null;
  return { kind: sign === '/' ? 'canned' : 'mention', start, end: caret, query: text.slice(i, caret) };
}

/**
 * attachSuggest(textarea, {items(trigger) → [{id, label, detail}], pick(item, trigger), enabled()})
 * Returns the listbox element to place above the textarea.
 */
export function attachSuggest(textarea, { items, pick, options }) {
  const list = h('ul.suggest', { role: 'listbox', id: 'composer-suggest', hidden: true, 'aria-label': 'Suggestions' });
  let shown = [];
  let active = 0;
  let trigger = null;

  textarea.setAttribute('aria-autocomplete', 'list');
  textarea.setAttribute('aria-controls', list.id);

  function close() {
    list.hidden = true;
    shown = [];
    trigger = null;
    textarea.removeAttribute('aria-activedescendant');
  }

  function render() {
    list.replaceChildren(...shown.map((it, i) => h('li.suggest-item', {
      role: 'option', id: `suggest-${i}`, 'aria-selected': String(i === active),
      onmousedown: (e) => { e.preventDefault(); choose(i); },
    }, h('span.suggest-label', it.label), it.detail ? h('span.suggest-detail', it.detail) : null)));
    if (!shown.length) {
      list.replaceChildren(h('li.suggest-empty', trigger?.kind === 'canned'
        ? 'No canned response matches.' : 'No agent matches.'));
    }
    list.hidden = false;
    // No aria-expanded: a textarea is a textbox, which does not support it (a combobox
    // cannot be multi-line); the active option is announced through aria-activedescendant.
    if (shown.length) textarea.setAttribute('aria-activedescendant', `suggest-${active}`);
  }

  async function refresh() {
    const t = triggerAt(textarea.value, textarea.selectionStart, options());
    if (!t) return close();
    trigger = t;
    const found = await items(t);
    // The text may have moved on while we waited.
    const now = triggerAt(textarea.value, textarea.selectionStart, options());
    if (!now || now.start !== t.start || now.query !== t.query) return;
    shown = found.slice(0, 8);
    active = 0;
    render();
  }

  function choose(i) {
    const it = shown[i];
    const t = trigger;
    close();
    if (it && t) pick(it, t);
  }

  textarea.addEventListener('input', refresh);
  textarea.addEventListener('click', refresh);
  textarea.addEventListener('blur', () => setTimeout(close, 100));
  // Capture phase: runs before the box's own Enter-to-send.
  textarea.addEventListener('keydown', (e) => {
    if (list.hidden) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      if (!shown.length) return;
      e.preventDefault();
      active = (active + (e.key === 'ArrowDown' ? 1 : shown.length - 1)) % shown.length;
      render();
    } else if ((e.key === 'Enter' || e.key === 'Tab') && shown.length) {
      e.preventDefault();
      e.stopImmediatePropagation();
      choose(active);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopImmediatePropagation();
      close();
    }
  }, true);

  return { list, close, isOpen: () => !list.hidden };
}
