// Connects the inbox to /api/v1/events and feeds every event into the store.
// After a reconnect we may have missed events, so we refetch the list and the
// open conversation.
import { connectSse } from './sse.js';
import { authHeaders } from './api.js';
import { update, upsertMessages, upsertAgent, setPresence, getState, pushFloorEvent } from './store.js';
import {
  reloadList, refreshOpenTicket, onTicketEvent, loadDirectory, loadQueues, scheduleMeRefresh, applyTickets,
  refreshCounts,
} from './actions.js';
import { alertFromEvent } from './notifications.js';

let connection = null;

export function startEvents({ onUnauthorized }) {
  stopEvents();
  connection = connectSse('/api/v1/events', {
    headers: () => authHeaders(),
    onStatus: (c) => update({ connection: c }),
    onUnauthorized,
    onOpen: (isReconnect) => {
      if (isReconnect) {
        reloadList();
        refreshOpenTicket();
        refreshCounts({ now: true });
        loadDirectory(); // availability and load may have moved meanwhile
        scheduleMeRefresh();
      }
    },
    onEvent: handle,
  });
}

export function stopEvents() {
  connection?.close();
  connection = null;
}

function handle({ event, data }) {
  if (event === 'resync') {
    // We fell too far behind and events were dropped: refetch what we show.
    reloadList();
    refreshOpenTicket();
    refreshCounts({ now: true });
    return;
  }
  let payload;
  try { payload = JSON.parse(data); } catch { return; }
  switch (event) {
    case 'ticket.created':
    case 'ticket.updated':
      if (payload.ticket) {
        applyTickets([payload.ticket], { fromEvent: true });
        onTicketEvent(payload.ticket);
        refreshCounts();
      }
      break;
    case 'agent.updated':
      upsertAgent(payload.agent);
      break;
    case 'desk.updated':
      // Teams, leads or escalation paths changed; SLA deadlines are being
      // recomputed, so the list and the open ticket are refetched shortly.
      loadDirectory();
      loadQueues();
      setTimeout(() => { reloadList(); refreshOpenTicket(); }, 2000);
      break;
    case 'ticket.assigned':
    case 'sla.warning':
    case 'sla.breached':
    case 'ticket.escalated':
      // The ticket itself follows as ticket.updated; this is the alert.
      alertFromEvent(event, payload);
      if (event !== 'ticket.assigned') pushFloorEvent({ event, payload, at: Date.now() });
      break;
    case 'message.created':
    case 'message.updated':
      if (payload.message) upsertMessages([payload.message]);
      break;
    case 'ticket.mentioned': {
      // Sent only to the mentioned agents: an alert, the badge, and the
      // mentions list if it is the one on screen (it can't update live).
      alertFromEvent(event, payload);
      refreshCounts({ now: true });
      if (getState().view === 'mentions') reloadList();
      break;
    }
    case 'mentions.read':
      refreshCounts({ now: true });
      break;
    case 'presence.changed':
      setPresence(payload.ticket_id, payload.agents || []);
      break;
    case 'templates.updated':
      // A sync or a status webhook: the template picker reloads its list.
      update((s) => ({ templatesVersion: (s.templatesVersion || 0) + 1 }));
      break;
    default:
      // Events from newer servers: ignore what we don't know.
      break;
  }
}
