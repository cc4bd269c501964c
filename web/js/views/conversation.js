// Centre pane: header (who, which ticket), action bar, timeline, composer.
// Each part is its own module; this one only lays them out.
import { h } from '../util/dom.js';
import { watch, setUi } from '../store.js';
import {
  contactName, formatPhone, statusLabel, languageName, humanize, fullDateTime,
} from '../util/format.js';
import { mountActionBar } from './action-bar.js';
import { slaLine } from './sla-badge.js';
import { mountTimeline } from './timeline.js';
import { mountComposer } from './composer.js';
import { othersOn } from '../presence.js';

export function mountConversation(root) {
  const back = h('button.btn.btn-icon.only-narrow', {
    type: 'button', 'aria-label': 'Back to the list', onclick: () => setUi({ pane: 'list' }),
  }, '←');
  const title = h('h2.conv-title', { id: 'conv-title' });
  const sub = h('p.conv-sub');
  // Routing facts and the SLA countdown: the second line of the header.
  // Focusable: on a phone it scrolls sideways, and keyboard users must reach that too.
  const meta = h('p.conv-meta', { tabindex: '0', role: 'group', 'aria-label': 'Ticket details' });
  // Who else has this conversation open, and who is typing: live.
  const presence = h('p.conv-presence', { 'aria-live': 'polite', hidden: true });
  const contactBtn = h('button.btn.btn-small.contact-toggle', {
    type: 'button', 'aria-controls': 'contact-pane',
    onclick: () => setUi({ contactOpen: !document.body.classList.contains('contact-open') }),
  }, 'Contact');
  const header = h('header.conv-header', back, h('div.conv-heading', title, sub, meta, presence), contactBtn);
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
        t.assignee ? `Assigned to ${t.assignee.name}` : 'Unassigned']
        .filter(Boolean).join(' · '));
    meta.replaceChildren(...routingFacts(t));
  });

  let shownPresence = null;
  watch((s) => s.presence[s.selectedId], (_, s) => {
    const others = othersOn(s.selectedId, s);
    const key = JSON.stringify(others.map((p) => [p.agent_id, p.typing]));
    if (key === shownPresence) return;
    shownPresence = key;
    presence.hidden = !others.length;
    presence.replaceChildren(...others.map((p) => h(`span.presence-chip${p.typing ? '.is-typing' : ''}`,
      { dataset: { agent: p.agent_id } },
      h('span.presence-dot', { 'aria-hidden': 'true' }),
      p.typing ? `${p.name} is typing a reply…` : `${p.name} is viewing`)));
  });
}

function routingFacts(t) {
  return [
    slaLine(t),
    t.team ? fact('Team', t.team.name) : null,
    t.queued_at ? h('span.badge.badge-queued', { title: `In the queue since ${fullDateTime(t.queued_at)}` }, 'queued') : null,
    t.escalation_level > 0 ? h('span.badge.badge-esc', {
      title: t.escalated_at ? `Last escalated ${fullDateTime(t.escalated_at)}` : null,
    }, `⇧${t.escalation_level} escalated`) : null,
    t.language ? fact('Language', languageName(t.language)) : null,
    t.issue_type ? fact('Issue', humanize(t.issue_type)) : null,
    t.bot_only ? h('span.badge.badge-muted', { title: 'Left with the bot (outside business hours)' }, 'bot only') : null,
  ].filter(Boolean);
}

/** "Team Billing", the label in the muted colour. */
function fact(label, value) {
  return h('span.fact', h('span.fact-label', `${label} `), value);
}
