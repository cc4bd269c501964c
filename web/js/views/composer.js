// The reply box: Reply / Note tabs, Enter to send, attachments, drafts per
// ticket, "/" for canned responses, "@" mentions and whispers in notes, the
// duplicate-reply guard, and the template picker: shown by itself when the
// 24-hour window is closed, and on demand ("Template") while it is open.
import { h } from '../util/dom.js';
import { watch, getState } from '../store.js';
import { sendMessage, addNote, loadCanned } from '../actions.js';
import { api } from '../api.js';
import { attachSuggest } from './suggest.js';
import { typing, stoppedTyping } from '../presence.js';
import { loadDraft, saveDraft } from '../drafts.js';
import { notify } from './toast.js';
import { relativeFromNow, fileSize } from '../util/format.js';
import { buildTemplatePicker } from './template-picker.js';

// Component-local UI state (not shared with other views).
const local = {
  ticketId: null,
  mode: 'reply', // 'reply' | 'note'
  attachment: null, // {id, filename, mime_type, size} once uploaded
  uploading: false,
  sending: false,
  forceTemplate: false, // the server said window_closed even if the ticket said open
  seenId: null, // newest message id when the conversation opened (or I last sent): the reply guard
  pending: null, // a reply the server held (someone replied since): {body, text}
  whisper: false,
  templateOpen: false, // the agent opened the picker while the window is open
};

let els = null;
let picker = null;

