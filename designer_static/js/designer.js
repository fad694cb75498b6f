// The designer page (/designer/{id}, /designer/new): canvas, palette, toolbar, forms, checks,
// test run, save/export/import. Every edit goes through the diagram-js command stack.

import { api, ApiError } from './api.js';
import { BlockTypes } from './blocks.js';
import { createEditor } from './canvas/index.js';
import { earlierBlocks, loadFields } from './context.js';
import { confirmDialog, notice, openDialog } from './dialogs.js';
import { clear, clone, h } from './dom.js';
import { editorFor, FormError, propertiesForm } from './forms/schema-form.js';
import { recheck, typeListValues } from './forms/typed.js';
import { autoLayout, exportTemplate, importTemplate, newTemplate } from './model.js';
import { renderPalette } from './palette.js';
import { showTemplate } from './canvas/view.js';
import { missingInputErrors, missingInputs } from './needs.js';
import { requiredProperty, showRunResult, showValidation } from './results.js';

const DOCUMENT_TYPES = ['lead', 'contact', 'company', 'deal', 'document'];
const FIELD_TYPES = ['string', 'text', 'integer', 'number', 'boolean', 'date', 'datetime', 'user', 'list', 'crm_status', 'email', 'phone', 'file', 'crm_ref'];
const NODE_ID = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

const root = document.getElementById('designer');
const state = { id: null, version: null, enabled: true, savedAt: 0, diagram: null, blocks: null, saving: false };

async function main() {
  // The marks time the steps of opening in DevTools' performance panel.
  performance.mark('bizflow:modules');
  const templateId = root.dataset.templateId ? Number(root.dataset.templateId) : null;
  // Both requests are already under way (the page started them): wait for them together.
  const [blocks, saved] = await Promise.all([BlockTypes.load(), templateId ? fetchTemplate(templateId) : null]);
  performance.mark('bizflow:data');
  state.blocks = blocks;
  const canvasEl = root.querySelector('.bf-canvas');
  const diagram = createEditor(canvasEl, blocks);
  state.diagram = diagram;
  window.bizflowDesigner = { diagram, state, exportTemplate: () => exportTemplate(diagram) };

  renderPalette(root.querySelector('.bf-palette'), diagram, blocks);
  bindToolbar();
  bindKeys(diagram);
  diagram.get('eventBus').on('bizflow.configure', (e) => configureBlock(e.element));
  diagram.get('eventBus').on('bizflow.placed', (e) => placedBlock(e.element));
  diagram.get('eventBus').on('commandStack.changed', updateStatus);

  if (saved) openTemplate(saved.template, saved);
  else openTemplate(newTemplate(root.dataset.documentType || 'lead'), null);
  performance.mark('bizflow:opened');
  root.dataset.openedMs = String(Math.round(performance.now()));
  root.dataset.ready = 'true';
}

// --- loading and status ------------------------------------------------------------------

async function fetchTemplate(id) {
  const data = await api('GET', `/templates/${id}`);
  return { template: data.template, id: data.id, version: data.version, enabled: data.enabled };
}

async function loadTemplate(id) {
  const saved = await fetchTemplate(id);
  openTemplate(saved.template, saved);
}

function openTemplate(template, saved) {
  const diagram = state.diagram;
  const size = diagram.get('canvas').getContainer().getBoundingClientRect();
  importTemplate(diagram, template, (shapes) => showTemplate(diagram, size, shapes));
  state.id = saved ? saved.id : state.id;
  state.version = saved ? saved.version : state.version;
  if (saved) state.enabled = saved.enabled;
  state.savedAt = stackIndex();
  clear(root.querySelector('.bf-results'));
  root.querySelector('.bf-results').append(h('p', { class: 'bf-help', text: 'Check and Test run results appear here. Drag blocks from the left, connect an output port (right) to an input port (left), and use ⚙ to configure a block.' }));
  updateStatus();
  diagram.get('eventBus').fire('bizflow.opened');
  loadFields(diagram.get('bizflowModel').meta.document_type).catch(() => {});
}

