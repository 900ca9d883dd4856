/**
 * The Jupyter front end (an anywidget module): the same app as the standalone viewer
 * (`mountSketchpose`), on a store served by the kernel over the widget's comm.
 *
 * Store protocol (python-shim/src/sketchpose_web/_protocol.py has the kernel side): every
 * request carries an id; the kernel answers with one or more `sketchpose:store-reply` messages
 * whose binary buffers are pieces of the value (each under the ~10 MB websocket limit). `set`
 * sends its bytes in pieces the same way. A request not answered within `timeout_ms` fails with a
 * {@link CommStoreError} (`code: 'timeout'`) here and is reported to the kernel
 * (`sketchpose:client-error`), so both sides see it.
 *
 * Commands from the kernel (`sketchpose:command`: train, stop, predict, reload_annotations,
 * save_model, load_model) are answered with `sketchpose:command-reply`. Training progress, status
 * and backend are synced traits; `view_state` follows the camera both ways as in vizarr.
 *
 * The training worker is inlined by scripts/build-widget.mjs (anywidget imports this module from a
 * revoked blob URL, so nothing can be loaded relative to it).
 */
import { type AnnotationStore, loadAnnotations } from '../engine/annotations/index.ts';
import {
  createLabelImage,
  type NgffVersion,
  type StoreGetOptions,
  type WritableStore,
} from '../engine/io/index.ts';
import type { SketchposeHandle } from '../plugin/mount.ts';
import type { SketchposeState } from '../plugin/state.ts';
import type { TrainConfig } from '../worker/protocol.ts';

/** Inlined worker source, set by scripts/build-widget.mjs (`define`); absent in unbundled tests. */
declare const __SKETCHPOSE_WORKER_SOURCE__: string | undefined;

/** A `msg:custom` listener (content, binary buffers); `change:*` listeners take no arguments. */
export type ModelListener = (msg: unknown, buffers?: DataView[]) => void;

/** The part of anywidget's model this module uses (`@anywidget/types` `AnyModel`). */
export interface AnyModelLike {
  get(name: string): unknown;
  set(name: string, value: unknown): void;
  save_changes(): void;
  on(event: string, callback: ModelListener): void;
  off(event?: string | null, callback?: ModelListener | null): void;
  send(content: unknown, callbacks?: unknown, buffers?: ArrayBuffer[] | ArrayBufferView[]): void;
}

export type CommErrorCode =
  | 'timeout'
  | 'cancelled'
  | 'bad-request'
  | 'unknown-store'
  | 'bad-key'
  | 'read-only'
  | 'store-error'
  | 'command-error'
  | 'unsupported';

/** A store request or command that failed; `code` says how (the kernel's codes, plus ours). */
export class CommStoreError extends Error {
  readonly tag = 'CommStoreError';
  /** the message without the code prefix (what travels to the kernel) */
  readonly detail: string;
  constructor(
    readonly code: CommErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'CommStoreError';
    this.detail = message;
  }
}

// ---- messages --------------------------------------------------------------------------------

type StoreMethod = 'has' | 'get' | 'set' | 'delete';

interface ErrorInfo {
  code: CommErrorCode;
  message: string;
}

export interface StoreRequest {
  type: 'sketchpose:store';
  id: string;
  store: number;
  method: StoreMethod;
  key: string;
  part?: number;
  parts?: number;
}

export interface StoreReply {
  type: 'sketchpose:store-reply';
  id: string;
  ok: boolean;
  found?: boolean;
  part?: number;
  parts?: number;
  size?: number;
  error?: ErrorInfo;
}

export interface Command {
  type: 'sketchpose:command';
  id: string;
  name: string;
  args: Record<string, unknown>;
  part: number;
  parts: number;
}

export interface CommandReply {
  type: 'sketchpose:command-reply';
  id: string;
  ok: boolean;
  result?: unknown;
  part?: number;
  parts?: number;
  error?: ErrorInfo;
}

export interface ClientError {
  type: 'sketchpose:client-error';
  id?: string;
  error: ErrorInfo;
}

const DEFAULT_MAX_PART = 8 * 1024 * 1024;

