// Middle pane: the conversations in the current view, newest activity first
// by default; SLA due, priority or age on request (the server sorts, and
// query.js keeps live updates in the same order).
import { h, mount, select } from '../util/dom.js';
import { watch, isUnread } from '../store.js';
import { findView, SORTS, visibleIds } from '../query.js';
import { selectTicket, loadMore, reloadList, setSort } from '../actions.js';
import { contactName, relativeAge, fullDateTime, statusLabel, priorityLabel } from '../util/format.js';
import { hasDraft } from '../drafts.js';
import { slaBadge } from './sla-badge.js';

export function mountTicketList(root) {
  const title = h('h2.pane-title', { id: 'list-title' });
  const status = h('p.list-status', { role: 'status' });
  const ul = h('ul.ticket-list', { role: 'list', 'aria-labelledby': 'list-title' });
  const footer = h('div.list-footer');
  const scroller = h('div.list-scroll', ul, status, footer);
  const sort = select({
    id: 'list-sort', class: 'list-sort', title: 'Sort conversations',
    onchange: (e) => setSort(e.target.value),
  }, SORTS.map((x) => ({ value: x.id, label: x.label })), 'activity');
  root.replaceChildren(h('div.pane-header', title,
    h('span.pane-tools',
      h('label.sr-only', { for: 'list-sort' }, 'Sort conversations by'),
      sort,
      h('button.btn.btn-icon', { type: 'button', 'aria-label': 'Refresh list', title: 'Refresh', onclick: reloadList }, '↻'))),
  scroller);

  const render = (s) => {
    title.textContent = findView(s.view, s).label;
    sort.value = s.sort;
    const focusedId = document.activeElement?.closest?.('.ticket-row')?.dataset.id;
    ul.replaceChildren(...visibleIds(s).map((id) => row(s.tickets[id], s)));
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
      && s.seen === last.seen && s.view === last.view && s.draftsRev === last.draftsRev && s.sort === last.sort
      && s.teams === last.teams) return;
    const moved = s.selectedId !== last.selectedId;
    last = {
      list: s.list, tickets: s.tickets, selectedId: s.selectedId, seen: s.seen, view: s.view, draftsRev: s.draftsRev, sort: s.sort,
      teams: s.teams,
    };
    render(s);
    // j/k can move the selection off screen: bring the row into view.
    if (moved) ul.querySelector('.ticket-row.is-selected')?.scrollIntoView({ block: 'nearest' });
  });
  // Ages ("5m") go stale; refresh them twice a minute. (SLA badges tick on
  // their own, from the shared ticker.)
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
        slaBadge(t),
        t.escalation_level > 0 ? h('span.badge.badge-esc', { title: `Escalated ${t.escalation_level}×` },
          h('span', { 'aria-hidden': 'true' }, `⇧${t.escalation_level}`),
          h('span.sr-only', `, escalated ${t.escalation_level} ${t.escalation_level === 1 ? 'time' : 'times'}`)) : null,
        t.queued_at ? h('span.badge.badge-queued', { title: `Waiting in the ${t.team?.name || 'team'} queue since ${fullDateTime(t.queued_at)}` },
          'queued') : null,
        h(`span.badge.prio-${t.priority}`, priorityLabel(t.priority)),
        h(`span.badge.status-${t.status}`, statusLabel(t.status)),
        t.assignee ? h('span.row-assignee', t.assignee.name) : null,
        t.window_open === false ? h('span.badge.badge-muted', { title: '24-hour window closed' }, 'Window closed') : null)),
    unread ? h('span.sr-only', ' (unread)') : null));
}
