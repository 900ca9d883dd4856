/**
 * Turning the path of a request URL into a store key, refusing every way out of the store root.
 *
 * The raw request target is used (Node does not normalise `req.url`), so `..` segments reach this
 * code as sent. A path is refused when, before or after percent-decoding, any segment is empty,
 * `.` or `..`, or contains `/` (an encoded `%2F`), a backslash or NUL; when it starts like an
 * absolute filesystem path (`//`, a drive letter); or when it does not decode. The result is a
 * zarrita store key (`/labels/annotations/zarr.json`) that `normalizeStoreKey` accepts.
 *
 * @example
 * storeKeyFromUrlPath('/store/0/c/1/2', '/store/'); // '/0/c/1/2'
 * storeKeyFromUrlPath('/store/%2e%2e/secret', '/store/'); // throws PathError
 */

/** Why a request path was refused; `status` is the HTTP status to answer with. */
export class PathError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'PathError';
    this.status = status;
  }
}

/** The decoded, validated segments of `urlPath` after `prefix` (which must end with `/`). */
export function pathSegments(urlPath: string, prefix: string): string[] {
  if (!urlPath.startsWith(prefix))
    throw new PathError(404, `path ${JSON.stringify(urlPath)} is not under ${prefix}`);
  const rest = urlPath.slice(prefix.length);
  if (rest === '') throw new PathError(404, `${prefix} needs a key after it (directories are not listed)`);
  if (rest.includes('\\') || /%5c/i.test(rest)) {
    throw new PathError(400, `path ${JSON.stringify(urlPath)} contains a backslash`);
  }
  if (rest.startsWith('/') || /^[A-Za-z]:/.test(rest) || /^[A-Za-z]%3a/i.test(rest)) {
    throw new PathError(400, `path ${JSON.stringify(urlPath)} is an absolute path`);
  }
  return rest.split('/').map((raw) => {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      throw new PathError(400, `path ${JSON.stringify(urlPath)} has a malformed percent-encoding`);
    }
    if (segment === '' || segment === '.' || segment === '..') {
      throw new PathError(400, `path ${JSON.stringify(urlPath)} has an empty, '.' or '..' segment`);
    }
    if (/[/\\\0:]/.test(segment)) {
      throw new PathError(
        400,
        `path ${JSON.stringify(urlPath)} has a segment with a '/', backslash, NUL or ':' (encoded or not)`,
      );
    }
    return segment;
  });
}

/** The store key (`/a/b`) for a request path under `prefix`. */
export function storeKeyFromUrlPath(urlPath: string, prefix: string): string {
  return `/${pathSegments(urlPath, prefix).join('/')}`;
}

/** The path part of a raw request target (`/a/b?x=1` → `/a/b`); absolute-form targets refused. */
export function requestPath(target: string | undefined): string {
  if (target === undefined || !target.startsWith('/')) {
    throw new PathError(400, `request target ${JSON.stringify(target)} must be an absolute path`);
  }
  const q = target.search(/[?#]/);
  return q === -1 ? target : target.slice(0, q);
}
