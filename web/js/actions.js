// Operations the views trigger: each calls the API and writes the result into
// the store. Views never call api.js directly for data they display, so there
// is exactly one path by which state changes.
import { api } from './api.js';
import {
  getState, update, setList, upsertTickets, setMessages, upsertMessages,
  setAudit, setContact, markSeen, setUi, saveView, saveSort, upsertAgent,
} from './store.js';
import { buildQuery, visibleIds } from './query.js';
import { notify } from './views/toast.js';

const PAGE = 50;

// The statuses the server counts in an agent's open_tickets (its capacity check).
const LOAD = new Set(['assigned', 'in_progress']);

/**
 * upsertTickets, plus a /me refresh when one of them enters or leaves my load
 * (the header's "3/6"): the server sends agent.updated only for profile and
 * availability changes, not when tickets come and go.
 */
export function applyTickets(list, opts) {
  const s = getState();
  const me = s.agent;
  if (me && list.some((t) => {
    const before = s.tickets[t.id];
    const mineBefore = Boolean(before) && before.assignee?.id === me.id && LOAD.has(before.status);
    const mineAfter = t.assignee?.id === me.id && LOAD.has(t.status);
    return mineBefore !== mineAfter && !(before && before.updated_at > t.updated_at);
  })) scheduleMeRefresh();
  upsertTickets(list, opts);
}

let listAbort = null;

/** (Re)load the first page of the list for the current view + filters. */
export async function reloadList() {
  const s = getState();
  const query = buildQuery(s.view, s.filters, s.sort, s);
  listAbort?.abort();
  listAbort = new AbortController();
  setList({ loading: true, error: null, query });
  try {
    const page = await api.listTickets({ ...query, limit: PAGE }, listAbort.signal);
    upsertTickets(page.items);
    setList({ ids: page.items.map((t) => t.id), nextCursor: page.next_cursor, loading: false });
  } catch (err) {
    if (err.name === 'AbortError') return;
    setList({ loading: false, error: err.message });
  }
}

export async function loadMore() {
  const { list } = getState();
  if (!list.nextCursor || list.loading) return;
  setList({ loading: true, error: null });
  try {
    const page = await api.listTickets({ ...list.query, limit: PAGE, cursor: list.nextCursor });
    upsertTickets(page.items);
    const ids = getState().list.ids.slice();
    for (const t of page.items) if (!ids.includes(t.id)) ids.push(t.id);
    setList({ ids, nextCursor: page.next_cursor, loading: false });
  } catch (err) {
    setList({ loading: false, error: err.message });
  }
}

export function setView(view) {
  saveView(view);
  update((s) => ({ view, filters: { ...s.filters, status: '', assignee: '' }, ui: { ...s.ui, navOpen: false } }));
  reloadList();
}

/** 'activity' | 'sla' | 'priority' | 'oldest': the server sorts, so this refetches. */
export function setSort(sort) {
  saveSort(sort);
  update({ sort });
  reloadList();
}

// ---------- search ----------

let searchAbort = null;

/** Search messages and notes; the newest request wins. */
export async function searchMessages(q) {
  searchAbort?.abort();
  searchAbort = new AbortController();
  update({ search: { q, items: [], terms: [], nextCursor: null, loading: true, error: null } });
  try {
    const page = await api.search({ q, limit: 20 }, searchAbort.signal);
    update({ search: { q, items: page.items, terms: page.terms, nextCursor: page.next_cursor, loading: false, error: null } });
  } catch (err) {
    if (err.name === 'AbortError') return;
    update((s) => ({ search: { ...s.search, loading: false, error: err.message } }));
  }
}

export async function searchMore() {
  const { search } = getState();
  if (!search.nextCursor || search.loading) return;
  update({ search: { ...search, loading: true } });
  try {
    const page = await api.search({ q: search.q, limit: 20, cursor: search.nextCursor });
    update((s) => (s.search.q !== search.q ? null : {
      search: { ...s.search, items: [...s.search.items, ...page.items], nextCursor: page.next_cursor, loading: false },
    }));
  } catch (err) {
    update((s) => ({ search: { ...s.search, loading: false, error: err.message } }));
  }
}

export function clearSearch() {
  searchAbort?.abort();
  update({ search: { q: '', items: [], terms: [], nextCursor: null, loading: false, error: null } });
}

let countsTimer = null;
let countsBusy = false;

/**
 * Refresh the views' counts (/tickets/counts), at most once a second: every
 * ticket event asks for it, and a busy floor sends many.
 */
