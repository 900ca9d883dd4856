/**
 * Autosave: every change of the annotation store marks its tiles dirty; after a short quiet delay
 * (and at most every `maxDelayMs` while painting continues) the dirty tiles alone are written into
 * `labels/annotations` with the engine's `saveAnnotations`. Saves run one at a time; a tile changed
 * during a save is saved again. `acknowledged` counts changes the store confirmed, so the UI (and
 * tests) know which strokes are safe: everything up to `ackedRevision` survives a page kill.
 */
import { type AnnotationStore, saveAnnotations } from '../engine/annotations/index.ts';
import type { NgffVersion, WritableStore } from '../engine/io/index.ts';

export interface AutosaveStatus {
  status: 'idle' | 'pending' | 'saving' | 'error';
  savedTiles: number;
  /** revision (count of store changes) fully written */
  ackedRevision: number;
  revision: number;
  message: string;
}

export interface AutosaveOptions {
  annotations: AnnotationStore;
  store: WritableStore;
  ngff: NgffVersion;
  delayMs?: number;
  maxDelayMs?: number;
  onStatus?: (status: AutosaveStatus) => void;
}

export class Autosave {
  private readonly dirty = new Map<string, { tileRow: number; tileCol: number }>();
  private revision = 0;
  private ackedRevision = 0;
  private savedTiles = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private firstPending = 0;
  private running: Promise<void> | null = null;
  private lastError = '';
  private readonly unsubscribe: () => void;
  private readonly o: AutosaveOptions;

  constructor(options: AutosaveOptions) {
    this.o = options;
    this.unsubscribe = options.annotations.onChange((change) => {
      this.revision++;
      for (const t of change.tiles) this.dirty.set(`${t.tileRow},${t.tileCol}`, t);
      this.schedule();
    });
  }

  private schedule(): void {
    const delay = this.o.delayMs ?? 300;
    const maxDelay = this.o.maxDelayMs ?? 2000;
    const now = performance.now();
    if (this.timer === null) this.firstPending = now;
    else clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(delay, this.firstPending + maxDelay - now));
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, wait);
    this.report();
  }

  status(): AutosaveStatus {
    let status: AutosaveStatus['status'] = 'idle';
    if (this.running) status = 'saving';
    else if (this.lastError) status = 'error';
    else if (this.dirty.size > 0 || this.ackedRevision < this.revision) status = 'pending';
    return {
      status,
      savedTiles: this.savedTiles,
      ackedRevision: this.ackedRevision,
      revision: this.revision,
      message: this.lastError,
    };
  }

  private report(): void {
    this.o.onStatus?.(this.status());
  }

  /** Writes every dirty tile now; resolves when everything changed so far is acknowledged. */
  async flush(): Promise<void> {
    while (this.running) await this.running;
    if (this.dirty.size === 0) {
      this.ackedRevision = this.revision;
      this.report();
      return;
    }
    const tiles = [...this.dirty.values()];
    const upTo = this.revision;
    this.dirty.clear();
    this.running = (async () => {
      try {
        const r = await saveAnnotations(this.o.annotations, this.o.store, { ngff: this.o.ngff, tiles });
        this.savedTiles += r.written + r.empty;
        this.ackedRevision = Math.max(this.ackedRevision, this.dirty.size === 0 ? this.revision : upTo);
        this.lastError = '';
      } catch (err) {
        for (const t of tiles) this.dirty.set(`${t.tileRow},${t.tileCol}`, t);
        this.lastError = `autosave failed: ${err instanceof Error ? err.message : String(err)}`;
        if (this.timer === null) {
          this.timer = setTimeout(() => {
            this.timer = null;
            void this.flush();
          }, 2000);
        }
      }
    })();
    this.report();
    await this.running;
    this.running = null;
    this.report();
    if (this.dirty.size > 0 && this.timer === null && !this.lastError) this.schedule();
  }

  destroy(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.unsubscribe();
  }
}
