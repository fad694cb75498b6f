// What a properties form can refer to: document fields (cached per type), settings, and the
// results of blocks that come before a block in the graph.

import { api } from './api.js';

const fieldCache = new Map();

/** Fields of a document type, custom ones included; options as [id, title] pairs. */
export async function loadFields(documentType, { refresh = false } = {}) {
  if (!refresh && fieldCache.has(documentType)) return fieldCache.get(documentType);
  const data = await api('GET', `/document-types/${encodeURIComponent(documentType)}/fields`);
  const fields = (data.items || []).map((f) => ({
    ...f, options: (f.options || []).map((o) => (Array.isArray(o) ? o : [o.id, o.title || o.id])),
  }));
  fieldCache.set(documentType, fields);
  return fields;
}

/** Blocks from which `element` can be reached, with the outputs they offer. */
export function earlierBlocks(element, blocks) {
  const seen = new Set([element]);
  const queue = [element];
  const found = [];
  while (queue.length) {
    const current = queue.shift();
    for (const connection of current.incoming || []) {
      const source = connection.source;
      if (seen.has(source)) continue;
      seen.add(source);
      queue.push(source);
      const outputs = blocks.outputsOf(source.bo);
      if (outputs.length) found.push({ id: source.bo.id, title: source.bo.title, outputs });
    }
  }
  return found;
}
