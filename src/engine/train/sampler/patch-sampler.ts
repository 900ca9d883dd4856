/**
 * Training batches from partially annotated images of any size. For each sample: a centre drawn
 * uniformly over annotated pixels (all images, all tiles), a random warp, the warped image patch
 * and the warped codes of the patch *plus a context margin*, targets recomputed on that window and
 * cut to the patch, then intensity augmentation (gamma U(0.75, 1.25), Gaussian noise). Shapes are
 * fixed (`batch × patch × patch × channels`), which keeps GPU buffer pools from growing, and the
 * whole stream is a deterministic function of the seed and of the annotations.
 *
 * Images are read through {@link ImageSource}, the same window interface a slide's pyramid level
 * offers, and annotations through the tiled `AnnotationStore`.
 */
import type { AnnotationStore } from '../../annotations/index.ts';
import { ShapeError, ValueError } from '../../errors.ts';
import { Random } from '../../random.ts';
import { computeTargets, type Targets } from '../../targets/index.ts';
import { AnnotatedPixelIndex } from './annotated-index.ts';
import { type AugmentRanges, DEFAULT_AUGMENT, drawWarp, sourceRadius, warpPatch } from './warp.ts';

/** A normalised network-input image, read by windows (pixels beyond the image read 0). */
export interface ImageSource {
  readonly shape: [number, number];
  readonly channels: number;
  /** `[rows, cols, channels]` interleaved float32 window at (`row0`, `col0`) */
  readWindow(
    row0: number,
    col0: number,
    rows: number,
    cols: number,
    signal?: AbortSignal,
  ): Promise<Float32Array>;
}

export interface TrainingImage {
  image: ImageSource;
  annotations: AnnotationStore;
}

export interface SamplerOptions {
  batchSize?: number;
  /** patch side in pixels (multiple of 8 for the network); default 224 */
  patch?: number;
  /** context margin around the patch for the targets; default 32 */
  margin?: number;
  seed?: number;
  augment?: AugmentRanges | false;
  /** gamma range; default [0.75, 1.25] */
  gamma?: [number, number];
  /** standard deviation of additive Gaussian noise on the [0, 1] image; default 0.02 */
  noise?: number;
}

export interface Batch {
  /** `[batch, patch, patch, channels]` */
  image: Float32Array;
  targets: Targets[];
  shape: [number, number, number, number];
}

export class PatchSampler {
  private readonly images: TrainingImage[];
  private readonly index: AnnotatedPixelIndex;
  private readonly rng: Random;
  readonly batchSize: number;
  readonly patch: number;
  readonly margin: number;
  readonly channels: number;
  private readonly options: SamplerOptions;

  constructor(images: TrainingImage[], options: SamplerOptions = {}) {
    if (images.length === 0) throw new ValueError('PatchSampler needs at least one training image');
    this.images = images;
    this.channels = images[0]!.image.channels;
    for (const [i, t] of images.entries()) {
      const [r, c] = t.image.shape;
      const [ar, ac] = t.annotations.shape;
      if (r !== ar || c !== ac) {
        throw new ShapeError(
          `training image ${i}: image shape [${r}, ${c}] differs from annotation shape [${ar}, ${ac}]`,
        );
      }
      if (t.image.channels !== this.channels) {
        throw new ShapeError(
          `training image ${i} has ${t.image.channels} channels, image 0 has ${this.channels}`,
        );
      }
    }
    this.batchSize = options.batchSize ?? 8;
    this.patch = options.patch ?? 224;
    this.margin = options.margin ?? 32;
    if (this.patch % 8 !== 0) throw new ShapeError(`patch size ${this.patch} must be a multiple of 8`);
    this.options = options;
    this.rng = new Random(options.seed ?? 0);
    this.index = new AnnotatedPixelIndex(images.map((t) => t.annotations));
  }

  /** Annotated pixels available to draw from (changes as the user paints). */
  get annotatedPixels(): number {
    return this.index.total;
  }

  async next(signal?: AbortSignal): Promise<Batch> {
    const { batchSize: n, patch: p, channels: C } = this;
    const image = new Float32Array(n * p * p * C);
    const targets: Targets[] = [];
    const side = p + 2 * this.margin;
    for (let b = 0; b < n; b++) {
      signal?.throwIfAborted();
      const centre = this.index.draw(this.rng);
      const source = this.images[centre.image]!;
      const warp =
        this.options.augment === false
          ? { angle: 0, scaleX: 1, scaleY: 1, flipX: false, flipY: false }
          : drawWarp(this.rng, this.options.augment ?? DEFAULT_AUGMENT);
      const r = sourceRadius(side, warp);
      const row0 = centre.row - r;
      const col0 = centre.col - r;
      const w = 2 * r + 1;
      const window = {
        image: await source.image.readWindow(row0, col0, w, w, signal),
        codes: source.annotations.readWindow(row0, col0, w, w).data,
        rows: w,
        cols: w,
        channels: C,
        centreRow: r,
        centreCol: r,
      };
      const warped = warpPatch(window, side, warp);
      targets.push(
        computeTargets(
          { data: warped.codes, shape: [side, side] },
          { crop: { row: this.margin, col: this.margin, rows: p, cols: p } },
        ),
      );
      this.intensity(warped.image, side, image.subarray(b * p * p * C, (b + 1) * p * p * C));
    }
    return { image, targets, shape: [n, p, p, C] };
  }

  /** Cuts the patch out of the warped window and applies gamma and noise. */
  private intensity(src: Float32Array, side: number, out: Float32Array): void {
    const { patch: p, margin: m, channels: C } = this;
    const [g0, g1] = this.options.gamma ?? [0.75, 1.25];
    const gamma = this.options.augment === false ? 1 : this.rng.uniform(g0, g1);
    const sigma = this.options.augment === false ? 0 : (this.options.noise ?? 0.02);
    for (let y = 0; y < p; y++) {
      for (let x = 0; x < p; x++) {
        for (let c = 0; c < C; c++) {
          let v = src[((y + m) * side + x + m) * C + c]!;
          v = v > 0 ? v ** gamma : 0;
          if (sigma > 0) v += sigma * this.rng.normal();
          out[(y * p + x) * C + c] = v;
        }
      }
    }
  }

  dispose(): void {
    this.index.dispose();
  }
}