export function refreshCounts({ now = false } = {}) {
  if (countsTimer && !now) return;
  clearTimeout(countsTimer);
  countsTimer = setTimeout(async () => {
    countsTimer = null;
    if (countsBusy) { refreshCounts(); return; }
    countsBusy = true;
    try {
      const res = await api.viewCounts();
      const counts = {};
      for (const c of res.items) counts[c.view] = { count: c.count, capped: c.capped };
      update({ counts });
    } catch { /* the badges keep their last numbers; the next event retries */ }
    countsBusy = false;
  }, now ? 0 : 1000);
}

export function setFilters(patch) {
  update((s) => ({ filters: { ...s.filters, ...patch } }));
  reloadList();
}

// ---------- the open ticket ----------

export async function selectTicket(id) {
  if (id == null) {
    update((s) => ({ selectedId: null, ui: { ...s.ui, pane: 'list' } }));
    return;
  }
  id = Number(id);
  update((s) => ({ selectedId: id, ui: { ...s.ui, pane: 'conversation' } }));
  if (location.hash !== `#ticket=${id}`) history.replaceState(null, '', `#ticket=${id}`);
  await loadTicketDetail(id);
}

async function loadTicketDetail(id) {
  const s = getState();
  const jobs = [];
  if (!s.tickets[id]) {
    jobs.push(api.getTicket(id).then((t) => upsertTickets([t])));
  }
  jobs.push(api.messages(id).then((r) => setMessages(id, r.items)));
  jobs.push(refreshAudit(id));
  const results = await Promise.allSettled(jobs);
  for (const r of results) if (r.status === 'rejected') notify(r.reason.message, 'error');
  readMentions(id);
  const ticket = getState().tickets[id];
  if (ticket) {
    if (getState().selectedId === id) markSeen(ticket);
    loadContact(ticket.contact?.id);
  }
}

/** The CSAT survey, now (the server applies the same rules as its timer). */
export async function sendCsatNow(id) {
  try {
    await api.sendCsat(id);
    notify('Survey sent.', 'info', { timeout: 4000 });
  } catch (err) {
    notify(err.message, 'error');
  }
}

/** Opening a ticket reads my mentions on it (only worth a call when I have some). */
function readMentions(id) {
  const c = getState().counts.mentions;
  if (c && c.count === 0) return;
  api.readMentions(id).then((r) => { if (r && r.read) refreshCounts({ now: true }); }).catch(() => {});
}

/**
 * The messages of a contact's earlier tickets, oldest ticket first, for the
 * timeline's read-only history (not kept in the store: nothing updates them).
 */
export async function earlierConversations(tickets) {
  const parts = await Promise.all(tickets.map((x) => api.messages(x.id).then((r) => ({ x, items: r.items }))));
  return parts.sort((a, b) => a.x.id - b.x.id);
}

/** Canned responses for the "/" menu, loaded once, refreshed on demand. */
export async function loadCanned({ force = false } = {}) {
  if (getState().canned && !force) return getState().canned;
  try {
    const r = await api.canned();
    update({ canned: r.items });
  } catch (err) {
    notify(err.message, 'error');
  }
  return getState().canned || [];
}

/** After an event-stream reconnect, catch up on what we may have missed. */
export async function refreshOpenTicket() {
  const id = getState().selectedId;
  if (id == null) return;
  try {
    const [ticket, msgs] = await Promise.all([api.getTicket(id), api.messages(id)]);
    upsertTickets([ticket]);
    setMessages(id, msgs.items);
    refreshAudit(id);
  } catch (err) {
    notify(err.message, 'error');
  }
}

/** The ticket from the store, or fetched (e.g. a notification about one not loaded yet). */
export async function ensureTicket(id) {
  const known = getState().tickets[id];
  if (known) return known;
  try {
    const t = await api.getTicket(id);
    upsertTickets([t]);
    return getState().tickets[id] || t;
  } catch {
    return null;
  }
}

async function refreshAudit(id) {
  try {
    const r = await api.audit(id);
    setAudit(id, r.items || []);
  } catch (err) {
    // The timeline still works without the activity lines.
    console.warn('audit unavailable', err);
  }
}

let auditTimer = null;
/** Called by the event stream for every ticket change. */
export function onTicketEvent(ticket) {
  const { selectedId } = getState();
  if (ticket.id !== selectedId) return;
  if (document.visibilityState === 'visible') markSeen(ticket);
  // Status/assignment changes write audit entries; batch bursts of events.
  clearTimeout(auditTimer);
  auditTimer = setTimeout(() => refreshAudit(ticket.id), 400);
}

export async function loadContact(contactId, { force = false } = {}) {
  if (contactId == null) return;
  if (!force && getState().contacts[contactId]) return;
  try {
    setContact(await api.getContact(contactId));
  } catch (err) {
    console.warn('contact unavailable', err);
  }
}

