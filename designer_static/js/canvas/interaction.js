// Mouse behaviour that is ours: drag from an output port to connect, the gear to configure,
// and drops resolved from the point under the pointer.

import { ElementFactory } from '../../vendor/diagram-js.bundle.js';
import { clone } from '../dom.js';
import { portPoint } from './layouter.js';

/** Which output port is being dragged (read by the connect rule). */
export class PortDrag {
  constructor() {
    this.current = null;
  }
}

/** Shapes take their diagram id from the node id; edges get ids no node id can collide with. */
export class BizflowElementFactory extends ElementFactory {
  constructor() {
    super();
    this.edgeCount = 0;
    this.sequence = 0;
  }

  create(type, attrs) {
    attrs = attrs || {};
    // Creation order, kept by an element through delete and undo: the export order of the JSON.
    attrs.seq = ++this.sequence;
    if (!attrs.id) {
      if (attrs.bo && attrs.bo.id) attrs.id = attrs.bo.id;
      else if (type === 'connection') attrs.id = `edge-${++this.edgeCount}`;
    }
    return super.create(type, attrs);
  }
}

const NODE_ID = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** A node id not yet used on the canvas, derived from `base`. */
export function freshNodeId(elementRegistry, base) {
  let stem = String(base || 'block').replace(/[^A-Za-z0-9_]/g, '_').replace(/^[^A-Za-z]+/, '');
  stem = (stem || 'block').slice(0, 56).replace(/\d+$/, '') || 'block';
  for (let n = 1; ; n++) {
    const id = `${stem}${n}`;
    if (NODE_ID.test(id) && !elementRegistry.get(id)) return id;
  }
}

export class BizflowInteraction {
  constructor(eventBus, canvas, connect, rules, elementRegistry, selection, interactionEvents, clipboard, mouse, copyPaste, bizflowPortDrag, bizflowBlocks) {
    const portDrag = bizflowPortDrag;

    // A block's body takes the pointer itself (see designer.css), so diagram-js's transparent
    // hit box on blocks is never used: not creating it saves thousands of nodes on big templates.
    // An edge drawn in outline out of view gets its hit line when culling brings it into view.
    const createDefaultHit = interactionEvents.createDefaultHit.bind(interactionEvents);
    interactionEvents.createDefaultHit = (element, gfx) => ((element.bo && !element.waypoints) || element.lite ? null : createDefaultHit(element, gfx));

    eventBus.on('element.mousedown', 1500, (event) => {
      const target = event.originalEvent && event.originalEvent.target;
      const shape = event.element;
      if (target && target.closest && target.closest('[data-action="configure"]') && shape.bo) {
        // On mousedown, not click: a click would start moving the block first.
        if (event.originalEvent.button === 0) setTimeout(() => eventBus.fire('bizflow.configure', { element: shape }), 0);
        return false;
      }
      const portEl = target && target.closest && target.closest('[data-port]');
      if (!portEl || !shape.bo || portEl.dataset.port === 'in') return;
      if (event.originalEvent.button !== 0) return;
      const port = portEl.dataset.port;
      portDrag.current = { shape, port };
      connect.start(event.originalEvent, shape, portPoint(bizflowBlocks, shape, port));
      return false;
    });

    eventBus.on(['connect.cleanup', 'connect.canceled'], () => {
      portDrag.current = null;
    });

    // A fast drag may end before any hover event arrived: find the block under the pointer.
    eventBus.on('connect.end', 2000, (event) => {
      const ctx = event.context;
      if (ctx.canExecute) return;
      const hit = elementAt(event.originalEvent, elementRegistry);
      if (!hit) return;
      const allowed = rules.allowed('connection.create', { source: ctx.start, target: hit });
      if (allowed) {
        ctx.source = ctx.start;
        ctx.target = hit;
        ctx.canExecute = allowed;
      }
    });

    eventBus.on('create.end', 2000, (event) => {
      const ctx = event.context;
      if (ctx.target && ctx.canExecute) return;
      const original = event.originalEvent;
      if (!original || !insideContainer(canvas, original)) return;
      if (elementAt(original, elementRegistry)) return;
      ctx.target = canvas.getRootElement();
      ctx.canExecute = rules.allowed('shape.create', { shape: ctx.elements[0], target: ctx.target });
    });

    // After a drag diagram-js arms a trap that swallows the next click for 400 ms (meant for
    // the click a browser may fire on mouseup). When no such click came, the trap would eat the
    // user's next real click: spring it with a stand-in click at once.
    let dragActive = false;
    let clickSeen = false;
    eventBus.on('element.click', 6000, () => { clickSeen = true; });
    eventBus.on('drag.start', () => { dragActive = true; });
    eventBus.on('drag.ended', () => {
      if (!dragActive) return;
      dragActive = false;
      clickSeen = false;
      setTimeout(() => {
        if (!clickSeen) eventBus.fire('element.click', { element: canvas.getRootElement(), gfx: null, originalEvent: null, trapOnly: true });
      }, 0);
    });

    // A plain click on the one selected block keeps it selected (diagram-js would toggle it off,
    // so "click a block, press Delete" would do nothing when the block was just dropped).
    eventBus.on('element.click', 1500, (event) => {
      const original = event.originalEvent || {};
      const selected = selection.get();
      if (selected.length === 1 && selected[0] === event.element && !original.shiftKey && !original.ctrlKey && !original.metaKey) {
        return false;
      }
    });

    // Ctrl+V pastes at once: at the pointer when it is over the canvas, else beside the originals
    // (diagram-js would attach the copy to the pointer until a click).
    eventBus.on('editorActions.init', (event) => {
      const actions = event.editorActions;
      actions.unregister('paste');
      actions.register('paste', () => {
        const tree = clipboard.get();
        if (!tree || !Object.keys(tree).length) return;
        const last = mouse.getLastMoveEvent();
        const beside = besideOriginals(tree);
        let point = last && insideContainer(canvas, last) ? toDiagram(canvas, last) : beside;
        // The pointer still on the originals (Ctrl+C, Ctrl+V without moving): not on top of them.
        if (point && beside && Math.abs(point.x - beside.x + 40) < 20 && Math.abs(point.y - beside.y + 40) < 20) point = beside;
        if (point) copyPaste.paste({ element: canvas.getRootElement(), point });
      });
    });

    // After a block is dropped from the palette the keyboard belongs to the canvas (Delete, Ctrl+Z).
    eventBus.on('create.ended', () => canvas.focus());

    eventBus.on('element.dblclick', (event) => {
      if (event.element.bo && !event.element.waypoints) {
        eventBus.fire('bizflow.configure', { element: event.element });
      }
    });

    // Copy/paste carries the node data; pasted blocks get fresh ids.
    eventBus.on('copyPaste.copyElement', 500, (event) => {
      const { element, descriptor } = event;
      if (element.waypoints) descriptor.port = element.port;
      else if (element.bo) descriptor.bo = clone(element.bo);
    });
    eventBus.on('copyPaste.pasteElement', (event) => {
      const { descriptor } = event;
      if (descriptor.bo) {
        descriptor.bo = clone(descriptor.bo);
        descriptor.bo.id = freshNodeId(elementRegistry, descriptor.bo.id);
      }
    });
  }
}

