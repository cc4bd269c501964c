// Connects the inbox to /api/v1/events and feeds every event into the store.
// After a reconnect we may have missed events, so we refetch the list and the
// open conversation.
import { connectSse } from './sse.js';
import { authHeaders } from './api.js';
import { update, upsertTickets, upsertMessages } from './store.js';
import { reloadList, refreshOpenTicket, onTicketEvent } from './actions.js';

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
    return;
  }
  let payload;
  try { payload = JSON.parse(data); } catch { return; }
  switch (event) {
    case 'ticket.created':
    case 'ticket.updated':
      if (payload.ticket) {
        upsertTickets([payload.ticket], { fromEvent: true });
        onTicketEvent(payload.ticket);
      }
      break;
    case 'message.created':
    case 'message.updated':
      if (payload.message) upsertMessages([payload.message]);
      break;
    default:
      // Unknown events (presence, SLA, …) arrive in later issues; ignore them.
      break;
  }
}
