/**
 * Node-only entry point of `engine/io`: a {@link WritableStore} on a directory.
 *
 * Kept out of the `engine/io` barrel because it imports `node:fs`, which browsers and workers
 * cannot load. Keys are zarrita store keys (`/labels/x/.zattrs`), resolved under `root`; keys
 * that could leave the root (`..`, `//abs`, `C:\…`, backslashes) are refused with a
 * `ValueError` before the filesystem is touched, and the resolved path is checked once more
 * against the root.
 *
 * Writes go to a temporary sibling file that is then renamed over the target, so a reader (or a
 * crash during autosave) never sees a half-written chunk or metadata document.
 *
 * @example
 * import { FileSystemStore } from 'sketchpose-web/engine/io/node';
 * const store = new FileSystemStore('/data/image.ome.zarr');
 * const image = await openOmeZarr(store);
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { ValueError } from '../errors.ts';
import { normalizeStoreKey, type StoreGetOptions, type WritableStore } from './store.ts';

let tempCounter = 0;

/** A zarr store on a local directory (created on the first write if absent). */
export class FileSystemStore implements WritableStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** The filesystem path of `key`, after refusing keys that would escape {@link root}. */
  pathOf(key: string): string {
    const rel = normalizeStoreKey(key).slice(1);
    const path = resolve(this.root, ...rel.split('/'));
    if (!path.startsWith(this.root + sep)) {
      throw new ValueError(`store key ${JSON.stringify(key)} resolves outside the store root ${this.root}`);
    }
    return path;
  }

  async get(key: string, opts?: StoreGetOptions): Promise<Uint8Array | undefined> {
    const path = this.pathOf(key);
    try {
      const buffer = await readFile(path, { signal: opts?.signal });
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') return undefined;
      throw err;
    }
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    const temp = `${path}.tmp-${process.pid}-${tempCounter++}`;
    try {
      await writeFile(temp, value);
      await rename(temp, path);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }
}
