"""OME-NGFF image geometry and label images, laid out exactly as the front end writes them.

NGFF 0.4 (Zarr v2): ``labels/.zattrs`` lists the label names; ``labels/<name>/.zattrs`` holds
``multiscales`` (axes ``y``, ``x``) and ``image-label`` (colours, properties, ``source.image``);
the array is ``labels/<name>/0`` with ``dimension_separator`` ``/`` and ``zlib``. NGFF 0.5 (Zarr v3):
the same under ``zarr.json`` ``attributes.ome``, ``gzip`` chunks and ``dimension_names``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from ._stores import Store, join_key
from ._zarr_lite import read_array, read_array_meta, write_array

__all__ = ["ANNOTATION_COLORS", "ImageInfo", "image_info", "read_label", "write_label"]

NgffVersion = Literal["0.4", "0.5"]

ANNOTATION_COLORS: list[dict[str, Any]] = [
    {"label-value": 1, "rgba": [66, 135, 245, 160]},
    {"label-value": 2, "rgba": [80, 220, 100, 160]},
    {"label-value": 3, "rgba": [240, 60, 60, 255]},
]
ANNOTATION_PROPERTIES: list[dict[str, Any]] = [
    {"label-value": 1, "name": "background"},
    {"label-value": 2, "name": "cell"},
    {"label-value": 3, "name": "boundary"},
]


@dataclass(frozen=True)
class ImageInfo:
    """The geometry of the image at a store's root.

    Attributes
    ----------
    ngff : str
        ``"0.4"`` or ``"0.5"``.
    axes : list of str
        Axis names of the level arrays.
    shape : tuple of int
        Shape of level 0.
    yx : tuple of int
        ``(rows, cols)`` of level 0.
    chunks_yx : tuple of int
        Level-0 chunk size along ``y`` and ``x``.
    scale_yx : tuple of float
        Level-0 scale along ``y`` and ``x``.
    """

    ngff: NgffVersion
    axes: list[str]
    shape: tuple[int, ...]
    yx: tuple[int, int]
    chunks_yx: tuple[int, int]
    scale_yx: tuple[float, float]


def _group_attrs(store: Store, path: str) -> tuple[NgffVersion, dict[str, Any]] | None:
    raw = store.get(join_key(path, "zarr.json"))
    if raw is not None:
        doc = json.loads(raw)
        return "0.5", dict(doc.get("attributes", {}).get("ome", {}))
    raw = store.get(join_key(path, ".zattrs"))
    if raw is not None:
        return "0.4", dict(json.loads(raw))
    return None


def image_info(store: Store) -> ImageInfo:
    """Read the multiscales metadata at the store root.

    Parameters
    ----------
    store : Store
        An OME-Zarr image store.

    Returns
    -------
    ImageInfo
        Level-0 geometry.

    Raises
    ------
    ValueError
        When the root has no ``multiscales`` or no ``y``/``x`` axes.
    """
    found = _group_attrs(store, "")
    if found is None or not found[1].get("multiscales"):
        raise ValueError("the store root is not an OME-Zarr image (no multiscales metadata)")
    ngff, attrs = found
    ms = attrs["multiscales"][0]
    dataset = ms["datasets"][0]
    meta = read_array_meta(store, dataset["path"])
    if meta is None:
        raise ValueError(f"level 0 array {dataset['path']!r} is missing")
    axes = [a["name"] if isinstance(a, dict) else str(a) for a in ms.get("axes", [])]
    if not axes:
        axes = list("tczyx"[-len(meta.shape) :])
    if "y" not in axes or "x" not in axes:
        raise ValueError(f"the image axes {axes} have no y and x")
    iy, ix = axes.index("y"), axes.index("x")
    scale = next(
        (t["scale"] for t in dataset.get("coordinateTransformations", []) if t.get("type") == "scale"),
        [1.0] * len(axes),
    )
    return ImageInfo(
        ngff,
        axes,
        meta.shape,
        (meta.shape[iy], meta.shape[ix]),
        (meta.chunks[iy], meta.chunks[ix]),
        (float(scale[iy]), float(scale[ix])),
    )


def read_label(store: Store, name: str) -> np.ndarray | None:
    """Level 0 of ``labels/<name>``, or ``None`` when there is no such label image.

    Parameters
    ----------
    store : Store
        The image store.
    name : str
        Label name (``annotations``, ``masks``).

    Returns
    -------
    numpy.ndarray or None
        The label array (2-D).
    """
    path = join_key("labels", name)
    found = _group_attrs(store, path)
    dataset = "0"
    if found is not None and found[1].get("multiscales"):
        dataset = found[1]["multiscales"][0]["datasets"][0]["path"]
    if read_array_meta(store, join_key(path, dataset)) is None:
        return None
    return read_array(store, join_key(path, dataset))


def write_label(
    store: Store,
    name: str,
    data: np.ndarray,
    *,
    info: ImageInfo,
    colors: list[dict[str, Any]] | None = None,
    properties: list[dict[str, Any]] | None = None,
    chunks: tuple[int, int] | None = None,
) -> None:
    """Write ``data`` as the label image ``labels/<name>`` (one level, zero chunks omitted).

    Parameters
    ----------
    store : Store
        A writable image store.
    name : str
        Label name.
    data : numpy.ndarray
        2-D unsigned integers of the image's ``(rows, cols)``.
    info : ImageInfo
        The image geometry (NGFF version, scale).
    colors, properties : list of dict, optional
        ``image-label`` entries.
    chunks : tuple of int, optional
        Chunk shape; defaults to the existing label's chunks, else 256².
    """
    path = join_key("labels", name)
    existing = read_array_meta(store, join_key(path, "0"))
    if chunks is None:
        chunks = (
            (existing.chunks[0], existing.chunks[1])
            if existing is not None and len(existing.chunks) == 2
            else (256, 256)
        )
    zarr_format = 2 if info.ngff == "0.4" else 3
    write_array(
        store,
        join_key(path, "0"),
        data,
        chunks,
        zarr_format=zarr_format,
        compression="zlib",
        dimension_names=["y", "x"] if zarr_format == 3 else None,
    )
    multiscale: dict[str, Any] = {
        "name": name,
        "axes": [{"name": "y", "type": "space"}, {"name": "x", "type": "space"}],
        "datasets": [{"path": "0", "coordinateTransformations": [{"type": "scale", "scale": list(info.scale_yx)}]}],
    }
    image_label: dict[str, Any] = {
        "colors": colors or [],
        "properties": properties or [],
        "source": {"image": "../../"},
    }
    if info.ngff == "0.4":
        multiscale["version"] = "0.4"
        _write_group(
            store, path, "0.4", {"multiscales": [multiscale], "image-label": {"version": "0.4", **image_label}}
        )
    else:
        _write_group(store, path, "0.5", {"version": "0.5", "multiscales": [multiscale], "image-label": image_label})
    listed = _group_attrs(store, "labels")
    names = list(listed[1].get("labels", [])) if listed is not None else []
    if name not in names:
        names.append(name)
    labels_ome: dict[str, Any] = {"labels": names}
    if info.ngff == "0.5":
        labels_ome["version"] = "0.5"
    _write_group(store, "labels", info.ngff, labels_ome)


def _write_group(store: Store, path: str, ngff: NgffVersion, ome: dict[str, Any]) -> None:
    if ngff == "0.4":
        store.set(join_key(path, ".zgroup"), b'{"zarr_format": 2}')
        store.set(join_key(path, ".zattrs"), json.dumps(ome).encode())
    else:
        doc = {"zarr_format": 3, "node_type": "group", "attributes": {"ome": ome}}
        store.set(join_key(path, "zarr.json"), json.dumps(doc).encode())