function stackIndex() {
  return state.diagram.get('commandStack')._stackIdx;
}

function isDirty() {
  return stackIndex() !== state.savedAt;
}

function updateStatus() {
  const meta = state.diagram.get('bizflowModel').meta;
  root.querySelector('.bf-name').textContent = meta.name || 'Untitled';
  root.querySelector('.bf-doc-type').textContent = meta.document_type || '';
  const status = state.id ? `#${state.id} · version ${state.version}` : 'not saved yet';
  root.querySelector('.bf-status').textContent = status + (isDirty() ? ' · unsaved changes' : '');
  root.dataset.dirty = String(isDirty());
  const stack = state.diagram.get('commandStack');
  root.querySelector('[data-action="undo"]').disabled = !stack.canUndo();
  root.querySelector('[data-action="redo"]').disabled = !stack.canRedo();
  document.title = `${meta.name || 'Untitled'} · Bizflow designer`;
}

// --- toolbar and keys --------------------------------------------------------------------

function bindToolbar() {
  const actions = {
    save: () => save(),
    validate: () => validate(true),
    'test-run': () => testRun(),
    settings: () => editSettings(),
    export: () => exportFile(),
    import: () => root.querySelector('.bf-import-file').click(),
    undo: () => state.diagram.get('commandStack').undo(),
    redo: () => state.diagram.get('commandStack').redo(),
    'zoom-in': () => state.diagram.get('zoomScroll').stepZoom(1),
    'zoom-out': () => state.diagram.get('zoomScroll').stepZoom(-1),
    fit: () => state.diagram.get('canvas').zoom('fit-viewport', 'auto'),
    arrange: () => arrange(),
    minimap: () => state.diagram.get('minimap').toggle(),
  };
  for (const button of root.querySelectorAll('.bf-toolbar [data-action]')) {
    button.addEventListener('click', () => {
      const run = actions[button.dataset.action];
      if (run) Promise.resolve(run()).catch(showError);
    });
  }
  root.querySelector('.bf-import-file').addEventListener('change', (e) => {
    const file = e.target.files[0];
    e.target.value = '';
    if (file) importFile(file).catch(showError);
  });
  window.addEventListener('beforeunload', (e) => {
    if (isDirty()) e.preventDefault();
  });
}

function bindKeys(diagram) {
  const keyboard = diagram.get('keyboard');
  // Ctrl+S on the canvas (diagram-js's keyboard only listens while the canvas has focus).
  keyboard.addListener(2000, (context) => {
    const event = context.keyEvent;
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 's') {
      event.preventDefault();
      save().catch(showError);
      return true;
    }
  });
  // Elsewhere on the page Ctrl+S saves too instead of the browser's "save page" (but not in dialogs).
  document.addEventListener('keydown', (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 's' && !event.defaultPrevented) {
      event.preventDefault();
      if (!document.querySelector('dialog[open]')) save().catch(showError);
    }
  });
}

function showError(error) {
  console.error(error);
  notice(error.message || String(error), 'error');
}

// --- configure a block -------------------------------------------------------------------

/** Values offered for a block's properties: the stages it can move to, the templates it can start. */
async function choicesFor(type, documentType) {
  if (type === 'change_stage') {
    const data = await api('GET', `/pipelines/${encodeURIComponent(documentType)}`);
    const stages = data.stages || (data.categories || []).flatMap((c) => c.stages.map((st) => ({ ...st, name: `${c.name}: ${st.name}` })));
    return { stage: { options: stages.map((st) => [st.id, st.name]) } };
  }
  if (type === 'start_process') {
    const data = await api('GET', '/templates');
    return { template_id: { type: 'integer', options: (data.items || []).map((t) => [String(t.id), `${t.name} (${t.document_type})`]) } };
  }
  return {};
}

// What a block dropped from the palette needs beyond its properties.
const PLACED_HINTS = { join: 'connect the last block of each branch of a parallel block to it' };

