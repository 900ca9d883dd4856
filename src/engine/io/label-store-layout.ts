/**
 * Where a new label image goes in a store, and the checks made before anything is written:
 * options are validated; an existing image group must be of the same NGFF version, and its
 * level-0 `y`/`x` size must equal the label shape (its scale and units are copied); an existing
 * label image of the same name must have the same shape, chunks, dtype and format (it is then
 * reopened, its chunks kept). Missing groups (image, `labels/`) are created; the `labels` list is
 * merged, keeping other names and attributes.
 */
import { DtypeError, MetadataError, ShapeError, ValueError } from '../errors.ts';
import {
  emptyGroupDocuments,
  groupDocuments,
  LABEL_DTYPES,
  type LabelGeometry,
  labelArrayDocument,
  labelGroupOme,
} from './label-metadata.ts';
import type { CreateLabelImageOptions } from './label-write.ts';
import { type LabelColor, ngffVersionOf, parseLabelsList, parseMultiscales } from './ngff-metadata.ts';
import { encodeJson, isPlainObject, joinStorePath, type WritableStore } from './store.ts';
import { omeAttributes, tryReadZarrNode, type ZarrNodeMetadata } from './zarr-node.ts';

type Validated = Required<
  Pick<CreateLabelImageOptions, 'name' | 'shape' | 'chunks' | 'dtype' | 'ngff' | 'colors' | 'properties'>
> &
  CreateLabelImageOptions;

function positivePair(value: unknown, what: string): void {
  if (!Array.isArray(value) || value.length !== 2 || !value.every((v) => Number.isInteger(v) && v > 0)) {
    throw new ShapeError(`${what} must be two positive integers [rows, cols], got ${JSON.stringify(value)}`);
  }
}

/** Check the writer's options; returns them with `colors`/`properties` defaulted to `[]`. */
export function validateLabelOptions(opts: CreateLabelImageOptions): Validated {
  const { name } = opts;
  if (typeof name !== 'string' || name === '' || name === '.' || name === '..' || /[/\\]/.test(name)) {
    throw new ValueError(`label name ${JSON.stringify(name)} must be a non-empty path segment without '/'`);
  }
  positivePair(opts.shape, 'shape');
  positivePair(opts.chunks, 'chunks');
  if (!LABEL_DTYPES.includes(opts.dtype)) {
    throw new DtypeError(`label dtype '${opts.dtype}' is not supported (uint8, uint16 or uint32)`);
  }
  if (opts.ngff !== '0.4' && opts.ngff !== '0.5') {
    throw new ValueError(`ngff version ${JSON.stringify(opts.ngff)} is not supported ('0.4' or '0.5')`);
  }
  if (opts.compression !== undefined && opts.compression !== 'none' && opts.compression !== 'deflate') {
    throw new ValueError(`compression ${JSON.stringify(opts.compression)} is not 'none' or 'deflate'`);
  }
  const colors = opts.colors ?? [];
  colors.forEach((c: LabelColor, i) => {
    const okRgba =
      Array.isArray(c?.rgba) &&
      c.rgba.length === 4 &&
      c.rgba.every((v) => Number.isInteger(v) && v >= 0 && v <= 255);
    if (!Number.isInteger(c?.labelValue) || !okRgba) {
      throw new ValueError(
        `colors[${i}] must be {labelValue: integer, rgba: 4 integers in 0..255}, got ${JSON.stringify(c)}`,
      );
    }
  });
  const properties = opts.properties ?? [];
  properties.forEach((p, i) => {
    if (!isPlainObject(p) || !Number.isInteger(p['label-value'])) {
      throw new ValueError(
        `properties[${i}] must be an object with an integer 'label-value', got ${JSON.stringify(p)}`,
      );
    }
  });
  if (
    opts.scale !== undefined &&
    !(Array.isArray(opts.scale) && opts.scale.length === 2 && opts.scale.every((s) => s > 0))
  ) {
    throw new ValueError(`scale must be two positive numbers, got ${JSON.stringify(opts.scale)}`);
  }
  return { ...opts, colors, properties };
}

export interface LabelStoreLayout {
  imagePath: string;
  labelPath: string;
  writeGroupMetadata(colors: LabelColor[], properties: Record<string, unknown>[]): Promise<void>;
}

async function writeDocs(store: WritableStore, path: string, docs: [string, Record<string, unknown>][]) {
  for (const [file, doc] of docs) await store.set(joinStorePath(path, file), encodeJson(doc));
}

function checkFormat(node: ZarrNodeMetadata, ngff: string): void {
  const expected = ngff === '0.4' ? 2 : 3;
  if (node.zarrFormat !== expected) {
    throw new MetadataError(
      `${node.path} is a Zarr v${node.zarrFormat} ${node.kind}; NGFF ${ngff} labels need Zarr v${expected}`,
    );
  }
}

