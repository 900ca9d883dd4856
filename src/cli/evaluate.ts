/**
 * `sketchpose evaluate --pred … --gt …`: the paper's evaluation (§3.1) of predicted instance masks
 * against ground truth: AP(τ) = TP / (TP + FP + FN) per image averaged over images (StarDist
 * `matching_dataset(by_image=True)`), precision, recall, F1 and PQ, mean Dice and the aggregated
 * Jaccard index; optionally cropping a fraction of each border first, as Sketchpose's own
 * evaluation does.
 */

import { aggregatedJaccardIndex, matchingDataset, meanDice } from '../engine/metrics/index.ts';
import type { Raster } from '../engine/types.ts';
import { parseArgs, parseNumberList, usage } from './args.ts';
import { pairLabelPaths, readLabelImage } from './label-files.ts';

const SPEC = {
  pred: { required: true, help: 'predicted label image (TIFF/PNG, store.zarr#labels/name) or a directory' },
  gt: { required: true, help: 'ground-truth label image or a directory with the same file names' },
  taus: { default: '0.5:0.95:0.05', help: 'IoU thresholds: start:stop:step or a comma list' },
  'crop-border': { default: '0', help: 'fraction of each border to crop before matching (paper: 0.1)' },
  json: { flag: true, help: 'print JSON instead of a table' },
  help: { flag: true, help: 'show this help' },
} as const;

export const EVALUATE_HELP = usage('evaluate', 'match predicted masks to ground truth', SPEC);

export interface EvaluationReport {
  images: number;
  cropBorder: number;
  perTau: { tau: number; ap: number; precision: number; recall: number; f1: number; pq: number }[];
  meanDice: number;
  aji: number;
}

export async function evaluateFiles(
  pred: string,
  gt: string,
  taus: number[],
  cropBorder: number,
): Promise<EvaluationReport> {
  const pairs = pairLabelPaths(pred, gt);
  const preds: Raster[] = [];
  const trues: Raster[] = [];
  for (const [p, g] of pairs) {
    preds.push(await readLabelImage(p));
    trues.push(await readLabelImage(g));
  }
  const stats = matchingDataset(trues, preds, { thresh: taus, byImage: true, cropBorder });
  const opts = { cropBorder };
  const dice = trues.reduce((s, t, i) => s + meanDice(t, preds[i]!, opts), 0) / trues.length;
  const aji = trues.reduce((s, t, i) => s + aggregatedJaccardIndex(t, preds[i]!, opts), 0) / trues.length;
  return {
    images: pairs.length,
    cropBorder,
    perTau: stats.map((s) => ({
      tau: s.thresh,
      ap: s.accuracy,
      precision: s.precision,
      recall: s.recall,
      f1: s.f1,
      pq: s.panoptic_quality,
    })),
    meanDice: dice,
    aji,
  };
}

export async function evaluateCommand(argv: string[]): Promise<number> {
  const { options } = parseArgs(argv, SPEC);
  if (options.help) {
    console.log(EVALUATE_HELP);
    return 0;
  }
  const taus = parseNumberList(String(options.taus), '--taus');
  const report = await evaluateFiles(
    String(options.pred),
    String(options.gt),
    taus,
    Number(options['crop-border']),
  );
  if (options.json) {
    console.log(JSON.stringify(report, null, 2));
    return 0;
  }
  console.log(`${report.images} image(s), border crop ${report.cropBorder}`);
  console.log('tau    AP      precision recall  F1      PQ');
  for (const r of report.perTau) {
    const f = (v: number) => v.toFixed(4).padEnd(7);
    console.log(`${r.tau.toFixed(2)}   ${f(r.ap)} ${f(r.precision)}   ${f(r.recall)} ${f(r.f1)} ${f(r.pq)}`);
  }
  console.log(`mean Dice ${report.meanDice.toFixed(4)}, AJI ${report.aji.toFixed(4)}`);
  return 0;
}
