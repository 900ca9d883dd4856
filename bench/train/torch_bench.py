"""PyTorch side of bench/train/run.sh: Omnipose 1.0.6's own CPnet on the CPU, 2 threads.

    /work/refvenv/bin/python bench/train/torch_bench.py [--repeats 3] > out.json

Prints one JSON object (times in seconds; each entry has min, median, runs):

- train: one full-width training step, batch 8 x 2 x 224 x 224 -> 4 outputs, as Omnipose's
  `UnetModel._train_step` does it (cellpose_omni/core.py): zero_grad, net.train(), forward,
  Omnipose's own loss `omnipose.core.loss` (cellpose_omni/models.py `loss_fn`: weighted flow MSE,
  SSL_Norm sine-squared + norm terms, boundary BCE-with-logits, weighted distance MSE and the 2-step
  Euler/IVP loss of torchvf, with the criteria `_set_criterion` builds), backward, and
  `torch_optimizer.RAdam(lr 0.1, betas (0.95, 0.999), eps 1e-8, weight_decay 1e-4)`: the optimizer
  Omnipose (SGD=False) and the Sketchpose plugin train with. Targets come from Omnipose's own
  `masks_to_flows` + `batch_labels` on synthetic disk labels (prepared once, not timed).
- loss: that loss alone (forward + backward on a fixed prediction), to show its share of the step.
- infer: eval mode, torch.no_grad(), one 1 x 2 x 1024 x 1024 image, plain (dense) tensors.
- infer_mkldnn: the same through `torch.utils.mkldnn.to_mkldnn(net)` and `net.mkldnn = True`, as
  Omnipose's `UnetModel.network` runs CPU inference when MKL-DNN is available.

Each measurement: one untimed warm-up, then `--repeats` timed runs.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import statistics
import sys
import time
import warnings
from importlib.metadata import version
from types import SimpleNamespace

warnings.filterwarnings("ignore")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch_optimizer  # noqa: E402
from cellpose_omni.resnet_torch import CPnet  # noqa: E402
from torch.utils import mkldnn as mkldnn_utils  # noqa: E402

import omnipose.core  # noqa: E402
import omnipose.loss  # noqa: E402

NBASE = [2, 32, 64, 128, 256]
NOUT = 4
BATCH, SIDE = 8, 224
INFER_SIDE = 1024


def build_net() -> torch.nn.Module:
    """Omnipose's CPnet as `UnetModel` builds it (see tests/fixtures/cpnet/make_fixture.py)."""
    return CPnet(list(NBASE), NOUT, sz=3, residual_on=True, style_on=True, concatenation=False,
                 mkldnn=False, dim=2, checkpoint=False, dropout=False, kernel_size=2)


