/**
 * The one source of truth for what the user painted: a sparse tiled store of annotation codes
 * (0 unknown, 1 background, 2 cell, 3 boundary) over a canvas of any size, with brushes, the
 * closed-stroke rule, undo/redo and change events. Layers, the training worker, autosave and the
 * Python side all receive deltas from here and can be rebuilt from it (ARCHITECTURE.md).
 *
 * @example
 * const store = new AnnotationStore({ shape: [100_000, 100_000] });
 * store.paintStroke([{ x: 10.5, y: 20 }, { x: 40, y: 22.5 }], { code: CELL, radius: 4 });
 * store.drawBoundary([{ x: 25, y: 5 }, { x: 25, y: 40 }]);
 * store.undo();
 * const window = store.readWindow(0, 0, 64, 64); // Raster<Uint8Array>
 */
import { ValueError } from '../errors.ts';
import { BOUNDARY, MAX_CODE } from '../targets/codes.ts';
import type { Raster } from '../types.ts';
import { closedStrokeRing } from './closed-stroke.ts';
import { decodeRuns, encodeRuns, History, type TileChange, type TileSnapshot } from './history.ts';
import { type Point, sweepDisc, traceLine } from './rasterize.ts';
import { TileGrid, type TileIndex } from './tile-grid.ts';

export interface AnnotationStoreOptions {
  /** `[rows, cols]` of the full-resolution image */
  shape: [number, number];
  /** tile edge in pixels; match the image's chunks (default 256) */
  tileSize?: number;
  /** memory budget of the undo history in bytes (default 64 MiB) */
  historyBytes?: number;
}

export interface AnnotationChange {
  /** tiles whose content changed */
  tiles: TileIndex[];
  /** what caused it: 'stroke', 'boundary', 'close', 'undo', 'redo', 'import', 'clear' */
  cause: string;
}

export type ChangeListener = (change: AnnotationChange) => void;

/** An edit in progress: pixels written through it become one undo step when it ends. */
class EditSession {
  readonly before = new Map<number, TileSnapshot>();
  constructor(
    private readonly grid: TileGrid,
    readonly label: string,
  ) {}

  write(row: number, col: number, code: number): void {
    const g = this.grid;
    if (row < 0 || col < 0 || row >= g.rows || col >= g.cols) return;
    const s = g.tileSize;
    const key = g.key(Math.floor(row / s), Math.floor(col / s));
    const i = (row % s) * s + (col % s);
    let tile = g.peek(key);
    if (!tile) {
      if (code === 0) return; // erasing nothing allocates nothing
      if (!this.before.has(key)) this.before.set(key, null);
      tile = g.ensure(key);
    } else if (!this.before.has(key)) {
      if (tile[i] === code) return;
      this.before.set(key, encodeRuns(tile));
    }
    tile[i] = code;
  }
}

export class AnnotationStore {
  readonly shape: [number, number];
  readonly tileSize: number;
  private readonly grid: TileGrid;
  private readonly history: History;
  private readonly listeners = new Set<ChangeListener>();
  private session: EditSession | undefined;

  constructor(options: AnnotationStoreOptions) {
    this.grid = new TileGrid(options.shape, options.tileSize ?? 256);
    this.shape = [this.grid.rows, this.grid.cols];
    this.tileSize = this.grid.tileSize;
    this.history = new History(options.historyBytes ?? 64 * 1024 * 1024);
  }

  /** Subscribe to changes; returns the unsubscribe function. */
  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(keys: Iterable<number>, cause: string): void {
    const tiles = [...keys].map((k) => this.grid.indexOf(k));
    if (tiles.length === 0) return;
    for (const l of this.listeners) l({ tiles, cause });
  }

  private begin(label: string): EditSession {
    if (this.session) this.end();
    this.session = new EditSession(this.grid, label);
    return this.session;
  }

  /** Closes the current edit: frees tiles that became empty and records one undo step. */
  private end(): void {
    const s = this.session;
    if (!s) return;
    this.session = undefined;
    const changes: TileChange[] = [];
    for (const [key, before] of s.before) {
      this.grid.compact(key);
      const now = this.grid.peek(key);
      const after = now ? encodeRuns(now) : null;
      if (before === null && after === null) continue;
      if (before && after && before.length === after.length && before.every((v, i) => v === after[i]))
        continue;
      changes.push({ key, before, after });
    }
    this.history.push(s.label, changes);
  }

  /**
   * Starts a brush stroke with `code` (0 erases) and `radius` in pixels; extend it with `add` as
   * the pointer moves (each call redraws only the touched tiles) and close it with `end`: the
   * whole stroke is one undo step.
   */
  beginStroke(options: { code: number; radius: number }): { add(points: Point[]): void; end(): void } {
    const code = checkCode(options.code);
    if (!(options.radius > 0) || !Number.isFinite(options.radius)) {
      throw new ValueError(`brush radius ${options.radius} must be a positive finite number`);
    }
    const session = this.begin('stroke');
    let last: Point | undefined;
    return {
      add: (points: Point[]) => {
        checkPoints(points);
        const path = last ? [last, ...points] : points;
        const seen = new Set<number>();
        sweepDisc(path, options.radius, (row, col) => {
          session.write(row, col, code);
          seen.add(this.tileKeyOf(row, col));
        });
        if (points.length > 0) last = points[points.length - 1];
        this.emit(
          [...seen].filter((k) => k >= 0),
          'stroke',
        );
      },
      end: () => {
        if (this.session === session) this.end();
      },
    };
  }

  /** Paints a whole stroke as one undo step. */
  paintStroke(points: Point[], options: { code: number; radius: number }): void {
    const s = this.beginStroke(options);
    s.add(points);
    s.end();
  }

