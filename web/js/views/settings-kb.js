// Settings → Knowledge base (admins): the FAQ bot's intents as the folder's
// files hold them, an editor that writes changes back into those files
// (GET/POST/PUT/DELETE /admin/kb…), and a "try it" box that runs a sample
// message through the bot in force. The files stay the source of truth: an
// edit made on a copy older than the files is refused (409 changed_on_disk)
// instead of overwriting someone's hand edit.
import { h } from '../util/dom.js';
import { api } from '../api.js';
import { notify } from './toast.js';

const MAX_BUTTONS = 3;
const pct = (x) => `${Math.round((x ?? 0) * 100)}%`;
const when = (ms) => (ms ? new Date(ms).toLocaleString() : '—');

/** Lines of a textarea, trimmed, without blanks. */
export function lines(text) {
  return String(text || '').split('\n').map((l) => l.trim()).filter(Boolean);
}

/**
 * The intent the form describes, in the API's shape: empty fields left out,
 * buttons as a plain title or {title, intent} / {title, handoff: true}.
 */
export function intentFromForm(f) {
  const opt = (v) => (String(v ?? '').trim() ? String(v).trim() : null);
  const buttons = (f.buttons || [])
    .filter((b) => String(b.title || '').trim())
    .map((b) => {
      const title = b.title.trim();
      if (b.target === '@person') return { title, handoff: true };
      if (b.target) return { title, intent: b.target };
      return title;
    });
  const rows = lines(f.listRows);
  return {
    name: String(f.name || '').trim(),
    title: opt(f.title),
    examples: lines(f.examples),
    answer: opt(f.answer),
    buttons,
    list: rows.length || opt(f.listButton) ? { button: String(f.listButton || '').trim(), rows } : null,
    media: opt(f.media),
    action: opt(f.action),
    after: opt(f.after),
  };
}

function formFromIntent(i) {
  return {
    name: i?.name ?? '',
    title: i?.title ?? '',
    examples: (i?.examples || []).join('\n'),
    answer: i?.answer ?? '',
    buttons: (i?.buttons || []).map((b) => (typeof b === 'string'
      ? { title: b, target: '' }
      : { title: b.title, target: b.handoff ? '@person' : (b.intent || '') })),
    listButton: i?.list?.button ?? '',
    listRows: (i?.list?.rows || []).join('\n'),
    media: i?.media ?? '',
    action: i?.action ?? '',
    after: i?.after ?? '',
  };
}

