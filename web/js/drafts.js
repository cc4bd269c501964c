// Per-ticket drafts (reply and note separately) in localStorage, so they
// survive switching conversations and reloads.
import { update } from './store.js';

const PREFIX = 'parley.draft.';

export function loadDraft(ticketId) {
  try {
    return { reply: '', note: '', ...JSON.parse(localStorage.getItem(PREFIX + ticketId) || '{}') };
  } catch {
    return { reply: '', note: '' };
  }
}

export function saveDraft(ticketId, mode, text) {
  if (ticketId == null) return;
  const had = hasDraft(ticketId);
  const draft = loadDraft(ticketId);
  draft[mode] = text;
  try {
    if (!draft.reply && !draft.note) localStorage.removeItem(PREFIX + ticketId);
    else localStorage.setItem(PREFIX + ticketId, JSON.stringify(draft));
  } catch { /* storage full: the draft lives until the page closes */ }
  // The ticket list shows a "Draft" tag: tell it when one appears or goes away.
  if (had !== Boolean(draft.reply || draft.note)) update((s) => ({ draftsRev: (s.draftsRev || 0) + 1 }));
}

export function hasDraft(ticketId) {
  const d = loadDraft(ticketId);
  return Boolean(d.reply || d.note);
}
