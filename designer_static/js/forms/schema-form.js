// Builds a block's properties form from its JSON Schema; the schema's "format" picks the editor
// (value, text, recipients, interval, fields-map, condition), the JSON type picks the rest.

import { clone, h } from '../dom.js';
import { labelOf } from '../needs.js';
import { conditionEditor } from './condition.js';
import { fieldOfRef, valueInput, valueList } from './values.js';

export class FormError extends Error {
  constructor(name, message) {
    super(message);
    this.name_ = name;
  }
}

const MULTILINE = new Set(['body', 'description', 'text']);

function types(schema) {
  const t = schema.type;
  return Array.isArray(t) ? t : t ? [t] : [];
}

/** Editor for the whole `properties` object of a block. */
export function propertiesForm(schema, value, ctx) {
  return objectEditor(schema || { type: 'object', properties: {} }, value || {}, ctx, 'properties', true);
}

/** Picks the editor for one schema: returns {el, get()}; get() returns undefined to omit. */
export function editorFor(schema, value, ctx, name, key) {
  schema = schema || {};
  const fmt = schema.format;
  const t = types(schema);
  if (fmt === 'condition') {
    const editor = conditionEditor(value || { all: [] }, ctx, name);
    if (!t.includes('null')) return editor;
    const box = h('input', { type: 'checkbox', name: `${name}/none`, checked: value === null });
    const sync = () => { editor.el.hidden = box.checked; };
    box.addEventListener('change', sync);
    sync();
    const text = key === 'when' ? ' Otherwise: taken when no branch above matches' : ' No condition';
    return { el: h('div', {}, h('label', { class: 'bf-else' }, box, text), editor.el), get: () => (box.checked ? null : editor.get()) };
  }
  if (fmt === 'recipients') return valueList(value, { name, ctx, type: 'user' });
  if (fmt === 'fields-map') return fieldsMapEditor(value || {}, ctx, name);
  if (fmt === 'value' || fmt === 'interval' || fmt === 'text' || fmt === 'datetime') {
    // ctx.choices[key]: {options: [[id, title]], type} offered for a property (stages, templates).
    const choice = (ctx.choices && name === `properties/${key}` && ctx.choices[key]) || {};
    const editor = valueInput(value ?? '', {
      name, ctx, multiline: fmt === 'text' && MULTILINE.has(key), options: choice.options,
      type: choice.type || (schema.type === 'string' ? 'string' : undefined), placeholder: fmt === 'interval' ? '1d 4h' : '',
    });
    return { el: editor.el, get: () => { const v = editor.get(); return v === '' || v === null ? undefined : v; } };
  }
  if (schema.enum) {
    const select = h('select', { name, class: 'bf-input' }, schema.enum.map((opt) => h('option', { value: JSON.stringify(opt), text: String(opt) })));
    const current = value !== undefined ? value : schema.default !== undefined ? schema.default : schema.enum[0];
    select.value = JSON.stringify(current);
    return { el: select, get: () => JSON.parse(select.value) };
  }
  if (t[0] === 'boolean') {
    const box = h('input', { type: 'checkbox', name, checked: Boolean(value ?? schema.default) });
    return { el: box, get: () => box.checked };
  }
  if (t[0] === 'integer' || t[0] === 'number') {
    const input = h('input', { type: 'number', name, class: 'bf-input', step: t[0] === 'integer' ? '1' : 'any', min: schema.minimum, max: schema.maximum });
    input.value = value ?? schema.default ?? '';
    return { el: input, get: () => (input.value === '' ? undefined : Number(input.value)) };
  }
  if (t[0] === 'string') {
    // Ids, titles and other plain strings take no references: no picker.
    const input = h('input', { type: 'text', name, class: 'bf-input', pattern: schema.pattern, autocomplete: 'off' });
    input.value = value ?? (schema.default !== undefined ? schema.default : '');
    return { el: input, get: () => (input.value === '' ? undefined : input.value) };
  }
  if (t[0] === 'array' && schema.items && (schema.items.properties || types(schema.items)[0] === 'object')) {
    return arrayOfObjects(schema, value || [], ctx, name);
  }
  if (t[0] === 'object' && schema.properties) return objectEditor(schema, value || {}, ctx, name, false);
  if (t[0] === 'object' && schema.additionalProperties) return mapEditor(schema, value || {}, ctx, name, key);
  return jsonEditor(value, name);
}

