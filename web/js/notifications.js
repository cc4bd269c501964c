// Alerts for the signed-in agent: a ticket assigned to them, an SLA warning or
// breach, an escalation, a note that mentions them. The server names who should hear about each event
// (`notify_agent_ids`: the assignee, the team lead, the previous assignee);
// everyone else's inbox just updates quietly. Each alert is a toast, plus a
// desktop notification when the agent turned those on (the bell in the
// header) and this tab isn't the one they are looking at.
import { getState, serverNow } from './store.js';
import { ensureTicket, selectTicket, recentlyActedOn } from './actions.js';
import { notify } from './views/toast.js';
import { contactName, clockTime } from './util/format.js';
import { targetLabel, shortDuration } from './util/sla.js';

const PREF_KEY = 'parley.desktopAlerts';

export function desktopSupported() {
  return typeof window.Notification === 'function';
}

/** 'unsupported' | 'default' | 'granted' | 'denied' */
export function desktopPermission() {
  return desktopSupported() ? Notification.permission : 'unsupported';
}

/** The agent's choice (only meaningful once the browser granted permission). */
export function desktopAlertsOn() {
  try { return localStorage.getItem(PREF_KEY) !== 'off'; } catch { return true; }
}

export function setDesktopAlerts(on) {
  try { localStorage.setItem(PREF_KEY, on ? 'on' : 'off'); } catch { /* the default then: on */ }
}

/**
 * Ask the browser for permission. Browsers only allow this from a user
 * gesture, so it is called from the bell's click handler, never on load.
 */
export async function requestDesktopPermission() {
  if (!desktopSupported()) return 'unsupported';
  const result = await Notification.requestPermission();
  if (result === 'granted') setDesktopAlerts(true);
  return result;
}

/** Event stream → alert, if the event concerns me. */
export async function alertFromEvent(event, payload) {
  const me = getState().agent;
  if (!me || !payload || !Array.isArray(payload.notify_agent_ids)) return;
  if (!payload.notify_agent_ids.includes(me.id)) return;
  const ticketId = payload.ticket_id;
  // My own escalation or transfer: the dialog already confirmed it.
  if ((event === 'ticket.escalated' || event === 'ticket.assigned') && recentlyActedOn(ticketId)) return;
  const ticket = await ensureTicket(ticketId);
  const who = ticket ? `${contactName(ticket.contact)} (#${ticketId})` : `Ticket #${ticketId}`;
  const alert = describe(event, payload, who, me, ticket);
  if (!alert) return;
  notify(alert.text, alert.kind, {
    timeout: alert.kind === 'error' ? 15_000 : 10_000,
    action: { label: 'Open', onClick: () => openTicket(ticketId) },
  });
  showDesktop(alert, ticketId, event);
}

function describe(event, p, who, me, ticket) {
  switch (event) {
    case 'ticket.assigned':
      if (p.agent_id != null && p.agent_id !== me.id) return null;
      return { title: 'New conversation for you', body: who, text: `Assigned to you: ${who}`, kind: 'info' };
    case 'sla.warning': {
      // The event's due_at is when the warning fired; the target's own due
      // time is on the ticket (a warning doesn't move it).
      const due = ticket?.sla?.[`${p.target}_due_at`];
      const left = due != null ? due - serverNow() : null;
      const when = left != null && left > 0 ? ` due in ${shortDuration(left)}` : ' due soon';
      const what = `${targetLabel(p.target)}${when}`;
      return { title: `SLA warning: ${what}`, body: who, text: `SLA warning: ${what.toLowerCase()} · ${who}`, kind: 'warning' };
    }
    case 'sla.breached': {
      const at = p.due_at != null ? ` (was due ${clockTime(p.due_at)})` : '';
      const what = `${targetLabel(p.target)} breached`;
      return { title: `SLA breached: ${what.toLowerCase()}`, body: `${who}${at}`, text: `${what}${at} · ${who}`, kind: 'error' };
    }
    case 'ticket.mentioned': {
      const by = p.author?.name || 'Someone';
      const what = p.whisper ? `${by} whispered to you` : `${by} mentioned you`;
      const excerpt = (p.text || '').length > 120 ? `${p.text.slice(0, 117)}…` : (p.text || '');
      return { title: `${what} · ${who}`, body: excerpt, text: `${what} on ${who}: “${excerpt}”`, kind: 'info' };
    }
    case 'ticket.escalated': {
      const e = p.escalation || {};
      const where = e.to_team ? ` to ${e.to_team}` : '';
      const why = e.trigger ? `: ${e.trigger}` : '';
      return { title: `Escalated${where}`, body: `${who}${why}`, text: `Escalated${where}${why} · ${who}`, kind: 'warning' };
    }
    default:
      return null;
  }
}

function openTicket(id) {
  window.focus();
  selectTicket(id);
}

function showDesktop(alert, ticketId, event) {
  if (desktopPermission() !== 'granted' || !desktopAlertsOn()) return;
  // The toast is enough for someone looking at this tab.
  if (document.visibilityState === 'visible' && document.hasFocus()) return;
  try {
    const n = new Notification(alert.title, {
      body: alert.body,
      // One per ticket and kind: several open tabs (or a repeat) replace, not stack.
      tag: `parley-${event}-${ticketId}`,
    });
    n.onclick = () => { openTicket(ticketId); n.close(); };
  } catch (err) {
    // Some platforms (Android Chrome) only allow notifications from a service worker.
    console.warn('desktop notification failed', err);
  }
}
