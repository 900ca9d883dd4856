/**
 * Paints a fixed set of strokes into the annotation store and saves it for
 * tests/python/test_annotations_readback.py:
 *
 *   npx tsx tests/python/write_annotations.ts OUT_DIR
 *
 * writes `labels/annotations` into OUT_DIR/v0.4.ome.zarr (NGFF 0.4) and OUT_DIR/v0.5.ome.zarr
 * (NGFF 0.5) with `saveAnnotations` (the store root needs no image: the writer creates an empty
 * root group, as in write_labels.ts), the dense codes (`annotationsToRaster`) as raw row-major
 * uint8 to OUT_DIR/codes.bin, and prints a JSON summary (shape, tile size, painted tiles, per-store
 * save counts) on stdout. The Python test checks a few pixels by hand, so keep the strokes in sync
 * with it.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AnnotationStore, annotationsToRaster, saveAnnotations } from '../../src/engine/annotations/index.ts';
import type { NgffVersion } from '../../src/engine/io/index.ts';
import { FileSystemStore } from '../../src/engine/io/node.ts';
import { BACKGROUND, CELL } from '../../src/engine/targets/codes.ts';

const SHAPE: [number, number] = [700, 900];
const TILE = 256;

function paint(): { annotations: AnnotationStore; closed: number } {
  const a = new AnnotationStore({ shape: SHAPE, tileSize: TILE });
  // background along row 60, tiles (0,0) and (0,1)
  a.paintStroke(
    [
      { x: 20, y: 60 },
      { x: 480, y: 60 },
    ],
    { code: BACKGROUND, radius: 12 },
  );
  // eraser across it at x = 250
  a.paintStroke(
    [
      { x: 250, y: 0 },
      { x: 250, y: 200 },
    ],
    { code: 0, radius: 20 },
  );
  // a blob in tile (0,3), erased again entirely: the tile is freed and must not be stored
  a.paintStroke([{ x: 800, y: 100 }], { code: BACKGROUND, radius: 30 });
  a.paintStroke([{ x: 800, y: 100 }], { code: 0, radius: 50 });
  // a closed cell ring around (row 400, col 600) in tile (1,2), then the closed-stroke rule
  const ring = Array.from({ length: 65 }, (_, k) => ({
    x: 600 + 60 * Math.cos((2 * Math.PI * k) / 64),
    y: 400 + 60 * Math.sin((2 * Math.PI * k) / 64),
  }));
  a.paintStroke(ring, { code: CELL, radius: 5 });
  const closed = a.closeCellStroke(340, 600);
  // an open cell stroke over tiles (2,2) and (2,3), clipped by the right edge
  a.paintStroke(
    [
      { x: 700, y: 600 },
      { x: 895, y: 690 },
    ],
    { code: CELL, radius: 8 },
  );
  // a boundary line from (row 300, col 100) to (row 650, col 400), over tiles (1..2, 0..1)
  a.drawBoundary([
    { x: 100.5, y: 300.5 },
    { x: 400.5, y: 650.5 },
  ]);
  return { annotations: a, closed };
}

const out = process.argv[2];
if (!out) throw new Error('usage: write_annotations.ts OUT_DIR');
const { annotations, closed } = paint();
const stores = [];
for (const ngff of ['0.4', '0.5'] as NgffVersion[]) {
  const path = `v${ngff}.ome.zarr`;
  const result = await saveAnnotations(annotations, new FileSystemStore(join(out, path)), { ngff });
  stores.push({ ngff, path, ...result });
}
const raster = annotationsToRaster(annotations);
await writeFile(join(out, 'codes.bin'), raster.data);
const summary = {
  shape: raster.shape,
  tileSize: annotations.tileSize,
  tiles: annotations.tiles().map((t) => `${t.tileRow}/${t.tileCol}`),
  closed,
  codes: 'codes.bin',
  stores,
};
process.stdout.write(`${JSON.stringify(summary)}\n`);
