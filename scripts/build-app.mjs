#!/usr/bin/env node
/**
 * Builds the standalone viewer into dist/app/: index.html, app.js (the page: deck.gl, Viv, Lit,
 * the plugin) and worker.js (the training worker: TensorFlow.js and the engine), plus the
 * TensorFlow.js wasm binaries the worker falls back to. `node scripts/build-app.mjs [--minify]`.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'app');
const minify = process.argv.includes('--minify');
mkdirSync(out, { recursive: true });

const common = {
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  sourcemap: 'linked',
  minify,
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"' },
  tsconfig: join(root, 'tsconfig.json'),
  // the engine's Node-only branches (dynamic imports of node:*) never run in a browser
  external: ['node:*'],
};

await Promise.all([
  build({ ...common, entryPoints: [join(root, 'src/plugin/app.ts')], outfile: join(out, 'app.js') }),
  build({ ...common, entryPoints: [join(root, 'src/worker/worker.ts')], outfile: join(out, 'worker.js') }),
]);

writeFileSync(
  join(out, 'index.html'),
  `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sketchpose</title>
<style>html, body, #app { margin: 0; height: 100%; background: #111; }</style>
</head>
<body>
<div id="app"></div>
<script type="module" src="./app/app.js"></script>
</body>
</html>
`,
);

const wasmDir = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
  copyFileSync(join(wasmDir, f), join(out, f));
}
console.log(`built ${out}`);
