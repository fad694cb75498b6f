// Rebuilds ../vendor/: the diagram-js ES-module bundle, its CSS, the socket.io client and licences.
import { build } from 'esbuild';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';

const out = new URL('../vendor/', import.meta.url).pathname;
const pkg = (name) => `node_modules/${name}`;

await build({
  entryPoints: ['entry.js'],
  bundle: true,
  format: 'esm',
  minify: true,
  target: 'es2020',
  legalComments: 'eof',
  outfile: `${out}diagram-js.bundle.js`,
});

writeFileSync(
  `${out}diagram-js.css`,
  readFileSync(`${pkg('diagram-js')}/assets/diagram-js.css`, 'utf8') + '\n' +
    readFileSync(`${pkg('diagram-js-minimap')}/assets/diagram-js-minimap.css`, 'utf8'),
);
// Drop the source-map comment: the map is not shipped, and browsers would ask for it.
writeFileSync(
  `${out}socket.io.esm.min.js`,
  readFileSync(`${pkg('socket.io-client')}/dist/socket.io.esm.min.js`, 'utf8')
    .replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '\n'),
);
copyFileSync(`${pkg('diagram-js')}/LICENSE`, `${out}LICENSE.diagram-js`);
copyFileSync(`${pkg('diagram-js-minimap')}/LICENSE`, `${out}LICENSE.diagram-js-minimap`);
copyFileSync(`${pkg('socket.io-client')}/LICENSE`, `${out}LICENSE.socket.io-client`);
console.log('built', out);
