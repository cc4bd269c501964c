// Right pane: who the customer is. Name, email, tags, segment, VIP and
// attributes are editable; previous tickets open on click, with the CSAT
// rating the customer gave each.
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
      c ? csatHistory(c) : null,
      c ? previousTickets(c, t.id) : null),
  ];
}

function editable(c) {
  const nameInput = h('input#contact-name', {
    type: 'text', value: c.name || '', autocomplete: 'off',
    onchange: (e) => patchContact(c.id, { name: e.target.value.trim() || null }),
  });
  const email = h('input#contact-email', {
    type: 'email', value: c.email || '', autocomplete: 'off', placeholder: 'name@example.com',
    onchange: (e) => patchContact(c.id, { email: e.target.value.trim() || null }),
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
  const setAttr = (key, value) => patchContact(c.id, { attributes: { ...(c.attributes || {}), [key]: value } });
  const dropAttr = (key) => {
    const next = { ...(c.attributes || {}) };
    delete next[key];
    patchContact(c.id, { attributes: next });
  };
  const newKey = h('input#contact-attr-key', { type: 'text', placeholder: 'e.g. customer_value', autocomplete: 'off', 'aria-label': 'New attribute name' });
  const newValue = h('input#contact-attr-value', {
    type: 'text', placeholder: 'value', autocomplete: 'off', 'aria-label': 'New attribute value',
    onkeydown: (e) => {
      if (e.key !== 'Enter') return;
      e.preventDefault();
      const key = newKey.value.trim();
      if (key) setAttr(key, parseValue(newValue.value));
    },
  });
  return h('div.contact-fields',
    h('label.field.field-compact', { for: 'contact-name' }, h('span', 'Name'), nameInput),
    h('label.field.field-compact', { for: 'contact-email' }, h('span', 'Email'), email),
    h('label.field.field-compact', { for: 'contact-segment' }, h('span', 'Segment'), segment),
    h('label.checkbox', vip, ' VIP'),
    h('div.field.field-compact', h('span.field-label', 'Tags'),
      h('div.chips', (c.tags || []).map((tag) => h('span.chip', tag, h('button.chip-remove', {
        type: 'button', 'aria-label': `Remove tag ${tag}`,
        onclick: () => patchContact(c.id, { tags: c.tags.filter((x) => x !== tag) }),
      }, '×'))), tagInput)),
    h('div.field.field-compact', h('span.field-label', 'Attributes'),
      attrs.length ? h('dl.attributes', attrs.map(([k, v]) => [h('dt', k), h('dd',
        typeof v === 'object' && v !== null
          ? h('span', JSON.stringify(v)) // purchase history and other structures: shown, edited through the API
          : h('input', {
            type: 'text', value: String(v), 'aria-label': k, autocomplete: 'off',
            onchange: (e) => setAttr(k, parseValue(e.target.value)),
          }),
        h('button.chip-remove', { type: 'button', 'aria-label': `Remove ${k}`, onclick: () => dropAttr(k) }, '×'))])) : null,
      h('div.attr-new', newKey, newValue)),
    h('button.btn.btn-link', { type: 'button', onclick: () => loadContact(c.id, { force: true }) }, 'Refresh'));
}

/** "42" → 42, "true" → true, anything else stays text. */
function parseValue(v) {
  const t = String(v).trim();
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  if (t === 'true' || t === 'false') return t === 'true';
  return t;
}

function csatHistory(c) {
  const rated = (c.tickets || []).filter((x) => x.csat_rating != null);
  if (!rated.length) return h('div.field.field-compact', h('span.field-label', 'CSAT'), h('p.muted', 'No ratings yet'));
  const avg = rated.reduce((n, x) => n + x.csat_rating, 0) / rated.length;
  return h('div.field.field-compact.csat-history', h('span.field-label', `CSAT (${rated.length}, average ${avg.toFixed(1)})`),
    h('ul.contact-tickets', rated.map((x) => h('li',
      h('span.csat-stars', { 'aria-label': `${x.csat_rating} out of 5`, title: `${x.csat_rating} / 5` }, '★'.repeat(x.csat_rating) + '☆'.repeat(5 - x.csat_rating)),
      ` #${x.id} · ${relativeAge(x.csat_rated_at || x.created_at)}`,
      x.csat_comment ? h('div.muted', `“${x.csat_comment}”`) : null))));
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
