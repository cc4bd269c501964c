// Per-ticket drafts (reply and note separately) in localStorage, so they
// survive switching conversations and reloads.
const PREFIX = 'parley.draft.';

export function loadDraft(ticketId) {
  try {
    return { reply: '', note: '', ...JSON.parse(localStorage.getItem(PREFIX + ticketId) || '{}') };
  } catch {
    return { reply: '', note: '' };
  }
}

export function saveDraft(ticketId, mode, text) {
  const draft = loadDraft(ticketId);
  draft[mode] = text;
  try {
    if (!draft.reply && !draft.note) localStorage.removeItem(PREFIX + ticketId);
    else localStorage.setItem(PREFIX + ticketId, JSON.stringify(draft));
  } catch { /* storage full: the draft lives until the page closes */ }
}

export function hasDraft(ticketId) {
  const d = loadDraft(ticketId);
  return Boolean(d.reply || d.note);
}
