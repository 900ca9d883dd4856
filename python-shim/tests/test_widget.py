"""The widget end to end against a fake comm: sources served as OME-Zarr the front end can open,
label chunks written by the real engine (src/engine, via `npx tsx`) read back as numpy, numpy round
trips of annotations and masks, and OME-Zarr written by `to_ome_zarr` read back by ome-zarr-py."""

from __future__ import annotations

import json
import subprocess
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
import zarr
from ome_zarr.format import FormatV04, FormatV05
from ome_zarr.io import parse_url
from ome_zarr.reader import Label, Multiscales, Reader
from ome_zarr.writer import write_image

from sketchpose_web import CommandError, Sketchpose, SourceError
from sketchpose_web._zarr_lite import decode_chunk, read_array_meta

REPO = Path(__file__).resolve().parents[2]


def image(shape=(700, 900), dtype=np.uint16, seed=0):
    return np.random.default_rng(seed).integers(0, 4000, shape).astype(dtype)


def read_level(fe, level: str):
    """Assemble a level from the chunks the front end would fetch (all over the fake comm)."""
    meta = read_array_meta(_Remote(fe), level)
    out = np.zeros(meta.shape, meta.dtype)
    for index in np.ndindex(*meta.grid):
        raw = fe.get(f"/{level}/" + "/".join(map(str, index)))
        chunk = decode_chunk(meta, raw)
        region = tuple(
            slice(i * c, min((i + 1) * c, s)) for i, c, s in zip(index, meta.chunks, meta.shape, strict=True)
        )
        out[region] = chunk[tuple(slice(0, r.stop - r.start) for r in region)]
    return out


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class _Remote:
    def __init__(self, fe):
        self.fe = fe

    def get(self, key):
        return self.fe.get("/" + key)


def test_numpy_image_is_served_as_ngff_04_with_a_2x_pyramid(front):
    data = image()
    w, fe = front(data, name="cells")
    attrs = json.loads(fe.get("/.zattrs"))
    ms = attrs["multiscales"][0]
    assert ms["version"] == "0.4" and ms["name"] == "cells"
    assert [a["name"] for a in ms["axes"]] == ["y", "x"]
    assert [d["coordinateTransformations"][0]["scale"] for d in ms["datasets"]] == [[1.0, 1.0], [2.0, 2.0]]
    np.testing.assert_array_equal(read_level(fe, "0"), data)
    np.testing.assert_array_equal(read_level(fe, "1"), data[::2, ::2])
    assert fe.get("/2/.zarray") is None and fe.get("/0/9/9") is None
    assert w._configs == [{"name": "cells", "source": {"id": 0}, "shape": [700, 900]}]


def test_rgb_channels_last_becomes_cyx_and_float64_becomes_float32(front):
    rgb = np.random.default_rng(2).random((40, 50, 3))
    _, fe = front(rgb)
    ms = json.loads(fe.get("/.zattrs"))["multiscales"][0]
    assert [a["name"] for a in ms["axes"]] == ["c", "y", "x"]
    level = read_level(fe, "0")
    assert level.dtype == np.float32
    np.testing.assert_allclose(level, np.moveaxis(rgb, -1, 0).astype(np.float32))


def test_sources_that_cannot_be_shown_are_refused_with_reasons(tmp_path):
    with pytest.raises(SourceError, match="2 to 5 dimensions"):
        Sketchpose(np.zeros(10))
    with pytest.raises(SourceError, match="dtype complex128"):
        Sketchpose(np.zeros((4, 4), complex))
    with pytest.raises(SourceError, match="not an OME-Zarr folder"):
        Sketchpose(tmp_path)
    with pytest.raises(FileNotFoundError):
        Sketchpose(tmp_path / "missing.zarr")


def test_zarr_array_and_multiscale_group_sources(front, tmp_path):
    data = image((300, 260), np.uint8, seed=3)
    arr = zarr.create_array(tmp_path / "a.zarr", shape=data.shape, chunks=(100, 100), dtype="uint8")
    arr[:] = data
    _, fe = front(arr)
    np.testing.assert_array_equal(read_level(fe, "0"), data)

    root = zarr.open_group(tmp_path / "img.ome.zarr", mode="w", zarr_format=3)
    write_image(data, root, axes="yx", fmt=FormatV05(), scale_factors=[2])
    w, fe = front(zarr.open_group(tmp_path / "img.ome.zarr", mode="r"))
    assert len(json.loads(fe.get("/.zattrs"))["multiscales"][0]["datasets"]) == 2
    np.testing.assert_array_equal(read_level(fe, "1"), np.asarray(root["s1"]))  # served as 0, 1
    assert w.annotations.shape == (300, 260)


