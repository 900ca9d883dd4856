/**
 * Full-annotation targets against Omnipose 1.0.6's `masks_to_flows` on real masks (fixtures made by
 * tests/fixtures/omnipose/make_fixtures.py). Invariants: over the cell pixels that carry a flow
 * target, the mean cosine between our flow and Omnipose's is ≥ 0.9 and the Pearson correlation of
 * the distances is ≥ 0.95 (ALGORITHM.md §2).
 */
import { describe, expect, it } from 'vitest';
import { readNpy } from '../../bench/lib/npy.ts';
import { computeTargets, labelsToCodes } from '../../src/engine/targets/index.ts';

const CASES = ['dsb2018_00071198', 'stardist_mask2d', 'omnipose_caulo_15'];
const DIR = new URL('../fixtures/omnipose/', import.meta.url).pathname;

function pearson(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

describe('targets vs Omnipose masks_to_flows', () => {
  for (const name of CASES) {
    it(`agrees on ${name}`, () => {
      const labels = readNpy(`${DIR}${name}/labels.npy.gz`);
      const dist = readNpy(`${DIR}${name}/dist.npy.gz`).data;
      const flows = readNpy(`${DIR}${name}/flows.npy.gz`).data;
      const [rows, cols] = labels.shape as [number, number];
      const n = rows * cols;
      const codes = labelsToCodes({ data: labels.data, shape: [rows, cols] });
      const t = computeTargets(codes, { complete: true, outside: 'not-boundary' });
      const ours: number[] = [];
      const theirs: number[] = [];
      let cosSum = 0;
      let cosCount = 0;
      let cells = 0;
      for (let i = 0; i < n; i++) {
        if (labels.data[i] === 0) continue;
        cells++;
        if (t.masks.flowLoss[i] !== 1) continue;
        ours.push(t.distance[i]!);
        theirs.push(dist[i]!);
        const oy = flows[i]!;
        const ox = flows[n + i]!;
        const on = Math.hypot(oy, ox);
        if (on < 1e-6) continue;
        cosSum += (t.flow[i]! * oy + t.flow[n + i]! * ox) / (5 * on);
        cosCount++;
      }
      const cosine = cosSum / cosCount;
      const r = pearson(ours, theirs);
      console.log(
        `${name}: flow mean cosine ${cosine.toFixed(4)}, distance Pearson ${r.toFixed(4)}, ` +
          `${ours.length}/${cells} cell pixels with targets (the rest are contact pixels, code 3)`,
      );
      expect(cosine).toBeGreaterThanOrEqual(0.9);
      expect(r).toBeGreaterThanOrEqual(0.95);
      expect(ours.length / cells).toBeGreaterThan(0.8);
    });
  }
});
