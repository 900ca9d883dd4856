/**
 * A virtual whole-slide image: an OME-Zarr multiscale pyramid of `size × size` `uint8` pixels whose
 * chunks are computed on request from a seed, so nothing is stored and any size can be served.
 *
 * The picture is a field of synthetic fluorescent nuclei: level-0 space is cut into square grid
 * cells of {@link GRID} px; each grid cell holds at most one nucleus (an ellipse with a random
 * centre, radii, angle and brightness, drawn from a hash of the seed and the cell's position), and
 * a slowly varying "tissue" field decides how densely cells are filled, so some regions are empty
 * and others crowded. Every level is rendered from the same analytic description: a pixel of level
 * `L` covers `2^L × 2^L` level-0 pixels; ellipses larger than a few level pixels are drawn with an
 * anti-aliased edge, smaller ones are splatted as their area-weighted brightness, so each level
 * looks like a 2×2 mean of the one above it. Everything is a pure function of (seed, level, chunk):
 * the same request always gives the same bytes.
 *
 * @example
 * const slide = new VirtualSlide({ size: 100_000, seed: 1 });
 * slide.levels.length;                 // 9: 100000², 50000², …, 391²
 * const chunk = slide.renderChunk(0, 10, 20); // Uint8Array(512 * 512)
 */
import { ValueError } from '../engine/errors.ts';
import type { NgffVersion } from '../engine/io/ngff-metadata.ts';
import { encodeJson } from '../engine/io/store.ts';

/** Side of the square grid cells that each hold at most one nucleus (level-0 px). */
export const GRID = 48;
/** Side of the blocks (8×8 grid cells) at whose centres the nucleus density is sampled. */
const BLOCK = 8 * GRID;
const MIN_RADIUS = 8;
const MAX_RADIUS = 17;
const MIN_ELONGATION = 0.65;
const MIN_CONTRAST = 70;
const MAX_CONTRAST = 210;
const JITTER = 0.3 * GRID;
const MAX_DENSITY = 0.85;
/**
 * Mean brightness a grid cell adds per unit of density, averaged over its area: the expected
 * integral 7/8 · E[contrast] · π · E[r²] · E[elongation] over GRID².
 */
const MEAN_CELL_SIGNAL =
  (0.875 *
    ((MIN_CONTRAST + MAX_CONTRAST) / 2) *
    Math.PI *
    ((MAX_RADIUS ** 3 - MIN_RADIUS ** 3) / (3 * (MAX_RADIUS - MIN_RADIUS))) *
    ((1 + MIN_ELONGATION) / 2)) /
  (GRID * GRID);

export interface VirtualSlideOptions {
  /** side of level 0 in pixels (≥ 1) */
  size: number;
  /** any integer; equal seeds give equal images */
  seed: number;
  /** chunk side (default 512) */
  chunk?: number;
  /** NGFF version of the metadata (default '0.5', Zarr v3) */
  ngff?: NgffVersion;
}

export interface VirtualLevel {
  shape: [number, number];
  /** level-0 pixels per pixel of this level along each axis (2^level) */
  factor: number;
}

/** One nucleus in level-0 coordinates. */
export interface Nucleus {
  y: number;
  x: number;
  /** semi-axes (px) */
  a: number;
  b: number;
  cos: number;
  sin: number;
  /** brightness above background at the centre */
  contrast: number;
}

