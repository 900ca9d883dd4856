/**
 * Scale selection. Invariants: the mask diameter equals Omnipose 1.0.6's `omnipose.core.diameters`
 * on a real label image (tests/fixtures/infer/reference.json) and ≈ 2r on a disk; the chosen
 * pyramid level brings cells nearest `diam_mean` on a log scale, ties to the finer level; the
 * bilinear resize equals OpenCV's `INTER_LINEAR` on float32 data.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readNpy } from '../../bench/lib/npy.ts';
import { ValueError } from '../../src/engine/errors.ts';
import {
  chooseLevel,
  DIAM_MEAN,
  levelDownsampling,
  maskDiameter,
  rescaledShape,
  rescaleFactor,
  resizeImage,
} from '../../src/engine/infer/index.ts';

const REF = JSON.parse(
  readFileSync(new URL('../fixtures/infer/reference.json', import.meta.url), 'utf8'),
) as {
  diameter: { fixture: string; value: number };
  resize: {
    source_shape: [number, number, number];
    source: number[];
    outputs: { shape: [number, number]; data: number[] }[];
  };
};

describe('diameter and rescale', () => {
  it('rescaleFactor is diam_mean / diameter', () => {
    expect(DIAM_MEAN).toBe(30);
    expect(rescaleFactor(45)).toBeCloseTo(30 / 45, 15);
    expect(rescaleFactor(34, 17)).toBe(0.5);
    expect(() => rescaleFactor(0)).toThrow(ValueError);
    expect(() => rescaleFactor(Number.NaN)).toThrow(ValueError);
  });

  it('maskDiameter equals omnipose.core.diameters on a real label image', () => {
    const labels = readNpy(new URL(`../fixtures/${REF.diameter.fixture}`, import.meta.url).pathname);
    const d = maskDiameter({ data: labels.data, shape: labels.shape as [number, number] });
    expect(Math.abs(d - REF.diameter.value) / REF.diameter.value).toBeLessThan(1e-6);
  });

  it('maskDiameter of a disk of radius 20 is about 40, and 0 without cells', () => {
    const n = 64;
    const labels = new Int32Array(n * n);
    for (let r = 0; r < n; r++)
      for (let c = 0; c < n; c++) if ((r - 32) ** 2 + (c - 32) ** 2 <= 400) labels[r * n + c] = 1;
    const d = maskDiameter({ data: labels, shape: [n, n] });
    expect(d).toBeGreaterThan(38);
    expect(d).toBeLessThan(42);
    expect(maskDiameter({ data: new Int32Array(16), shape: [4, 4] })).toBe(0);
  });
});

describe('chooseLevel', () => {
  it('picks the level bringing cells nearest diam_mean (log scale), ties to the finer level', () => {
    const scales = [1, 2, 4, 8];
    expect(chooseLevel(scales, 60)).toEqual({ level: 1, downsampling: 2, levelDiameter: 30, rescale: 1 });
    expect(chooseLevel(scales, 100).level).toBe(2); // 25 px is nearer 30 than 50 px
    expect(chooseLevel(scales, 10).level).toBe(0); // never upsampled by a level; rescale 3 remains
    expect(chooseLevel(scales, 10).rescale).toBeCloseTo(3, 12);
    expect(chooseLevel(scales, 30 * Math.SQRT2).level).toBe(0); // √2 vs 1/√2: a tie
    expect(chooseLevel(scales, 1000, 17).level).toBe(3);
    expect(() => chooseLevel([], 30)).toThrow(ValueError);
    expect(() => chooseLevel([1, 0], 30)).toThrow(ValueError);
  });

  it('reads downsampling factors from NGFF scale transforms', () => {
    const levels = [{ scale: [1, 1, 0.5, 0.5] }, { scale: [1, 1, 1, 1] }, { scale: [1, 1, 2, 2] }];
    expect(levelDownsampling(levels)).toEqual([1, 2, 4]);
    expect(() => levelDownsampling([{ scale: [1, 1] }, { scale: [1, 0] }])).toThrow(ValueError);
  });
});

describe('resizeImage', () => {
  const [rows, cols, ch] = REF.resize.source_shape;
  const src = {
    data: Float32Array.from(REF.resize.source),
    shape: [rows, cols, ch] as [number, number, number],
  };

  for (const { shape, data } of REF.resize.outputs) {
    it(`equals cv2.resize INTER_LINEAR to [${shape.join(', ')}]`, () => {
      const out = resizeImage(src, shape);
      expect(out.shape).toEqual([shape[0], shape[1], ch]);
      let worst = 0;
      for (let i = 0; i < data.length; i++) worst = Math.max(worst, Math.abs(out.data[i]! - data[i]!));
      expect(worst).toBeLessThan(1e-6);
    });
  }

  it('keeps the image at the same size and truncates sizes as Omnipose', () => {
    expect(Array.from(resizeImage(src, [rows, cols]).data)).toEqual(Array.from(src.data));
    expect(rescaledShape([520, 696], 30 / 45)).toEqual([346, 464]);
    expect(() => resizeImage(src, [0, 3])).toThrow(ValueError);
  });
});
