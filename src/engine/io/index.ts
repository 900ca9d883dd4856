/**
 * `engine/io`: image import (PNG, TIFF), export (PNG, TIFF), OME-Zarr reading (NGFF 0.4/0.5)
 * and OME-Zarr label images (sparse, chunk-wise writer and reader). Runs in Node, workers and
 * pages; the Node filesystem store is in `./node.ts`, outside this barrel.
 */
export type { LabelCompression } from './chunk-encoding.ts';
export type { LabelDtype } from './label-metadata.ts';
export { LABEL_DTYPES } from './label-metadata.ts';
export type { LabelImage } from './label-read.ts';
export { openLabelImage } from './label-read.ts';
export type {
  ChunkWriteResult,
  CreateLabelImageOptions,
  LabelImageWriter,
  LabelWriteSummary,
} from './label-write.ts';
export { createLabelImage } from './label-write.ts';
export type { LabelColor, NgffAxis, NgffImageLabel, NgffVersion } from './ngff-metadata.ts';
export type { OmeZarrImage, OmeZarrLevel, ReadLevelOptions } from './ome-zarr-read.ts';
export { listLabels, openOmeZarr } from './ome-zarr-read.ts';
export { readPng, writePng } from './png.ts';
export type { DecodedImage, ImageFormat } from './read-image.ts';
export { readImage, sniffImageFormat } from './read-image.ts';
export type { ReadableStore, StoreGetOptions, WritableStore } from './store.ts';
export { MemoryStore } from './store.ts';
export { readTiff } from './tiff-read.ts';
export { writeTiff } from './tiff-write.ts';
