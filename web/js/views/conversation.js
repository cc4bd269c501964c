// Centre pane: header (who, which ticket), action bar, timeline, composer.
// Each part is its own module; this one only lays them out.
import { h } from '../util/dom.js';
import { watch, setUi } from '../store.js';
import { contactName, formatPhone, statusLabel } from '../util/format.js';
import { mountActionBar } from './action-bar.js';
import { mountTimeline } from './timeline.js';
import { mountComposer } from './composer.js';

export function mountConversation(root) {
  const back = h('button.btn.btn-icon.only-narrow', {
    type: 'button', 'aria-label': 'Back to the list', onclick: () => setUi({ pane: 'list' }),
  }, '←');
  const title = h('h2.conv-title', { id: 'conv-title' });
  const sub = h('p.conv-sub');
  const contactBtn = h('button.btn.btn-small.contact-toggle', {
    type: 'button', 'aria-controls': 'contact-pane',
    onclick: () => setUi({ contactOpen: !document.body.classList.contains('contact-open') }),
  }, 'Contact');
  const header = h('header.conv-header', back, h('div.conv-heading', title, sub), contactBtn);
  const actions = h('div.action-bar', { 'aria-label': 'Ticket actions', role: 'region' });
  const timeline = h('div.timeline-scroll', { tabindex: '0', 'aria-label': 'Messages', role: 'region' });
  const composer = h('div.composer');
  const placeholder = h('div.conv-empty',
    h('p', 'Select a conversation.'),
    h('p.muted', 'Tip: press ', h('kbd', 'j'), ' / ', h('kbd', 'k'), ' to move through the list and ', h('kbd', '?'), ' for all shortcuts.'));
  const body = h('div.conv-body', header, actions, timeline, composer);
  root.replaceChildren(placeholder, body);

  mountActionBar(actions);
  mountTimeline(timeline);
  mountComposer(composer);

  watch((s) => s.tickets[s.selectedId], (t) => {
    placeholder.hidden = Boolean(t);
    body.hidden = !t;
    if (!t) return;
    title.textContent = contactName(t.contact);
    const phone = formatPhone(t.contact?.phone || t.contact?.wa_id);
    sub.replaceChildren(
      [phone && phone !== title.textContent ? phone : null, `#${t.id}`, statusLabel(t.status),
        t.assignee ? `Assigned to ${t.assignee.name}` : 'Unassigned', t.team?.name]
        .filter(Boolean).join(' · '));
  });
}