/** Bytes of a buffer as received (anywidget gives `DataView`s; keep their offset and length). */
export function viewBytes(buffer: DataView | ArrayBuffer | ArrayBufferView): Uint8Array {
  if (buffer instanceof ArrayBuffer) return new Uint8Array(buffer);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** `data` in pieces of at most `max` bytes (one empty piece for empty data). */
export function splitParts(data: Uint8Array, max: number): Uint8Array[] {
  if (data.byteLength === 0) return [data];
  const out: Uint8Array[] = [];
  for (let i = 0; i < data.byteLength; i += max) out.push(data.subarray(i, i + max));
  return out;
}

function concat(pieces: Uint8Array[]): Uint8Array {
  if (pieces.length === 1) return pieces[0]!;
  const total = pieces.reduce((n, p) => n + p.byteLength, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

let counter = 0;
/** Request ids unique per page (no `crypto.randomUUID`: missing on insecure origins). */
function nextId(prefix: string): string {
  counter += 1;
  return `${prefix}${counter.toString(36)}-${Math.floor(Math.random() * 2 ** 32).toString(36)}`;
}

interface Pending {
  resolve(reply: { head: StoreReply; data: Uint8Array | undefined }): void;
  reject(err: Error): void;
  pieces: Uint8Array[];
  received: number;
  timer: ReturnType<typeof setTimeout>;
  cleanup(): void;
}

export interface CommStoreOptions {
  /** how long to wait for the kernel's answer, per request (default 30 s) */
  timeoutMs?: number;
  /** largest piece of a `set` (default 8 MiB) */
  maxPartBytes?: number;
}

/**
 * A zarrita-compatible store (`get`, `set`, `delete`, `has`) whose keys live in the kernel.
 * Requests are answered in any order; several can be in flight.
 */
export class CommStore implements WritableStore {
  readonly storeId: number;
  private readonly model: AnyModelLike;
  private readonly timeoutMs: number;
  private readonly maxPartBytes: number;
  private readonly pending = new Map<string, Pending>();
  private readonly listener: (msg: unknown, buffers?: DataView[]) => void;
  private closed = false;

  constructor(model: AnyModelLike, storeId: number, options: CommStoreOptions = {}) {
    this.model = model;
    this.storeId = storeId;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxPartBytes = options.maxPartBytes ?? DEFAULT_MAX_PART;
    this.listener = (msg, buffers) => {
      this.receive(msg, buffers ?? []);
    };
    model.on('msg:custom', this.listener);
  }

  /** Handles a kernel message; true when it answered one of this store's requests. */
  receive(msg: unknown, buffers: readonly (DataView | ArrayBuffer)[] = []): boolean {
    const reply = msg as StoreReply;
    if (reply?.type !== 'sketchpose:store-reply') return false;
    const p = this.pending.get(reply.id);
    if (!p) return false;
    if (!reply.ok) {
      p.cleanup();
      p.reject(
        new CommStoreError(reply.error?.code ?? 'store-error', reply.error?.message ?? 'the kernel failed'),
      );
      return true;
    }
    if (!reply.found || reply.parts === undefined) {
      p.cleanup();
      p.resolve({ head: reply, data: undefined });
      return true;
    }
    const part = reply.part ?? 0;
    if (buffers.length !== 1 || part < 0 || part >= reply.parts || p.pieces[part] !== undefined) {
      p.cleanup();
      p.reject(new CommStoreError('bad-request', `malformed reply piece ${part} of ${reply.parts}`));
      return true;
    }
    // copy: the comm may reuse the buffer behind the DataView
    p.pieces[part] = viewBytes(buffers[0]!).slice();
    p.received += 1;
    if (p.received === reply.parts) {
      p.cleanup();
      const data = concat(p.pieces);
      if (reply.size !== undefined && data.byteLength !== reply.size) {
        p.reject(new CommStoreError('bad-request', `got ${data.byteLength} bytes, expected ${reply.size}`));
      } else {
        p.resolve({ head: reply, data });
      }
    }
    return true;
  }

  private request(
    method: StoreMethod,
    key: string,
    value?: Uint8Array,
    signal?: AbortSignal,
  ): Promise<{ head: StoreReply; data: Uint8Array | undefined }> {
    if (this.closed) return Promise.reject(new CommStoreError('cancelled', 'the widget was closed'));
    signal?.throwIfAborted();
    const id = nextId('r');
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        p.cleanup();
        reject(signal?.reason ?? new DOMException('aborted', 'AbortError'));
      };
      const p: Pending = {
        resolve,
        reject,
        pieces: [],
        received: 0,
        timer: setTimeout(() => {
          p.cleanup();
          const message = `no answer from the kernel for ${method} ${key} within ${this.timeoutMs} ms`;
          const report: ClientError = {
            type: 'sketchpose:client-error',
            id,
            error: { code: 'timeout', message },
          };
          this.model.send(report);
          reject(new CommStoreError('timeout', message));
        }, this.timeoutMs),
        cleanup: () => {
          clearTimeout(p.timer);
          this.pending.delete(id);
          signal?.removeEventListener('abort', onAbort);
        },
      };
      this.pending.set(id, p);
      signal?.addEventListener('abort', onAbort, { once: true });
      const base: StoreRequest = { type: 'sketchpose:store', id, store: this.storeId, method, key };
      if (value === undefined) {
        this.model.send(base);
        return;
      }
      const pieces = splitParts(value, this.maxPartBytes);
      pieces.forEach((piece, part) => {
        this.model.send({ ...base, part, parts: pieces.length }, undefined, [piece]);
      });
    });
  }

  async get(key: string, opts?: StoreGetOptions): Promise<Uint8Array | undefined> {
    return (await this.request('get', key, undefined, opts?.signal)).data;
  }

  async has(key: string): Promise<boolean> {
    return (await this.request('has', key)).head.found === true;
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    await this.request('set', key, value);
  }

  async delete(key: string): Promise<void> {
    await this.request('delete', key);
  }

  /** Requests in flight. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Stop listening; requests in flight fail with `cancelled`. */
  close(): void {
    this.closed = true;
    this.model.off('msg:custom', this.listener);
    for (const p of [...this.pending.values()]) {
      p.cleanup();
      p.reject(new CommStoreError('cancelled', 'the widget was closed'));
    }
  }
}

