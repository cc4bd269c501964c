// The supervisor's floor: every active conversation by agent and team with
// its SLA state, each team's queue depth, each agent's status and load
// against capacity, and breaches and escalations as they happen. A ticket
// card is moved to another agent by dragging it onto their column, or with
// its "Move to" menu (keyboard and touch).
import { h } from '../util/dom.js';
import { watch, getState, upsertTickets } from '../store.js';
import { api } from '../api.js';
import { patchTicket, selectTicket, loadQueues, loadDirectory } from '../actions.js';
import { slaBadge } from './sla-badge.js';
import { slaAt } from '../util/sla.js';
import { contactName, relativeAge, priorityLabel, clockTime } from '../util/format.js';
import { notify } from './toast.js';
import { serverNow } from '../store.js';

const OPEN = new Set(['new', 'assigned', 'in_progress', 'pending']);
const MAX_TICKETS = 2000; // a floor bigger than this needs the queue views instead

let els = null;

export function mountFloor(root) {
  const teamsBox = h('div.floor-teams', { role: 'region', 'aria-label': 'Team queues' });
  const board = h('div.floor-board', { role: 'region', 'aria-label': 'Conversations by agent' });
  const feed = h('ol.floor-feed', { 'aria-live': 'polite' });
  const summary = h('p.floor-summary');
  const refresh = h('button.btn.btn-small', { type: 'button', onclick: () => load() }, 'Refresh');
  root.replaceChildren(
    h('div.floor-head', h('h1.screen-title', 'Floor'), summary, refresh),
    h('div.floor-main',
      h('div.floor-left', h('h2.pane-title', 'Team queues'), teamsBox,
        h('h2.pane-title', 'Conversations by agent'), board),
      h('aside.floor-side', { 'aria-labelledby': 'feed-title' },
        h('h2.pane-title#feed-title', 'Breaches and escalations'), feed)));
  els = { teamsBox, board, feed, summary };
  load();
  let last = {};
  watch((s) => s, (s) => {
    if (s.ui.screen !== 'floor') return;
    if (s.tickets === last.tickets && s.agents === last.agents && s.queues === last.queues
      && s.floorFeed === last.feed && s.teams === last.teams) return;
    if (last.tickets && s.tickets !== last.tickets) refreshQueuesSoon();
    last = { tickets: s.tickets, agents: s.agents, queues: s.queues, feed: s.floorFeed, teams: s.teams };
    render(s);
  });
}

// Queue depths move with tickets; ask for them at most every 2 s.
let queuesTimer = null;
function refreshQueuesSoon() {
  if (queuesTimer) return;
  queuesTimer = setTimeout(() => { queuesTimer = null; loadQueues(); }, 2000);
}

/** Every open ticket (keyset pages of 200), the queues and the directory. */
async function load() {
  loadQueues();
  loadDirectory();
  let cursor = null;
  let n = 0;
  try {
    do {
      const page = await api.listTickets({ status: 'open', limit: 200, ...(cursor ? { cursor } : {}) });
      upsertTickets(page.items);
      n += page.items.length;
      cursor = page.next_cursor;
    } while (cursor && n < MAX_TICKETS);
  } catch (err) {
    notify(err.message, 'error');
  }
}

function render(s) {
  const open = Object.values(s.tickets).filter((t) => OPEN.has(t.status));
  const now = serverNow();
  const byAgent = new Map();
  for (const t of open) {
    const key = t.assignee ? t.assignee.id : 'none';
    if (!byAgent.has(key)) byAgent.set(key, []);
    byAgent.get(key).push(t);
  }
  for (const list of byAgent.values()) list.sort((a, b) => urgency(a, now) - urgency(b, now));
  const breached = open.filter((t) => slaAt(t.sla, now).state === 'breached').length;
  const atRisk = open.filter((t) => slaAt(t.sla, now).state === 'warning').length;
  const online = s.agents.filter((a) => a.active !== false && a.availability === 'online').length;
  els.summary.textContent = `${open.length} open · ${byAgent.get('none')?.length || 0} unassigned · `
    + `${atRisk} at risk · ${breached} breached · ${online} of ${s.agents.filter((a) => a.active !== false).length} agents online`;

  els.teamsBox.replaceChildren(...(s.queues || []).map((q) => h('div.team-card', { dataset: { team: q.team_id } },
    h('div.team-name', q.name, q.open_now === false ? h('span.badge.badge-muted', 'closed now') : null),
    h('div.team-stats',
      stat('Queued', q.queued, q.queued > 0 && q.available === 0 ? 'bad' : null),
      stat('Waiting longest', q.oldest_queued_at ? relativeAge(q.oldest_queued_at, now) : '—'),
      stat('Agents with room', `${q.available} / ${q.members.length}`)))));

  const agents = s.agents.filter((a) => a.active !== false);
  const teamOf = (a) => (s.teams || []).filter((t) => (t.member_ids || []).includes(a.id)).map((t) => t.name).join(', ');
  const columns = [
    column({ id: 'none', name: 'Unassigned', sub: 'Queued or waiting for routing' }, byAgent.get('none') || [], agents, now),
    ...agents.map((a) => column({
      id: a.id, name: a.name, sub: teamOf(a), availability: a.availability,
      load: a.open_tickets, capacity: a.capacity,
    }, byAgent.get(a.id) || [], agents, now)),
  ];
  els.board.replaceChildren(...columns);

  els.feed.replaceChildren(...(s.floorFeed.length ? s.floorFeed.map(feedItem)
    : [h('li.muted', 'Nothing yet. SLA breaches, warnings and escalations appear here as they happen.')]));
}

