/**
 * Reopening `labels/annotations` when the server lists which level-0 chunks exist
 * (`GET /api/labels/annotations/chunks`): only those chunks are read, so a 100,000² slide with a
 * few painted tiles reloads in a few requests instead of probing its 38,416 chunk positions. Falls
 * back to the engine's `loadAnnotations` when the label chunks are not the store's tiles.
 */
import { AnnotationStore, loadAnnotations } from '../engine/annotations/index.ts';
import { ValueError } from '../engine/errors.ts';
import { openLabelImage, type ReadableStore } from '../engine/io/index.ts';

export async function loadListedAnnotations(
  store: ReadableStore,
  tileSize: number,
  chunks: [number, number][],
): Promise<AnnotationStore> {
  const labels = await openLabelImage(store, 'annotations');
  const [ch, cw] = labels.chunks;
  if (ch !== tileSize || cw !== tileSize) return loadAnnotations(store, { tileSize });
  const result = new AnnotationStore({ shape: labels.shape, tileSize });
  const tiles: { tileRow: number; tileCol: number; data: Uint8Array }[] = [];
  for (const [tileRow, tileCol] of chunks) {
    const src = await labels.readChunk(tileRow, tileCol);
    if (!src) continue;
    const data = new Uint8Array(tileSize * tileSize);
    let any = false;
    for (let i = 0; i < data.length; i++) {
      const v = src[i]!;
      if (v > 3 || v < 0) {
        throw new ValueError(
          `labels/annotations chunk (${tileRow}, ${tileCol}) holds ${v} at offset ${i}; annotation codes are 0-3`,
        );
      }
      if (v !== 0) any = true;
      data[i] = v;
    }
    if (any) tiles.push({ tileRow, tileCol, data });
  }
  if (tiles.length > 0) result.writeTiles(tiles, 'import', { undoable: false });
  return result;
}
