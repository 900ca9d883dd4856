/**
 * Options of the mask reconstruction with Omnipose 1.0.6's defaults (`compute_masks`,
 * `get_masks`, `follow_flows`, `fill_holes_and_remove_small_masks`; `min_size = 15` as
 * `CellposeModel.eval` passes it), validated once at the API surface.
 */
import { ValueError } from '../errors.ts';

export interface MaskOptions {
  /** hysteresis: high = threshold, low = threshold − 1 (`mask_threshold`). @default 0 */
  maskThreshold?: number;
  /** Euler steps. @default 200, or Omnipose's `int(diameters(...))` when `cluster` is `true` */
  niter?: number;
  /** the flow is divided by this (`rescale`). @default 1 */
  rescale?: number;
  /** DBSCAN when 6·mean(|d|) ≤ this (`diam_threshold`). @default 12 */
  diamThreshold?: number;
  /** `'auto'` decides by the diameter; `true`/`false` force the grouping. @default 'auto' */
  cluster?: boolean | 'auto';
  /** DBSCAN radius in pixels. @default √2 */
  eps?: number;
  /** DBSCAN core size, the point itself included. @default 5 */
  minSamples?: number;
  /** neighbours searched when snapping DBSCAN outliers. @default 50 */
  snapNeighbors?: number;
  /** flow-error threshold; 0 turns the check off (the Sketchpose plugin). @default 0 */
  flowThreshold?: number;
  /** masks with fewer pixels are removed (`min_size`). @default 15 */
  minSize?: number;
  /** holes below this percentage of the mask's area are filled (`hole_size`). @default 3 */
  holeSize?: number;
  /** width of the border band of the boundary rule. @default 5 */
  borderWidth?: number;
  /** skeleton pixels in the band with a boundary logit above this are dropped. @default −1 */
  boundaryThreshold?: number;
  /** fixed divergence normalisation `[lo, hi]` instead of the 0.01/99.99 percentiles */
  divergenceRange?: [number, number];
  /**
   * Euler integration: `'exact'` reproduces PyTorch's float32 arithmetic bit for bit (WebAssembly
   * SIMD kernel, or JavaScript without it); `'fast'` is about 1.8× faster but not bit-exact
   * (plain float32 sums instead of fused multiply-adds: the last bits of some final positions
   * differ, and a tie at DBSCAN's radius may fall the other way; AP@0.5 against the exact masks
   * ≥ 0.99 on the test images). @default 'exact'
   */
  euler?: 'exact' | 'fast';
}

export interface ResolvedMaskOptions {
  maskThreshold: number;
  niter: number | undefined;
  rescale: number;
  diamThreshold: number;
  cluster: boolean | 'auto';
  eps: number;
  minSamples: number;
  snapNeighbors: number;
  flowThreshold: number;
  minSize: number;
  holeSize: number;
  borderWidth: number;
  boundaryThreshold: number;
  divergenceRange: [number, number] | undefined;
  euler: 'exact' | 'fast';
}

function finite(name: string, v: number, min = Number.NEGATIVE_INFINITY): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
    throw new ValueError(`mask option ${name} must be a finite number ≥ ${min}, got ${v}`);
  }
  return v;
}

function integer(name: string, v: number, min: number): number {
  if (!Number.isInteger(v) || v < min)
    throw new ValueError(`mask option ${name} must be an integer ≥ ${min}, got ${v}`);
  return v;
}

export function resolveMaskOptions(o: MaskOptions): ResolvedMaskOptions {
  const rescale = finite('rescale', o.rescale ?? 1);
  if (!(rescale > 0)) throw new ValueError(`mask option rescale must be > 0, got ${rescale}`);
  const eps = finite('eps', o.eps ?? Math.SQRT2);
  if (!(eps > 0)) throw new ValueError(`mask option eps must be > 0, got ${eps}`);
  const cluster = o.cluster ?? 'auto';
  if (cluster !== 'auto' && cluster !== true && cluster !== false) {
    throw new ValueError(`mask option cluster must be 'auto', true or false, got ${String(cluster)}`);
  }
  const euler = o.euler ?? 'exact';
  if (euler !== 'exact' && euler !== 'fast') {
    throw new ValueError(`mask option euler must be 'exact' or 'fast', got ${String(euler)}`);
  }
  const range = o.divergenceRange;
  if (range !== undefined && (range.length !== 2 || !range.every(Number.isFinite))) {
    throw new ValueError(`mask option divergenceRange must be two finite numbers, got ${String(range)}`);
  }
  return {
    maskThreshold: finite('maskThreshold', o.maskThreshold ?? 0),
    niter: o.niter === undefined ? undefined : integer('niter', o.niter, 0),
    rescale,
    diamThreshold: finite('diamThreshold', o.diamThreshold ?? 12),
    cluster,
    eps,
    minSamples: integer('minSamples', o.minSamples ?? 5, 1),
    snapNeighbors: integer('snapNeighbors', o.snapNeighbors ?? 50, 1),
    flowThreshold: finite('flowThreshold', o.flowThreshold ?? 0, 0),
    minSize: finite('minSize', o.minSize ?? 15),
    holeSize: finite('holeSize', o.holeSize ?? 3, 0),
    borderWidth: integer('borderWidth', o.borderWidth ?? 5, 0),
    boundaryThreshold: finite('boundaryThreshold', o.boundaryThreshold ?? -1),
    divergenceRange: range,
    euler,
  };
}
