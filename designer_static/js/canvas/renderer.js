// Draws blocks (title, type, gear, labelled ports) and edges (arrows with port labels).

import { BaseRenderer } from '../../vendor/diagram-js.bundle.js';
import { BLOCK_WIDTH, inputOffset, portOffset } from '../blocks.js';
import { s } from '../dom.js';
import { missingInputs } from '../needs.js';

const MAX_TITLE = 20;

function short(text, max) {
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

export default class BizflowRenderer extends BaseRenderer {
  constructor(eventBus, bizflowBlocks, bizflowCulling) {
    super(eventBus, 2000);
    this.blocks = bizflowBlocks;
    this.culling = bizflowCulling;
  }

  canRender(element) {
    return Boolean(element.bo || element.waypoints);
  }

  drawShape(visual, shape) {
    const node = shape.bo;
    const block = this.blocks.get(node.type);
    const gfx = visual.parentNode;
    const missing = missingInputs(block, node);
    if (gfx && gfx.classList.contains('djs-shape')) {
      gfx.setAttribute('data-node-id', node.id);
      gfx.setAttribute('data-node-type', node.type);
      if (missing.length) gfx.setAttribute('data-needs', missing.map((m) => m.key).join(' '));
      else gfx.removeAttribute('data-needs');
    }
    const width = shape.width;
    const height = shape.height;
    const body = s('rect', {
      class: `bf-body bf-group-${block.group || 'other'}${missing.length ? ' bf-needs-input' : ''}`, x: 0, y: 0, rx: 8, ry: 8, width, height,
    });
    visual.append(body);
    // Out of view in a big template: the outline only, until culling brings it into view.
    shape.lite = !this.culling.inView(shape);
    if (shape.lite) return body;
    visual.append(s('text', { class: 'bf-title', x: 12, y: 20, text: short(node.title || block.title || node.type, MAX_TITLE) }));
    // A block that cannot run yet says what it needs where its type is otherwise shown.
    if (missing.length) visual.append(s('text', { class: 'bf-needs', x: 12, y: 36, text: short(`Needs ${missing.map((m) => m.title).join(', ')}`, 26) }));
    else visual.append(s('text', { class: 'bf-type', x: 12, y: 36, text: short(`${block.title || node.type} · ${node.id}`, 24) }));
    if (node.type !== 'start') {
      // Attributes rather than <title> children: big templates have tens of thousands of nodes.
      const gear = s('g', { class: 'bf-gear', 'data-action': 'configure', 'aria-label': 'Configure', transform: `translate(${width - 18}, 16)` },
        s('circle', { r: 9 }),
        s('text', { class: 'bf-gear-icon', x: 0, y: 4, text: '⚙' }));
      visual.append(gear);
    }
    if (this.blocks.hasInput(node)) {
      const at = inputOffset(height);
      visual.append(s('g', { class: 'bf-port bf-port-in', 'data-port': 'in', transform: `translate(${at.x}, ${at.y})` },
        s('circle', { r: 7 })));
    }
    const ports = this.blocks.portsOf(node);
    ports.forEach((port, index) => {
      const at = portOffset(index, ports.length, height);
      const label = this.blocks.portLabel(node, port);
      const text = label ? short(label, 20) : '';
      // A labelled port is one target from its label to its circle (what a pointer aims at).
      const reach = text ? 16 + text.length * 6.5 : 0;
      visual.append(s('g', { class: 'bf-port bf-port-out', 'data-port': port, 'aria-label': label || 'next', transform: `translate(${at.x}, ${at.y})` },
        text ? s('rect', { class: 'bf-port-hit', x: -reach, y: -9, width: reach + 9, height: 18 }) : null,
        text ? s('text', { class: 'bf-port-label', x: -12, y: 4, text }) : null,
        s('circle', { r: 7 })));
    });
    return body;
  }

  drawConnection(visual, connection) {
    const gfx = visual.parentNode;
    // Test hooks only on real edges, not on the preview drawn while dragging.
    if (gfx && gfx.classList.contains('djs-connection') && connection.source && connection.target) {
      gfx.setAttribute('data-edge-from', connection.source.id);
      gfx.setAttribute('data-edge-to', connection.target.id);
      gfx.setAttribute('data-edge-port', connection.port || 'next');
    }
    const points = connection.waypoints;
    const path = s('path', { class: 'bf-edge', d: pathOf(points) });
    visual.append(path);
    connection.lite = Boolean(connection.source && connection.target) && !this.culling.inView(connection);
    if (connection.lite) return path;
    const last = points[points.length - 1];
    const prev = points[points.length - 2] || points[0];
    const angle = Math.atan2(last.y - prev.y, last.x - prev.x) * 180 / Math.PI;
    visual.append(s('path', { class: 'bf-arrow', d: 'M0,0 L-10,-5 L-10,5 Z', transform: `translate(${last.x}, ${last.y}) rotate(${angle})` }));
    const port = connection.port || 'next';
    if (port !== 'next' && connection.source && connection.source.bo) {
      const label = this.blocks.portLabel(connection.source.bo, port);
      // On the vertical run between the blocks (clear of both), or above a straight edge.
      const at = points.length === 4
        ? { x: points[1].x + 5, y: (points[1].y + points[2].y) / 2 + 4 }
        : { x: (points[0].x + points[1].x) / 2 - 20, y: points[0].y - 6 };
      visual.append(s('text', { class: 'bf-edge-label', x: at.x, y: at.y, text: short(label, 24) }));
    }
    return path;
  }

  getShapePath(shape) {
    const { x, y, width, height } = shape;
    return `M${x},${y}h${width}v${height}h${-width}z`;
  }

  getConnectionPath(connection) {
    return pathOf(connection.waypoints);
  }
}

BizflowRenderer.$inject = ['eventBus', 'bizflowBlocks', 'bizflowCulling'];

function pathOf(points) {
  return points.map((p, i) => `${i ? 'L' : 'M'}${p.x},${p.y}`).join(' ');
}

export { BLOCK_WIDTH };
