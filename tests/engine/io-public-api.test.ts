/**
 * The public surface of `engine/io` (the barrel and the Node entry point). Invariant: exports
 * change only on purpose; a change here is an API change to note in the changelog.
 */
import { describe, expect, it } from 'vitest';

describe('engine/io public API', () => {
  it('the barrel exports exactly these values', async () => {
    const io = await import('../../src/engine/io/index.ts');
    expect(Object.keys(io).sort()).toEqual([
      'LABEL_DTYPES',
      'MemoryStore',
      'createLabelImage',
      'listLabels',
      'openLabelImage',
      'openOmeZarr',
      'readImage',
      'readPng',
      'readTiff',
      'sniffImageFormat',
      'writePng',
      'writeTiff',
    ]);
  });

  it('the Node entry point exports the filesystem store only', async () => {
    const node = await import('../../src/engine/io/node.ts');
    expect(Object.keys(node).sort()).toEqual(['FileSystemStore']);
  });
});
