// What may be created, moved and connected on the canvas.

import { RuleProvider } from '../../vendor/diagram-js.bundle.js';

const isRoot = (element) => Boolean(element) && !element.parent && !element.bo;

export default class BizflowRules extends RuleProvider {
  constructor(eventBus, bizflowPortDrag, bizflowBlocks) {
    super(eventBus);
    this.portDrag = bizflowPortDrag;
    this.blocks = bizflowBlocks;
  }

  init() {
    this.addRule('shape.create', (ctx) => isRoot(ctx.target));
    this.addRule('elements.create', (ctx) => !ctx.target || isRoot(ctx.target));
    this.addRule('elements.move', (ctx) => !ctx.target || isRoot(ctx.target));
    this.addRule('shape.resize', () => false);
    this.addRule('connection.reconnect', () => false);
    this.addRule('connection.updateWaypoints', () => false);
    this.addRule('connection.create', (ctx) => this.canConnect(ctx.source, ctx.target));
    // Everything but the start block can be copied (a template has exactly one start).
    this.addRule('element.copy', (ctx) => Boolean(ctx.element.waypoints || (ctx.element.bo && ctx.element.bo.type !== 'start')));
  }

  /** An edge goes from the output port being dragged to a block that has an input. */
  canConnect(source, target) {
    const drag = this.portDrag.current;
    if (!drag || !source || source !== drag.shape) return false;
    if (!target || !target.bo || target.waypoints || !this.blocks.hasInput(target.bo)) return false;
    return { port: drag.port };
  }
}

BizflowRules.$inject = ['eventBus', 'bizflowPortDrag', 'bizflowBlocks'];
