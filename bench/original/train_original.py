"""The original Sketchpose plugin (napari-sketchpose 0.1.8, PyPI) trained headless on the frugal
case of bench/accuracy, then run on the same held-out images; the masks are written for this
project's metric code (`sketchpose evaluate`, see run.sh).

    /work/napvenv/bin/python bench/original/train_original.py OUT EPOCHS BATCH PATCH LR
    (bench/original/run.sh runs it, then scores the masks)

OUT is bench/accuracy's output folder: it reads OUT/data/frugal_img.tif (the grey image, already
rescaled to the benchmark's object diameter), OUT/data/frugal_codes.png (the simulated strokes,
codes 0-3) and OUT/data/test_fluorescence_nuclei__*_img.tif; it writes OUT/original/train/ (the
plugin's training folder), OUT/masks/original_frugal/fluorescence_nuclei/*.tif and
OUT/original/log.json.

How the plugin is driven (read from its source in site-packages):
- Its command-line training, `python -m napari_sketchpose --train --omni --dir DIR ...`
  (__main__.py → evaluation_training/Custom_cellpose_omni_for_training.CustomCellposeModel), reads
  DIR/<i>_img.*, the label image DIR/<i>_masks.*, DIR/<i>_D.png (valid distance set) and
  DIR/<i>_S.png (annotated pixels). In 0.1.8 it stops before the first step with
  `TypeError: random_rotate_and_resize() missing 2 required positional arguments: 'S1' and 'S2'`
  (the training module was not updated when custom_transforms gained two arguments).
  ORIGINAL_MODE=cli reproduces this.
- So the default (ORIGINAL_MODE=widget) runs the training the plugin's GUI runs (_widget.py,
  train()): napari_sketchpose/Custom_cellpose_omni.CustomCellposeModel.train(images, labels, D, S,
  S1, S2, ...), consumed as the widget's thread_worker consumes it, without napari.
- The training inputs are made from the strokes as the GUI makes them (_widget.py,
  trusted_region_distance): B = background pixels 4-adjacent to cell pixels, plus drawn boundaries;
  d_B = edt(not B); d_CB = edt(S); D = d_B <= d_CB; labels = 4-connected components of the cell
  strokes minus B; S1/S2 = background/cell strokes.
- The package's __init__ imports the napari GUI (_widget.py: napari, Qt); training does not need
  it, so the package is loaded with an empty __init__ (only its submodules run).
- The training code hard-codes CUDA (`.to("cuda")`, `torch.cuda.BoolTensor`); this machine has no
  GPU, so tensors sent to "cuda" stay on the CPU. Nothing else is changed.
"""

import glob
import importlib.util
import json
import os
import sys
import time
import types

import numpy as np
import tifffile
import torch
from edt import edt
from scipy.ndimage import label as nd_label
from skimage.io import imread, imsave

out_dir, epochs, batch, patch, lr = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
torch.set_num_threads(int(os.environ.get("ORIGINAL_THREADS", "1")))

# ---------------------------------------------------------------- CPU instead of hard-coded CUDA
_to = torch.Tensor.to


def _cpu_to(self, *args, **kwargs):
    args = tuple("cpu" if (isinstance(a, str) and a.startswith("cuda")) or (isinstance(a, torch.device) and a.type == "cuda") else a for a in args)
    if "device" in kwargs and str(kwargs["device"]).startswith("cuda"):
        kwargs["device"] = "cpu"
    return _to(self, *args, **kwargs)


torch.Tensor.to = _cpu_to
torch.Tensor.cuda = lambda self, *a, **k: self
torch.cuda.BoolTensor = torch.BoolTensor
torch.cuda.FloatTensor = torch.FloatTensor

# ---------------------------------------------------------------- the package without its GUI __init__
spec = importlib.util.find_spec("napari_sketchpose")
pkg_dir = os.path.dirname(spec.origin)
pkg = types.ModuleType("napari_sketchpose")
pkg.__path__ = [pkg_dir]
sys.modules["napari_sketchpose"] = pkg

# ---------------------------------------------------------------- the plugin's training folder
train_dir = os.path.join(out_dir, "original", "train")
os.makedirs(train_dir, exist_ok=True)
for f in glob.glob(os.path.join(train_dir, "*")):
    if os.path.isfile(f):
        os.remove(f)
image = tifffile.imread(os.path.join(out_dir, "data", "frugal_img.tif")).astype(np.float32)
codes = imread(os.path.join(out_dir, "data", "frugal_codes.png")).astype(np.uint8)
partition = np.where(codes == 3, 2, codes).astype(np.uint8)  # a drawn boundary lies on a cell stroke
b_manual = codes == 3
cells = partition == 2
near_cell = cells.copy()
near_cell[1:] |= cells[:-1]
near_cell[:-1] |= cells[1:]
near_cell[:, 1:] |= cells[:, :-1]
near_cell[:, :-1] |= cells[:, 1:]
B = (near_cell & (partition == 1)) | b_manual
dist_B = edt(np.where(B, 0, 255).astype(np.uint8)).astype(np.float32)
S = ((partition == 1) | (partition == 2)).astype(np.uint8)
dist_CB = edt(S).astype(np.float32)
D = (dist_B <= dist_CB).astype(np.uint8)
labels, _ = nd_label(cells & ~B, structure=[[0, 1, 0], [1, 1, 1], [0, 1, 0]])
tifffile.imwrite(os.path.join(train_dir, "0_img.tif"), image)
tifffile.imwrite(os.path.join(train_dir, "0_masks.tif"), labels.astype(np.uint16))
imsave(os.path.join(train_dir, "0_D.png"), D, check_contrast=False)
imsave(os.path.join(train_dir, "0_S.png"), S, check_contrast=False)

