// Right pane: who the customer is. Tags, segment, VIP and attributes are
// editable; previous tickets open on click.
import { h, rerender } from '../util/dom.js';
import { watch, setUi } from '../store.js';
import { patchContact, selectTicket, loadContact } from '../actions.js';
import { contactName, formatPhone, relativeAge, statusLabel, priorityLabel } from '../util/format.js';

export function mountContactPanel(root) {
  let last = {};
  watch((s) => s, (s) => {
    const t = s.tickets[s.selectedId];
    const contactId = t?.contact?.id;
    const contact = contactId != null ? s.contacts[contactId] : null;
    if (contactId === last.contactId && contact === last.contact && t?.id === last.ticketId) return;
    last = { contactId, contact, ticketId: t?.id };
    rerender(root, t ? render(t, contact)
      : [h('div.pane-header', h('h2.pane-title', { id: 'contact-title' }, 'Contact')),
        h('p.muted.contact-empty', 'The customer’s details show here when a conversation is open.')]);
  });
}

function render(t, c) {
  const close = h('button.btn.btn-icon.contact-close', {
    type: 'button', 'aria-label': 'Close contact panel', onclick: () => setUi({ contactOpen: false }),
  }, '×');
  const basic = c || { ...t.contact, tags: [], attributes: {}, tickets: [] };
  const phone = formatPhone(basic.phone || basic.wa_id);
  return [
    h('div.pane-header', h('h2.pane-title', { id: 'contact-title' }, 'Contact'), close),
    h('div.contact-body',
      h('div.contact-name',
        h('span.avatar', { 'aria-hidden': 'true' }, initials(contactName(basic))),
        h('div', h('strong', contactName(basic)),
          basic.vip ? h('span.badge.badge-vip', 'VIP') : null,
          phone ? h('div.muted', phone) : null,
          basic.user_id ? h('div.muted', `User ID: ${basic.user_id}`) : null)),
      c ? editable(c) : h('p.muted', 'Loading contact…'),
      c ? previousTickets(c, t.id) : null),
  ];
}

function editable(c) {
  const nameInput = h('input#contact-name', {
    type: 'text', value: c.name || '', autocomplete: 'off',
    onchange: (e) => patchContact(c.id, { name: e.target.value.trim() || null }),
  });
  const segment = h('input#contact-segment', {
    type: 'text', value: c.segment || '', autocomplete: 'off',
    onchange: (e) => patchContact(c.id, { segment: e.target.value.trim() || null }),
  });
  const vip = h('input#contact-vip', {
    type: 'checkbox', checked: Boolean(c.vip), onchange: (e) => patchContact(c.id, { vip: e.target.checked }),
  });
  const tagInput = h('input#contact-tag', {
    type: 'text', placeholder: 'Add tag', autocomplete: 'off', 'aria-label': 'Add tag',
    onkeydown: (e) => {
      if (e.key !== 'Enter') return;
      e.preventDefault();
      const tag = tagInput.value.trim();
      if (tag && !c.tags.includes(tag)) patchContact(c.id, { tags: [...c.tags, tag] });
      tagInput.value = '';
    },
  });
  const attrs = Object.entries(c.attributes || {});
  return h('div.contact-fields',
    h('label.field.field-compact', { for: 'contact-name' }, h('span', 'Name'), nameInput),
    h('label.field.field-compact', { for: 'contact-segment' }, h('span', 'Segment'), segment),
    h('label.checkbox', vip, ' VIP'),
    h('div.field.field-compact', h('span.field-label', 'Tags'),
      h('div.chips', (c.tags || []).map((tag) => h('span.chip', tag, h('button.chip-remove', {
        type: 'button', 'aria-label': `Remove tag ${tag}`,
        onclick: () => patchContact(c.id, { tags: c.tags.filter((x) => x !== tag) }),
      }, '×'))), tagInput)),
    attrs.length ? h('div.field.field-compact', h('span.field-label', 'Attributes'),
      h('dl.attributes', attrs.map(([k, v]) => [h('dt', k), h('dd', typeof v === 'object' ? JSON.stringify(v) : String(v))])))
      : null,
    h('button.btn.btn-link', { type: 'button', onclick: () => loadContact(c.id, { force: true }) }, 'Refresh'));
}

function previousTickets(c, currentId) {
  const others = (c.tickets || []).filter((x) => x.id !== currentId);
  return h('div.field.field-compact', h('span.field-label', `Other tickets (${others.length})`),
    others.length ? h('ul.contact-tickets', others.map((x) => h('li',
      h('button.link-row', { type: 'button', onclick: () => selectTicket(x.id) },
        h('span', `#${x.id} · ${statusLabel(x.status)} · ${priorityLabel(x.priority)} · ${relativeAge(x.created_at)}`),
        x.last_message_preview ? h('span.muted.ellipsis', x.last_message_preview) : null))))
      : h('p.muted', 'None'));
}

function initials(name) {
  return String(name).split(/\s+/).filter(Boolean).slice(0, 2).map((w) => w[0]).join('').toUpperCase() || '?';
}
