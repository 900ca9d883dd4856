/**
 * Undo/redo for the tiled annotation store with bounded memory. An edit records, for every tile
 * it touched, the tile's bytes before and after, run-length encoded (annotation tiles are long
 * runs, so a 64 KiB tile usually costs a few hundred bytes). When the recorded bytes exceed the
 * budget the oldest edits are forgotten first; the newest edit is always kept.
 */

/** Run-length encoding of a tile: pairs (value, run length − 1) with runs capped at 256. */
export function encodeRuns(data: Uint8Array): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < data.length) {
    const v = data[i]!;
    let j = i + 1;
    while (j < data.length && data[j] === v && j - i < 256) j++;
    out.push(v, j - i - 1);
    i = j;
  }
  return Uint8Array.from(out);
}

export function decodeRuns(runs: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let o = 0;
  for (let k = 0; k + 1 < runs.length; k += 2) {
    const n = runs[k + 1]! + 1;
    out.fill(runs[k]!, o, o + n);
    o += n;
  }
  return out;
}

/** A tile snapshot: RLE bytes, or null for "tile absent (all unknown)". */
export type TileSnapshot = Uint8Array | null;

export interface TileChange {
  key: number;
  before: TileSnapshot;
  after: TileSnapshot;
}

export interface Edit {
  label: string;
  changes: TileChange[];
  bytes: number;
}

function snapshotBytes(s: TileSnapshot): number {
  return s ? s.length : 0;
}

export class History {
  private undoStack: Edit[] = [];
  private redoStack: Edit[] = [];
  private bytes = 0;
  readonly budgetBytes: number;

  constructor(budgetBytes: number) {
    this.budgetBytes = budgetBytes;
  }

  push(label: string, changes: TileChange[]): void {
    if (changes.length === 0) return;
    const bytes = changes.reduce((s, c) => s + snapshotBytes(c.before) + snapshotBytes(c.after) + 16, 0);
    this.undoStack.push({ label, changes, bytes });
    this.bytes += bytes;
    for (const e of this.redoStack) this.bytes -= e.bytes;
    this.redoStack = [];
    while (this.bytes > this.budgetBytes && this.undoStack.length > 1) {
      this.bytes -= this.undoStack.shift()!.bytes;
    }
  }

  /** Takes the newest edit off the undo stack onto the redo stack. */
  popUndo(): Edit | undefined {
    const e = this.undoStack.pop();
    if (e) this.redoStack.push(e);
    return e;
  }

  popRedo(): Edit | undefined {
    const e = this.redoStack.pop();
    if (e) this.undoStack.push(e);
    return e;
  }

  get canUndo(): boolean {
    return this.undoStack.length > 0;
  }

  get canRedo(): boolean {
    return this.redoStack.length > 0;
  }

  get undoDepth(): number {
    return this.undoStack.length;
  }

  /** Bytes held by recorded edits (undo and redo). */
  get heldBytes(): number {
    return this.bytes;
  }

  clear(): void {
    this.undoStack = [];
    this.redoStack = [];
    this.bytes = 0;
  }
}