/** A block just dropped from the palette: ask at once for what it cannot run without. */
function placedBlock(element) {
  if (!element.parent || document.querySelector('dialog[open]')) return;
  const block = state.blocks.get(element.bo.type);
  if (missingInputs(block, element.bo).length) configureBlock(element).catch(showError);
  else if (PLACED_HINTS[block.type]) notice(`${block.title}: ${PLACED_HINTS[block.type]}`, 'info');
}

async function configureBlock(element) {
  const diagram = state.diagram;
  const model = diagram.get('bizflowModel');
  const block = state.blocks.get(element.bo.type);
  const missing = missingInputs(block, element.bo);
  const [fields, choices] = await Promise.all([
    loadFields(model.meta.document_type).catch(() => []),
    choicesFor(block.type, model.meta.document_type).catch(() => ({})),
  ]);
  const ctx = { fields, choices, meta: model.meta, earlierBlocks: earlierBlocks(element, state.blocks) };
  const node = element.bo;
  const titleInput = h('input', { type: 'text', name: 'title', class: 'bf-input', value: node.title || '' });
  const idInput = h('input', { type: 'text', name: 'id', class: 'bf-input', value: node.id, pattern: NODE_ID.source });
  const form = propertiesForm(block.properties_schema, node.properties || {}, ctx);
  // What the block still needs is said at the top and its rows are highlighted.
  for (const { key } of missing) {
    const row = form.el.querySelector(`:scope > .bf-row[data-prop="${key}"]`);
    if (row) row.classList.add('bf-row-missing');
  }
  const firstMissing = form.el.querySelector('.bf-row-missing input, .bf-row-missing textarea, .bf-row-missing select');
  if (firstMissing) firstMissing.dataset.autofocus = '';
  const body = h('form', { class: 'bf-form', 'data-node-form': node.id, onsubmit: (e) => e.preventDefault() },
    missing.length ? h('p', { class: 'bf-needs-note', 'data-needs-note': '', text: `Fill in to make this block work: ${missing.map((m) => m.title).join(', ')}.` }) : null,
    h('div', { class: 'bf-row' }, h('label', { class: 'bf-label', text: 'Title' }), h('div', { class: 'bf-field' }, titleInput)),
    h('div', { class: 'bf-row' }, h('label', { class: 'bf-label', text: 'Block id' }), h('div', { class: 'bf-field' }, idInput,
      h('div', { class: 'bf-help', text: `${block.title} (${block.type})${block.description ? ': ' + block.description : ''}` }))),
    form.el);
  await openDialog({
    title: `${block.title}: ${node.title || node.id}`, body, wide: true, testId: 'properties',
    buttons: [{ label: 'Cancel', value: 'cancel' }, { label: 'Apply', value: 'apply', primary: true }],
    onButton: (value) => {
      if (value !== 'apply') return true;
      const id = idInput.value.trim();
      if (!NODE_ID.test(id)) throw new Error('Block id: a letter, then letters, digits or _ (at most 64)');
      const other = diagram.get('elementRegistry').get(id);
      if (other && other !== element) throw new Error(`Block id ${id} is used by another block`);
      let properties;
      try {
        properties = form.get();
      } catch (e) {
        if (e instanceof FormError) throw new Error(e.message);
        throw e;
      }
      const next = { ...clone(node), id, properties };
      const title = titleInput.value.trim();
      if (title) next.title = title;
      else delete next.title;
      if (!Object.keys(properties).length && !node.properties) delete next.properties;
      if (JSON.stringify(next) !== JSON.stringify(node)) {
        diagram.get('commandStack').execute('bizflow.updateNode', { element, node: next });
      }
      return true;
    },
  });
}

// --- template settings -------------------------------------------------------------------

const USERS_LIST = 'bf-settings-users';

function userName(user) {
  const f = user.fields || {};
  return [f.NAME, f.LAST_NAME].filter(Boolean).join(' ') || f.LOGIN || f.EMAIL || `user ${user.id}`;
}

const ITEM = (extra) => ({
  type: 'array', items: { type: 'object', properties: {
    id: { title: 'Id', type: 'string' }, title: { title: 'Title', type: 'string' },
    type: { title: 'Type', enum: FIELD_TYPES, default: 'string' }, ...extra,
  } },
});

