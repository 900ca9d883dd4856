/**
 * Branch-free pruning of the row pass's candidates, before the lower envelope is built.
 *
 * The row pass minimises `(p − q)² + f_q` over the columns `q` of a row, where `f_q` is the squared
 * vertical distance from the column pass. Since `(p − q)² + f_q = p² − 2pq + h_q` with
 * `h_q = f_q + q²`, the minimiser at `p` is the lowest of the lines `−2pq + h_q`: the lower envelope
 * of the parabolas is dual to the lower convex hull of the points `(q, h_q)`, and Felzenszwalb &
 * Huttenlocher's stack ("Distance Transforms of Sampled Functions", Theory of Computing 8 (2012),
 * §2.1) is the monotone-chain hull construction (Andrew 1979) in that dual.
 *
 * A point on or above the chord between any point to its left and any point to its right is not a
 * strict vertex of the lower hull: its parabola is nowhere strictly below the envelope of the
 * others, so dropping it changes no minimum (the stack would pop it anyway). Testing every point
 * against its neighbours is exact in integer or double arithmetic (no division) and, unlike the
 * stack's pop loop, the tests do not depend on each other, so a round is a branch-free compaction
 * (`m += Number(keep)`). Why it pays: how many parabolas a new one pops is data-dependent, and on
 * random seeds the stack mispredicts about one branch per column, most of the row pass's time;
 * each round drops ~40% of the columns there, and after four only ~15% are left (13% are on the
 * envelope), on which the stack rarely pops.
 */

/**
 * Squared vertical distance from row `r` to the nearest seed of column `q`: the nearer of the
 * last seed at or above (`above[base + q]`) and the first at or below (`below[q]`). A branch-free
 * minimum; the sentinels of `column-pass.ts` make it large for a column without seeds.
 */
function verticalSq(above: Int32Array, base: number, r: number, below: Int32Array, q: number): number {
  const dUp = r - above[base + q]!;
  const dDown = below[q]! - r;
  const dy = dUp + ((dDown - dUp) & ((dDown - dUp) >> 31)); // min(dUp, dDown)
  return dy * dy;
}

/**
 * Fills `Q` (columns) and `H` (`h_q`) with the candidates of row `r` over all columns (those
 * without a seed carry far parabolas that never own a pixel), after a first round against the
 * immediate neighbours, fused with the column pass. With unit gaps the chord test is in integers:
 * `h_{q−1} + h_{q+1} ≤ 2 h_q  ⇔  f_{q−1} + f_{q+1} + 2 ≤ 2 f_q`. Returns their count.
 */
export function denseCandidates(
  above: Int32Array,
  base: number,
  r: number,
  below: Int32Array,
  cols: number,
  Q: Int32Array,
  H: Float64Array,
): number {
  // the two end columns are the extreme points of the hull, always kept
  let fl = verticalSq(above, base, r, below, 0);
  Q[0] = 0;
  H[0] = fl;
  if (cols === 1) return 1;
  let fm = verticalSq(above, base, r, below, 1);
  let m = 1;
  for (let q = 2; q < cols; q++) {
    const f = verticalSq(above, base, r, below, q);
    const c = q - 1;
    Q[m] = c;
    H[m] = fm + c * c;
    m += Number(fl + f + 2 > 2 * fm);
    fl = fm;
    fm = f;
  }
  Q[m] = cols - 1;
  H[m] = fm + (cols - 1) * (cols - 1);
  return m + 1;
}

/**
 * As {@link denseCandidates} for only the `count ≥ 1` columns `seeded[0 ..]` that hold a seed,
 * for seed sets that leave most columns empty. The first round uses the general chord test of
 * {@link filterRound}.
 */
export function listedCandidates(
  above: Int32Array,
  base: number,
  r: number,
  below: Int32Array,
  seeded: Int32Array,
  count: number,
  Q: Int32Array,
  H: Float64Array,
): number {
  let ql = seeded[0]!;
  let hl = verticalSq(above, base, r, below, ql) + ql * ql;
  Q[0] = ql;
  H[0] = hl;
  if (count === 1) return 1;
  let qm = seeded[1]!;
  let hm = verticalSq(above, base, r, below, qm) + qm * qm;
  let m = 1;
  for (let t = 2; t < count; t++) {
    const q = seeded[t]!;
    const h = verticalSq(above, base, r, below, q) + q * q;
    Q[m] = qm;
    H[m] = hm;
    m += Number((h - hm) * (qm - ql) > (hm - hl) * (q - qm));
    ql = qm;
    hl = hm;
    qm = q;
    hm = h;
  }
  Q[m] = qm;
  H[m] = hm;
  return m + 1;
}