// ---- commands --------------------------------------------------------------------------------

export type CommandResult = { result?: unknown; data?: Uint8Array };
export type CommandHandler = (
  args: Record<string, unknown>,
  data: Uint8Array | undefined,
) => Promise<CommandResult>;

/**
 * Command ids already taken by a view. Every view of a widget listens to the same model, and
 * anywidget hands each `render` its own model wrapper, so views cannot be matched by model: the
 * first view with a mounted app claims a command, the others ignore it.
 */
const claimed = new Set<string>();
function claim(id: string): void {
  claimed.add(id);
  if (claimed.size > 10_000) claimed.delete(claimed.values().next().value as string);
}

/**
 * Receives `sketchpose:command` messages (in pieces), runs `handlers[name]` and replies with its
 * result (bytes in pieces); a throwing handler is answered `ok: false` and so reaches Python.
 */
export class CommandServer {
  private readonly assembling = new Map<string, Uint8Array[]>();
  private readonly listener: (msg: unknown, buffers?: DataView[]) => void;

  constructor(
    private readonly model: AnyModelLike,
    private readonly handlers: () => Record<string, CommandHandler> | null,
    private readonly maxPartBytes = DEFAULT_MAX_PART,
  ) {
    this.listener = (msg, buffers) => {
      void this.receive(msg, buffers ?? []);
    };
    model.on('msg:custom', this.listener);
  }

