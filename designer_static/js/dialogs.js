// Modal dialogs and notices, built with DOM APIs only.

import { h } from './dom.js';

/**
 * Opens a modal <dialog>. buttons: [{label, value, primary}]; `onButton(value)` may return false
 * (or a promise of false) to keep the dialog open. Resolves with the value of the closing button.
 */
export function openDialog({ title, body, buttons, onButton, wide, testId }) {
  return new Promise((resolve) => {
    const error = h('div', { class: 'bf-dialog-error', role: 'alert', hidden: true });
    const dialog = h('dialog', { class: wide ? 'bf-dialog bf-dialog-wide' : 'bf-dialog', 'data-dialog': testId || '' });
    const close = (value) => {
      dialog.close();
      dialog.remove();
      resolve(value);
    };
    const footer = h('div', { class: 'bf-dialog-buttons' }, (buttons || [{ label: 'Close', value: null }]).map((b) => h('button', {
      type: 'button', class: b.primary ? 'bf-btn bf-btn-primary' : 'bf-btn', 'data-button': b.value ?? 'close', text: b.label,
      onclick: async () => {
        error.hidden = true;
        try {
          if (onButton && (await onButton(b.value)) === false) return;
        } catch (e) {
          error.textContent = e.message;
          error.hidden = false;
          return;
        }
        close(b.value);
      },
    })));
    dialog.append(h('h2', { class: 'bf-dialog-title', text: title }), h('div', { class: 'bf-dialog-body' }, body), error, footer);
    dialog.addEventListener('cancel', (e) => { e.preventDefault(); close(null); });
    document.body.append(dialog);
    dialog.showModal();
    const first = dialog.querySelector('[data-autofocus]') || dialog.querySelector('input, select, textarea');
    if (first) first.focus();
  });
}

/** Asks a yes/no question; resolves true when the user confirms. */
export function confirmDialog(title, message, okLabel = 'OK') {
  return openDialog({
    title, body: h('p', { text: message }),
    buttons: [{ label: 'Cancel', value: 'cancel' }, { label: okLabel, value: 'ok', primary: true }],
    testId: 'confirm',
  }).then((v) => v === 'ok');
}

let noticeTimer = null;

/** A short message at the top of the page; kind: info, success, error. */
export function notice(message, kind = 'info') {
  let el = document.getElementById('bf-notice');
  if (!el) {
    el = h('div', { id: 'bf-notice', role: 'status' });
    document.body.append(el);
  }
  el.className = `bf-notice bf-notice-${kind}`;
  el.textContent = message;
  el.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => { el.hidden = true; }, kind === 'error' ? 9000 : 4000);
}
