// The results panel: validation errors (and the broken blocks marked on the canvas), and a test
// run's path, changes, e-mails and log.

import { clear, h } from './dom.js';
import { labelOf } from './needs.js';

const MARKS = ['bf-error', 'bf-taken', 'bf-waiting', 'bf-failed'];

export function clearMarks(diagram) {
  const canvas = diagram.get('canvas');
  for (const element of diagram.get('elementRegistry').getAll()) {
    for (const mark of MARKS) if (canvas.hasMarker(element, mark)) canvas.removeMarker(element, mark);
  }
}

function focusNode(diagram, id) {
  const element = diagram.get('elementRegistry').get(id);
  if (!element) return;
  diagram.get('selection').select(element);
  diagram.get('canvas').scrollToElement(element);
}

function nodeLink(diagram, id) {
  return id ? h('button', { type: 'button', class: 'bf-link', 'data-node-link': id, text: id, onclick: () => focusNode(diagram, id) }) : null;
}

function section(title, ...content) {
  return h('section', { class: 'bf-result-section' }, h('h3', { text: title }), ...content);
}

/** The property a server error says is required and missing ("'url' is a required property"). */
export function requiredProperty(error) {
  const m = /'([A-Za-z_][A-Za-z0-9_]*)' is a required property/.exec((error && error.message) || '');
  return m ? m[1] : null;
}

/** An error's text naming the block type and the property by their titles where it can. */
function describe(diagram, error) {
  const element = error.node && diagram.get('elementRegistry').get(error.node);
  const key = error.field || requiredProperty(error);
  if (!element || !element.bo || !key) return error.message;
  const block = diagram.get('bizflowBlocks').get(element.bo.type);
  const schema = ((block.properties_schema || {}).properties || {})[key];
  return `${block.title} needs ${labelOf(schema, key)} (${key})`;
}

/**
 * Lists validation errors and marks the blocks they name with the `bf-error` marker;
 * `onEdit(nodeId)`, when given, backs an "Edit" button on each error about a block.
 */
export function showValidation(diagram, panel, errors, onEdit) {
  clearMarks(diagram);
  clear(panel);
  const canvas = diagram.get('canvas');
  const registry = diagram.get('elementRegistry');
  for (const error of errors) {
    if (error.node && registry.get(error.node)) canvas.addMarker(error.node, 'bf-error');
  }
  if (!errors.length) {
    panel.append(section('Check', h('p', { class: 'bf-ok', 'data-validation': 'valid', text: 'No problems found.' })));
    return;
  }
  panel.append(section(`Problems (${errors.length})`, h('ul', { class: 'bf-errors', 'data-validation': 'invalid' },
    errors.map((e) => {
      const field = e.field || requiredProperty(e);
      const editable = onEdit && e.node && registry.get(e.node);
      return h('li', { class: 'bf-error-item', 'data-error-code': e.code, 'data-error-node': e.node || '', 'data-error-field': field || '' },
        nodeLink(diagram, e.node), e.node ? ': ' : '', describe(diagram, e), e.path && !field ? h('span', { class: 'bf-path', text: ` (${e.path})` }) : null,
        editable ? h('button', { type: 'button', class: 'bf-link bf-error-edit', 'data-action': 'edit-node', text: 'Edit', onclick: () => onEdit(e.node) }) : null);
    }))));
}

/** Draws a dry run's path on the canvas and lists what it would change and send. */
export function showRunResult(diagram, panel, result) {
  clearMarks(diagram);
  clear(panel);
  const canvas = diagram.get('canvas');
  const registry = diagram.get('elementRegistry');
  markPath(diagram, (result.log || []).map((entry) => entry.node));
  if (result.error && result.error.node && registry.get(result.error.node)) canvas.addMarker(result.error.node, 'bf-failed');
  for (const wait of result.waits || []) if (registry.get(wait.node)) canvas.addMarker(wait.node, 'bf-waiting');

  panel.append(section('Test run', h('p', { 'data-run-status': result.status },
    h('strong', { text: `Status: ${result.status}` }),
    result.error ? h('span', { class: 'bf-error-text', text: ` — ${result.error.node ? result.error.node + ': ' : ''}${result.error.message}` }) : null)));
  const changes = Object.entries(result.changes || {});
  panel.append(section(`Changes (${changes.length})`, changes.length
    ? h('table', { class: 'bf-table', 'data-run-changes': '' }, changes.map(([code, value]) => h('tr', {}, h('th', { text: code }), h('td', { text: display(value) }))))
    : h('p', { text: 'No field changes.' })));
  const emails = result.emails || [];
  panel.append(section(`E-mails (${emails.length})`, ...emails.map((mail) => h('div', { class: 'bf-mail', 'data-run-email': '' },
    h('div', { text: `To: ${display(mail.to)}` }), mail.cc && mail.cc.length ? h('div', { text: `Cc: ${display(mail.cc)}` }) : null,
    h('div', { text: `Subject: ${mail.subject || ''}` }), h('pre', { text: mail.body || '' })))));
  if ((result.notifications || []).length) {
    panel.append(section(`Notifications (${result.notifications.length})`, h('ul', {}, result.notifications.map((n) => h('li', { text: `${display(n.to)}: ${n.text || ''}` })))));
  }
  panel.append(section('Log', logTable(diagram, result.log || [])));
}

/** Marks the blocks a run executed and the edges between consecutive steps. */
export function markPath(diagram, nodeIds) {
  const canvas = diagram.get('canvas');
  const registry = diagram.get('elementRegistry');
  const executed = new Set(nodeIds.filter((id) => id && registry.get(id)));
  for (const id of executed) canvas.addMarker(id, 'bf-taken');
  for (const element of registry.getAll()) {
    if (element.waypoints && executed.has(element.source.id) && executed.has(element.target.id)) {
      canvas.addMarker(element, 'bf-taken');
    }
  }
}

export function logTable(diagram, log) {
  return h('table', { class: 'bf-table bf-log', 'data-log': '' }, log.map((entry) => h('tr', {},
    h('td', { class: 'bf-log-at', title: entry.at || '', text: (entry.at || '').slice(11, 19) }),
    h('td', { title: entry.type || '' }, diagram ? nodeLink(diagram, entry.node) : entry.node || ''),
    h('td', { text: entry.message || '' }))));
}

export function display(value) {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map(display).join(', ');
  if (typeof value === 'object') return value.VALUE !== undefined ? String(value.VALUE) : JSON.stringify(value);
  return String(value);
}
