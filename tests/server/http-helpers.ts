/**
 * Helpers for the server tests: raw HTTP requests (the path is sent exactly as given, with no URL
 * normalisation, so `..` and `%2e%2e` reach the server as an attacker would send them) and a
 * zarrita-style store over HTTP that writes with PUT/DELETE, as the browser app's autosave does.
 */
import { request } from 'node:http';
import type { WritableStore } from '../../src/engine/io/store.ts';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export function rawRequest(
  port: number,
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: Uint8Array | string; host?: string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: opts.host ?? '127.0.0.1',
        port,
        method,
        path,
        headers: opts.headers,
        agent: false,
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (p: Buffer) => parts.push(p));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/** A store on `baseUrl` (`http://127.0.0.1:P/store`): GET reads, PUT writes, DELETE removes. */
export class HttpStore implements WritableStore {
  constructor(readonly baseUrl: string) {}

  async get(key: string, opts?: { signal?: AbortSignal }): Promise<Uint8Array | undefined> {
    const res = await fetch(this.baseUrl + key, { signal: opts?.signal });
    if (res.status === 404) return undefined;
    if (!res.ok) throw new Error(`GET ${key}: ${res.status} ${await res.text()}`);
    return new Uint8Array(await res.arrayBuffer());
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    const res = await fetch(this.baseUrl + key, { method: 'PUT', body: value as Uint8Array<ArrayBuffer> });
    if (!res.ok) throw new Error(`PUT ${key}: ${res.status} ${await res.text()}`);
  }

  async delete(key: string): Promise<void> {
    const res = await fetch(this.baseUrl + key, { method: 'DELETE' });
    if (!res.ok) throw new Error(`DELETE ${key}: ${res.status} ${await res.text()}`);
  }
}
