// Template settings' values (constants' values, parameters' and variables' defaults) are stored
// as JSON of their declared type: a number as a number, yes/no as a boolean, a user as the user's
// id, a date as an ISO date. Text that is not of the type is an error shown next to its input.

import { h } from '../dom.js';

const WHOLE = /^-?\d+$/;
const DECIMAL = /^-?(\d+([.,]\d*)?|[.,]\d+)$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;
const YES = new Set(['true', 'yes', '1']);
const NO = new Set(['false', 'no', '0']);

function realDate(text) {
  const [y, m, d] = text.slice(0, 10).split('-').map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/**
 * The stored value for `text` typed into a setting of field type `type`: {value} or {error}.
 * Empty text is null (no value); a reference ({=...}) or formula (=...) stays text.
 */
export function typedValue(text, type) {
  const t = String(text ?? '').trim();
  if (t === '') return { value: null };
  if (t.includes('{=') || t.startsWith('=')) return { value: t };
  switch (type) {
    case 'integer':
      return WHOLE.test(t) ? { value: Number(t) } : { error: 'a whole number, e.g. 42' };
    case 'number':
      return DECIMAL.test(t) ? { value: Number(t.replace(',', '.')) } : { error: 'a number, e.g. 1500 or 12.5' };
    case 'user':
    case 'crm_ref':
      return WHOLE.test(t) && Number(t) > 0 ? { value: Number(t) } : { error: type === 'user' ? 'a user id (a number; pick from the list)' : 'a record id (a number)' };
    case 'boolean':
      if (YES.has(t.toLowerCase())) return { value: true };
      if (NO.has(t.toLowerCase())) return { value: false };
      return { error: 'yes or no (true / false)' };
    case 'date':
      return DATE.test(t) && realDate(t) ? { value: t } : { error: 'a date as YYYY-MM-DD' };
    case 'datetime':
      return DATETIME.test(t) && realDate(t) ? { value: t.replace(' ', 'T') } : { error: 'a date and time as YYYY-MM-DDTHH:MM' };
    case 'email':
      return /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(t) ? { value: t } : { error: 'an e-mail address' };
    default:
      return { value: t };
  }
}

const PLACEHOLDERS = {
  integer: '42', number: '12.5', user: 'user id', crm_ref: 'record id', boolean: 'yes / no',
  date: 'YYYY-MM-DD', datetime: 'YYYY-MM-DDTHH:MM', email: 'name@example.com',
};

/**
 * Types the `key` value of every item of the settings list `list` (as read from the form) from
 * the inputs named `<list>/<n>/<key>` in `form`, in the same order; marks each bad input with
 * its error. Returns the problems as "<list> <id>: <error>".
 */
export function typeListValues(form, list, key, items) {
  const inputs = [...form.querySelectorAll(`[name^="${list}/"][name$="/${key}"]`)];
  const problems = [];
  items.forEach((item, index) => {
    const input = inputs[index];
    if (!input) return;
    const result = typedValue(input.value, item.type);
    showError(input, result.error ? `${labelFor(key)} must be ${result.error}` : '');
    if (result.error) problems.push(`${list} ${item.id || index + 1}: ${labelFor(key).toLowerCase()} must be ${result.error}`);
    else item[key] = result.value;
  });
  return problems;
}

/** Re-checks the value next to a changed type or value input, and fits its placeholder. */
export function recheck(form, changed, key, users) {
  const m = /^([a-z]+)\/(\d+)\/(type|value|default)$/.exec(changed.name || '');
  if (!m) return;
  const input = form.querySelector(`[name="${m[1]}/${m[2]}/${key}"]`);
  const type = form.querySelector(`[name="${m[1]}/${m[2]}/type"]`);
  if (!input || !type) return;
  const declared = JSON.parse(type.value);
  input.placeholder = PLACEHOLDERS[declared] || '';
  if (declared === 'user' && users && !input.getAttribute('list')) input.setAttribute('list', users);
  else if (declared !== 'user' && input.getAttribute('list') === users) input.removeAttribute('list');
  const result = typedValue(input.value, declared);
  showError(input, result.error ? `${labelFor(key)} must be ${result.error}` : '');
}

function labelFor(key) {
  return key === 'value' ? 'Value' : 'Default';
}

function showError(input, message) {
  const slot = input.closest('.bf-value') || input;
  let el = slot.nextElementSibling;
  if (!el || !el.classList.contains('bf-field-error')) {
    if (!message) return;
    el = h('div', { class: 'bf-field-error', role: 'alert', 'data-field-error': input.name });
    slot.after(el);
  }
  el.textContent = message;
  el.hidden = !message;
  input.setAttribute('aria-invalid', message ? 'true' : 'false');
}
