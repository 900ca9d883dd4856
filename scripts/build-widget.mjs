#!/usr/bin/env node
/**
 * Bundles the Jupyter front end (src/widgets/anywidget-entry.ts) into one self-contained ES module,
 * python-shim/src/sketchpose_web/static/widget.js, shipped inside the Python wheel.
 *
 * anywidget imports `_esm` from a blob URL that it revokes right away, so nothing may be loaded
 * relative to the module: the training worker (src/worker/worker.ts) is bundled first and inlined
 * as a string (started from a Blob URL), and TensorFlow.js's wasm binaries are inlined into the
 * worker as base64 and handed to `setWasmPaths` as Blob URLs. No CDN, no second file.
 *
 *   node scripts/build-widget.mjs [--no-minify] [--out FILE]
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const minify = !args.includes('--no-minify');
const outIndex = args.indexOf('--out');
const outfile =
  outIndex >= 0 ? args[outIndex + 1] : join(root, 'python-shim', 'src', 'sketchpose_web', 'static', 'widget.js');

const common = {
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify,
  write: false,
  logLevel: 'warning',
  legalComments: 'none',
  define: { 'process.env.NODE_ENV': '"production"' },
  tsconfig: join(root, 'tsconfig.json'),
  // the engine's Node-only branches (dynamic imports of node:*) never run in a browser
  external: ['node:*'],
};

// 1. the worker, with the wasm binaries it may fall back to
const wasmDir = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
const wasmFiles = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];
const wasm = Object.fromEntries(wasmFiles.map((f) => [f, readFileSync(join(wasmDir, f)).toString('base64')]));
const workerPrelude = `
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import './src/worker/worker.ts';
const binaries = ${JSON.stringify(wasm)};
const urls = {};
for (const [name, b64] of Object.entries(binaries)) {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  urls[name] = URL.createObjectURL(new Blob([bytes], { type: 'application/wasm' }));
}
// a blob: worker has no location to resolve binaries against; the worker's own setWasmPaths call
// is skipped there (it passes no path), so these stay in force
setWasmPaths(urls);
`;
const worker = await build({
  ...common,
  stdin: { contents: workerPrelude, resolveDir: root, sourcefile: 'widget-worker.js', loader: 'js' },
});
const workerSource = worker.outputFiles[0].text;

// 2. the front end with the worker inlined
const page = await build({
  ...common,
  entryPoints: [join(root, 'src/widgets/anywidget-entry.ts')],
  define: { ...common.define, __SKETCHPOSE_WORKER_SOURCE__: JSON.stringify(workerSource) },
});
const code = page.outputFiles[0].text;
// (the bundle still mentions import.meta.url in two places that never run here: mount.ts's default
// worker, replaced by createWorker, and the engine's Node-only backend set-up)
mkdirSync(dirname(outfile), { recursive: true });
writeFileSync(outfile, code);
const mb = (n) => `${(n / 1024 / 1024).toFixed(2)} MB`;
console.log(
  `built ${relative(root, outfile)}: ${mb(statSync(outfile).size)} (worker ${mb(workerSource.length)} inlined)`,
);