  async receive(msg: unknown, buffers: readonly (DataView | ArrayBuffer)[] = []): Promise<boolean> {
    const cmd = msg as Command;
    if (cmd?.type !== 'sketchpose:command') return false;
    let data: Uint8Array | undefined;
    if (buffers.length > 0) {
      const parts = this.assembling.get(cmd.id) ?? [];
      parts[cmd.part] = viewBytes(buffers[0]!).slice();
      this.assembling.set(cmd.id, parts);
      if (parts.filter((p) => p !== undefined).length < cmd.parts) return true;
      this.assembling.delete(cmd.id);
      data = concat(parts);
    }
    const reply = (content: Omit<CommandReply, 'type' | 'id'>, bytes?: Uint8Array) => {
      const pieces = bytes ? splitParts(bytes, this.maxPartBytes) : [];
      if (pieces.length === 0) {
        this.model.send({ type: 'sketchpose:command-reply', id: cmd.id, ...content });
        return;
      }
      pieces.forEach((piece, part) => {
        this.model.send(
          { type: 'sketchpose:command-reply', id: cmd.id, ...content, part, parts: pieces.length },
          undefined,
          [piece],
        );
      });
    };
    if (claimed.has(cmd.id)) return true;
    const handlers = this.handlers();
    if (!handlers) {
      // another view of the same widget may be mounted: let it claim the command first
      setTimeout(() => {
        if (claimed.has(cmd.id)) return;
        claim(cmd.id);
        const message = 'the widget is not displayed: no view has mounted the app';
        reply({ ok: false, error: { code: 'unsupported', message } });
      }, 50);
      return true;
    }
    claim(cmd.id);
    try {
      const handler = handlers[cmd.name];
      if (!handler) throw new CommStoreError('unsupported', `the front end has no command '${cmd.name}'`);
      const out = await handler(cmd.args ?? {}, data);
      reply({ ok: true, result: out.result ?? null }, out.data);
    } catch (err) {
      const code = err instanceof CommStoreError ? err.code : 'command-error';
      const message =
        err instanceof CommStoreError ? err.detail : err instanceof Error ? err.message : String(err);
      reply({ ok: false, error: { code, message } });
    }
    return true;
  }

  close(): void {
    this.model.off('msg:custom', this.listener);
  }
}

// ---- the app in a view -----------------------------------------------------------------------

interface ImageConfig {
  source: { id: number };
  name?: string;
  shape?: [number, number];
}

interface ViewState {
  target?: number[];
  zoom?: number;
}

function createInlineWorker(): Worker {
  if (typeof __SKETCHPOSE_WORKER_SOURCE__ === 'undefined') {
    throw new CommStoreError('unsupported', 'this build has no inlined training worker');
  }
  const url = URL.createObjectURL(new Blob([__SKETCHPOSE_WORKER_SOURCE__], { type: 'text/javascript' }));
  const worker = new Worker(url, { type: 'module' });
  // the worker has fetched its script once started; the URL is not needed after a moment
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return worker;
}

function statusOf(s: SketchposeState): string {
  if (s.training.status === 'error' || s.save.status === 'error') return 'error';
  if (s.prediction.busy) return 'predicting';
  if (s.training.status === 'running' || s.training.status === 'starting' || s.training.status === 'stopping')
    return 'training';
  return 'idle';
}

function progressOf(s: SketchposeState): Record<string, unknown> {
  const p = s.training.progress;
  if (!p) return {};
  return {
    step: p.step,
    steps: p.totalSteps,
    fraction: p.totalSteps > 0 ? Math.min(1, p.step / p.totalSteps) : 0,
    loss: p.loss,
    terms: p.terms,
    steps_per_s: p.stepsPerSecond,
    eta_s: p.eta,
    annotated_pixels: p.annotatedPixels,
    message: s.training.message,
  };
}

/**
 * Waits for the next prediction the worker delivers. A prediction that ends (`busy` back to false)
 * without a new result failed: the worker host has put its error into the training message.
 */