def test_an_ome_zarr_url_is_served_through_the_kernel(front, tmp_path):
    data = image((120, 90), np.uint16, seed=4)
    root = zarr.open_group(tmp_path / "web.ome.zarr", mode="w", zarr_format=2)
    write_image(data, root, axes="yx", fmt=FormatV04(), scale_factors=[])
    handler = partial(QuietHandler, directory=str(tmp_path))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        w, fe = front(f"http://127.0.0.1:{httpd.server_port}/web.ome.zarr")
        assert w.image_info.yx == (120, 90)
        assert fe.get("/labels/.zattrs") is None  # a 404 reads as a missing key
        np.testing.assert_array_equal(read_level(fe, "s0"), data)  # served byte for byte
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def engine_labels(tmp_path_factory):
    """labels/annotations written by the TypeScript engine's saveAnnotations (NGFF 0.4 and 0.5)."""
    out = tmp_path_factory.mktemp("engine")
    run = subprocess.run(
        ["npx", "--no-install", "tsx", "tests/python/write_annotations.ts", str(out)],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    )
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    codes = np.fromfile(out / summary["codes"], dtype=np.uint8).reshape(summary["shape"])
    return out, codes


def push_labels(fe, folder: Path) -> int:
    """Send every file under folder/labels as a front-end `set`, in 1-kB pieces."""
    count = 0
    for path in sorted((folder / "labels").rglob("*")):
        if path.is_file():
            key = "/" + path.relative_to(folder).as_posix()
            assert fe.set(key, path.read_bytes(), part_bytes=1024)["ok"]
            count += 1
    return count


def test_annotations_autosaved_by_the_engine_over_the_comm_read_back_ngff_04(front, engine_labels):
    out, codes = engine_labels
    w, fe = front(image())
    assert not w.annotations.any()
    assert push_labels(fe, out / "v0.4.ome.zarr") > 4
    got = w.annotations
    assert got.dtype == np.uint8
    np.testing.assert_array_equal(got, codes)
    assert w.revision > 0


def test_annotations_autosaved_by_the_engine_read_back_ngff_05(front, engine_labels, tmp_path):
    out, codes = engine_labels
    root = zarr.open_group(tmp_path / "img.ome.zarr", mode="w", zarr_format=3)
    write_image(image(), root, axes="yx", fmt=FormatV05(), scale_factors=[])
    w, fe = front(tmp_path / "img.ome.zarr")
    push_labels(fe, out / "v0.5.ome.zarr")
    np.testing.assert_array_equal(w.annotations, codes)
    assert not (tmp_path / "img.ome.zarr" / "labels").exists()  # the source folder is not written


def test_annotations_round_trip_and_are_served_to_the_front_end(front):
    w, fe = front(image((600, 530)))
    codes = np.zeros((600, 530), np.uint8)
    codes[10:40, 20:90] = 1
    codes[300:310, 500:530] = 2
    codes[599, 529] = 3
    w.set_annotations(codes)
    np.testing.assert_array_equal(w.annotations, codes)
    # the front end reloads them from labels/annotations (NGFF 0.4: .zarray + zlib chunks, zero tiles absent)
    meta = json.loads(fe.get("/labels/annotations/0/.zarray"))
    assert meta["compressor"]["id"] == "zlib" and meta["dimension_separator"] == "/"
    assert meta["chunks"] == [512, 512]  # the image chunk = the front end's tile size
    assert fe.get("/labels/annotations/0/1/0") is None
    codes[:] = 0
    w.set_annotations(codes)
    assert fe.get("/labels/annotations/0/0/0") is None and not w.annotations.any()


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        (np.zeros((5, 5), np.uint8), "shape"),
        (np.full((600, 530), 4, np.uint8), "value 4 at \\(row 0, col 0\\)"),
        (np.zeros((600, 530), np.float32), "integer"),
    ],
)
def test_bad_annotations_are_refused(front, bad, match):
    w, _ = front(image((600, 530)))
    with pytest.raises(ValueError, match=match):
        w.set_annotations(bad)


def test_masks_round_trip_as_uint32(front):
    w, fe = front(image((300, 300)))
    assert w.masks is None
    masks = np.zeros((300, 300), np.int64)
    masks[5:50, 5:50] = 1
    masks[100:200, 150:290] = 70_000  # needs more than 16 bits
    w.set_masks(masks)
    got = w.masks
    assert got.dtype == np.uint32
    np.testing.assert_array_equal(got, masks)
    assert json.loads(fe.get("/labels/.zattrs"))["labels"] == ["masks"]


