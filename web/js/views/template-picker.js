// The template picker in the reply box: a searchable list of the templates
// synced from Meta, then the chosen one's preview with a labelled field per
// placeholder, filled live as the agent types. Only approved templates can be
// sent; admins also see the others, with their status, greyed out.
import { h } from '../util/dom.js';
import { api } from '../api.js';
import { getState } from '../store.js';

const cache = { list: null, all: false, sync: null, loading: null };

/** Forgets the loaded list (a sync or a status webhook changed it). */
export function invalidateTemplates() {
  cache.list = null;
}

async function loadTemplates() {
  const admin = getState().agent?.role === 'admin';
  if (cache.list && cache.all === admin) return cache.list;
  if (!cache.loading) {
    cache.loading = api.templates(admin ? 'all' : 'approved')
      .then((r) => { cache.list = r.items; cache.all = admin; cache.sync = r.sync; return r.items; })
      .finally(() => { cache.loading = null; });
  }
  return cache.loading;
}

const statusClass = (s) => `tpl-status tpl-status-${String(s).toLowerCase()}`;

function matches(t, q) {
  if (!q) return true;
  const hay = `${t.name} ${t.language} ${t.category} ${t.preview?.body || ''}`.toLowerCase();
  return q.toLowerCase().split(/\s+/).filter(Boolean).every((w) => hay.includes(w));
}

