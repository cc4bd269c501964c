// Entry point: decide between sign-in and the inbox, then wire the store,
// the event stream, keyboard shortcuts and the views together.
import { api, setUnauthorizedHandler } from './api.js';
import { getToken, setToken } from './session.js';
import { update, getState, markSeen } from './store.js';
import { startEvents, stopEvents } from './events.js';
import { reloadList, loadDirectory, selectTicket, refreshCounts } from './actions.js';
import { installKeyboard } from './keyboard.js';
import { watchTicket, leave } from './presence.js';
import { watch } from './store.js';
import { renderLogin } from './views/login.js';
import { mountShell } from './views/shell.js';
import { h } from './util/dom.js';

const root = document.getElementById('app');

// Signing out (or losing the session) reloads the page: every module-level
// subscription and timer starts from scratch, so nothing leaks between agents.
function endSession() {
  stopEvents();
  setToken(null);
  location.replace(location.pathname);
}

setUnauthorizedHandler(endSession);

async function boot() {
  if (!getToken()) return showLogin();
  root.replaceChildren(h('p.boot', 'Loading…'));
  try {
    const agent = await api.me();
    startApp(agent);
  } catch (err) {
    if (err.status === 401) return; // endSession already ran
    root.replaceChildren(h('div.boot',
      h('p', `Could not load the inbox: ${err.message}`),
      h('button.btn.btn-primary', { type: 'button', onclick: boot }, 'Try again'),
      h('button.btn.btn-link', { type: 'button', onclick: endSession }, 'Sign in again')));
  }
}

function showLogin() {
  renderLogin(root, {
    onSignedIn: ({ token, agent }) => {
      setToken(token);
      startApp(agent);
    },
  });
}

function startApp(agent) {
  update({ agent });
  const shell = mountShell(root, {
    onSignOut: async () => {
      leave();
      try { await api.logout(); } catch { /* signing out locally is what matters */ }
      endSession();
    },
  });
  installKeyboard();
  loadDirectory();
  reloadList();
  refreshCounts({ now: true });
  // "At risk" grows as deadlines pass, with no event to say so.
  setInterval(() => refreshCounts(), 30_000);
  startEvents({ onUnauthorized: endSession });

  // Deep links: #ticket=123 opens that conversation, #reports the Reports
  // screen (anything else is the inbox).
  const openFromHash = () => {
    shell.showReports(location.hash === '#reports');
    const m = /^#ticket=(\d+)$/.exec(location.hash);
    if (m && Number(m[1]) !== getState().selectedId) selectTicket(Number(m[1]));
  };
  window.addEventListener('hashchange', openFromHash);
  openFromHash();

  // Collision detection: tell the others which conversation is open here.
  watch((s) => s.selectedId, (id) => watchTicket(id));
  window.addEventListener('pagehide', () => leave());

  // Coming back to the tab counts as seeing the open conversation.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState !== 'visible') return;
    const s = getState();
    markSeen(s.tickets[s.selectedId]);
  });
}

boot();