async function editSettings() {
  const diagram = state.diagram;
  const model = diagram.get('bizflowModel');
  const meta = model.meta;
  const fields = await loadFields(meta.document_type).catch(() => []);
  const ctx = { fields, meta, earlierBlocks: [] };
  const name = h('input', { type: 'text', name: 'name', class: 'bf-input', value: meta.name || '' });
  const description = h('textarea', { name: 'description', class: 'bf-input', rows: 3 });
  description.value = meta.description || '';
  const docType = h('select', { name: 'document_type', class: 'bf-input' }, DOCUMENT_TYPES.map((t) => h('option', { value: t, text: t })));
  docType.value = meta.document_type || 'lead';
  const auto = (mode, label) => h('label', { class: 'bf-check' },
    h('input', { type: 'checkbox', name: `auto_start/${mode}`, checked: (meta.auto_start || []).includes(mode) }), label);
  const params = editorFor(ITEM({ required: { title: 'Required', type: 'boolean' }, default: { title: 'Default', format: 'value' } }), meta.parameters || [], ctx, 'parameters');
  const vars = editorFor(ITEM({ default: { title: 'Default', format: 'value' } }), meta.variables || [], ctx, 'variables');
  const consts = editorFor(ITEM({ value: { title: 'Value', format: 'value' } }), meta.constants || [], ctx, 'constants');
  const row = (key, label, el) => h('div', { class: 'bf-row', 'data-prop': key }, h('label', { class: 'bf-label', text: label }), h('div', { class: 'bf-field' }, el));
  const users = await api('GET', '/users').catch(() => ({ items: [] }));
  const body = h('form', { class: 'bf-form', onsubmit: (e) => e.preventDefault() },
    row('name', 'Name', name), row('description', 'Description', description), row('document_type', 'Document type', docType),
    row('auto_start', 'Start automatically', h('div', {}, auto('create', ' when a document is created'), auto('update', ' when a document is changed'))),
    row('parameters', 'Parameters', params.el), row('variables', 'Variables', vars.el), row('constants', 'Constants', consts.el),
    h('datalist', { id: USERS_LIST }, (users.items || []).map((u) => h('option', { value: String(u.id), label: userName(u) }))));
  // Values are checked against their item's type as they are typed and when the type changes.
  const valueKey = (name) => (name.startsWith('constants/') ? 'value' : 'default');
  const recheckAll = () => body.querySelectorAll('[name$="/type"]').forEach((el) => recheck(body, el, valueKey(el.name), USERS_LIST));
  body.addEventListener('change', (e) => recheck(body, e.target, valueKey(e.target.name || ''), USERS_LIST));
  body.addEventListener('click', (e) => { if (e.target.closest('[data-action="add-item"]')) recheckAll(); });
  recheckAll();
  await openDialog({
    title: 'Template settings', body, wide: true, testId: 'settings',
    buttons: [{ label: 'Cancel', value: 'cancel' }, { label: 'Apply', value: 'apply', primary: true }],
    onButton: (value) => {
      if (value !== 'apply') return true;
      const lists = { parameters: params.get(), variables: vars.get(), constants: consts.get() };
      for (const [key, list] of Object.entries(lists)) {
        const seen = new Set();
        for (const item of list) {
          if (!NODE_ID.test(item.id || '')) throw new Error(`${key}: "${item.id || ''}" is not a valid id`);
          if (seen.has(item.id)) throw new Error(`${key}: ${item.id} is used twice`);
          seen.add(item.id);
        }
      }
      const problems = [
        ...typeListValues(body, 'parameters', 'default', lists.parameters),
        ...typeListValues(body, 'variables', 'default', lists.variables),
        ...typeListValues(body, 'constants', 'value', lists.constants),
      ];
      if (problems.length) throw new Error(`Not applied: ${problems.join('; ')}`);
      lists.parameters = lists.parameters.map((p) => ({ required: false, default: null, ...p }));
      lists.variables = lists.variables.map((v) => ({ default: null, ...v }));
      lists.constants = lists.constants.map((c) => ({ value: null, ...c }));
      const changes = {
        name: name.value.trim() || 'Untitled', description: description.value,
        document_type: docType.value,
        auto_start: ['create', 'update'].filter((m) => body.querySelector(`[name="auto_start/${m}"]`).checked),
        ...lists,
      };
      const changed = Object.fromEntries(Object.entries(changes).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(meta[k])));
      if (Object.keys(changed).length) diagram.get('commandStack').execute('bizflow.updateTemplate', { changes: changed });
      return true;
    },
  });
}

