// The palette: every block type of the registry, grouped and searchable; drag one onto the canvas
// (or click it to drop it in the middle of the view).

import { BLOCK_WIDTH, blockHeight } from './blocks.js';
import { clear, clone, h } from './dom.js';
import { freshNodeId } from './canvas/interaction.js';

const MAPS = new Set(['fields-map', 'variables-map', 'parameters-map', 'headers']);
const WORDS = new Set(['title', 'name', 'subject']);

/**
 * Default properties of a new block: its schema defaults, and for required ones a start a user
 * expects (the responsible person as recipient, empty maps, the block title as task title,
 * one form field, a one-hour pause), so a freshly dropped block is already valid where it can be.
 * Branching blocks get two branches.
 */
export function defaultProperties(block) {
  const schema = block.properties_schema || {};
  const required = new Set(schema.required || []);
  const props = {};
  for (const [key, sub] of Object.entries(schema.properties || {})) {
    if (sub.default !== undefined) props[key] = clone(sub.default);
    else if (key === 'for' && sub.format === 'interval') props[key] = '1h';
    else if (!required.has(key)) continue;
    else if (sub.format === 'recipients') props[key] = ['{=Document:ASSIGNED_BY_ID}'];
    else if (MAPS.has(sub.format)) props[key] = {};
    else if (WORDS.has(key) && sub.type === 'string') props[key] = block.title;
    else if (sub.type === 'array' && sub.items && sub.items.properties && sub.items.properties.id && key !== 'branches') {
      const item = { id: 'Answer', title: 'Answer' };
      for (const [name, prop] of Object.entries(sub.items.properties)) {
        if (prop.enum && !(name in item)) item[name] = prop.default ?? prop.enum[0];
      }
      props[key] = [item];
    }
  }
  const branchSchema = schema.properties && schema.properties.branches;
  if (branchSchema && !props.branches) {
    const withWhen = Boolean(branchSchema.items && branchSchema.items.properties && branchSchema.items.properties.when);
    props.branches = withWhen
      ? [{ id: 'yes', title: 'Yes', when: { all: [] } }, { id: 'no', title: 'Otherwise', when: null }]
      : [{ id: 'branch1', title: 'Branch 1' }, { id: 'branch2', title: 'Branch 2' }];
  }
  return props;
}

export function renderPalette(container, diagram, blocks) {
  const search = h('input', { type: 'search', class: 'bf-palette-search', placeholder: 'Search blocks', 'aria-label': 'Search blocks' });
  const list = h('div', { class: 'bf-palette-list' });
  const create = diagram.get('create');
  const factory = diagram.get('elementFactory');
  const registry = diagram.get('elementRegistry');

  const eventBus = diagram.get('eventBus');
  const fromPalette = new WeakSet();
  const newShape = (block) => {
    const bo = { id: freshNodeId(registry, block.type), type: block.type, title: block.title, properties: defaultProperties(block) };
    const shape = factory.createShape({ bo, width: BLOCK_WIDTH, height: blockHeight(blocks.portsOf(bo).length) });
    fromPalette.add(shape);
    return shape;
  };
  // A block dropped from the palette is announced once it is on the canvas (the designer then
  // asks for what it needs); after diagram-js's own create.end handler has added it.
  const placed = (shape) => {
    fromPalette.delete(shape);
    setTimeout(() => eventBus.fire('bizflow.placed', { element: shape }), 0);
  };
  eventBus.on('create.end', 250, (event) => {
    const shape = event.context.shape;
    if (shape && fromPalette.has(shape) && shape.parent) placed(shape);
  });

  // Blocks made for some document types only (invoices: deals) are offered on those only.
  const model = diagram.get('bizflowModel');
  let shownFor = null;
  const render = () => {
    const q = search.value.trim().toLowerCase();
    shownFor = model.meta.document_type;
    clear(list);
    const groups = new Map();
    for (const block of blocks.list) {
      if (block.type === 'start' && registry.filter((e) => e.bo && e.bo.type === 'start').length) continue;
      if (block.document_types && !block.document_types.includes(shownFor)) continue;
      const text = `${block.title} ${block.type} ${block.group} ${block.description || ''}`.toLowerCase();
      if (q && !text.includes(q)) continue;
      if (!groups.has(block.group)) groups.set(block.group, []);
      groups.get(block.group).push(block);
    }
    for (const [group, items] of groups) {
      list.append(h('div', { class: 'bf-palette-group', text: blocks.groupTitle(group) }));
      for (const block of items) {
        const item = h('div', {
          class: `bf-palette-item bf-group-${block.group}`, 'data-palette-type': block.type, title: block.description || block.title,
          role: 'button', tabindex: 0,
        }, h('span', { class: 'bf-palette-title', text: block.title }), h('span', { class: 'bf-palette-type', text: block.type }));
        let pressed = false;
        item.addEventListener('mousedown', (event) => {
          if (event.button !== 0) return;
          event.preventDefault();  // keep the focus where it is (the canvas takes it on drop)
          pressed = true;
          create.start(event, newShape(block));
        });
        item.addEventListener('click', () => {
          if (!pressed) return;
          pressed = false;
          // A click without a drag: drop the block in the middle of the visible area.
          if (diagram.get('dragging').context()) return;
          placed(placeInView(diagram, newShape(block)));
        });
        item.addEventListener('keydown', (event) => {
          if (event.key === 'Enter' || event.key === ' ') {
            event.preventDefault();
            placed(placeInView(diagram, newShape(block)));
          }
        });
        list.append(item);
      }
    }
    if (!list.firstChild) list.append(h('div', { class: 'bf-palette-empty', text: 'No block matches' }));
  };
  search.addEventListener('input', render);
  eventBus.on(['shape.added', 'shape.removed'], (e) => {
    if (e.element.bo && e.element.bo.type === 'start') render();
  });
  eventBus.on(['commandStack.changed', 'bizflow.opened'], () => {
    if (model.meta.document_type !== shownFor) render();  // another type's template
  });
  render();
  container.append(search, list);
  return { render };
}

function placeInView(diagram, shape) {
  const canvas = diagram.get('canvas');
  const box = canvas.viewbox();
  const at = { x: Math.round(box.x + box.width / 2), y: Math.round(box.y + box.height / 2) };
  diagram.get('modeling').createShape(shape, at, canvas.getRootElement());
  diagram.get('selection').select(shape);
  return shape;
}
