// Sign-in screen. Calls onSignedIn({token, agent}) on success.
import { h } from '../util/dom.js';
import { api } from '../api.js';

export function renderLogin(root, { onSignedIn }) {
  const error = h('p.form-error', { role: 'alert', hidden: true });
  const email = h('input#login-email', { type: 'email', name: 'email', autocomplete: 'username', required: true });
  const password = h('input#login-password', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button.btn.btn-primary.btn-block', { type: 'submit' }, 'Sign in');

  const form = h('form.login-card', {
    onsubmit: async (e) => {
      e.preventDefault();
      error.hidden = true;
      submit.disabled = true;
      submit.textContent = 'Signing in…';
      try {
        const res = await api.login(email.value.trim(), password.value);
        onSignedIn(res);
      } catch (err) {
        error.textContent = err.message.charAt(0).toUpperCase() + err.message.slice(1);
        error.hidden = false;
        submit.disabled = false;
        submit.textContent = 'Sign in';
        password.select();
      }
    },
  },
  h('div.login-brand', h('span.logo', { 'aria-hidden': 'true' }, 'P'), h('h1', 'Parley')),
  h('p.muted', 'Sign in to your team inbox.'),
  h('label.field', { for: 'login-email' }, h('span', 'Email'), email),
  h('label.field', { for: 'login-password' }, h('span', 'Password'), password),
  error,
  submit);

  root.replaceChildren(h('div.login-screen', form));
  email.focus();
}
