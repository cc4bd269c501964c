// The one piece of shared state in the inbox. Views read it and subscribe to
// the slices they render; api responses and the event stream write it through
// the mutators below. Updates are immutable at the slice level so that views
// can detect changes with a cheap reference comparison.
import { matchesQuery, compareTickets, isViewId, SORTS, liveMembership } from './query.js';

const initialState = () => ({
  agent: null, // signed-in agent {id,email,name,role,availability,open_tickets,capacity,…}
  connection: 'offline', // event stream: 'connecting' | 'live' | 'offline'
  view: loadView(), // last chosen view; "All open" first, so new conversations show up
  sort: loadSort(), // 'activity' | 'sla' | 'priority' | 'oldest': the server sorts, query.js mirrors it
  filters: { status: '', priority: '', label: '', team: '', assignee: '' },
  list: { ids: [], nextCursor: null, loading: false, error: null, query: null },
  tickets: {}, // id -> Ticket (anything we've seen: list, events, deep links)
  selectedId: null,
  messages: {}, // ticketId -> [Message] oldest first (only for opened tickets)
  audit: {}, // ticketId -> [AuditEntry]
  contacts: {}, // contactId -> Contact (full record from /contacts/{id})
  agents: [],
  teams: [],
  search: { q: '', items: [], terms: [], nextCursor: null, loading: false, error: null }, // top-bar search
  counts: {}, // view id -> {count, capped} from /tickets/counts
  presence: {}, // ticketId -> [{agent_id, name, typing, since}] (everyone on it, me included)
  canned: null, // [{id, shortcut, title, body}] once loaded for the "/" menu
  queues: [], // /queues: per team depth, lead, escalates_to, members' load
  clockSkew: 0, // server clock − this machine's clock, ms (SLA countdowns use the server's)
  draftsRev: 0, // bumped when a ticket's draft appears or disappears (list "Draft" tag)
  seen: loadSeen(), // ticketId -> last_inbound_at the agent has seen (unread dot)
  ui: { pane: 'list', contactOpen: false, helpOpen: false, navOpen: false, dialog: null, screen: 'inbox', section: null }, // dialog: 'escalate' | 'transfer'; screen: see screens.js
  floorFeed: [], // the latest breaches, warnings and escalations, newest first (the floor view's feed)
});

let state = initialState();
const listeners = new Set();

export function getState() { return state; }

