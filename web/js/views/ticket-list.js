// Middle pane: the conversations in the current view, newest activity first.
import { h, mount } from '../util/dom.js';
import { watch, isUnread } from '../store.js';
import { VIEWS } from '../query.js';
import { selectTicket, loadMore, reloadList } from '../actions.js';
import { contactName, relativeAge, fullDateTime, statusLabel, priorityLabel } from '../util/format.js';
import { hasDraft } from '../drafts.js';

export function mountTicketList(root) {
  const title = h('h2.pane-title', { id: 'list-title' });
  const status = h('p.list-status', { role: 'status' });
  const ul = h('ul.ticket-list', { role: 'list', 'aria-labelledby': 'list-title' });
  const footer = h('div.list-footer');
  const scroller = h('div.list-scroll', ul, status, footer);
  root.replaceChildren(h('div.pane-header', title,
    h('button.btn.btn-icon', { type: 'button', 'aria-label': 'Refresh list', title: 'Refresh', onclick: reloadList }, '↻')),
  scroller);

  const render = (s) => {
    title.textContent = (VIEWS.find((v) => v.id === s.view) || VIEWS[0]).label;
    const focusedId = document.activeElement?.closest?.('.ticket-row')?.dataset.id;
    ul.replaceChildren(...s.list.ids.map((id) => s.tickets[id]).filter(Boolean)
      .map((t) => row(t, s)));
    if (focusedId) ul.querySelector(`.ticket-row[data-id="${focusedId}"]`)?.focus();

    if (s.list.error) status.textContent = s.list.error;
    else if (s.list.loading && !s.list.ids.length) status.textContent = 'Loading…';
    else if (!s.list.ids.length) status.textContent = 'No conversations here. Nice.';
    else status.textContent = '';

    mount(footer, s.list.nextCursor
      ? h('button.btn.btn-block', { type: 'button', disabled: s.list.loading, onclick: loadMore },
        s.list.loading ? 'Loading…' : 'Load more')
      : null);
  };

  let last = {};
  let current = null;
  watch((s) => s, (s) => {
    current = s;
    if (s.list === last.list && s.tickets === last.tickets && s.selectedId === last.selectedId
      && s.seen === last.seen && s.view === last.view && s.draftsRev === last.draftsRev) return;
    const moved = s.selectedId !== last.selectedId;
    last = { list: s.list, tickets: s.tickets, selectedId: s.selectedId, seen: s.seen, view: s.view, draftsRev: s.draftsRev };
    render(s);
    // j/k can move the selection off screen: bring the row into view.
    if (moved) ul.querySelector('.ticket-row.is-selected')?.scrollIntoView({ block: 'nearest' });
  });
  // Ages ("5m") go stale; refresh them twice a minute.
  setInterval(() => current && render(current), 30_000);
}

function row(t, s) {
  const unread = isUnread(t, s.seen) && t.id !== s.selectedId;
  const name = contactName(t.contact);
  const selected = t.id === s.selectedId;
  return h('li',
    h('button.ticket-row', {
      type: 'button',
      class: [unread && 'is-unread', selected && 'is-selected'].filter(Boolean).join(' '),
      'aria-current': selected ? 'true' : null,
      dataset: { id: t.id },
      onclick: () => selectTicket(t.id),
    },
    h('span.unread-dot', { 'aria-hidden': 'true' }),
    h('span.row-main',
      h('span.row-top',
        h('span.row-name', name),
        h('time.row-age', { datetime: new Date(t.last_message_at || t.created_at).toISOString(), title: fullDateTime(t.last_message_at) },
          relativeAge(t.last_message_at || t.created_at))),
      h('span.row-preview', hasDraft(t.id) ? h('span.draft-tag', 'Draft · ') : null, t.last_message_preview || 'No messages yet'),
      h('span.row-meta',
        h(`span.badge.prio-${t.priority}`, priorityLabel(t.priority)),
        h(`span.badge.status-${t.status}`, statusLabel(t.status)),
        t.assignee ? h('span.row-assignee', t.assignee.name) : null,
        t.window_open === false ? h('span.badge.badge-muted', { title: '24-hour window closed' }, 'Window closed') : null)),
    unread ? h('span.sr-only', ' (unread)') : null));
}
