// Settings → Templates (read-only; admins): every template synced from the
// WhatsApp Business Account with its status, Meta's reason, category and
// language, the last sync's time and result, and "Sync now". Templates are
// edited in WhatsApp Manager, never here: Meta is the source of truth.
import { h } from '../util/dom.js';
import { api } from '../api.js';
import { invalidateTemplates } from './template-picker.js';

const when = (ms) => (ms ? new Date(ms).toLocaleString() : 'never');

/** The section's element; it loads itself and redraws in place. */
export function renderTemplatesSection() {
  const root = h('section.settings-section', { 'aria-labelledby': 'set-tpl-title' });
  const state = { list: null, error: null, busy: false, result: null };

  async function load() {
    try {
      state.list = await api.templates('all');
      state.error = null;
    } catch (err) {
      state.error = `Could not load the templates: ${err.message}`;
    }
    draw();
  }

  async function syncNow() {
    state.busy = true;
    state.result = null;
    draw();
    try {
      const r = await api.syncTemplates();
      state.result = { ok: true, text: `Synced ${r.total} template${r.total === 1 ? '' : 's'}: ${r.added} added, ${r.updated} updated, ${r.removed} removed, ${r.unchanged} unchanged.` };
      invalidateTemplates();
    } catch (err) {
      state.result = { ok: false, text: `Sync failed: ${err.message}` };
    }
    state.busy = false;
    await load();
    document.getElementById('tpl-sync')?.focus();
  }

  function draw() {
    const sync = state.list?.sync;
    const items = state.list?.items || [];
    root.replaceChildren(
      h('h2#set-tpl-title', 'Templates'),
      h('p.settings-note', 'Message templates as last synced from WhatsApp Manager. Edit them there; Parley syncs every 15 minutes, at start-up and when you press Sync now.'),
      state.error ? h('p.form-error', { role: 'alert' }, state.error) : null,
      sync ? h('dl.tpl-sync-status',
        h('dt', 'Business account'), h('dd#tpl-configured', sync.configured ? 'Configured' : 'Not configured (set waba_id / PARLEY_WHATSAPP_WABA_ID)'),
        h('dt', 'Last sync'), h('dd#tpl-last-sync', when(sync.last_synced_at)),
        h('dt', 'Last attempt'), h('dd', when(sync.last_attempt_at)),
        h('dt', 'Result'), h('dd#tpl-last-result', sync.last_error
          ? `Failed: ${sync.last_error}`
          : sync.last_report
            ? `${sync.last_report.added} added, ${sync.last_report.updated} updated, ${sync.last_report.removed} removed, ${sync.last_report.unchanged} unchanged`
            : '—')) : null,
      h('p', h('button.btn.btn-small.btn-primary#tpl-sync', { type: 'button', disabled: state.busy, onclick: syncNow },
        state.busy ? 'Syncing…' : 'Sync now')),
      h('p#tpl-sync-result', { role: 'status', 'aria-live': 'polite', dataset: { ok: state.result ? String(state.result.ok) : '' } },
        state.result ? state.result.text : ''),
      items.length === 0 && state.list ? h('p.settings-note', 'No templates.') : null,
      items.length ? h('div.table-scroll', h('table.qa-table.tpl-table',
        h('caption.sr-only', 'Templates'),
        h('thead', h('tr', ['Name', 'Language', 'Category', 'Status', 'Reason', 'Status since'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', items.map((t) => h('tr', { dataset: { template: `${t.name}/${t.language}` } },
          h('th', { scope: 'row' }, t.name), h('td', t.language), h('td', t.category.toLowerCase()),
          h('td.tpl-status', { dataset: { status: t.status } }, t.status.toLowerCase().replace(/_/g, ' ')),
          h('td', t.status_reason || ''), h('td', when(t.status_changed_at))))))) : null);
  }

  draw();
  load();
  return root;
}
