/**
 * Parsing and validation of OME-NGFF metadata (`multiscales`, `image-label`, `labels`) for NGFF
 * 0.4 and 0.5 (ngff spec, branches `0.4` and `0.5`, sections "multiscales metadata" and
 * "labels metadata"). Every error is a `MetadataError` naming the key and where it was read,
 * e.g. `missing 'multiscales' in .zattrs of /`.
 *
 * Only what the engine relies on is checked: a non-empty multiscales list whose first entry has
 * 2-5 named axes including `y` and `x`, datasets with a path and a `scale` transform of the right
 * length. Unknown keys are kept out of the parsed records, not rejected.
 */
import { MetadataError } from '../errors.ts';
import { isPlainObject } from './store.ts';

export type NgffVersion = '0.4' | '0.5';

export interface NgffAxis {
  name: string;
  type?: string;
  unit?: string;
}

/** One resolution level as the metadata describes it. */
export interface NgffDataset {
  path: string;
  scale: number[];
  translation?: number[];
}

export interface NgffMultiscale {
  version: NgffVersion;
  name?: string;
  axes: NgffAxis[];
  /** largest to smallest */
  datasets: NgffDataset[];
}

/** A `image-label.colors` entry (`label-value` → `labelValue`). */
export interface LabelColor {
  labelValue: number;
  rgba: [number, number, number, number];
}

export interface NgffImageLabel {
  colors: LabelColor[];
  /** `image-label.properties`, as stored (each has a `label-value`) */
  properties: Record<string, unknown>[];
  /** `image-label.source.image`, usually `../../` */
  sourceImage?: string;
}

/**
 * The NGFF version of an OME attribute object: `ome.version` for 0.5, `multiscales[0].version`
 * (or a top-level `version`) for 0.4. Versions other than 0.4 and 0.5 are refused.
 */
export function ngffVersionOf(ome: Record<string, unknown>, where: string, zarrFormat: 2 | 3): NgffVersion {
  let version: unknown = ome.version;
  if (zarrFormat === 2) {
    const ms = ome.multiscales;
    if (ms === undefined) throw new MetadataError(`missing 'multiscales' in ${where}`);
    if (Array.isArray(ms) && isPlainObject(ms[0]) && ms[0].version !== undefined) version = ms[0].version;
  }
  if (version === undefined) {
    throw new MetadataError(
      zarrFormat === 3 ? `missing 'version' in ${where}` : `missing 'multiscales[0].version' in ${where}`,
    );
  }
  if (version !== '0.4' && version !== '0.5') {
    throw new MetadataError(
      `unsupported NGFF version ${JSON.stringify(version)} in ${where} (supported: 0.4, 0.5)`,
    );
  }
  const expected = zarrFormat === 3 ? '0.5' : '0.4';
  if (version !== expected) {
    throw new MetadataError(`NGFF ${version} in ${where} requires Zarr v${version === '0.5' ? 3 : 2}`);
  }
  return version;
}

function numberList(value: unknown, length: number, key: string, where: string): number[] {
  if (!Array.isArray(value) || value.length !== length || !value.every((v) => typeof v === 'number')) {
    throw new MetadataError(
      `'${key}' in ${where} must be a list of ${length} numbers, got ${JSON.stringify(value)}`,
    );
  }
  return value as number[];
}

