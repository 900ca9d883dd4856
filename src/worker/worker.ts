/**
 * The training worker's entry: answers the page's messages (protocol.ts) with a
 * {@link TrainingSession} on the best TensorFlow.js backend (WebGPU → WebGL → wasm → cpu, with the
 * reason of any fallback reported to the page).
 */
import { initBackend } from '../engine/backends/select.ts';
import { SketchposeError } from '../engine/errors.ts';
import type { FromWorker, ToWorker } from './protocol.ts';
import { RemoteStore } from './remote-store.ts';
import { TrainingSession } from './training-session.ts';

const scope = self as unknown as {
  postMessage(m: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
  location: Location;
};

function post(m: FromWorker, transfer: Transferable[] = []): void {
  scope.postMessage(m, transfer);
}

function fail(err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  post({ type: 'error', message, tag: err instanceof SketchposeError ? err.tag : undefined });
}

const store = new RemoteStore(post);
let session: TrainingSession | null = null;
let ready: Promise<void> | null = null;

scope.onmessage = (e) => {
  const m = e.data;
  switch (m.type) {
    case 'store-reply':
      store.reply(m.id, m.bytes, m.error);
      return;
    case 'init':
      ready = (async () => {
        const wasmPaths = scope.location.protocol.startsWith('http')
          ? new URL('./', scope.location.href).href
          : undefined;
        const choice = await initBackend(m.config.backend, { wasmPaths });
        post({
          type: 'ready',
          backend: choice.name,
          reason: choice.reason,
          fellBack:
            choice.name !== 'webgpu' && (m.config.backend === 'auto' || m.config.backend === 'webgpu'),
        });
        const s = new TrainingSession(m.shape, m.tileSize, m.selection, m.config, store, post);
        await s.open();
        session = s;
        post({ type: 'annotated', pixels: s.annotatedPixels });
      })();
      ready.catch(fail);
      return;
    default:
      void (async () => {
        try {
          await ready;
          const s = session;
          if (!s) throw new Error('worker not initialised');
          if (m.type === 'tiles') s.applyTiles(m.tiles);
          else if (m.type === 'train') await s.train(m.steps);
          else if (m.type === 'stop') s.stop();
          else if (m.type === 'viewport') s.viewport = m.box;
          else if (m.type === 'predict') await s.predict(m.box);
          else if (m.type === 'load-weights') post({ type: 'status', message: s.loadWeights(m) });
          else if (m.type === 'export-weights') await s.exportWeights();
        } catch (err) {
          fail(err);
        }
      })();
  }
};
