export type { AnnotationChange, AnnotationStoreOptions, ChangeListener } from './annotation-store.ts';
export { AnnotationStore } from './annotation-store.ts';
export { MAX_CLOSED_STROKE_PIXELS } from './closed-stroke.ts';
export type { SaveOptions } from './persist.ts';
export {
  annotationsFromRaster,
  annotationsToRaster,
  exportAnnotationsImage,
  importAnnotationsImage,
  loadAnnotations,
  MAX_DENSE_PIXELS,
  saveAnnotations,
} from './persist.ts';
export type { Point } from './rasterize.ts';
export { sweepDisc, traceLine } from './rasterize.ts';
export type { TileIndex } from './tile-grid.ts';
