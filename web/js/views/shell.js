// The signed-in layout: top bar plus the four panes. Pane visibility on
// narrow screens is driven by store.ui through classes on <body>.
import { h } from '../util/dom.js';
import { watch, setUi } from '../store.js';
import { mountSidebar } from './sidebar.js';
import { mountTicketList } from './ticket-list.js';
import { mountConversation } from './conversation.js';
import { mountContactPanel } from './contact-panel.js';
import { mountShortcutsHelp } from './shortcuts-help.js';
import { mountAvailability } from './availability.js';
import { mountAlertBell } from './alert-bell.js';
import { mountEscalateDialog } from './escalate-dialog.js';
import { mountTransferDialog } from './transfer-dialog.js';
import { mountSearch } from './search.js';
import { SCREENS, canSee } from '../screens.js';
import { mountFloor } from './floor.js';
import { mountSettings } from './settings.js';
import { mountReports } from './reports.js';

// Screens other than the inbox, mounted the first time they are opened; a
// screen whose mount returns {load} is reloaded each time it is shown.
const MOUNT = { floor: mountFloor, settings: mountSettings, reports: mountReports };

const CONNECTION_LABELS = { live: 'Live', connecting: 'Connecting…', offline: 'Offline, reconnecting…' };

export function mountShell(root, { onSignOut }) {
  const conn = h('span.connection', { role: 'status' });
  const who = h('span.who');
  const status = h('div.my-status', { role: 'group', 'aria-label': 'Your status and load' });
  const bell = h('span.bell-slot');
  const search = h('div.search', { role: 'search' });
  const navToggle = h('button.btn.btn-icon.nav-toggle', {
    type: 'button', 'aria-label': 'Views and filters', 'aria-controls': 'sidebar',
    onclick: () => setUi({ navOpen: !document.body.classList.contains('nav-open') }),
  }, '☰');
  const nav = h('nav.screen-nav', { 'aria-label': 'Screens' });
  const top = h('header.topbar',
    navToggle,
    h('span.brand', h('span.logo', { 'aria-hidden': 'true' }, 'P'), 'Parley'),
    nav,
    search,
    h('span.spacer'),
    conn,
    status,
    who,
    bell,
    h('button.btn.btn-icon.help-btn', { type: 'button', 'aria-label': 'Keyboard shortcuts', title: 'Keyboard shortcuts (?)', onclick: () => setUi({ helpOpen: true }) }, '?'),
    h('button.btn.btn-small.signout-btn', { type: 'button', onclick: onSignOut }, 'Sign out'));

  const sidebar = h('aside.sidebar#sidebar', { 'aria-label': 'Views and filters' });
  const list = h('section.list-pane', { 'aria-labelledby': 'list-title' });
  const conversation = h('main.conversation-pane', { 'aria-labelledby': 'conv-title' });
  const contact = h('aside.contact-pane#contact-pane', { 'aria-labelledby': 'contact-title' });
  const scrim = h('div.scrim', { onclick: () => setUi({ navOpen: false, contactOpen: false }) });
  const layout = h('div.layout', sidebar, list, conversation, contact, scrim);
  // On a phone the screen links are in the inbox's drawer; this is the way back.
  const screens = h('div.screen-host', h('a.screen-back', { href: '#' }, '← Inbox'));
  root.replaceChildren(top, layout, screens);
  const mounted = {};
  const views = {};

  mountSearch(search);
  mountSidebar(sidebar);
  // On a phone the top bar has no room for the screens and "Sign out": they
  // live at the bottom of the views drawer instead.
  const drawerScreens = h('nav.drawer-screens', { 'aria-label': 'Screens' });
  sidebar.append(h('div.drawer-extra', drawerScreens,
    h('button.btn.btn-small', { type: 'button', onclick: onSignOut }, 'Sign out')));
  mountTicketList(list);
  mountConversation(conversation);
  mountContactPanel(contact);
  mountAvailability(status);
  mountAlertBell(bell);
  mountEscalateDialog();
  mountTransferDialog();
  const removeHelp = mountShortcutsHelp();

  const unsubs = [
    watch((s) => s.connection, (c) => {
      // The dot stays on narrow screens; the words become screen-reader only there.
      conn.replaceChildren(h('span.connection-text', CONNECTION_LABELS[c] || c));
      conn.title = CONNECTION_LABELS[c] || c;
      conn.dataset.state = c;
    }),
    watch((s) => s.agent, (a) => {
      who.textContent = a ? `${a.name} (${a.role})` : '';
      const links = () => SCREENS.filter((x) => canSee(a, x)).map((x) => h('a.screen-link', {
        href: x.id === 'inbox' ? '#' : `#${x.id}`, dataset: { screen: x.id },
      }, x.label));
      nav.replaceChildren(...links());
      drawerScreens.replaceChildren(...links());
    }),
    watch((s) => s.ui.screen, (screen, s) => {
      const def = SCREENS.find((x) => x.id === screen);
      const allowed = def && canSee(s.agent, def) ? screen : 'inbox';
      for (const a of document.querySelectorAll('.screen-link')) {
        a.setAttribute('aria-current', a.dataset.screen === allowed ? 'page' : 'false');
      }
      layout.hidden = allowed !== 'inbox';
      screens.hidden = allowed === 'inbox';
      document.body.dataset.screen = allowed;
      const fresh = allowed !== 'inbox' && !mounted[allowed];
      if (fresh) {
        mounted[allowed] = h(`section.screen.screen-${allowed}#${allowed}`, { 'aria-label': def.label });
        screens.append(mounted[allowed]);
        views[allowed] = MOUNT[allowed](mounted[allowed]);
      }
      const wasHidden = mounted[allowed]?.hidden;
      for (const [id, el] of Object.entries(mounted)) el.hidden = id !== allowed;
      if (allowed !== 'inbox' && (fresh || wasHidden) && views[allowed]?.load) views[allowed].load();
    }),
    watch((s) => s.ui, (ui) => {
      const b = document.body.classList;
      b.toggle('pane-conversation', ui.pane === 'conversation');
      b.toggle('contact-open', ui.contactOpen);
      b.toggle('nav-open', ui.navOpen);
    }),
  ];
  return () => { unsubs.forEach((u) => u()); removeHelp(); };
}
