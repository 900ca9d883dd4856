/**
 * A directory read and written by the server, with every path checked against the directory's
 * real location, so that neither a crafted key nor a symlink inside the directory can make the
 * server read or write a file outside it.
 *
 * - Keys are validated by `normalizeStoreKey` (no `..`, `.`, empty segments, backslashes, NUL).
 * - Reads resolve the file's real path (following symlinks) and refuse it unless it lies inside
 *   the root's real path; only regular files are served (a directory is "absent": no listings).
 * - Writes create missing parent directories, check the real path of the parent, refuse to
 *   replace a symlink, write a temporary sibling and rename it over the target, so a reader never
 *   sees half a chunk.
 */
import { lstat, mkdir, readdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { normalizeStoreKey } from '../engine/io/store.ts';
import { PathError } from './paths.ts';

let tempCounter = 0;

function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

export class SafeDirectory {
  /** the root as given, made absolute */
  readonly root: string;
  private realRoot: string | undefined;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /**
   * The real path of the root. Writes create the root first; reads of a root that does not exist
   * (yet) get `undefined`, so reading never creates anything on disk.
   */
  private async rootReal(create = true): Promise<string> {
    if (this.realRoot === undefined) {
      if (create) await mkdir(this.root, { recursive: true });
      this.realRoot = await realpath(this.root);
    }
    return this.realRoot;
  }

  private async existingRootReal(): Promise<string | undefined> {
    try {
      return await this.rootReal(false);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return undefined;
      throw err;
    }
  }

  private inside(real: string, rootReal: string): boolean {
    return real === rootReal || real.startsWith(rootReal + sep);
  }

  /** The filesystem path of a store key (lexically inside the root). */
  pathOf(key: string): string {
    const rel = normalizeStoreKey(key).slice(1);
    return join(this.root, ...rel.split('/'));
  }

  /** The bytes of the regular file under `key`, or `undefined` when there is none. */
  async get(key: string, signal?: AbortSignal): Promise<Uint8Array | undefined> {
    const path = this.pathOf(key);
    const rootReal = await this.existingRootReal();
    if (rootReal === undefined) return undefined;
    let real: string;
    try {
      real = await realpath(path);
    } catch (err) {
      if (['ENOENT', 'ENOTDIR', 'ELOOP'].includes(errnoCode(err) ?? '')) return undefined;
      throw err;
    }
    if (!this.inside(real, rootReal)) {
      throw new PathError(
        403,
        `store key ${JSON.stringify(key)} is a symlink that leads outside the store root`,
      );
    }
    const info = await stat(real);
    if (!info.isFile()) return undefined;
    const buffer = await readFile(real, { signal });
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }

  /**
   * The `(row, col)` pairs of the 2-D chunk grid stored under the folder `key`: files named
   * `<key>/<row>/<col>` with decimal names (how Zarr lays out `/`-separated chunk keys). An absent
   * folder gives `[]`; a folder reached through a symlink leading outside the root is refused.
   */
  async listChunkGrid(key: string): Promise<[number, number][]> {
    const path = this.pathOf(key);
    const rootReal = await this.existingRootReal();
    if (rootReal === undefined) return [];
    let real: string;
    try {
      real = await realpath(path);
    } catch (err) {
      if (['ENOENT', 'ENOTDIR', 'ELOOP'].includes(errnoCode(err) ?? '')) return [];
      throw err;
    }
    if (!this.inside(real, rootReal)) {
      throw new PathError(
        403,
        `store key ${JSON.stringify(key)} is a symlink that leads outside the store root`,
      );
    }
    const decimal = /^(0|[1-9]\d{0,9})$/;
    const out: [number, number][] = [];
    for (const row of await readdir(real, { withFileTypes: true })) {
      if (!row.isDirectory() || !decimal.test(row.name)) continue;
      for (const col of await readdir(join(real, row.name), { withFileTypes: true })) {
        if (col.isFile() && decimal.test(col.name)) out.push([Number(row.name), Number(col.name)]);
      }
    }
    return out.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  }

  /** Write `bytes` under `key` atomically (temporary file, then rename). */
  async set(key: string, bytes: Uint8Array): Promise<void> {
    const path = this.pathOf(key);
    const parent = await this.makeParent(path, key);
    const target = join(parent, path.slice(dirname(path).length + 1));
    await this.refuseSymlink(target, key);
    const temp = `${target}.partial-${process.pid}-${tempCounter++}`;
    try {
      await writeFile(temp, bytes, { flag: 'wx' });
      await rename(temp, target);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }

  /** Remove the file under `key`; a missing file is not an error. */
  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    const rootReal = await this.existingRootReal();
    if (rootReal === undefined) return;
    let parentReal: string;
    try {
      parentReal = await realpath(dirname(path));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return;
      throw err;
    }
    if (!this.inside(parentReal, rootReal)) {
      throw new PathError(
        403,
        `store key ${JSON.stringify(key)} lies under a symlink that leads outside the store root`,
      );
    }
    const target = join(parentReal, path.slice(dirname(path).length + 1));
    try {
      const info = await lstat(target);
      if (info.isDirectory()) throw new PathError(409, `store key ${JSON.stringify(key)} is a directory`);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return;
      throw err;
    }
    await rm(target, { force: true });
  }

  /** Create the parent directories of `path` and return the parent's real path (inside the root). */
  private async makeParent(path: string, key: string): Promise<string> {
    const rootReal = await this.rootReal();
    // Check the deepest existing ancestor first, so mkdir never creates directories through an
    // escaping symlink.
    let ancestor = dirname(path);
    for (;;) {
      try {
        const real = await realpath(ancestor);
        if (!this.inside(real, rootReal)) {
          throw new PathError(
            403,
            `store key ${JSON.stringify(key)} lies under a symlink that leads outside the store root`,
          );
        }
        break;
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT') throw err;
        if (ancestor === this.root || !ancestor.startsWith(this.root + sep)) break;
        ancestor = dirname(ancestor);
      }
    }
    try {
      await mkdir(dirname(path), { recursive: true });
    } catch (err) {
      if (errnoCode(err) === 'EEXIST' || errnoCode(err) === 'ENOTDIR') {
        throw new PathError(409, `store key ${JSON.stringify(key)} needs a directory where a file exists`);
      }
      throw err;
    }
    const parentReal = await realpath(dirname(path));
    if (!this.inside(parentReal, rootReal)) {
      throw new PathError(
        403,
        `store key ${JSON.stringify(key)} lies under a symlink that leads outside the store root`,
      );
    }
    return parentReal;
  }

  private async refuseSymlink(target: string, key: string): Promise<void> {
    try {
      const info = await lstat(target);
      if (info.isSymbolicLink())
        throw new PathError(403, `store key ${JSON.stringify(key)} is a symlink; it is not replaced`);
      if (info.isDirectory()) throw new PathError(409, `store key ${JSON.stringify(key)} is a directory`);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
    }
  }
}
