"""Turning what a notebook holds into an OME-Zarr store the front end can open.

- A numpy array (2-D, or with channels / z / t), a zarr array or a dask array becomes a *virtual*
  OME-Zarr (NGFF 0.4 on Zarr v2): metadata documents and uncompressed 512² chunks generated on
  request, with a nearest-neighbour pyramid down to one chunk (numpy levels are strided views,
  nothing is copied).
- A zarr group with ``multiscales`` (NGFF 0.4 attributes or 0.5 ``ome`` attributes) becomes the
  same kind of store over its level arrays, keeping its axes and scales.
- A path to an OME-Zarr folder or an http(s) URL is served byte for byte.
"""

from __future__ import annotations

import json
import math
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator, MutableMapping, Sequence
from typing import Any

import numpy as np

from ._stores import DirectoryStore, HttpStore, MappingStore, ReadOnlyStoreError, Store, normalize_key
from ._zarr_lite import ArrayMeta, array_document, encode_chunk

__all__ = ["ArraySource", "SourceError", "resolve_source"]

CHUNK = 512
_AXIS_TYPES = {"t": "time", "c": "channel", "z": "space", "y": "space", "x": "space"}


class SourceError(ValueError):
    """A source that cannot be shown (wrong shape, dtype or kind)."""


def _viewer_dtype(dtype: np.dtype) -> np.dtype:
    """The dtype to serve: Viv shows (u)int8/16/32 and float32."""
    if dtype == np.bool_:
        return np.dtype(np.uint8)
    if dtype.kind in "ui" and dtype.itemsize <= 4:
        return dtype.newbyteorder("<") if dtype.itemsize > 1 else dtype
    if dtype.kind in "uif":
        return np.dtype("<f4")
    raise SourceError(f"images of dtype {dtype} cannot be shown (use integers or floats)")


def _guess_axes(shape: Sequence[int], channel_axis: int | None) -> str:
    ndim = len(shape)
    if ndim == 2:
        return "yx"
    if ndim == 3:
        if channel_axis is not None:
            return "cyx" if channel_axis in (0, -3) else "yxc"
        # channels-last only for small trailing dimensions (RGB, RGBA) of a larger image
        return "yxc" if shape[-1] <= 4 < min(shape[0], shape[1]) else "cyx"
    if ndim == 4:
        return "czyx"
    if ndim == 5:
        return "tczyx"
    raise SourceError(f"an image must have 2 to 5 dimensions, got shape {tuple(shape)}")


class _Level:
    """One pyramid level: an array-like read block by block."""

    def __init__(self, parent: ArraySource, factor: int) -> None:
        self.parent = parent
        self.factor = factor
        base = parent.shape
        self.shape = tuple(math.ceil(s / factor) if ax in "yx" else s for s, ax in zip(base, parent.axes, strict=True))

    def block(self, region: tuple[slice, ...]) -> np.ndarray:
        """Read ``region`` (in this level's coordinates) as a numpy array."""
        if self.factor == 1:
            return np.asarray(self.parent.source[region])
        full = []
        for sl, ax in zip(region, self.parent.axes, strict=True):
            if ax in "yx":
                full.append(slice(sl.start * self.factor, sl.stop * self.factor, self.factor))
            else:
                full.append(sl)
        if isinstance(self.parent.source, np.ndarray):
            return self.parent.source[tuple(full)]
        # array-likes (zarr, dask): read the level-0 window once per block, then subsample
        window = tuple(slice(s.start, min(s.stop, n)) for s, n in zip(full, self.parent.shape, strict=True))
        data = np.asarray(self.parent.source[window])
        return data[tuple(slice(None, None, s.step) for s in full)]