function mix32(h: number): number {
  let x = h | 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/** A uniform number in [0, 1) from integers (a stateless hash, stable across runs and platforms). */
function hash01(seed: number, a: number, b: number, c: number): number {
  const h = mix32(
    seed ^ Math.imul(a, 0x85ebca6b) ^ mix32(Math.imul(b, 0xc2b2ae35) ^ Math.imul(c + 0x165667b1, 0x27d4eb2f)),
  );
  return h / 4294967296;
}

/** A small seeded generator (mulberry32) for per-chunk pixel noise. */
function mulberry32(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Smooth value noise in [0, 1): bilinear over a lattice of hashed values, with smoothstep weights. */
function valueNoise(seed: number, salt: number, u: number, v: number): number {
  const iu = Math.floor(u);
  const iv = Math.floor(v);
  const fu = u - iu;
  const fv = v - iv;
  const su = fu * fu * (3 - 2 * fu);
  const sv = fv * fv * (3 - 2 * fv);
  const n00 = hash01(seed, salt, iu, iv);
  const n10 = hash01(seed, salt, iu + 1, iv);
  const n01 = hash01(seed, salt, iu, iv + 1);
  const n11 = hash01(seed, salt, iu + 1, iv + 1);
  return (n00 * (1 - su) + n10 * su) * (1 - sv) + (n01 * (1 - su) + n11 * su) * sv;
}

const BACKGROUND = 18;

export class VirtualSlide {
  readonly size: number;
  readonly seed: number;
  readonly chunk: number;
  readonly ngff: NgffVersion;
  readonly levels: VirtualLevel[];
  readonly name: string;
  private scratch: Float32Array | undefined;

  constructor(opts: VirtualSlideOptions) {
    const { size, seed } = opts;
    if (!Number.isInteger(size) || size < 1 || size > 2 ** 31) {
      throw new ValueError(`virtual slide size must be an integer in [1, 2^31], got ${size}`);
    }
    if (!Number.isInteger(seed)) throw new ValueError(`virtual slide seed must be an integer, got ${seed}`);
    this.size = size;
    this.seed = seed | 0;
    this.chunk = opts.chunk ?? 512;
    if (!Number.isInteger(this.chunk) || this.chunk < 16 || this.chunk > 4096) {
      throw new ValueError(`virtual slide chunk must be an integer in [16, 4096], got ${this.chunk}`);
    }
    this.ngff = opts.ngff ?? '0.5';
    this.name = `virtual-${size}-seed${seed}`;
    this.levels = [];
    for (let factor = 1; ; factor *= 2) {
      const side = Math.ceil(size / factor);
      this.levels.push({ shape: [side, side], factor });
      if (side <= this.chunk) break;
    }
  }

  /** Density (probability that a grid cell holds a nucleus) at the centre of block (`by`, `bx`). */
  private densityKnot(by: number, bx: number): number {
    const y = (by + 0.5) * BLOCK;
    const x = (bx + 0.5) * BLOCK;
    const t =
      valueNoise(this.seed, 1, y / 6000, x / 6000) * 0.7 + valueNoise(this.seed, 2, y / 1500, x / 1500) * 0.3;
    const s = Math.min(1, Math.max(0, (t - 0.3) / 0.3));
    return MAX_DENSITY * s * s * (3 - 2 * s);
  }

  /**
   * The density field over level-0 rows [y0, y1) and cols [x0, x1): knots at block centres,
   * bilinear in between, so it is smooth and costs one noise evaluation per block.
   */
  private densityField(y0: number, y1: number, x0: number, x1: number): (y: number, x: number) => number {
    const by0 = Math.floor(y0 / BLOCK - 0.5);
    const bx0 = Math.floor(x0 / BLOCK - 0.5);
    const rows = Math.floor(y1 / BLOCK - 0.5) - by0 + 2;
    const cols = Math.floor(x1 / BLOCK - 0.5) - bx0 + 2;
    const knots = new Float32Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) knots[i * cols + j] = this.densityKnot(by0 + i, bx0 + j);
    }
    return (y, x) => {
      const u = y / BLOCK - 0.5 - by0;
      const v = x / BLOCK - 0.5 - bx0;
      const i = Math.min(rows - 2, Math.max(0, Math.floor(u)));
      const j = Math.min(cols - 2, Math.max(0, Math.floor(v)));
      const tu = Math.min(1, Math.max(0, u - i));
      const tv = Math.min(1, Math.max(0, v - j));
      const k = i * cols + j;
      return (
        (knots[k]! * (1 - tv) + knots[k + 1]! * tv) * (1 - tu) +
        (knots[k + cols]! * (1 - tv) + knots[k + cols + 1]! * tv) * tu
      );
    };
  }

  /**
   * The nucleus of grid cell (gy, gx), or `undefined` when the cell is empty or off the slide.
   * `density` is the density at the cell's centre when the caller has it.
   */
  nucleus(gy: number, gx: number, density?: number): Nucleus | undefined {
    if (gy < 0 || gx < 0 || gy * GRID >= this.size || gx * GRID >= this.size) return undefined;
    const seed = this.seed;
    const cy = (gy + 0.5) * GRID;
    const cx = (gx + 0.5) * GRID;
    const u = hash01(seed, 10, gy, gx);
    if (u >= MAX_DENSITY) return undefined;
    if (u >= (density ?? this.densityField(cy, cy + 1, cx, cx + 1)(cy, cx))) return undefined;
    const y = cy + (hash01(seed, 11, gy, gx) * 2 - 1) * JITTER;
    const x = cx + (hash01(seed, 12, gy, gx) * 2 - 1) * JITTER;
    const r = MIN_RADIUS + hash01(seed, 13, gy, gx) * (MAX_RADIUS - MIN_RADIUS);
    const elong = MIN_ELONGATION + (1 - MIN_ELONGATION) * hash01(seed, 14, gy, gx);
    const angle = hash01(seed, 15, gy, gx) * Math.PI;
    const contrast = MIN_CONTRAST + hash01(seed, 16, gy, gx) * (MAX_CONTRAST - MIN_CONTRAST);
    return { y, x, a: r, b: r * elong, cos: Math.cos(angle), sin: Math.sin(angle), contrast };
  }

  /** Chunk (`chunkRow`, `chunkCol`) of level `level` as row-major `uint8`, always of full chunk size. */
  renderChunk(level: number, chunkRow: number, chunkCol: number): Uint8Array {
    const lv = this.levels[level];
    if (lv === undefined)
      throw new ValueError(`level ${level} does not exist (0..${this.levels.length - 1})`);
    const n = this.chunk;
    const grid = Math.ceil(lv.shape[0] / n);
    if (![chunkRow, chunkCol].every((c) => Number.isInteger(c) && c >= 0 && c < grid)) {
      throw new ValueError(
        `chunk (${chunkRow}, ${chunkCol}) is outside the ${grid}×${grid} grid of level ${level}`,
      );
    }
    const f = lv.factor;
    const r0 = chunkRow * n;
    const c0 = chunkCol * n;
    const rows = Math.min(n, lv.shape[0] - r0);
    const cols = Math.min(n, lv.shape[1] - c0);
    // one scratch buffer per slide (rendering is synchronous), so serving many chunks does not
    // churn 1 MiB of garbage per chunk
    this.scratch ??= new Float32Array(n * n);
    const signal = this.scratch;
    signal.fill(0);
    const density = this.densityField(
      (r0 - 1) * f - GRID,
      (r0 + rows + 1) * f + GRID,
      (c0 - 1) * f - GRID,
      (c0 + cols + 1) * f + GRID,
    );
    const random = mulberry32(
      mix32(this.seed ^ mix32(level * 7919 + mix32(chunkRow * 104729 + mix32(chunkCol)))),
    );

    if (f >= GRID) {
      // A pixel covers a grid cell or more: nuclei are below a pixel and many fall in each, so
      // the pixel shows their expected brightness (density × mean integral / cell area) with a
      // random spread of the size a sum of that many nuclei has.
      for (let r = 0; r < rows; r++) {
        const y = (r0 + r + 0.5) * f;
        for (let c = 0; c < cols; c++) {
          const d = density(y, (c0 + c + 0.5) * f);
          const spread = (random() * 2 - 1) * Math.sqrt(d) * (GRID / f);
          signal[r * n + c] = MEAN_CELL_SIGNAL * (d + 0.8 * spread);
        }
      }
    } else {
      // Nuclei whose ellipse can reach this chunk: grid cells overlapping its level-0 extent ± one cell.
      const gy0 = Math.max(0, Math.floor((r0 * f) / GRID) - 1);
      const gy1 = Math.floor(((r0 + rows) * f - 1) / GRID) + 1;
      const gx0 = Math.max(0, Math.floor((c0 * f) / GRID) - 1);
      const gx1 = Math.floor(((c0 + cols) * f - 1) / GRID) + 1;
      const area = f * f;
      for (let gy = gy0; gy <= gy1; gy++) {
        for (let gx = gx0; gx <= gx1; gx++) {
          const nuc = this.nucleus(gy, gx, density((gy + 0.5) * GRID, (gx + 0.5) * GRID));
          if (nuc === undefined) continue;
          const minor = nuc.b / f;
          if (minor < 1.5) {
            // Small at this level: splat the integrated brightness (∫ contrast·(1 - q²/4) over
            // the ellipse = 7/8 · contrast · π a b) bilinearly into the 2×2 pixels around the centre.
            const total = (0.875 * nuc.contrast * Math.PI * nuc.a * nuc.b) / area;
            const py = nuc.y / f - 0.5 - r0;
            const px = nuc.x / f - 0.5 - c0;
            const i0 = Math.floor(py);
            const j0 = Math.floor(px);
            const ty = py - i0;
            const tx = px - j0;
            for (const [i, wy] of [
              [i0, 1 - ty],
              [i0 + 1, ty],
            ] as const) {
              if (i < 0 || i >= rows) continue;
              for (const [j, wx] of [
                [j0, 1 - tx],
                [j0 + 1, tx],
              ] as const) {
                if (j >= 0 && j < cols) signal[i * n + j]! += total * wy * wx;
              }
            }
            continue;
          }
          this.drawEllipse(signal, nuc, f, r0, c0, rows, cols, minor);
        }
      }
    }

    // Background: smooth noise (scale 3000 px) sampled every 16 level pixels and interpolated,
    // plus per-pixel noise from a generator seeded by (seed, level, chunk).
    const out = new Uint8Array(n * n);
    const step = 16;
    const knots = Math.ceil(n / step) + 1;
    const bgKnots = new Float32Array(knots * knots);
    for (let i = 0; i < knots; i++) {
      for (let j = 0; j < knots; j++) {
        const y = (r0 + i * step) * f;
        const x = (c0 + j * step) * f;
        bgKnots[i * knots + j] = BACKGROUND + 10 * valueNoise(this.seed, 3, y / 3000, x / 3000);
      }
    }
    const noiseAmp = 6 / f;
    for (let r = 0; r < rows; r++) {
      const i = Math.floor(r / step);
      const ty = (r - i * step) / step;
      for (let c = 0; c < cols; c++) {
        const j = Math.floor(c / step);
        const tx = (c - j * step) / step;
        const k = i * knots + j;
        const bg =
          (bgKnots[k]! * (1 - tx) + bgKnots[k + 1]! * tx) * (1 - ty) +
          (bgKnots[k + knots]! * (1 - tx) + bgKnots[k + knots + 1]! * tx) * ty;
        const v = bg + signal[r * n + c]! + (random() * 2 - 1) * noiseAmp;
        out[r * n + c] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
      }
    }
    return out;
  }

  private drawEllipse(
    signal: Float32Array,
    nuc: Nucleus,
    f: number,
    r0: number,
    c0: number,
    rows: number,
    cols: number,
    minor: number,
  ): void {
    const n = this.chunk;
    const reach = nuc.a / f + 1;
    const cy = nuc.y / f;
    const cx = nuc.x / f;
    const rStart = Math.max(0, Math.floor(cy - reach) - r0);
    const rStop = Math.min(rows, Math.ceil(cy + reach) - r0);
    const cStart = Math.max(0, Math.floor(cx - reach) - c0);
    const cStop = Math.min(cols, Math.ceil(cx + reach) - c0);
    for (let r = rStart; r < rStop; r++) {
      const dy = (r0 + r + 0.5) * f - nuc.y;
      for (let c = cStart; c < cStop; c++) {
        const dx = (c0 + c + 0.5) * f - nuc.x;
        const u = (dx * nuc.cos + dy * nuc.sin) / nuc.a;
        const w = (-dx * nuc.sin + dy * nuc.cos) / nuc.b;
        const q = Math.sqrt(u * u + w * w);
        // signed distance to the edge in level pixels (approximately), then a 1-px ramp
        const coverage = Math.min(1, Math.max(0, (1 - q) * minor + 0.5));
        if (coverage <= 0) continue;
        const value = coverage * nuc.contrast * (1 - 0.25 * Math.min(1, q * q));
        const i = r * n + c;
        if (value > signal[i]!) signal[i] = value;
      }
    }
  }

  /** The metadata documents of the store: key (`/zarr.json`, `/0/.zarray`, …) → bytes. */
  metadata(): Map<string, Uint8Array> {
    const docs = new Map<string, Uint8Array>();
    const axes = [
      { name: 'y', type: 'space' },
      { name: 'x', type: 'space' },
    ];
    const datasets = this.levels.map((lv, i) => ({
      path: String(i),
      coordinateTransformations: [{ type: 'scale', scale: [lv.factor, lv.factor] }],
    }));
    const omero = {
      name: this.name,
      channels: [
        { label: 'nuclei', color: 'FFFFFF', active: true, window: { min: 0, max: 255, start: 0, end: 255 } },
      ],
      rdefs: { model: 'greyscale' },
    };
    if (this.ngff === '0.4') {
      docs.set('/.zgroup', encodeJson({ zarr_format: 2 }));
      docs.set(
        '/.zattrs',
        encodeJson({ multiscales: [{ version: '0.4', name: this.name, axes, datasets }], omero }),
      );
      this.levels.forEach((lv, i) => {
        docs.set(
          `/${i}/.zarray`,
          encodeJson({
            zarr_format: 2,
            shape: lv.shape,
            chunks: [this.chunk, this.chunk],
            dtype: '|u1',
            compressor: null,
            fill_value: 0,
            order: 'C',
            filters: null,
            dimension_separator: '/',
          }),
        );
      });
    } else {
      docs.set(
        '/zarr.json',
        encodeJson({
          zarr_format: 3,
          node_type: 'group',
          attributes: { ome: { version: '0.5', multiscales: [{ name: this.name, axes, datasets }], omero } },
        }),
      );
      this.levels.forEach((lv, i) => {
        docs.set(
          `/${i}/zarr.json`,
          encodeJson({
            zarr_format: 3,
            node_type: 'array',
            shape: lv.shape,
            data_type: 'uint8',
            chunk_grid: { name: 'regular', configuration: { chunk_shape: [this.chunk, this.chunk] } },
            chunk_key_encoding: { name: 'default', configuration: { separator: '/' } },
            fill_value: 0,
            codecs: [{ name: 'bytes', configuration: { endian: 'little' } }],
            attributes: {},
            dimension_names: ['y', 'x'],
          }),
        );
      });
    }
    return docs;
  }

  /**
   * The chunk a store key names (`/3/c/1/2` for 0.5, `/3/1/2` for 0.4), or `undefined` when the
   * key is not a chunk key of an existing chunk.
   */
  chunkOfKey(key: string): { level: number; row: number; col: number } | undefined {
    const parts = key.split('/').slice(1);
    const numeric =
      this.ngff === '0.5' ? (parts[1] === 'c' ? [parts[0], parts[2], parts[3]] : undefined) : parts;
    const expectedLength = this.ngff === '0.5' ? 4 : 3;
    if (numeric === undefined || parts.length !== expectedLength) return undefined;
    if (!numeric.every((p) => p !== undefined && /^(0|[1-9]\d{0,9})$/.test(p))) return undefined;
    const [level, row, col] = numeric.map(Number) as [number, number, number];
    const lv = this.levels[level];
    if (lv === undefined) return undefined;
    const grid = Math.ceil(lv.shape[0] / this.chunk);
    if (row >= grid || col >= grid) return undefined;
    return { level, row, col };
  }
}