// --- arrange -----------------------------------------------------------------------------

function arrange() {
  const diagram = state.diagram;
  const template = exportTemplate(diagram);
  const positions = autoLayout(template.nodes, template.edges, state.blocks, true);
  const registry = diagram.get('elementRegistry');
  const moves = [...positions].map(([id, at]) => [registry.get(id), at]).filter(([shape]) => shape);
  diagram.get('commandStack').execute('bizflow.arrange', { moves });
  diagram.get('canvas').zoom('fit-viewport', 'auto');
}

// --- validate, test run -------------------------------------------------------------------

async function validate(announce) {
  const errors = await problemsOf(exportTemplate(state.diagram));
  showProblems(errors);
  const valid = !errors.length;
  if (announce) notice(valid ? 'The template is valid' : `${errors.length} problem(s) found`, valid ? 'success' : 'error');
  return { valid, errors };
}

/** The problems of `template`: the server's validation errors and the blocks' empty inputs. */
async function problemsOf(template) {
  const result = await api('POST', '/templates/validate', template);
  return withMissingInputs(result.errors || []);
}

/**
 * `server` errors after the canvas's blocks' required inputs left empty (an SMS text of spaces
 * passes the server's schema), unless the server named that block and property already.
 */
function withMissingInputs(server) {
  const named = new Set(server.map((e) => `${e.node}/${requiredProperty(e) || ''}`));
  return [...missingInputErrors(state.diagram).filter((e) => !named.has(`${e.node}/${e.field}`)), ...server];
}

/** Lists problems in the results panel; each about a block has an Edit button. */
function showProblems(errors) {
  showValidation(state.diagram, root.querySelector('.bf-results'), errors, (id) => {
    const element = state.diagram.get('elementRegistry').get(id);
    if (element) configureBlock(element).catch(showError);
  });
}

const SAMPLE = {
  lead: { TITLE: 'Test lead', NAME: 'Anna', CURRENCY_ID: 'EUR', OPPORTUNITY: 1000, ASSIGNED_BY_ID: 1 },
  contact: { NAME: 'Anna', LAST_NAME: 'Test', ASSIGNED_BY_ID: 1 },
  company: { TITLE: 'Test company', ASSIGNED_BY_ID: 1 },
  deal: { TITLE: 'Test deal', OPPORTUNITY: 1000, CURRENCY_ID: 'EUR', ASSIGNED_BY_ID: 1 },
  document: { NAME: 'test.txt', ASSIGNED_BY_ID: 1 },
};