/** The section's element; it loads itself and redraws in place. */
export function renderKbSection() {
  const root = h('section.settings-section', { 'aria-labelledby': 'set-kb-title' });
  const st = {
    doc: null, loadError: null, filter: '',
    editing: null, // null: the list; '': a new intent; else the intent's name
    form: null, error: null, stale: false, busy: false,
    tryText: '', tried: null,
  };

  async function load(focusId) {
    try {
      st.doc = await api.kb();
      st.loadError = null;
    } catch (err) {
      st.loadError = err.code === 'not_configured'
        ? 'No knowledge base is configured. Start Parley with --kb <folder> (or [bot] kb in the config file) to use the FAQ bot.'
        : `Could not load the knowledge base: ${err.message}`;
    }
    draw();
    if (focusId) document.getElementById(focusId)?.focus();
  }

  function open(name) {
    const intent = name ? st.doc.intents.find((i) => i.name === name) : null;
    st.editing = name || '';
    st.form = formFromIntent(intent);
    st.error = null;
    st.stale = false;
    draw();
    document.getElementById('kb-name')?.focus();
  }

  function close(focusName) {
    st.editing = null;
    st.form = null;
    st.error = null;
    draw();
    const row = focusName && root.querySelector(`[data-intent="${CSS.escape(focusName)}"] button`);
    (row || document.getElementById('kb-new'))?.focus();
  }

  async function save() {
    const intent = intentFromForm(st.form);
    st.busy = true;
    draw();
    try {
      st.doc = st.editing
        ? await api.updateIntent(st.editing, st.doc.etag, intent)
        : await api.createIntent(st.doc.etag, intent);
      notify(`Intent ${intent.name} saved; the bot uses it now.`, 'info', { timeout: 4000 });
      st.busy = false;
      close(intent.name);
      return;
    } catch (err) {
      st.error = err.message;
      st.stale = err.code === 'changed_on_disk';
    }
    st.busy = false;
    draw();
    document.getElementById('kb-error')?.focus();
  }

  async function remove() {
    const name = st.editing;
    if (!window.confirm(`Delete the intent ${name}? It is removed from its file.`)) return;
    try {
      st.doc = await api.deleteIntent(name, st.doc.etag);
      notify(`Intent ${name} deleted.`, 'info', { timeout: 4000 });
      close(null);
    } catch (err) {
      st.error = err.message;
      st.stale = err.code === 'changed_on_disk';
      draw();
      document.getElementById('kb-error')?.focus();
    }
  }

  async function tryIt(e) {
    e.preventDefault();
    try {
      st.tried = await api.tryKb(st.tryText);
    } catch (err) {
      st.tried = { error: err.message };
    }
    draw();
  }

  function draw() {
    const doc = st.doc;
    const head = [h('h2#set-kb-title', 'Knowledge base')];
    if (st.loadError) {
      root.replaceChildren(...head, h('p.form-error', { role: 'alert' }, st.loadError));
      return;
    }
    if (!doc) {
      root.replaceChildren(...head, h('p', 'Loading…'));
      return;
    }
    const status = doc.status || {};
    head.push(
      h('p.settings-note', 'The FAQ bot\'s intents, as written in the files of ', h('code#kb-dir', doc.dir),
        `. Saving writes into those files (their comments and layout are kept); new intents go to ${doc.new_intents_file}. Editing the files by hand still works: they are reloaded within a second.`),
      h('p.muted#kb-status', `${status.intents ?? 0} intents, ${status.actions ?? 0} actions, ${status.model || 'builtin'} matcher, loaded ${when(status.loaded_at)}.`),
      status.last_error ? h('p.form-error', { role: 'alert' }, `The last edit of the files was refused (the bot keeps the version before it): ${status.last_error}`) : null,
      doc.errors.length ? h('div.form-error', { role: 'alert' }, h('p', 'The files do not load as they are now; fix them by hand:'),
        h('ul', doc.errors.map((e) => h('li', e)))) : null);
    root.replaceChildren(...head.filter(Boolean), st.editing === null ? list(doc) : editor(doc), tryBox());
  }

  function list(doc) {
    const q = st.filter.toLowerCase();
    const shown = doc.intents.filter((i) => !q || i.name.toLowerCase().includes(q)
      || (i.examples || []).some((x) => x.toLowerCase().includes(q)) || (i.answer || '').toLowerCase().includes(q));
    const filter = h('input#kb-filter', {
      type: 'search', value: st.filter, placeholder: 'name, example or answer', autocomplete: 'off',
      oninput: (e) => { st.filter = e.target.value; draw(); document.getElementById('kb-filter')?.focus(); },
    });
    return h('div',
      h('div.settings-inline',
        h('div.field', h('label', { for: 'kb-filter' }, 'Find an intent'), filter),
        h('div.field', h('button.btn.btn-primary#kb-new', { type: 'button', disabled: doc.errors.length > 0, onclick: () => open(null) }, 'New intent'))),
      h('div.table-scroll', h('table.settings-table.kb-table',
        h('caption', `Intents (${shown.length} of ${doc.intents.length})`),
        h('thead', h('tr', ['Intent', 'Examples', 'Answer', 'File'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', shown.map((i) => h('tr', { dataset: { intent: i.name } },
          h('th', { scope: 'row' }, h('button.btn-link', {
            type: 'button', disabled: doc.errors.length > 0, onclick: () => open(i.name),
            'aria-label': `Edit ${i.name}`,
          }, i.name)),
          h('td', String((i.examples || []).length)),
          h('td.kb-answer', i.action ? `action: ${i.action}${i.answer ? ` · ${i.answer}` : ''}` : (i.answer || '')),
          h('td.muted', `${i.file}:${i.line}`)))))));
  }

  function editor(doc) {
    const f = st.form;
    const bind = (key) => (e) => { f[key] = e.target.value; };
    const others = doc.intents.map((i) => i.name).filter((n) => n !== st.editing);
    const field = (id, label, control, hint) => h('div.field',
      h('label', { for: id }, label), control, hint ? h('small.muted', { id: `${id}-hint` }, hint) : null);
    const input = (id, key, attrs = {}) => h(`input#${id}`, { type: 'text', value: f[key], autocomplete: 'off', oninput: bind(key), ...attrs });
    const area = (id, key, rows, attrs = {}) => h(`textarea#${id}`, { rows, value: f[key], oninput: bind(key), ...attrs });
    const options = (values, current, empty) => [h('option', { value: '' }, empty),
      ...values.map((v) => h('option', { value: v, selected: v === current }, v))];
    const buttons = f.buttons.map((b, i) => h('div.kb-button-row', { dataset: { button: String(i) } },
      h('input', {
        id: `kb-button-${i}`, type: 'text', value: b.title, maxlength: 20, 'aria-label': `Button ${i + 1} title`,
        oninput: (e) => { b.title = e.target.value; },
      }),
      h('select', {
        id: `kb-button-${i}-target`, 'aria-label': `Button ${i + 1} leads to`, onchange: (e) => { b.target = e.target.value; },
      }, h('option', { value: '', selected: !b.target }, 'matched like a message'),
      h('option', { value: '@person', selected: b.target === '@person' }, 'a person (hand off)'),
      ...others.map((n) => h('option', { value: n, selected: b.target === n }, `intent ${n}`))),
      h('button.btn.btn-small', { type: 'button', 'aria-label': `Remove button ${i + 1}`, onclick: () => { f.buttons.splice(i, 1); draw(); } }, 'Remove')));
    return h('form.settings-card.kb-editor', {
      'aria-labelledby': 'kb-editor-title',
      onsubmit: (e) => { e.preventDefault(); save(); },
    },
    h('h3#kb-editor-title', st.editing ? `Edit intent ${st.editing}` : 'New intent'),
    st.editing ? h('p.muted', `In ${doc.intents.find((i) => i.name === st.editing)?.file ?? ''}.`) : null,
    h('div.settings-grid',
      field('kb-name', 'Name', input('kb-name', 'name', { required: true, placeholder: 'track_order' }), 'Reports and the timeline use it.'),
      field('kb-title', 'Title on a "did you mean" button', input('kb-title', 'title', { maxlength: 20 }), 'At most 20 characters; default: the name.')),
    field('kb-examples', 'Example questions, one per line', area('kb-examples', 'examples', 6, { required: true }),
      'A few ways customers ask it, in any language; the bot matches paraphrases of them.'),
    field('kb-answer', 'Answer', area('kb-answer', 'answer', 4),
      'Variables: {{customer_name}} and the knowledge base\'s [vars]; needed unless an action answers.'),
    h('fieldset.kb-buttons', h('legend', `Reply buttons (at most ${MAX_BUTTONS}, 20 characters each)`),
      buttons,
      f.buttons.length < MAX_BUTTONS ? h('button.btn.btn-small#kb-add-button', {
        type: 'button', onclick: () => { f.buttons.push({ title: '', target: '' }); draw(); document.getElementById(`kb-button-${f.buttons.length - 1}`)?.focus(); },
      }, 'Add a button') : null),
    h('div.settings-grid',
      field('kb-list-button', 'List: its button', input('kb-list-button', 'listButton', { maxlength: 20 }), 'Instead of buttons, for up to 10 choices.'),
      field('kb-list-rows', 'List: rows, one per line', area('kb-list-rows', 'listRows', 3))),
    h('div.settings-grid',
      field('kb-media', 'Media link (sent before the answer)', input('kb-media', 'media', { placeholder: 'https://…' })),
      field('kb-action', 'Action', h('select#kb-action', { onchange: bind('action') }, options(doc.actions, f.action, 'none'))),
      field('kb-after', 'Only right after the answer to', h('select#kb-after', { onchange: bind('after') }, options(others, f.after, 'any time')))),
    h('div.form-error#kb-error', { role: 'alert', tabindex: '-1', hidden: !st.error },
      st.error ? h('pre.kb-error-text', st.error) : null,
      st.stale ? h('button.btn.btn-small', { type: 'button', onclick: () => { st.error = null; st.stale = false; st.editing = null; load('kb-new'); } }, 'Reload the knowledge base') : null),
    h('div.settings-actions',
      h('button.btn.btn-primary#kb-save', { type: 'submit', disabled: st.busy }, st.busy ? 'Saving…' : 'Save'),
      h('button.btn#kb-cancel', { type: 'button', onclick: () => close(st.editing) }, 'Cancel'),
      st.editing ? h('button.btn.btn-danger#kb-delete', { type: 'button', onclick: remove }, 'Delete') : null));
  }

  function tryBox() {
    const t = st.tried;
    const out = h('div.try-result#kb-try-result', { 'aria-live': 'polite' });
    if (t?.error) out.append(h('p.form-error', t.error));
    else if (t) {
      const verdict = {
        answer: `Answers with ${t.intent} (confidence ${pct(t.confidence)})`,
        clarify: 'Asks which one the customer means',
        handoff: `Hands off to a person (${(t.handoff || 'no_answer').replace(/_/g, ' ')})`,
        action: `Runs the action ${t.action}`,
        slot: `Asks for what the action ${t.action || ''} needs`,
      }[t.outcome] || t.outcome;
      out.append(
        h('p.kb-verdict', { dataset: { outcome: t.outcome } }, h('strong', verdict)),
        t.candidates?.length ? h('ol.kb-candidates', t.candidates.map(([name, c]) => h('li', `${name}: ${pct(c)}`))) : null,
        h('p.muted', `Answers at ${pct(t.answer_threshold)} or more, asks between ${pct(t.clarify_threshold)} and that, hands off below.`),
        ...t.messages.map((m) => h('div.template-preview.kb-preview',
          m.media ? h('p.muted', `[media] ${m.media}`) : null,
          h('p', m.text),
          m.buttons?.length ? h('div.tpl-buttons', m.buttons.map(([, title]) => h('span.tpl-button', title))) : null,
          m.list ? h('div.tpl-buttons', h('span.tpl-button', `☰ ${m.list.button}`), h('small.muted', m.list.rows.map((r) => r.title).join(' · '))) : null)),
        h('p.try-explanation', h('strong', 'Timeline: '), t.why));
    }
    return h('form.settings-card.try-box.kb-try', {
      onsubmit: tryIt, 'aria-labelledby': 'kb-try-title',
    }, h('h3#kb-try-title', 'Try it'),
    h('p.muted', 'Runs a customer\'s first message through the bot as it is now (saved intents only). Nothing is sent, no action is called; sentiment and an LLM are not consulted.'),
    h('div.field', h('label', { for: 'kb-try-text' }, 'Customer message'),
      h('input#kb-try-text', { type: 'text', value: st.tryText, autocomplete: 'off', placeholder: 'this item doesn\'t fit, what are my options?', oninput: (e) => { st.tryText = e.target.value; } })),
    h('button.btn.btn-primary#kb-try', { type: 'submit' }, 'Try'), out);
  }

  draw();
  load();
  return root;
}
