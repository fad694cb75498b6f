// The template list page (/designer/): templates with enable/disable, export and delete; the
// gallery of built-in templates; recent runs.

import { api } from './api.js';
import { confirmDialog, notice } from './dialogs.js';
import { clear, h } from './dom.js';

const page = document.getElementById('template-list');
const tbody = page.querySelector('.bf-templates');

function when(iso) {
  return iso ? iso.replace('T', ' ').slice(0, 16) : '';
}

async function loadTemplates() {
  const data = await api('GET', '/templates');
  clear(tbody);
  if (!data.items.length) tbody.append(h('tr', {}, h('td', { colspan: 7, class: 'bf-help', text: 'No templates yet: draw one, import a file or copy one from the gallery.' })));
  for (const t of data.items) {
    const toggle = h('button', {
      type: 'button', class: 'bf-btn', 'data-action': 'toggle', text: t.enabled ? 'Disable' : 'Enable',
      onclick: () => run(async () => {
        await api('PATCH', `/templates/${t.id}`, { enabled: !t.enabled });
        await loadTemplates();
      }),
    });
    const remove = h('button', {
      type: 'button', class: 'bf-btn', 'data-action': 'delete', text: 'Delete',
      onclick: () => run(async () => {
        if (!(await confirmDialog('Delete template', `Delete "${t.name}"? Running processes go on to their end.`, 'Delete'))) return;
        await api('DELETE', `/templates/${t.id}`);
        notice(`Deleted "${t.name}"`, 'success');
        await loadTemplates();
      }),
    });
    tbody.append(h('tr', { 'data-template-id': t.id },
      h('td', {}, h('a', { href: `/designer/${t.id}`, text: t.name || `#${t.id}` })),
      h('td', { text: t.document_type }),
      h('td', { text: (t.auto_start || []).join(', ') || 'manually' }),
      h('td', { text: t.version }),
      h('td', { text: when(t.updated_at) }),
      h('td', {}, h('span', { class: `bf-badge ${t.enabled ? 'bf-badge-on' : 'bf-badge-off'}`, 'data-enabled': String(t.enabled), text: t.enabled ? 'enabled' : 'disabled' })),
      h('td', { class: 'bf-actions' }, toggle,
        h('a', { class: 'bf-btn', href: `/api/v1/templates/${t.id}/export`, text: 'Export' }), remove)));
  }
}

async function loadGallery() {
  const data = await api('GET', '/templates/gallery');
  const box = clear(page.querySelector('.bf-gallery'));
  for (const item of data.items) {
    box.append(h('div', { class: 'bf-gallery-item', 'data-gallery-key': item.key },
      h('strong', { text: item.name }),
      h('span', { class: 'bf-badge', text: `${item.document_type} · ${(item.auto_start || []).join(', ') || 'manual start'}` }),
      h('p', { text: item.description || '' }),
      h('button', {
        type: 'button', class: 'bf-btn', 'data-action': 'copy', text: 'Copy into my templates',
        onclick: () => run(async () => {
          const created = await api('POST', '/templates', item.template);
          // A copy waits for its settings (managers, reviewers) before it acts on real records.
          await api('PATCH', `/templates/${created.id}`, { enabled: false });
          location.href = `/designer/${created.id}`;
        }),
      })));
  }
}

async function loadRuns() {
  const runs = page.querySelector('.bf-runs');
  const data = await api('GET', '/instances?limit=20');
  clear(runs);
  if (!data.items.length) runs.append(h('tr', {}, h('td', { colspan: 5, class: 'bf-help', text: 'No process has run yet.' })));
  for (const i of data.items) {
    runs.append(h('tr', { 'data-instance-id': i.id },
      h('td', {}, h('a', { href: `/designer/instances/${i.id}`, text: `#${i.id}` })),
      h('td', {}, h('a', { href: `/designer/${i.template_id}`, text: `#${i.template_id} v${i.template_version}` })),
      h('td', { text: `${i.document_type} #${i.document_id}` }),
      h('td', {}, h('span', { class: `bf-status-pill bf-status-${i.status}`, text: i.status })),
      h('td', { text: when(i.started_at) })));
  }
}

function run(action) {
  return Promise.resolve().then(action).catch((e) => notice(e.message, 'error'));
}

page.querySelector('[data-action="new"]').addEventListener('click', () => {
  location.href = `/designer/new?document_type=${encodeURIComponent(page.querySelector('.bf-new-type').value)}`;
});
const fileInput = page.querySelector('.bf-import-file');
page.querySelector('[data-action="import"]').addEventListener('click', () => fileInput.click());
fileInput.addEventListener('change', () => run(async () => {
  const file = fileInput.files[0];
  fileInput.value = '';
  if (!file) return;
  const form = new FormData();
  form.append('file', file);
  try {
    const created = await api('POST', '/templates/import', form);
    location.href = `/designer/${created.id}`;
  } catch (e) {
    const details = (e.details || []).map((d) => `${d.node ? d.node + ': ' : ''}${d.message}`).join('; ');
    throw new Error(details ? `${e.message}: ${details}` : e.message);
  }
}));

page.dataset.ready = 'loading';
Promise.all([run(loadTemplates), run(loadGallery), run(loadRuns)]).then(() => { page.dataset.ready = 'true'; });
