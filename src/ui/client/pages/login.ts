// The one question the console asks: a bearer token, kept for this tab only.
import { h, mount } from '../dom.js';

export async function loginPage(root: HTMLElement, tryToken: (t: string) => Promise<boolean>): Promise<void> {
  const input = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', spellcheck: 'false', required: true, placeholder: 'PODNET_TOKEN' });
  const message = h('p', { class: 'hint', id: 'login-message', role: 'status' },
    'Paste a podnet token (scope read or more). It is kept in this tab only (sessionStorage) and sent as the bearer token.');
  const button = h('button', { type: 'submit' }, 'Sign in');
  const form = h('form', { class: 'login', id: 'login' }, h('label', { for: 'token' }, 'Token'), input, button, message);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const t = input.value.trim();
    if (!t) return;
    button.disabled = true;
    try {
      if (!(await tryToken(t))) {
        message.textContent = 'The service does not accept this token (401). Create one with: podnet token create NAME --scope read';
        message.className = 'hint bad';
        input.select();
      }
    } catch (err) {
      message.textContent = `The service could not be asked: ${(err as Error).message}`;
      message.className = 'hint bad';
    } finally {
      button.disabled = false;
    }
  });
  mount(root, h('section', { class: 'panel narrow' }, h('h1', null, 'Sign in to podnet'), form));
  input.focus();
}
