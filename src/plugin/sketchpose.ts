/**
 * `attachSketchpose(deck, …)`: adds Sketchpose to any deck.gl `Deck` that shows a Viv image in an
 * `OrthographicView` (world = full-resolution image pixels): the annotation, prediction and brush
 * layers on top of the host's own layers, the paint controller, autosave into
 * `labels/annotations`, and the training worker. This is the integration point for Vizarr-like
 * hosts; `mountSketchpose` builds a whole viewer around it.
 */
import type { Deck, Layer, OrthographicView } from '@deck.gl/core';
import { PathLayer } from '@deck.gl/layers';
import type { AnnotationStore } from '../engine/annotations/index.ts';
import type { NgffVersion, ReadableStore, WritableStore } from '../engine/io/index.ts';
import { CODE_COLORS } from '../engine/targets/codes.ts';
import { AnnotationLayer, TileVersions } from '../layers/annotation-layer.ts';
import { brushCursorLayer } from '../layers/brush-cursor.ts';
import type { ViewportPrediction } from '../layers/prediction-colors.ts';
import { predictionLayer } from '../layers/prediction-layer.ts';
import type { TrainConfig, ViewportBox } from '../worker/protocol.ts';
import { acceptObject, labelBoxFromPrediction } from './accept-prediction.ts';
import { Autosave } from './autosave.ts';
import { PaintController } from './paint-controller.ts';
import type { StateStore } from './state.ts';
import { WorkerHost } from './worker-host.ts';

export interface AttachOptions {
  annotations: AnnotationStore;
  state: StateStore;
  /** the image store: read by the worker; written (labels/annotations) by autosave when writable */
  store: ReadableStore & Partial<Pick<WritableStore, 'set'>>;
  ngff: NgffVersion;
  /** the element holding the deck canvas (pointer events) */
  container: HTMLElement;
  /** focusable element receiving keyboard shortcuts */
  keyTarget: HTMLElement;
  /** the host's own layers (the Viv image), drawn below ours */
  baseLayers: () => Layer[];
  /** non-y/x axis indices the worker trains on (`{ c: 0 }`) */
  selection: Record<string, number>;
  createWorker?: () => Worker;
  train?: Partial<TrainConfig>;
}

const TOOL_COLOR: Record<string, [number, number, number]> = {
  background: CODE_COLORS[0]!.rgba.slice(0, 3) as [number, number, number],
  cell: CODE_COLORS[1]!.rgba.slice(0, 3) as [number, number, number],
  boundary: CODE_COLORS[2]!.rgba.slice(0, 3) as [number, number, number],
  eraser: [255, 255, 255],
  accept: [255, 255, 0],
  box: [255, 255, 0],
  pan: [200, 200, 200],
};

export class SketchposeSession {
  readonly annotations: AnnotationStore;
  readonly state: StateStore;
  readonly paint: PaintController;
  readonly autosave: Autosave | null;
  readonly worker: WorkerHost | null;
  readonly versions = new TileVersions();
  prediction: ViewportPrediction | null = null;
  /** count of deck redraws after a paint event, and the time of the last one (latency probes) */
  renders = 0;
  private readonly deck: Deck<OrthographicView>;
  private readonly o: AttachOptions;
  private readonly cleanups: (() => void)[] = [];
  private redrawQueued = false;

  constructor(deck: Deck<OrthographicView>, options: AttachOptions) {
    this.deck = deck;
    this.o = options;
    this.annotations = options.annotations;
    this.state = options.state;
    for (const t of this.annotations.tiles()) this.versions.bump(t.tileRow, t.tileCol);
    this.cleanups.push(
      this.annotations.onChange((change) => {
        for (const t of change.tiles) this.versions.bump(t.tileRow, t.tileCol);
        this.render();
      }),
    );
    this.paint = new PaintController({
      deck,
      canvas: options.container,
      keyTarget: options.keyTarget,
      annotations: this.annotations,
      state: this.state,
      redraw: () => this.render(),
      onAccept: (row, col) => {
        if (this.prediction) acceptObject(this.annotations, this.prediction, row, col);
      },
      onBox: (box) => {
        if (this.prediction) labelBoxFromPrediction(this.annotations, this.prediction, box);
      },
    });
    const store = options.store;
    this.autosave =
      typeof store.set === 'function'
        ? new Autosave({
            annotations: this.annotations,
            store: store as WritableStore,
            ngff: options.ngff,
            onStatus: (s) => {
              const message =
                s.status === 'error'
                  ? s.message
                  : s.status === 'idle'
                    ? `all changes saved (${s.savedTiles} tile writes)`
                    : s.status === 'saving'
                      ? 'saving…'
                      : 'unsaved changes';
              const prev = this.state.get().save;
              // only a visible change re-renders the panels (not every stroke event)
              if (prev.status !== s.status || prev.message !== message) {
                this.state.set({ save: { status: s.status, savedTiles: s.savedTiles, message } });
              }
            },
          })
        : null;
    if (!this.autosave) {
      this.state.set({ save: { status: 'off', savedTiles: 0, message: 'read-only store: autosave off' } });
    }
    this.worker = options.createWorker
      ? new WorkerHost({
          createWorker: options.createWorker,
          store,
          annotations: this.annotations,
          state: this.state,
          selection: options.selection,
          config: options.train,
          onPrediction: (p) => {
            this.prediction = p;
            this.render();
          },
        })
      : null;
    this.cleanups.push(this.state.subscribe(() => this.render()));
    this.render();
  }

