// Collision detection, this browser's half: while a conversation is open we
// tell the server every 10 s that we are viewing it, and while the reply box
// changes that we are typing (at most every 3 s). The server expires what we
// stop renewing and pushes `presence.changed` with everyone on the ticket.
import { api } from './api.js';
import { getState, setPresence } from './store.js';

const VIEW_EVERY_MS = 10_000;
const TYPING_EVERY_MS = 3_000;

let current = null; // ticket id we report on
let timer = null;
let lastTyping = 0;

function beat(id, state) {
  return api.presence(id, state)
    .then((r) => { if (r && (state !== 'left')) setPresence(id, r.agents); })
    .catch(() => { /* presence is best effort; the next beat retries */ });
}

/** The open conversation changed (null: none open). */
export function watchTicket(id) {
  if (id === current) return;
  if (current != null) beat(current, 'left');
  clearInterval(timer);
  current = id;
  lastTyping = 0;
  if (id == null) return;
  beat(id, 'viewing');
  timer = setInterval(() => beat(id, 'viewing'), VIEW_EVERY_MS);
}

/** A key went into the reply box. */
export function typing() {
  if (current == null) return;
  const now = Date.now();
  if (now - lastTyping < TYPING_EVERY_MS) return;
  lastTyping = now;
  beat(current, 'typing');
}

/** The reply was sent or cleared: still here, no longer typing. */
export function stoppedTyping() {
  if (current == null || !lastTyping) return;
  lastTyping = 0;
  beat(current, 'idle');
}

/** Signing out or closing the tab. */
export function leave() {
  if (current != null) beat(current, 'left');
  clearInterval(timer);
  current = null;
}

/** The others on a ticket (not me), for the conversation header. */
export function othersOn(ticketId, s = getState()) {
  const me = s.agent?.id;
  return (s.presence[ticketId] || []).filter((p) => p.agent_id !== me);
}
