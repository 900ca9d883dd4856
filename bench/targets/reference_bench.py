"""Reference timings (Python) for the distance transforms and the original Sketchpose target recipe.

    /work/refvenv/bin/python bench/targets/reference_bench.py [INPUT_DIR] [--make] [--seed 0]

INPUT_DIR (default bench/out/inputs) holds the .npy files written by bench/targets/inputs.py
(codes_2048, codes_288, seeds_2048, seeds_288); --make (re)generates them there first. The
TypeScript benchmark loads the very same files. Prints one JSON object to stdout: median wall-clock
milliseconds per case (time.perf_counter), with the repeat count and the environment.

Cases: scipy.ndimage.distance_transform_edt and edt.edt (single thread, parallel=1) of
"distance to the nearest seed" (input: seeds == 0) at 2048x2048 and 288x288, and
original_targets (bench/targets/original_recipe.py) on the 288x288 and 2048x2048 code images.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np
import scipy.ndimage as ndi

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import edt  # noqa: E402

from inputs import save_inputs  # noqa: E402
from original_recipe import original_targets  # noqa: E402

NAMES = ("codes_2048", "codes_288", "seeds_2048", "seeds_288")


def bench(fn, repeats: int, warmup: int = 1) -> dict:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return {"median_ms": round(statistics.median(times), 3), "min_ms": round(min(times), 3), "repeats": repeats}


def main() -> None:
    ap = argparse.ArgumentParser(description="reference timings (JSON on stdout)")
    ap.add_argument("input_dir", nargs="?", default=str(HERE.parent / "out" / "inputs"))
    ap.add_argument("--make", action="store_true", help="generate the inputs into input_dir first")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    src = Path(args.input_dir)
    if args.make or not all((src / f"{n}.npy").exists() for n in NAMES):
        save_inputs(src, args.seed)
    a = {n: np.load(src / f"{n}.npy") for n in NAMES}
    for n, arr in a.items():
        if arr.dtype != np.uint8 or arr.ndim != 2:
            raise SystemExit(f"{n}: expected a 2-D uint8 array, got {arr.dtype} {arr.shape}")

    free = {n: a[f"seeds_{n}"] == 0 for n in ("2048", "288")}  # distance to the nearest seed
    results = {
        "scipy_edt_2048": bench(lambda: ndi.distance_transform_edt(free["2048"]), 5),
        "scipy_edt_288": bench(lambda: ndi.distance_transform_edt(free["288"]), 21),
        "edt_2048": bench(lambda: edt.edt(free["2048"], black_border=False, parallel=1), 5),
        "edt_288": bench(lambda: edt.edt(free["288"], black_border=False, parallel=1), 21),
        "original_targets_288": bench(lambda: original_targets(a["codes_288"]), 21),
        "original_targets_2048": bench(lambda: original_targets(a["codes_2048"]), 5),
    }
    # cross-check: both EDTs agree
    d1 = ndi.distance_transform_edt(free["288"])
    d2 = edt.edt(free["288"], black_border=False, parallel=1)
    agree = float(np.abs(d1 - d2).max())
    t288 = original_targets(a["codes_288"])
    out = {
        "timings_ms": {k: v["median_ms"] for k, v in results.items()},
        "details": results,
        "edt_vs_scipy_max_abs_diff_288": agree,
        "original_targets_288_summary": {
            "n_instances": t288["n_instances"],
            "D_pixels": int(t288["D"].sum()),
            "S_pixels": int(t288["S"].sum()),
            "B_pixels": int(t288["B"].sum()),
        },
        "input_dir": str(src),
        "env": {
            "python": platform.python_version(),
            "numpy": version("numpy"),
            "scipy": version("scipy"),
            "edt": version("edt"),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
        },
    }
    json.dump(out, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
