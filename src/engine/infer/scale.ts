/**
 * Scale: bring cells to the size the network was trained at (ALGORITHM.md §4).
 *
 * Omnipose 1.0.6 rescales an image by `rescale = diam_mean / diameter` (`diam_mean` 30, 17 for
 * nuclei models) and measures the diameter of a mask set as `omnipose.core.diameters`:
 * `2·(dim + 1) · mean(EDT over cell pixels)`, i.e. `6 · mean(EDT)` in 2-D, with the label-aware
 * EDT of the `edt` package (distance to the nearest pixel of another label, the image border not
 * a boundary). For a disk of radius r the mean EDT is ≈ r/3, so the "diameter" is ≈ 2r; for a rod
 * it is close to its width.
 *
 * On a pyramid the cheaper and sharper move is to read the level whose downsampling brings cells
 * nearest `diam_mean` ({@link chooseLevel}); `resizeImage` (resize.ts) is the fallback without one
 * and for the remaining factor.
 *
 * @example
 * const d = maskDiameter(labels);                    // 60 px cells at full resolution
 * const { level, rescale } = chooseLevel([1, 2, 4, 8], d); // level 1 (30 px), rescale 1
 */
import { distanceToOtherLabels } from '../edt/index.ts';
import { ValueError } from '../errors.ts';
import type { Raster } from '../types.ts';

/** Omnipose's `diam_mean` for cytoplasm/bacteria models. */
export const DIAM_MEAN = 30;
/** Omnipose's `diam_mean` for nuclei models. */
export const DIAM_MEAN_NUCLEI = 17;

function checkPositive(value: number, name: string): void {
  if (!(value > 0 && Number.isFinite(value)))
    throw new ValueError(`${name} must be a positive number, got ${value}`);
}

/** `diamMean / diameter`: the factor that resizes cells of `diameter` pixels to `diamMean`. */
export function rescaleFactor(diameter: number, diamMean = DIAM_MEAN): number {
  checkPositive(diameter, 'diameter');
  checkPositive(diamMean, 'diamMean');
  return diamMean / diameter;
}

/**
 * Omnipose's mean diameter of a label image (`omnipose.core.diameters`, 2-D): `6 · mean(EDT)` over
 * the labelled pixels. 0 when there is no label, as in Omnipose.
 */
export function maskDiameter(labels: Raster): number {
  const { distance } = distanceToOtherLabels(labels);
  let sum = 0;
  let count = 0;
  for (let i = 0; i < distance.length; i++) {
    const d = distance[i]!;
    if (d > 0) {
      sum += d;
      count++;
    }
  }
  return count === 0 ? 0 : (6 * sum) / count;
}

/**
 * Downsampling factor of each level relative to the first, from NGFF `scale` transforms
 * (`OmeZarrLevel.scale`): the geometric mean of the ratios on the last two axes (y, x).
 */
export function levelDownsampling(levels: readonly { scale: readonly number[] }[]): number[] {
  if (levels.length === 0) throw new ValueError('levelDownsampling: no level given');
  const base = levels[0]!.scale;
  return levels.map((level, i) => {
    const s = level.scale;
    if (s.length < 2 || s.length !== base.length) {
      throw new ValueError(
        `levelDownsampling: level ${i} has scale [${s.join(', ')}], level 0 has [${base.join(', ')}]`,
      );
    }
    const ry = s[s.length - 2]! / base[base.length - 2]!;
    const rx = s[s.length - 1]! / base[base.length - 1]!;
    checkPositive(ry, `level ${i} y scale ratio`);
    checkPositive(rx, `level ${i} x scale ratio`);
    return Math.sqrt(ry * rx);
  });
}

export interface LevelChoice {
  /** index of the chosen level */
  level: number;
  /** its downsampling factor (from `levelScales`) */
  downsampling: number;
  /** the cell diameter in that level's pixels */
  levelDiameter: number;
  /** what is left to resample on that level: `diamMean / levelDiameter` (1 = none) */
  rescale: number;
}

/**
 * The pyramid level whose pixels bring cells of `diameter` (full-resolution pixels) nearest to
 * `diamMean`, nearest on a log scale (halving and doubling are equally far); ties go to the finer
 * level, which keeps more detail. `levelScales[i]` is level i's downsampling factor (1, 2, 4, …).
 */
export function chooseLevel(
  levelScales: readonly number[],
  diameter: number,
  diamMean = DIAM_MEAN,
): LevelChoice {
  checkPositive(diameter, 'diameter');
  checkPositive(diamMean, 'diamMean');
  if (levelScales.length === 0) throw new ValueError('chooseLevel: no level given');
  let best = -1;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (let i = 0; i < levelScales.length; i++) {
    const s = levelScales[i]!;
    checkPositive(s, `levelScales[${i}]`);
    const distance = Math.abs(Math.log(diameter / s / diamMean));
    const finer = best >= 0 && s < levelScales[best]!;
    if (distance < bestDistance - 1e-12 || (Math.abs(distance - bestDistance) <= 1e-12 && finer)) {
      best = i;
      bestDistance = distance;
    }
  }
  const downsampling = levelScales[best]!;
  const levelDiameter = diameter / downsampling;
  return { level: best, downsampling, levelDiameter, rescale: diamMean / levelDiameter };
}
