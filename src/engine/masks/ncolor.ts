/**
 * Display colouring of a label image with few colours, so that touching objects differ
 * (ALGORITHM.md §8; the `ncolor` package 1.2.1 used by Omnipose, `ncolor.label` →
 * `render_net`):
 *
 * - labels are expanded into the background and their 8-connected adjacency taken
 *   (`label-adjacency.ts`);
 * - labels with at least one neighbour are queued in a shuffled order (seeded); each one popped
 *   takes the lowest colour of 1..n unused by its neighbours; if all are used it takes the least
 *   used colour other than its current one (every 10th visit of the same label: a random one),
 *   and the neighbours that now share its colour are queued again;
 * - if the queue is not empty after the step budget, everything restarts with n + 1 colours
 *   (at most `maxRetries` times); labels without neighbours get colour 1; background stays 0.
 *
 * Step budget: ncolor stops after 10⁴ pops in all, which cannot even visit every label of an
 * image with more than 10⁴ labels; here the budget is 10⁴ pops *beyond* one visit per label.
 * If every retry fails (never seen in practice), a first-fit greedy pass with as many colours as
 * needed guarantees a valid colouring. The shuffle uses the engine's seeded PRNG, not NumPy's, so
 * the colours differ from ncolor's but are deterministic for a seed.
 *
 * @example
 * ```ts
 * const { data, colors } = ncolor({ data: labels, shape: [rows, cols] }, { seed: 0 });
 * // data[i] ∈ 0..colors, 0 exactly on background, touching labels differ
 * ```
 */
import { ValueError } from '../errors.ts';
import { type LabelRaster, relabelSequential } from '../metrics/index.ts';
import { Random } from '../random.ts';
import { type LabelGraph, labelAdjacency } from './label-adjacency.ts';

export interface NColorOptions {
  /** colours to try first. @default 4 */
  n?: number;
  /** seed of the shuffled order. @default 0 */
  seed?: number;
  /** retries with one more colour each. @default 5 */
  maxRetries?: number;
  /** pops allowed beyond one visit per label before a retry. @default 10_000 */
  steps?: number;
}

export interface NColoring {
  /** colour per pixel, 0 on background */
  data: Uint8Array;
  shape: [number, number];
  /** number of colours used (the largest colour) */
  colors: number;
}

/** Visits after which a label stuck in a conflict takes a random colour (ncolor's `rand`). */
const RANDOM_EVERY = 10;

export function ncolor(labels: LabelRaster, options: NColorOptions = {}): NColoring {
  const n0 = options.n ?? 4;
  if (!Number.isInteger(n0) || n0 < 1 || n0 > 200)
    throw new ValueError(`ncolor: n must be an integer in 1..200, got ${n0}`);
  const maxRetries = options.maxRetries ?? 5;
  const steps = options.steps ?? 10_000;
  const seed = options.seed ?? 0;
  const { raster, count } = relabelSequential(labels);
  const [rows, cols] = raster.shape;
  const graph = labelAdjacency(raster.data, rows, cols, count);
  let lut: Uint8Array | undefined;
  for (let depth = 0; depth <= maxRetries && !lut; depth++) {
    lut = colorGraph(graph, n0 + depth, new Random((seed + depth + 1) >>> 0), steps);
  }
  lut ??= firstFit(graph);
  const data = new Uint8Array(rows * cols);
  let colors = 0;
  for (let i = 0; i < data.length; i++) {
    const c = lut[raster.data[i]!]!;
    data[i] = c;
    if (c > colors) colors = c;
  }
  return { data, shape: [rows, cols], colors };
}

/** ncolor's `render_net` with n colours; undefined when the step budget runs out. */
function colorGraph(g: LabelGraph, n: number, rng: Random, steps: number): Uint8Array | undefined {
  const { count, start, neighbors } = g;
  const colors = new Uint8Array(count + 1);
  const visits = new Int32Array(count + 1);
  const nodes: number[] = [];
  for (let k = 1; k <= count; k++) if (start[k + 1]! > start[k]!) nodes.push(k);
  for (let i = nodes.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    const t = nodes[i]!;
    nodes[i] = nodes[j]!;
    nodes[j] = t;
  }
  const hist = new Int32Array(n + 1);
  const budget = nodes.length + steps;
  let head = 0;
  for (let pops = 0; head < nodes.length; pops++) {
    if (pops >= budget) return undefined;
    const k = nodes[head++]!;
    visits[k]!++;
    hist.fill(0);
    for (let s = start[k]!; s < start[k + 1]!; s++) hist[colors[neighbors[s]!]!]!++;
    let free = 0;
    for (let c = 1; c <= n && free === 0; c++) if (hist[c] === 0) free = c;
    if (free > 0) {
      colors[k] = free;
      visits[k] = 0;
      continue;
    }
    // every colour is taken: the least used one other than the current colour
    let best = 0;
    for (let c = 1; c <= n; c++) if (c !== colors[k] && (best === 0 || hist[c]! < hist[best]!)) best = c;
    if (visits[k] === RANDOM_EVERY) {
      visits[k] = 0;
      best = rng.int(1, n);
    }
    colors[k] = best;
    for (let s = start[k]!; s < start[k + 1]!; s++)
      if (colors[neighbors[s]!] === best) nodes.push(neighbors[s]!);
    // keep the queue compact: drop what has been consumed once it dominates
    if (head > 4096 && head * 2 > nodes.length) {
      nodes.splice(0, head);
      head = 0;
    }
  }
  for (let k = 1; k <= count; k++) if (colors[k] === 0) colors[k] = 1;
  return colors;
}

/** Greedy first-fit in label order with as many colours as needed (always valid). */
function firstFit(g: LabelGraph): Uint8Array {
  const colors = new Uint8Array(g.count + 1);
  for (let k = 1; k <= g.count; k++) {
    const used = new Set<number>();
    for (let s = g.start[k]!; s < g.start[k + 1]!; s++) used.add(colors[g.neighbors[s]!]!);
    let c = 1;
    while (used.has(c)) c++;
    colors[k] = Math.min(c, 255);
  }
  return colors;
}