/** Text with `{{n}}`/`{{name}}` replaced by the values typed so far, as nodes. */
function filled(text, component, values) {
  const out = [];
  let last = 0;
  for (const m of text.matchAll(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    const v = values[`${component}.${m[1]}`];
    out.push(h(`mark.tpl-var${v ? '.tpl-var-filled' : ''}`, v || `{{${m[1]}}}`));
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

/**
 * opts.send(template) delivers `{name, language, parameters}` and resolves
 * when the server accepted it; opts.close() is called by the close button,
 * which is only shown while the picker is dismissable.
 */
export function buildTemplatePicker({ send, close }) {
  const st = { selected: null, values: {}, active: 0, shown: [], dismissable: false, sending: false };
  const search = h('input#template-search', {
    type: 'search', autocomplete: 'off', placeholder: 'Search templates', 'aria-label': 'Search templates',
    role: 'combobox', 'aria-controls': 'template-list', 'aria-expanded': 'true', 'aria-autocomplete': 'list',
    oninput: () => { st.active = 0; renderList(); },
    onkeydown: (e) => {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const n = st.shown.length;
        if (n) st.active = (st.active + (e.key === 'ArrowDown' ? 1 : n - 1)) % n;
        renderList();
      } else if (e.key === 'Enter') {
        e.preventDefault();
        const t = st.shown[st.active];
        if (t) choose(t);
      } else if (e.key === 'Escape' && st.dismissable) {
        e.preventDefault();
        close();
      }
    },
  });
  const closeBtn = h('button.btn.btn-icon', { type: 'button', 'aria-label': 'Close templates', title: 'Back to free-form reply', onclick: () => close() }, '×');
  const list = h('ul#template-list.template-list', { role: 'listbox', 'aria-label': 'Templates' });
  const status = h('p.template-empty', { role: 'status' });
  const chooser = h('div.template-chooser', h('div.template-search-row', search, closeBtn), list, status);
  const detail = h('form.template-detail', { hidden: true, onsubmit: (e) => { e.preventDefault(); submit(); } });
  const root = h('section.template-picker', { hidden: true, 'aria-label': 'Send a WhatsApp template' }, chooser, detail);

  async function refresh() {
    status.textContent = 'Loading templates…';
    try {
      await loadTemplates();
      renderList();
    } catch (err) {
      status.textContent = `Templates could not be loaded: ${err.message}`;
    }
  }

  function renderList() {
    const admin = getState().agent?.role === 'admin';
    const all = cache.list || [];
    st.shown = all.filter((t) => matches(t, search.value.trim()))
      // What can be sent first; the rest (admins only) after.
      .sort((a, b) => Number(a.status !== 'APPROVED') - Number(b.status !== 'APPROVED'));
    if (st.active >= st.shown.length) st.active = 0;
    list.replaceChildren(...st.shown.map((t, i) => {
      const sendable = t.status === 'APPROVED';
      const li = h(`li.template-option${sendable ? '' : '.template-unavailable'}`, {
        role: 'option', id: `template-opt-${t.id}`, 'aria-selected': String(i === st.active),
        'aria-disabled': String(!sendable),
        onclick: () => choose(t),
        onmousemove: () => { if (st.active !== i) { st.active = i; markActive(); } },
      },
      h('span.template-name', t.name),
      h('span.template-meta', `${t.language} · ${t.category.toLowerCase()}`),
      admin ? h(`span.${statusClass(t.status).replace(/ /g, '.')}`, t.status.toLowerCase().replace(/_/g, ' ')) : null,
      h('span.template-snippet', t.preview?.body || ''));
      return li;
    }));
    markActive();
    const sync = cache.sync;
    if (!all.length) {
      status.textContent = sync && !sync.configured
        ? 'No WhatsApp Business Account is configured, so there are no templates to offer.'
        : 'No approved templates yet. Create them in WhatsApp Manager; they appear here once Meta approves them.';
    } else if (!st.shown.length) {
      status.textContent = `No template matches “${search.value.trim()}”.`;
    } else {
      status.textContent = '';
    }
  }

  function markActive() {
    [...list.children].forEach((li, i) => li.setAttribute('aria-selected', String(i === st.active)));
    const active = list.children[st.active];
    if (active) {
      search.setAttribute('aria-activedescendant', active.id);
      active.scrollIntoView?.({ block: 'nearest' });
    } else {
      search.removeAttribute('aria-activedescendant');
    }
  }

  function choose(t) {
    if (t.status !== 'APPROVED') return;
    st.selected = t;
    st.values = {};
    chooser.hidden = true;
    detail.hidden = false;
    renderDetail();
    (detail.querySelector('input') || detail.querySelector('button[type=submit]'))?.focus();
  }

  function back() {
    st.selected = null;
    detail.hidden = true;
    chooser.hidden = false;
    search.focus();
  }

  function preview(t) {
    const p = t.preview || {};
    const header = t.parameters.find((x) => x.key === 'header' && x.component === 'header');
    return h('div.template-preview', { 'aria-live': 'polite', 'aria-label': 'Preview' },
      header ? h('div.tpl-media', `🖼 ${header.kind}: `, st.values.header ? st.values.header : h('mark.tpl-var', header.kind))
        : p.header ? h('strong.tpl-header', ...filled(p.header, 'header', st.values)) : null,
      h('p.tpl-body', ...filled(p.body || '', 'body', st.values)),
      p.footer ? h('small.tpl-footer', p.footer) : null,
      p.buttons?.length ? h('div.tpl-buttons', ...p.buttons.map((b) => h('span.tpl-button', b))) : null);
  }

  function renderDetail() {
    const t = st.selected;
    if (!t) return;
    const fields = t.parameters.map((p) => {
      const id = `tpl-param-${p.key.replace(/[^a-z0-9]/gi, '-')}`;
      const input = h(`input#${id}`, {
        // Not type=url: a URL button takes only the end of a link, a media header a link or a media id.
        type: 'text',
        inputmode: ['image', 'video', 'document'].includes(p.kind) ? 'url' : null,
        value: st.values[p.key] || '',
        placeholder: p.example ? `e.g. ${p.example}` : '',
        required: true,
        autocomplete: 'off',
        ...(p.max_len ? { maxlength: p.max_len } : {}),
        'data-key': p.key,
        oninput: (e) => {
          st.values[p.key] = e.target.value;
          detail.querySelector('.template-preview').replaceWith(preview(t));
        },
      });
      return h('label.field.template-param', { for: id }, h('span', p.label), input);
    });
    const sendBtn = h('button.btn.btn-primary', { type: 'submit', disabled: st.sending }, 'Send template');
    detail.replaceChildren(
      h('div.template-detail-head',
        h('button.btn.btn-link', { type: 'button', onclick: back },
          h('span', { 'aria-hidden': 'true' }, '← '), 'Templates', h('span.sr-only', ', back to the list')),
        h('strong', t.name), h('span.template-meta', `${t.language} · ${t.category.toLowerCase()}`)),
      preview(t),
      fields.length ? h('div.template-params', ...fields) : h('p.template-empty', 'This template has no parameters.'),
      h('div.composer-row', h('span.composer-hint', 'Enter to send · Esc for the list'), sendBtn));
    detail.onkeydown = (e) => { if (e.key === 'Escape') { e.preventDefault(); back(); } };
  }

  async function submit() {
    const t = st.selected;
    if (!t || st.sending) return;
    const missing = t.parameters.find((p) => !(st.values[p.key] || '').trim());
    if (missing) {
      detail.querySelector(`[data-key="${CSS.escape(missing.key)}"]`)?.focus();
      return;
    }
    st.sending = true;
    renderDetail();
    try {
      const parameters = Object.fromEntries(t.parameters.map((p) => [p.key, st.values[p.key].trim()]));
      await send({ name: t.name, language: t.language, parameters });
      st.selected = null;
      st.values = {};
      detail.hidden = true;
      chooser.hidden = false;
    } catch {
      // The composer showed why; the values stay for the agent to fix.
    } finally {
      st.sending = false;
      if (st.selected) renderDetail();
    }
  }

  return {
    el: root,
    /** Shows the picker (loading the list if needed); dismissable when opened on demand. */
    show({ dismissable }) {
      st.dismissable = dismissable;
      closeBtn.hidden = !dismissable;
      const wasHidden = root.hidden;
      root.hidden = false;
      if (wasHidden || !cache.list) refresh();
    },
    hide() {
      root.hidden = true;
      st.selected = null;
      detail.hidden = true;
      chooser.hidden = false;
    },
    /** The list changed at the server: reload it if it is on screen. */
    reload() {
      invalidateTemplates();
      if (!root.hidden) refresh();
    },
    focus() {
      (detail.hidden ? search : detail.querySelector('input') || detail.querySelector('button[type=submit]'))?.focus();
    },
  };
}
