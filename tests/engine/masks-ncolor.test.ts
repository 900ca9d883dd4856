/**
 * n-colour display colouring. Invariants: labels that are 8-adjacent never share a colour (and
 * neither do labels that meet once expanded into the background); background is 0 exactly on
 * background; at most 4-5 colours on real masks; the same seed gives the same colours; more than
 * 65,535 labels work.
 */
import { describe, expect, it } from 'vitest';
import { readNpy } from '../../bench/lib/npy.ts';
import { expandLabels, labelAdjacency, ncolor } from '../../src/engine/masks/index.ts';

const DIR = new URL('../fixtures/masks/', import.meta.url).pathname;
const REAL = [
  'dsb2018_07fb37aa',
  'dsb2018_20b20ab0',
  'stardist_mask2d',
  'omnipose_Sample000033',
  'omnipose_caulo_15',
];

function load(name: string): { data: Int32Array; shape: [number, number] } {
  const a = readNpy(`${DIR}labels/${name}.npy.gz`);
  return { data: Int32Array.from(a.data), shape: [a.shape[0]!, a.shape[1]!] };
}

const STEPS = [
  [0, 1],
  [1, -1],
  [1, 0],
  [1, 1],
] as const;

/** Number of 8-adjacent pixel pairs with different nonzero labels but the same colour. */
function conflicts(labels: ArrayLike<number>, colors: Uint8Array, rows: number, cols: number): number {
  let bad = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      const a = labels[i]!;
      if (a === 0) continue;
      for (const [dr, dc] of STEPS) {
        const rr = r + dr;
        const cc = c + dc;
        if (rr >= rows || cc < 0 || cc >= cols) continue;
        const b = labels[rr * cols + cc]!;
        if (b !== 0 && b !== a && colors[i] === colors[rr * cols + cc]) bad++;
      }
    }
  }
  return bad;
}

describe('ncolor', () => {
  it.each(REAL)('%s: adjacent labels differ, ≤ 5 colours, background 0', (name) => {
    const labels = load(name);
    const [rows, cols] = labels.shape;
    const nc = ncolor(labels, { seed: 0 });
    expect(conflicts(labels.data, nc.data, rows, cols)).toBe(0);
    let backgroundMismatch = 0;
    for (let i = 0; i < labels.data.length; i++)
      if ((nc.data[i] === 0) !== (labels.data[i] === 0)) backgroundMismatch++;
    expect(backgroundMismatch).toBe(0);
    // labels that meet after expansion into the background differ as well
    const expanded = expandLabels(Uint32Array.from(labels.data), rows, cols);
    const lut = new Map<number, number>();
    for (let i = 0; i < labels.data.length; i++) if (labels.data[i]) lut.set(labels.data[i]!, nc.data[i]!);
    const expandedColors = Uint8Array.from(expanded, (l) => lut.get(l) ?? 0);
    expect(conflicts(expanded, expandedColors, rows, cols)).toBe(0);
    console.log(`${name}: ${lut.size} labels, ${nc.colors} colours`);
    expect(nc.colors).toBeLessThanOrEqual(5);
  });

  it('is deterministic for a seed', () => {
    const labels = load('dsb2018_07fb37aa');
    const a = ncolor(labels, { seed: 7 });
    const b = ncolor(labels, { seed: 7 });
    expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(true);
    const c = ncolor(labels, { seed: 8 });
    expect(Buffer.from(a.data).equals(Buffer.from(c.data))).toBe(false);
  });

  it('handles more than 65,535 labels (no overflowing adjacency key)', () => {
    // 2 × 2 blocks on a 600 × 600 grid: 90,000 labels, each touching 8 others (a king's graph)
    const rows = 600;
    const cols = 600;
    const data = new Uint32Array(rows * cols);
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) data[r * cols + c] = (r >> 1) * 300 + (c >> 1) + 1;
    const graph = labelAdjacency(data, rows, cols, 90_000);
    expect(graph.start[1]! - graph.start[0]!).toBe(0);
    // label 1 (corner) has 3 neighbours, an interior label has 8
    expect(graph.start[2]! - graph.start[1]!).toBe(3);
    const interior = 150 * 300 + 150 + 1;
    expect(graph.start[interior + 1]! - graph.start[interior]!).toBe(8);
    const nc = ncolor({ data, shape: [rows, cols] });
    expect(conflicts(data, nc.data, rows, cols)).toBe(0);
    expect(nc.colors).toBeLessThanOrEqual(9);
  });

  it('gives isolated labels colour 1 and an empty image no colour', () => {
    const data = new Int32Array(100);
    data[12] = 5;
    expect(ncolor({ data, shape: [10, 10] }).data[12]).toBe(1);
    expect(ncolor({ data: new Int32Array(100), shape: [10, 10] }).colors).toBe(0);
  });
});
