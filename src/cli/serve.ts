/**
 * `sketchpose serve <image.ome.zarr | image.tif | image.png>` or `sketchpose serve --virtual N`:
 * serves the viewer app and an OME-Zarr store on 127.0.0.1 (docs/design/server-api.md).
 *
 * A PNG/TIFF input is converted once into `<cache-dir>/converted/…ome.zarr` (reused on the next
 * run, so annotations written into its `labels/` come back). A virtual slide writes nothing but
 * its labels, into `<cache-dir>/virtual/<size>-seed<seed>-ngff<v>/`.
 */
import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NotFoundError, ValueError } from '../engine/errors.ts';
import { convertImageFile } from '../server/convert.ts';
import { DEFAULT_MAX_PUT_BYTES, startServer } from '../server/http-server.ts';
import { openDirectoryStore, openVirtualStore, type ServedStore } from '../server/served-store.ts';
import { parseArgs, usage } from './args.ts';

const SPEC = {
  port: { default: '8321', help: 'port on 127.0.0.1 (0: any free port)' },
  virtual: { help: 'serve a virtual N×N slide computed from --seed instead of a file' },
  seed: { default: '1', help: 'seed of the virtual slide' },
  ngff: { default: '0.5', help: 'NGFF version for converted images and the virtual slide (0.4 or 0.5)' },
  'cache-dir': {
    help: 'where converted stores and virtual-slide labels go (default $XDG_CACHE_HOME/sketchpose)',
  },
  'app-dir': { help: 'directory of the built app (default dist/app of this package)' },
  'cache-mb': { default: '64', help: 'cap of the virtual slide chunk cache in MiB' },
  'max-put-mb': {
    default: String(DEFAULT_MAX_PUT_BYTES / 2 ** 20),
    help: 'largest accepted label write in MiB',
  },
  'open-writes': { flag: true, help: 'accept label writes from pages of other origins (e.g. a Vizarr site)' },
  quiet: { flag: true, help: 'do not log writes' },
  help: { flag: true, help: 'show this help' },
} as const;

export const SERVE_HELP = `${usage(
  'serve',
  'serve the viewer and an OME-Zarr store on 127.0.0.1: serve <image.ome.zarr|image.tif|image.png> or serve --virtual N',
  SPEC,
)}`;

const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'sketchpose');
}

function positiveNumber(text: string | boolean | undefined, what: string, integer = false): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) {
    throw new ValueError(
      `${what} must be a ${integer ? 'non-negative integer' : 'non-negative number'}, got ${JSON.stringify(text)}`,
    );
  }
  return value;
}

/** Open what the arguments name; exported for tests. */
export async function openServeInput(
  argv: string[],
): Promise<{ store: ServedStore; note?: string; options: Record<string, string | boolean | undefined> }> {
  const { options, positional } = parseArgs(argv, SPEC);
  const ngff = options.ngff;
  if (ngff !== '0.4' && ngff !== '0.5')
    throw new ValueError(`--ngff must be 0.4 or 0.5, got ${JSON.stringify(ngff)}`);
  const cacheDir = resolve(String(options['cache-dir'] ?? defaultCacheDir()));
  if (options.virtual !== undefined) {
    if (positional.length > 0)
      throw new ValueError(
        `serve: give either an image or --virtual, not both (got ${positional.join(' ')})`,
      );
    const size = positiveNumber(options.virtual, '--virtual', true);
    const seed = Number(options.seed);
    if (!Number.isInteger(seed))
      throw new ValueError(`--seed must be an integer, got ${JSON.stringify(options.seed)}`);
    const store = await openVirtualStore({
      size,
      seed,
      ngff,
      labelsDirectory: join(cacheDir, 'virtual', `${size}-seed${seed}-ngff${ngff}`),
      cacheBytes: positiveNumber(options['cache-mb'], '--cache-mb') * 2 ** 20,
    });
    return { store, options, note: `labels are written to ${store.info.labelsDirectory}` };
  }
  if (positional.length !== 1) {
    throw new ValueError(
      `serve: expected one image (.ome.zarr directory, .tif or .png) or --virtual N, got ${positional.length} arguments`,
    );
  }
  const input = resolve(positional[0]!);
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(input);
  } catch {
    throw new NotFoundError(`serve: ${input} does not exist`);
  }
  if (info.isDirectory()) return { store: await openDirectoryStore(input, { source: input }), options };
  const converted = await convertImageFile(input, { outDir: join(cacheDir, 'converted'), ngff });
  const store = await openDirectoryStore(converted.path, { source: input });
  const note = `${converted.created ? 'converted' : 'reusing the conversion of'} ${input} → ${converted.path}`;
  return { store, options, note };
}

export async function serveCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log(SERVE_HELP);
    return 0;
  }
  const { store, options, note } = await openServeInput(argv);
  const appDir = resolve(String(options['app-dir'] ?? join(PACKAGE_ROOT, 'dist', 'app')));
  const quiet = options.quiet === true;
  const port = positiveNumber(options.port, '--port', true);
  const server = await startServer({
    store,
    appDir,
    port,
    openWrites: options['open-writes'] === true,
    maxPutBytes: positiveNumber(options['max-put-mb'], '--max-put-mb') * 2 ** 20,
    log: (line) => {
      if (!quiet || line.startsWith('500')) console.log(line);
    },
  }).catch((err: NodeJS.ErrnoException) => {
    if (err?.code === 'EADDRINUSE') {
      throw new ValueError(
        `port ${port} on 127.0.0.1 is in use: pass another --port, or --port 0 for any free one`,
      );
    }
    throw err;
  });
  if (note) console.log(note);
  const { name, shape, ngff } = store.info;
  console.log(
    `serving ${name} (shape [${shape.join(', ')}], NGFF ${ngff}${store.info.virtual ? ', virtual' : ''})`,
  );
  try {
    if (!(await stat(join(appDir, 'index.html'))).isFile()) throw new Error();
  } catch {
    console.log(
      `note: the app is not built (${appDir}/index.html missing); run \`node scripts/build-app.mjs\``,
    );
  }
  console.log(`Sketchpose: open ${server.url}`);
  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      server.close().then(done, done);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}
