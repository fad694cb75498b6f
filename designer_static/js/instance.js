// The run view (/designer/instances/{id}): the template version it runs, the path taken, the
// block it waits on, its variables and log; updated live over Socket.IO.

import { io } from '../vendor/socket.io.esm.min.js';
import { api } from './api.js';
import { BlockTypes } from './blocks.js';
import { createEditor } from './canvas/index.js';
import { showTemplate } from './canvas/view.js';
import { clear, h } from './dom.js';
import { importTemplate } from './model.js';
import { clearMarks, display, logTable, markPath } from './results.js';

const view = document.getElementById('instance-view');
const instanceId = Number(view.dataset.instanceId);
let diagram = null;
let shownVersion = null;

async function main() {
  const blocks = await BlockTypes.load();
  diagram = createEditor(view.querySelector('.bf-canvas'), blocks, { readOnly: true });
  await refresh();
  watchLive();
}

async function refresh() {
  const instance = await api('GET', `/instances/${instanceId}`);
  const key = `${instance.template_id}:${instance.template_version}`;
  if (shownVersion !== key) {
    const template = await templateVersion(instance.template_id, instance.template_version);
    if (template) {
      const size = diagram.get('canvas').getContainer().getBoundingClientRect();
      importTemplate(diagram, template, (shapes) => showTemplate(diagram, size, shapes));
    }
    shownVersion = key;
  }
  render(instance);
}

/** The template as it was at the version the instance runs (the current one as a fallback). */
async function templateVersion(templateId, version) {
  try {
    const data = await api('GET', `/templates/${templateId}/versions`);
    const items = Array.isArray(data) ? data : data.items || [];
    const match = items.find((v) => v.version === version && v.template);
    if (match) return match.template;
  } catch {
    // fall through to the current version
  }
  try {
    return (await api('GET', `/templates/${templateId}`)).template;
  } catch {
    return null;
  }
}

function render(instance) {
  const status = view.querySelector('[data-instance-status]');
  status.textContent = instance.status;
  status.className = `bf-status-pill bf-status-${instance.status}`;
  view.dataset.status = instance.status;
  view.querySelector('.bf-instance-meta').textContent =
    `Template #${instance.template_id} (version ${instance.template_version}) on ${instance.document_type} #${instance.document_id}; started ${(instance.started_at || '').replace('T', ' ').slice(0, 19)}` +
    (instance.finished_at ? `, finished ${instance.finished_at.replace('T', ' ').slice(0, 19)}` : '');
  const waiting = clear(view.querySelector('[data-waiting]'));
  const current = (instance.current_nodes || []).filter(Boolean);
  if (!current.length) waiting.append(h('li', { class: 'bf-help', text: 'nothing' }));
  for (const node of current) waiting.append(h('li', { 'data-waiting-node': node, text: node }));
  const error = view.querySelector('[data-error]');
  error.textContent = instance.error ? `Failed at ${instance.error.node || '?'}: ${instance.error.message}` : '';
  const vars = clear(view.querySelector('[data-variables]'));
  const entries = Object.entries(instance.variables || {});
  if (!entries.length) vars.append(h('tr', {}, h('td', { class: 'bf-help', text: 'none' })));
  for (const [name, value] of entries) vars.append(h('tr', {}, h('th', { text: name }), h('td', { text: display(value) })));
  view.querySelector('[data-log-box]').replaceChildren(logTable(null, instance.log || []));

  if (diagram) {
    clearMarks(diagram);
    markPath(diagram, (instance.log || []).map((e) => e.node));
    const canvas = diagram.get('canvas');
    const registry = diagram.get('elementRegistry');
    const mark = instance.status === 'failed' ? 'bf-failed' : 'bf-waiting';
    for (const node of current) if (registry.get(node)) canvas.addMarker(node, mark);
    if (instance.error && instance.error.node && registry.get(instance.error.node)) canvas.addMarker(instance.error.node, 'bf-failed');
  }
}

function watchLive() {
  const live = view.querySelector('[data-live]');
  // bizflow serve runs on waitress, which serves Socket.IO over long-polling only: an upgrade
  // attempt would only cost a round trip (and can drop the first acknowledgement).
  const socket = io({ transports: ['polling'], upgrade: false });
  let pending = null;
  // A long-poll answer can be lost; ask again until the server acknowledges the watch.
  const watch = () => {
    socket.timeout(3000).emit('watch_instance', { id: instanceId }, (err, ack) => {
      if (err) {
        if (socket.connected) watch();
        return;
      }
      live.textContent = ack && ack.ok ? 'Live: updates appear as the process runs.' : `Live updates unavailable: ${(ack && ack.error) || 'no answer'}`;
      view.dataset.live = ack && ack.ok ? 'true' : 'false';
      // Events sent before the watch began were missed: catch up once.
      if (ack && ack.ok) refresh().catch((e) => { live.textContent = e.message; });
    });
  };
  socket.on('connect', watch);
  socket.on('disconnect', () => {
    live.textContent = 'Live updates paused (reconnecting)…';
    view.dataset.live = 'false';
  });
  socket.on('instance', (payload) => {
    if (!payload || payload.id !== instanceId) return;
    // Several events can arrive together: fetch the full state once.
    clearTimeout(pending);
    pending = setTimeout(() => refresh().catch((e) => { live.textContent = e.message; }), 50);
  });
}

main().then(() => { view.dataset.ready = 'true'; }).catch((e) => {
  view.dataset.ready = 'error';
  view.querySelector('[data-error]').textContent = `Could not load the run: ${e.message}`;
});
