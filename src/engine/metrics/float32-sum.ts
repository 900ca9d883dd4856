/**
 * NumPy's float32 summation, reproduced bit for bit.
 *
 * StarDist's IoU scores are float32, and `matching` adds the matched ones with `np.sum`, which
 * accumulates in float32 using NumPy's pairwise summation (`@TYPE@_pairwise_sum` in
 * numpy/_core/src/umath/loops_utils.h.src): fewer than 8 values are added left to right; up to
 * 128 values go into 8 interleaved partial sums combined as `((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7))`
 * and then the remainder; longer runs are split in two at a multiple of 8 near the middle. Every
 * addition rounds to float32. A float64 sum differs from it by up to ~1e-7 relative, far more
 * than the 1e-9 the tests require, so `matching` uses this to agree with StarDist exactly.
 *
 * @example
 * ```ts
 * float32Sum([0.1, 0.2, 0.3]); // 0.6000000238418579, what np.float32 array .sum() prints as 0.6
 * ```
 */

const BLOCK = 128; // NumPy's PW_BLOCKSIZE
const f32 = Math.fround;

function pairwise(values: ArrayLike<number>, start: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res = f32(res + f32(values[start + i]!));
    return res;
  }
  if (n <= BLOCK) {
    const r = new Float64Array(8);
    for (let j = 0; j < 8; j++) r[j] = f32(values[start + j]!);
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j] = f32(r[j]! + f32(values[start + i + j]!));
    }
    let res = f32(
      f32(f32(r[0]! + r[1]!) + f32(r[2]! + r[3]!)) + f32(f32(r[4]! + r[5]!) + f32(r[6]! + r[7]!)),
    );
    for (; i < n; i++) res = f32(res + f32(values[start + i]!));
    return res;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return f32(pairwise(values, start, half) + pairwise(values, start + half, n - half));
}

/** Sum of `values` (each first rounded to float32) as `np.sum` of a float32 array returns it. */
export function float32Sum(values: ArrayLike<number>): number {
  // the reduction starts from the identity 0 and adds the pairwise sum of the whole run
  return f32(0 + pairwise(values, 0, values.length));
}
