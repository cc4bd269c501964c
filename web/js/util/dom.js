// Tiny DOM helpers. We build elements with h() instead of innerHTML so that
// customer-supplied text can never inject markup.

/**
 * h('button.primary', {onclick, 'aria-label': 'x'}, 'text', childNode, [more])
 * The tag may carry .classes and a #id. Attributes whose value is null,
 * undefined or false are skipped; `true` sets an empty attribute.
 */
export function h(tag, attrs, ...children) {
  const [, name = 'div', rest = ''] = /^([a-z0-9-]*)(.*)$/i.exec(tag);
  const el = document.createElement(name || 'div');
  for (const part of rest.match(/[.#][^.#]+/g) || []) {
    if (part[0] === '.') el.classList.add(part.slice(1));
    else el.id = part.slice(1);
  }
  if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = null;
  }
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value == null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (key === 'class') {
      for (const c of String(value).split(/\s+/).filter(Boolean)) el.classList.add(c);
    } else if (key === 'dataset') {
      Object.assign(el.dataset, value);
    } else if (key === 'value' || key === 'checked' || key === 'selected' || key === 'disabled') {
      el[key] = value;
      if (key === 'disabled' && value) el.setAttribute('disabled', '');
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child == null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace all children of `el`. */
export function mount(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** True when a keyboard event comes from somewhere the user is typing. */
export function isTypingTarget(target) {
  if (!(target instanceof Element)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag !== 'INPUT') return false;
  const type = (target.getAttribute('type') || 'text').toLowerCase();
  return !['button', 'checkbox', 'radio', 'submit', 'reset', 'file'].includes(type);
}

/** <select> from [{value,label}] with the current value selected. */
export function select(attrs, options, current) {
  return h('select', attrs, options.map((o) =>
    h('option', { value: String(o.value), selected: String(o.value) === String(current ?? '') }, o.label)));
}

/**
 * Re-render `root` with `children` while keeping the user's place: if focus
 * was on an element with an id inside root, the new element with that id gets
 * focus back, along with any half-typed value and the caret position.
 */
export function rerender(root, children) {
  const active = document.activeElement;
  const keep = active && active.id && root.contains(active)
    ? { id: active.id, value: active.value, start: active.selectionStart, end: active.selectionEnd }
    : null;
  mount(root, children);
  if (!keep) return;
  const el = root.querySelector(`#${CSS.escape(keep.id)}`);
  if (!el) return;
  if (typeof keep.value === 'string' && el.type !== 'checkbox' && el.tagName !== 'SELECT') {
    el.value = keep.value;
    try { el.setSelectionRange(keep.start, keep.end); } catch { /* not a text field */ }
  }
  el.focus();
}
