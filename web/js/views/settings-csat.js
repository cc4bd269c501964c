// Settings → CSAT (admins): whether and when the satisfaction survey goes
// out after a resolution, and every text the customer sees, with a preview
// of the WhatsApp list message (GET/PUT /admin/csat). A [csat] section in the
// config file (or a --csat-* flag) wins: then the screen only shows them.
import { h } from '../util/dom.js';
import { api } from '../api.js';
import { notify } from './toast.js';

const MAX_ROW = 24; // a list row's title
const MAX_BUTTON = 20;

/** A row of the survey list as WhatsApp shows it: "⭐⭐⭐ Okay". */
export function surveyRow(rating, label) {
  return `${'⭐'.repeat(rating)} ${label}`;
}

/** Problems the form can see before the server does (it checks again). */
export function csatProblems(s) {
  const out = [];
  if (!s.question.trim()) out.push('The question cannot be empty.');
  if (!s.button.trim() || [...s.button.trim()].length > MAX_BUTTON) out.push(`The list button must be 1 to ${MAX_BUTTON} characters.`);
  s.labels.forEach((l, i) => {
    const row = surveyRow(i + 1, l.trim());
    if (!l.trim()) out.push(`The label for ${i + 1} cannot be empty.`);
    else if ([...row].length > MAX_ROW) out.push(`"${row}" is longer than ${MAX_ROW} characters (WhatsApp's limit for a list row).`);
  });
  if (!s.follow_up.trim()) out.push('The follow-up question cannot be empty.');
  if (!s.thanks.trim()) out.push('The thank-you message cannot be empty.');
  return out;
}

