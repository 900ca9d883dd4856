/**
 * A least-recently-used cache of byte arrays with a cap on the total bytes held, and one shared
 * computation per key while it is in flight (two tiles asking for the same chunk compute it once).
 */
export class ByteCache {
  readonly capBytes: number;
  private entries = new Map<string, Uint8Array>();
  private pending = new Map<string, Promise<Uint8Array>>();
  private held = 0;
  hits = 0;
  misses = 0;

  constructor(capBytes: number) {
    this.capBytes = Math.max(0, capBytes);
  }

  /** Bytes currently held. */
  get bytes(): number {
    return this.held;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The cached value of `key`, computing (and caching) it with `make` on a miss. */
  async get(key: string, make: () => Uint8Array | Promise<Uint8Array>): Promise<Uint8Array> {
    const found = this.entries.get(key);
    if (found !== undefined) {
      this.hits++;
      this.entries.delete(key);
      this.entries.set(key, found);
      return found;
    }
    const inFlight = this.pending.get(key);
    if (inFlight !== undefined) return inFlight;
    this.misses++;
    const promise = (async () => make())();
    this.pending.set(key, promise);
    try {
      const value = await promise;
      this.put(key, value);
      return value;
    } finally {
      this.pending.delete(key);
    }
  }

  private put(key: string, value: Uint8Array): void {
    if (value.byteLength > this.capBytes) return;
    this.entries.set(key, value);
    this.held += value.byteLength;
    for (const [oldKey, oldValue] of this.entries) {
      if (this.held <= this.capBytes) break;
      this.entries.delete(oldKey);
      this.held -= oldValue.byteLength;
    }
  }
}
