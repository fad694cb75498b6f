// Where the view starts when a template is opened.

/**
 * Fits the template in view, computed from the blocks' own coordinates (asking the SVG for its
 * bounding box costs seconds on big templates). When fitting would make blocks unreadable, the
 * view starts at the start block at a readable zoom; a new template starts at the origin.
 * Called before the blocks are drawn (`shapes` are the new block shapes, `container` the canvas's
 * size): setting the view afterwards would force a layout of every block at once.
 */
export function showTemplate(diagram, container, shapes) {
  const canvas = diagram.get('canvas');
  const culling = diagram.get('bizflowCulling');
  culling.disable();
  if (shapes.length <= 1 || !container.width) {
    canvas.viewbox({ x: 0, y: 0, width: container.width || 800, height: container.height || 600 });
    return;
  }
  const margin = 40;
  const minX = Math.min(...shapes.map((e) => e.x)) - margin;
  const minY = Math.min(...shapes.map((e) => e.y)) - margin;
  const maxX = Math.max(...shapes.map((e) => e.x + e.width)) + margin;
  const maxY = Math.max(...shapes.map((e) => e.y + e.height)) + margin;
  let scale = Math.min(1, container.width / (maxX - minX), container.height / (maxY - minY));
  let x = minX - (container.width / scale - (maxX - minX)) / 2;
  let y = minY - (container.height / scale - (maxY - minY)) / 2;
  if (scale < 0.4) {
    const start = shapes.find((e) => e.bo.type === 'start') || shapes[0];
    scale = 0.75;
    x = start.x - margin;
    y = start.y - 160;
  }
  const viewbox = { x, y, width: container.width / scale, height: container.height / scale };
  canvas.viewbox(viewbox);
  // Drawn in full up to a few hundred blocks; beyond, only what is in view.
  if (shapes.length > CULL_ABOVE) culling.enable(viewbox);
}

const CULL_ABOVE = 120;
