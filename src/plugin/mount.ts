/**
 * `mountSketchpose(element, { store })`: the whole viewer in an element: our own deck.gl `Deck`
 * with an `OrthographicView` and Viv's `MultiscaleImageLayer` on the OME-Zarr store (NGFF 0.4 and
 * 0.5; channels, contrast, the plane of z/t axes), Sketchpose attached to it, and the Lit panels.
 * The standalone app mounts it with an HTTP store; the Jupyter widget with a store over the comm.
 * A malformed store is reported in the element (and the promise rejects with the typed error);
 * tile errors are listed while other tiles keep rendering.
 */
import { Deck, type Layer, OrthographicView } from '@deck.gl/core';
import { MultiscaleImageLayer } from '@hms-dbmi/viv';
import { AnnotationStore, exportAnnotationsImage, loadAnnotations } from '../engine/annotations/index.ts';
import {
  listLabels,
  type ReadableStore,
  type WritableStore,
  writePng,
  writeTiff,
} from '../engine/io/index.ts';
import type { TrainConfig } from '../worker/protocol.ts';
import '../widgets/index.ts';
import { download } from './download.ts';
import type { SketchposeIntents } from './intents.ts';
import { loadListedAnnotations } from './load-listed-annotations.ts';
import { type OpenedImage, openImage } from './open-image.ts';
import { saveViewMasks } from './save-masks.ts';
import { attachSketchpose, type SketchposeSession } from './sketchpose.ts';
import { initialState, type SketchposeState, StateStore } from './state.ts';

export interface MountOptions {
  /** zarrita-compatible store: `get(key)`, and `set(key, bytes)` to autosave annotations */
  store: ReadableStore & Partial<Pick<WritableStore, 'set'>>;
  name?: string;
  /** how to start the training worker; default `worker.js` next to this bundle */
  createWorker?: () => Worker;
  train?: Partial<TrainConfig>;
  /**
   * The level-0 chunks stored for a label image (`[row, col]` list), or null when unknown; lets a
   * huge slide reload its annotations without probing every chunk position.
   */
  labelChunks?: (name: string) => Promise<[number, number][] | null>;
}

export interface SketchposeHandle {
  destroy(): void;
  annotations(): AnnotationStore;
  session: SketchposeSession;
  state: StateStore;
  deck: Deck<OrthographicView>;
  image: OpenedImage;
  /** resolves when every change so far is written to the store */
  flush(): Promise<void>;
}

const CHANNEL_COLORS: [number, number, number][] = [
  [0, 255, 0],
  [255, 0, 255],
  [0, 255, 255],
  [255, 255, 0],
  [255, 128, 0],
  [0, 128, 255],
];

const STYLE = `
.sketchpose-root { position: relative; display: grid; grid-template-columns: 1fr 310px; width: 100%; height: 100%; min-height: 400px; background: #111; color: #eee; font: 13px system-ui, sans-serif; }
.sketchpose-view { position: relative; overflow: hidden; outline: none; }
.sketchpose-side { overflow-y: auto; padding: 6px 10px; border-left: 1px solid #333; background: #191919; }
.sketchpose-title { font-weight: 600; margin: 4px 0; }
.sketchpose-errors { position: absolute; left: 8px; right: 8px; top: 8px; z-index: 2; pointer-events: none; }
.sketchpose-errors div { background: rgba(120, 0, 0, 0.85); color: #fff; padding: 6px 8px; border-radius: 4px; margin-bottom: 4px; font-size: 12px; }
`;

function fatalMessage(element: HTMLElement, err: unknown): void {
  const box = document.createElement('div');
  box.className = 'sketchpose-fatal';
  box.setAttribute('role', 'alert');
  box.style.cssText =
    'padding:16px;color:#fff;background:#5a1010;font:14px system-ui;border-radius:6px;margin:8px';
  const tag = err instanceof Error ? ((err as Error & { tag?: string }).tag ?? err.name) : 'Error';
  box.textContent = `Cannot open this image (${tag}): ${err instanceof Error ? err.message : String(err)}`;
  element.append(box);
}

function defaultWorker(): Worker {
  return new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
}