function objectEditor(schema, value, ctx, name, top) {
  const required = new Set(schema.required || []);
  const rows = [];
  const el = h('div', { class: top ? 'bf-form-props' : 'bf-form-object' });
  for (const [key, sub] of Object.entries(schema.properties || {})) {
    const editor = editorFor(sub, value[key], ctx, `${name}/${key}`, key);
    rows.push([key, editor]);
    el.append(h('div', { class: 'bf-row', 'data-prop': key },
      h('label', { class: 'bf-label', text: labelOf(sub, key) + (required.has(key) ? ' *' : '') }),
      h('div', { class: 'bf-field' }, editor.el,
        sub.description ? h('div', { class: 'bf-help', text: sub.description }) : null)));
  }
  return {
    el, get: () => {
      // Keys the form does not know (a newer block version) are kept as they were.
      const result = {};
      for (const [key, v] of Object.entries(value)) if (!(schema.properties || {})[key]) result[key] = clone(v);
      for (const [key, editor] of rows) {
        const v = editor.get();
        if (v !== undefined) result[key] = v;
        else if (required.has(key)) throw new FormError(`${name}/${key}`, `${labelOf(schema.properties[key], key)} is required`);
      }
      return result;
    },
  };
}

/** Lists of objects such as condition branches, parallel branches and request fields. */
function arrayOfObjects(schema, value, ctx, name) {
  const itemSchema = schema.items;
  const entries = [];
  const list = h('div', { class: 'bf-array' });
  let counter = 0;
  const renumber = () => entries.forEach((e, i) => { e.caption.textContent = `${labelOf(itemSchema, '') || 'Item'} ${i + 1}`; });
  const add = (item) => {
    const itemName = `${name}/${counter++}`;
    const props = itemSchema.properties || {};
    const editor = objectEditor({ ...itemSchema, properties: props }, item || {}, ctx, itemName, false);
    const caption = h('span', { class: 'bf-array-caption' });
    const entry = { editor, caption };
    const card = h('div', { class: 'bf-array-item' },
      h('div', { class: 'bf-array-head' }, caption,
        h('button', { type: 'button', class: 'bf-move', title: 'Move up', text: '↑', onclick: () => {
          const i = entries.indexOf(entry);
          if (i > 0) { entries.splice(i, 1); entries.splice(i - 1, 0, entry); list.insertBefore(card, card.previousSibling); renumber(); }
        } }),
        h('button', { type: 'button', class: 'bf-remove', title: 'Remove', text: '×', onclick: () => {
          entries.splice(entries.indexOf(entry), 1); card.remove(); renumber();
        } })),
      editor.el);
    entries.push(entry);
    list.append(card);
    renumber();
  };
  value.forEach(add);
  const nextItem = () => {
    const item = {};
    if (itemSchema.properties && itemSchema.properties.id) item.id = `${idStem(name)}${entries.length + 1}`;
    if (itemSchema.properties && itemSchema.properties.when) item.when = { all: [] };
    return item;
  };
  const el = h('div', {}, list, h('button', { type: 'button', class: 'bf-add', 'data-action': 'add-item', text: '+ Add', onclick: () => add(nextItem()) }));
  return { el, get: () => entries.map((e) => e.editor.get()) };
}

function idStem(name) {
  const last = name.split('/').pop();
  return last === 'branches' ? 'branch' : last === 'fields' ? 'field' : 'item';
}

