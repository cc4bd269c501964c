// Maps the selected view + filters + sort to /tickets query params, and
// mirrors the server's rules client-side so live events can add, move and
// drop rows without refetching: matchesQuery is the server's filter,
// compareTickets its order (the same keys as its keyset cursor).
import { slaAt } from './util/sla.js';

/** The fixed views; each team the agent belongs to adds a `team:<id>` view. */
export const VIEWS = [
  { id: 'mine', label: 'Mine', query: { status: 'open', assignee: 'me' } },
  { id: 'unassigned', label: 'Unassigned', query: { status: 'open', assignee: 'unassigned' } },
  { id: 'at_risk', label: 'SLA at risk', query: { status: 'open', sla: 'at_risk' } },
  { id: 'mentions', label: 'Mentions', query: { mentioned: 'me' } },
  { id: 'open', label: 'All open', query: { status: 'open' } },
  { id: 'resolved', label: 'Resolved', query: { status: 'resolved' } },
  { id: 'closed', label: 'Closed', query: { status: 'closed' } },
];

const TEAM_VIEW = /^team:(\d+)$/;

/** Is `id` a view this client knows how to ask for (teams may load later)? */
export function isViewId(id) {
  return VIEWS.some((v) => v.id === id) || TEAM_VIEW.test(id || '');
}

/**
 * The views to offer: the fixed ones, then a queue per team the agent is in
 * (every team for supervisors and admins, who watch the whole floor).
 */
export function viewsFor(s) {
  const me = s.agent;
  const sees = (t) => me && (me.role !== 'agent' || (t.member_ids || []).includes(me.id));
  const teams = (s.teams || []).filter(sees).map((t) => ({
    id: `team:${t.id}`, label: t.name, team: true, query: { status: 'open', team: String(t.id) },
  }));
  return [...VIEWS.slice(0, 5), ...teams, ...VIEWS.slice(5)];
}

export function findView(id, s) {
  const m = TEAM_VIEW.exec(id || '');
  if (m) {
    const t = (s?.teams || []).find((x) => String(x.id) === m[1]);
    return { id, label: t ? t.name : 'Team queue', team: true, query: { status: 'open', team: m[1] } };
  }
  return VIEWS.find((v) => v.id === id) || VIEWS.find((v) => v.id === 'open');
}

/** Explicit filters refine (and for status/assignee, override) the view. */
export function buildQuery(viewId, filters, sort = 'activity', s = null) {
  const view = findView(viewId, s);
  const q = { ...view.query };
  for (const key of ['status', 'priority', 'label', 'team', 'assignee']) {
    if (filters[key]) q[key] = filters[key];
  }
  if (sort && sort !== 'activity') q.sort = sort;
  return q;
}

const CLOSED = new Set(['resolved', 'closed']);

/** The sooner pending deadline, as the server's `sla_due_at`. */
function dueAt(t) {
  return slaAt(t.sla, 0).dueAt ?? null;
}

/**
 * Can live events decide whether a ticket belongs in this query's list? Not
 * for mentions: a ticket doesn't say whom its notes mention, so that list is
 * refetched when a mention arrives instead.
 */
export function liveMembership(q) {
  return !q.mentioned;
}

export function matchesQuery(ticket, q, me, now = Date.now()) {
  if (!ticket) return false;
  if (q.status === 'open') {
    if (CLOSED.has(ticket.status)) return false;
  } else if (q.status && !q.status.split(',').includes(ticket.status)) return false;
  if (q.assignee === 'me') {
    if (!me || !ticket.assignee || ticket.assignee.id !== me.id) return false;
  } else if (q.assignee === 'unassigned') {
    if (ticket.assignee) return false;
  } else if (q.assignee && String(ticket.assignee?.id) !== String(q.assignee)) return false;
  if (q.team && String(ticket.team?.id) !== String(q.team)) return false;
  if (q.priority && ticket.priority !== q.priority) return false;
  if (q.label && !(ticket.labels || []).includes(q.label)) return false;
  // Past a pending warning, as the server's `sla_warn_at <= now`.
  if (q.sla === 'at_risk' && !['warning', 'breached'].includes(slaAt(ticket.sla, now).state)) return false;
  return true;
}

export const SORTS = [
  { id: 'activity', label: 'Latest activity' },
  { id: 'sla', label: 'SLA due first' },
  { id: 'priority', label: 'Priority' },
  { id: 'oldest', label: 'Oldest first' },
];

const RANK = { urgent: 3, high: 2, medium: 1, low: 0 };

/** Newest activity first, ties by id, newest first (the server's tiebreak). */
function byActivity(a, b) {
  return (b.last_message_at - a.last_message_at) || (b.id - a.id);
}

/** < 0 when `a` comes before `b` in the server's order for `sort`. */
export function compareTickets(a, b, sort) {
  switch (sort) {
    case 'sla': {
      const da = dueAt(a);
      const db = dueAt(b);
      if (da != null && db != null) return (da - db) || (a.id - b.id);
      if (da != null) return -1;
      if (db != null) return 1;
      return byActivity(a, b);
    }
    case 'priority':
      return ((RANK[b.priority] ?? 0) - (RANK[a.priority] ?? 0)) || byActivity(a, b);
    case 'oldest':
      return (a.created_at - b.created_at) || (a.id - b.id);
    default:
      return byActivity(a, b);
  }
}

/**
 * The list rows in display order: the server's, with tickets moved by live
 * events put back where the server would list them. j/k follow this order.
 */
export function visibleIds(s) {
  const ids = s.list.ids.filter((id) => s.tickets[id]);
  return ids.slice().sort((a, b) => compareTickets(s.tickets[a], s.tickets[b], s.sort));
}
