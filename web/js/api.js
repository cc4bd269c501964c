// Thin client for /api/v1. Every call carries the bearer token; errors come
// back as ApiError carrying the server's {error:{code,message}} so views can
// show the message as-is. A 401 anywhere means the session is gone: we notify
// one listener (main.js) which sends the agent back to sign-in.
import { getToken } from './session.js';

export class ApiError extends Error {
  constructor(status, code, message, body) {
    super(message || `Request failed (${status})`);
    this.status = status;
    this.code = code || `http_${status}`;
    this.body = body;
  }
}

let onUnauthorized = () => {};
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

export function authHeaders(extra = {}) {
  const token = getToken();
  return token ? { ...extra, Authorization: `Bearer ${token}` } : { ...extra };
}

async function request(method, path, { body, query, form, raw, signal, keepalive } = {}) {
  let url = `/api/v1${path}`;
  if (query) {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v != null && v !== '') qs.set(k, String(v));
    const s = qs.toString();
    if (s) url += `?${s}`;
  }
  const headers = authHeaders({ Accept: 'application/json' });
  let payload;
  if (form) payload = form; // the browser sets the multipart boundary itself
  else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(url, { method, headers, body: payload, signal, keepalive });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'Cannot reach the server. Check your connection.');
  }
  if (res.status === 401 && path !== '/auth/login') {
    onUnauthorized();
  }
  if (!res.ok) {
    let data = null;
    try { data = await res.json(); } catch { /* not JSON */ }
    const e = data && data.error;
    throw new ApiError(res.status, e && e.code, (e && e.message) || res.statusText, data);
  }
  if (raw) return res;
  if (res.status === 204) return null;
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

const enc = encodeURIComponent;

export const api = {
  login: (email, password) => request('POST', '/auth/login', { body: { email, password } }),
  logout: () => request('POST', '/auth/logout'),
  me: () => request('GET', '/me'),
  /** 'online' | 'away' | 'offline'; only online agents are given new tickets. */
  setAvailability: (availability) => request('PUT', '/me/availability', { body: { availability } }),

  listTickets: (query, signal) => request('GET', '/tickets', { query, signal }),
  viewCounts: () => request('GET', '/tickets/counts'),
  search: (query, signal) => request('GET', '/search', { query, signal }),
  getTicket: (id) => request('GET', `/tickets/${enc(id)}`),
  patchTicket: (id, patch) => request('PATCH', `/tickets/${enc(id)}`, { body: patch }),
  messages: (id) => request('GET', `/tickets/${enc(id)}/messages`),
  sendMessage: (id, body) => request('POST', `/tickets/${enc(id)}/messages`, { body }),
  /** {text, whisper?, mention_ids?} */
  addNote: (id, body) => request('POST', `/tickets/${enc(id)}/notes`, { body }),
  sendCsat: (id) => request('POST', `/tickets/${enc(id)}/csat`),
  readMentions: (id) => request('POST', `/tickets/${enc(id)}/mentions/read`),
  mentions: (query) => request('GET', '/mentions', { query }),
  /** 'viewing' | 'typing' | 'idle' | 'left' → {agents: [{agent_id, name, typing, since}]} */
  // keepalive: a 'left' sent as the page unloads still arrives.
  presence: (id, state) => request('POST', `/tickets/${enc(id)}/presence`, { body: { state }, keepalive: state === 'left' }),
  canned: (q) => request('GET', '/canned', { query: q ? { q } : undefined }),
  templates: (status = 'approved') => request('GET', '/templates', { query: { status } }),
  syncTemplates: () => request('POST', '/templates/sync'),
  fillCanned: (ticketId, cannedId) => request('GET', `/tickets/${enc(ticketId)}/canned/${enc(cannedId)}`),
  createCanned: (body) => request('POST', '/canned', { body }),
  updateCanned: (id, body) => request('PATCH', `/canned/${enc(id)}`, { body }),
  deleteCanned: (id) => request('DELETE', `/canned/${enc(id)}`),
  retryMessage: (messageId) => request('POST', `/messages/${enc(messageId)}/retry`),
  audit: (id) => request('GET', `/tickets/${enc(id)}/audit`),
  /** {reason, team?}: team is a team name or "management"; default one level up. */
  escalate: (id, body) => request('POST', `/tickets/${enc(id)}/escalate`, { body }),
  /** {team_id?, agent_id?, note?}: a team without an agent puts it in that team's queue. */
  transfer: (id, body) => request('POST', `/tickets/${enc(id)}/transfer`, { body }),

  getContact: (id) => request('GET', `/contacts/${enc(id)}`),
  patchContact: (id, patch) => request('PATCH', `/contacts/${enc(id)}`, { body: patch }),

  agents: () => request('GET', '/agents'),
  createAgent: (body) => request('POST', '/agents', { body }),
  updateAgent: (id, patch) => request('PATCH', `/agents/${enc(id)}`, { body: patch }),
  desk: () => request('GET', '/admin/desk'),
  putDesk: (spec) => request('PUT', '/admin/desk', { body: spec }),
  /** {text, language?, segment?, labels?, vip?, new_contact?, desk?}: what routing would do. */
  tryRouting: (body) => request('POST', '/routing/try', { body }),
  /** Settings → Knowledge base: the intents as the files hold them, edits written back into them. */
  kb: () => request('GET', '/admin/kb'),
  createIntent: (etag, intent) => request('POST', '/admin/kb/intents', { body: { etag, intent } }),
  updateIntent: (name, etag, intent) => request('PUT', `/admin/kb/intents/${enc(name)}`, { body: { etag, intent } }),
  deleteIntent: (name, etag) => request('DELETE', `/admin/kb/intents/${enc(name)}`, { query: { etag } }),
  tryKb: (text) => request('POST', '/admin/kb/try', { body: { text } }),
  csatSettings: () => request('GET', '/admin/csat'),
  putCsatSettings: (settings) => request('PUT', '/admin/csat', { body: settings }),
  teams: () => request('GET', '/teams'),
  queues: () => request('GET', '/queues'),

  uploadMedia: (file) => {
    const form = new FormData();
    form.append('file', file, file.name);
    return request('POST', '/media', { form });
  },
  /** Supervisors: the quality table ({from, to, group_by, period, tz}), volume heatmap, backlog. */
  reportQuality: (query) => request('GET', '/reports/quality', { query }),
  reportCsv: (query) => request('GET', '/reports/quality.csv', { query, raw: true }),
  reportVolume: (query) => request('GET', '/reports/volume', { query }),
  reportBacklog: (query = {}) => request('GET', '/reports/backlog', { query }),

  /** Returns the raw Response so the caller can take a Blob. */
  mediaResponse: (url) => request('GET', url.replace(/^\/api\/v1/, ''), { raw: true }),
};
