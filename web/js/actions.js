// Operations the views trigger: each calls the API and writes the result into
// the store. Views never call api.js directly for data they display, so there
// is exactly one path by which state changes.
import { api } from './api.js';
import {
  getState, update, setList, upsertTickets, setMessages, upsertMessages,
  setAudit, setContact, markSeen, setUi, saveView,
} from './store.js';
import { buildQuery } from './query.js';
import { notify } from './views/toast.js';

const PAGE = 50;
let listAbort = null;

/** (Re)load the first page of the list for the current view + filters. */
export async function reloadList() {
  const s = getState();
  const query = buildQuery(s.view, s.filters);
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
  const ticket = getState().tickets[id];
  if (ticket) {
    if (getState().selectedId === id) markSeen(ticket);
    loadContact(ticket.contact?.id);
  }
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
    upsertTickets([t], { fromEvent: true });
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

// ---------- sending ----------

/** Returns the message, or throws ApiError (the composer handles window_closed). */
export async function sendMessage(ticketId, body) {
  const msg = await api.sendMessage(ticketId, body);
  if (msg) upsertMessages([msg], { preferExisting: true });
  return msg;
}

export async function addNote(ticketId, text) {
  const msg = await api.addNote(ticketId, text);
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

/** Move the selection through the visible list (j/k). */
export function moveSelection(delta) {
  const { list, selectedId } = getState();
  if (!list.ids.length) return;
  const at = list.ids.indexOf(selectedId);
  const next = at < 0 ? (delta > 0 ? 0 : list.ids.length - 1)
    : Math.max(0, Math.min(list.ids.length - 1, at + delta));
  selectTicket(list.ids[next]);
  setUi({ pane: 'conversation' });
}
