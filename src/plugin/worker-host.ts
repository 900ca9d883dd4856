/**
 * The page's side of the training worker: starts it, answers its store reads from the page's
 * store, streams annotation deltas (whole changed tiles, batched every 100 ms) so strokes reach the
 * trainer between steps, and turns its messages into UI state and prediction overlays.
 */
import type { AnnotationStore } from '../engine/annotations/index.ts';
import type { ReadableStore } from '../engine/io/index.ts';
import type { ViewportPrediction } from '../layers/prediction-colors.ts';
import {
  DEFAULT_TRAIN_CONFIG,
  type FromWorker,
  type ToWorker,
  type TrainConfig,
  type ViewportBox,
} from '../worker/protocol.ts';
import { download } from './download.ts';
import type { StateStore } from './state.ts';

export interface WorkerHostOptions {
  createWorker: () => Worker;
  store: ReadableStore;
  annotations: AnnotationStore;
  state: StateStore;
  selection: Record<string, number>;
  config?: Partial<TrainConfig>;
  onPrediction: (p: ViewportPrediction) => void;
}

export class WorkerHost {
  private worker: Worker | null = null;
  private readonly dirty = new Map<string, { tileRow: number; tileCol: number }>();
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private unsubscribe: (() => void) | null = null;
  /** last annotated-pixel count the worker reported (from its sampler) */
  annotatedPixels = 0;
  private viewport: ViewportBox | null = null;
  readonly config: TrainConfig;
  private readonly o: WorkerHostOptions;

  constructor(options: WorkerHostOptions) {
    this.o = options;
    this.config = { ...DEFAULT_TRAIN_CONFIG, ...options.config };
  }

  private send(m: ToWorker, transfer: Transferable[] = []): void {
    this.worker?.postMessage(m, transfer);
  }

  private setTraining(patch: Partial<ReturnType<StateStore['get']>['training']>): void {
    const s = this.o.state.get();
    this.o.state.set({ training: { ...s.training, ...patch } });
  }

  /** Starts the worker (once) and sends the current annotations. */
  start(): void {
    if (this.worker) return;
    const a = this.o.annotations;
    this.worker = this.o.createWorker();
    this.worker.onmessage = (e: MessageEvent<FromWorker>) => this.receive(e.data);
    this.worker.onerror = (e) => this.setTraining({ status: 'error', message: `worker error: ${e.message}` });
    this.setTraining({ status: 'starting', message: 'starting the training worker…' });
    this.send({
      type: 'init',
      shape: a.shape,
      tileSize: a.tileSize,
      selection: this.o.selection,
      config: this.config,
    });
    if (this.viewport) this.send({ type: 'viewport', box: this.viewport });
    const tiles = a.tiles().map((t) => ({ ...t, data: a.readTile(t.tileRow, t.tileCol)! }));
    if (tiles.length > 0)
      this.send(
        { type: 'tiles', tiles },
        tiles.map((t) => t.data.buffer),
      );
    this.unsubscribe = a.onChange((change) => {
      for (const t of change.tiles) this.dirty.set(`${t.tileRow},${t.tileCol}`, t);
      if (this.flushTimer === null) this.flushTimer = setTimeout(() => this.flushTiles(), 100);
    });
  }

  private flushTiles(): void {
    this.flushTimer = null;
    const a = this.o.annotations;
    const n = a.tileSize * a.tileSize;
    const tiles = [...this.dirty.values()].map((t) => ({
      ...t,
      data: a.readTile(t.tileRow, t.tileCol) ?? new Uint8Array(n),
    }));
    this.dirty.clear();
    if (tiles.length > 0)
      this.send(
        { type: 'tiles', tiles },
        tiles.map((t) => t.data.buffer),
      );
  }

  /** Trains `steps` more steps; the learning rate applies when the worker starts (RAdam's is fixed). */
  train(steps: number, learningRate?: number): void {
    if (!this.worker && learningRate !== undefined && learningRate > 0)
      this.config.learningRate = learningRate;
    this.start();
    this.setTraining({ status: 'running', message: '' });
    this.send({ type: 'train', steps });
  }

  stop(): void {
    this.send({ type: 'stop' });
    if (this.o.state.get().training.status === 'running') this.setTraining({ status: 'stopping' });
  }

