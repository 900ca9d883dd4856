/**
 * The HTTP server of `sketchpose serve` (interface: docs/design/server-api.md).
 *
 * - `GET /` → the app's `index.html`; `GET /app/<file>` → the built app (`dist/app/`), no listings.
 * - `GET|HEAD /store/<key>` → the OME-Zarr store (metadata and chunks; `Range` honoured), 404 when
 *   absent. `PUT|DELETE /store/labels/<…>` writes or removes one file (atomically; size-capped);
 *   every other `PUT`/`DELETE` is 403.
 * - `GET /api/info` → what the store is (JSON); `GET /api/labels/<name>/chunks` → the level-0
 *   chunks stored for a label image (so a client need not probe every chunk of a huge grid).
 *
 * It listens on 127.0.0.1 only and answers only requests whose `Host` names that address or
 * `localhost` on its port (so a DNS-rebinding page cannot reach it by another name). Writes from
 * another origin (an `Origin` header other than the server's own) are refused unless
 * `openWrites` is set; reads are open to any origin (CORS `*`), as Vizarr needs.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { SketchposeError } from '../engine/errors.ts';
import { appContentType, storeContentType } from './content-types.ts';
import { PathError, pathSegments, requestPath } from './paths.ts';
import { SafeDirectory } from './safe-directory.ts';
import type { ServedStore } from './served-store.ts';

/** The only address the server binds. */
export const HOST = '127.0.0.1';
/** Default cap on the body of one `PUT` (a 1024² uint32 chunk is 4 MiB raw). */
export const DEFAULT_MAX_PUT_BYTES = 32 * 1024 * 1024;

export interface ServerOptions {
  store: ServedStore;
  /** directory of the built app (`dist/app`); `GET /` and `/app/` answer 503 when it lacks index.html */
  appDir: string;
  /** port on 127.0.0.1; 0 picks a free one (default 0) */
  port?: number;
  /** accept `PUT`/`DELETE` from pages of other origins (default false) */
  openWrites?: boolean;
  maxPutBytes?: number;
  /** one line per request that fails with 5xx, and per write (default: nothing) */
  log?: (line: string) => void;
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  close(): Promise<void>;
}

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, head = false): void {
  const bytes = Buffer.from(`${JSON.stringify(body, null, 2)}\n`);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': bytes.byteLength,
    'Cache-Control': 'no-store',
  });
  res.end(head ? undefined : bytes);
}

function sendError(res: ServerResponse, status: number, message: string, head = false): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, status, { error: message, status }, head);
}

/** `[start, end]` (inclusive) of a single-range `Range` header, or `undefined` when absent. */
function parseRange(header: string | undefined, size: number): [number, number] | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === ''))
    throw new HttpError(416, `unsupported Range ${JSON.stringify(header)}`);
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start > end || start >= size) throw new HttpError(416, `Range ${header} is outside the ${size} bytes`);
  return [start, end];
}

async function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    throw new HttpError(413, `body of ${declared} bytes exceeds the limit of ${limit} bytes`);
  }
  const parts: Buffer[] = [];
  let total = 0;
  for await (const part of req) {
    total += (part as Buffer).byteLength;
    if (total > limit) throw new HttpError(413, `body exceeds the limit of ${limit} bytes`);
    parts.push(part as Buffer);
  }
  const body = Buffer.concat(parts, total);
  return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
}