/** Validate the store against `opts`, create missing groups, and return where the label lives. */
export async function prepareLabelStore(
  store: WritableStore,
  opts: Validated,
  signal?: AbortSignal,
): Promise<LabelStoreLayout> {
  const { ngff, name, shape } = opts;
  const imagePath = joinStorePath(opts.imageName ?? '');
  const labelsPath = joinStorePath(imagePath, 'labels');
  const labelPath = joinStorePath(labelsPath, name);
  const geometry: LabelGeometry = { scale: opts.scale ?? [1, 1] };

  const image = await tryReadZarrNode(store, imagePath, signal);
  if (image === undefined) {
    await writeDocs(store, imagePath, emptyGroupDocuments(ngff));
  } else {
    checkFormat(image, ngff);
    const raw = image.zarrFormat === 2 ? image.attributes : image.attributes.ome;
    if (isPlainObject(raw) && raw.multiscales !== undefined) {
      const { ome, where } = omeAttributes(image);
      const ms = parseMultiscales(ome, where, ngffVersionOf(ome, where, image.zarrFormat));
      const names = ms.axes.map((a) => a.name);
      const [yi, xi] = [names.indexOf('y'), names.indexOf('x')];
      const level0 = await tryReadZarrNode(store, joinStorePath(imagePath, ms.datasets[0]!.path), signal);
      const imageShape = level0?.array?.shape;
      if (Array.isArray(imageShape) && (imageShape[yi] !== shape[0] || imageShape[xi] !== shape[1])) {
        throw new ShapeError(
          `label shape [${shape.join(', ')}] does not match the y/x size [${imageShape[yi]}, ${imageShape[xi]}] ` +
            `of the image at ${imagePath}`,
        );
      }
      if (opts.scale === undefined) geometry.scale = [ms.datasets[0]!.scale[yi]!, ms.datasets[0]!.scale[xi]!];
      geometry.units = [ms.axes[yi]!.unit, ms.axes[xi]!.unit];
    }
  }

  const existing = await tryReadZarrNode(store, joinStorePath(labelPath, '0'), signal);
  if (existing !== undefined) {
    checkFormat(existing, ngff);
    const meta = existing.array ?? {};
    const [eShape, eChunks, eDtype] =
      existing.zarrFormat === 2
        ? [meta.shape, meta.chunks, { '|u1': 'uint8', '<u2': 'uint16', '<u4': 'uint32' }[String(meta.dtype)]]
        : [
            meta.shape,
            (meta.chunk_grid as { configuration?: { chunk_shape?: unknown } })?.configuration?.chunk_shape,
            meta.data_type,
          ];
    if (JSON.stringify([eShape, eChunks, eDtype]) !== JSON.stringify([shape, opts.chunks, opts.dtype])) {
      throw new MetadataError(
        `label image ${labelPath} already exists with shape ${JSON.stringify(eShape)}, chunks ${JSON.stringify(eChunks)}, ` +
          `dtype ${JSON.stringify(eDtype ?? meta.dtype)}; asked for shape [${shape.join(', ')}], chunks [${opts.chunks.join(', ')}], dtype ${opts.dtype}`,
      );
    }
    // Its chunks stay, so they must be encoded the way the new metadata says.
    const [, wanted] = labelArrayDocument(
      ngff,
      shape,
      opts.chunks,
      opts.dtype,
      opts.compression ?? 'deflate',
    );
    const encoding = (doc: Record<string, unknown>) =>
      JSON.stringify(ngff === '0.4' ? [doc.compressor, doc.filters ?? null, doc.order] : doc.codecs);
    if (encoding(meta) !== encoding(wanted)) {
      throw new MetadataError(
        `label image ${labelPath} already exists with encoding ${encoding(meta)}; ` +
          `compression '${opts.compression ?? 'deflate'}' would write ${encoding(wanted)}`,
      );
    }
  }

  const labelsNode = await tryReadZarrNode(store, labelsPath, signal);
  let labelsOther: Record<string, unknown> = {};
  let names: string[] = [];
  if (labelsNode !== undefined) {
    checkFormat(labelsNode, ngff);
    const { ome, where } = omeAttributes(labelsNode);
    if (ome.labels !== undefined) names = parseLabelsList(ome, where);
    labelsOther = { ...labelsNode.attributes };
    delete labelsOther.ome;
  }
  const labelGroup = await tryReadZarrNode(store, labelPath, signal);
  const labelOther: Record<string, unknown> = { ...(labelGroup?.attributes ?? {}) };
  for (const key of ['ome', 'multiscales', 'image-label']) delete labelOther[key];

  return {
    imagePath,
    labelPath,
    async writeGroupMetadata(colors, properties) {
      await writeDocs(
        store,
        labelPath,
        groupDocuments(ngff, labelGroupOme(ngff, name, geometry, colors, properties), labelOther),
      );
      if (!names.includes(name)) names = [...names, name];
      const labelsOme = ngff === '0.4' ? { labels: names } : { version: '0.5', labels: names };
      await writeDocs(store, labelsPath, groupDocuments(ngff, labelsOme, labelsOther));
    },
  };
}
