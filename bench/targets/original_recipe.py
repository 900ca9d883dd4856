"""The original Sketchpose plugin's training sets, re-implemented with NumPy/SciPy.

Mirrors `trusted_region_distance(labels, boundaries)`, a nested function of the widget factory in
`napari_sketchpose/_widget.py` of napari-sketchpose 0.1.8 (PyPI wheel). There the plugin keeps two
napari layers: a "labels" layer `partition` (1 background, 2 cell, 0 unknown) and a separate
"boundaries" layer `B_manual` (non-zero where a 1-px boundary was drawn). Its recipe:

* B01 = background pixels with a 4-neighbour cell pixel (dilation of the cell mask by a 3x3 cross,
  intersected with the background mask): the background side of the interface.
* B = B01 | B_manual.
* S1 (plugin name; the paper's S0) = background strokes, S2 (the paper's S1) = cell strokes,
  S = S1 | S2.
* dist_B = Euclidean distance to the nearest B pixel (edt.edt(255 - B), i.e. black_border=False:
  the image border is not a boundary).
* dist_CB = distance from a pixel of S to the nearest pixel outside S (edt.edt(S), again the border
  does not count as unknown); 0 off S. The plugin does not take the minimum with dist_B here; D is
  unaffected by that (d_B <= min(d_B, d) iff d_B <= d).
* D = dist_B <= dist_CB, evaluated on the whole image (not intersected with S).
* Partial instances = 4-connected components (skimage.measure.label, connectivity=1) of the cell
  strokes minus B; B01 lies on the background, so only drawn boundaries cut cells apart.
* It returns (instances, D, S, S1, S2). The flows/distances are not computed there: training later
  warps the instances (nearest neighbour + mode filter) and runs Omnipose's `masks_to_flows` on the
  warped crop, while D, S, S1, S2 are warped with bilinear interpolation
  (`custom_transforms.random_crop_warp`).

Conventions of this re-implementation:

* Input is the project's single code image (0 unknown, 1 background, 2 cell, 3 boundary). The
  plugin's two layers are rebuilt as B_manual = (code 3) and partition = code with code-3 pixels
  replaced by `boundary_under` (default 2: boundaries are drawn over cell strokes, which is also what
  the project's full-label conversion produces). With `boundary_under=0` a drawn boundary pixel is
  unknown as far as S is concerned.
* Distances come from scipy.ndimage.distance_transform_edt (exact, like the `edt` package), cast to
  float32 as the plugin does. Where the seed set is empty the `edt` package returns +inf
  everywhere; that is reproduced explicitly (no B -> dist_B = inf; S covering the whole image ->
  dist_CB = inf on S), so D is empty without boundaries unless S is also the whole image (inf <= inf).
* Instance numbering follows raster order of each component's first pixel (same as skimage).
* ALGORITHM.md section 2 of this project differs on purpose: there S excludes code 3, D is a
  subset of S, d_CB includes min with d_B and treats outside the image as unknown.
"""

from __future__ import annotations

import numpy as np
import scipy.ndimage as ndi

CROSS = ndi.generate_binary_structure(2, 1)  # 4-connectivity / skimage disk(1)


def _distance_to(seeds: np.ndarray) -> np.ndarray:
    """Euclidean distance to the nearest True pixel; +inf everywhere if there is none (as `edt`)."""
    if not seeds.any():
        return np.full(seeds.shape, np.inf, np.float32)
    return ndi.distance_transform_edt(~seeds).astype(np.float32)


def original_targets(codes: np.ndarray, boundary_under: int = 2) -> dict:
    """Sketchpose 0.1.8 training sets from a code image (uint8 0/1/2/3, shape (H, W)).

    Returns a dict of arrays of shape (H, W): B01, B_manual, B, S0 (background strokes), S1 (cell
    strokes), S (all bool), dist_B, dist_CB (float32, may be +inf), D (bool), instances (int32,
    0 = none), and n_instances (int).
    """
    codes = np.asarray(codes)
    if codes.ndim != 2:
        raise ValueError(f"expected a 2-D code image, got shape {codes.shape}")
    b_manual = codes == 3
    partition = np.where(b_manual, np.uint8(boundary_under), codes)
    s0 = partition == 1
    s1 = partition == 2
    s = s0 | s1

    b01 = s0 & ndi.binary_dilation(s1, structure=CROSS)
    b = b01 | b_manual

    dist_b = _distance_to(b)
    # distance from stroke pixels to the nearest non-stroke pixel; 0 off the strokes
    dist_cb = _distance_to(~s)
    d = dist_b <= dist_cb

    instances, n = ndi.label(s1 & ~b, structure=CROSS)
    return {
        "B01": b01,
        "B_manual": b_manual,
        "B": b,
        "S0": s0,
        "S1": s1,
        "S": s,
        "dist_B": dist_b,
        "dist_CB": dist_cb,
        "D": d,
        "instances": instances.astype(np.int32),
        "n_instances": int(n),
    }