/** Start the server; resolves once it listens. */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const { store } = opts;
  const app = new SafeDirectory(resolve(opts.appDir));
  const maxPut = opts.maxPutBytes ?? DEFAULT_MAX_PUT_BYTES;
  const log = opts.log ?? (() => {});
  let port = 0;

  const ownOrigins = () => [`http://${HOST}:${port}`, `http://localhost:${port}`];
  const allowedHosts = () => [`${HOST}:${port}`, `localhost:${port}`];

  const sendBytes = (
    req: IncomingMessage,
    res: ServerResponse,
    bytes: Uint8Array,
    headers: Record<string, string>,
  ): void => {
    const range = parseRange(req.headers.range, bytes.byteLength);
    const body = range ? bytes.subarray(range[0], range[1] + 1) : bytes;
    const all: Record<string, string | number> = {
      ...headers,
      'Content-Length': body.byteLength,
      'Accept-Ranges': 'bytes',
    };
    if (range) all['Content-Range'] = `bytes ${range[0]}-${range[1]}/${bytes.byteLength}`;
    res.writeHead(range ? 206 : 200, all);
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  const appHeaders = (type: string): Record<string, string> => ({
    'Content-Type': type,
    'Cache-Control': 'no-cache',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
    'X-Content-Type-Options': 'nosniff',
  });

  const serveApp = async (req: IncomingMessage, res: ServerResponse, key: string) => {
    const bytes = await app.get(key);
    if (bytes === undefined) {
      if (key === '/index.html' && (await app.get('/index.html')) === undefined) {
        throw new HttpError(
          503,
          `the app is not built: ${app.root}/index.html is missing (run \`node scripts/build-app.mjs\`)`,
        );
      }
      throw new HttpError(404, `no app file ${key.slice(1)}`);
    }
    sendBytes(req, res, bytes, appHeaders(appContentType(key)));
  };

  const corsHeaders = (): Record<string, string> => ({
    'Access-Control-Allow-Origin': '*',
    'Cross-Origin-Resource-Policy': 'cross-origin',
  });

  const checkWriteOrigin = (req: IncomingMessage) => {
    const origin = req.headers.origin;
    if (origin !== undefined && !opts.openWrites && !ownOrigins().includes(origin)) {
      throw new HttpError(
        403,
        `writes from origin ${origin} are refused; only pages served by this server may write (start with --open-writes to allow other origins)`,
      );
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    const host = req.headers.host;
    if (host === undefined || !allowedHosts().includes(host.toLowerCase())) {
      throw new HttpError(
        403,
        `Host ${JSON.stringify(host)} is not this server (${allowedHosts().join(' or ')})`,
      );
    }
    const path = requestPath(req.url);

    if (path.startsWith('/store/') || path === '/store') {
      if (method === 'OPTIONS') {
        const methods = opts.openWrites ? 'GET, HEAD, PUT, DELETE, OPTIONS' : 'GET, HEAD, OPTIONS';
        res.writeHead(204, {
          ...corsHeaders(),
          'Access-Control-Allow-Methods': methods,
          'Access-Control-Allow-Headers': 'Range, Content-Type',
          'Access-Control-Max-Age': '600',
        });
        res.end();
        return;
      }
      const isWrite = method === 'PUT' || method === 'DELETE';
      let key: string;
      try {
        key = `/${pathSegments(path, '/store/').join('/')}`;
      } catch (err) {
        if (isWrite && err instanceof PathError) throw new HttpError(403, `write refused: ${err.message}`);
        throw err;
      }
      if (isWrite) {
        if (!key.startsWith('/labels/')) {
          throw new HttpError(
            403,
            `writes are accepted only under /store/labels/; refused ${method} of ${key.slice(1)}`,
          );
        }
        checkWriteOrigin(req);
        if (method === 'PUT') {
          const body = await readBody(req, maxPut);
          await store.putLabel(key, body);
          log(`PUT ${key} (${body.byteLength} bytes)`);
          res.writeHead(201, { ...corsHeaders(), 'Content-Length': 0 });
        } else {
          await store.deleteLabel(key);
          log(`DELETE ${key}`);
          res.writeHead(204, corsHeaders());
        }
        res.end();
        return;
      }
      if (method !== 'GET' && method !== 'HEAD')
        throw new HttpError(405, `method ${method} is not allowed on /store/`);
      const controller = new AbortController();
      res.on('close', () => controller.abort());
      const bytes = await store.get(key, controller.signal);
      if (bytes === undefined) throw new HttpError(404, `no store key ${key.slice(1)}`);
      sendBytes(req, res, bytes, {
        ...corsHeaders(),
        'Content-Type': storeContentType(key),
        'Cache-Control': key.startsWith('/labels/') ? 'no-store' : 'no-cache',
      });
      return;
    }

    if (method === 'PUT' || method === 'DELETE') {
      throw new HttpError(403, `writes are accepted only under /store/labels/; refused ${method} ${path}`);
    }
    if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, `method ${method} is not allowed`);
    const head = method === 'HEAD';
    if (path === '/api/info') {
      res.setHeader('Access-Control-Allow-Origin', '*');
      sendJson(res, 200, store.info, head);
      return;
    }
    if (path === '/' || path === '/index.html') return serveApp(req, res, '/index.html');
    if (path.startsWith('/api/labels/')) {
      const segments = pathSegments(path, '/api/labels/');
      if (segments.length !== 2 || segments[1] !== 'chunks') {
        throw new HttpError(404, `expected /api/labels/<name>/chunks, got ${path}`);
      }
      res.setHeader('Access-Control-Allow-Origin', '*');
      sendJson(res, 200, await store.labelChunks(segments[0]!), head);
      return;
    }
    if (path.startsWith('/app/') || path === '/app') {
      const key = `/${pathSegments(path, '/app/').join('/')}`;
      return serveApp(req, res, key);
    }
    throw new HttpError(404, `nothing at ${path} (try /, /app/…, /store/…, /api/info)`);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const head = req.method === 'HEAD';
      if (err instanceof HttpError || err instanceof PathError) {
        sendError(res, err.status, err.message, head);
      } else if (err instanceof SketchposeError) {
        sendError(res, err.tag === 'NotFoundError' ? 404 : 400, `${err.tag}: ${err.message}`, head);
      } else if ((err as Error)?.name === 'AbortError') {
        res.destroy();
      } else {
        log(`500 ${req.method} ${req.url}: ${(err as Error)?.stack ?? String(err)}`);
        sendError(res, 500, `internal error: ${(err as Error)?.message ?? String(err)}`, head);
      }
      // A refused upload is not read to the end: close the connection instead of draining it.
      if (req.method === 'PUT' && !req.complete) res.on('finish', () => req.destroy());
    });
  });

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, HOST, () => {
      server.off('error', fail);
      ok();
    });
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://${HOST}:${port}/`,
    port,
    server,
    close: () =>
      new Promise<void>((ok, fail) => {
        server.close((err) => (err ? fail(err) : ok()));
        server.closeAllConnections();
      }),
  };
}