export function mountComposer(root) {
  const tabReply = h('button.tab', { type: 'button', role: 'tab', id: 'tab-reply', onclick: () => setMode('reply') }, 'Reply');
  const tabNote = h('button.tab', { type: 'button', role: 'tab', id: 'tab-note', onclick: () => setMode('note') }, 'Internal note');
  const banner = h('div.window-banner', { role: 'note' });
  const templateForm = buildTemplateForm();
  const attachment = h('div.attachment');
  const textarea = h('textarea#composer-input', {
    rows: 3,
    'aria-label': 'Message',
    oninput: () => {
      saveDraft(local.ticketId, local.mode, textarea.value);
      if (local.mode === 'reply' && textarea.value.trim()) typing();
    },
    onkeydown: (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        submit();
      } else if (e.key === 'Escape') {
        // To the conversation, not the page's body, so the next Tab or shortcut starts there.
        const timeline = document.querySelector('.timeline-scroll');
        if (timeline) timeline.focus();
        else textarea.blur();
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
  const templateBtn = h('button.btn', {
    type: 'button', title: 'Send an approved WhatsApp template', onclick: () => openTemplates(),
  }, 'Template');
  const sendBtn = h('button.btn.btn-primary', { type: 'button', onclick: () => submit() }, 'Send');
  const whisperBox = h('input#composer-whisper', {
    type: 'checkbox', onchange: (e) => { local.whisper = e.target.checked; renderState(getState().tickets[local.ticketId]); },
  });
  const whisperLabel = h('span');
  const whisper = h('label.whisper-toggle', { for: 'composer-whisper' }, whisperBox, whisperLabel);
  const suggest = attachSuggest(textarea, {
    options: () => ({ canned: local.mode === 'reply', mentions: local.mode === 'note' }),
    items: suggestions,
    pick: insertSuggestion,
  });
  const hint = h('span.composer-hint');
  const held = h('div.held-reply', { role: 'alertdialog', 'aria-labelledby': 'held-title', hidden: true });
  const editor = h('div.composer-editor', attachment, suggest.list, textarea,
    h('div.composer-row', attachBtn, templateBtn, fileInput, whisper, hint, sendBtn));

  els = { root, tabReply, tabNote, banner, templateForm, attachment, textarea, attachBtn, templateBtn, sendBtn, editor, whisper, whisperBox, whisperLabel, hint, held };
  root.replaceChildren(
    h('div.tabs', { role: 'tablist', 'aria-label': 'Compose' }, tabReply, tabNote),
    banner, held, templateForm, editor);

  let last = {};
  watch((s) => s, (s) => {
    const t = s.tickets[s.selectedId];
    // What the agent has in front of them when they start: the reply guard's mark.
    if (local.seenId == null && s.messages[s.selectedId]) local.seenId = newestId(s.selectedId, s);
    if (s.selectedId !== last.id) {
      switchTicket(s.selectedId);
    } else if (t === last.t) {
      return;
    }
    last = { id: s.selectedId, t };
    root.hidden = !t;
    if (t) renderState(t);
  });
  watch((s) => s.templatesVersion, (v) => { if (v) picker.reload(); });
}

function switchTicket(id) {
  local.ticketId = id;
  local.attachment = null;
  local.forceTemplate = false;
  local.templateOpen = false;
  local.seenId = getState().messages[id] ? newestId(id) : null;
  local.pending = null;
  local.whisper = false;
  els.whisperBox.checked = false;
  renderHeld();
  local.mode = 'reply';
  if (id != null) els.textarea.value = loadDraft(id).reply;
}

function newestId(ticketId, s = getState()) {
  const list = s.messages[ticketId] || [];
  return list.reduce((max, m) => Math.max(max, m.id), 0) || null;
}

// ---------- "/" canned responses and "@" mentions ----------

async function suggestions(trigger) {
  const q = trigger.query.toLowerCase();
  if (trigger.kind === 'canned') {
    const all = await loadCanned();
    return all
      .filter((c) => !q || c.shortcut.includes(q) || c.title.toLowerCase().includes(q) || c.body.toLowerCase().includes(q))
      .sort((a, b) => Number(!a.shortcut.startsWith(q)) - Number(!b.shortcut.startsWith(q)))
      .map((c) => ({ id: c.id, label: `/${c.shortcut}`, detail: c.title, canned: c }));
  }
  const me = getState().agent;
  return getState().agents
    .filter((a) => a.active !== false && a.id !== me?.id)
    .filter((a) => !q || a.name.toLowerCase().includes(q) || a.email.toLowerCase().startsWith(q))
    .map((a) => ({ id: a.id, label: a.name, detail: `@${handleOf(a)}`, agent: a }));
}

/** What "@" inserts for an agent: their email's local part, which the server resolves. */
function handleOf(agent) {
  return (agent.email || '').split('@')[0];
}

async function insertSuggestion(item, trigger) {
  const ta = els.textarea;
  const forTicket = local.ticketId;
  let text;
  if (item.agent) {
    text = `@${handleOf(item.agent)} `;
  } else {
    try {
      const filled = await api.fillCanned(forTicket, item.id);
      text = filled.text;
      if (filled.missing.length) {
        notify(`Fill in before sending: ${filled.missing.map((m) => `{{${m}}}`).join(', ')}`, 'warning');
      }
    } catch (err) {
      notify(err.message, 'error');
      return;
    }
    if (local.ticketId !== forTicket) return;
  }
  // The trigger word may have moved while the canned text was filled.
  const before = ta.value.slice(0, trigger.start);
  const after = ta.value.slice(trigger.end);
  ta.value = before + text + after;
  const gap = item.canned ? ta.value.indexOf('{{', before.length) : -1;
  const gapEnd = gap >= 0 ? ta.value.indexOf('}}', gap) + 2 : -1;
  ta.focus();
  if (gap >= 0 && gapEnd > gap && gapEnd <= before.length + text.length) {
    ta.setSelectionRange(gap, gapEnd); // type over the first gap
  } else {
    const caret = before.length + text.length;
    ta.setSelectionRange(caret, caret);
  }
  saveDraft(local.ticketId, local.mode, ta.value);
}

// ---------- the duplicate-reply guard ----------

function renderHeld() {
  const p = local.pending;
  els.held.hidden = !p;
  if (!p) { els.held.replaceChildren(); return; }
  els.held.replaceChildren(
    h('p', h('strong#held-title', 'Someone else replied first. '), p.reason),
    h('div.held-actions',
      h('button.btn.btn-primary', { type: 'button', onclick: () => sendHeld() }, 'Send mine anyway'),
      h('button.btn', {
        type: 'button',
        onclick: () => { local.pending = null; local.seenId = newestId(local.ticketId); renderHeld(); els.textarea.focus(); },
      }, 'Don’t send, let me edit')));
  els.held.querySelector('button')?.focus();
}

async function sendHeld() {
  const p = local.pending;
  if (!p) return;
  local.pending = null;
  renderHeld();
  await deliver(p.ticketId, p.mode, p.body, p.text, { confirm: true });
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
  const picking = !ticketClosed && mode === 'reply' && (closed || local.templateOpen);
  if (picking) picker.show({ dismissable: !closed });
  else picker.hide();
  els.editor.hidden = picking || ticketClosed;
  els.attachBtn.hidden = mode === 'note';
  els.templateBtn.hidden = mode === 'note';
  const me = getState().agent;
  const canWhisper = mode === 'note' && me && me.role !== 'agent' && t.assignee && t.assignee.id !== me.id;
  els.whisper.hidden = !canWhisper;
  if (!canWhisper) local.whisper = false;
  els.whisperLabel.textContent = canWhisper ? ` Whisper: only ${t.assignee.name} sees it` : '';
  els.root.dataset.whisper = String(Boolean(local.whisper));
  els.hint.textContent = mode === 'note'
    ? '@name to mention · Enter to add'
    : '/ for canned responses · Enter to send · Shift+Enter for a new line';
  els.textarea.placeholder = mode === 'note'
    ? (local.whisper ? `Whisper to ${t.assignee?.name}: nobody else sees this` : 'Internal note: only your team sees this; @name notifies')
    : 'Reply to the customer on WhatsApp · / for canned responses';
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

async function submit() {
  const id = local.ticketId;
  if (id == null || local.sending || local.uploading) return;
  const text = els.textarea.value.trim();
  const { mode, attachment } = local;
  if (!text && !(mode === 'reply' && attachment)) return;
  let body = null;
  if (mode === 'reply') {
    body = attachment ? { media_id: attachment.id, ...(text ? { caption: text } : {}) } : { text };
  }
  await deliver(id, mode, body, text, {});
}

/**
 * Sends a reply (with the guard's seen_message_id) or adds a note. A reply
 * the server holds because someone else answered first waits in the banner
 * for the agent's choice; the text stays in the box either way.
 */
async function deliver(id, mode, body, text, { confirm = false }) {
  local.sending = true;
  els.sendBtn.disabled = true;
  try {
    if (mode === 'note') {
      await addNote(id, text, local.whisper ? { whisper: true } : {});
    } else {
      const guard = local.seenId != null ? { seen_message_id: local.seenId } : {};
      await sendMessage(id, { ...body, ...guard, ...(confirm ? { confirm: true } : {}) });
      stoppedTyping();
    }
    if (local.ticketId === id) {
      local.seenId = newestId(id);
      els.textarea.value = '';
      local.attachment = null;
      if (mode === 'note') { local.whisper = false; els.whisperBox.checked = false; }
    }
    saveDraft(id, mode, '');
  } catch (err) {
    if (err.code === 'replied_since') {
      local.pending = { ticketId: id, mode, body, text, reason: err.message };
      renderHeld();
    } else if (err.code === 'window_closed') {
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
  picker = buildTemplatePicker({
    send: async (template) => {
      const id = local.ticketId;
      try {
        await sendMessage(id, { template });
        notify('Template sent.', 'info');
        if (local.ticketId === id && local.templateOpen) closeTemplates();
      } catch (err) {
        notify(err.message, 'error');
        throw err;
      }
    },
    close: () => closeTemplates(),
  });
  return picker.el;
}

function openTemplates() {
  if (local.ticketId == null) return;
  local.templateOpen = true;
  renderState(getState().tickets[local.ticketId]);
  picker.focus();
}

function closeTemplates() {
  local.templateOpen = false;
  renderState(getState().tickets[local.ticketId]);
  focusInput();
}

function focusInput() {
  if (!els) return;
  if (!els.editor.hidden) els.textarea.focus();
  else if (!els.templateForm.hidden) picker.focus();
}

/** Used by keyboard shortcuts: r → reply, n → note. */
export function focusComposer(mode) {
  if (local.ticketId == null) return;
  if (local.mode !== mode) setMode(mode);
  else focusInput();
}
