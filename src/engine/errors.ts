/**
 * Typed errors thrown at the engine's API surface. Each class carries a stable `tag` so callers
 * (the worker protocol, the CLI, the Python shim) can branch on the kind of failure without
 * parsing messages; messages name the shape, dtype, value or key that was wrong.
 */

export type SketchposeErrorTag =
  | 'ShapeError'
  | 'DtypeError'
  | 'ValueError'
  | 'FormatError'
  | 'MetadataError'
  | 'NotFoundError';

export class SketchposeError extends Error {
  readonly tag: SketchposeErrorTag;
  constructor(tag: SketchposeErrorTag, message: string) {
    super(message);
    this.tag = tag;
    this.name = tag;
  }
}

/** An array has the wrong shape or two arrays that must match do not. */
export class ShapeError extends SketchposeError {
  constructor(message: string) {
    super('ShapeError', message);
  }
}

/** An array has a dtype the operation does not accept. */
export class DtypeError extends SketchposeError {
  constructor(message: string) {
    super('DtypeError', message);
  }
}

/** A value is out of its allowed range (an annotation code > 3, a NaN, a negative size). */
export class ValueError extends SketchposeError {
  constructor(message: string) {
    super('ValueError', message);
  }
}

/** A file's bytes are not a valid file of the expected format (corrupted PNG/TIFF, multi-page TIFF). */
export class FormatError extends SketchposeError {
  constructor(message: string) {
    super('FormatError', message);
  }
}

/** OME-Zarr / NGFF metadata is missing or malformed; the message names the key. */
export class MetadataError extends SketchposeError {
  constructor(message: string) {
    super('MetadataError', message);
  }
}

/** A store key, array or group is absent. */
export class NotFoundError extends SketchposeError {
  constructor(message: string) {
    super('NotFoundError', message);
  }
}
