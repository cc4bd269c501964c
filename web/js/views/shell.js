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
import { mountReports } from './reports.js';

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
  // Supervisors and admins only; the server refuses agents anyway.
  const reportsLink = h('a.btn.btn-small.reports-link', { href: '#reports', hidden: true, title: 'Reports' },
    h('span.reports-icon', { 'aria-hidden': 'true' }, '📊'), h('span.reports-text', 'Reports'));
  const top = h('header.topbar',
    navToggle,
    h('span.brand', h('span.logo', { 'aria-hidden': 'true' }, 'P'), 'Parley'),
    search,
    h('span.spacer'),
    conn,
    status,
    who,
    bell,
    reportsLink,
    h('button.btn.btn-icon.help-btn', { type: 'button', 'aria-label': 'Keyboard shortcuts', title: 'Keyboard shortcuts (?)', onclick: () => setUi({ helpOpen: true }) }, '?'),
    h('button.btn.btn-small', { type: 'button', onclick: onSignOut }, 'Sign out'));

  const sidebar = h('aside.sidebar#sidebar', { 'aria-label': 'Views and filters' });
  const list = h('section.list-pane', { 'aria-labelledby': 'list-title' });
  const conversation = h('main.conversation-pane', { 'aria-labelledby': 'conv-title' });
  const contact = h('aside.contact-pane#contact-pane', { 'aria-labelledby': 'contact-title' });
  const scrim = h('div.scrim', { onclick: () => setUi({ navOpen: false, contactOpen: false }) });
  const reports = h('main.reports-pane#reports', { 'aria-labelledby': 'reports-title', hidden: true });
  root.replaceChildren(top, h('div.layout', sidebar, list, conversation, contact, scrim), reports);
  const reportsView = mountReports(reports);

  mountSearch(search);
  mountSidebar(sidebar);
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
      reportsLink.hidden = !(a && (a.role === 'supervisor' || a.role === 'admin'));
    }),
    watch((s) => s.ui, (ui) => {
      const b = document.body.classList;
      b.toggle('pane-conversation', ui.pane === 'conversation');
      b.toggle('contact-open', ui.contactOpen);
      b.toggle('nav-open', ui.navOpen);
    }),
  ];
  /** Shows the Reports screen instead of the inbox panes (the #reports route). */
  function showReports(on) {
    const was = !reports.hidden;
    reports.hidden = !on;
    document.body.classList.toggle('reports-open', on);
    if (on) reportsLink.setAttribute('aria-current', 'page'); else reportsLink.removeAttribute('aria-current');
    if (on && !was) {
      reportsView.load();
      document.getElementById('reports-title')?.focus();
    }
  }
  const dispose = () => { unsubs.forEach((u) => u()); removeHelp(); };
  return { dispose, showReports };
}
