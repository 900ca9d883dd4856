/**
 * A read-only store inside the worker whose `get` asks the page for the bytes (the page answers
 * from whatever store it was given: HTTP, a Jupyter comm). Requests carry an id; replies resolve
 * them in any order.
 */
import type { ReadableStore, StoreGetOptions } from '../engine/io/index.ts';
import type { FromWorker } from './protocol.ts';

export class RemoteStore implements ReadableStore {
  private next = 1;
  private readonly pending = new Map<
    number,
    { resolve: (b: Uint8Array | undefined) => void; reject: (e: Error) => void }
  >();

  constructor(private readonly post: (m: FromWorker) => void) {}

  get(key: string, opts?: StoreGetOptions): Promise<Uint8Array | undefined> {
    opts?.signal?.throwIfAborted();
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.post({ type: 'store-get', id, key });
    });
  }

  /** The page's answer to request `id`. */
  reply(id: number, bytes: Uint8Array | null, error?: string): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if (error) p.reject(new Error(error));
    else p.resolve(bytes ?? undefined);
  }
}
