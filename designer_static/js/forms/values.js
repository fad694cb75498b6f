// Inputs for property values: free values with the "…" reference picker, and typed inputs
// (number, date, yes/no, list options) for a known field type.

import { h } from '../dom.js';
import { insertAtCaret, openPicker } from './picker.js';

const NUMBER_TYPES = new Set(['integer', 'number', 'user', 'crm_ref']);
const NUMERIC = /^-?\d+(\.\d+)?$/;

/** Text shown in an input for a stored value. */
export function valueText(value) {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/**
 * Reads a value back from text: references and formulas stay strings; for a typed slot a
 * number or yes/no literal becomes a JSON number or boolean.
 */
export function parseValue(text, type, original) {
  if (text === '') return type === 'string' || type === 'text' ? '' : null;
  if (text.includes('{=') || text.startsWith('=')) return text;
  if ((NUMBER_TYPES.has(type) || typeof original === 'number') && NUMERIC.test(text)) return Number(text);
  if ((type === 'boolean' || typeof original === 'boolean') && (text === 'true' || text === 'false')) return text === 'true';
  if (typeof original !== 'string' && /^[[{]/.test(text)) {
    try { return JSON.parse(text); } catch { return text; }
  }
  return text;
}

/**
 * A value input with the "…" picker. opts: {name, ctx, type (field type hint), multiline,
 * placeholder, options: [[id, title]]}. Returns {el, input, get()}.
 */
export function valueInput(value, opts) {
  const { name, ctx, type, multiline, placeholder } = opts;
  const options = opts.options || [];
  const input = multiline
    ? h('textarea', { name, rows: 4, class: 'bf-input', placeholder })
    : h('input', { type: 'text', name, class: 'bf-input', placeholder, autocomplete: 'off' });
  input.value = valueText(value);
  let list = null;
  if (!multiline && options.length) {
    // List fields: the options are offered, references and formulas can still be typed.
    const id = `dl-${Math.random().toString(36).slice(2)}`;
    list = h('datalist', { id }, options.map(([optId, title]) => h('option', { value: optId, label: title })));
    input.setAttribute('list', id);
  } else if (!multiline && type === 'date') input.placeholder = placeholder || 'YYYY-MM-DD or {=...}';
  else if (!multiline && type === 'boolean') input.placeholder = placeholder || 'true / false';
  const button = h('button', {
    type: 'button', class: 'bf-pick', title: 'Insert a field, variable, constant or block result',
    'aria-label': 'Insert reference', text: '…',
    onclick: () => openPicker(button, ctx, (ref) => insertAtCaret(input, ref)),
  });
  const el = h('span', { class: multiline ? 'bf-value bf-value-multi' : 'bf-value' }, input, button, list);
  return { el, input, get: () => parseValue(input.value, type, value) };
}

/** A list of values (recipients): one value per row, add and remove. */
export function valueList(values, opts) {
  const rows = [];
  const body = h('div', { class: 'bf-list' });
  const add = (value) => {
    const editor = valueInput(value, { ...opts, name: `${opts.name}/${rows.length}` });
    const row = h('div', { class: 'bf-list-row' }, editor.el,
      h('button', { type: 'button', class: 'bf-remove', title: 'Remove', text: '×', onclick: () => {
        rows.splice(rows.indexOf(entry), 1);
        row.remove();
      } }));
    const entry = { row, editor };
    rows.push(entry);
    body.append(row);
    return editor;
  };
  const initial = Array.isArray(values) ? values : values === undefined || values === null ? [] : [values];
  initial.forEach(add);
  if (!initial.length) add('');
  const el = h('div', {}, body, h('button', { type: 'button', class: 'bf-add', text: '+ Add', onclick: () => add('').input.focus() }));
  return { el, get: () => rows.map((r) => r.editor.get()).filter((v) => v !== '' && v !== null) };
}

/** The field definition a value refers to when it is exactly `{=Document:CODE}`. */
export function fieldOfRef(value, fields) {
  const m = typeof value === 'string' && /^\{=Document:([A-Z][A-Z0-9_]*)\}$/.exec(value.trim());
  return m ? (fields || []).find((f) => f.code === m[1]) : undefined;
}