function nextPrediction(handle: SketchposeHandle, timeoutMs: number): Promise<void> {
  const before = handle.session.prediction;
  let sawBusy = false;
  return new Promise((resolve, reject) => {
    let unsubscribe = () => {};
    const finish = (err?: Error) => {
      clearTimeout(timer);
      queueMicrotask(() => unsubscribe());
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(
      () => finish(new CommStoreError('timeout', `no prediction within ${timeoutMs} ms`)),
      timeoutMs,
    );
    unsubscribe = handle.state.subscribe((s) => {
      if (handle.session.prediction !== before && handle.session.prediction) finish();
      else if (s.prediction.busy) sawBusy = true;
      else if (sawBusy)
        // the host clears `busy` just before it hands the new prediction over: look once more after
        queueMicrotask(() => {
          if (handle.session.prediction !== before && handle.session.prediction) finish();
          else finish(new CommStoreError('command-error', s.training.message || 'the prediction failed'));
        });
    });
  });
}

/** Writes the prediction's instance labels, upsampled to full resolution, as `labels/masks`. */
async function writeMasks(
  handle: SketchposeHandle,
  store: WritableStore,
): Promise<{ count: number; level: number }> {
  const p = handle.session.prediction;
  if (!p?.labels) throw new CommStoreError('command-error', 'the prediction has no instance masks');
  const [rows, cols] = handle.image.shape;
  const tile = handle.annotations().tileSize;
  const f = 2 ** p.level;
  const writer = await createLabelImage(store, {
    name: 'masks',
    shape: [rows, cols],
    chunks: [tile, tile],
    dtype: 'uint32',
    ngff: handle.image.image.ngff as NgffVersion,
  });
  const [ph, pw] = p.shape;
  for (let tr = 0; tr * tile < rows; tr++) {
    for (let tc = 0; tc * tile < cols; tc++) {
      const h = Math.min(tile, rows - tr * tile);
      const w = Math.min(tile, cols - tc * tile);
      const out = new Uint32Array(h * w);
      for (let y = 0; y < h; y++) {
        const py = Math.floor((tr * tile + y - p.row0) / f);
        if (py < 0 || py >= ph) continue;
        for (let x = 0; x < w; x++) {
          const px = Math.floor((tc * tile + x - p.col0) / f);
          if (px < 0 || px >= pw) continue;
          out[y * w + x] = p.labels[py * pw + px]!;
        }
      }
      await writer.writeChunk(tr, tc, { data: out, shape: [h, w] });
    }
  }
  await writer.finish();
  return { count: p.count, level: p.level };
}

/** Replaces the live annotations with what the store holds (after Python's `set_annotations`). */
async function reloadAnnotations(handle: SketchposeHandle, store: WritableStore): Promise<number> {
  const live: AnnotationStore = handle.annotations();
  const fresh = await loadAnnotations(store, { tileSize: live.tileSize });
  const n = live.tileSize * live.tileSize;
  const tiles = new Map<string, { tileRow: number; tileCol: number; data: Uint8Array }>();
  for (const t of live.tiles()) tiles.set(`${t.tileRow},${t.tileCol}`, { ...t, data: new Uint8Array(n) });
  for (const t of fresh.tiles())
    tiles.set(`${t.tileRow},${t.tileCol}`, { ...t, data: fresh.readTile(t.tileRow, t.tileCol)! });
  if (tiles.size > 0) live.writeTiles([...tiles.values()], 'python');
  await handle.flush();
  return fresh.tiles().length;
}

/** The worker's `weights` message (src/worker/protocol.ts). */
interface WeightsMessage {
  type: 'weights';
  manifest: string;
  bin: Uint8Array;
  step: number;
}

/**
 * The training worker of one view, started from the inlined source. While the kernel waits for
 * weights (`save_model`), their message is taken here, before the worker host (which would offer
 * them as a browser download): this listener is added first, so stopping it hides the message.
 */
class ViewWorker {
  worker: Worker | null = null;
  private waiting: ((m: WeightsMessage) => void) | null = null;

  create = (): Worker => {
    const worker = createInlineWorker();
    worker.addEventListener('message', (e: MessageEvent<{ type?: string }>) => {
      if (e.data?.type === 'weights' && this.waiting) {
        e.stopImmediatePropagation();
        const resolve = this.waiting;
        this.waiting = null;
        resolve(e.data as WeightsMessage);
      }
    });
    this.worker = worker;
    return worker;
  };

  nextWeights(timeoutMs: number): Promise<WeightsMessage> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = null;
        reject(new CommStoreError('timeout', `the worker sent no weights within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting = (m) => {
        clearTimeout(timer);
        resolve(m);
      };
    });
  }
}

/** Resolves with the next training message the worker host shows (a status or an error). */
function nextMessage(handle: SketchposeHandle, timeoutMs: number): Promise<string> {
  const before = handle.state.get().training.message;
  return new Promise((resolve, reject) => {
    let unsubscribe = () => {};
    const timer = setTimeout(() => {
      queueMicrotask(() => unsubscribe());
      reject(new CommStoreError('timeout', `the worker did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    unsubscribe = handle.state.subscribe((s) => {
      if (s.training.message !== before) {
        clearTimeout(timer);
        queueMicrotask(() => unsubscribe());
        resolve(s.training.message);
      }
    });
  });
}

interface Mounted {
  handle: SketchposeHandle;
  store: CommStore;
  worker: ViewWorker;
  cleanup: () => void;
}

function commandHandlers(mounted: Mounted, model: AnyModelLike): Record<string, CommandHandler> {
  const { handle, store } = mounted;
  const timeoutMs = Number(model.get('timeout_ms') ?? 30_000);
  return {
    train: async (args) => {
      const epochs = Number(args.epochs ?? 1);
      const steps = Number(args.steps ?? epochs * Number(args.steps_per_epoch ?? 10));
      if (!Number.isInteger(steps) || steps < 1) {
        throw new CommStoreError('bad-request', `steps must be a positive integer, got ${steps}`);
      }
      const lr =
        args.learning_rate === undefined
          ? handle.state.get().training.learningRate
          : Number(args.learning_rate);
      handle.state.set({ training: { ...handle.state.get().training, steps, learningRate: lr } });
      await handle.flush();
      handle.session.train(steps);
      return { result: { steps } };
    },
    stop: async () => {
      handle.session.worker?.stop();
      return { result: { stopped: true } };
    },
    predict: async (args) => {
      const worker = handle.session.worker;
      if (!worker) throw new CommStoreError('unsupported', 'no training worker');
      await handle.flush();
      const [rows, cols] = handle.image.shape;
      const waiting = nextPrediction(handle, Number(args.timeout_ms ?? 600_000));
      worker.predict({ row0: 0, col0: 0, rows, cols });
      await waiting;
      return { result: await writeMasks(handle, store) };
    },
    reload_annotations: async () => ({ result: { tiles: await reloadAnnotations(handle, store) } }),
    save_model: async () => {
      const host = handle.session.worker;
      if (!host) throw new CommStoreError('unsupported', 'no training worker');
      const waiting = mounted.worker.nextWeights(timeoutMs);
      host.exportWeights();
      const m = await waiting;
      return { result: { manifest: JSON.parse(m.manifest) as unknown, step: m.step }, data: m.bin };
    },
    load_model: async (args, data) => {
      const host = handle.session.worker;
      if (!host) throw new CommStoreError('unsupported', 'no training worker');
      if (!data) throw new CommStoreError('bad-request', 'load_model needs the weights as bytes');
      const bytes = data as Uint8Array<ArrayBuffer>;
      const files =
        args.format === 'pth'
          ? [new File([bytes], String(args.name ?? 'model.pth'))]
          : [
              new File([JSON.stringify(args.manifest)], 'weights.json', { type: 'application/json' }),
              new File([bytes], 'weights.bin'),
            ];
      const answered = nextMessage(handle, timeoutMs);
      await host.loadWeights(files);
      const message = await answered;
      // the worker answers `initialised from …` (training-session.ts), or its error message
      if (!message.startsWith('initialised from')) throw new CommStoreError('command-error', message);
      return { result: { message } };
    },
    ping: async () => ({ result: { timeoutMs } }),
  };
}

/** Keeps the traits `status`, `progress`, `backend`, `error` and `view_state` in step with the app. */
function syncTraits(model: AnyModelLike, handle: SketchposeHandle): () => void {
  let last = '';
  let timer: ReturnType<typeof setTimeout> | null = null;
  const push = () => {
    timer = null;
    const s = handle.state.get();
    const error =
      s.training.status === 'error' ? s.training.message : s.save.status === 'error' ? s.save.message : '';
    const next = { status: statusOf(s), progress: progressOf(s), backend: s.training.backend, error };
    const json = JSON.stringify(next);
    if (json === last) return;
    last = json;
    for (const [k, v] of Object.entries(next)) model.set(k, v);
    model.save_changes();
  };
  const unsubscribe = handle.state.subscribe(() => {
    if (timer === null) timer = setTimeout(push, 250);
  });

  // camera: deck → view_state (debounced), view_state → deck
  let reported = '';
  let camTimer: ReturnType<typeof setTimeout> | null = null;
  const deck = handle.deck;
  const original = deck.props.onViewStateChange;
  deck.setProps({
    onViewStateChange: (params) => {
      const vs = params.viewState as ViewState;
      if (camTimer !== null) clearTimeout(camTimer);
      camTimer = setTimeout(() => {
        const value = { target: vs.target?.slice(0, 2), zoom: vs.zoom };
        reported = JSON.stringify(value);
        model.set('view_state', value);
        model.save_changes();
      }, 150);
      return original?.(params);
    },
  });
  const onViewState = () => {
    const vs = model.get('view_state') as ViewState;
    if (!vs || JSON.stringify(vs) === reported || vs.zoom === undefined || !vs.target) return;
    reported = JSON.stringify(vs);
    // keep the other settings of mount.ts's initial view (min/max zoom)
    const previous = (deck.props.initialViewState ?? {}) as Record<string, unknown>;
    deck.setProps({
      initialViewState: { ...previous, target: [vs.target[0]!, vs.target[1]!, 0], zoom: vs.zoom },
    });
  };
  model.on('change:view_state', onViewState);
  onViewState();
  return () => {
    unsubscribe();
    if (timer !== null) clearTimeout(timer);
    if (camTimer !== null) clearTimeout(camTimer);
    model.off('change:view_state', onViewState);
  };
}

function message(el: HTMLElement, text: string, error = false): void {
  const box = document.createElement('div');
  box.className = error ? 'sketchpose-fatal' : 'sketchpose-note';
  box.setAttribute('role', error ? 'alert' : 'status');
  box.style.cssText = `padding:12px;font:13px system-ui;color:${error ? '#fff' : '#ccc'};background:${error ? '#5a1010' : '#222'}`;
  box.textContent = text;
  el.replaceChildren(box);
}

export async function renderWidget({
  model,
  el,
}: {
  model: AnyModelLike;
  el: HTMLElement;
}): Promise<() => void> {
  const { mountSketchpose } = await import('../plugin/mount.ts');
  el.classList.add('sketchpose-widget');
  // keep JupyterLab's keyboard shortcuts out of the viewer ([, ], Ctrl+Z, space)
  el.dataset.lmSuppressShortcuts = 'true';
  const container = document.createElement('div');
  container.style.cssText = `position:relative;width:100%;height:${String(model.get('height') ?? '600px')}`;
  el.append(container);
  let current: Mounted | null = null;
  let generation = 0;

  const commands = new CommandServer(
    model,
    () => (current ? commandHandlers(current, model) : null),
    Number(model.get('max_part_bytes') ?? DEFAULT_MAX_PART),
  );
  const unmount = () => {
    if (!current) return;
    current.cleanup();
    current = null;
  };

  const mountActive = async () => {
    const mine = ++generation;
    unmount();
    const configs = (model.get('_configs') as ImageConfig[] | undefined) ?? [];
    const config = configs.at(-1);
    if (!config) {
      message(container, 'No image yet: call add_image(...) in the kernel.');
      return;
    }
    container.replaceChildren();
    const store = new CommStore(model, config.source.id, {
      timeoutMs: Number(model.get('timeout_ms') ?? 30_000),
      maxPartBytes: Number(model.get('max_part_bytes') ?? DEFAULT_MAX_PART),
    });
    const viewWorker = new ViewWorker();
    let handle: SketchposeHandle;
    try {
      handle = await mountSketchpose(container, {
        store,
        name: config.name,
        createWorker: viewWorker.create,
        train: (model.get('train_config') as Partial<TrainConfig> | undefined) ?? {},
      });
    } catch (err) {
      store.close();
      model.set('error', err instanceof Error ? err.message : String(err));
      model.set('ready', false);
      model.save_changes();
      return;
    }
    if (mine !== generation) {
      handle.destroy();
      store.close();
      return;
    }
    const stopSync = syncTraits(model, handle);
    const mounted: Mounted = {
      handle,
      store,
      worker: viewWorker,
      cleanup: () => {
        stopSync();
        handle.destroy();
        store.close();
      },
    };
    current = mounted;
    // for tests and debugging in the browser console: the mounted app of this view
    Object.defineProperty(el, 'sketchposeHandle', { value: handle, configurable: true });
    model.set('ready', true);
    model.set('error', '');
    model.save_changes();
  };

  const onConfigs = () => {
    void mountActive();
  };
  const onHeight = () => {
    container.style.height = String(model.get('height') ?? '600px');
  };
  model.on('change:_configs', onConfigs);
  model.on('change:height', onHeight);
  await mountActive();
  return () => {
    model.off('change:_configs', onConfigs);
    model.off('change:height', onHeight);
    generation++;
    commands.close();
    unmount();
    container.remove();
  };
}

export default { render: renderWidget };