  /** The full-resolution box on screen (clamped to the image). */
  viewportBox(): ViewportBox | null {
    const vp = this.deck.getViewports()[0];
    if (!vp) return null;
    const [x0, y0] = vp.unproject([0, 0]) as [number, number];
    const [x1, y1] = vp.unproject([vp.width, vp.height]) as [number, number];
    const [H, W] = this.annotations.shape;
    const c0 = Math.max(0, Math.floor(Math.min(x0, x1)));
    const r0 = Math.max(0, Math.floor(Math.min(y0, y1)));
    const c1 = Math.min(W, Math.ceil(Math.max(x0, x1)));
    const r1 = Math.min(H, Math.ceil(Math.max(y0, y1)));
    if (c1 <= c0 || r1 <= r0) return null;
    return { row0: r0, col0: c0, rows: r1 - r0, cols: c1 - c0 };
  }

  /** Tells the worker what is on screen (predictions during training follow it). */
  syncViewport(): void {
    const box = this.viewportBox();
    if (box) this.worker?.setViewport(box);
  }

  train(steps?: number): void {
    if (!this.worker) return;
    const t = this.state.get().training;
    this.syncViewport();
    this.worker.train(steps ?? t.steps, t.learningRate);
  }

  predictViewport(): void {
    const box = this.viewportBox();
    if (box) this.worker?.predict(box);
  }

  overlayLayers(): Layer[] {
    const s = this.state.get();
    const layers: Layer[] = [];
    const pred = predictionLayer({
      prediction: this.prediction,
      view: s.predictionView,
      opacity: s.layers.prediction.opacity,
      visible: s.layers.prediction.visible,
    });
    if (pred) layers.push(pred);
    layers.push(
      new AnnotationLayer({
        id: 'sketchpose-annotations',
        annotations: this.annotations,
        versions: this.versions,
        revision: this.versions.revision,
        opacity: s.layers.annotations.opacity,
        visible: s.layers.annotations.visible,
      }) as unknown as Layer,
    );
    const preview = this.paint.boundaryPreview;
    if (preview.length > 1) {
      layers.push(
        new PathLayer<[number, number][]>({
          id: 'sketchpose-boundary-preview',
          data: [preview.slice()],
          getPath: (d) => d,
          getColor: [...TOOL_COLOR.boundary!, 255],
          getWidth: 1,
          widthUnits: 'common',
          widthMinPixels: 1,
        }),
      );
    }
    const box = this.paint.boxPreview;
    if (box) {
      const [x0, y0, x1, y1] = box;
      layers.push(
        new PathLayer<[number, number][]>({
          id: 'sketchpose-box-preview',
          data: [
            [
              [x0, y0],
              [x1, y0],
              [x1, y1],
              [x0, y1],
              [x0, y0],
            ],
          ],
          getPath: (d) => d,
          getColor: [255, 255, 0, 255],
          getWidth: 1.5,
          widthUnits: 'pixels',
        }),
      );
    }
    const painting = !s.panning && s.tool !== 'pan' && s.tool !== 'accept' && s.tool !== 'box';
    layers.push(
      brushCursorLayer({
        position: painting ? this.paint.cursor : null,
        radius: s.tool === 'boundary' ? 0.5 : s.brushRadius,
        color: TOOL_COLOR[s.tool] ?? [255, 255, 255],
      }),
    );
    return layers;
  }

  /** Sets the deck's layers (host layers + ours); coalesced to one call per frame. */
  render(): void {
    if (this.redrawQueued) return;
    this.redrawQueued = true;
    queueMicrotask(() => {
      this.redrawQueued = false;
      this.deck.setProps({ layers: [...this.o.baseLayers(), ...this.overlayLayers()] });
      this.renders++;
    });
  }

  destroy(): void {
    for (const c of this.cleanups) c();
    this.paint.destroy();
    this.autosave?.destroy();
    this.worker?.destroy();
  }
}

export function attachSketchpose(deck: Deck<OrthographicView>, options: AttachOptions): SketchposeSession {
  return new SketchposeSession(deck, options);
}