BizflowInteraction.$inject = [
  'eventBus', 'canvas', 'connect', 'rules', 'elementRegistry', 'selection', 'interactionEvents',
  'clipboard', 'mouse', 'copyPaste', 'bizflowPortDrag', 'bizflowBlocks',
];

function toDiagram(canvas, event) {
  const rect = canvas.getContainer().getBoundingClientRect();
  const box = canvas.viewbox();
  return { x: Math.round(box.x + (event.clientX - rect.left) / box.scale), y: Math.round(box.y + (event.clientY - rect.top) / box.scale) };
}

/** The centre of the copied blocks, moved 40 px right and down. */
function besideOriginals(tree) {
  const shapes = Object.values(tree).flat().filter((d) => !d.waypoints && Number.isFinite(d.x));
  if (!shapes.length) return null;
  const minX = Math.min(...shapes.map((d) => d.x));
  const minY = Math.min(...shapes.map((d) => d.y));
  const maxX = Math.max(...shapes.map((d) => d.x + d.width));
  const maxY = Math.max(...shapes.map((d) => d.y + d.height));
  return { x: Math.round((minX + maxX) / 2) + 40, y: Math.round((minY + maxY) / 2) + 40 };
}

function insideContainer(canvas, event) {
  const rect = canvas.getContainer().getBoundingClientRect();
  return event.clientX >= rect.left && event.clientX <= rect.right &&
    event.clientY >= rect.top && event.clientY <= rect.bottom;
}

function elementAt(event, elementRegistry) {
  if (!event || event.clientX === undefined) return null;
  for (const el of document.elementsFromPoint(event.clientX, event.clientY)) {
    const gfx = el.closest && el.closest('[data-node-id]');
    if (gfx) {
      const element = elementRegistry.get(gfx.getAttribute('data-element-id'));
      if (element && element.bo) return element;
    }
  }
  return null;
}
