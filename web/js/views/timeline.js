// The message timeline of the open ticket: messages plus audit entries
// (small grey system lines), merged by time. Rendering is keyed so an event
// that changes one message (a tick turning blue) replaces only that bubble,
// and playing audio/video or loaded images are left alone. Audit entries never
// change once written, so they are kept by id across refetches (an expanded
// "why" or handoff summary stays open while the ticket updates).
import { h } from '../util/dom.js';
import { watch, getState } from '../store.js';
import { renderMessage } from './message.js';
import { earlierConversations } from '../actions.js';
import {
  clockTime, fullDateTime, humanize, contactName, statusLabel, priorityLabel, languageName,
} from '../util/format.js';
import { targetLabel, shortDuration } from '../util/sla.js';

export function mountTimeline(root) {
  const list = h('ol.timeline');
  const empty = h('p.timeline-empty', 'No messages yet.');
  // Screen readers hear new inbound messages here rather than the whole
  // timeline being re-announced when switching tickets.
  const live = h('div.sr-only', { 'aria-live': 'polite' });
  // The customer's earlier tickets, loaded on demand above this one.
  const history = h('div.history');
  root.replaceChildren(history, list, empty, live);
  mountHistory(history);

  let ticketId = null;
  let rendered = new Map(); // key -> {item, el}
  let knownIds = new Set();

  let last = {};
  let names = '';
  watch((s) => s, (s) => {
    const id = s.selectedId;
    const msgs = id != null ? s.messages[id] : null;
    const audit = id != null ? s.audit[id] : null;
    // Audit lines show agent and team names: redraw them if a name changed
    // (or the directory arrived after the timeline), not on every status flip.
    let dirChanged = false;
    if (s.agents !== last.agents || s.teams !== last.teams) {
      const now = directoryNames(s);
      dirChanged = now !== names;
      names = now;
    }
    if (id === last.id && msgs === last.msgs && audit === last.audit && !dirChanged) return;
    const switched = id !== last.id;
    last = { id, msgs, audit, agents: s.agents, teams: s.teams };

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
      const same = prev && (prev.item === entry.item || (entry.audit && !dirChanged));
      const el = same ? prev.el : entry.render();
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
    ...audit.map((a) => ({ key: `a${a.id}`, at: a.created_at, item: a, audit: true, render: () => renderAudit(a) })),
  ];
  // Stable by time; at equal times messages come before the audit line they
  // caused, and each kind keeps its own order (messages oldest first, by id).
  // (Comparing only the kinds keeps the comparator consistent: two messages
  // in the same millisecond used to come out in reverse.)
  const kind = (e) => (e.audit ? 1 : 0);
  return entries.sort((x, y) => x.at - y.at || kind(x) - kind(y));
}

const HISTORY_TICKETS = 5;

/** "Show earlier conversations": the contact's previous tickets, read-only, oldest first. */
function mountHistory(root) {
  let shownFor = null; // ticket id whose history is on screen
  let key = '';
  watch((s) => s, (s) => {
    const t = s.tickets[s.selectedId];
    const contact = t ? s.contacts[t.contact?.id] : null;
    const earlier = contact ? (contact.tickets || []).filter((x) => x.id < t.id) : [];
    const k = `${t?.id}:${earlier.map((x) => x.id).join(',')}`;
    if (k === key) return;
    key = k;
    if (shownFor !== t?.id) shownFor = null;
    if (!t || !earlier.length) { root.replaceChildren(); return; }
    if (shownFor === t.id) return;
    root.replaceChildren(h('button.btn.btn-small.history-toggle', {
      type: 'button',
      onclick: () => { shownFor = t.id; load(root, earlier.slice(0, HISTORY_TICKETS)); },
    }, `Show earlier conversations (${earlier.length})`));
  });
}

async function load(root, tickets) {
  root.replaceChildren(h('p.muted', 'Loading earlier conversations…'));
  try {
    const parts = await earlierConversations(tickets);
    root.replaceChildren(...parts.map(({ x, items }) => h('section.history-ticket', { 'aria-label': `Earlier ticket #${x.id}` },
      h('h3.history-head', `Ticket #${x.id} · ${statusLabel(x.status)} · ${fullDateTime(x.created_at)}`,
        x.csat_rating != null ? ` · CSAT ${x.csat_rating}/5` : ''),
      h('ol.timeline.timeline-history', ...items.map(renderMessage)))),
    h('p.history-divider', 'This conversation'));
  } catch (err) {
    root.replaceChildren(h('p.form-error', `Could not load earlier conversations: ${err.message}`));
  }
}

function directoryNames(s) {
  return [...s.agents.map((a) => `a${a.id}:${a.name}`), ...s.teams.map((t) => `t${t.id}:${t.name}`)].join('|');
}

function renderAudit(a) {
  const d = a.detail && typeof a.detail === 'object' ? a.detail : {};
  const rich = RICH[a.action];
  const body = rich ? rich(d) : { text: auditText(a) };
  return h('li.timeline-system', {
    dataset: { key: `a${a.id}`, action: a.action },
    class: [body.tone && `is-${body.tone}`, body.more && 'has-more'].filter(Boolean).join(' '),
  },
  h('span', a.actor ? `${a.actor.name} · ` : '', body.text),
  ' · ',
  h('time', { title: fullDateTime(a.created_at) }, clockTime(a.created_at)),
  body.more ? h('details.system-more',
    h('summary', body.moreLabel || 'Why'),
    body.more) : null);
}

// Routing, queue, SLA and escalation entries: one short line, and the
// server's full explanation folded away beneath it.
const RICH = {
  routed: (d) => {
    const to = d.team ? `Routed to ${d.team}` : 'Routed';
    const rule = d.rule ? ` by rule “${d.rule}”` : d.team ? ' (fallback)' : '';
    let outcome = '';
    if (d.bot_only) outcome = ' · left with the bot';
    else if (d.assignee_id != null) outcome = ` → ${agentName(d.assignee_id)}`;
    else if (d.queued) outcome = ' · waiting in the queue';
    return {
      text: `${to}${rule}${outcome}`,
      more: whyList([
        ['How', d.explanation],
        ['Strategy', d.strategy && humanize(d.strategy)],
        ['Issue', d.issue_type && humanize(d.issue_type)],
        ['Priority', valueWhy(d.priority, priorityLabel)],
        ['Language', valueWhy(d.language, languageName)],
      ]),
    };
  },
  assigned_from_queue: (d) => {
    const waited = typeof d.waited_ms === 'number' && d.waited_ms >= 60_000 ? ` after ${shortDuration(d.waited_ms)}` : '';
    return {
      text: `Assigned to ${agentName(d.assignee_id)} from the ${d.team || 'team'} queue${waited}`,
      more: d.explanation ? whyList([['How', d.explanation]]) : null,
    };
  },
  sla_warning: (d) => ({
    tone: 'warning',
    text: `SLA warning: ${targetLabel(d.target).toLowerCase()} due ${d.due_at ? clockTime(d.due_at) : 'soon'}`,
  }),
  sla_breached: (d) => ({
    tone: 'breach',
    text: `SLA breached: ${targetLabel(d.target).toLowerCase()}${d.due_at ? ` (was due ${clockTime(d.due_at)})` : ''}`,
  }),
  escalated: (d) => {
    const where = d.to_team ? ` to ${d.to_team}` : d.from_team ? ` within ${d.from_team}` : '';
    const level = d.level ? ` (level ${d.level})` : '';
    return {
      tone: 'escalation',
      text: `Escalated${where}${level}${d.trigger ? `: ${d.trigger}` : ''}`,
      moreLabel: 'Handoff summary',
      more: [
        d.summary ? h('p.handoff-summary', d.summary) : null,
        whyList([
          ['Path', d.path && humanize(d.path)],
          ['From', d.from_team],
          ['Reason', d.reason],
          ['Note', d.note],
        ]),
      ],
    };
  },
};

/** <dl> of the rows that have a value. */
function whyList(rows) {
  const present = rows.filter(([, v]) => v != null && v !== '');
  if (!present.length) return null;
  return h('dl.why-list', present.map(([k, v]) => [h('dt', k), h('dd', v)]));
}

/** {value, why} → "High — keyword “charged twice” → high". */
function valueWhy(x, label) {
  if (!x || typeof x !== 'object') return null;
  const value = x.value != null ? label(x.value) : 'unknown';
  return x.why ? `${value} — ${x.why}` : value;
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
    case 'customer_asked_for_a_person':
      return `Customer asked for a person${d.phrase ? ` (“${d.phrase}”)` : ''}`;
    case 'handed_to_people':
      return `Handed from the bot to people${reason}`;
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
