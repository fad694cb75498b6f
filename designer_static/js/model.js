// The JSON template is the model: import puts its nodes and edges on the canvas, export reads
// them back; template settings live in the bizflowModel service and change through commands.

import { BLOCK_WIDTH, blockHeight } from './blocks.js';
import { clone } from './dom.js';

export const FORMAT = 'bizflow.template/1';
const GRAPH_KEYS = new Set(['nodes', 'edges']);
// Above this many blocks the minimap starts closed: it copies every block in full (the canvas
// draws only what is in view), which costs as much as drawing them all and delays the first click.
const MINIMAP_LIMIT = 120;
const META_ORDER = ['format', 'name', 'description', 'document_type', 'auto_start', 'parameters', 'variables', 'constants'];

/** Holds what is not on the canvas: settings, and edges whose ends do not exist. */
export class TemplateModel {
  constructor() {
    this.meta = emptyMeta('lead');
    this.danglingEdges = [];
  }
}

export function emptyMeta(documentType) {
  return {
    format: FORMAT, name: 'New template', description: '', document_type: documentType || 'lead',
    auto_start: [], parameters: [], variables: [], constants: [],
  };
}

/** A new template with only a start block. */
export function newTemplate(documentType) {
  return { ...emptyMeta(documentType), nodes: [{ id: 'start', type: 'start', title: 'Start', position: { x: 60, y: 200 } }], edges: [] };
}

/**
 * Puts a template on the canvas (no undo history: it is the starting point). `beforeAdd(shapes)`
 * runs once the blocks are placed but not yet drawn: the moment to set the view cheaply.
 */
export function importTemplate(diagram, template, beforeAdd) {
  const canvas = diagram.get('canvas');
  const factory = diagram.get('elementFactory');
  const layouter = diagram.get('layouter');
  const blocks = diagram.get('bizflowBlocks');
  const model = diagram.get('bizflowModel');
  // The minimap copies every element as it is added; closed, it rebuilds once when opened.
  // Big templates keep it closed (the Map button opens it).
  const minimap = diagram.get('minimap', false);
  const minimapOpen = minimap && minimap.isOpen();
  if (minimapOpen) minimap.close();
  diagram.clear();
  const root = canvas.getRootElement();

  model.meta = {};
  for (const [key, value] of Object.entries(template)) {
    if (!GRAPH_KEYS.has(key)) model.meta[key] = clone(value);
  }
  model.danglingEdges = [];
  const nodes = Array.isArray(template.nodes) ? template.nodes : [];
  const edges = Array.isArray(template.edges) ? template.edges : [];
  const positions = autoLayout(nodes, edges, blocks);

  const shapes = new Map();
  for (const node of nodes) {
    if (!node || typeof node.id !== 'string' || shapes.has(node.id)) continue;
    const bo = clone(node);
    delete bo.position;
    const at = positions.get(node.id);
    shapes.set(node.id, factory.createShape({
      bo, x: at.x, y: at.y, width: BLOCK_WIDTH, height: blockHeight(blocks.portsOf(bo).length),
    }));
  }
  if (beforeAdd) beforeAdd([...shapes.values()]);
  for (const shape of shapes.values()) canvas.addShape(shape, root);
  for (const edge of edges) {
    const source = edge && shapes.get(edge.from);
    const target = edge && shapes.get(edge.to);
    if (!source || !target) {
      model.danglingEdges.push(clone(edge));
      continue;
    }
    const connection = factory.createConnection({ source, target, port: edge.port || 'next' });
    connection.waypoints = layouter.layoutConnection(connection);
    canvas.addConnection(connection, root);
  }
  // Rebuilding the minimap copies every block and measures the canvas: do it once the blocks
  // have been painted and the page is idle.
  if (minimapOpen && nodes.length <= MINIMAP_LIMIT) afterPaint(() => minimap.open());
  const commandStack = diagram.get('commandStack', false);  // absent in the read-only run view
  if (commandStack) commandStack.clear();
}

/** Runs `task` when the browser is idle after the next frame has been painted. */
function afterPaint(task) {
  requestAnimationFrame(() => {
    if (window.requestIdleCallback) requestIdleCallback(task, { timeout: 1000 });
    else setTimeout(task, 0);
  });
}

/** Reads the template JSON back from the canvas. */
export function exportTemplate(diagram) {
  const registry = diagram.get('elementRegistry');
  const model = diagram.get('bizflowModel');
  const template = {};
  for (const key of META_ORDER) if (key in model.meta) template[key] = clone(model.meta[key]);
  for (const [key, value] of Object.entries(model.meta)) {
    if (!(key in template)) template[key] = clone(value);
  }
  template.nodes = [];
  template.edges = [];
  const elements = registry.getAll().slice().sort((a, b) => (a.seq || 0) - (b.seq || 0));
  for (const element of elements) {
    if (element.waypoints) {
      const edge = { from: element.source.id };
      if (element.port && element.port !== 'next') edge.port = element.port;
      edge.to = element.target.id;
      template.edges.push(edge);
    } else if (element.bo) {
      const { id, type, title, ...rest } = clone(element.bo);
      const node = { id, type };
      if (title !== undefined) node.title = title;
      node.position = { x: Math.round(element.x), y: Math.round(element.y) };
      Object.assign(node, rest);
      template.nodes.push(node);
    }
  }
  template.edges.push(...clone(model.danglingEdges));
  return template;
}

/**
 * Positions for every node: its own when it has one; otherwise layered by distance from start
 * (BFS depth is the column), stacked in each column below any placed blocks.
 */
export function autoLayout(nodes, edges, blocks, force = false) {
  const positions = new Map();
  const missing = [];
  for (const node of nodes) {
    if (!node || typeof node.id !== 'string') continue;
    const p = node.position;
    if (!force && p && Number.isFinite(p.x) && Number.isFinite(p.y)) positions.set(node.id, { x: p.x, y: p.y });
    else missing.push(node);
  }
  if (!missing.length) return positions;
  const next = new Map();
  for (const edge of edges) {
    if (!edge) continue;
    if (!next.has(edge.from)) next.set(edge.from, []);
    next.get(edge.from).push(edge.to);
  }
  const depth = new Map();
  const order = [...nodes.filter((n) => n && n.type === 'start'), ...nodes.filter((n) => n && n.type !== 'start')];
  for (const root of order) {
    if (!root || depth.has(root.id)) continue;
    depth.set(root.id, 0);
    const queue = [root.id];
    for (let i = 0; i < queue.length; i++) {
      for (const to of next.get(queue[i]) || []) {
        if (!depth.has(to)) {
          depth.set(to, depth.get(queue[i]) + 1);
          queue.push(to);
        }
      }
    }
  }
  const columnBottom = new Map();
  for (const p of positions.values()) {
    const column = Math.round((p.x - 60) / 260);
    columnBottom.set(column, Math.max(columnBottom.get(column) || 0, p.y + 120));
  }
  const byId = new Map(missing.map((n) => [n.id, n]));
  const sorted = [...missing].sort((a, b) => (depth.get(a.id) || 0) - (depth.get(b.id) || 0));
  for (const node of sorted) {
    const column = depth.get(node.id) || 0;
    const y = columnBottom.get(column) || 60;
    positions.set(node.id, { x: 60 + column * 260, y });
    const height = blockHeight(blocks.portsOf(byId.get(node.id)).length);
    columnBottom.set(column, y + height + 40);
  }
  return positions;
}
