/**
 * The metadata documents of an OME-NGFF label image as the label writer stores them (ngff spec
 * 0.4 and 0.5, "labels" and "multiscales"; ECOSYSTEM.md §4.4):
 *
 * - NGFF 0.4 / Zarr v2: `labels/.zattrs` `{"labels": [name]}`; `labels/<name>/.zattrs` with
 *   `multiscales` (axes `y`, `x` of type `space`, one dataset `0` with a `scale` transform,
 *   `version: "0.4"`) and `image-label` (`version`, `colors`, `properties`, `source.image`);
 *   `labels/<name>/0/.zarray` with `dimension_separator: "/"`, `fill_value: 0`, C order and
 *   compressor `null` or numcodecs `zlib`.
 * - NGFF 0.5 / Zarr v3: the same content in `zarr.json` under `attributes.ome` (with
 *   `ome.version: "0.5"` and no per-object versions), array `dimension_names: ["y", "x"]`,
 *   codecs `bytes` (little endian) then optionally `gzip`.
 *
 * A single resolution level is written; the spec asks label images to have as many levels as
 * their image, which viewers tolerate (Viv/Vizarr show level 0 at every zoom).
 */
import type { LabelCompression } from './chunk-encoding.ts';
import type { LabelColor, NgffVersion } from './ngff-metadata.ts';

/** Label dtypes the writer produces. */
export type LabelDtype = 'uint8' | 'uint16' | 'uint32';

export const LABEL_DTYPES: readonly LabelDtype[] = ['uint8', 'uint16', 'uint32'];

const V2_DTYPE: Record<LabelDtype, string> = { uint8: '|u1', uint16: '<u2', uint32: '<u4' };

/** The level-0 array document: `[file name, JSON]` (`.zarray` or `zarr.json`). */
export function labelArrayDocument(
  ngff: NgffVersion,
  shape: [number, number],
  chunks: [number, number],
  dtype: LabelDtype,
  compression: LabelCompression,
): [string, Record<string, unknown>] {
  if (ngff === '0.4') {
    return [
      '.zarray',
      {
        zarr_format: 2,
        shape,
        chunks,
        dtype: V2_DTYPE[dtype],
        compressor: compression === 'deflate' ? { id: 'zlib', level: 6 } : null,
        fill_value: 0,
        order: 'C',
        filters: null,
        dimension_separator: '/',
      },
    ];
  }
  const codecs: Record<string, unknown>[] = [{ name: 'bytes', configuration: { endian: 'little' } }];
  if (compression === 'deflate') codecs.push({ name: 'gzip', configuration: { level: 6 } });
  return [
    'zarr.json',
    {
      zarr_format: 3,
      node_type: 'array',
      shape,
      data_type: dtype,
      chunk_grid: { name: 'regular', configuration: { chunk_shape: chunks } },
      chunk_key_encoding: { name: 'default', configuration: { separator: '/' } },
      fill_value: 0,
      codecs,
      attributes: {},
      dimension_names: ['y', 'x'],
    },
  ];
}

/** Spatial units and scale copied from the parent image (or defaults) for the label's axes. */
export interface LabelGeometry {
  scale: [number, number];
  units?: [string | undefined, string | undefined];
}

/** The OME attribute object of the label group (`multiscales` + `image-label`). */
export function labelGroupOme(
  ngff: NgffVersion,
  name: string,
  geometry: LabelGeometry,
  colors: LabelColor[],
  properties: Record<string, unknown>[],
): Record<string, unknown> {
  const axes = (['y', 'x'] as const).map((axis, i) => {
    const unit = geometry.units?.[i];
    return unit === undefined ? { name: axis, type: 'space' } : { name: axis, type: 'space', unit };
  });
  const multiscale: Record<string, unknown> = {
    name,
    axes,
    datasets: [{ path: '0', coordinateTransformations: [{ type: 'scale', scale: geometry.scale }] }],
  };
  const imageLabel: Record<string, unknown> = {
    colors: colors.map((c) => ({ 'label-value': c.labelValue, rgba: c.rgba })),
    properties,
    source: { image: '../../' },
  };
  if (ngff === '0.4') {
    multiscale.version = '0.4';
    return { multiscales: [multiscale], 'image-label': { version: '0.4', ...imageLabel } };
  }
  return { version: '0.5', multiscales: [multiscale], 'image-label': imageLabel };
}

/** Wrap OME attributes into the group documents to store: `[file name, JSON][]`. */
export function groupDocuments(
  ngff: NgffVersion,
  ome: Record<string, unknown>,
  otherAttributes: Record<string, unknown> = {},
): [string, Record<string, unknown>][] {
  if (ngff === '0.4') {
    return [
      ['.zgroup', { zarr_format: 2 }],
      ['.zattrs', { ...otherAttributes, ...ome }],
    ];
  }
  return [['zarr.json', { zarr_format: 3, node_type: 'group', attributes: { ...otherAttributes, ome } }]];
}

/** An empty group (for a new store's image group), `[file name, JSON][]`. */
export function emptyGroupDocuments(ngff: NgffVersion): [string, Record<string, unknown>][] {
  return ngff === '0.4'
    ? [['.zgroup', { zarr_format: 2 }]]
    : [['zarr.json', { zarr_format: 3, node_type: 'group', attributes: {} }]];
}
