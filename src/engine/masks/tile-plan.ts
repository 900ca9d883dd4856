/**
 * Tile layout and pixel ownership for tile-wise mask reconstruction (see `stitch.ts`).
 *
 * Along each axis, tiles of `tile` pixels are spread evenly from 0 to L so that neighbours share
 * at least `overlap` pixels (a single tile when L ≤ tile). Every pixel is owned by the tile whose
 * centre is nearest (ties to the earlier tile); with two axes this is separable, so the owner of
 * pixel (r, c) is tile (rowOwner(r), colOwner(c)). Away from the image border an owned pixel lies
 * at least about overlap/2 pixels inside its tile, where the tile's reconstruction sees the same
 * context as a single pass.
 */
import { ValueError } from '../errors.ts';

export interface AxisPlan {
  /** first pixel of each tile */
  starts: number[];
  /** tile length (L when a single tile covers the axis) */
  size: number;
  /** owned range of tile i: [ownStart[i], ownEnd[i]) */
  ownStart: number[];
  ownEnd: number[];
}

export function axisPlan(length: number, tile: number, overlap: number): AxisPlan {
  if (!Number.isInteger(tile) || tile < 1)
    throw new ValueError(`tile must be a positive integer, got ${tile}`);
  if (!Number.isInteger(overlap) || overlap < 0 || overlap >= tile) {
    throw new ValueError(`overlap must be an integer in [0, tile), got ${overlap} for tile ${tile}`);
  }
  if (length <= tile) return { starts: [0], size: length, ownStart: [0], ownEnd: [length] };
  const stride = tile - overlap;
  const count = Math.ceil((length - tile) / stride) + 1;
  const starts: number[] = [];
  // even spacing: consecutive starts differ by at most `stride`, so overlaps are ≥ `overlap`
  for (let i = 0; i < count; i++) starts.push(Math.floor((i * (length - tile)) / (count - 1)));
  const ownStart: number[] = [0];
  const ownEnd: number[] = [];
  for (let i = 0; i + 1 < count; i++) {
    // pixel x (centre x + 0.5) goes to tile i while x + 0.5 ≤ midpoint of the two tile centres
    const mid = (starts[i]! + starts[i + 1]! + tile) / 2;
    const cut = Math.floor(mid - 0.5) + 1;
    ownEnd.push(cut);
    ownStart.push(cut);
  }
  ownEnd.push(length);
  return { starts, size: tile, ownStart, ownEnd };
}

/** Owner tile index of every position along the axis. */
export function ownerIndex(plan: AxisPlan, length: number): Int32Array {
  const owner = new Int32Array(length);
  for (let i = 0; i < plan.starts.length; i++) owner.fill(i, plan.ownStart[i]!, plan.ownEnd[i]!);
  return owner;
}
