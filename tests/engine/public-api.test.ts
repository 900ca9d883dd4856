/**
 * The public surface of `sketchpose-web/engine`. Invariant: exports change only on purpose; a
 * change here is an API change. The engine entry must not pull in deck.gl or TensorFlow.js.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('engine public API', () => {
  it('the barrel exports exactly these values', async () => {
    const engine = await import('../../src/engine/index.ts');
    expect(Object.keys(engine).sort()).toMatchInlineSnapshot(`
      [
        "AnnotationStore",
        "BACKGROUND",
        "BOUNDARY",
        "CELL",
        "CODE_COLORS",
        "DtypeError",
        "FormatError",
        "MetadataError",
        "NotFoundError",
        "Random",
        "ShapeError",
        "SketchposeError",
        "UNKNOWN",
        "ValueError",
        "aggregatedJaccardIndex",
        "annotationsFromRaster",
        "annotationsToRaster",
        "computeTargets",
        "connectedComponents",
        "distanceToComplement",
        "distanceToOtherLabels",
        "distanceToSeeds",
        "exportAnnotationsImage",
        "importAnnotationsImage",
        "labelsToCodes",
        "linearSumAssignment",
        "loadAnnotations",
        "matching",
        "matchingDataset",
        "meanDice",
        "saveAnnotations",
        "strokeSets",
      ]
    `);
  });

  it('the core engine sources import no viewer or TensorFlow.js package', () => {
    // model/, train/, backends/ use TensorFlow.js and are separate entry points (package.json exports)
    const core = ['edt', 'targets', 'annotations', 'metrics', 'io', 'infer'];
    const files = (readdirSync('src/engine', { recursive: true }) as string[])
      .filter((f) => f.endsWith('.ts') && (!f.includes('/') || core.includes(f.split('/')[0]!)))
      .map((f) => `src/engine/${f}`);
    expect(files.length).toBeGreaterThan(20);
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      expect(text, f).not.toMatch(/from '(@deck\.gl|@luma\.gl|@hms-dbmi|@tensorflow|lit)/);
    }
  });
});
