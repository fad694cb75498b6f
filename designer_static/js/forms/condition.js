// The condition editor of SPEC 3.2: nested all/any groups, "not", and clauses whose right-hand
// input follows the type of the field on the left.

import { clear, h } from '../dom.js';
import { fieldOfRef, parseValue, valueInput, valueText } from './values.js';

export const OPS = [
  ['=', 'equals'], ['!=', 'does not equal'], ['>', 'greater than'], ['>=', 'greater or equal'],
  ['<', 'less than'], ['<=', 'less or equal'], ['contains', 'contains'], ['not_contains', 'does not contain'],
  ['in', 'is one of'], ['not_in', 'is not one of'], ['between', 'is between'], ['empty', 'is empty'],
  ['not_empty', 'is not empty'], ['modified', 'was modified'],
];
const UNARY = new Set(['empty', 'not_empty', 'modified']);
const LISTY = new Set(['in', 'not_in']);

function isGroup(cond) {
  return cond && typeof cond === 'object' && ('all' in cond || 'any' in cond);
}

/** Editor for one condition (group or clause); `name` prefixes input names. Returns {el, get}. */
export function conditionEditor(cond, ctx, name, onRemove) {
  let negated = false;
  while (cond && typeof cond === 'object' && 'not' in cond) {
    negated = !negated;
    cond = cond.not;
  }
  const notBox = h('input', { type: 'checkbox', name: `${name}/not`, checked: negated });
  const notLabel = h('label', { class: 'bf-not' }, notBox, ' not');
  const inner = isGroup(cond) ? groupEditor(cond, ctx, name) : clauseEditor(cond || {}, ctx, name);
  const el = h('div', { class: inner.kind === 'group' ? 'bf-cond bf-cond-group' : 'bf-cond bf-cond-clause' },
    notLabel, inner.el,
    onRemove ? h('button', { type: 'button', class: 'bf-remove', title: 'Remove this condition', text: '×', onclick: () => { el.remove(); onRemove(); } }) : null);
  return { el, get: () => (notBox.checked ? { not: inner.get() } : inner.get()) };
}

function groupEditor(cond, ctx, name) {
  const mode = 'all' in cond ? 'all' : 'any';
  const modeSelect = h('select', { name: `${name}/mode`, class: 'bf-cond-mode' },
    h('option', { value: 'all', text: 'all of' }), h('option', { value: 'any', text: 'any of' }));
  modeSelect.value = mode;
  const children = [];
  const list = h('div', { class: 'bf-cond-children' });
  let counter = 0;
  const add = (child) => {
    const entry = {};
    entry.editor = conditionEditor(child, ctx, `${name}/${counter++}`, () => children.splice(children.indexOf(entry), 1));
    children.push(entry);
    list.append(entry.editor.el);
  };
  (cond[mode] || []).forEach(add);
  const el = h('div', {}, modeSelect, list,
    h('div', { class: 'bf-cond-actions' },
      h('button', { type: 'button', class: 'bf-add', 'data-action': 'add-clause', text: '+ Clause', onclick: () => add({ left: '', op: '=', right: '' }) }),
      h('button', { type: 'button', class: 'bf-add', 'data-action': 'add-group', text: '+ Group', onclick: () => add({ all: [] }) })));
  return { kind: 'group', el, get: () => ({ [modeSelect.value]: children.map((c) => c.editor.get()) }) };
}

function clauseEditor(clause, ctx, name) {
  const left = valueInput(clause.left ?? '', { name: `${name}/left`, ctx, placeholder: '{=Document:FIELD}' });
  const op = h('select', { name: `${name}/op`, class: 'bf-cond-op' }, OPS.map(([id, title]) => h('option', { value: id, text: title })));
  op.value = clause.op || '=';
  const rightBox = h('span', { class: 'bf-cond-right' });
  let right = null;
  let rightValue = clause.right;
  const renderRight = () => {
    if (right) rightValue = right.get();
    clear(rightBox);
    right = null;
    if (UNARY.has(op.value)) return;
    const field = fieldOfRef(left.input.value, ctx.fields);
    right = typedRight(rightValue, field, op.value, ctx, `${name}/right`);
    rightBox.append(right.el);
  };
  op.addEventListener('change', renderRight);
  left.input.addEventListener('change', renderRight);
  left.input.addEventListener('input', () => { if (fieldOfRef(left.input.value, ctx.fields)) renderRight(); });
  renderRight();
  const el = h('div', { class: 'bf-clause' }, left.el, op, rightBox);
  return {
    kind: 'clause', el, get: () => {
      const result = { left: left.get(), op: op.value };
      if (right) result.right = right.get();
      return result;
    },
  };
}

/** The right-hand input, typed by the left field: number, date, yes/no, options, list, range. */
function typedRight(value, field, op, ctx, name) {
  const type = field ? field.type : undefined;
  if (op === 'between') {
    const pair = Array.isArray(value) ? value : ['', ''];
    const low = typedScalar(pair[0], field, ctx, `${name}/0`);
    const high = typedScalar(pair[1], field, ctx, `${name}/1`);
    return { el: h('span', { class: 'bf-between' }, low.el, ' and ', high.el), get: () => [low.get(), high.get()] };
  }
  if (LISTY.has(op)) {
    const items = Array.isArray(value) ? value : value === undefined || value === '' ? [] : [value];
    const editor = valueInput(items.map(valueText).join(', '), { name, ctx, type, placeholder: 'a, b, c' });
    return { el: editor.el, get: () => editor.input.value.split(',').map((t) => t.trim()).filter(Boolean).map((t) => parseValue(t, type)) };
  }
  return typedScalar(value, field, ctx, name);
}

function typedScalar(value, field, ctx, name) {
  const type = field ? field.type : undefined;
  const isRef = typeof value === 'string' && (value.includes('{=') || value.startsWith('='));
  if (!isRef && (type === 'integer' || type === 'number')) {
    const input = h('input', { type: 'number', name, class: 'bf-input', step: type === 'integer' ? '1' : 'any' });
    input.value = value === null || value === undefined ? '' : String(value);
    return { el: input, get: () => (input.value === '' ? null : Number(input.value)) };
  }
  if (!isRef && type === 'date') {
    const input = h('input', { type: 'date', name, class: 'bf-input' });
    input.value = typeof value === 'string' ? value : '';
    return { el: input, get: () => input.value || null };
  }
  if (!isRef && type === 'boolean') {
    const select = h('select', { name, class: 'bf-input' }, h('option', { value: 'true', text: 'Yes' }), h('option', { value: 'false', text: 'No' }));
    select.value = value === false || value === 'N' ? 'false' : 'true';
    return { el: select, get: () => select.value === 'true' };
  }
  return valueInput(value ?? '', { name, ctx, type, options: field ? field.options : [] });
}
