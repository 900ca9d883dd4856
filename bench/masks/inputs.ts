/**
 * Writes the 1024² benchmark inputs of the mask reconstruction, built from real label images in
 * tests/fixtures/masks/labels (tests/fixtures/masks/ground-truth-fields.ts): distance, flow (and
 * the labels they came from) as .npy, for bench/masks/reference_bench.py and bench/masks/run.ts.
 *
 *   npx tsx bench/masks/inputs.ts OUTDIR
 *
 * Cases (all 1024 × 1024):
 * - `nuclei_dense`: StarDist mask2d (512², 125 nuclei) tiled 2 × 2, ~500 nuclei, rounding branch;
 * - `nuclei_sparse`: DSB2018 08275a5b (1024², 98 nuclei) as is, rounding branch;
 * - `nuclei_small`: StarDist tests mask2d (256², 65 small nuclei) tiled 4 × 4, DBSCAN branch.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { groundTruthFields } from '../../tests/fixtures/masks/ground-truth-fields.ts';
import { readNpy } from '../lib/npy.ts';
import { writeNpy } from './npy-write.ts';

const LABELS = 'tests/fixtures/masks/labels';

/** `reps × reps` copies of a label image, each copy with its own labels. */
export function tileLabels(name: string, reps: number): { data: Int32Array; shape: [number, number] } {
  const a = readNpy(join(LABELS, `${name}.npy.gz`));
  const [h, w] = [a.shape[0]!, a.shape[1]!];
  let max = 0;
  for (let i = 0; i < a.data.length; i++) max = Math.max(max, a.data[i]!);
  const rows = h * reps;
  const cols = w * reps;
  const data = new Int32Array(rows * cols);
  for (let ty = 0; ty < reps; ty++) {
    for (let tx = 0; tx < reps; tx++) {
      const offset = (ty * reps + tx) * max;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const v = a.data[y * w + x]!;
          data[(ty * h + y) * cols + tx * w + x] = v === 0 ? 0 : v + offset;
        }
      }
    }
  }
  return { data, shape: [rows, cols] };
}

export const CASES: Record<string, () => { data: Int32Array; shape: [number, number] }> = {
  nuclei_dense: () => tileLabels('stardist_mask2d', 2),
  nuclei_sparse: () => tileLabels('dsb2018_08275a5b', 1),
  nuclei_small: () => tileLabels('stardist_tests_mask2d', 4),
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = process.argv[2] ?? 'bench/out/masks-inputs';
  mkdirSync(out, { recursive: true });
  for (const [name, make] of Object.entries(CASES)) {
    const labels = make();
    const f = groundTruthFields(labels);
    writeNpy(join(out, `${name}__labels.npy`), labels.data, labels.shape);
    writeNpy(join(out, `${name}__distance.npy`), f.distance, f.shape);
    writeNpy(join(out, `${name}__flow.npy`), f.flow, [2, ...f.shape]);
    console.log(`${name}: [${labels.shape.join(', ')}]`);
  }
}
