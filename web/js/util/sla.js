// SLA countdown maths, mirroring the server's `sla::countdown` so a badge can
// tick on the client without refetching: the server sends the deadlines
// (absolute Unix ms), we compare them with the clock. Pure, no DOM.

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const TARGET_LABELS = { first_response: 'First response', resolution: 'Resolution' };

export function targetLabel(target) {
  return TARGET_LABELS[target] || String(target || 'SLA').replace(/_/g, ' ');
}

/**
 * The ticket's SLA at `now`:
 * {state: 'ok'|'warning'|'breached'|'paused'|'met'|'none', target, dueAt, remainingMs, warnAt}.
 * A target is pending while the server sends both its warn and due instants
 * (they are cleared once met, and all of them while the clock is paused).
 * Like the server, the state is the worst over pending targets while the
 * countdown is to the one due first.
 */
export function slaAt(sla, now) {
  if (!sla) return { state: 'none' };
  const pending = [];
  if (sla.first_response_warn_at != null && sla.first_response_due_at != null) {
    pending.push({ target: 'first_response', warnAt: sla.first_response_warn_at, dueAt: sla.first_response_due_at });
  }
  if (sla.resolution_warn_at != null && sla.resolution_due_at != null) {
    pending.push({ target: 'resolution', warnAt: sla.resolution_warn_at, dueAt: sla.resolution_due_at });
  }
  if (!pending.length) {
    // Nothing counting: the server says why (paused while pending, or met).
    return { state: sla.state === 'paused' ? 'paused' : sla.state === 'met' ? 'met' : 'none' };
  }
  const next = pending.reduce((a, b) => (b.dueAt < a.dueAt ? b : a));
  let state = 'ok';
  if (pending.some((p) => p.dueAt <= now)) state = 'breached';
  else if (pending.some((p) => p.warnAt <= now)) state = 'warning';
  return { state, target: next.target, dueAt: next.dueAt, warnAt: next.warnAt, remainingMs: next.dueAt - now };
}

/**
 * Milliseconds until this SLA's display next changes on its own (a threshold
 * is crossed, or a seconds countdown moves): lets one shared timer tick fast
 * only when something is about to change.
 */
export function msUntilChange(sla, now) {
  const v = slaAt(sla, now);
  if (v.remainingMs == null) return Infinity;
  if (Math.abs(v.remainingMs) < 2 * MINUTE) return SECOND; // shows seconds
  let soonest = Infinity;
  for (const at of [sla.first_response_warn_at, sla.first_response_due_at, sla.resolution_warn_at, sla.resolution_due_at]) {
    if (at != null && at > now) soonest = Math.min(soonest, at - now);
  }
  // Also when the minutes figure would change.
  const intoMinute = Math.abs(v.remainingMs) % MINUTE;
  return Math.min(soonest, (v.remainingMs > 0 ? intoMinute : MINUTE - intoMinute) + 1);
}

/**
 * Compact signed duration for badges: "45s", "12m", "2h 5m", "19h", "3d";
 * negative values (late) get a leading "-". Truncated toward zero so a
 * countdown never claims more time than is left.
 */
export function shortDuration(ms) {
  const sign = ms < 0 ? '-' : '';
  const a = Math.abs(ms);
  if (a < MINUTE) return `${sign}${Math.floor(a / SECOND)}s`;
  if (a < HOUR) return `${sign}${Math.floor(a / MINUTE)}m`;
  if (a < 10 * HOUR) {
    const h = Math.floor(a / HOUR);
    const m = Math.floor((a % HOUR) / MINUTE);
    return `${sign}${h}h${m ? ` ${m}m` : ''}`;
  }
  if (a < 2 * DAY) return `${sign}${Math.floor(a / HOUR)}h`;
  return `${sign}${Math.floor(a / DAY)}d`;
}

/** Unsigned words for sentences: "12 minutes" reads better to screen readers than "12m". */
export function spokenDuration(ms) {
  const a = Math.abs(ms);
  const plural = (n, unit) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (a < MINUTE) return plural(Math.floor(a / SECOND), 'second');
  if (a < HOUR) return plural(Math.floor(a / MINUTE), 'minute');
  if (a < DAY) {
    const h = Math.floor(a / HOUR);
    const m = Math.floor((a % HOUR) / MINUTE);
    return h < 10 && m ? `${plural(h, 'hour')} ${plural(m, 'minute')}` : plural(h, 'hour');
  }
  return plural(Math.floor(a / DAY), 'day');
}

/** "First response due in 12m" / "Resolution breached 5m ago" / "SLA paused". */
export function slaSentence(v, { spoken = false } = {}) {
  const dur = spoken ? spokenDuration : (ms) => shortDuration(Math.abs(ms));
  switch (v.state) {
    case 'ok':
    case 'warning':
      return `${targetLabel(v.target)} due in ${dur(v.remainingMs)}`;
    case 'breached':
      // The next target may still be ahead while an earlier one was missed.
      return v.remainingMs < 0
        ? `${targetLabel(v.target)} breached ${dur(v.remainingMs)} ago`
        : `SLA breached · ${targetLabel(v.target).toLowerCase()} due in ${dur(v.remainingMs)}`;
    case 'paused':
      return 'SLA paused (waiting on the customer)';
    case 'met':
      return 'SLA met';
    default:
      return '';
  }
}

