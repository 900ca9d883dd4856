/**
 * Snapshot of the masks barrel: a change to the public API has to change this list on purpose.
 */
import { expect, it } from 'vitest';

it('exports exactly the documented runtime names', async () => {
  const masks = await import('../../src/engine/masks/index.ts');
  expect(Object.keys(masks).sort()).toEqual([
    'computeMasks',
    'computeMasksTiled',
    'dbscan',
    'divergence',
    'eulerField',
    'expandLabels',
    'fieldsSource',
    'followFlows',
    'hysteresisForeground',
    'labelAdjacency',
    'ncolor',
  ]);
});
