/**
 * The worker's training session: a copy of the annotations kept in sync by tile deltas, the patch
 * sampler over level 0 of the image, the CPnet, RAdam and the engine's `Trainer`, run in chunks of
 * `predictEvery` steps with a viewport prediction (and instance masks) in between. Strokes that
 * arrive while training reach the sampler at the next step (the trainer yields between steps).
 */
import * as tf from '@tensorflow/tfjs-core';
import { AnnotationStore } from '../engine/annotations/index.ts';
import { ValueError } from '../engine/errors.ts';
import { channelPlanes, computeNormalization, statisticsLevel, tiledPredict } from '../engine/infer/index.ts';
import { openOmeZarr } from '../engine/io/index.ts';
import { computeMasks, ncolor } from '../engine/masks/index.ts';
import {
  type CPnet,
  type CPnetOptions,
  createCPnet,
  importStateDict,
  inferCPnetConfig,
  loadWeights,
  readPth,
  serializeWeights,
  type WeightsManifest,
} from '../engine/model/index.ts';
import { Random } from '../engine/random.ts';
import { sketchposeLoss } from '../engine/train/losses/sketchpose-loss.ts';
import { stackTargets } from '../engine/train/losses/target-batch.ts';
import { RAdamOptimizer } from '../engine/train/optim/radam.ts';
import { PatchSampler } from '../engine/train/sampler/index.ts';
import { Trainer } from '../engine/train/trainer.ts';
import { LevelReader } from './level-source.ts';
import type { FromWorker, TrainConfig, ViewportBox } from './protocol.ts';
import type { RemoteStore } from './remote-store.ts';

export class TrainingSession {
  readonly annotations: AnnotationStore;
  private reader: LevelReader | null = null;
  private sampler: PatchSampler | null = null;
  private net: CPnet | null = null;
  private optimizer: RAdamOptimizer | null = null;
  private trainer: Trainer | null = null;
  private step = 0;
  private abort: AbortController | null = null;
  viewport: ViewportBox | null = null;

  constructor(
    shape: [number, number],
    tileSize: number,
    private readonly selection: Record<string, number>,
    private config: TrainConfig,
    private readonly store: RemoteStore,
    private readonly post: (m: FromWorker, transfer?: Transferable[]) => void,
  ) {
    this.annotations = new AnnotationStore({ shape, tileSize, historyBytes: 1 });
  }

  get running(): boolean {
    return this.abort !== null;
  }

  get annotatedPixels(): number {
    return this.sampler?.annotatedPixels ?? 0;
  }

  /** Opens the image, measures the normalisation once, builds the sampler and the network. */
  async open(): Promise<void> {
    this.post({ type: 'status', message: 'opening the image…' });
    const image = await openOmeZarr(this.store);
    const names = image.axes.map((a) => a.name);
    const sel: Record<string, number> = {};
    for (const [k, v] of Object.entries(this.selection))
      if (names.includes(k) && k !== 'y' && k !== 'x') sel[k] = v;
    const yAxis = names.indexOf('y');
    const xAxis = names.indexOf('x');
    const level = statisticsLevel(image.levels.map((l) => l.shape[yAxis]! * l.shape[xAxis]!));
    const raster = await image.readLevel(level, { selection: sel });
    const stats = computeNormalization(raster);
    this.post({ type: 'status', message: `normalisation measured on level ${level}; building the network…` });
    stats.level = level;
    this.reader = new LevelReader(image, sel, stats);
    this.sampler = new PatchSampler([{ image: this.reader.source(), annotations: this.annotations }], {
      batchSize: this.config.batch,
      patch: this.config.patch,
      margin: 32,
      seed: this.config.seed,
    });
    this.buildNet({ nchan: 2, nout: 4, widths: this.config.net, seed: this.config.seed });
  }

  /** A fresh network (and optimizer and trainer) of the given configuration. */
  private buildNet(options: CPnetOptions): CPnet {
    if (!this.sampler) throw new ValueError('the training session is not open');
    this.net?.dispose();
    this.optimizer?.dispose();
    const net = createCPnet(options);
    this.net = net;
    this.optimizer = new RAdamOptimizer({ learningRate: this.config.learningRate, weightDecay: 1e-4 });
    const random = new Random(this.config.seed + 1);
    this.trainer = new Trainer({
      net,
      optimizer: this.optimizer,
      sampler: this.sampler,
      loss: (prediction, b) => sketchposeLoss(prediction, stackTargets(b.targets, { random })),
    });
    this.step = 0;
    return net;
  }

  /** Replaces the network by one initialised from weights (not while training). */
  loadWeights(m: { name: string; pth?: Uint8Array; manifest?: string; bin?: Uint8Array }): string {
    if (this.abort) throw new ValueError('stop training before loading weights');
    if (m.pth) {
      const dict = readPth(m.pth);
      const config = inferCPnetConfig(dict);
      if (config.nchan !== 2)
        throw new ValueError(`${m.name}: the network takes ${config.nchan} channels; 2 are needed`);
      importStateDict(this.buildNet({ ...config, seed: this.config.seed }), dict);
      return `initialised from ${m.name} (widths ${config.widths.join(', ')})`;
    }
    if (m.manifest && m.bin) {
      const manifest = JSON.parse(m.manifest) as WeightsManifest;
      loadWeights(this.buildNet({ ...manifest.config, seed: this.config.seed }), manifest, m.bin);
      return `initialised from ${m.name} (widths ${manifest.config.widths.join(', ')})`;
    }
    throw new ValueError(`${m.name}: give a .pth state_dict, or weights.json together with weights.bin`);
  }