# ---------------------------------------------------------------- headless training
mode = os.environ.get("ORIGINAL_MODE", "widget")
t0 = time.time()
losses = []
if mode == "cli":
    # The plugin's command-line training (`python -m napari_sketchpose --train ...`). In 0.1.8 it
    # fails before the first step: evaluation_training/Custom_cellpose_omni_for_training.py calls
    # custom_transforms.random_rotate_and_resize(X, Y, D, S, ...) but that function now requires
    # two more lists (S1, S2): TypeError: missing 2 required positional arguments: 'S1' and 'S2'.
    from napari_sketchpose.__main__ import main  # noqa: E402

    sys.argv = [
        "napari_sketchpose", "--train", "--omni", "--dir", train_dir, "--img_filter", "_img",
        "--mask_filter", "_masks", "--pretrained_model", "None", "--n_epochs", str(epochs),
        "--batch_size", str(batch), "--tyx", f"{patch},{patch}", "--learning_rate", str(lr),
        "--diameter", "0", "--chan", "0", "--chan2", "0", "--save_every", str(epochs), "--verbose",
    ]
    main()
    sys.exit(0)

# The training the plugin's GUI runs (_widget.py, train()): CustomCellposeModel from
# napari_sketchpose/Custom_cellpose_omni.py, model.train(images, labels, D, S, S1, S2, ...) consumed
# as the generator the widget's thread_worker consumes (one yield per epoch). Same call and
# defaults as the widget (RAdam, the REX learning-rate schedule, channels [0, 0]) except: CPU,
# batch/patch/epochs set to bench/accuracy's budget, and rescale=False because the image is
# already rescaled to the benchmark's object diameter.
from napari_sketchpose.Custom_cellpose_omni import CustomCellposeModel  # noqa: E402

S1 = (partition == 1).astype(np.uint8)
S2 = (partition == 2).astype(np.uint8)
saved = os.environ.get("ORIGINAL_EVAL_ONLY")  # a checkpoint the training saved: only predict
model = CustomCellposeModel(gpu=False, pretrained_model=saved or False, nchan=2, omni=True)
for epoch, loss_list, _ in [] if saved else model.train(
    [image], [labels], [D], [S], [S1], [S2], n_epochs=epochs, SGD=False, learning_rate=lr,
    min_train_masks=1, save_path=train_dir, channels=[0, 0], batch_size=batch, tyx=(patch, patch),
    rescale=False,
):
    losses = [float(v) for v in loss_list]
    if epoch % 10 == 0 or epoch == epochs:
        print(f"epoch {epoch}/{epochs} loss {losses[-1]:.4f} ({time.time() - t0:.0f} s)", flush=True)
train_seconds = time.time() - t0

# ---------------------------------------------------------------- prediction on the held-out images
pred_dir = os.path.join(out_dir, "masks", "original_frugal", "fluorescence_nuclei")
os.makedirs(pred_dir, exist_ok=True)
t1 = time.time()
counts = {}
for path in sorted(glob.glob(os.path.join(out_dir, "data", "test_fluorescence_nuclei__*_img.tif"))):
    stem = os.path.basename(path)[len("test_fluorescence_nuclei__"):-len("_img.tif")]
    shape = json.load(open(path.replace("_img.tif", "_shape.json")))
    img = tifffile.imread(path).astype(np.float32)
    masks = model.eval(img, channels=[0, 0], rescale=1.0, diameter=None, flow_threshold=0, omni=True,
                       net_avg=False, augment=False, tile=True, resample=True)[0]
    # back to the original resolution (nearest), as bench/accuracy does with its own masks
    r0, c0 = masks.shape
    r1, c1 = shape["original"]
    ri = np.minimum(r0 - 1, ((np.arange(r1) + 0.5) * r0 / r1).astype(int))
    ci = np.minimum(c0 - 1, ((np.arange(c1) + 0.5) * c0 / c1).astype(int))
    full = masks[ri][:, ci].astype(np.uint32)
    tifffile.imwrite(os.path.join(pred_dir, stem + ".tif"), full)
    counts[stem] = int(full.max())
    print(stem, "masks:", counts[stem], flush=True)
json.dump({"trainSeconds": train_seconds, "evalSeconds": time.time() - t1, "counts": counts,
           "epochs": epochs, "batch": batch, "patch": patch, "lr": lr, "losses": losses, "mode": mode, "evalOnly": saved,
           "torch": torch.__version__, "threads": torch.get_num_threads()},
          open(os.path.join(out_dir, "original", "log.json"), "w"), indent=1)
