// The block registry as the designer sees it (GET /api/v1/block-types), and block geometry.

import { api } from './api.js';

export const BLOCK_WIDTH = 180;
const HEADER = 46;
const PORT_ROW = 20;
const MIN_HEIGHT = 64;

const GROUP_TITLES = {
  flow: 'Flow', document: 'Document', communication: 'Communication', people: 'People',
  data: 'Data', integration: 'Integration',
};

export class BlockTypes {
  constructor(list) {
    this.list = list;
    this.byType = new Map(list.map((b) => [b.type, b]));
  }

  static async load() {
    const data = await api('GET', '/block-types');
    const list = Array.isArray(data) ? data : data.items || data.block_types || [];
    return new BlockTypes(list);
  }

  get(type) {
    return this.byType.get(type) || { type, title: type, group: 'other', ports: ['next'],
      properties_schema: { type: 'object', properties: {} }, outputs: [], unknown: true };
  }

  groupTitle(group) {
    return GROUP_TITLES[group] || (group ? group[0].toUpperCase() + group.slice(1) : 'Other');
  }

  /** The output ports of a node: static ones from the registry, or its branch ids. */
  portsOf(node) {
    const block = this.get(node.type);
    if (Array.isArray(block.ports) && !block.dynamic_ports) return block.ports;
    const branches = (node.properties && node.properties.branches) || [];
    return branches.filter((b) => b && typeof b.id === 'string').map((b) => b.id);
  }

  /** Human label of a port: the branch title for branch ports, the port name otherwise. */
  portLabel(node, port) {
    if (port === 'next') return '';
    const branches = (node.properties && node.properties.branches) || [];
    const branch = branches.find((b) => b && b.id === port);
    return (branch && (branch.title || branch.id)) || port;
  }

  /** Names a node offers to {=Block:NODE:NAME}. */
  outputsOf(node) {
    const block = this.get(node.type);
    if (Array.isArray(block.outputs) && !block.dynamic_outputs) return block.outputs;
    const fields = (node.properties && node.properties.fields) || [];
    return Array.isArray(fields) ? fields.filter((f) => f && f.id).map((f) => f.id) : [];
  }

  hasInput(node) {
    return node.type !== 'start';
  }
}

/** Height of a block with this many output ports. */
export function blockHeight(portCount) {
  return portCount > 1 ? Math.max(MIN_HEIGHT, HEADER + portCount * PORT_ROW + 6) : MIN_HEIGHT;
}

/** Where output port `index` of `count` sits, relative to the block's top-left corner. */
export function portOffset(index, count, height) {
  if (count <= 1) return { x: BLOCK_WIDTH, y: height / 2 };
  return { x: BLOCK_WIDTH, y: HEADER + index * PORT_ROW + PORT_ROW / 2 };
}

export function inputOffset(height) {
  return { x: 0, y: height / 2 };
}
