// The "…" button next to a value: lists what a value can refer to and inserts a {=...} reference.

import { clear, h } from '../dom.js';

let openMenu = null;

function closeMenu() {
  if (openMenu) openMenu.remove();
  openMenu = null;
  document.removeEventListener('mousedown', onOutside, true);
}

function onOutside(event) {
  if (openMenu && !openMenu.contains(event.target)) closeMenu();
}

/**
 * Groups of references for a form: [{title, items: [{label, ref, type}]}].
 * ctx: {fields, meta, earlierBlocks: [{id, title, outputs}]}
 */
export function referenceGroups(ctx) {
  const groups = [];
  const fields = ctx.fields || [];
  groups.push({ title: 'Document fields', items: fields.map((f) => ({ label: `${f.title || f.code} (${f.code})`, ref: `{=Document:${f.code}}`, type: f.type })) });
  const userFields = fields.filter((f) => f.type === 'user');
  if (userFields.length) {
    groups.push({ title: 'User fields: e-mail and name', items: userFields.flatMap((f) => ['EMAIL', 'NAME', 'LAST_NAME', 'LOGIN'].map((part) => ({ label: `${f.title || f.code}: ${part}`, ref: `{=Document:${f.code}.${part}}`, type: 'string' }))) });
  }
  const meta = ctx.meta || {};
  const list = (items, kind) => (items || []).filter((p) => p && p.id).map((p) => ({ label: `${p.title || p.id} (${p.id})`, ref: `{=${kind}:${p.id}}`, type: p.type }));
  groups.push({ title: 'Parameters', items: list(meta.parameters, 'Parameter') });
  groups.push({ title: 'Variables', items: list(meta.variables, 'Variable') });
  groups.push({ title: 'Constants', items: list(meta.constants, 'Constant') });
  groups.push({ title: 'Results of earlier blocks', items: (ctx.earlierBlocks || []).flatMap((b) => b.outputs.map((out) => ({ label: `${b.title || b.id}: ${out}`, ref: `{=Block:${b.id}:${out}}`, type: 'string' }))) });
  groups.push({ title: 'Process', items: [
    { label: 'Process instance id', ref: '{=Instance:ID}', type: 'integer' },
    { label: 'Started by', ref: '{=Instance:STARTED_BY}', type: 'user' },
    { label: 'Started at', ref: '{=Instance:STARTED_AT}', type: 'datetime' },
  ] });
  return groups.filter((g) => g.items.length);
}

/** Opens the reference menu below `anchor`; `onPick(ref)` receives the chosen reference. */
export function openPicker(anchor, ctx, onPick) {
  closeMenu();
  const groups = referenceGroups(ctx);
  const listEl = h('div', { class: 'bf-picker-list' });
  const search = h('input', { type: 'search', class: 'bf-picker-search', placeholder: 'Search fields, variables…' });
  const render = () => {
    const q = search.value.trim().toLowerCase();
    clear(listEl);
    for (const group of groups) {
      const items = group.items.filter((i) => !q || i.label.toLowerCase().includes(q) || i.ref.toLowerCase().includes(q));
      if (!items.length) continue;
      listEl.append(h('div', { class: 'bf-picker-group', text: group.title }));
      for (const item of items) {
        listEl.append(h('button', {
          type: 'button', class: 'bf-picker-item', 'data-ref': item.ref, title: item.ref,
          onclick: () => { closeMenu(); onPick(item.ref); },
        }, item.label));
      }
    }
    if (!listEl.firstChild) listEl.append(h('div', { class: 'bf-picker-empty', text: 'Nothing matches' }));
  };
  search.addEventListener('input', render);
  search.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') { e.stopPropagation(); e.preventDefault(); closeMenu(); anchor.focus(); }
  });
  render();
  const menu = h('div', { class: 'bf-picker', role: 'menu' }, search, listEl);
  const dialog = anchor.closest('dialog') || document.body;
  dialog.append(menu);
  const rect = anchor.getBoundingClientRect();
  const host = dialog.getBoundingClientRect();
  menu.style.left = `${Math.max(0, Math.min(rect.right - host.left - 320, host.width - 330))}px`;
  menu.style.top = `${rect.bottom - host.top + 2}px`;
  openMenu = menu;
  setTimeout(() => document.addEventListener('mousedown', onOutside, true), 0);
  search.focus();
}

/** Inserts text at the caret of an input or textarea. */
export function insertAtCaret(input, text) {
  const start = input.selectionStart ?? input.value.length;
  const end = input.selectionEnd ?? input.value.length;
  input.value = input.value.slice(0, start) + text + input.value.slice(end);
  const caret = start + text.length;
  input.setSelectionRange?.(caret, caret);
  input.dispatchEvent(new Event('input', { bubbles: true }));
  input.focus();
}
