// Formatting helpers shared by the inbox views. Pure functions, no DOM.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "now", "5m", "3h", "2d", then a date: compact ages for the ticket list. */
export function relativeAge(ms, now = Date.now()) {
  if (!ms) return '';
  const d = Math.max(0, now - ms);
  if (d < MINUTE) return 'now';
  if (d < HOUR) return `${Math.floor(d / MINUTE)}m`;
  if (d < DAY) return `${Math.floor(d / HOUR)}h`;
  if (d < 7 * DAY) return `${Math.floor(d / DAY)}d`;
  return new Date(ms).toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
}

/** "in 3h" / "5m ago" for things like the window expiry. */
export function relativeFromNow(ms, now = Date.now()) {
  if (!ms) return '';
  const future = ms > now;
  const age = relativeAge(future ? now - (ms - now) : ms, now);
  if (age === 'now') return 'now';
  return future ? `in ${age}` : `${age} ago`;
}

export function clockTime(ms) {
  if (!ms) return '';
  const date = new Date(ms);
  const sameDay = new Date().toDateString() === date.toDateString();
  const time = date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  return sameDay ? time : `${date.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })} ${time}`;
}

export function fullDateTime(ms) {
  return ms ? new Date(ms).toLocaleString() : '';
}

/** The best human name for a contact: name, then phone, then ids. */
export function contactName(contact) {
  if (!contact) return 'Unknown';
  return contact.name || formatPhone(contact.phone || contact.wa_id) || contact.user_id || `Contact ${contact.id}`;
}

/** Light formatting for display only: keep what the server gave, add a "+". */
export function formatPhone(phone) {
  if (!phone) return '';
  const s = String(phone).trim();
  return /^\d+$/.test(s) ? `+${s}` : s;
}

export const STATUS_LABELS = {
  new: 'New',
  assigned: 'Assigned',
  in_progress: 'In progress',
  pending: 'Pending',
  resolved: 'Resolved',
  closed: 'Closed',
};

export const PRIORITY_LABELS = { low: 'Low', medium: 'Medium', high: 'High', urgent: 'Urgent' };

export const PRIORITIES = ['low', 'medium', 'high', 'urgent'];
export const STATUSES = ['new', 'assigned', 'in_progress', 'pending', 'resolved', 'closed'];

export function statusLabel(s) {
  return STATUS_LABELS[s] || s || '';
}

export function priorityLabel(p) {
  return PRIORITY_LABELS[p] || p || '';
}

export function fileSize(bytes) {
  if (bytes == null) return '';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** "assign" / "status_changed" → "Assign" / "Status changed". */
export function humanize(s) {
  const t = String(s || '').replace(/[._]/g, ' ').trim();
  return t.charAt(0).toUpperCase() + t.slice(1);
}

let languageNames = null;
/** "es" → "Spanish" (the code itself if the browser can't name it). */
export function languageName(code) {
  if (!code) return '';
  try {
    languageNames ??= new Intl.DisplayNames(['en'], { type: 'language' });
    return languageNames.of(code) || code;
  } catch {
    return code;
  }
}