class ArraySource:
    """A virtual OME-Zarr image (NGFF 0.4, Zarr v2) over an array-like.

    Parameters
    ----------
    source : array-like
        A numpy array, zarr array, dask array or anything with ``shape``, ``dtype`` and
        ``__getitem__`` with slices.
    axes : str, optional
        Axis names from ``tczyx`` (e.g. ``"yxc"`` for RGB); guessed from the shape by default.
    channel_axis : int, optional
        For 3-D data: 0 (channels first) or -1 (channels last).
    name : str, optional
        Image name in the metadata.
    chunk : int
        Chunk edge along ``y`` and ``x``.
    levels : list of array-like, optional
        Precomputed pyramid levels (level 0 first), each two times smaller in ``y``/``x``.
    scales : list of list of float, optional
        Scale transform per level (defaults: 1 for non-spatial axes, ``2**level`` for y/x).
    """

    def __init__(
        self,
        source: Any,
        *,
        axes: str | None = None,
        channel_axis: int | None = None,
        name: str = "image",
        chunk: int = CHUNK,
        levels: Sequence[Any] | None = None,
        scales: Sequence[Sequence[float]] | None = None,
    ) -> None:
        if not all(hasattr(source, a) for a in ("shape", "dtype", "__getitem__")):
            raise SourceError(f"cannot show a {type(source).__name__}: expected an array with shape and dtype")
        shape = tuple(int(s) for s in source.shape)
        guessed = axes or _guess_axes(shape, channel_axis)
        if len(guessed) != len(shape) or set(guessed) - set("tczyx") or len(set(guessed)) != len(guessed):
            raise SourceError(f"axes {guessed!r} do not fit an array of shape {shape}")
        if "y" not in guessed or "x" not in guessed:
            raise SourceError(f"axes {guessed!r} must include y and x")
        if min(shape) == 0:
            raise SourceError(f"an image cannot be empty, got shape {shape}")
        # serve in canonical order (t, c, z, y, x subset) as NGFF requires
        order = [guessed.index(a) for a in "tczyx" if a in guessed]
        if order != list(range(len(shape))):
            source = source.transpose(order) if hasattr(source, "transpose") else np.transpose(source, order)
            shape = tuple(shape[i] for i in order)
        self.axes = "".join(guessed[i] for i in order)
        self.source = source
        self.shape = shape
        self.dtype = _viewer_dtype(np.dtype(source.dtype))
        self.name = name
        if chunk < 16 or chunk & (chunk - 1):
            raise SourceError(f"chunk must be a power of two >= 16 (the viewer's tile size), got {chunk}")
        self.chunk = chunk
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[int, tuple[int, ...]], bytes] = OrderedDict()
        ny, nx = shape[self.axes.index("y")], shape[self.axes.index("x")]
        if levels is not None:
            self.levels: list[Any] = [_Given(lv) for lv in levels]
        else:
            count = 1 + max(0, math.ceil(math.log2(max(ny, nx) / chunk))) if max(ny, nx) > chunk else 1
            self.levels = [_Level(self, 2**k) for k in range(count)]
        self.scales = (
            [list(s) for s in scales]
            if scales is not None
            else [[float(2**k) if a in "yx" else 1.0 for a in self.axes] for k in range(len(self.levels))]
        )
        self.metas = [self._meta(level.shape) for level in self.levels]

    def _meta(self, shape: tuple[int, ...]) -> ArrayMeta:
        # the same power-of-two chunk on every level (Viv's tile size), even past a small level's edge
        chunks = tuple(self.chunk if a in "yx" else 1 for a in self.axes)
        return ArrayMeta(2, shape, chunks, self.dtype, 0, (), "/")

    def attributes(self) -> dict[str, Any]:
        """The NGFF 0.4 group attributes (``multiscales`` and, for channels, ``omero``)."""
        axes = [{"name": a, "type": _AXIS_TYPES[a]} for a in self.axes]
        datasets = [
            {"path": str(k), "coordinateTransformations": [{"type": "scale", "scale": self.scales[k]}]}
            for k in range(len(self.levels))
        ]
        attrs: dict[str, Any] = {
            "multiscales": [{"version": "0.4", "name": self.name, "axes": axes, "datasets": datasets}]
        }
        lo, hi = self._range()
        channels = self.shape[self.axes.index("c")] if "c" in self.axes else 1
        palette = ["FF0000", "00FF00", "0000FF"] if channels == 3 else ["FFFFFF"] * channels
        attrs["omero"] = {
            "version": "0.4",
            "name": self.name,
            "channels": [
                {
                    "label": f"c{i}",
                    "color": palette[i] if i < len(palette) else "FFFFFF",
                    "active": True,
                    "window": {"start": lo, "end": hi, "min": lo, "max": hi},
                }
                for i in range(channels)
            ],
            "rdefs": {"model": "color" if channels > 1 else "greyscale"},
        }
        return attrs

    def _range(self) -> tuple[float, float]:
        """Intensity range from the smallest level (cheap), for the initial contrast."""
        smallest = self.levels[-1]
        data = np.asarray(smallest.block(tuple(slice(0, s) for s in smallest.shape)), dtype=np.float64)
        finite = data[np.isfinite(data)]
        if finite.size == 0:
            return 0.0, 1.0
        lo, hi = float(finite.min()), float(finite.max())
        return (lo, hi if hi > lo else lo + 1.0)

    # -- the store interface ------------------------------------------------------------------
    def get(self, key: str) -> bytes | None:
        """Metadata documents and encoded chunks, generated on request."""
        rel = normalize_key(key)
        if rel == ".zgroup":
            return b'{"zarr_format": 2}'
        if rel == ".zattrs":
            return json.dumps(self.attributes()).encode()
        head, _, rest = rel.partition("/")
        if not head.isdigit() or int(head) >= len(self.levels) or str(int(head)) != head:
            return None
        level = int(head)
        meta = self.metas[level]
        if rest == ".zarray":
            return json.dumps(array_document(meta)[1]).encode()
        if rest == ".zattrs":
            return b"{}"
        parts = rest.split("/")
        if len(parts) != len(meta.shape) or not all(p.isdigit() for p in parts):
            return None
        index = tuple(int(p) for p in parts)
        if any(i >= g for i, g in zip(index, meta.grid, strict=True)):
            return None
        return self._chunk(level, index)

    def _chunk(self, level: int, index: tuple[int, ...]) -> bytes:
        with self._lock:
            cached = self._cache.get((level, index))
            if cached is not None:
                self._cache.move_to_end((level, index))
                return cached
        meta = self.metas[level]
        region = tuple(
            slice(i * c, min((i + 1) * c, s)) for i, c, s in zip(index, meta.chunks, meta.shape, strict=True)
        )
        block = np.asarray(self.levels[level].block(region)).astype(self.dtype, copy=False)
        data = encode_chunk(meta, block)
        with self._lock:
            self._cache[(level, index)] = data
            while len(self._cache) > 64:
                self._cache.popitem(last=False)
        return data

    def set(self, key: str, value: bytes) -> None:
        """A virtual image is read-only (writes go to an overlay)."""
        raise ReadOnlyStoreError("a virtual image store is read-only")

    def delete(self, key: str) -> None:
        """A virtual image is read-only."""
        raise ReadOnlyStoreError("a virtual image store is read-only")

    def keys(self) -> Iterator[str]:
        """Every metadata and chunk key."""
        yield ".zgroup"
        yield ".zattrs"
        for level, meta in enumerate(self.metas):
            yield f"{level}/.zarray"
            for index in np.ndindex(*meta.grid):
                yield f"{level}/" + "/".join(str(i) for i in index)


