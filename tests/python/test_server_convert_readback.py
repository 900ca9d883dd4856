"""`sketchpose serve`'s PNG/TIFF → OME-Zarr converter, read back by ome-zarr-py and zarr-python,
validated by ome-zarr-models.

Runs tests/python/write_converted.ts (via `npx tsx`) into a temporary folder, then checks that the
NGFF 0.4 (Zarr v2) and 0.5 (Zarr v3) images have the written axes, levels and scales, that level 0
holds the original pixels and that each next level is the 2×2 mean (rounded half up) of the one
before.
"""

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
import zarr
from ome_zarr.io import parse_url
from ome_zarr.reader import Multiscales, Reader
from ome_zarr_models import open_ome_zarr

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    out = tmp_path_factory.mktemp("converted")
    run = subprocess.run(
        ["npx", "--no-install", "tsx", "tests/python/write_converted.ts", str(out)],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    )
    return out, json.loads(run.stdout.strip().splitlines()[-1])


def mean2(plane):
    """2×2 mean with partial edge blocks, rounded half up (the converter's Math.round)."""
    rows, cols = plane.shape
    padded = np.zeros((rows + rows % 2, cols + cols % 2))
    count = np.zeros_like(padded)
    padded[:rows, :cols] = plane
    count[:rows, :cols] = 1
    s = padded.reshape(padded.shape[0] // 2, 2, -1, 2).sum(axis=(1, 3))
    n = count.reshape(count.shape[0] // 2, 2, -1, 2).sum(axis=(1, 3))
    return np.floor(s / n + 0.5).astype(plane.dtype)


def original(out, info):
    raw = np.fromfile(out / info["raw"], dtype=np.uint8)
    return raw.reshape(info["levels"][0])


@pytest.mark.parametrize("index", [0, 1, 2])
def test_ome_zarr_py_reads_every_level(converted, index):
    out, summary = converted
    info = summary[index]
    location = parse_url(str(out / info["store"]))
    assert location is not None
    node = next(iter(Reader(location)()))
    assert node.load(Multiscales) is not None
    assert [a["name"] for a in node.metadata["axes"]] == info["axes"]
    assert len(node.data) == len(info["levels"])
    level = original(out, info)
    for i, data in enumerate(node.data):
        array = np.asarray(data)
        assert array.shape == tuple(info["levels"][i])
        assert array.dtype == np.uint8
        np.testing.assert_array_equal(array, level)
        if level.ndim == 2:
            level = mean2(level)
        else:
            level = np.stack([mean2(c) for c in level])


@pytest.mark.parametrize("index", [0, 1, 2])
def test_zarr_python_metadata_and_scales(converted, index):
    out, summary = converted
    info = summary[index]
    group = zarr.open_group(str(out / info["store"]), mode="r")
    attrs = group.attrs.asdict()
    ome = attrs["ome"] if info["ngff"] == "0.5" else attrs
    ms = ome["multiscales"][0]
    assert [d["path"] for d in ms["datasets"]] == [str(i) for i in range(len(info["levels"]))]
    for i, d in enumerate(ms["datasets"]):
        scale = d["coordinateTransformations"][0]["scale"]
        assert scale[-2:] == [2**i, 2**i]
        assert group[d["path"]].shape == tuple(info["levels"][i])
    assert len(ome["omero"]["channels"]) == info["channels"]


@pytest.mark.parametrize("index", [0, 1, 2])
def test_ome_zarr_models_validates(converted, index):
    out, summary = converted
    image = open_ome_zarr(zarr.open_group(str(out / summary[index]["store"]), mode="r"))
    assert type(image).__name__ == "Image"
