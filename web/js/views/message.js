// Renders one timeline message as a bubble. Customer (inbound) on the left,
// agents (outbound) on the right, internal notes tinted and labelled so they
// never look like something the customer saw.
import { h } from '../util/dom.js';
import { clockTime, fullDateTime, humanize } from '../util/format.js';
import { mediaObjectUrl, downloadMedia } from '../media.js';
import { retryMessage } from '../actions.js';
import { notify } from './toast.js';

export function renderMessage(m) {
  if (m.type === 'system') {
    return h('li.timeline-system', { dataset: { key: `m${m.id}` } },
      h('span', m.text || humanize(m.content?.body || 'System message')), ' · ',
      h('time', { title: fullDateTime(m.created_at) }, clockTime(m.created_at)));
  }
  const dir = m.direction === 'inbound' ? 'in' : m.direction === 'note' ? 'note' : 'out';
  const failed = m.status === 'failed';
  const whisper = dir === 'note' && m.whisper_to;
  return h(`li.msg.msg-${dir}${whisper ? '.msg-whisper' : ''}`, { class: failed ? 'is-failed' : null, dataset: { key: `m${m.id}` } },
    h('div.bubble', { class: m.type === 'reaction' ? 'bubble-reaction' : null },
      whisper ? h('div.note-label', `🤫 Whisper to ${m.whisper_to.name}`, m.author ? ` · from ${m.author.name}` : '')
        : dir === 'note' ? h('div.note-label', '🔒 Internal note', m.author ? ` · ${m.author.name}` : '') : null,
      m.reply_to ? h('blockquote.quoted', m.reply_to.preview || 'Earlier message') : null,
      body(m),
      h('div.msg-meta',
        dir === 'out' && m.author ? h('span.msg-author', m.author.name) : null,
        dir === 'out' && !m.author ? h('span.msg-author', 'Automated') : null,
        h('time', { datetime: new Date(m.created_at).toISOString(), title: fullDateTime(m.created_at) }, clockTime(m.created_at)),
        dir === 'out' ? ticks(m.status) : null)),
    failed ? h('div.msg-error', { role: 'alert' },
      h('span', `Not delivered: ${m.error?.message || 'unknown error'}${m.error?.code ? ` (${m.error.code})` : ''}`),
      h('button.btn.btn-small', { type: 'button', onclick: () => retryMessage(m) }, 'Retry')) : null);
}

function ticks(status) {
  const map = {
    queued: ['⏱', 'Queued', 'tick-queued'],
    sent: ['✓', 'Sent', 'tick-sent'],
    delivered: ['✓✓', 'Delivered', 'tick-delivered'],
    read: ['✓✓', 'Read', 'tick-read'],
    played: ['✓✓', 'Played', 'tick-read'],
    failed: ['!', 'Failed', 'tick-failed'],
  };
  const [glyph, label, cls] = map[status] || ['', '', ''];
  if (!glyph) return null;
  return h(`span.ticks.${cls}`, { title: label, 'aria-label': label, role: 'img' }, glyph);
}

function body(m) {
  const c = m.content || {};
  switch (m.type) {
    case 'text':
      return richText(m.text, m.direction === 'note');
    case 'image':
      return [media(m, 'image'), caption(m)];
    case 'sticker':
      return media(m, 'sticker');
    case 'video':
      return [media(m, 'video'), caption(m)];
    case 'audio':
      return media(m, 'audio');
    case 'document':
      return [media(m, 'document'), caption(m)];
    case 'location':
      return location(c);
    case 'contacts':
      return sharedContacts(c);
    case 'interactive':
      return interactive(m, c);
    case 'button':
      return h('div.msg-chip', h('span.chip-kind', 'Button'), c.text || m.text || c.payload || '');
    case 'reaction':
      return h('span.reaction', { title: 'Reaction to an earlier message' },
        c.emoji ? `Reacted ${c.emoji}` : 'Removed a reaction');
    case 'order':
      return h('div.msg-chip', h('span.chip-kind', 'Order'),
        `${(c.product_items || []).length || ''} item(s)`, m.text ? h('p', m.text) : null);
    case 'template':
      return [h('div.msg-chip', h('span.chip-kind', 'Template'), c.name || c.template?.name || ''), m.text ? richText(m.text) : null];
    default:
      if (m.text && m.type !== 'unsupported' && m.type !== 'unknown') return richText(m.text);
      return h('p.unsupported', `This message type isn't supported yet (${m.type || 'unknown'}).`);
  }
}

