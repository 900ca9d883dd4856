/**
 * A sparse grid of square Uint8 tiles over a virtual canvas of any size: a tile exists only once
 * something nonzero was written into it, so memory follows what was painted, not the canvas.
 * Tiles line up with the OME-Zarr chunks they are saved to.
 */
import { ShapeError, ValueError } from '../errors.ts';
import type { Raster } from '../types.ts';

export interface TileIndex {
  tileRow: number;
  tileCol: number;
}

export class TileGrid {
  readonly rows: number;
  readonly cols: number;
  readonly tileSize: number;
  readonly tilesDown: number;
  readonly tilesAcross: number;
  private readonly tiles = new Map<number, Uint8Array>();

  constructor(shape: [number, number], tileSize: number) {
    const [rows, cols] = shape;
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows <= 0 || cols <= 0) {
      throw new ShapeError(`annotation canvas shape [${shape.join(', ')}] must be two positive integers`);
    }
    if (!Number.isInteger(tileSize) || tileSize < 8 || tileSize > 4096) {
      throw new ValueError(`tile size ${tileSize} must be an integer in 8..4096`);
    }
    this.rows = rows;
    this.cols = cols;
    this.tileSize = tileSize;
    this.tilesDown = Math.ceil(rows / tileSize);
    this.tilesAcross = Math.ceil(cols / tileSize);
  }

  key(tileRow: number, tileCol: number): number {
    return tileRow * this.tilesAcross + tileCol;
  }

  indexOf(key: number): TileIndex {
    return { tileRow: Math.floor(key / this.tilesAcross), tileCol: key % this.tilesAcross };
  }

  /** The tile's data, or undefined when nothing was painted there. */
  peek(key: number): Uint8Array | undefined {
    return this.tiles.get(key);
  }

  /** The tile's data, allocated (zeroed) on first use. */
  ensure(key: number): Uint8Array {
    let t = this.tiles.get(key);
    if (!t) {
      t = new Uint8Array(this.tileSize * this.tileSize);
      this.tiles.set(key, t);
    }
    return t;
  }

  /** Replaces a tile's content; `undefined` or an all-zero tile frees it. */
  replace(key: number, data: Uint8Array | undefined): void {
    if (!data || isZero(data)) this.tiles.delete(key);
    else this.tiles.set(key, data);
  }

  /** Frees the tile if it holds only zeros. */
  compact(key: number): void {
    const t = this.tiles.get(key);
    if (t && isZero(t)) this.tiles.delete(key);
  }

  keys(): number[] {
    return [...this.tiles.keys()].sort((a, b) => a - b);
  }

  get tileCount(): number {
    return this.tiles.size;
  }

  /** Bytes held by tile data. */
  get allocatedBytes(): number {
    return this.tiles.size * this.tileSize * this.tileSize;
  }

  get(row: number, col: number): number {
    if (row < 0 || col < 0 || row >= this.rows || col >= this.cols) return 0;
    const s = this.tileSize;
    const t = this.tiles.get(this.key(Math.floor(row / s), Math.floor(col / s)));
    return t ? t[(row % s) * s + (col % s)]! : 0;
  }

  /**
   * A dense copy of the window (`row0`, `col0`, `rows` × `cols`); pixels beyond the canvas or in
   * unpainted tiles read 0 (unknown), which is what a window with a context margin needs.
   */
  readWindow(row0: number, col0: number, rows: number, cols: number): Raster<Uint8Array> {
    if (
      !Number.isInteger(row0) ||
      !Number.isInteger(col0) ||
      !Number.isInteger(rows) ||
      !Number.isInteger(cols)
    ) {
      throw new ValueError(`window (${row0}, ${col0}, ${rows}×${cols}) must use integers`);
    }
    if (rows < 0 || cols < 0) throw new ShapeError(`window size ${rows}×${cols} must not be negative`);
    const out = new Uint8Array(rows * cols);
    const s = this.tileSize;
    const r0 = Math.max(row0, 0);
    const r1 = Math.min(row0 + rows, this.rows);
    const c0 = Math.max(col0, 0);
    const c1 = Math.min(col0 + cols, this.cols);
    if (r0 >= r1 || c0 >= c1) return { data: out, shape: [rows, cols] };
    for (let tr = Math.floor(r0 / s); tr <= Math.floor((r1 - 1) / s); tr++) {
      for (let tc = Math.floor(c0 / s); tc <= Math.floor((c1 - 1) / s); tc++) {
        const t = this.tiles.get(this.key(tr, tc));
        if (!t) continue;
        const ya = Math.max(r0, tr * s);
        const yb = Math.min(r1, (tr + 1) * s);
        const xa = Math.max(c0, tc * s);
        const xb = Math.min(c1, (tc + 1) * s);
        for (let y = ya; y < yb; y++) {
          const src = (y - tr * s) * s + (xa - tc * s);
          out.set(t.subarray(src, src + (xb - xa)), (y - row0) * cols + (xa - col0));
        }
      }
    }
    return { data: out, shape: [rows, cols] };
  }
}

export function isZero(data: Uint8Array): boolean {
  // compare 4 bytes at a time where the buffer allows it
  if (data.byteOffset % 4 === 0 && data.length % 4 === 0) {
    const words = new Uint32Array(data.buffer, data.byteOffset, data.length / 4);
    for (let i = 0; i < words.length; i++) if (words[i] !== 0) return false;
    return true;
  }
  for (let i = 0; i < data.length; i++) if (data[i] !== 0) return false;
  return true;
}