/**
 * Further rounds run while the previous one removed at least a third of the candidates. On
 * 1%-random seeds each round removes about 40% (100% → 60% → 36% → 23% → 16% of the columns,
 * against 13% on the envelope) and saves the stack as many mispredicted pops; on smooth seed sets
 * (boundaries of annotated cells) the first round removes about 30% and further rounds cost more
 * than they save. `before` is the count the first round started from; returns the new count.
 */
export function filterRounds(Q: Int32Array, H: Float64Array, m: number, before: number): number {
  let count = m;
  let previous = before;
  while (3 * count <= 2 * previous) {
    previous = count;
    count = filterRound(Q, H, count);
  }
  return count;
}

/**
 * One further round on the `m` candidates in `Q`/`H`, in place: drops each inner point on or
 * above the chord of its two neighbours, `(h_r − h_m)(q_m − q_l) ≤ (h_m − h_l)(q_r − q_m)`.
 * Products stay below 2^53 for any raster that fits in memory, so the test is exact. Returns the
 * new count.
 */
export function filterRound(Q: Int32Array, H: Float64Array, m: number): number {
  if (m < 3) return m;
  let ql = Q[0]!;
  let hl = H[0]!;
  let qm = Q[1]!;
  let hm = H[1]!;
  let w = 1;
  for (let i = 2; i < m; i++) {
    const qr = Q[i]!;
    const hr = H[i]!;
    Q[w] = qm;
    H[w] = hm;
    w += Number((hr - hm) * (qm - ql) > (hm - hl) * (qr - qm));
    ql = qm;
    hl = hm;
    qm = qr;
    hm = hr;
  }
  Q[w] = qm;
  H[w] = hm;
  return w + 1;
}

/** `2 f_q + e_q` of {@link nestedCandidates} for column `q`, recording the inner seed's row. */
function doubledHeight(
  outerAbove: Int32Array,
  outerBelow: Int32Array,
  innerAbove: Int32Array,
  innerBelow: Int32Array,
  base: number,
  r: number,
  q: number,
  innerRows: Int32Array,
  at: number,
): number {
  const outerUp = r - outerAbove[base + q]!;
  const outerDown = outerBelow[q]! - r;
  const outer = outerUp + ((outerDown - outerUp) & ((outerDown - outerUp) >> 31));
  const up = innerAbove[base + q]!;
  const down = innerBelow[q]!;
  const dUp = r - up;
  const dDown = down - r;
  const nearer = (dDown - dUp) >> 31; // −1 when the seed below is strictly nearer
  const inner = dUp + ((dDown - dUp) & nearer);
  innerRows[at + q] = up + ((down - up) & nearer);
  return 2 * outer * outer + Number(inner !== outer);
}

/**
 * Candidates for `nested-transform.ts`: distances to an outer seed set, where each column also
 * tells whether an inner subset is as near. Column `q` gets `f_q + e_q / 2`, with `f_q` the outer
 * squared vertical distance and `e_q` 0 when the column's nearest inner seed is as near, else 1;
 * `innerRows[at + q]` gets that inner seed's row (the one above on a tie, as the column pass
 * picks). The first round is in doubled integers: with `F = 2f + e`,
 * `h_{q−1} + h_{q+1} ≤ 2 h_q  ⇔  F_{q−1} + F_{q+1} + 4 ≤ 2 F_q`.
 */
export function nestedCandidates(
  outerAbove: Int32Array,
  outerBelow: Int32Array,
  innerAbove: Int32Array,
  innerBelow: Int32Array,
  base: number,
  r: number,
  cols: number,
  innerRows: Int32Array,
  at: number,
  Q: Int32Array,
  H: Float64Array,
): number {
  let Fl = doubledHeight(outerAbove, outerBelow, innerAbove, innerBelow, base, r, 0, innerRows, at);
  Q[0] = 0;
  H[0] = Fl / 2;
  if (cols === 1) return 1;
  let Fm = doubledHeight(outerAbove, outerBelow, innerAbove, innerBelow, base, r, 1, innerRows, at);
  let m = 1;
  for (let q = 2; q < cols; q++) {
    const F = doubledHeight(outerAbove, outerBelow, innerAbove, innerBelow, base, r, q, innerRows, at);
    const c = q - 1;
    Q[m] = c;
    H[m] = Fm / 2 + c * c;
    m += Number(Fl + F + 4 > 2 * Fm);
    Fl = Fm;
    Fm = F;
  }
  Q[m] = cols - 1;
  H[m] = Fm / 2 + (cols - 1) * (cols - 1);
  return m + 1;
}
