/**
 * `sketchpose evaluate` on real label pairs written as TIFF files: its AP per τ equals StarDist's
 * `matching_dataset(by_image=True)` numbers recorded in tests/fixtures/stardist, and bad input
 * gives a typed one-line error with exit code 2.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseNpy } from '../../bench/lib/npy.ts';
import { evaluateFiles } from '../../src/cli/evaluate.ts';
import { main } from '../../src/cli/main.ts';
import { writeTiff } from '../../src/engine/io/index.ts';

const FIX = new URL('../fixtures/stardist/', import.meta.url).pathname;

interface PairRecord {
  true: string;
  pred: string;
  variant: string;
  matching: {
    thresh: number;
    accuracy: number;
    precision: number;
    recall: number;
    panoptic_quality: number;
  }[];
}

function asTiff(npyGz: string, out: string): void {
  const a = parseNpy(new Uint8Array(gunzipSync(readFileSync(join(FIX, npyGz)))));
  writeFileSync(
    out,
    writeTiff({ data: Uint32Array.from(a.data as Int32Array), shape: [a.shape[0]!, a.shape[1]!] }),
  );
}

describe('sketchpose evaluate', () => {
  it('reproduces StarDist on real label pairs written as TIFF directories', async () => {
    const fixture = JSON.parse(readFileSync(join(FIX, 'stardist_matching.json'), 'utf8')) as {
      pairs: PairRecord[];
    };
    const pairs = fixture.pairs
      .filter((p) => ['eroded2', 'merged', 'shifted'].includes(p.variant))
      .slice(0, 3);
    expect(pairs.length).toBe(3);
    const dir = mkdtempSync(join(tmpdir(), 'sketchpose-eval-'));
    const predDir = join(dir, 'pred');
    const gtDir = join(dir, 'gt');
    for (const d of [predDir, gtDir]) (await import('node:fs')).mkdirSync(d);
    pairs.forEach((p, i) => {
      asTiff(p.pred, join(predDir, `img${i}.tif`));
      asTiff(p.true, join(gtDir, `img${i}.tif`));
    });
    const report = await evaluateFiles(predDir, gtDir, [0.5, 0.7, 0.9], 0);
    for (const row of report.perTau) {
      const expected =
        pairs
          .map((p) => p.matching.find((m) => Math.abs(m.thresh - row.tau) < 1e-9)!.accuracy)
          .reduce((a, b) => a + b, 0) / pairs.length;
      expect(row.ap).toBeCloseTo(expected, 6);
    }
    expect(report.images).toBe(3);
    expect(report.meanDice).toBeGreaterThan(0.5);
  });

  it('exits 2 with a typed message on bad input', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sketchpose-eval-'));
    writeFileSync(join(dir, 'bad.tif'), new Uint8Array([0x49, 0x49, 42, 0, 1, 2, 3]));
    const errors: string[] = [];
    const original = console.error;
    console.error = (m: string) => errors.push(m);
    try {
      expect(await main(['evaluate', '--pred', join(dir, 'bad.tif'), '--gt', join(dir, 'bad.tif')])).toBe(2);
      expect(await main(['evaluate', '--pred', 'x'])).toBe(2);
      expect(await main(['nope'])).toBe(1);
    } finally {
      console.error = original;
    }
    expect(errors[0]).toMatch(/FormatError: bad\.tif/);
    expect(errors[1]).toMatch(/missing required option --gt/);
  });
});
