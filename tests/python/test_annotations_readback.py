"""The annotation store saved as OME-Zarr `labels/annotations`, read back by ome-zarr-py.

Runs tests/python/write_annotations.ts (via `npx tsx`, from the repository root) into a temporary
folder: it paints background, cell, boundary, eraser and closed-stroke edits on a 700x900 canvas
with 256-pixel tiles, saves them with `saveAnnotations` as NGFF 0.4 and 0.5, and writes the dense
codes (`annotationsToRaster`) to codes.bin. The label images must hold exactly those codes, carry
the code colours and names, and store a chunk file for the painted tiles only.
"""

import itertools
import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from ome_zarr.io import parse_url
from ome_zarr.reader import Label, Multiscales, Reader

REPO = Path(__file__).resolve().parents[2]
STORES = ["v0.4.ome.zarr", "v0.5.ome.zarr"]

# CODE_COLORS in src/engine/targets/codes.ts, as ome-zarr-py reports them (RGBA / 255)
CODE_RGBA = {1: (66, 135, 245, 160), 2: (80, 220, 100, 160), 3: (240, 60, 60, 255)}
CODE_NAMES = {1: "background", 2: "cell", 3: "boundary"}


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("annotations")
    run = subprocess.run(
        ["npx", "--no-install", "tsx", "tests/python/write_annotations.ts", str(out)],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    )
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    codes = np.fromfile(out / summary["codes"], dtype=np.uint8)
    return out, summary, codes.reshape(summary["shape"])


def painted_tiles(codes, tile):
    """`row/col` of the tiles holding any non-zero code."""
    return sorted(
        f"{r}/{c}"
        for r in range(-(-codes.shape[0] // tile))
        for c in range(-(-codes.shape[1] // tile))
        if codes[r * tile : (r + 1) * tile, c * tile : (c + 1) * tile].any()
    )


def test_painted_codes(written):
    """The dense codes hold the strokes of write_annotations.ts (checked by hand, not by the store)."""
    _, summary, codes = written
    assert codes.shape == (700, 900)
    assert summary["tileSize"] == 256
    assert set(np.unique(codes)) == {0, 1, 2, 3}
    # background stroke along row 60, cut by the eraser at col 250
    assert codes[60, 100] == 1 and codes[60, 400] == 1
    assert not codes[:200, 232:268].any()
    # the blob painted and erased in tile (0,3) left nothing, and its tile is freed
    assert not codes[:256, 768:].any()
    assert sorted(summary["tiles"]) == painted_tiles(codes, 256)
    assert "0/3" not in summary["tiles"]
    # boundary line: a 4-connected monotone chain from (300, 100) to (650, 400)
    rows, cols = np.nonzero(codes[:, :512] == 3)
    assert len(rows) == (650 - 300) + (400 - 100) + 1
    chain = sorted(zip(rows.tolist(), cols.tolist()))
    assert chain[0] == (300, 100) and chain[-1] == (650, 400)
    assert all(
        abs(r1 - r0) + abs(c1 - c0) == 1
        for (r0, c0), (r1, c1) in itertools.pairwise(chain)
    )
    # closed ring around (400, 600): hole filled with cell, outer ring turned into boundary
    assert summary["closed"] > 0
    ring = codes[330:471, 530:671]
    assert codes[400, 600] == 2 and codes[340, 600] == 2
    row = codes[400, 520:600]
    first = np.flatnonzero(row)[0]
    assert row[first] == 3 and (row[first + 1 :] == 2).all()
    assert set(np.unique(ring)) == {0, 2, 3}
    # open cell stroke, clipped at the right edge, stays cell
    assert codes[600, 700] == 2 and codes[690, 899] == 2
    assert not (codes[512:, 640:] == 3).any()


@pytest.mark.parametrize("store", STORES)
def test_ome_zarr_reads_annotations(written, store):
    out, _, codes = written
    location = parse_url(str(out / store / "labels" / "annotations"))
    assert location is not None, "ome-zarr does not see a Zarr group"
    nodes = [n for n in Reader(location)() if n.load(Label)]
    assert len(nodes) == 1
    node = nodes[0]
    assert node.load(Multiscales) is not None
    assert node.metadata["color"] == {
        k: [v / 255 for v in rgba] for k, rgba in CODE_RGBA.items()
    }
    assert node.metadata["properties"] == {
        k: {"name": name} for k, name in CODE_NAMES.items()
    }
    assert [a["name"] for a in node.metadata["axes"]] == ["y", "x"]
    assert len(node.data) == 1
    level0 = node.data[0]
    assert level0.shape == (700, 900)
    assert level0.dtype == np.uint8
    assert level0.chunksize == (256, 256)
    np.testing.assert_array_equal(np.asarray(level0), codes)


@pytest.mark.parametrize("store", STORES)
def test_only_painted_tiles_stored(written, store):
    out, summary, codes = written
    info = next(s for s in summary["stores"] if s["path"] == store)
    prefix = out / store / "labels" / "annotations" / "0"
    if info["ngff"] == "0.5":
        prefix = prefix / "c"
    metadata = {".zarray", ".zattrs", "zarr.json"}
    stored = sorted(
        p.relative_to(prefix).as_posix()
        for p in prefix.rglob("*")
        if p.is_file() and p.name not in metadata
    )
    assert stored == sorted(summary["tiles"]) == painted_tiles(codes, 256)
    assert info["written"] == len(stored)
    assert info["empty"] == 0
    assert len(stored) < 3 * 4
