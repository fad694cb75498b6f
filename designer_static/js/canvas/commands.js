// Custom commands on the diagram-js command stack: editing a block and editing template settings.
// Both are exact to undo; side effects (dropped edges of removed ports) run inside the same step.

import { CommandInterceptor } from '../../vendor/diagram-js.bundle.js';
import { blockHeight } from '../blocks.js';

/** Replaces a block's node data (id, title, properties); context: {element, node}. */
export class UpdateNodeHandler {
  constructor(elementRegistry, bizflowBlocks, modeling) {
    this.registry = elementRegistry;
    this.blocks = bizflowBlocks;
    this.modeling = modeling;
  }

  execute(ctx) {
    const { element, node } = ctx;
    const old = element.bo;
    ctx.old = { bo: old, height: element.height, ports: [] };
    if (node.id !== old.id) this.registry.updateId(element, node.id);
    element.bo = node;
    element.height = blockHeight(this.blocks.portsOf(node).length);
    // A renamed branch keeps its edge: match branches by position.
    const before = this.blocks.portsOf(old);
    const after = this.blocks.portsOf(node);
    for (const connection of element.outgoing) {
      const index = before.indexOf(connection.port);
      if (index >= 0 && !after.includes(connection.port) && index < after.length && !before.includes(after[index])) {
        ctx.old.ports.push([connection, connection.port]);
        connection.port = after[index];
      }
    }
    return [element, ...element.outgoing];
  }

  postExecute(ctx) {
    const { element } = ctx;
    const ports = this.blocks.portsOf(element.bo);
    for (const connection of [...element.outgoing]) {
      if (!ports.includes(connection.port)) this.modeling.removeConnection(connection);
    }
    for (const connection of [...element.outgoing, ...element.incoming]) {
      this.modeling.layoutConnection(connection);
    }
  }

  revert(ctx) {
    const { element } = ctx;
    if (element.id !== ctx.old.bo.id) this.registry.updateId(element, ctx.old.bo.id);
    element.bo = ctx.old.bo;
    element.height = ctx.old.height;
    for (const [connection, port] of ctx.old.ports) connection.port = port;
    return [element, ...element.outgoing];
  }
}

UpdateNodeHandler.$inject = ['elementRegistry', 'bizflowBlocks', 'modeling'];

/** Changes template settings (name, description, document type, ...); context: {changes}. */
export class UpdateTemplateHandler {
  constructor(bizflowModel) {
    this.model = bizflowModel;
  }

  execute(ctx) {
    ctx.old = {};
    for (const [key, value] of Object.entries(ctx.changes)) {
      ctx.old[key] = this.model.meta[key];
      this.model.meta[key] = value;
    }
    return [];
  }

  revert(ctx) {
    Object.assign(this.model.meta, ctx.old);
    return [];
  }
}

UpdateTemplateHandler.$inject = ['bizflowModel'];

/** Registers the handlers, and keeps "one edge per port": a new edge replaces the old one. */
export class BizflowCommands extends CommandInterceptor {
  constructor(eventBus, commandStack, modeling) {
    super(eventBus);
    commandStack.registerHandler('bizflow.updateNode', UpdateNodeHandler);
    commandStack.registerHandler('bizflow.updateTemplate', UpdateTemplateHandler);
    commandStack.registerHandler('bizflow.arrange', ArrangeHandler);
    this.preExecute('connection.create', (event) => {
      const { source, connection } = event.context;
      const port = (connection && connection.port) || 'next';
      for (const existing of [...source.outgoing]) {
        if ((existing.port || 'next') === port) modeling.removeConnection(existing);
      }
    });
  }
}

BizflowCommands.$inject = ['eventBus', 'commandStack', 'modeling'];

/** Moves every block to the layered auto-layout positions, as one undoable step. */
export class ArrangeHandler {
  constructor(modeling) {
    this.modeling = modeling;
  }

  execute() {
    return [];
  }

  postExecute(ctx) {
    for (const [shape, to] of ctx.moves) {
      const delta = { x: to.x - shape.x, y: to.y - shape.y };
      if (delta.x || delta.y) this.modeling.moveShape(shape, delta);
    }
  }

  revert() {
    return [];
  }
}

ArrangeHandler.$inject = ['modeling'];
