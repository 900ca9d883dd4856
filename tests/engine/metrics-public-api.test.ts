/**
 * Snapshot of the metrics barrel: a change to the public API has to change this list on purpose.
 */
import { expect, it } from 'vitest';

it('exports exactly the documented runtime names', async () => {
  const metrics = await import('../../src/engine/metrics/index.ts');
  expect(Object.keys(metrics).sort()).toEqual([
    'aggregatedJaccardIndex',
    'assertCropFraction',
    'assertLabelRaster',
    'assertSameShape',
    'assignObjects',
    'bestPairPerTrueObject',
    'cropBorder',
    'croppedRange',
    'float32Sum',
    'intersectionOverUnion',
    'iouMatrix',
    'labelOverlap',
    'linearSumAssignment',
    'matching',
    'matchingDataset',
    'meanDice',
    'objectDice',
    'pairIous',
    'prepareLabelPair',
    'relabelSequential',
  ]);
});
