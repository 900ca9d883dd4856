/**
 * The standalone app (`sketchpose serve`, `npm start`): mounts the viewer on the served store
 * (`/store/`), named from `/api/info` when the server provides it.
 */
import { HttpStore } from './http-store.ts';
import { mountSketchpose, type SketchposeHandle } from './mount.ts';

declare global {
  interface Window {
    sketchpose?: SketchposeHandle;
    sketchposeError?: string;
  }
}

async function main(): Promise<void> {
  const element = document.getElementById('app') ?? document.body;
  const params = new URLSearchParams(location.search);
  const storeUrl = params.get('store') ?? new URL('store/', location.href).href;
  let name: string | undefined;
  try {
    const res = await fetch(new URL('api/info', location.href));
    if (res.ok) name = ((await res.json()) as { name?: string }).name;
  } catch {
    // no info endpoint: a static server
  }
  const train: Record<string, number | string | number[]> = {};
  for (const k of ['patch', 'batch', 'predictEvery', 'predictMaxSide', 'seed']) {
    const v = params.get(k);
    if (v !== null) train[k] = Number(v);
  }
  const backend = params.get('backend');
  if (backend !== null) train.backend = backend;
  const net = params.get('net');
  if (net !== null) train.net = /^[0-9,]+$/.test(net) ? net.split(',').map(Number) : net;
  try {
    // the server lists stored label chunks (a huge slide need not probe every chunk position)
    const labelChunks = async (label: string): Promise<[number, number][] | null> => {
      const res = await fetch(new URL(`api/labels/${label}/chunks`, location.href));
      if (!res.ok) return null;
      const body = (await res.json()) as { chunks?: [number, number][] };
      return Array.isArray(body.chunks) ? body.chunks : null;
    };
    window.sketchpose = await mountSketchpose(element, {
      store: new HttpStore(storeUrl),
      name,
      train,
      labelChunks: params.has('store') ? undefined : labelChunks,
    });
  } catch (err) {
    window.sketchposeError = err instanceof Error ? err.message : String(err);
  }
}

void main();
