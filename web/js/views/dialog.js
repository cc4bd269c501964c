// A modal form on <dialog>: focus trapping, Escape and the backdrop for free.
// One per kind, mounted once; store.ui.dialog says which one is open, so a
// keyboard shortcut and a button open it the same way.
import { h } from '../util/dom.js';
import { watch, setUi, getState } from '../store.js';

/**
 * mountDialog({name, title, submitLabel, build, submit, returnFocus}):
 * - build(ticket, state) → {subtitle, fields: [nodes], focus: element} fills the form each time it opens;
 * - submit(ticket, form) → Promise; throws to keep the dialog open with the error shown;
 * - returnFocus: id of the element to focus after closing if focus was lost.
 */
export function mountDialog({ name, title, submitLabel, build, submit, returnFocus }) {
  const titleId = `${name}-title`;
  const errorBox = h('p.form-error', { role: 'alert', hidden: true });
  const fields = h('div.dialog-fields');
  const submitBtn = h('button.btn.btn-primary', { type: 'submit' }, submitLabel);
  const subtitle = h('p.muted.dialog-sub');
  const form = h('form.dialog-form', { novalidate: true, onsubmit: onSubmit },
    h('div.pane-header', h('h2', { id: titleId }, title),
      h('button.btn.btn-icon', { type: 'button', 'aria-label': 'Close', onclick: () => dialog.close() }, '×')),
    h('div.dialog-body', subtitle, fields, errorBox),
    h('div.dialog-actions',
      h('button.btn', { type: 'button', onclick: () => dialog.close() }, 'Cancel'),
      submitBtn));
  const dialog = h(`dialog.form-dialog#${name}-dialog`, {
    'aria-labelledby': titleId,
    onclose: () => {
      if (getState().ui.dialog === name) setUi({ dialog: null });
      // The button that opened it may have been re-rendered meanwhile.
      if (!document.activeElement || document.activeElement === document.body) {
        document.getElementById(returnFocus)?.focus();
      }
    },
  }, form);
  document.body.append(dialog);

  let ticketId = null;
  let busy = false;

  function open(s) {
    const t = s.tickets[s.selectedId];
    if (!t) { setUi({ dialog: null }); return; }
    ticketId = t.id;
    errorBox.hidden = true;
    busy = false;
    submitBtn.disabled = false;
    const built = build(t, s);
    subtitle.textContent = built.subtitle || '';
    subtitle.hidden = !built.subtitle;
    fields.replaceChildren(...built.fields);
    dialog.showModal();
    built.focus?.focus();
  }

  async function onSubmit(e) {
    e.preventDefault();
    if (busy) return;
    const t = getState().tickets[ticketId];
    if (!t) return dialog.close();
    errorBox.hidden = true;
    busy = true;
    submitBtn.disabled = true;
    try {
      await submit(t, form);
      dialog.close();
    } catch (err) {
      errorBox.textContent = err.message || String(err);
      errorBox.hidden = false;
      err.field?.focus();
    } finally {
      busy = false;
      submitBtn.disabled = false;
    }
  }

  watch((s) => s.ui.dialog, (which, s) => {
    if (which === name && !dialog.open) open(s);
    else if (which !== name && dialog.open) dialog.close();
  });
  return dialog;
}

/** A validation error pointing at the field to fix. */
export function fieldError(message, field) {
  const err = new Error(message);
  err.field = field;
  return err;
}
