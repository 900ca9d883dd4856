"""Our OME-Zarr label writer, read back by ome-zarr-py and zarr-python, validated by ome-zarr-models.

Runs tests/python/write_labels.ts (via `npx tsx`, from the repository root) into a temporary
folder, then checks with the reference readers that the NGFF 0.4 (Zarr v2) and 0.5 (Zarr v3)
label images have the written shape, dtype, colours, properties and values, and that chunks that
were entirely 0 were not stored.
"""

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
import zarr
from ome_zarr.io import parse_url
from ome_zarr.reader import Label, Multiscales, Reader
from ome_zarr_models import open_ome_zarr

REPO = Path(__file__).resolve().parents[2]


def expected_values(shape, chunks):
    """The pattern write_labels.ts writes (keep in sync with `labelValue` there)."""
    r, c = np.indices(shape)
    values = (r * 7 + c * 3) % 50 + 1
    values[(r // chunks[0] + c // chunks[1]) % 3 == 0] = 0
    return values


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("labels")
    run = subprocess.run(
        ["npx", "--no-install", "tsx", "tests/python/write_labels.ts", str(out)],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    )
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    return out, summary


CASES = [("v0.4.ome.zarr", "masks"), ("v0.5.ome.zarr", "masks"), ("v0.5.ome.zarr", "annotations")]


@pytest.mark.parametrize(("store", "name"), CASES)
def test_ome_zarr_reader(written, store, name):
    out, summary = written
    info = next(s for s in summary if s["name"] == name and store.startswith(f"v{s['ngff']}"))
    location = parse_url(str(out / store / "labels" / name))
    assert location is not None, "ome-zarr does not see a Zarr group"
    nodes = [n for n in Reader(location)() if n.load(Label)]
    assert len(nodes) == 1
    node = nodes[0]
    assert node.load(Multiscales) is not None
    assert node.metadata["color"] == {1: [1.0, 0.0, 0.0, 1.0], 2: [0.0, 128 / 255, 1.0, 128 / 255]}
    assert node.metadata["properties"] == {1: {"class": "cell"}, 2: {"class": "boundary"}}
    assert [a["name"] for a in node.metadata["axes"]] == ["y", "x"]
    assert len(node.data) == 1
    level0 = np.asarray(node.data[0])
    assert level0.shape == tuple(info["shape"])
    assert level0.dtype == np.dtype(info["dtype"])
    np.testing.assert_array_equal(level0, expected_values(info["shape"], info["chunks"]))


@pytest.mark.parametrize(("store", "name"), CASES)
def test_zarr_python_and_sparse_chunks(written, store, name):
    out, summary = written
    info = next(s for s in summary if s["name"] == name and store.startswith(f"v{s['ngff']}"))
    group = zarr.open_group(str(out / store), mode="r")
    labels_attrs = group["labels"].attrs.asdict()
    assert name in (labels_attrs["ome"]["labels"] if info["ngff"] == "0.5" else labels_attrs["labels"])
    array = group[f"labels/{name}/0"]
    assert array.shape == tuple(info["shape"])
    assert array.dtype == np.dtype(info["dtype"])
    assert array.fill_value == 0
    np.testing.assert_array_equal(array[:], expected_values(info["shape"], info["chunks"]))

    prefix = out / store / "labels" / name / "0"
    if info["ngff"] == "0.5":
        prefix = prefix / "c"
    stored = sorted(p.relative_to(prefix).as_posix() for p in prefix.glob("*/*") if p.is_file())
    assert stored == sorted(info["written"])
    grid = [-(-s // c) for s, c in zip(info["shape"], info["chunks"])]
    empty = [f"{r}/{c}" for r in range(grid[0]) for c in range(grid[1]) if (r + c) % 3 == 0]
    assert not set(empty) & set(stored)
    assert len(empty) + len(stored) == grid[0] * grid[1]


@pytest.mark.parametrize("store", ["v0.4.ome.zarr", "v0.5.ome.zarr"])
def test_ome_zarr_models_validates(written, store):
    out, _ = written
    labels = open_ome_zarr(zarr.open_group(str(out / store / "labels"), mode="r"))
    assert type(labels).__name__ == "Labels"
    assert type(labels).__module__.endswith(".labels")
    for name in ["masks"] + (["annotations"] if store.startswith("v0.5") else []):
        image = open_ome_zarr(zarr.open_group(str(out / store / "labels" / name), mode="r"))
        assert type(image).__name__ in ("Image", "ImageLabel")