def disk_labels(rng: np.random.Generator, side: int, count: int = 14) -> np.ndarray:
    """Non-overlapping-ish random disks (radius 8-18 px) as an instance label image."""
    labels = np.zeros((side, side), np.int32)
    yy, xx = np.mgrid[:side, :side]
    for k in range(1, count + 1):
        r = rng.uniform(8, 18)
        cy, cx = rng.uniform(r, side - r, size=2)
        disk = (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r
        labels[disk & (labels == 0)] = k
    return labels


def omnipose_targets(labels: np.ndarray) -> torch.Tensor:
    """`lbl` [N, 7, H, W] as Omnipose's training builds it (masks_to_flows, then batch_labels)."""
    masks, bds, ts, mus = [], [], [], []
    for lab in labels:
        m, _, bd, t, mu = omnipose.core.masks_to_flows(lab, use_gpu=False, device=torch.device("cpu"))
        masks.append(torch.as_tensor(np.asarray(m), dtype=torch.float32))
        bds.append(torch.as_tensor(np.asarray(bd), dtype=torch.float32))
        ts.append(torch.as_tensor(np.asarray(t), dtype=torch.float32))
        mus.append(torch.as_tensor(np.asarray(mu), dtype=torch.float32))
    return omnipose.core.batch_labels(torch.stack(masks), torch.stack(bds), torch.stack(ts),
                                      torch.stack(mus), (SIDE, SIDE), 2, NOUT, torch.device("cpu"))


def criteria() -> SimpleNamespace:
    """The attributes `omnipose.core.loss(self, lbl, y)` reads, as `_set_criterion` sets them."""
    return SimpleNamespace(
        nclasses=NOUT, dim=2,
        criterion=torch.nn.MSELoss(reduction="mean"),
        criterion2=torch.nn.BCEWithLogitsLoss(reduction="mean"),
        criterion3=omnipose.loss.SSL_Norm(),
        criterion12=omnipose.loss.WeightedMSELoss(),
        criterion0=omnipose.loss.EulerLoss(torch.device("cpu")),
    )


def timed(fn, repeats: int) -> dict:
    """Wall-clock seconds of each run, and CPU seconds (user + system, all threads of the process:
    load-independent) as `cpu` / `cpuMin`."""
    fn()  # warm-up
    runs, cpu = [], []
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        fn()
        runs.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return {"min": min(runs), "median": statistics.median(runs), "runs": runs, "cpu": cpu,
            "cpuMin": min(cpu)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--skip-mkldnn", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(0)
    rng = np.random.default_rng(0)

    net = build_net()
    params = sum(p.numel() for p in net.parameters())
    crit = criteria()
    x = torch.randn(BATCH, 2, SIDE, SIDE)
    lbl = omnipose_targets(np.stack([disk_labels(rng, SIDE) for _ in range(BATCH)]))
    optimizer = torch_optimizer.RAdam(net.parameters(), lr=0.1, betas=(0.95, 0.999), eps=1e-8,
                                      weight_decay=1e-4)
    losses: list[float] = []

    def train_step() -> None:
        optimizer.zero_grad()
        net.train()
        y = net(x.clone())[0]
        loss = omnipose.core.loss(crit, lbl, y)
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))

    train = timed(train_step, args.repeats)
    print(f"torch train step: {train}", file=sys.stderr)

    with torch.no_grad():
        net.train()
        y_fixed = net(x)[0].detach()

    def loss_only() -> None:
        y = y_fixed.clone().requires_grad_(True)
        omnipose.core.loss(crit, lbl, y).backward()

    loss = timed(loss_only, args.repeats)

    net.eval()
    xi = torch.randn(1, 2, INFER_SIDE, INFER_SIDE)

    def infer_dense() -> None:
        with torch.no_grad():
            net(xi)[0].numpy()

    infer = timed(infer_dense, args.repeats)
    print(f"torch infer: {infer}", file=sys.stderr)

    infer_mkl = None
    if not args.skip_mkldnn and torch.backends.mkldnn.is_available():
        mnet = mkldnn_utils.to_mkldnn(copy.deepcopy(net).eval())
        mnet.mkldnn = True

        def infer_mkldnn() -> None:
            with torch.no_grad():
                y = mnet(xi)[0]
                (y.to_dense() if y.is_mkldnn else y).numpy()

        try:
            infer_mkl = timed(infer_mkldnn, args.repeats)
        except Exception as err:  # noqa: BLE001
            infer_mkl = {"error": str(err)}
        print(f"torch infer mkldnn: {infer_mkl}", file=sys.stderr)

    print(json.dumps({
        "runtime": "pytorch",
        "threads": torch.get_num_threads(),
        "versions": {"python": platform.python_version(), "torch": torch.__version__,
                     "omnipose": version("omnipose"), "torch_optimizer": version("torch-optimizer"),
                     "numpy": np.__version__},
        "parameters": params,
        "cpu": platform.processor() or platform.machine(),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "train": {**train, "batch": BATCH, "side": SIDE, "loss_values": losses},
        "loss": {**loss, "batch": BATCH, "side": SIDE},
        "infer": {**infer, "side": INFER_SIDE},
        "infer_mkldnn": infer_mkl,
    }, indent=1))


if __name__ == "__main__":
    main()