@pytest.mark.parametrize("ngff", ["0.4", "0.5"])
def test_to_ome_zarr_is_read_back_by_ome_zarr_py(front, tmp_path, ngff):
    data = image((700, 900), np.uint16, seed=5)
    if ngff == "0.4":
        w, _ = front(data, name="cells")
        target = tmp_path / "out.ome.zarr"
    else:  # an NGFF 0.5 folder: labels are written next to the image, in place
        target = tmp_path / "in-place.ome.zarr"
        write_image(
            data, zarr.open_group(target, mode="w", zarr_format=3), axes="yx", fmt=FormatV05(), scale_factors=[2]
        )
        w, _ = front(target)
    codes = np.zeros(data.shape, np.uint8)
    codes[100:200, 100:300] = 2
    codes[400:420, :] = 1
    masks = np.zeros(data.shape, np.uint32)
    masks[100:200, 100:300] = 7
    w.set_annotations(codes)
    w.set_masks(masks)
    assert w.to_ome_zarr(target) == target

    reader = Reader(parse_url(str(target)))
    nodes = list(reader())
    image_node = nodes[0]
    assert Multiscales.matches(image_node.zarr)
    np.testing.assert_array_equal(np.asarray(image_node.data[0]), data)
    labels = {n.zarr.path.rstrip("/").split("/")[-1]: n for n in nodes if Label.matches(n.zarr)}
    assert set(labels) == {"annotations", "masks"}
    np.testing.assert_array_equal(np.asarray(labels["annotations"].data[0]), codes)
    np.testing.assert_array_equal(np.asarray(labels["masks"].data[0]), masks)
    colors = labels["annotations"].metadata["color"]
    assert colors[2] == [80 / 255, 220 / 255, 100 / 255, 160 / 255]


def test_save_and_load_model_travel_as_commands_in_pieces(front, tmp_path):
    """save_model writes what the front end answers (manifest + bytes in pieces); load_model sends
    a model folder or a .pth file as bytes in pieces with its format."""
    w, fe = front(image((64, 64)), max_part_bytes=1000)
    saved = w.save_model(tmp_path / "model")
    [(cmd, _)] = [m for m in fe.comm.sent if m[0].get("type") == "sketchpose:command"]
    assert cmd["name"] == "save_model"
    weights = bytes(range(256)) * 9  # 2304 bytes: three pieces
    manifest = {"format": "sketchpose-weights", "version": 1, "entries": []}
    for i, start in enumerate(range(0, len(weights), 1000)):
        fe.send(
            {
                "type": "sketchpose:command-reply",
                "id": cmd["id"],
                "ok": True,
                "result": {"manifest": manifest, "step": 2},
                "part": i,
                "parts": 3,
            },
            [weights[start : start + 1000]],
        )
    assert saved.result(timeout=2) == tmp_path / "model"
    assert json.loads((tmp_path / "model" / "weights.json").read_text()) == manifest
    assert (tmp_path / "model" / "weights.bin").read_bytes() == weights

    fe.comm.sent.clear()
    w.load_model(tmp_path / "model")
    pieces = [m for m in fe.comm.sent if m[0].get("type") == "sketchpose:command"]
    assert [(c["name"], c["part"], c["parts"]) for c, _ in pieces] == [("load_model", i, 3) for i in range(3)]
    assert pieces[0][0]["args"] == {"format": "sketchpose", "manifest": manifest}
    assert b"".join(b[0] for _, b in pieces) == weights
    assert all(len(b[0]) <= 1000 for _, b in pieces)

    fe.comm.sent.clear()
    (tmp_path / "bact.pth").write_bytes(b"PK\x03\x04 state dict")
    w.load_model(tmp_path / "bact.pth")
    [(cmd, buffers)] = fe.comm.sent
    assert cmd["args"] == {"format": "pth", "name": "bact.pth"} and buffers == [b"PK\x03\x04 state dict"]


def test_commands_fail_when_the_front_end_reports_an_error(front):
    w, fe = front(image((64, 64)))
    started = w.train(epochs=3, learning_rate=0.005)
    [(cmd, _)] = [m for m in fe.comm.sent if m[0].get("type") == "sketchpose:command"]
    assert cmd["args"] == {"epochs": 3, "learning_rate": 0.005}
    fe.send(
        {
            "type": "sketchpose:command-reply",
            "id": cmd["id"],
            "ok": False,
            "error": {"code": "command-error", "message": "no strokes yet"},
        }
    )
    with pytest.raises(CommandError, match="no strokes yet"):
        started.result(timeout=1)
    assert [(e.side, e.code) for e in w.events] == [("front end", "command-error")]
    with pytest.raises(ValueError, match="epochs"):
        w.train(epochs=0)


def test_progress_traits_drive_the_notebook_progress_bar(front):
    """The front end's synced progress moves an ipywidgets bar (what a notebook user watches)."""
    w, _ = front(image((64, 64)))
    box = w.progress_bar()
    bar, label = box.children
    assert bar.value == 0.0
    w.status = "training"
    w.progress = {"fraction": 0.25, "step": 5, "steps": 20, "loss": 0.5}
    assert bar.value == 0.25
    assert label.value == "training step 5 loss 0.5"
    w.view_state = {"target": [10, 20], "zoom": 2}  # a plain synced trait, as in vizarr
    assert w.view_state["zoom"] == 2
