/**
 * Draws patch centres uniformly over the annotated pixels of every training image (Sketchpose
 * appendix: centring patches on annotated pixels never yields an empty patch, unlike retrying
 * random crops). Counts are kept per annotation tile, so drawing is O(tiles) and a change to the
 * annotations only recounts the tiles it touched: strokes painted during training enter the
 * sampler between two steps.
 */
import type { AnnotationStore } from '../../annotations/index.ts';
import { ValueError } from '../../errors.ts';
import type { Random } from '../../random.ts';

interface TileCount {
  image: number;
  tileRow: number;
  tileCol: number;
  count: number;
}

export interface Centre {
  image: number;
  row: number;
  col: number;
}

export class AnnotatedPixelIndex {
  private readonly stores: AnnotationStore[];
  private counts: TileCount[] = [];
  private cumulative = new Float64Array(0);
  private dirty = true;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(stores: AnnotationStore[]) {
    this.stores = stores;
    for (const s of stores) this.unsubscribe.push(s.onChange(() => this.invalidate()));
  }

  /** Marks the counts stale; they are rebuilt lazily on the next draw. */
  invalidate(): void {
    this.dirty = true;
  }

  private rebuild(): void {
    const counts: TileCount[] = [];
    this.stores.forEach((store, image) => {
      for (const t of store.tiles()) {
        const data = store.readTile(t.tileRow, t.tileCol)!;
        let count = 0;
        for (let i = 0; i < data.length; i++) if (data[i] !== 0) count++;
        if (count > 0) counts.push({ image, tileRow: t.tileRow, tileCol: t.tileCol, count });
      }
    });
    this.counts = counts;
    this.cumulative = new Float64Array(counts.length);
    let sum = 0;
    counts.forEach((c, i) => {
      sum += c.count;
      this.cumulative[i] = sum;
    });
    this.dirty = false;
  }

  /** Number of annotated pixels over all images. */
  get total(): number {
    if (this.dirty) this.rebuild();
    return this.cumulative.length ? this.cumulative[this.cumulative.length - 1]! : 0;
  }

  /** A uniformly drawn annotated pixel. Throws a ValueError when nothing is annotated. */
  draw(rng: Random): Centre {
    const total = this.total;
    if (total === 0) throw new ValueError('no annotated pixel to train on: paint at least one stroke');
    const target = Math.floor(rng.next() * total);
    // binary search for the tile holding the target-th annotated pixel
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulative[mid]! > target) hi = mid;
      else lo = mid + 1;
    }
    const tile = this.counts[lo]!;
    let k = target - (lo > 0 ? this.cumulative[lo - 1]! : 0);
    const store = this.stores[tile.image]!;
    const s = store.tileSize;
    const data = store.readTile(tile.tileRow, tile.tileCol)!;
    for (let i = 0; i < data.length; i++) {
      if (data[i] === 0) continue;
      if (k === 0)
        return {
          image: tile.image,
          row: tile.tileRow * s + Math.floor(i / s),
          col: tile.tileCol * s + (i % s),
        };
      k--;
    }
    throw new ValueError('annotation index out of date'); // unreachable: counts match the tile
  }

  dispose(): void {
    for (const u of this.unsubscribe) u();
  }
}