function caption(m) {
  return m.text ? richText(m.text) : null;
}

/** Plain text with newlines kept and http(s) links clickable. */
function richText(text, mentions = false) {
  if (!text) return null;
  const parts = String(text).split(/(https?:\/\/[^\s<>"]+)/g);
  return h('p.msg-text', parts.map((p, i) => (i % 2
    ? h('a', { href: p, target: '_blank', rel: 'noopener noreferrer' }, p)
    : mentions ? markMentions(p) : p)));
}

/** "@ana" in a note, marked (not inside an email address). */
function markMentions(text) {
  return text.split(/((?<![\p{L}\p{N}_.\-])@[\p{L}\p{N}_.\-]*[\p{L}\p{N}_])/u)
    .map((p, i) => (i % 2 ? h('span.mention', p) : p));
}

function media(m, kind) {
  const md = m.media;
  if (!md) return h('p.unsupported', `${humanize(kind)} (no file attached)`);
  if (md.state === 'pending') return h('p.media-state', `${humanize(kind)} is still downloading…`);
  if (md.state === 'failed' || !md.url) return h('p.media-state.media-failed', `${humanize(kind)} could not be downloaded.`);

  if (kind === 'document') {
    const name = md.filename || `document.${(md.mime_type || '').split('/')[1] || 'bin'}`;
    return h('button.doc-link', {
      type: 'button',
      onclick: () => downloadMedia(md.url, name).catch((e) => notify(e.message, 'error')),
    }, h('span.doc-icon', { 'aria-hidden': 'true' }, '📄'), h('span', name), h('span.sr-only', ' (download)'));
  }

  const holder = h(`div.media.media-${kind}`, h('span.media-state', 'Loading…'));
  mediaObjectUrl(md.url).then((url) => {
    let el;
    if (kind === 'image' || kind === 'sticker') {
      el = h('img', { src: url, alt: m.text || (kind === 'sticker' ? 'Sticker' : 'Image from the conversation'), loading: 'lazy' });
      // Open full size in a new tab on click.
      el = h('a', { href: url, target: '_blank', rel: 'noopener', 'aria-label': 'Open image full size' }, el);
    } else if (kind === 'video') {
      el = h('video', { src: url, controls: true, preload: 'metadata' });
    } else {
      el = h('audio', { src: url, controls: true, preload: 'metadata' });
    }
    holder.replaceChildren(el);
  }, () => holder.replaceChildren(h('span.media-state.media-failed', 'Could not load media.')));
  return holder;
}

function location(c) {
  const lat = Number(c.latitude);
  const lon = Number(c.longitude);
  const ok = Number.isFinite(lat) && Number.isFinite(lon);
  return h('div.location',
    h('div.location-title', '📍 ', c.name || 'Location'),
    c.address ? h('div.muted', c.address) : null,
    ok ? h('div.location-coords', `${lat.toFixed(5)}, ${lon.toFixed(5)} · `,
      h('a', {
        href: `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=16/${lat}/${lon}`,
        target: '_blank', rel: 'noopener noreferrer',
      }, 'Open map')) : null);
}

function sharedContacts(c) {
  const list = c.contacts || [];
  if (!list.length) return h('p.unsupported', 'Shared contact (empty)');
  return h('ul.shared-contacts', list.map((x) => h('li',
    h('div.shared-name', '👤 ', x.name?.formatted_name || [x.name?.first_name, x.name?.last_name].filter(Boolean).join(' ') || 'Contact'),
    (x.phones || []).map((p) => h('div.muted', p.phone || p.wa_id || '')))));
}

function interactive(m, c) {
  if (c.button_reply) {
    return h('div.msg-chip', h('span.chip-kind', 'Tapped'), c.button_reply.title);
  }
  if (c.list_reply) {
    return h('div.msg-chip', h('span.chip-kind', 'Chose'), c.list_reply.title,
      c.list_reply.description ? h('div.muted', c.list_reply.description) : null);
  }
  // Outbound interactive (e.g. bot buttons): body text + the choices offered.
  const buttons = c.action?.buttons?.map((b) => b.reply?.title) || [];
  const rows = (c.action?.sections || []).flatMap((s) => (s.rows || []).map((r) => r.title));
  const options = [...buttons, ...rows];
  return [richText(m.text || c.body?.text),
    options.length ? h('ul.offered-options', options.map((o) => h('li', o))) : null,
    !m.text && !options.length ? h('p.unsupported', `Interactive message (${c.type || 'unknown'})`) : null];
}
