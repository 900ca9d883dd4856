/**
 * StarDist parity: `matching` and `matchingDataset` against the numbers StarDist 0.9.2 itself
 * returned on real label images (DSB2018, StarDist's test mask) and deterministic variants of them
 * (tests/fixtures/stardist/make_fixtures.py). Invariant: every field equals StarDist's to 1e-9 on
 * every pair and every τ in 0.1..0.9, with and without Sketchpose's 10% border crop, and for both
 * dataset forms (pooled and by image).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseNpy } from '../../bench/lib/npy.ts';
import {
  type DatasetMatchingStats,
  iouMatrix,
  type MatchingStats,
  matching,
  matchingDataset,
} from '../../src/engine/metrics/index.ts';
import type { Raster } from '../../src/engine/types.ts';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/stardist');

interface FixturePair {
  true: string;
  pred: string;
  variant: string;
  matching: MatchingStats[];
  matching_crop: MatchingStats[];
  'matching_scalar_0.5': MatchingStats;
  matching_thresh0: MatchingStats;
}

interface Fixture {
  versions: Record<string, string>;
  taus: number[];
  crop_border: number;
  pairs: FixturePair[];
  iou_matrix: { true: string; pred: string; shape: [number, number]; entries: [number, number, number][] };
  dataset: Record<'pooled' | 'by_image' | 'pooled_crop' | 'by_image_crop', DatasetMatchingStats[]>;
}

const fixture = JSON.parse(readFileSync(join(FIXTURES, 'stardist_matching.json'), 'utf8')) as Fixture;

const cache = new Map<string, Raster<Int32Array>>();
function load(name: string): Raster<Int32Array> {
  let raster = cache.get(name);
  if (!raster) {
    // parseNpy on a plain Uint8Array: readNpy hands it a Node Buffer, whose .slice() is a view into
    // a shared pool, so the array it builds would start at the pool's offset 0
    const npy = parseNpy(new Uint8Array(gunzipSync(readFileSync(join(FIXTURES, name)))));
    expect(npy.dtype).toBe('<i4');
    raster = { data: npy.data as Int32Array, shape: [npy.shape[0]!, npy.shape[1]!] };
    cache.set(name, raster);
  }
  return raster;
}

const INTEGER_FIELDS = ['tp', 'fp', 'fn', 'n_true', 'n_pred'] as const;
const FLOAT_FIELDS = [
  'thresh',
  'precision',
  'recall',
  'accuracy',
  'f1',
  'mean_true_score',
  'mean_matched_score',
  'panoptic_quality',
] as const;

function expectStatsClose(actual: MatchingStats, expected: MatchingStats, where: string, tol = 1e-9): void {
  expect(actual.criterion, where).toBe(expected.criterion);
  for (const k of INTEGER_FIELDS) expect(actual[k], `${where} ${k}`).toBe(expected[k]);
  for (const k of FLOAT_FIELDS) {
    const diff = Math.abs(actual[k] - expected[k]);
    expect(diff, `${where} ${k}: ${actual[k]} vs StarDist ${expected[k]}`).toBeLessThanOrEqual(tol);
  }
  if ('by_image' in expected)
    expect((actual as DatasetMatchingStats).by_image, where).toBe(expected.by_image);
}

describe('matching vs StarDist', () => {
  it('fixture was made by StarDist with NumPy 2 semantics', () => {
    expect(fixture.versions.stardist).toBe('0.9.2');
    expect(Number(fixture.versions.numpy!.split('.')[0])).toBeGreaterThanOrEqual(2);
    expect(fixture.taus).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);
    expect(fixture.pairs.length).toBeGreaterThanOrEqual(30);
  });

  for (const pair of fixture.pairs) {
    const where = `${pair.true} vs ${pair.pred}`;
    it(`${where}: every τ, whole image and cropped`, () => {
      const yTrue = load(pair.true);
      const yPred = load(pair.pred);
      const full = matching(yTrue, yPred, { thresh: fixture.taus });
      const cropped = matching(yTrue, yPred, { thresh: fixture.taus, cropBorder: fixture.crop_border });
      fixture.taus.forEach((tau, k) => {
        expectStatsClose(full[k]!, pair.matching[k]!, `${where} τ=${tau}`);
        expectStatsClose(cropped[k]!, pair.matching_crop[k]!, `${where} crop τ=${tau}`);
      });
      expectStatsClose(
        matching(yTrue, yPred, { thresh: 0.5 }),
        pair['matching_scalar_0.5'],
        `${where} scalar`,
      );
      expectStatsClose(matching(yTrue, yPred), pair['matching_scalar_0.5'], `${where} default τ`);
    });

    it(`${where}: τ = 0 counts every assigned pair`, () => {
      const expected = pair.matching_thresh0;
      const actual = matching(load(pair.true), load(pair.pred), { thresh: 0 });
      expect(actual.tp).toBe(Math.min(expected.n_true, expected.n_pred));
      // with more true than predicted objects, which unmatched true objects scipy pads with is
      // unspecified, which can move the float32 sum by an ulp or so
      expectStatsClose(actual, expected, `${where} τ=0`, expected.n_true <= expected.n_pred ? 1e-9 : 1e-6);
    });
  }

  it('agrees for Uint16 and Uint32 label data as for Int32', () => {
    const pair = fixture.pairs.find((p) => p.variant === 'mixed_scrambled')!;
    const yTrue = load(pair.true);
    const yPred = load(pair.pred);
    const as16 = matching(
      { data: Uint16Array.from(yTrue.data), shape: yTrue.shape },
      { data: Uint16Array.from(yPred.data), shape: yPred.shape },
      { thresh: fixture.taus },
    );
    const as32 = matching(
      { data: Uint32Array.from(yTrue.data), shape: yTrue.shape },
      { data: Uint32Array.from(yPred.data), shape: yPred.shape },
      { thresh: fixture.taus },
    );
    fixture.taus.forEach((tau, k) => {
      expectStatsClose(as16[k]!, pair.matching[k]!, `uint16 τ=${tau}`);
      expectStatsClose(as32[k]!, pair.matching[k]!, `uint32 τ=${tau}`);
    });
  });

  it('iouMatrix equals StarDist float32 IoU matrix entry for entry', () => {
    const ref = fixture.iou_matrix;
    const iou = iouMatrix(load(ref.true), load(ref.pred));
    expect(iou.shape).toEqual(ref.shape);
    const expected = new Float32Array(ref.shape[0] * ref.shape[1]);
    for (const [r, c, v] of ref.entries) expected[r * ref.shape[1] + c] = v;
    expect(Array.from(iou.data)).toEqual(Array.from(expected));
  });
});

describe('matchingDataset vs StarDist', () => {
  const trues = () => fixture.pairs.map((p) => load(p.true));
  const preds = () => fixture.pairs.map((p) => load(p.pred));
  const cases = [
    ['pooled', false, 0],
    ['by_image', true, 0],
    ['pooled_crop', false, 0.1],
    ['by_image_crop', true, 0.1],
  ] as const;
  for (const [key, byImage, cropBorder] of cases) {
    it(`${key}: every τ`, () => {
      const result = matchingDataset(trues(), preds(), { thresh: fixture.taus, byImage, cropBorder });
      fixture.taus.forEach((tau, k) => {
        expectStatsClose(result[k]!, fixture.dataset[key][k]!, `${key} τ=${tau}`);
      });
    });
  }

  it('a scalar thresh returns one record', () => {
    const result = matchingDataset(trues(), preds(), { thresh: 0.5, byImage: true });
    expectStatsClose(result, fixture.dataset.by_image[4]!, 'by_image τ=0.5');
  });
});