async function testRun() {
  const diagram = state.diagram;
  const meta = diagram.get('bizflowModel').meta;
  const fields = await loadFields(meta.document_type).catch(() => []);
  const ctx = { fields, meta, earlierBlocks: [] };
  const fieldsSchema = { format: 'fields-map', type: 'object' };
  const last = state.lastSample && state.lastSample.type === meta.document_type ? state.lastSample.fields : SAMPLE[meta.document_type] || {};
  const record = editorFor(fieldsSchema, last, { ...ctx, fields: fields.filter((f) => !f.read_only || f.code === 'ID') }, 'document');
  const params = (meta.parameters || []).length
    ? editorFor({ type: 'object', properties: Object.fromEntries(meta.parameters.map((p) => [p.id, { title: p.title || p.id, format: 'value' }])) }, {}, ctx, 'parameters')
    : null;
  const body = h('form', { class: 'bf-form', onsubmit: (e) => e.preventDefault() },
    h('p', { class: 'bf-help', text: 'A dry run: nothing is saved and no e-mail is sent. Fill in the sample record.' }),
    h('div', { class: 'bf-row' }, h('label', { class: 'bf-label', text: 'Sample record' }), h('div', { class: 'bf-field' }, record.el)),
    params ? h('div', { class: 'bf-row' }, h('label', { class: 'bf-label', text: 'Parameters' }), h('div', { class: 'bf-field' }, params.el)) : null);
  let result = null;
  await openDialog({
    title: 'Test run', body, wide: true, testId: 'test-run',
    buttons: [{ label: 'Cancel', value: 'cancel' }, { label: 'Run', value: 'run', primary: true }],
    onButton: async (value) => {
      if (value !== 'run') return true;
      const sample = record.get();
      state.lastSample = { type: meta.document_type, fields: sample };
      result = await api('POST', '/templates/preview', {
        template: exportTemplate(diagram), document: { type: meta.document_type, fields: sample },
        parameters: params ? params.get() : {},
      });
      return true;
    },
  });
  if (result) showRunResult(diagram, root.querySelector('.bf-results'), result);
}

// --- save, export, import ----------------------------------------------------------------

async function save() {
  if (state.saving) return;
  state.saving = true;
  try {
    const validation = await validate(false);
    if (!validation.valid) {
      notice(`Not saved: ${validation.errors.length} problem(s) to fix first`, 'error');
      return;
    }
    const template = exportTemplate(state.diagram);
    const index = stackIndex();
    let result;
    try {
      result = state.id
        ? await api('PUT', `/templates/${state.id}`, { version: state.version, template })
        : await api('POST', '/templates', template);
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) return conflict();
      if (e instanceof ApiError && e.details.length) showProblems(e.details);
      throw e;
    }
    state.id = result.id ?? state.id;
    state.version = result.version;
    state.savedAt = index;
    if (location.pathname !== `/designer/${state.id}`) history.replaceState(null, '', `/designer/${state.id}`);
    root.dataset.templateId = String(state.id);
    updateStatus();
    notice(`Saved (version ${state.version})`, 'success');
  } finally {
    state.saving = false;
  }
}

async function conflict() {
  const reload = await confirmDialog('Someone else saved this template',
    'This template was changed and saved by someone else since you opened it. Reload their version? Your unsaved changes will be lost.', 'Reload');
  if (reload) {
    await loadTemplate(state.id);
    notice('Reloaded the latest version', 'info');
  } else notice('Not saved: export your version to keep it, then reload', 'error');
}

function exportFile() {
  const template = exportTemplate(state.diagram);
  const blob = new Blob([JSON.stringify(template, null, 2) + '\n'], { type: 'application/json' });
  const link = h('a', { href: URL.createObjectURL(blob), download: fileName(template.name) });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

function fileName(name) {
  const stem = String(name || 'template').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  return `${stem || 'template'}.json`;
}

async function importFile(file) {
  const text = await file.text();
  let template;
  try {
    template = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file.name} is not JSON: ${e.message}`);
  }
  if (!template || typeof template !== 'object' || Array.isArray(template)) throw new Error(`${file.name} does not hold a template object`);
  if (isDirty() && !(await confirmDialog('Replace the canvas?', 'The imported template replaces what is on the canvas now (unsaved changes are lost). Save afterwards to keep it.', 'Import'))) return;
  // The file as it was is checked (the canvas leaves out what it cannot draw), then drawn.
  const result = await api('POST', '/templates/validate', template);
  openTemplate(template, null);
  state.savedAt = -2; // an imported template is unsaved until saved
  updateStatus();
  const errors = withMissingInputs(result.errors || []);
  showProblems(errors);
  notice(errors.length ? `Imported ${file.name} with ${errors.length} problem(s)` : `Imported ${file.name}; save to keep it`, errors.length ? 'error' : 'success');
}

main().catch((e) => {
  console.error(e);
  root.dataset.ready = 'error';
  notice(`The designer could not start: ${e.message}`, 'error');
});
