/**
 * Snapshot of the infer barrel: a change to the public API has to change this list on purpose.
 */
import { expect, it } from 'vitest';

it('exports exactly the documented runtime names', async () => {
  const infer = await import('../../src/engine/infer/index.ts');
  expect(Object.keys(infer).sort()).toEqual([
    'DIAM_MEAN',
    'DIAM_MEAN_NUCLEI',
    'SKIP_TOLERANCE',
    'applyNormalization',
    'channelPlanes',
    'chooseLevel',
    'computeNormalization',
    'levelDownsampling',
    'maskDiameter',
    'percentiles',
    'reflectIndex',
    'rescaleFactor',
    'rescaledShape',
    'resizeImage',
    'statisticsLevel',
    'taperWeights',
    'tileGrid',
    'tiledPredict',
    'toNetworkInput',
  ]);
});
