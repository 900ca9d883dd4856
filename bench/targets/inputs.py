"""Deterministic benchmark inputs shared by the Python reference and the TypeScript benchmark.

    /work/refvenv/bin/python bench/targets/inputs.py OUTDIR [--seed 0]

writes plain .npy files (uint8, C order, no compression) that both sides load:

    codes_2048.npy  uint8 (2048, 2048)  annotation codes: 0 unknown, 1 background, 2 cell, 3 boundary
    codes_288.npy   uint8 (288, 288)
    seeds_2048.npy  uint8 (2048, 2048)  0/1, about 1% of pixels set (seed set for distance transforms)
    seeds_288.npy   uint8 (288, 288)

Code images: a full label image of randomly placed discs (radius 5-16 px) that are allowed to
overlap and are then split by nearest scaled centre, so many cells touch; converted to codes the way
the project converts full labels (background 1, cell 2, cell pixels 4-adjacent to a different cell
3); then everything outside a set of random brush strokes (smooth random walks, brush radius 2-9 px)
is set to 0 (unknown), as with partial annotations. Only numpy (default_rng(seed)) and scipy are
used, so the arrays are the same on every machine with these library versions.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import scipy.ndimage as ndi

CROSS = ndi.generate_binary_structure(2, 1)


def random_disc_labels(rng: np.random.Generator, size: int, fill: float = 0.45) -> np.ndarray:
    """Label image (int32) of random discs; overlapping discs split by nearest scaled centre."""
    mean_area = np.pi * 10.5**2
    n = int(round(fill * size * size / mean_area))
    cy = rng.uniform(0, size, n)
    cx = rng.uniform(0, size, n)
    rad = rng.uniform(5.0, 16.0, n)
    labels = np.zeros((size, size), np.int32)
    best = np.full((size, size), np.inf)  # normalised distance |p - c| / r of the owning disc
    for k in range(n):
        r = rad[k]
        y0, y1 = max(int(cy[k] - r), 0), min(int(cy[k] + r) + 2, size)
        x0, x1 = max(int(cx[k] - r), 0), min(int(cx[k] + r) + 2, size)
        if y0 >= y1 or x0 >= x1:
            continue
        yy, xx = np.mgrid[y0:y1, x0:x1]
        nd = np.hypot(yy - cy[k], xx - cx[k]) / r
        win = (nd <= 1.0) & (nd < best[y0:y1, x0:x1])
        best[y0:y1, x0:x1][win] = nd[win]
        labels[y0:y1, x0:x1][win] = k + 1
    return labels


def labels_to_codes(labels: np.ndarray) -> np.ndarray:
    """Full labels -> codes: background 1, cell 2, cell pixel 4-adjacent to a different cell 3."""
    codes = np.where(labels > 0, 2, 1).astype(np.uint8)
    p = np.pad(labels, 1, mode="edge")  # outside the image is not a different cell
    centre = p[1:-1, 1:-1]
    touch = np.zeros(labels.shape, bool)
    for nb in (p[:-2, 1:-1], p[2:, 1:-1], p[1:-1, :-2], p[1:-1, 2:]):
        touch |= (nb > 0) & (nb != centre)
    codes[(labels > 0) & touch] = 3
    return codes


def random_strokes(rng: np.random.Generator, size: int, coverage: float = 0.3) -> np.ndarray:
    """Boolean mask of brush strokes: smooth random walks painted with a round brush."""
    radii = np.array([2, 3, 5, 7, 9])
    n_strokes = max(2, int(round(coverage * size * size / (2 * 5.2 * 150 * 1.0))))
    centres = {int(r): np.zeros((size, size), bool) for r in radii}
    for _ in range(n_strokes):
        r = int(rng.choice(radii))
        steps = int(rng.integers(40, 260))
        turn = rng.normal(0.0, 0.25, steps).cumsum() + rng.uniform(0, 2 * np.pi)
        y = rng.uniform(0, size) + np.cumsum(np.sin(turn))
        x = rng.uniform(0, size) + np.cumsum(np.cos(turn))
        iy, ix = np.rint(y).astype(int), np.rint(x).astype(int)
        ok = (iy >= 0) & (iy < size) & (ix >= 0) & (ix < size)
        centres[r][iy[ok], ix[ok]] = True
    mask = np.zeros((size, size), bool)
    for r, c in centres.items():
        if c.any():
            mask |= ndi.distance_transform_edt(~c) <= r
    return mask


def make_codes(rng: np.random.Generator, size: int) -> np.ndarray:
    codes = labels_to_codes(random_disc_labels(rng, size))
    codes[~random_strokes(rng, size)] = 0
    return codes


def make_seeds(rng: np.random.Generator, size: int, fraction: float = 0.01) -> np.ndarray:
    return (rng.random((size, size)) < fraction).astype(np.uint8)


def make_inputs(seed: int = 0) -> dict[str, np.ndarray]:
    """The four benchmark arrays, deterministic in `seed`."""
    rng = np.random.default_rng(seed)
    return {
        "codes_2048": make_codes(rng, 2048),
        "codes_288": make_codes(rng, 288),
        "seeds_2048": make_seeds(rng, 2048),
        "seeds_288": make_seeds(rng, 288),
    }


def save_inputs(outdir: str | Path, seed: int = 0) -> dict[str, np.ndarray]:
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    arrays = make_inputs(seed)
    for name, arr in arrays.items():
        np.save(out / f"{name}.npy", np.ascontiguousarray(arr, dtype=np.uint8), allow_pickle=False)
    return arrays


def main() -> None:
    ap = argparse.ArgumentParser(description="write deterministic benchmark inputs (.npy)")
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    arrays = save_inputs(args.outdir, args.seed)
    for name, arr in arrays.items():
        counts = np.bincount(arr.ravel(), minlength=4)
        frac = ", ".join(f"{v}: {c / arr.size:.3f}" for v, c in enumerate(counts) if c)
        print(f"{name}: {arr.shape} {arr.dtype}  fractions {{{frac}}}")


if __name__ == "__main__":
    main()