/** Breached first, then warning, then by the soonest deadline. */
function urgency(t, now) {
  const v = slaAt(t.sla, now);
  const rank = { breached: 0, warning: 1, ok: 2, paused: 3 }[v.state] ?? 4;
  return rank * 1e13 + (v.dueAt ?? 9e12);
}

function stat(label, value, tone) {
  return h(`div.stat${tone ? `.stat-${tone}` : ''}`, h('span.stat-value', String(value)), h('span.stat-label', label));
}

function column(who, tickets, agents, now) {
  const full = who.capacity != null && who.load >= who.capacity;
  const col = h('section.floor-col', {
    dataset: { agent: who.id },
    'aria-label': `${who.name}: ${tickets.length} open`,
    ondragover: (e) => { e.preventDefault(); col.classList.add('is-drop'); },
    ondragleave: () => col.classList.remove('is-drop'),
    ondrop: (e) => {
      e.preventDefault();
      col.classList.remove('is-drop');
      const id = Number(e.dataTransfer.getData('text/plain'));
      if (id) move(id, who.id === 'none' ? null : who.id);
    },
  },
  h('header.floor-col-head',
    h('div.floor-col-name',
      who.availability ? h('span.status-dot', { dataset: { state: who.availability }, title: who.availability }) : null,
      h('strong', who.name),
      who.availability ? h('span.sr-only', `, ${who.availability}`) : null),
    who.capacity != null ? h('span.load', { dataset: { full: String(full) }, title: 'Open tickets / capacity' },
      `${who.load}/${who.capacity}`) : h('span.load', String(tickets.length)),
    who.sub ? h('div.floor-col-sub', who.sub) : null),
  h('ul.floor-cards', ...tickets.map((t) => card(t, who, agents, now))));
  return col;
}

function card(t, who, agents, now) {
  const moveSelect = h('select.floor-move', {
    'aria-label': `Move ticket #${t.id} to`,
    onchange: (e) => {
      const v = e.target.value;
      if (v === '') return;
      move(t.id, v === 'none' ? null : Number(v));
    },
  },
  h('option', { value: '' }, 'Move to…'),
  who.id !== 'none' ? h('option', { value: 'none' }, 'Unassigned') : null,
  ...agents.filter((a) => a.id !== who.id).map((a) => h('option', { value: a.id }, `${a.name} (${a.availability})`)));
  return h('li.floor-card', {
    draggable: 'true',
    dataset: { ticket: t.id, sla: slaAt(t.sla, now).state },
    ondragstart: (e) => { e.dataTransfer.setData('text/plain', String(t.id)); e.dataTransfer.effectAllowed = 'move'; },
  },
  h('div.floor-card-top',
    h('button.btn-link.floor-open', { type: 'button', onclick: () => openTicket(t.id) }, contactName(t.contact)),
    slaBadge(t)),
  h('div.floor-card-meta', `#${t.id} · ${priorityLabel(t.priority)}${t.team ? ` · ${t.team.name}` : ''}`,
    t.escalation_level > 0 ? h('span.badge.badge-esc', `⇧${t.escalation_level}`) : null),
  moveSelect);
}

async function move(ticketId, agentId) {
  const t = getState().tickets[ticketId];
  if (!t || (t.assignee?.id ?? null) === agentId) return;
  try {
    if (!await patchTicket(ticketId, { assignee_id: agentId })) return; // it said why
    const name = agentId == null ? 'unassigned' : getState().agents.find((a) => a.id === agentId)?.name;
    notify(`#${ticketId} moved to ${name}.`, 'info', { timeout: 4000 });
  } catch (err) {
    notify(err.message, 'error');
  }
}

function openTicket(id) {
  location.hash = `#ticket=${id}`;
  selectTicket(id);
}

function feedItem({ event, payload, at }) {
  const t = getState().tickets[payload.ticket_id];
  const who = t ? contactName(t.contact) : `Ticket #${payload.ticket_id}`;
  const what = event === 'sla.breached' ? `${payload.target?.replace('_', ' ') || 'SLA'} breached`
    : event === 'sla.warning' ? `${payload.target?.replace('_', ' ') || 'SLA'} at risk`
      : `escalated${payload.escalation?.to_team ? ` to ${payload.escalation.to_team}` : ''}`;
  return h(`li.feed-item.feed-${event.replace('.', '-')}`,
    h('time', clockTime(at)), ' ',
    h('button.btn-link', { type: 'button', onclick: () => openTicket(payload.ticket_id) }, who), ` ${what}`);
}
