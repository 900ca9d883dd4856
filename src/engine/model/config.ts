/**
 * CPnet configuration and width presets (ALGORITHM.md §4). Omnipose builds its network as
 * `CPnet(nbase=[nchan, 32, 64, 128, 256], nout, sz=3, residual_on=True, style_on=True,
 * concatenation=False, dim=2, kernel_size=2)` (cellpose_omni/core.py, `UnetModel.__init__`); here
 * `widths` is `nbase` without its first entry, so the same four numbers describe the encoder for any
 * number of input channels.
 */
import { ValueError } from '../errors.ts';

/** Encoder widths of the networks Omnipose, Cellpose and Sketchpose ship (6,600,876 parameters at nchan 2, nout 4). */
export const FULL_WIDTHS: readonly number[] = [32, 64, 128, 256];
/** A 16× narrower network with the same topology, for CPU runs and tests. */
export const SMALL_WIDTHS: readonly number[] = [8, 16, 32, 64];

export type CPnetPreset = 'full' | 'small';

/** What `createCPnet` accepts: widths may be a preset name. */
export interface CPnetOptions {
  /** Input channels (Omnipose: 2, `[segment, optional second]`). Default 2. */
  nchan?: number;
  /** Output channels (Omnipose 2-D: 4, `[flowY, flowX, distance, boundary_logit]`). Default 4. */
  nout?: number;
  /** Encoder widths (one per level) or a preset. Default `'full'`. */
  widths?: readonly number[] | CPnetPreset;
  /** Seed of the deterministic initialisation. Default 0. */
  seed?: number;
  /** Prefix of the TensorFlow.js variable names (they must be unique per engine). Default `cpnet<k>`. */
  scope?: string;
}

/** A resolved configuration; this is what the weight manifest records. */
export interface CPnetConfig {
  nchan: number;
  nout: number;
  widths: number[];
  seed: number;
}

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1)
    throw new ValueError(`CPnet ${name} must be a positive integer, got ${v}`);
  return v;
}

/** Fill defaults, expand presets and validate. */
export function resolveConfig(options: CPnetOptions = {}): CPnetConfig {
  const w = options.widths ?? 'full';
  let widths: number[];
  if (w === 'full') widths = [...FULL_WIDTHS];
  else if (w === 'small') widths = [...SMALL_WIDTHS];
  else if (Array.isArray(w)) widths = w.map((v, i) => positiveInt(`widths[${i}]`, v));
  else throw new ValueError(`CPnet widths must be 'full', 'small' or an array, got ${String(w)}`);
  if (widths.length < 2) throw new ValueError(`CPnet needs at least 2 levels, got widths [${widths}]`);
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) throw new ValueError(`CPnet seed must be an integer, got ${seed}`);
  return {
    nchan: positiveInt('nchan', options.nchan ?? 2),
    nout: positiveInt('nout', options.nout ?? 4),
    widths,
    seed,
  };
}

/** Input sides must be multiples of this: one MaxPool(2) before every level after the first. */
export function sideMultiple(config: CPnetConfig): number {
  return 2 ** (config.widths.length - 1);
}

/**
 * Decoder widths: Omnipose's `nbaseup = nbase[1:] + [nbase[-1]]`, i.e. `[32, 64, 128, 256, 256]`;
 * up-block `n` maps `nbaseup[n + 1] → nbaseup[n]` and the style has `nbaseup[-1]` channels.
 */
export function decoderWidths(config: CPnetConfig): number[] {
  return [...config.widths, config.widths[config.widths.length - 1]!];
}