/** subscribe(fn) → unsubscribe. fn(state, prev) runs after every update. */
export function subscribe(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/**
 * watch(selector, fn): run fn(value, state) now and whenever selector's
 * result changes (by reference). The usual way views hook in.
 */
export function watch(selector, fn) {
  let last = selector(state);
  fn(last, state);
  return subscribe((s) => {
    const next = selector(s);
    if (next !== last) {
      last = next;
      fn(next, s);
    }
  });
}

export function update(patchOrFn) {
  const prev = state;
  const patch = typeof patchOrFn === 'function' ? patchOrFn(state) : patchOrFn;
  if (!patch) return;
  state = { ...state, ...patch };
  for (const fn of [...listeners]) {
    try { fn(state, prev); } catch (err) { console.error('store listener failed', err); }
  }
}

export function reset() {
  state = { ...initialState(), seen: state.seen };
  update({});
}

export function setUi(patch) {
  update((s) => ({ ui: { ...s.ui, ...patch } }));
}

// ---------- tickets ----------

/**
 * Merge tickets into the map. With `fromEvent`, also keep the visible list in
 * step: insert tickets that now match the current view at their sorted place,
 * drop those that no longer match, and move tickets with fresh activity up.
 */
export function upsertTickets(list, { fromEvent = false } = {}) {
  if (!list.length) return;
  const clockSkew = estimateSkew(list);
  update((s) => {
    const tickets = { ...s.tickets };
    for (const t of list) {
      const old = tickets[t.id];
      // Never let an older snapshot (e.g. a slow HTTP reply) overwrite a newer event.
      if (old && old.updated_at > t.updated_at) continue;
      tickets[t.id] = t;
    }
    if (!fromEvent || !s.list.query || !liveMembership(s.list.query)) return { tickets, clockSkew };
    let ids = s.list.ids.slice();
    for (const t of list) {
      const fresh = tickets[t.id];
      const at = ids.indexOf(t.id);
      if (at >= 0) ids.splice(at, 1);
      if (!matchesQuery(fresh, s.list.query, s.agent, Date.now() + s.clockSkew)) continue;
      // Find the sorted position; a ticket that sorts after everything loaded
      // so far will arrive with "load more" instead, so don't append it out of order.
      let pos = ids.findIndex((id) => tickets[id] && compareTickets(fresh, tickets[id], s.sort) < 0);
      if (pos < 0) {
        if (s.list.nextCursor) continue;
        pos = ids.length;
      }
      ids.splice(pos, 0, t.id);
    }
    return { tickets, clockSkew, list: { ...s.list, ids } };
  });
}

// ---------- clock ----------

/** "Now" on the server's clock: SLA deadlines are compared with this. */
export function serverNow() {
  return Date.now() + state.clockSkew;
}

// A ticket's SLA says when the server read it (due_at − remaining_ms). Each
// batch gives one sample of skew − latency; the largest of the recent samples
// is the best estimate of the skew (latency only ever makes it smaller).
const skewSamples = [];

function estimateSkew(tickets) {
  const now = Date.now();
  let sample = -Infinity;
  for (const t of tickets) {
    const sla = t && t.sla;
    if (sla && sla.due_at != null && sla.remaining_ms != null) {
      sample = Math.max(sample, sla.due_at - sla.remaining_ms - now);
    }
  }
  if (sample === -Infinity) return state.clockSkew;
  skewSamples.push(sample);
  if (skewSamples.length > 10) skewSamples.shift();
  const estimate = Math.max(...skewSamples);
  // Ignore sub-second differences: not worth a repaint, and mostly latency.
  return Math.abs(estimate - state.clockSkew) < 1000 ? state.clockSkew : Math.round(estimate);
}

// ---------- agents ----------

/** An agent changed (availability, load…): update the directory and, if it's me, the header. */
export function upsertAgent(agent) {
  if (!agent) return;
  update((s) => {
    const at = s.agents.findIndex((a) => a.id === agent.id);
    const agents = s.agents.slice();
    if (at >= 0) agents[at] = { ...agents[at], ...agent };
    else agents.push(agent);
    const patch = { agents };
    if (s.agent && s.agent.id === agent.id) patch.agent = { ...s.agent, ...agent };
    return patch;
  });
}

export function setList(patch) {
  update((s) => ({ list: { ...s.list, ...patch } }));
}

// ---------- messages ----------

const STATUS_RANK = { queued: 0, sent: 1, delivered: 2, read: 3, played: 4, failed: 5 };

/**
 * Insert or replace messages for their tickets. `preferExisting` is used for
 * HTTP responses (e.g. the 202 from sending) that may arrive after the event
 * stream already told us the message was delivered: never move a tick backwards.
 */
export function upsertMessages(list, { preferExisting = false } = {}) {
  if (!list.length) return;
  update((s) => {
    const messages = { ...s.messages };
    for (const m of list) {
      const current = messages[m.ticket_id];
      if (!current) continue; // conversation not loaded; it will fetch fresh when opened
      const idx = current.findIndex((x) => x.id === m.id);
      const next = current.slice();
      if (idx >= 0) {
        const old = current[idx];
        if (preferExisting && (STATUS_RANK[old.status] ?? -1) >= (STATUS_RANK[m.status] ?? -1)) continue;
        next[idx] = m;
      } else {
        next.push(m);
        // Keep oldest-first order even if events arrive out of order.
        next.sort((a, b) => a.created_at - b.created_at || a.id - b.id);
      }
      messages[m.ticket_id] = next;
    }
    return { messages };
  });
}

export function setMessages(ticketId, items) {
  update((s) => ({ messages: { ...s.messages, [ticketId]: items } }));
}

export function setAudit(ticketId, items) {
  update((s) => ({ audit: { ...s.audit, [ticketId]: items } }));
}

/** An alert-worthy event for the supervisor's floor feed (kept to the latest 50). */
export function pushFloorEvent(entry) {
  update((s) => ({ floorFeed: [entry, ...s.floorFeed].slice(0, 50) }));
}

export function setPresence(ticketId, agents) {
  update((s) => ({ presence: { ...s.presence, [ticketId]: agents } }));
}

export function setContact(contact) {
  update((s) => ({ contacts: { ...s.contacts, [contact.id]: contact } }));
}

// ---------- saved view ----------

const VIEW_KEY = 'parley.view';

function loadView() {
  try {
    const v = localStorage.getItem(VIEW_KEY);
    if (v && isViewId(v)) return v;
  } catch { /* storage blocked */ }
  return 'open';
}

export function saveView(view) {
  try { localStorage.setItem(VIEW_KEY, view); } catch { /* fine: default next time */ }
}

const SORT_KEY = 'parley.sort';

function loadSort() {
  try {
    const v = localStorage.getItem(SORT_KEY);
    return SORTS.some((x) => x.id === v) ? v : 'activity';
  } catch { return 'activity'; }
}

export function saveSort(sort) {
  try { localStorage.setItem(SORT_KEY, sort); } catch { /* fine: default next time */ }
}

// ---------- unread ----------

const SEEN_KEY = 'parley.seen';

function loadSeen() {
  try { return JSON.parse(localStorage.getItem(SEEN_KEY)) || {}; } catch { return {}; }
}

/** The agent has looked at this ticket's latest inbound message. */
export function markSeen(ticket) {
  if (!ticket || !ticket.last_inbound_at) return;
  if ((state.seen[ticket.id] || 0) >= ticket.last_inbound_at) return;
  const seen = { ...state.seen, [ticket.id]: ticket.last_inbound_at };
  try {
    // Keep the map bounded: only the 500 most recently seen tickets.
    const entries = Object.entries(seen).sort((a, b) => b[1] - a[1]).slice(0, 500);
    localStorage.setItem(SEEN_KEY, JSON.stringify(Object.fromEntries(entries)));
  } catch { /* storage full or blocked: the dot just comes back after reload */ }
  update({ seen });
}

export function isUnread(ticket, seen = state.seen) {
  if (!ticket || !ticket.last_inbound_at) return false;
  return (seen[ticket.id] || 0) < ticket.last_inbound_at;
}
