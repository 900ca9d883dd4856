/**
 * Data of the accuracy benchmark: which real images of ../shared/data train and which test, by
 * modality, and how they are prepared (grey level, rescaling to a common object diameter as
 * Omnipose/Sketchpose do with the ground-truth diameter, crops for the modalities that have a
 * single image). Nothing here depends on TensorFlow.js.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { maskDiameter, rescaledShape, resizeImage } from '../../src/engine/infer/index.ts';
import { readImage } from '../../src/engine/io/index.ts';

export interface Source {
  /** short name used in reports */
  name: string;
  image: string;
  labels: string;
  /** optional crop `[row0, row1, col0, col1]` (end exclusive) */
  crop?: [number, number, number, number];
}

export interface Modality {
  name: string;
  train: Source[];
  test: Source[];
}

const dsb = (id: string, crop?: Source['crop']): Source => ({
  name: `dsb2018/${id.slice(0, 8)}${crop ? `[${crop.join(':')}]` : ''}`,
  image: `dsb2018/images/${id}.png`,
  labels: `dsb2018/labels/${id}.tif`,
  crop,
});

/**
 * The split. Fluorescence nuclei have several images: four train, three (never trained on) test.
 * The two brightfield modalities have one image each in ../shared/data: they train on one half and
 * test on the other half, which is stated in the report.
 */
export const MODALITIES: Modality[] = [
  {
    name: 'fluorescence nuclei',
    train: [
      dsb('00071198d059ba7f'),
      dsb('0402a81e75262469'),
      dsb('02903040e19ddf92'),
      dsb('1400420310c90943'),
    ],
    test: [
      dsb('07fb37aafa662660'),
      dsb('20b20ab049372d18'),
      { name: 'stardist/img2d', image: 'stardist/img2d.tif', labels: 'stardist/mask2d.tif' },
    ],
  },
  {
    name: 'brightfield tissue (H&E-like)',
    train: [dsb('00ae65c1c6631ae6', [0, 256, 0, 160])],
    test: [dsb('00ae65c1c6631ae6', [0, 256, 160, 320])],
  },
  {
    name: 'brightfield grey nuclei',
    train: [dsb('08275a5b1c2dfcd7', [0, 512, 0, 1024])],
    test: [dsb('08275a5b1c2dfcd7', [512, 1024, 0, 1024])],
  },
];

/** The frugal case: strokes on this one fluorescence image; tested on the fluorescence test set. */
export const FRUGAL_SOURCE: Source = dsb('0402a81e75262469');

export interface Prepared {
  source: Source;
  /** grey level of the (cropped) image, rescaled, float32 `[rows, cols]` */
  grey: Float32Array;
  shape: [number, number];
  /** labels nearest-resized to `shape` */
  labels: Int32Array;
  /** the (cropped) labels at the original resolution, for evaluation */
  originalLabels: Int32Array;
  originalShape: [number, number];
  /** Omnipose diameter (6·mean EDT) of the original labels, and the factor applied */
  diameter: number;
  rescale: number;
}

function cropArray<T extends Float32Array | Int32Array>(
  data: T,
  rows: number,
  cols: number,
  channels: number,
  crop: [number, number, number, number] | undefined,
  make: (n: number) => T,
): { data: T; rows: number; cols: number } {
  if (!crop) return { data, rows, cols };
  const [r0, r1, c0, c1] = crop;
  const out = make((r1 - r0) * (c1 - c0) * channels);
  for (let r = r0; r < r1; r++) {
    out.set(
      data.subarray((r * cols + c0) * channels, (r * cols + c1) * channels),
      (r - r0) * (c1 - c0) * channels,
    );
  }
  return { data: out, rows: r1 - r0, cols: c1 - c0 };
}

/** Nearest-neighbour resize of a label image (pixel centres mapped onto each other). */
export function resizeLabels(labels: Int32Array, from: [number, number], to: [number, number]): Int32Array {
  const [r0, c0] = from;
  const [r1, c1] = to;
  const out = new Int32Array(r1 * c1);
  const rowIndex = Int32Array.from({ length: r1 }, (_, r) =>
    Math.min(r0 - 1, Math.floor(((r + 0.5) * r0) / r1)),
  );
  const colIndex = Int32Array.from({ length: c1 }, (_, c) =>
    Math.min(c0 - 1, Math.floor(((c + 0.5) * c0) / c1)),
  );
  for (let r = 0; r < r1; r++) {
    const src = rowIndex[r]! * c0;
    for (let c = 0; c < c1; c++) out[r * c1 + c] = labels[src + colIndex[c]!]!;
  }
  return out;
}

/** Reads, crops, converts to grey (mean of the colour channels) and rescales to `targetDiameter`. */
export async function prepare(dataDir: string, source: Source, targetDiameter: number): Promise<Prepared> {
  const img = await readImage(new Uint8Array(readFileSync(join(dataDir, source.image))));
  const lab = await readImage(new Uint8Array(readFileSync(join(dataDir, source.labels))));
  const [rows, cols] = [img.shape[0], img.shape[1]];
  const channels = img.shape[2] ?? 1;
  const colour = Math.min(3, channels);
  const greyFull = new Float32Array(rows * cols);
  for (let i = 0; i < rows * cols; i++) {
    let s = 0;
    for (let c = 0; c < colour; c++) s += Number(img.data[i * channels + c]);
    greyFull[i] = s / colour;
  }
  const g = cropArray(greyFull, rows, cols, 1, source.crop, (n) => new Float32Array(n));
  const l = cropArray(
    Int32Array.from(lab.data, Number),
    rows,
    cols,
    1,
    source.crop,
    (n) => new Int32Array(n),
  );
  const originalShape: [number, number] = [g.rows, g.cols];
  const diameter = maskDiameter({ data: l.data, shape: originalShape });
  const rescale = targetDiameter / diameter;
  const shape = rescaledShape(originalShape, rescale);
  const grey = resizeImage({ data: g.data, shape: originalShape }, shape).data;
  const labels = resizeLabels(l.data, originalShape, shape);
  return { source, grey, shape, labels, originalLabels: l.data, originalShape, diameter, rescale };
}
