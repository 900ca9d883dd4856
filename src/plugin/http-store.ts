/**
 * A zarrita-compatible store over HTTP: `get(key)` fetches `<base><key>` (404 → `undefined`), and
 * `set(key, bytes)` PUTs the bytes (the `sketchpose serve` server accepts writes under `labels/`
 * only). Keys are zarrita's absolute form (`/0/.zarray`).
 */
import type { StoreGetOptions, WritableStore } from '../engine/io/index.ts';

export class StoreHttpError extends Error {
  readonly tag = 'StoreHttpError';
  constructor(
    readonly url: string,
    readonly status: number,
    method: string,
  ) {
    super(`${method} ${url} failed: HTTP ${status}`);
    this.name = 'StoreHttpError';
  }
}

export class HttpStore implements WritableStore {
  readonly base: string;

  /** `base` is the store root URL, e.g. `/store/` or `http://127.0.0.1:8000/store/`. */
  constructor(base: string) {
    this.base = base.endsWith('/') ? base : `${base}/`;
  }

  url(key: string): string {
    return this.base + (key.startsWith('/') ? key.slice(1) : key);
  }

  async get(key: string, opts?: StoreGetOptions): Promise<Uint8Array | undefined> {
    const url = this.url(key);
    const res = await fetch(url, { signal: opts?.signal ?? null });
    if (res.status === 404) return undefined;
    if (!res.ok) throw new StoreHttpError(url, res.status, 'GET');
    return new Uint8Array(await res.arrayBuffer());
  }

  /** Removes a label chunk that became all zero (the server answers 204 also when absent). */
  async delete(key: string): Promise<void> {
    const url = this.url(key);
    const res = await fetch(url, { method: 'DELETE' });
    if (!res.ok && res.status !== 404) throw new StoreHttpError(url, res.status, 'DELETE');
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    const url = this.url(key);
    const res = await fetch(url, {
      method: 'PUT',
      body: value as Uint8Array<ArrayBuffer>,
      headers: { 'content-type': 'application/octet-stream' },
    });
    if (!res.ok) throw new StoreHttpError(url, res.status, 'PUT');
  }
}
