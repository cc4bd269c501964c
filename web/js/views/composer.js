// The reply box: Reply / Note tabs, Enter to send, attachments, drafts per
// ticket, and the template form when the 24-hour window is closed.
import { h } from '../util/dom.js';
import { watch, getState } from '../store.js';
import { sendMessage, addNote } from '../actions.js';
import { api } from '../api.js';
import { loadDraft, saveDraft } from '../drafts.js';
import { notify } from './toast.js';
import { relativeFromNow, fileSize } from '../util/format.js';

// Component-local UI state (not shared with other views).
const local = {
  ticketId: null,
  mode: 'reply', // 'reply' | 'note'
  attachment: null, // {id, filename, mime_type, size} once uploaded
  uploading: false,
  sending: false,
  forceTemplate: false, // the server said window_closed even if the ticket said open
  openedAt: 0, // for the "someone else replied" check
};

let els = null;

export function mountComposer(root) {
  const tabReply = h('button.tab', { type: 'button', role: 'tab', id: 'tab-reply', onclick: () => setMode('reply') }, 'Reply');
  const tabNote = h('button.tab', { type: 'button', role: 'tab', id: 'tab-note', onclick: () => setMode('note') }, 'Internal note');
  const banner = h('div.window-banner', { role: 'note' });
  const templateForm = buildTemplateForm();
  const attachment = h('div.attachment');
  const textarea = h('textarea#composer-input', {
    rows: 3,
    'aria-label': 'Message',
    oninput: () => saveDraft(local.ticketId, local.mode, textarea.value),
    onkeydown: (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        submit();
      } else if (e.key === 'Escape') {
        textarea.blur();
      }
    },
  });
  const fileInput = h('input.sr-only', {
    type: 'file', tabindex: '-1', 'aria-hidden': 'true',
    onchange: () => fileInput.files[0] && upload(fileInput.files[0]).finally(() => { fileInput.value = ''; }),
  });
  const attachBtn = h('button.btn.btn-icon', {
    type: 'button', 'aria-label': 'Attach a file', title: 'Attach a file', onclick: () => fileInput.click(),
  }, '📎');
  const sendBtn = h('button.btn.btn-primary', { type: 'button', onclick: () => submit() }, 'Send');
  const editor = h('div.composer-editor', attachment, textarea,
    h('div.composer-row', attachBtn, fileInput,
      h('span.composer-hint', 'Enter to send · Shift+Enter for a new line'), sendBtn));

  els = { root, tabReply, tabNote, banner, templateForm, attachment, textarea, attachBtn, sendBtn, editor };
  root.replaceChildren(
    h('div.tabs', { role: 'tablist', 'aria-label': 'Compose' }, tabReply, tabNote),
    banner, templateForm, editor);

  let last = {};
  watch((s) => s, (s) => {
    const t = s.tickets[s.selectedId];
    if (s.selectedId !== last.id) {
      switchTicket(s.selectedId);
    } else if (t === last.t) {
      return;
    }
    last = { id: s.selectedId, t };
    root.hidden = !t;
    if (t) renderState(t);
  });
}

function switchTicket(id) {
  local.ticketId = id;
  local.attachment = null;
  local.forceTemplate = false;
  local.openedAt = Date.now();
  local.mode = 'reply';
  if (id != null) els.textarea.value = loadDraft(id).reply;
}

function setMode(mode) {
  if (local.ticketId == null) return;
  local.mode = mode;
  els.textarea.value = loadDraft(local.ticketId)[mode];
  renderState(getState().tickets[local.ticketId]);
  focusInput();
}

function windowClosed(t) {
  if (local.forceTemplate) return true;
  if (!t) return false;
  // The window can lapse without any event arriving, so check the clock too.
  return t.window_open === false || (t.window_expires_at != null && t.window_expires_at < Date.now());
}

function renderState(t) {
  if (!t) return;
  const { mode } = local;
  els.root.dataset.mode = mode;
  els.tabReply.setAttribute('aria-selected', String(mode === 'reply'));
  els.tabNote.setAttribute('aria-selected', String(mode === 'note'));
  const ticketClosed = t.status === 'closed' && mode === 'reply';
  const closed = !ticketClosed && windowClosed(t) && mode === 'reply';

  if (ticketClosed) {
    // The server refuses replies on closed tickets (409); notes are still fine.
    els.banner.replaceChildren(h('strong', 'This ticket is closed.'),
      ' The customer’s next message opens a new ticket. You can still add an internal note.');
    els.banner.hidden = false;
  } else if (closed) {
    const last = t.last_inbound_at ? ` The customer last wrote ${relativeFromNow(t.last_inbound_at)}.` : '';
    els.banner.replaceChildren(h('strong', '24-hour window closed.'),
      ` Free-form replies can't be delivered until the customer writes again.${last} Send an approved template instead, or add an internal note.`);
    els.banner.hidden = false;
  } else if (mode === 'reply' && t.window_expires_at && t.window_expires_at - Date.now() < 2 * 3600_000) {
    els.banner.replaceChildren(`The 24-hour window closes ${relativeFromNow(t.window_expires_at)}.`);
    els.banner.hidden = false;
  } else {
    els.banner.hidden = true;
  }
  els.templateForm.hidden = !closed;
  els.editor.hidden = closed || ticketClosed;
  els.attachBtn.hidden = mode === 'note';
  els.textarea.placeholder = mode === 'note'
    ? 'Internal note: only your team sees this'
    : 'Reply to the customer on WhatsApp';
  els.textarea.setAttribute('aria-label', mode === 'note' ? 'Internal note' : 'Reply');
  els.sendBtn.textContent = mode === 'note' ? 'Add note' : 'Send';
  els.sendBtn.disabled = local.sending || local.uploading;
  renderAttachment();
}