/** {CODE: value} rows: a document field and its new value, typed by the field. */
function fieldsMapEditor(value, ctx, name) {
  const rows = [];
  const list = h('div', { class: 'bf-map' });
  const fields = (ctx.fields || []).filter((f) => !f.read_only);
  const add = (code, v) => {
    const select = h('select', { class: 'bf-input bf-map-key', name: `${name}/key` },
      h('option', { value: '', text: '— field —' }),
      fields.map((f) => h('option', { value: f.code, text: `${f.title || f.code} (${f.code})` })));
    if (code && !fields.some((f) => f.code === code)) select.append(h('option', { value: code, text: code }));
    select.value = code || '';
    const slot = h('span', { class: 'bf-map-value' });
    let editor = null;
    const renderValue = () => {
      const keep = editor ? editor.get() : v;
      const field = fields.find((f) => f.code === select.value);
      editor = valueInput(keep ?? '', { name: `${name}/${select.value || 'value'}`, ctx, type: field && field.type, options: field ? field.options : [] });
      slot.replaceChildren(editor.el);
    };
    select.addEventListener('change', renderValue);
    renderValue();
    const entry = { select, get: () => editor.get() };
    const row = h('div', { class: 'bf-map-row' }, select, slot,
      h('button', { type: 'button', class: 'bf-remove', title: 'Remove', text: '×', onclick: () => { rows.splice(rows.indexOf(entry), 1); row.remove(); } }));
    rows.push(entry);
    list.append(row);
  };
  for (const [code, v] of Object.entries(value)) add(code, v);
  if (!rows.length) add('', '');
  const el = h('div', {}, list, h('button', { type: 'button', class: 'bf-add', 'data-action': 'add-field', text: '+ Field', onclick: () => add('', '') }));
  return {
    el, get: () => {
      const result = {};
      for (const row of rows) if (row.select.value) result[row.select.value] = row.get();
      return result;
    },
  };
}

/** {key: value} maps other than fields (set_variable's values: variable ids). */
function mapEditor(schema, value, ctx, name, key) {
  const rows = [];
  const list = h('div', { class: 'bf-map' });
  const known = key === 'values' ? (ctx.meta.variables || []).map((v) => v.id) : [];
  const dlId = `dl-${Math.random().toString(36).slice(2)}`;
  const add = (k, v) => {
    const keyInput = h('input', { type: 'text', class: 'bf-input bf-map-key', name: `${name}/key`, value: k || '', list: dlId, placeholder: known.length ? 'Variable' : 'Key' });
    const varType = (id) => ((ctx.meta.variables || []).find((x) => x.id === id) || {}).type;
    const editor = valueInput(v ?? '', { name: `${name}/${k || 'value'}`, ctx, type: varType(k) });
    const entry = { keyInput, editor };
    const row = h('div', { class: 'bf-map-row' }, keyInput, editor.el,
      h('button', { type: 'button', class: 'bf-remove', text: '×', title: 'Remove', onclick: () => { rows.splice(rows.indexOf(entry), 1); row.remove(); } }));
    rows.push(entry);
    list.append(row);
  };
  for (const [k, v] of Object.entries(value)) add(k, v);
  if (!rows.length) add('', '');
  const el = h('div', {}, h('datalist', { id: dlId }, known.map((id) => h('option', { value: id }))), list,
    h('button', { type: 'button', class: 'bf-add', text: '+ Add', onclick: () => add('', '') }));
  return {
    el, get: () => {
      const result = {};
      for (const r of rows) if (r.keyInput.value.trim()) result[r.keyInput.value.trim()] = r.editor.get();
      return result;
    },
  };
}

function jsonEditor(value, name) {
  const area = h('textarea', { name, class: 'bf-input bf-json', rows: 3 });
  area.value = value === undefined ? '' : JSON.stringify(value, null, 2);
  return {
    el: area, get: () => {
      if (!area.value.trim()) return undefined;
      try {
        return JSON.parse(area.value);
      } catch (e) {
        throw new FormError(name, `${name}: not valid JSON (${e.message})`);
      }
    },
  };
}

export { fieldOfRef };
