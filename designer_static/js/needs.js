// What a block still needs from the user: the required properties of its type left empty.
// The canvas shows them on the block, its form highlights them, and Check lists them.

/** A property's label: its schema title, or its key made readable. */
export function labelOf(schema, key) {
  return (schema && schema.title) || (key ? key.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase()) : '');
}

function isEmpty(value) {
  return value === undefined || value === null || (typeof value === 'string' && !value.trim()) ||
    (Array.isArray(value) && !value.length);
}

/** [{key, title}] for every required property of `node` (a template node) left empty. */
export function missingInputs(block, node) {
  const schema = block.properties_schema || {};
  const props = node.properties || {};
  return (schema.required || [])
    .filter((key) => isEmpty(props[key]))
    .map((key) => ({ key, title: labelOf((schema.properties || {})[key], key) }));
}

/** Validation-style errors for the empty required inputs of every block on the canvas. */
export function missingInputErrors(diagram) {
  const blocks = diagram.get('bizflowBlocks');
  const errors = [];
  for (const element of diagram.get('elementRegistry').filter((e) => e.bo && !e.waypoints)) {
    const block = blocks.get(element.bo.type);
    for (const { key, title } of missingInputs(block, element.bo)) {
      errors.push({
        node: element.bo.id, field: key, code: 'missing_input',
        message: `${block.title} needs ${title}`,
      });
    }
  }
  return errors;
}