// ---------- ticket changes ----------

/** PATCH the ticket; a 409 for a bad transition is shown as the server wrote it. */
export async function patchTicket(id, patch) {
  try {
    const t = await api.patchTicket(id, patch);
    applyTickets([t], { fromEvent: true });
    refreshAudit(id);
    return t;
  } catch (err) {
    notify(err.message, 'error');
    return null;
  }
}

export function assignToMe(id) {
  const me = getState().agent;
  if (me) return patchTicket(id, { assignee_id: me.id });
}

// Tickets this agent just escalated or transferred: the event stream's
// "escalated"/"assigned" alerts about them would only echo the agent's own click.
const actedOn = new Map(); // ticketId -> ms

function noteOwnAction(id) {
  actedOn.set(id, Date.now());
}

export function recentlyActedOn(id, withinMs = 10_000) {
  const at = actedOn.get(id);
  return at != null && Date.now() - at < withinMs;
}

/**
 * Escalate with a reason; `team` is a team name, "management", or empty for
 * one level up. Throws ApiError so the dialog can show the server's message.
 */
export async function escalateTicket(id, { reason, team }) {
  noteOwnAction(id);
  const body = { reason };
  if (team) body.team = team;
  const applied = await api.escalate(id, body);
  // The event stream brings the new team/queue too; don't wait for it.
  api.getTicket(id).then((t) => applyTickets([t], { fromEvent: true })).catch(() => {});
  refreshAudit(id);
  return applied;
}

/** Transfer to a team's queue and/or an agent, with a note kept on the ticket. Throws ApiError. */
export async function transferTicket(id, { teamId, agentId, note }) {
  noteOwnAction(id);
  const body = {};
  if (teamId != null) body.team_id = teamId;
  if (agentId != null) body.agent_id = agentId;
  if (note) body.note = note;
  const t = await api.transfer(id, body);
  applyTickets([t], { fromEvent: true });
  refreshAudit(id);
  return t;
}

// ---------- me ----------

/** The header's status switch. */
export async function setAvailability(availability) {
  try {
    upsertAgent(await api.setAvailability(availability));
  } catch (err) {
    notify(err.message, 'error');
    // Repaint the switch with the value we still have.
    update((s) => ({ agent: { ...s.agent } }));
  }
}

let meTimer = null;
/** Refetch /me (my load) shortly, once per burst of ticket changes. */
export function scheduleMeRefresh() {
  clearTimeout(meTimer);
  meTimer = setTimeout(async () => {
    try { upsertAgent(await api.me()); } catch { /* the next event retries */ }
  }, 700);
}

// ---------- sending ----------

/** Returns the message, or throws ApiError (the composer handles window_closed). */
export async function sendMessage(ticketId, body) {
  const msg = await api.sendMessage(ticketId, body);
  if (msg) upsertMessages([msg], { preferExisting: true });
  return msg;
}

/** opts: {whisper, mention_ids} */
export async function addNote(ticketId, text, opts = {}) {
  const msg = await api.addNote(ticketId, { text, ...opts });
  if (msg) upsertMessages([msg], { preferExisting: true });
  return msg;
}

export async function retryMessage(message) {
  try {
    await api.retryMessage(message.id);
    // Optimistically show it queued again; the event stream confirms.
    upsertMessages([{ ...message, status: 'queued', error: null }]);
  } catch (err) {
    notify(err.message, 'error');
  }
}

export async function patchContact(id, patch) {
  try {
    setContact(await api.patchContact(id, patch));
  } catch (err) {
    notify(err.message, 'error');
  }
}

// ---------- reference data ----------

export async function loadDirectory() {
  const [agents, teams] = await Promise.allSettled([api.agents(), api.teams()]);
  update({
    agents: agents.status === 'fulfilled' ? agents.value.items : [],
    teams: teams.status === 'fulfilled' ? teams.value.items : [],
  });
}

/** Queues: who is online with room, what each team escalates to. */
export async function loadQueues() {
  try {
    const r = await api.queues();
    update({ queues: r.teams || [] });
  } catch (err) {
    console.warn('queues unavailable', err);
  }
}

/** Move the selection through the visible list (j/k). */
export function moveSelection(delta) {
  const s = getState();
  const ids = visibleIds(s);
  if (!ids.length) return;
  const at = ids.indexOf(s.selectedId);
  const next = at < 0 ? (delta > 0 ? 0 : ids.length - 1)
    : Math.max(0, Math.min(ids.length - 1, at + delta));
  selectTicket(ids[next]);
  setUi({ pane: 'conversation' });
}
