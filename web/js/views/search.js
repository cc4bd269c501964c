// Top-bar search over every message and note (GET /search): results while
// typing, newest first, the matched words marked; Enter or a click opens the
// conversation. "s" focuses the box (see keyboard.js), Escape closes it.
import { h, mount } from '../util/dom.js';
import { watch } from '../store.js';
import { searchMessages, searchMore, clearSearch, selectTicket } from '../actions.js';
import { contactName, relativeAge, fullDateTime, statusLabel } from '../util/format.js';

const DIRECTION = { inbound: 'Customer', outbound: 'Reply', note: 'Note' };

export function mountSearch(root) {
  const input = h('input#search-input.search-input', {
    type: 'search', placeholder: 'Search messages (s)', autocomplete: 'off',
    role: 'combobox', 'aria-expanded': 'false', 'aria-controls': 'search-results',
    'aria-autocomplete': 'list',
  });
  const panel = h('div#search-results.search-results', { role: 'listbox', 'aria-label': 'Search results', hidden: true });
  root.replaceChildren(
    h('label.sr-only', { for: 'search-input' }, 'Search messages and notes'),
    input, panel);

  let timer = null;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    const q = input.value;
    timer = setTimeout(() => (q.trim() ? searchMessages(q) : clearSearch()), 200);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      input.value = '';
      clearSearch();
      input.blur();
    } else if (e.key === 'ArrowDown') {
      e.preventDefault();
      panel.querySelector('.search-hit')?.focus();
    } else if (e.key === 'Enter') {
      panel.querySelector('.search-hit')?.click();
    }
  });
  panel.addEventListener('keydown', (e) => {
    const hits = [...panel.querySelectorAll('.search-hit')];
    const i = hits.indexOf(document.activeElement);
    if (e.key === 'ArrowDown' && i >= 0) { e.preventDefault(); hits[i + 1]?.focus(); }
    if (e.key === 'ArrowUp' && i >= 0) { e.preventDefault(); (hits[i - 1] || input).focus(); }
    if (e.key === 'Escape') { clearSearch(); input.focus(); }
  });

  watch((s) => s.search, (search) => {
    const open = Boolean(search.q);
    panel.hidden = !open;
    input.setAttribute('aria-expanded', String(open));
    if (!open) return;
    const rows = search.items.map((hit) => h('li',
      h('button.search-hit', {
        type: 'button', role: 'option',
        onclick: () => { selectTicket(hit.ticket_id); clearSearch(); input.value = ''; },
      },
      h('span.search-meta',
        h('strong', contactName(hit.contact)),
        ` · ${DIRECTION[hit.direction] || hit.direction}${hit.author ? ` (${hit.author.name})` : ''}`,
        ` · #${hit.ticket_id} ${statusLabel(hit.ticket_status)}`,
        h('time', { datetime: new Date(hit.sent_at).toISOString(), title: fullDateTime(hit.sent_at) }, ` · ${relativeAge(hit.sent_at)}`)),
      h('span.search-snippet', marked(hit.snippet, search.terms)))));
    let status = null;
    if (search.error) status = search.error;
    else if (search.loading && !search.items.length) status = 'Searching…';
    else if (!search.items.length) status = 'No messages or notes contain all of those words.';
    mount(panel,
      status ? h('p.search-status', { role: 'status' }, status) : null,
      rows.length ? h('ul.search-list', { role: 'presentation' }, rows) : null,
      search.nextCursor ? h('button.btn.btn-block', { type: 'button', disabled: search.loading, onclick: searchMore },
        search.loading ? 'Loading…' : 'More results') : null);
  });
}

/** The snippet with words that start with a searched term in <mark>. */
function marked(text, terms) {
  if (!terms?.length) return text;
  const out = [];
  for (const part of text.split(/([\p{L}\p{N}]+)/u)) {
    const lower = part.toLowerCase();
    if (part && terms.some((t) => lower.startsWith(t))) out.push(h('mark', part));
    else if (part) out.push(part);
  }
  return out;
}