export async function mountSketchpose(
  element: HTMLElement,
  options: MountOptions,
): Promise<SketchposeHandle> {
  const store = options.store;
  let opened: OpenedImage;
  try {
    opened = await openImage(store);
  } catch (err) {
    fatalMessage(element, err);
    throw err;
  }
  const state = new StateStore(initialState());
  const [rows, cols] = opened.shape;

  // annotations: reopen labels/annotations when it exists (autosave continues into it)
  const level0 = opened.image.levels[0]!;
  const names = opened.labels;
  const chunk = Math.min(level0.chunks[names.indexOf('y')]!, level0.chunks[names.indexOf('x')]!);
  const tileSize = chunk >= 64 && chunk <= 1024 ? chunk : 256;
  let annotations = new AnnotationStore({ shape: [rows, cols], tileSize });
  let loadError = '';
  try {
    if ((await listLabels(store)).includes('annotations')) {
      const listed = await options.labelChunks?.('annotations').catch(() => null);
      annotations = listed
        ? await loadListedAnnotations(store, tileSize, listed)
        : await loadAnnotations(store, { tileSize });
    }
  } catch (err) {
    loadError = `labels/annotations could not be read, autosave is off so it is not overwritten: ${err instanceof Error ? err.message : String(err)}`;
  }

  const selectionBase: Record<string, number> = {};
  for (const a of opened.extraAxes)
    if (a.name !== 'c') selectionBase[a.name] = a.name === 'z' ? Math.floor(a.size / 2) : 0;
  const shown = Math.min(opened.channels, CHANNEL_COLORS.length);
  state.set({
    axes: opened.extraAxes.filter((a) => a.name !== 'c'),
    selection: selectionBase,
    channels: Array.from({ length: shown }, (_, k) => ({
      visible: k < 3,
      contrast: opened.contrast[k] ?? [0, 255],
      range: opened.range[k] ?? [0, 255],
      color: opened.channels === 1 ? ([255, 255, 255] as [number, number, number]) : CHANNEL_COLORS[k]!,
    })),
  });

  // DOM
  const style = document.createElement('style');
  style.textContent = STYLE;
  const root = document.createElement('div');
  root.className = 'sketchpose-root';
  const view = document.createElement('div');
  view.className = 'sketchpose-view';
  view.tabIndex = 0;
  const errors = document.createElement('div');
  errors.className = 'sketchpose-errors';
  errors.setAttribute('role', 'status');
  const side = document.createElement('div');
  side.className = 'sketchpose-side';
  const title = document.createElement('div');
  title.className = 'sketchpose-title';
  title.textContent = options.name ?? opened.image.name ?? 'image';
  const info = document.createElement('div');
  info.className = 'muted';
  info.style.cssText = 'color:#999;font-size:12px';
  info.textContent = `${cols} × ${rows} px, ${opened.image.levels.length} levels, NGFF ${opened.image.ngff}, ${level0.dtype}`;
  side.append(title, info);
  view.append(errors);
  root.append(view, side);
  element.append(style, root);

  const tileErrors: string[] = [];
  const showErrors = (list: string[]) => {
    errors.replaceChildren(
      ...list.slice(-4).map((m) => {
        const d = document.createElement('div');
        d.className = 'sketchpose-error';
        d.textContent = m;
        return d;
      }),
    );
  };
  state.subscribe((s: SketchposeState) => showErrors(s.errors));
  if (loadError) state.set({ errors: [loadError] });

  // one layer instance per display state: a new `selections` array on every paint event would make
  // Viv's TileLayer see changed updateTriggers and reload its tiles
  let cached: { key: unknown[]; layer: Layer } | null = null;
  const imageLayer = (): Layer => {
    const st = state.get();
    const key = [st.channels, st.selection, st.layers.image];
    if (cached?.key.every((k, i) => k === key[i])) return cached.layer;
    cached = { key, layer: buildImageLayer() };
    return cached.layer;
  };
  const buildImageLayer = (): Layer => {
    const s = state.get();
    const visible = s.channels.map((c) => c.visible);
    return new MultiscaleImageLayer({
      id: 'sketchpose-image',
      loader: opened.loader,
      selections: s.channels.map((_, k) =>
        opened.channels > 1 ? { ...s.selection, c: k } : { ...s.selection },
      ),
      contrastLimits: s.channels.map((c) => c.contrast),
      colors: s.channels.map((c) => c.color),
      channelsVisible: visible,
      visible: s.layers.image.visible,
      opacity: s.layers.image.opacity,
      pickable: false,
      onTileError: (err: Error) => {
        const msg = `image tile failed to load: ${err.message}`;
        if (!tileErrors.includes(msg)) {
          tileErrors.push(msg);
          state.set({ errors: [...state.get().errors, msg] });
        }
      },
    } as unknown as ConstructorParameters<typeof MultiscaleImageLayer>[0]) as unknown as Layer;
  };

  const rect = view.getBoundingClientRect();
  const vw = Math.max(1, rect.width);
  const vh = Math.max(1, rect.height);
  const zoom = Math.log2(Math.min(vw / cols, vh / rows) * 0.95);
  const levels = opened.image.levels.length;
  let viewportTimer: ReturnType<typeof setTimeout> | null = null;
  let session: SketchposeSession | null = null;
  const deck = new Deck<OrthographicView>({
    // one view; deck's generic is the view type

    parent: view as HTMLDivElement,
    views: new OrthographicView({ id: 'ortho', controller: true }),
    initialViewState: { target: [cols / 2, rows / 2, 0], zoom, minZoom: -levels - 2, maxZoom: 6 },
    layers: [],
    useDevicePixels: true,
    onViewStateChange: () => {
      if (viewportTimer !== null) clearTimeout(viewportTimer);
      viewportTimer = setTimeout(() => session?.syncViewport(), 200);
    },
  });

  const writable = typeof store.set === 'function' && !loadError;
  session = attachSketchpose(deck, {
    annotations,
    state,
    store: writable ? store : { get: (k, o) => store.get(k, o) },
    ngff: opened.image.ngff,
    container: view,
    keyTarget: view,
    baseLayers: () => [imageLayer()],
    selection: { ...selectionBase, c: 0 },
    createWorker: options.createWorker ?? defaultWorker,
    train: options.train,
  });
  const s = session;

  const intents: SketchposeIntents = {
    state,
    setTool: (tool) => {
      s.paint.setTool(tool);
      view.focus({ preventScroll: true });
    },
    setBrush: (r) => s.paint.setBrush(r),
    undo: () => s.paint.undo(),
    redo: () => s.paint.redo(),
    train: (steps, learningRate) => {
      state.set({ training: { ...state.get().training, steps, learningRate } });
      s.train(steps);
    },
    stop: () => s.worker?.stop(),
    predict: () => s.predictViewport(),
    setLayer: (name, setting) => {
      const layers = state.get().layers;
      state.set({ layers: { ...layers, [name]: { ...layers[name], ...setting } } });
    },
    setPredictionView: (predictionView) => state.set({ predictionView }),
    setChannel: (index, patch) => {
      const channels = state.get().channels.map((c, k) => (k === index ? { ...c, ...patch } : c));
      state.set({ channels });
    },
    exportAnnotations: (format) => {
      const bytes = exportAnnotationsImage(annotations, format);
      download(
        bytes,
        `annotations.${format === 'png' ? 'png' : 'tif'}`,
        format === 'png' ? 'image/png' : 'image/tiff',
      );
    },
    loadWeights: (files) => void s.worker?.loadWeights(files),
    saveMasks: () => {
      const p = s.prediction;
      if (!p || !writable) return;
      const save = state.get().save;
      void saveViewMasks(store as WritableStore, p, {
        shape: [rows, cols],
        tileSize,
        ngff: opened.image.ngff,
      })
        .then((r) =>
          state.set({
            save: {
              ...save,
              message: `labels/masks: ${r.count} objects of the view written (${r.chunks} chunks)`,
            },
          }),
        )
        .catch((err) =>
          state.set({
            errors: [
              ...state.get().errors,
              `saving labels/masks failed: ${err instanceof Error ? err.message : String(err)}`,
            ],
          }),
        );
    },
    exportWeights: () => s.worker?.exportWeights(),
    setPlane: (axis, index) => state.set({ selection: { ...state.get().selection, [axis]: index } }),
    exportMasks: (format) => {
      const p = s.prediction;
      if (!p?.labels) return;
      const raster =
        format === 'png'
          ? { data: Uint16Array.from(p.labels), shape: p.shape }
          : { data: Uint32Array.from(p.labels), shape: p.shape };
      const bytes = format === 'png' ? writePng(raster) : writeTiff(raster);
      download(
        bytes,
        `masks-step${p.step}.${format === 'png' ? 'png' : 'tif'}`,
        format === 'png' ? 'image/png' : 'image/tiff',
      );
    },
  };
  for (const tag of [
    'sketchpose-tool-palette',
    'sketchpose-training-panel',
    'sketchpose-layer-panel',
    'sketchpose-image-panel',
    'sketchpose-export-panel',
  ]) {
    const el = document.createElement(tag) as HTMLElement & { intents?: SketchposeIntents };
    el.intents = intents;
    side.append(el);
  }
  s.render();

  return {
    destroy() {
      if (viewportTimer !== null) clearTimeout(viewportTimer);
      s.destroy();
      deck.finalize();
      root.remove();
      style.remove();
    },
    annotations: () => annotations,
    session: s,
    state,
    deck,
    image: opened,
    flush: async () => {
      await s.autosave?.flush();
    },
  };
}
