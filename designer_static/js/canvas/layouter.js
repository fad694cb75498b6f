// Routes an edge from its output port to the target's input port with right-angled segments.

import { BaseLayouter } from '../../vendor/diagram-js.bundle.js';
import { inputOffset, portOffset } from '../blocks.js';

export default class PortLayouter extends BaseLayouter {
  constructor(bizflowBlocks) {
    super();
    this.blocks = bizflowBlocks;
  }

  layoutConnection(connection, hints = {}) {
    const source = connection.source;
    const target = connection.target;
    // While an edge is being dragged (preview) one end may be the pointer only.
    const start = source && source.bo ? portPoint(this.blocks, source, connection.port || 'next') : hints.connectionStart;
    const end = target && target.bo
      ? { x: target.x + inputOffset(target.height).x, y: target.y + inputOffset(target.height).y }
      : hints.connectionEnd;
    if (!start || !end) return [start || end, end || start].filter(Boolean);
    if (!source || !target) return [start, end];
    if (end.x - start.x >= 12) {
      if (start.y === end.y) return [start, end];
      const midX = Math.round(start.x + (end.x - start.x) / 2);
      return [start, { x: midX, y: start.y }, { x: midX, y: end.y }, end];
    }
    // Backwards edge (a loop's body returning): go round below both blocks.
    const below = Math.max(source.y + source.height, target.y + target.height) + 30;
    return [start, { x: start.x + 20, y: start.y }, { x: start.x + 20, y: below },
      { x: end.x - 20, y: below }, { x: end.x - 20, y: end.y }, end];
  }
}

PortLayouter.$inject = ['bizflowBlocks'];

/** The absolute position of an output port of a block shape. */
export function portPoint(blocks, shape, port) {
  const ports = blocks.portsOf(shape.bo);
  const index = Math.max(0, ports.indexOf(port));
  const at = portOffset(index, ports.length, shape.height);
  return { x: shape.x + at.x, y: shape.y + at.y };
}