function renderAttachment() {
  const a = local.attachment;
  if (local.uploading) {
    els.attachment.replaceChildren(h('span.chip', 'Uploading…'));
  } else if (a && local.mode === 'reply') {
    els.attachment.replaceChildren(h('span.chip', `📎 ${a.filename || 'file'} ${fileSize(a.size)}`,
      h('button.chip-remove', {
        type: 'button', 'aria-label': 'Remove attachment',
        onclick: () => { local.attachment = null; renderAttachment(); },
      }, '×')));
  } else {
    els.attachment.replaceChildren();
  }
}

async function upload(file) {
  local.uploading = true;
  renderState(getState().tickets[local.ticketId]);
  const forTicket = local.ticketId;
  try {
    const media = await api.uploadMedia(file);
    if (local.ticketId === forTicket) local.attachment = { ...media, filename: media.filename || file.name };
  } catch (err) {
    notify(`Upload failed: ${err.message}`, 'error');
  } finally {
    local.uploading = false;
    renderState(getState().tickets[local.ticketId]);
    focusInput();
  }
}

/** "Never twice": warn if a colleague replied since this conversation was opened. */
function colleagueReplied(ticketId) {
  const { messages, agent } = getState();
  const recent = (messages[ticketId] || []).filter((m) => m.direction === 'outbound'
    && m.author && agent && m.author.id !== agent.id && m.created_at > local.openedAt);
  return recent[recent.length - 1] || null;
}

async function submit() {
  const id = local.ticketId;
  if (id == null || local.sending || local.uploading) return;
  const text = els.textarea.value.trim();
  const { mode, attachment } = local;
  if (!text && !(mode === 'reply' && attachment)) return;

  if (mode === 'reply') {
    const other = colleagueReplied(id);
    if (other) {
      const ok = window.confirm(`${other.author.name} already replied since you opened this conversation:\n\n"${other.text || other.type}"\n\nSend your reply anyway?`);
      if (!ok) return;
    }
  }

  local.sending = true;
  els.sendBtn.disabled = true;
  try {
    if (mode === 'note') await addNote(id, text);
    else if (attachment) await sendMessage(id, { media_id: attachment.id, ...(text ? { caption: text } : {}) });
    else await sendMessage(id, { text });
    local.openedAt = Date.now();
    if (local.ticketId === id) {
      els.textarea.value = '';
      local.attachment = null;
    }
    saveDraft(id, mode, '');
  } catch (err) {
    if (err.code === 'window_closed') {
      local.forceTemplate = true;
      notify(`${err.message} Use a template to reach the customer.`, 'error');
    } else {
      notify(err.message, 'error');
    }
  } finally {
    local.sending = false;
    renderState(getState().tickets[local.ticketId]);
  }
}

function buildTemplateForm() {
  const name = h('input#template-name', { type: 'text', required: true, autocomplete: 'off', placeholder: 'e.g. order_update' });
  const language = h('input#template-language', { type: 'text', required: true, value: 'en_US', autocomplete: 'off' });
  const params = h('textarea#template-params', { rows: 2, placeholder: 'One body parameter per line (optional)' });
  const button = h('button.btn.btn-primary', { type: 'submit' }, 'Send template');
  const form = h('form.template-form', {
    hidden: true,
    onsubmit: async (e) => {
      e.preventDefault();
      const id = local.ticketId;
      const values = params.value.split('\n').map((x) => x.trim()).filter(Boolean);
      const template = { name: name.value.trim(), language: language.value.trim() };
      if (values.length) {
        template.components = [{ type: 'body', parameters: values.map((text) => ({ type: 'text', text })) }];
      }
      button.disabled = true;
      try {
        await sendMessage(id, { template });
        notify('Template queued.', 'info');
        params.value = '';
      } catch (err) {
        notify(err.message, 'error');
      } finally {
        button.disabled = false;
      }
    },
  },
  h('div.template-fields',
    h('label.field', { for: 'template-name' }, h('span', 'Template name'), name),
    h('label.field.field-narrow', { for: 'template-language' }, h('span', 'Language'), language)),
  h('label.field', { for: 'template-params' }, h('span', 'Body parameters'), params),
  h('div.composer-row', h('span.composer-hint', 'Templates must be approved in WhatsApp Manager.'), button));
  return form;
}

function focusInput() {
  if (!els) return;
  if (!els.editor.hidden) els.textarea.focus();
  else els.templateForm.querySelector('input')?.focus();
}

/** Used by keyboard shortcuts: r → reply, n → note. */
export function focusComposer(mode) {
  if (local.ticketId == null) return;
  if (local.mode !== mode) setMode(mode);
  else focusInput();
}
