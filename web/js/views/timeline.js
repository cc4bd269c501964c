// The message timeline of the open ticket: messages plus audit entries
// (small grey system lines), merged by time. Rendering is keyed so an event
// that changes one message (a tick turning blue) replaces only that bubble,
// and playing audio/video or loaded images are left alone.
import { h } from '../util/dom.js';
import { watch, getState } from '../store.js';
import { renderMessage } from './message.js';
import {
  clockTime, fullDateTime, humanize, contactName, statusLabel, priorityLabel,
} from '../util/format.js';

export function mountTimeline(root) {
  const list = h('ol.timeline');
  const empty = h('p.timeline-empty', 'No messages yet.');
  // Screen readers hear new inbound messages here rather than the whole
  // timeline being re-announced when switching tickets.
  const live = h('div.sr-only', { 'aria-live': 'polite' });
  root.replaceChildren(list, empty, live);

  let ticketId = null;
  let rendered = new Map(); // key -> {item, el}
  let knownIds = new Set();

  let last = {};
  watch((s) => s, (s) => {
    const id = s.selectedId;
    const msgs = id != null ? s.messages[id] : null;
    const audit = id != null ? s.audit[id] : null;
    if (id === last.id && msgs === last.msgs && audit === last.audit) return;
    const switched = id !== last.id;
    last = { id, msgs, audit };

    if (switched) {
      ticketId = id;
      rendered = new Map();
      knownIds = new Set((msgs || []).map((m) => m.id));
      list.replaceChildren();
    }
    const nearBottom = root.scrollHeight - root.scrollTop - root.clientHeight < 80;
    const items = merge(msgs || [], audit || []);
    const next = new Map();
    items.forEach((entry, i) => {
      const prev = rendered.get(entry.key);
      const el = prev && prev.item === entry.item ? prev.el : entry.render();
      if (prev && prev.el !== el) prev.el.replaceWith(el);
      next.set(entry.key, { item: entry.item, el });
      if (list.children[i] !== el) list.insertBefore(el, list.children[i] || null);
    });
    for (const [key, { el }] of rendered) if (!next.has(key)) el.remove();
    rendered = next;
    empty.textContent = msgs == null ? 'Loading conversation…' : 'No messages yet.';
    empty.hidden = id == null || items.length > 0;

    announceNew(msgs || [], s);
    if (switched || nearBottom) root.scrollTop = root.scrollHeight;
  });

  function announceNew(msgs, s) {
    for (const m of msgs) {
      if (knownIds.has(m.id)) continue;
      knownIds.add(m.id);
      if (m.direction === 'inbound' && m.ticket_id === ticketId) {
        const who = contactName(s.tickets[ticketId]?.contact);
        live.textContent = `New message from ${who}: ${m.text || m.type}`;
      }
    }
  }
}

function merge(messages, audit) {
  const entries = [
    ...messages.map((m) => ({ key: `m${m.id}`, at: m.created_at, item: m, render: () => renderMessage(m) })),
    ...audit.map((a) => ({ key: `a${a.id}`, at: a.created_at, item: a, render: () => renderAudit(a) })),
  ];
  // Stable by time; at equal times messages come before the audit line they caused.
  return entries.sort((x, y) => x.at - y.at || (x.key[0] === 'm' ? -1 : 1));
}

function renderAudit(a) {
  return h('li.timeline-system', { dataset: { key: `a${a.id}` } },
    h('span', a.actor ? `${a.actor.name} · ` : '', auditText(a)),
    ' · ',
    h('time', { title: fullDateTime(a.created_at) }, clockTime(a.created_at)));
}

/** One readable line per audit entry; unknown actions fall back to key: value pairs. */
function auditText(a) {
  const d = a.detail && typeof a.detail === 'object' ? a.detail : {};
  const reason = typeof d.reason === 'string' ? ` (${d.reason})` : '';
  switch (a.action) {
    case 'ticket_created':
      return 'Ticket created';
    case 'assigned':
      return `Assigned to ${agentName(d.to)}${d.from != null ? ` (was ${agentName(d.from)})` : ''}`;
    case 'unassigned':
      return `Unassigned${d.from != null ? ` from ${agentName(d.from)}` : ''}`;
    case 'team_changed':
      return d.to == null ? `Removed from team ${teamName(d.from)}` : `Team set to ${teamName(d.to)}`;
    case 'priority_changed':
      return `Priority ${priorityLabel(d.from) || 'none'} → ${priorityLabel(d.to) || 'none'}`;
    case 'status_changed':
      return `Status ${statusLabel(d.from) || 'none'} → ${statusLabel(d.to) || 'none'}${reason}`;
    case 'labels_changed': {
      const parts = [...(d.added || []).map((l) => `+${l}`), ...(d.removed || []).map((l) => `−${l}`)];
      return parts.length ? `Labels ${parts.join(' ')}` : 'Labels changed';
    }
    default:
      return humanize(a.action) + describe(d);
  }
}

function agentName(id) {
  if (id == null) return 'nobody';
  return getState().agents.find((x) => x.id === id)?.name || `agent #${id}`;
}

function teamName(id) {
  if (id == null) return 'none';
  return getState().teams.find((x) => x.id === id)?.name || `team #${id}`;
}

/** Audit details are free-form; show a reason if there is one, else key: value pairs. */
function describe(detail) {
  if (!detail || typeof detail !== 'object') return '';
  if (typeof detail.reason === 'string') return `: ${detail.reason}`;
  if (typeof detail.message === 'string') return `: ${detail.message}`;
  if ('from' in detail && 'to' in detail) return `: ${fmt(detail.from)} → ${fmt(detail.to)}`;
  const parts = Object.entries(detail)
    .filter(([, v]) => v == null || typeof v !== 'object')
    .map(([k, v]) => `${humanize(k).toLowerCase()}: ${fmt(v)}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

// Values are shown as the server wrote them (ids and wamids must not be re-cased).
function fmt(v) {
  if (v == null) return 'none';
  return String(v);
}