/** The section's element; it loads itself and redraws in place. */
export function renderCsatSection() {
  const root = h('section.settings-section', { 'aria-labelledby': 'set-csat-title' });
  const st = { doc: null, draft: null, error: null, busy: false };

  async function load() {
    try {
      st.doc = await api.csatSettings();
      st.draft = structuredClone(st.doc.settings);
      st.error = null;
    } catch (err) {
      st.error = `Could not load the CSAT settings: ${err.message}`;
    }
    draw();
  }

  async function save(e) {
    e.preventDefault();
    const problems = csatProblems(st.draft);
    if (problems.length) {
      st.error = problems.join('\n');
      draw();
      document.getElementById('csat-error')?.focus();
      return;
    }
    st.busy = true;
    draw();
    try {
      st.doc = await api.putCsatSettings(st.draft);
      st.draft = structuredClone(st.doc.settings);
      st.error = null;
      notify('CSAT settings saved; the next resolved ticket uses them.', 'info', { timeout: 4000 });
    } catch (err) {
      st.error = err.message;
    }
    st.busy = false;
    draw();
    document.getElementById(st.error ? 'csat-error' : 'csat-save')?.focus();
  }

  function draw() {
    const head = h('h2#set-csat-title', 'CSAT survey');
    if (!st.doc) {
      root.replaceChildren(head, st.error ? h('p.form-error', { role: 'alert' }, st.error) : h('p', 'Loading…'));
      return;
    }
    const d = st.draft;
    const ro = !st.doc.editable;
    const redraw = () => {
      const keep = document.activeElement?.id;
      draw();
      if (keep) document.getElementById(keep)?.focus();
    };
    const text = (id, key, label, hint, attrs = {}) => h('div.field',
      h('label', { for: id }, label),
      h(`input#${id}`, { type: 'text', value: d[key], disabled: ro, autocomplete: 'off', oninput: (e) => { d[key] = e.target.value; redrawPreview(); }, ...attrs }),
      hint ? h('small.muted', hint) : null);
    const area = (id, key, label) => h('div.field',
      h('label', { for: id }, label),
      h(`textarea#${id}`, { rows: 2, value: d[key], disabled: ro, oninput: (e) => { d[key] = e.target.value; redrawPreview(); } }));
    const preview = h('div.csat-preview-holder', { 'aria-live': 'off' });
    function redrawPreview() {
      preview.replaceChildren(
        h('h3', 'Preview'),
        h('div.template-preview.csat-preview', { 'aria-label': 'The survey as the customer sees it' },
          h('p', d.question),
          h('div.tpl-buttons', h('span.tpl-button', `☰ ${d.button}`)),
          h('ul.csat-preview-rows', [5, 4, 3, 2, 1].map((n) => h('li', surveyRow(n, d.labels[n - 1]))))),
        h('p.muted', 'After a rating of 1 to 3:'),
        h('div.template-preview', h('p', d.follow_up)),
        h('p.muted', 'After the rating (4 or 5) or the comment:'),
        h('div.template-preview', h('p', d.thanks)));
    }
    redrawPreview();
    const source = {
      file: 'These settings come from the config file\'s [csat] section (or a --csat-* flag), which wins over this screen. Change them there and restart Parley.',
      database: `Saved on this screen${st.doc.updated_at ? ` on ${new Date(st.doc.updated_at).toLocaleString()}` : ''}.`,
      default: 'Parley\'s defaults; nothing saved yet.',
    }[st.doc.source];
    root.replaceChildren(head,
      h('p.settings-note', 'When a ticket is resolved, the customer gets a 1-5 rating as a WhatsApp list message after the delay below; a rating of 1 to 3 asks what to improve, and the answer is stored with the ticket, agent and team. No survey goes twice, none if the ticket reopened meanwhile or was closed as spam.'),
      h(ro ? 'p.settings-banner#csat-source' : 'p.muted#csat-source', { role: ro ? 'note' : null }, source),
      h('form.settings-card.csat-form', { onsubmit: save, 'aria-labelledby': 'set-csat-title' },
        h('label.check', { for: 'csat-enabled' }, h('input#csat-enabled', {
          type: 'checkbox', checked: d.enabled, disabled: ro, onchange: (e) => { d.enabled = e.target.checked; redraw(); },
        }), ' Send a survey after each resolved ticket'),
        h('div.settings-grid',
          text('csat-delay', 'delay', 'Delay after resolution', 'e.g. 10m; 5 to 15 minutes gives the customer time to check the fix.'),
          text('csat-resurvey', 'resurvey_after', 'Do not survey a contact again within', 'e.g. 24h'),
          text('csat-comment-window', 'comment_window', 'A comment counts within', 'e.g. 24h after the follow-up question')),
        h('div.csat-texts',
          area('csat-question', 'question', 'Question'),
          text('csat-button', 'button', 'List button', `At most ${MAX_BUTTON} characters.`, { maxlength: MAX_BUTTON }),
          ...[1, 2, 3, 4, 5].map((n) => h('div.field',
            h('label', { for: `csat-label-${n}` }, `Label for ${n} ${n === 1 ? 'star' : 'stars'}`),
            h(`input#csat-label-${n}`, {
              type: 'text', value: d.labels[n - 1], disabled: ro, autocomplete: 'off', maxlength: MAX_ROW - n - 1,
              oninput: (e) => { d.labels[n - 1] = e.target.value; redrawPreview(); },
            }))),
          area('csat-follow-up', 'follow_up', 'Follow-up after a low rating'),
          area('csat-thanks', 'thanks', 'Thank-you message')),
        h('div.form-error#csat-error', { role: 'alert', tabindex: '-1', hidden: !st.error }, st.error ? h('pre.kb-error-text', st.error) : null),
        ro ? null : h('div.settings-actions',
          h('button.btn.btn-primary#csat-save', { type: 'submit', disabled: st.busy }, st.busy ? 'Saving…' : 'Save'),
          h('button.btn#csat-discard', { type: 'button', onclick: () => { st.draft = structuredClone(st.doc.settings); st.error = null; draw(); } }, 'Discard changes'),
          h('button.btn#csat-defaults', { type: 'button', onclick: () => { st.draft = structuredClone(st.doc.defaults); st.error = null; draw(); } }, 'Use the defaults'))),
      preview);
  }

  draw();
  load();
  return root;
}