  /** Draws a 1-pixel, 4-connected boundary (code 3) along the polyline. */
  drawBoundary(points: Point[]): void {
    checkPoints(points);
    const session = this.begin('boundary');
    traceLine(points, (row, col) => session.write(row, col, BOUNDARY));
    const keys = [...session.before.keys()];
    this.end();
    this.emit(keys, 'boundary');
  }

  /**
   * The closed-stroke rule: for the cell stroke under (`row`, `col`), fill its holes with cell and
   * turn its outer ring into boundary, marking the object as complete. Returns the number of
   * pixels changed (0 when the pixel is not a cell stroke).
   */
  closeCellStroke(row: number, col: number): number {
    const change = closedStrokeRing(this.grid, Math.floor(row), Math.floor(col));
    if (!change) return 0;
    const session = this.begin('close');
    for (const [r, c, code] of change) session.write(r, c, code);
    const keys = [...session.before.keys()];
    this.end();
    this.emit(keys, 'close');
    return change.length;
  }

  undo(): boolean {
    this.end();
    const e = this.history.popUndo();
    if (!e) return false;
    for (const c of e.changes) this.restore(c.key, c.before);
    this.emit(
      e.changes.map((c) => c.key),
      'undo',
    );
    return true;
  }

  redo(): boolean {
    this.end();
    const e = this.history.popRedo();
    if (!e) return false;
    for (const c of e.changes) this.restore(c.key, c.after);
    this.emit(
      e.changes.map((c) => c.key),
      'redo',
    );
    return true;
  }

  private restore(key: number, snapshot: TileSnapshot): void {
    const n = this.tileSize * this.tileSize;
    this.grid.replace(key, snapshot ? decodeRuns(snapshot, n) : undefined);
  }

  get canUndo(): boolean {
    return this.history.canUndo;
  }

  get canRedo(): boolean {
    return this.history.canRedo;
  }

  /** Code at a pixel (0 outside the canvas). */
  get(row: number, col: number): number {
    return this.grid.get(row, col);
  }

  /** Dense copy of a window, pixels beyond the canvas read 0 (unknown). */
  readWindow(row0: number, col0: number, rows: number, cols: number): Raster<Uint8Array> {
    return this.grid.readWindow(row0, col0, rows, cols);
  }

  /** Indices of the painted tiles, in raster order. */
  tiles(): TileIndex[] {
    return this.grid.keys().map((k) => this.grid.indexOf(k));
  }

  /** A copy of a tile's codes (`tileSize²`, row-major), or null when it is unpainted. */
  readTile(tileRow: number, tileCol: number): Uint8Array | null {
    const t = this.grid.peek(this.grid.key(tileRow, tileCol));
    return t ? t.slice() : null;
  }

  /**
   * Replaces whole tiles (used by imports and by the worker/Python side applying deltas); one undo
   * step, or none with `undoable: false` (loading a saved state). Each tile must be `tileSize²` codes 0-3.
   */
  writeTiles(
    tiles: { tileRow: number; tileCol: number; data: Uint8Array }[],
    cause = 'import',
    options: { undoable?: boolean } = {},
  ): void {
    const n = this.tileSize * this.tileSize;
    for (const t of tiles) {
      if (t.data.length !== n) {
        throw new ValueError(`tile (${t.tileRow}, ${t.tileCol}) has ${t.data.length} codes, expected ${n}`);
      }
      if (
        t.tileRow < 0 ||
        t.tileCol < 0 ||
        t.tileRow >= this.grid.tilesDown ||
        t.tileCol >= this.grid.tilesAcross
      ) {
        throw new ValueError(
          `tile (${t.tileRow}, ${t.tileCol}) is outside the ${this.grid.tilesDown}×${this.grid.tilesAcross} grid`,
        );
      }
      for (let i = 0; i < n; i++) {
        if (t.data[i]! > MAX_CODE) {
          throw new ValueError(
            `tile (${t.tileRow}, ${t.tileCol}) holds code ${t.data[i]} at offset ${i}; codes are 0-3`,
          );
        }
      }
    }
    this.end();
    const changes: TileChange[] = [];
    for (const t of tiles) {
      const key = this.grid.key(t.tileRow, t.tileCol);
      const old = this.grid.peek(key);
      const before = old ? encodeRuns(old) : null;
      this.grid.replace(key, t.data.slice());
      const now = this.grid.peek(key);
      changes.push({ key, before, after: now ? encodeRuns(now) : null });
    }
    // a load is the starting point, not an edit: undo must not take it away
    if (options.undoable ?? true) this.history.push(cause, changes);
    this.emit(
      changes.map((c) => c.key),
      cause,
    );
  }

  /** Bytes held by painted tiles. */
  get allocatedBytes(): number {
    return this.grid.allocatedBytes;
  }

  /** Bytes held by the undo/redo history. */
  get historyBytes(): number {
    return this.history.heldBytes;
  }

  private tileKeyOf(row: number, col: number): number {
    if (row < 0 || col < 0 || row >= this.shape[0] || col >= this.shape[1]) return -1;
    return this.grid.key(Math.floor(row / this.tileSize), Math.floor(col / this.tileSize));
  }
}

function checkCode(code: number): number {
  if (!Number.isInteger(code) || code < 0 || code > MAX_CODE) {
    throw new ValueError(`annotation code ${code} is not one of 0 (erase), 1, 2, 3`);
  }
  return code;
}

function checkPoints(points: Point[]): void {
  for (const p of points) {
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) {
      throw new ValueError(`stroke point (${p.x}, ${p.y}) is not finite`);
    }
  }
}
