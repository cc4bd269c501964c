// Maps the selected view + filters to /tickets query params, and mirrors the
// same rules client-side so live events can add/remove rows without refetching.
import { slaSortKey } from './util/sla.js';

export const VIEWS = [
  { id: 'mine', label: 'Mine', query: { status: 'open', assignee: 'me' } },
  { id: 'unassigned', label: 'Unassigned', query: { status: 'open', assignee: 'unassigned' } },
  { id: 'open', label: 'All open', query: { status: 'open' } },
  { id: 'resolved', label: 'Resolved', query: { status: 'resolved' } },
  { id: 'closed', label: 'Closed', query: { status: 'closed' } },
];

/** Explicit filters refine (and for status/assignee, override) the view. */
export function buildQuery(viewId, filters) {
  const view = VIEWS.find((v) => v.id === viewId) || VIEWS[0];
  const q = { ...view.query };
  for (const key of ['status', 'priority', 'label', 'team', 'assignee']) {
    if (filters[key]) q[key] = filters[key];
  }
  return q;
}

const CLOSED = new Set(['resolved', 'closed']);

export function matchesQuery(ticket, q, me) {
  if (!ticket) return false;
  if (q.status === 'open') {
    if (CLOSED.has(ticket.status)) return false;
  } else if (q.status && ticket.status !== q.status) return false;
  if (q.assignee === 'me') {
    if (!me || !ticket.assignee || ticket.assignee.id !== me.id) return false;
  } else if (q.assignee === 'unassigned') {
    if (ticket.assignee) return false;
  } else if (q.assignee && String(ticket.assignee?.id) !== String(q.assignee)) return false;
  if (q.team && String(ticket.team?.id) !== String(q.team)) return false;
  if (q.priority && ticket.priority !== q.priority) return false;
  if (q.label && !(ticket.labels || []).includes(q.label)) return false;
  return true;
}

/** The list is "sorted by last activity, newest first". */
export function sortKey(ticket) {
  return ticket.last_message_at || ticket.created_at || 0;
}

export const SORTS = [
  { id: 'activity', label: 'Latest activity' },
  { id: 'sla', label: 'SLA due first' },
];

/**
 * The list rows in display order. "SLA due first" is sorted here, on the
 * client, and only over the rows loaded so far: the server has no SLA sort
 * yet, so "Load more" can still bring in a more urgent ticket. Breached
 * tickets (due in the past) come first; paused/met ones last, by activity.
 * j/k follow this order too.
 */
export function visibleIds(s) {
  const ids = s.list.ids.filter((id) => s.tickets[id]);
  if (s.sort !== 'sla') return ids;
  const rank = new Map(ids.map((id, i) => [id, i]));
  return ids.slice().sort((a, b) => {
    const ka = slaSortKey(s.tickets[a]);
    const kb = slaSortKey(s.tickets[b]);
    if (ka !== kb) return ka < kb ? -1 : 1;
    return rank.get(a) - rank.get(b);
  });
}