  /** The box predictions during training follow; kept until the worker starts. */
  setViewport(box: ViewportBox): void {
    this.viewport = box;
    this.send({ type: 'viewport', box });
  }

  predict(box: ViewportBox): void {
    this.start();
    const s = this.o.state.get();
    this.o.state.set({ prediction: { ...s.prediction, busy: true } });
    this.send({ type: 'predict', box });
  }

  /** Starts from weights: a `.pth` file, or `weights.json` with `weights.bin`. */
  async loadWeights(files: File[]): Promise<void> {
    this.start();
    const pth = files.find((f) => f.name.endsWith('.pth') || f.name.endsWith('.pt'));
    const json = files.find((f) => f.name.endsWith('.json'));
    const bin = files.find((f) => f.name.endsWith('.bin'));
    const names = files.map((f) => f.name).join(' + ');
    if (pth) {
      const bytes = new Uint8Array(await pth.arrayBuffer());
      this.send({ type: 'load-weights', name: pth.name, pth: bytes }, [bytes.buffer]);
    } else if (json && bin) {
      const bytes = new Uint8Array(await bin.arrayBuffer());
      this.send({ type: 'load-weights', name: names, manifest: await json.text(), bin: bytes }, [
        bytes.buffer,
      ]);
    } else {
      this.setTraining({
        message: `${names || 'no file'}: choose a .pth file, or weights.json and weights.bin together`,
      });
    }
  }

  exportWeights(): void {
    this.start();
    this.send({ type: 'export-weights' });
  }

  private async answer(id: number, key: string): Promise<void> {
    try {
      const bytes = await this.o.store.get(key);
      const copy = bytes ? bytes.slice() : null;
      this.send({ type: 'store-reply', id, bytes: copy }, copy ? [copy.buffer] : []);
    } catch (err) {
      this.send({
        type: 'store-reply',
        id,
        bytes: null,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }

  private receive(m: FromWorker): void {
    const st = this.o.state;
    switch (m.type) {
      case 'store-get':
        void this.answer(m.id, m.key);
        return;
      case 'ready':
        this.setTraining({
          backend: m.backend,
          backendNotice: m.fellBack
            ? `WebGPU is not available here: training on ${m.backend} instead (slower). ${m.reason}`
            : '',
          message: `backend ${m.backend}`,
          status: st.get().training.status === 'starting' ? 'idle' : st.get().training.status,
        });
        return;
      case 'annotated':
        this.annotatedPixels = m.pixels;
        return;
      case 'progress': {
        this.annotatedPixels = m.progress.annotatedPixels;
        const t = st.get().training;
        const history = [
          ...t.history,
          { step: m.progress.step, loss: m.progress.loss, terms: m.progress.terms },
        ];
        if (history.length > 2000) history.splice(0, history.length - 2000);
        this.setTraining({ progress: m.progress, history, backend: m.progress.backend, message: '' });
        return;
      }
      case 'prediction': {
        const p: ViewportPrediction = {
          shape: m.shape,
          level: m.level,
          row0: m.row0,
          col0: m.col0,
          distance: m.distance,
          flow: m.flow,
          boundary: m.boundary,
          labels: m.labels,
          colorOf: m.colorOf,
          count: m.count,
          step: m.step,
        };
        st.set({ prediction: { step: m.step, count: m.count, level: m.level, busy: false } });
        this.o.onPrediction(p);
        return;
      }
      case 'weights':
        download(new TextEncoder().encode(m.manifest), 'weights.json', 'application/json');
        download(m.bin, 'weights.bin', 'application/octet-stream');
        this.setTraining({ message: `weights at step ${m.step} exported (weights.json + weights.bin)` });
        return;
      case 'status':
        this.setTraining({ message: m.message });
        return;
      case 'done':
        this.setTraining({ status: 'idle', message: `${m.aborted ? 'stopped' : 'done'} at step ${m.steps}` });
        return;
      case 'error': {
        const s = st.get();
        st.set({ prediction: { ...s.prediction, busy: false } });
        this.setTraining({
          status:
            s.training.status === 'running' || s.training.status === 'starting' ? 'error' : s.training.status,
          message: m.message,
        });
        return;
      }
    }
  }

  destroy(): void {
    this.unsubscribe?.();
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.worker?.terminate();
    this.worker = null;
  }
}