class _Given:
    """A precomputed level (from a multiscale zarr group)."""

    def __init__(self, array: Any) -> None:
        self.array = array
        self.shape = tuple(int(s) for s in array.shape)

    def block(self, region: tuple[slice, ...]) -> np.ndarray:
        return np.asarray(self.array[region])


def _group_attrs(group: Any) -> dict[str, Any]:
    attrs = dict(group.attrs)
    return dict(attrs["ome"]) if "ome" in attrs else attrs


def _from_group(group: Any, name: str | None) -> ArraySource:
    attrs = _group_attrs(group)
    multiscales = attrs.get("multiscales")
    if not multiscales:
        raise SourceError("this zarr group has no 'multiscales' metadata: pass one of its arrays instead")
    ms = multiscales[0]
    axes_list = ms.get("axes") or [{"name": a} for a in "tczyx"[-len(group[ms["datasets"][0]["path"]].shape) :]]
    axes = "".join((a["name"] if isinstance(a, dict) else a) for a in axes_list)
    arrays = [group[d["path"]] for d in ms["datasets"]]
    scales = []
    for d in ms["datasets"]:
        scale = next((t["scale"] for t in d.get("coordinateTransformations", []) if t["type"] == "scale"), None)
        scales.append([float(s) for s in scale] if scale else [1.0] * len(axes))
    return ArraySource(arrays[0], axes=axes, name=name or ms.get("name") or "image", levels=arrays, scales=scales)


def _is_zarr_group(obj: Any) -> bool:
    return hasattr(obj, "attrs") and hasattr(obj, "group_keys") and not hasattr(obj, "shape")


def resolve_source(source: Any, *, name: str | None = None, **options: Any) -> Store:
    """Return the store that serves ``source``.

    Parameters
    ----------
    source : numpy.ndarray, zarr.Array, zarr.Group, str, os.PathLike or MutableMapping
        The image: an array (2-D or with channels), a multiscale zarr group, a path to an
        OME-Zarr folder, an http(s) URL of one, or a zarr-python 2 store mapping.
    name : str, optional
        Image name for generated metadata.
    **options
        ``axes``, ``channel_axis`` and ``chunk`` for arrays.

    Returns
    -------
    Store
        A store whose root is an OME-Zarr image group.

    Raises
    ------
    SourceError
        When the source cannot be served.
    FileNotFoundError
        For a path that does not exist.
    """
    if isinstance(source, str | os.PathLike):
        text = os.fspath(source)
        if text.startswith(("http://", "https://")):
            return HttpStore(text)
        store = DirectoryStore(text)
        if store.get(".zattrs") is None and store.get("zarr.json") is None:
            raise SourceError(f"{text} is not an OME-Zarr folder (no .zattrs or zarr.json at its root)")
        return store
    if _is_zarr_group(source):
        return _from_group(source, name)
    if hasattr(source, "shape") and hasattr(source, "dtype"):
        allowed = {k: v for k, v in options.items() if k in ("axes", "channel_axis", "chunk")}
        return ArraySource(source, name=name or "image", **allowed)
    if isinstance(source, MutableMapping):
        return MappingStore(source)
    if isinstance(source, Store):
        return source
    raise SourceError(
        f"cannot show a {type(source).__name__}: pass a numpy/zarr array, a zarr group, an OME-Zarr path or a URL"
    )
