// Big templates: blocks and edges outside the view are taken out of the document (kept, with
// their graphics, in the element registry), so the browser styles, lays out and paints only what
// can be seen; the set follows the view as it pans and zooms. Hidden with display: none they
// would still cost a style pass each (a quarter of a second for 2,000 blocks).

const MARGIN = 300;

export default class Culling {
  constructor(eventBus, elementRegistry, graphicsFactory) {
    this.registry = elementRegistry;
    this.graphics = graphicsFactory;
    this.eventBus = eventBus;
    this.enabled = false;
    this.pending = null;
    // element -> [its group (the .djs-group around its graphics), the container it came out of]
    this.parked = new Map();
    eventBus.on('canvas.viewbox.changed', 500, (event) => {
      if (!this.enabled) return;
      cancelAnimationFrame(this.pending);
      this.pending = requestAnimationFrame(() => this.apply(event.viewbox));
    });
    // Elements added or redrawn while culling (an import, an edit) are culled at once.
    eventBus.on(['shape.added', 'connection.added', 'shape.changed', 'connection.changed'], 100, (event) => {
      if (this.enabled && event.gfx) this.cull(event.element, event.gfx);
    });
    eventBus.on(['shape.removed', 'connection.removed'], (event) => this.parked.delete(event.element));
    eventBus.on('diagram.clear', () => this.parked.clear());
  }

  /** Leaves out what lies outside `viewbox` from now on (call it before adding the elements). */
  enable(viewbox) {
    this.enabled = true;
    this.apply(viewbox);
  }

  disable() {
    this.enabled = false;
    for (const [group, container] of this.parked.values()) container.append(group);
    this.parked.clear();
  }

  apply(viewbox) {
    this.box = [viewbox.x - MARGIN, viewbox.y - MARGIN, viewbox.x + viewbox.width + MARGIN, viewbox.y + viewbox.height + MARGIN];
    for (const element of this.registry.getAll()) {
      if (element.parent) this.cull(element, this.registry.getGraphics(element));
    }
  }

  /** Whether an element lies in (or near) the view; always true when culling is off. */
  inView(element) {
    if (!this.enabled) return true;
    let box;
    if (element.waypoints) {
      const xs = element.waypoints.map((p) => p.x);
      const ys = element.waypoints.map((p) => p.y);
      box = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
    } else {
      box = [element.x, element.y, element.x + element.width, element.y + element.height];
    }
    const [left, top, right, bottom] = this.box;
    return box[2] >= left && box[0] <= right && box[3] >= top && box[1] <= bottom;
  }

  cull(element, gfx) {
    if (!gfx) return;
    const visible = this.inView(element);
    const parked = this.parked.get(element);
    if (visible) {
      // Drawn in outline while out of view (see the renderer); drawn in full when it comes in.
      if (element.lite) {
        this.graphics.update(element.waypoints ? 'connection' : 'shape', element, gfx);
        if (element.waypoints && !gfx.querySelector('.djs-hit')) this.eventBus.fire('interactionEvents.createHit', { element, gfx });
      }
      if (parked) {
        this.parked.delete(element);
        parked[1].append(parked[0]);
      }
    } else if (!parked) {
      const group = gfx.parentNode;
      if (!group || !group.parentNode) return;
      this.parked.set(element, [group, group.parentNode]);
      group.remove();
    }
  }
}

Culling.$inject = ['eventBus', 'elementRegistry', 'graphicsFactory'];
