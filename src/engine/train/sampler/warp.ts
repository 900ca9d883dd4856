/**
 * Random geometric augmentation of a training patch (Omnipose 0.4 `random_rotate_and_resize`
 * ranges, ALGORITHM.md §5): rotation U(0, 2π), anisotropic scale U(0.75, 1.25) per axis, random
 * flips. The image is resampled bilinearly; annotation codes nearest-neighbour, except that a
 * pixel whose bilinear footprint touches a drawn boundary (code 3) becomes boundary, so a 1-px,
 * 4-connected boundary line still separates the cell strokes on its two sides after warping
 * (plain nearest-neighbour sampling can open gaps in a rotated line). Targets are recomputed on the
 * warped codes afterwards, since warping and target computation do not commute.
 */
import type { Random } from '../../random.ts';
import { BOUNDARY } from '../../targets/codes.ts';

export interface WarpParams {
  /** rotation in radians */
  angle: number;
  /** magnification along output rows / columns (> 1 zooms in) */
  scaleY: number;
  scaleX: number;
  flipY: boolean;
  flipX: boolean;
}

export interface AugmentRanges {
  rotate: boolean;
  scale: [number, number];
  flip: boolean;
}

export const DEFAULT_AUGMENT: AugmentRanges = { rotate: true, scale: [0.75, 1.25], flip: true };

export function drawWarp(rng: Random, ranges: AugmentRanges = DEFAULT_AUGMENT): WarpParams {
  return {
    angle: ranges.rotate ? rng.uniform(0, 2 * Math.PI) : 0,
    scaleY: rng.uniform(ranges.scale[0], ranges.scale[1]),
    scaleX: rng.uniform(ranges.scale[0], ranges.scale[1]),
    flipY: ranges.flip && rng.next() < 0.5,
    flipX: ranges.flip && rng.next() < 0.5,
  };
}

/** Half-width of the source window needed to fill a `side`² output patch. */
export function sourceRadius(side: number, p: WarpParams): number {
  return Math.ceil(((side / 2) * Math.SQRT2) / Math.min(p.scaleX, p.scaleY)) + 2;
}

export interface SourceWindow {
  /** interleaved channels, `[rows, cols, channels]` */
  image: Float32Array;
  codes: Uint8Array;
  rows: number;
  cols: number;
  channels: number;
  /** source position (row, col) of the output patch centre, in window pixel coordinates */
  centreRow: number;
  centreCol: number;
}

export interface WarpedPatch {
  image: Float32Array;
  codes: Uint8Array;
  side: number;
}

/**
 * Resamples a `side`² patch centred on (`centreRow`, `centreCol`) of the window. Positions beyond
 * the window read image 0 and code 0 (unknown).
 */
export function warpPatch(src: SourceWindow, side: number, p: WarpParams): WarpedPatch {
  const { rows, cols, channels: C } = src;
  const image = new Float32Array(side * side * C);
  const codes = new Uint8Array(side * side);
  const cos = Math.cos(p.angle);
  const sin = Math.sin(p.angle);
  const half = side / 2;
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      // output offset from the patch centre, flipped, de-magnified, rotated into the source
      let uy = (y + 0.5 - half) / p.scaleY;
      let ux = (x + 0.5 - half) / p.scaleX;
      if (p.flipY) uy = -uy;
      if (p.flipX) ux = -ux;
      const sy = src.centreRow + cos * uy - sin * ux;
      const sx = src.centreCol + sin * uy + cos * ux;
      const o = y * side + x;
      const y0 = Math.floor(sy);
      const x0 = Math.floor(sx);
      const fy = sy - y0;
      const fx = sx - x0;
      let nearest = 0;
      let touchesBoundary = false;
      for (let k = 0; k < 4; k++) {
        const yy = y0 + (k >> 1);
        const xx = x0 + (k & 1);
        if (yy < 0 || xx < 0 || yy >= rows || xx >= cols) continue;
        const w = (k >> 1 ? fy : 1 - fy) * (k & 1 ? fx : 1 - fx);
        const si = yy * cols + xx;
        for (let c = 0; c < C; c++) image[o * C + c]! += w * src.image[si * C + c]!;
        if (src.codes[si] === BOUNDARY) touchesBoundary = true;
      }
      const ny = Math.round(sy);
      const nx = Math.round(sx);
      if (ny >= 0 && nx >= 0 && ny < rows && nx < cols) nearest = src.codes[ny * cols + nx]!;
      codes[o] = touchesBoundary && nearest !== 0 ? BOUNDARY : nearest;
    }
  }
  return { image, codes, side };
}
