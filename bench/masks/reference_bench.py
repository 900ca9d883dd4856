"""Times omnipose 1.0.6 `compute_masks` (CPU) on the inputs written by bench/masks/inputs.ts and
saves its masks next to them; prints JSON timings (milliseconds) for bench/masks/run.ts.

    /work/refvenv/bin/python bench/masks/reference_bench.py DIR [--repeats 5]

Same call as tests/fixtures/masks/make_fixtures.py: compute_masks(flow, distance, bd=None,
nclasses=3, flow_threshold=0.0, min_size=15, use_gpu=False, omni=True), with torch limited to one
thread (like the single-threaded TypeScript engine) and again with torch's default thread count.
Wall-clock median/min and the minimum process CPU time are recorded (CPU time is the steadier
number on a shared machine).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
import warnings
from importlib.metadata import version
from pathlib import Path

warnings.filterwarnings("ignore")

import numpy as np  # noqa: E402
import torch  # noqa: E402

import omnipose.core as ocore  # noqa: E402

CALL = dict(bd=None, nclasses=3, flow_threshold=0.0, min_size=15, use_gpu=False, omni=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    d = Path(args.dir)
    default_threads = torch.get_num_threads()
    out = {
        "versions": {p: version(p) for p in ["omnipose", "torch", "numpy", "scikit-learn"]},
        "machine": f"{platform.processor() or platform.machine()} x {os.cpu_count()}, python {platform.python_version()}",
        "torch_default_threads": default_threads,
        "timings_ms": {},
    }
    for f in sorted(d.glob("*__distance.npy")):
        name = f.name[: -len("__distance.npy")]
        distance = np.load(f)
        flow = np.load(d / f"{name}__flow.npy")
        masks = None
        for threads in (1, default_threads):
            torch.set_num_threads(threads)
            masks = ocore.compute_masks(flow, distance, device=torch.device("cpu"), **CALL)[0]  # warm-up
            times, cpu = [], []
            for _ in range(args.repeats):
                t0, c0 = time.perf_counter(), time.process_time()
                ocore.compute_masks(flow, distance, device=torch.device("cpu"), **CALL)
                times.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.process_time() - c0) * 1000)
            out["timings_ms"][f"{name}@{threads}"] = {
                "median": float(np.median(times)),
                "min": float(min(times)),
                "cpu_min": float(min(cpu)),
            }
        np.save(d / f"{name}__omnipose.npy", np.asarray(masks).astype(np.int32))
        out.setdefault("counts", {})[name] = int(masks.max())
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