/** Parse and validate `multiscales[0]` of an OME attribute object. */
export function parseMultiscales(
  ome: Record<string, unknown>,
  where: string,
  version: NgffVersion,
): NgffMultiscale {
  const list = ome.multiscales;
  if (list === undefined) throw new MetadataError(`missing 'multiscales' in ${where}`);
  if (!Array.isArray(list)) throw new MetadataError(`'multiscales' in ${where} is not a list`);
  if (list.length === 0) throw new MetadataError(`'multiscales' in ${where} is empty`);
  const ms = list[0];
  if (!isPlainObject(ms)) throw new MetadataError(`'multiscales[0]' in ${where} is not an object`);

  const rawAxes = ms.axes;
  if (rawAxes === undefined) throw new MetadataError(`missing 'multiscales[0].axes' in ${where}`);
  if (!Array.isArray(rawAxes) || rawAxes.length < 2 || rawAxes.length > 5) {
    throw new MetadataError(`'multiscales[0].axes' in ${where} must be a list of 2 to 5 axes`);
  }
  const axes: NgffAxis[] = rawAxes.map((axis, i) => {
    if (!isPlainObject(axis) || typeof axis.name !== 'string') {
      throw new MetadataError(
        `'multiscales[0].axes[${i}]' in ${where} must be an object with a string 'name'`,
      );
    }
    const out: NgffAxis = { name: axis.name };
    if (typeof axis.type === 'string') out.type = axis.type;
    if (typeof axis.unit === 'string') out.unit = axis.unit;
    return out;
  });
  const names = axes.map((a) => a.name);
  if (new Set(names).size !== names.length) {
    throw new MetadataError(`'multiscales[0].axes' in ${where} has duplicate names [${names.join(', ')}]`);
  }
  if (!names.includes('y') || !names.includes('x')) {
    throw new MetadataError(
      `'multiscales[0].axes' in ${where} must include 'y' and 'x', got [${names.join(', ')}]`,
    );
  }

  const rawDatasets = ms.datasets;
  if (rawDatasets === undefined) throw new MetadataError(`missing 'multiscales[0].datasets' in ${where}`);
  if (!Array.isArray(rawDatasets) || rawDatasets.length === 0) {
    throw new MetadataError(`'multiscales[0].datasets' in ${where} must be a non-empty list`);
  }
  const datasets = rawDatasets.map((ds, i): NgffDataset => {
    const key = `multiscales[0].datasets[${i}]`;
    if (!isPlainObject(ds) || typeof ds.path !== 'string' || ds.path === '') {
      throw new MetadataError(`missing or empty '${key}.path' in ${where}`);
    }
    const transforms = ds.coordinateTransformations;
    if (!Array.isArray(transforms) || !isPlainObject(transforms[0]) || transforms[0].type !== 'scale') {
      throw new MetadataError(
        `'${key}.coordinateTransformations' in ${where} must start with a 'scale' transform`,
      );
    }
    const out: NgffDataset = {
      path: ds.path,
      scale: numberList(transforms[0].scale, axes.length, `${key}.coordinateTransformations[0].scale`, where),
    };
    const second = transforms[1];
    if (isPlainObject(second) && second.type === 'translation') {
      const tKey = `${key}.coordinateTransformations[1].translation`;
      out.translation = numberList(second.translation, axes.length, tKey, where);
    }
    return out;
  });
  const result: NgffMultiscale = { version, axes, datasets };
  if (typeof ms.name === 'string') result.name = ms.name;
  return result;
}

/** Parse `image-label` if present (`undefined` otherwise). */
export function parseImageLabel(ome: Record<string, unknown>, where: string): NgffImageLabel | undefined {
  const raw = ome['image-label'];
  if (raw === undefined) return undefined;
  if (!isPlainObject(raw)) throw new MetadataError(`'image-label' in ${where} is not an object`);
  const colors: LabelColor[] = [];
  if (raw.colors !== undefined) {
    if (!Array.isArray(raw.colors)) throw new MetadataError(`'image-label.colors' in ${where} is not a list`);
    raw.colors.forEach((c, i) => {
      const value = isPlainObject(c) ? c['label-value'] : undefined;
      if (!Number.isInteger(value)) {
        throw new MetadataError(`'image-label.colors[${i}].label-value' in ${where} must be an integer`);
      }
      const rgba = numberList((c as Record<string, unknown>).rgba, 4, `image-label.colors[${i}].rgba`, where);
      colors.push({ labelValue: value as number, rgba: [rgba[0]!, rgba[1]!, rgba[2]!, rgba[3]!] });
    });
  }
  const properties: Record<string, unknown>[] = [];
  if (raw.properties !== undefined) {
    if (!Array.isArray(raw.properties) || !raw.properties.every(isPlainObject)) {
      throw new MetadataError(`'image-label.properties' in ${where} must be a list of objects`);
    }
    properties.push(...raw.properties);
  }
  const out: NgffImageLabel = { colors, properties };
  if (isPlainObject(raw.source) && typeof raw.source.image === 'string') out.sourceImage = raw.source.image;
  return out;
}

/** The `labels` list of a `labels/` group's OME attributes. */
export function parseLabelsList(ome: Record<string, unknown>, where: string): string[] {
  const labels = ome.labels;
  if (labels === undefined) throw new MetadataError(`missing 'labels' in ${where}`);
  if (!Array.isArray(labels) || !labels.every((l) => typeof l === 'string')) {
    throw new MetadataError(`'labels' in ${where} must be a list of strings`);
  }
  return labels as string[];
}
