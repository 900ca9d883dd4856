/** Content types by file name, for the app's files and the store's keys. */

const BY_EXTENSION: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  json: 'application/json',
  map: 'application/json',
  wasm: 'application/wasm',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  svg: 'image/svg+xml',
  ico: 'image/x-icon',
  txt: 'text/plain; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  woff: 'font/woff',
  woff2: 'font/woff2',
  ttf: 'font/ttf',
  bin: 'application/octet-stream',
  pth: 'application/octet-stream',
  onnx: 'application/octet-stream',
};

const ZARR_JSON = new Set(['.zattrs', '.zarray', '.zgroup', '.zmetadata', 'zarr.json']);

/** The content type of a file of the built app (`application/octet-stream` when unknown). */
export function appContentType(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  const ext = dot === -1 ? '' : fileName.slice(dot + 1).toLowerCase();
  return BY_EXTENSION[ext] ?? 'application/octet-stream';
}

/** The content type of a store key: JSON for Zarr metadata documents, bytes for chunks. */
export function storeContentType(key: string): string {
  const last = key.slice(key.lastIndexOf('/') + 1);
  return ZARR_JSON.has(last) ? 'application/json' : 'application/octet-stream';
}
