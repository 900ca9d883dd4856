/**
 * Mask clean-up at the end of Omnipose 1.0.6 `compute_masks`:
 * `fill_holes_and_remove_small_masks(labels, min_size, hole_size=3) * iscell`, then
 * `fastremap.renumber`.
 *
 * - Labels are visited in order of first appearance in raster order (`ncolor.format_labels`
 *   renumbers with `fastremap.renumber`, which numbers by first appearance).
 * - A mask of fewer than `minSize` pixels is removed (`npix < min_size`; the Omnipose models pass
 *   `min_size=15`).
 * - Otherwise its holes, the 4-connected components of its complement inside its bounding box
 *   padded by one pixel that do not reach the padding (`remove_small_holes(np.pad(msk, 1))`,
 *   connectivity 1), are filled when their area is below `holeSize` % of the mask's area
 *   (`area_threshold = npix·3/100`, exclusive). A filled hole may take pixels of another mask
 *   nested inside, as in Omnipose.
 * - The result is cut back to the foreground (`* iscell`: hole pixels outside it stay background)
 *   and numbered 1..count by first appearance.
 */

/** In-place clean-up of `labels` (values 0..maxLabel); returns the final count. */
export function cleanupMasks(
  labels: Int32Array,
  maxLabel: number,
  foreground: Uint8Array,
  rows: number,
  cols: number,
  minSize: number,
  holeSize: number,
): number {
  const n = rows * cols;
  // bounding boxes and visiting order (first appearance)
  const r0 = new Int32Array(maxLabel + 1).fill(rows);
  const r1 = new Int32Array(maxLabel + 1).fill(-1);
  const c0 = new Int32Array(maxLabel + 1).fill(cols);
  const c1 = new Int32Array(maxLabel + 1).fill(-1);
  const order: number[] = [];
  for (let r = 0, i = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++, i++) {
      const l = labels[i]!;
      if (l <= 0) continue;
      if (r1[l]! < 0) order.push(l);
      if (r < r0[l]!) r0[l] = r;
      r1[l] = r;
      if (c < c0[l]!) c0[l] = c;
      if (c > c1[l]!) c1[l] = c;
    }
  }
  let scratch = new Int32Array(0);
  let kept = 0;
  for (const l of order) {
    const h = r1[l]! - r0[l]! + 1;
    const w = c1[l]! - c0[l]! + 1;
    let npix = 0;
    for (let r = r0[l]!; r <= r1[l]!; r++) {
      for (let i = r * cols + c0[l]!, e = i + w; i < e; i++) if (labels[i] === l) npix++;
    }
    if (npix === 0) continue; // taken over entirely by an earlier mask's holes
    if (npix < minSize) {
      for (let r = r0[l]!; r <= r1[l]!; r++) {
        for (let i = r * cols + c0[l]!, e = i + w; i < e; i++) if (labels[i] === l) labels[i] = 0;
      }
      continue;
    }
    // already-processed masks carry negative ids, so their new numbers never collide with old ones
    const id = -++kept;
    const area = (npix * holeSize) / 100;
    if (area > 1) {
      if (scratch.length < 2 * (h + 2) * (w + 2)) scratch = new Int32Array(2 * (h + 2) * (w + 2));
      fillSmallHoles(labels, cols, r0[l]!, c0[l]!, h, w, l, area, scratch);
    }
    for (let r = r0[l]!; r <= r1[l]!; r++) {
      for (let i = r * cols + c0[l]!, e = i + w; i < e; i++) if (labels[i] === l) labels[i] = id;
    }
  }
  // cut to the foreground and renumber by first appearance
  const remap = new Int32Array(kept + 1);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const v = labels[i]!;
    if (v === 0) continue;
    if (foreground[i] === 0 || v > 0) {
      labels[i] = 0;
      continue;
    }
    const k = -v;
    if (remap[k] === 0) remap[k] = ++count;
    labels[i] = remap[k]!;
  }
  return count;
}

/**
 * Sets to `l` the holes of mask `l` in its box smaller than `area` pixels. `scratch` holds the
 * padded box state (0 = other, 1 = mask, 2 = outside/visited) and a flood stack.
 */
function fillSmallHoles(
  labels: Int32Array,
  cols: number,
  br: number,
  bc: number,
  h: number,
  w: number,
  l: number,
  area: number,
  scratch: Int32Array,
): void {
  const pw = w + 2;
  const np = (h + 2) * pw;
  const state = scratch.subarray(0, np);
  const stack = scratch.subarray(np, 2 * np);
  state.fill(0);
  for (let y = 0; y < h; y++) {
    for (let x = 0, i = (br + y) * cols + bc; x < w; x++, i++)
      if (labels[i] === l) state[(y + 1) * pw + x + 1] = 1;
  }
  // the outside: everything reachable from the padding ring (state 2)
  flood(state, stack, 0, h + 2, pw, 2);
  // every remaining 0-component is a hole: measure it, fill it if small
  for (let p = 0; p < np; p++) {
    if (state[p] !== 0) continue;
    const size = flood(state, stack, p, h + 2, pw, 3);
    if (size >= area) continue;
    // refill this hole (state 3 reachable from p) with the mask label
    flood(state, stack, p, h + 2, pw, 4, 3);
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0, i = (br + y) * cols + bc; x < w; x++, i++)
      if (state[(y + 1) * pw + x + 1] === 4) labels[i] = l;
  }
}

/** 4-connected flood from `start` over cells equal to `from` (default 0), setting them to `to`. */
function flood(
  state: Int32Array,
  stack: Int32Array,
  start: number,
  ph: number,
  pw: number,
  to: number,
  from = 0,
): number {
  let top = 0;
  let size = 0;
  state[start] = to;
  stack[top++] = start;
  while (top > 0) {
    const p = stack[--top]!;
    size++;
    const y = (p / pw) | 0;
    const x = p - y * pw;
    if (y > 0 && state[p - pw] === from) {
      state[p - pw] = to;
      stack[top++] = p - pw;
    }
    if (y < ph - 1 && state[p + pw] === from) {
      state[p + pw] = to;
      stack[top++] = p + pw;
    }
    if (x > 0 && state[p - 1] === from) {
      state[p - 1] = to;
      stack[top++] = p - 1;
    }
    if (x < pw - 1 && state[p + 1] === from) {
      state[p + 1] = to;
      stack[top++] = p + 1;
    }
  }
  return size;
}