  async exportWeights(): Promise<void> {
    if (!this.net) throw new ValueError('the training session is not open');
    const { manifest, data } = await serializeWeights(this.net);
    this.post({ type: 'weights', manifest: JSON.stringify(manifest), bin: data, step: this.step }, [
      data.buffer,
    ]);
  }

  applyTiles(tiles: { tileRow: number; tileCol: number; data: Uint8Array }[]): void {
    this.annotations.writeTiles(tiles, 'sync');
    this.post({ type: 'annotated', pixels: this.annotatedPixels });
  }

  /** Trains `steps` more steps, predicting the viewport every `predictEvery` steps. */
  async train(steps: number): Promise<void> {
    if (!this.trainer || !this.sampler) throw new ValueError('the training session is not open');
    if (this.abort) throw new ValueError('training is already running');
    if (this.sampler.annotatedPixels === 0) {
      throw new ValueError('no annotated pixels: paint a few background and cell strokes first');
    }
    const abort = new AbortController();
    this.abort = abort;
    const end = this.step + steps;
    if (this.step === 0) this.post({ type: 'status', message: 'first step (compiling GPU kernels)…' });
    const every = this.config.predictEvery > 0 ? this.config.predictEvery : steps;
    let aborted = false;
    try {
      while (this.step < end && !abort.signal.aborted) {
        const chunk = Math.min(every, end - this.step);
        const r = await this.trainer.run({
          steps: chunk,
          startStep: this.step,
          signal: abort.signal,
          reportEvery: 1,
          onProgress: (p) => this.post({ type: 'progress', progress: { ...p, totalSteps: end } }),
        });
        this.step += r.steps;
        aborted = r.aborted;
        if (aborted) break;
        if (this.config.predictEvery > 0 && this.viewport) await this.predict(this.viewport);
      }
    } finally {
      this.abort = null;
    }
    this.post({ type: 'done', steps: this.step, aborted: aborted || abort.signal.aborted });
  }

  stop(): void {
    this.abort?.abort();
  }

  /** Predicts a full-resolution box at the finest level whose window fits `predictMaxSide`. */
  async predict(box: ViewportBox): Promise<void> {
    const reader = this.reader;
    const net = this.net;
    if (!reader || !net) throw new ValueError('the training session is not open');
    const t0 = performance.now();
    this.post({ type: 'status', message: 'predicting the view…' });
    let level = 0;
    while (
      level < reader.levels - 1 &&
      Math.max(box.rows, box.cols) / 2 ** level > this.config.predictMaxSide
    ) {
      level++;
    }
    const f = 2 ** level;
    const [H, W] = reader.levelShape(level);
    const r0 = Math.max(0, Math.floor(box.row0 / f));
    const c0 = Math.max(0, Math.floor(box.col0 / f));
    const r1 = Math.min(H, Math.ceil((box.row0 + box.rows) / f));
    const c1 = Math.min(W, Math.ceil((box.col0 + box.cols) / f));
    const rows = Math.min(r1 - r0, this.config.predictMaxSide);
    const cols = Math.min(c1 - c0, this.config.predictMaxSide);
    if (rows <= 0 || cols <= 0) return;
    const data = await reader.window(level, r0, c0, rows, cols);
    const out = await tiledPredict(
      { data, shape: [rows, cols, 2] },
      async (batch, n, th, tw) => {
        const y = tf.tidy(() => net.apply(tf.tensor4d(batch, [n, th, tw, 2]), { training: false }));
        const values = (await y.data()) as Float32Array;
        y.dispose();
        return values;
      },
      { tile: 224, batchSize: 4, shrinkToImage: true },
    );
    const [flowY, flowX, distance, logit] = channelPlanes(out) as [
      Float32Array,
      Float32Array,
      Float32Array,
      Float32Array,
    ];
    const flow = new Float32Array(rows * cols * 2);
    flow.set(flowY, 0);
    flow.set(flowX, rows * cols);
    const boundary = logit.map((v) => 1 / (1 + Math.exp(-v)));
    let labels: Int32Array | undefined;
    let colorOf: Uint8Array | undefined;
    let count = 0;
    if (this.config.masks) {
      const m = computeMasks({ shape: [rows, cols], distance, flow, boundary: logit });
      labels = m.labels;
      count = m.count;
      colorOf = new Uint8Array(count + 1);
      if (count > 0) {
        const colouring = ncolor({ data: labels, shape: [rows, cols] });
        for (let i = 0; i < labels.length; i++) if (labels[i]! > 0) colorOf[labels[i]!] = colouring.data[i]!;
      }
    }
    const transfer: Transferable[] = [distance.buffer, flow.buffer, boundary.buffer];
    if (labels) transfer.push(labels.buffer);
    if (colorOf) transfer.push(colorOf.buffer);
    this.post(
      {
        type: 'prediction',
        step: this.step,
        level,
        row0: r0 * f,
        col0: c0 * f,
        shape: [rows, cols],
        distance,
        flow,
        boundary,
        labels,
        colorOf,
        count,
        ms: performance.now() - t0,
      },
      transfer,
    );
  }
}
