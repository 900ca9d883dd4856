"""Minimal Zarr v2 / v3 array reading and writing on a key/value store.

Only what the widget needs: the array documents and chunk codecs that the Sketchpose front end
writes (Zarr v2 with compressor ``null``/``zlib``/``gzip``; Zarr v3 with ``bytes`` then optionally
``gzip``), plus ``blosc``/``zstd`` when :mod:`numcodecs` is installed. It lets the package read
label images back without depending on one major version of zarr-python (the package supports
Python 3.10, where zarr-python 3 is not available).
"""

from __future__ import annotations

import gzip
import json
import math
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._stores import Store, join_key

__all__ = [
    "ArrayMeta",
    "ZarrFormatError",
    "decode_chunk",
    "encode_chunk",
    "read_array",
    "read_array_meta",
    "write_array",
]


class ZarrFormatError(ValueError):
    """An array document or chunk this module cannot interpret."""


_V3_DTYPES = {
    "bool": "|b1",
    "int8": "|i1",
    "uint8": "|u1",
    "int16": "<i2",
    "uint16": "<u2",
    "int32": "<i4",
    "uint32": "<u4",
    "int64": "<i8",
    "uint64": "<u8",
    "float32": "<f4",
    "float64": "<f8",
}


@dataclass(frozen=True)
class ArrayMeta:
    """The parts of a Zarr array document needed to read or write its chunks.

    Attributes
    ----------
    zarr_format : int
        2 or 3.
    shape : tuple of int
        Array shape.
    chunks : tuple of int
        Chunk shape.
    dtype : numpy.dtype
        Element type (with byte order).
    fill_value : int or float
        Value of chunks that are not stored.
    codecs : tuple of dict
        Compression steps after the raw bytes, as ``{"id": name, ...}`` dictionaries.
    separator : str
        Chunk key separator (``"/"`` or ``"."``).
    order : str
        ``"C"`` or ``"F"`` (Zarr v2 only).
    """

    zarr_format: int
    shape: tuple[int, ...]
    chunks: tuple[int, ...]
    dtype: np.dtype
    fill_value: int | float
    codecs: tuple[dict[str, Any], ...]
    separator: str
    order: str = "C"

    @property
    def grid(self) -> tuple[int, ...]:
        """Number of chunks along each axis."""
        return tuple(math.ceil(s / c) for s, c in zip(self.shape, self.chunks, strict=True))

    def chunk_key(self, index: tuple[int, ...]) -> str:
        """Store key of chunk ``index`` relative to the array path."""
        joined = self.separator.join(str(i) for i in index)
        if self.zarr_format == 3:
            return f"c{self.separator}{joined}" if index else "c"
        return joined if index else "0"


def _fill(value: Any, dtype: np.dtype) -> int | float:
    if value is None:
        return 0
    if isinstance(value, str):
        return float(value)  # "NaN", "Infinity"
    return dtype.type(value).item()


def read_array_meta(store: Store, path: str) -> ArrayMeta | None:
    """Read the array document at ``path`` (Zarr v3 ``zarr.json`` or v2 ``.zarray``).

    Parameters
    ----------
    store : Store
        The key/value store.
    path : str
        Array path relative to the store root.

    Returns
    -------
    ArrayMeta or None
        ``None`` when neither document exists.

    Raises
    ------
    ZarrFormatError
        When the document uses features this module does not read (sharding, other codecs).
    """
    raw = store.get(join_key(path, "zarr.json"))
    if raw is not None:
        doc = json.loads(raw)
        if doc.get("node_type") != "array":
            return None
        dtype_name = doc["data_type"]
        if dtype_name not in _V3_DTYPES:
            raise ZarrFormatError(f"{path}: data type {dtype_name!r} is not supported")
        codecs: list[dict[str, Any]] = []
        endian = "little"
        for codec in doc.get("codecs", []):
            name = codec["name"]
            conf = codec.get("configuration", {})
            if name == "bytes":
                endian = conf.get("endian", "little")
            elif name in ("gzip", "zstd", "blosc"):
                codecs.append({"id": name, **conf})
            else:
                raise ZarrFormatError(f"{path}: codec {name!r} is not supported (sharding and transpose are not)")
        dtype = np.dtype(_V3_DTYPES[dtype_name])
        if endian == "big":
            dtype = dtype.newbyteorder(">")
        grid = doc["chunk_grid"]["configuration"]["chunk_shape"]
        key_enc = doc.get("chunk_key_encoding", {"name": "default"})
        separator = key_enc.get("configuration", {}).get("separator", "/" if key_enc["name"] == "default" else ".")
        if key_enc["name"] == "v2":
            raise ZarrFormatError(f"{path}: chunk key encoding 'v2' in a Zarr v3 array is not supported")
        return ArrayMeta(
            3, tuple(doc["shape"]), tuple(grid), dtype, _fill(doc.get("fill_value"), dtype), tuple(codecs), separator
        )
    raw = store.get(join_key(path, ".zarray"))
    if raw is None:
        return None
    doc = json.loads(raw)
    if doc.get("filters"):
        raise ZarrFormatError(f"{path}: Zarr v2 filters are not supported")
    dtype = np.dtype(doc["dtype"])
    compressor = doc.get("compressor")
    return ArrayMeta(
        2,
        tuple(doc["shape"]),
        tuple(doc["chunks"]),
        dtype,
        _fill(doc.get("fill_value"), dtype),
        (compressor,) if compressor else (),
        doc.get("dimension_separator", "."),
        doc.get("order", "C"),
    )


def _decompress(codec: dict[str, Any], data: bytes) -> bytes:
    name = codec["id"]
    if name == "zlib":
        return zlib.decompress(data)
    if name == "gzip":
        return gzip.decompress(data)
    try:
        import numcodecs  # noqa: PLC0415 - optional dependency
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ZarrFormatError(f"codec {name!r} needs the numcodecs package") from exc
    conf = {k: v for k, v in codec.items() if k != "id"}
    return bytes(numcodecs.get_codec({"id": name, **conf}).decode(data))


def _compress(codec: dict[str, Any], data: bytes) -> bytes:
    name = codec["id"]
    level = int(codec.get("level", 6))
    if name == "zlib":
        return zlib.compress(data, level)
    if name == "gzip":
        return gzip.compress(data, level, mtime=0)
    raise ZarrFormatError(f"writing codec {name!r} is not supported")


def decode_chunk(meta: ArrayMeta, data: bytes) -> np.ndarray:
    """Decode one stored chunk into an array of the full chunk shape.

    Parameters
    ----------
    meta : ArrayMeta
        The array's metadata.
    data : bytes
        The stored bytes.

    Returns
    -------
    numpy.ndarray
        Shape ``meta.chunks``, native byte order.
    """
    for codec in reversed(meta.codecs):
        data = _decompress(codec, data)
    expected = math.prod(meta.chunks) * meta.dtype.itemsize
    if len(data) != expected:
        raise ZarrFormatError(f"chunk has {len(data)} bytes, expected {expected} for chunk shape {meta.chunks}")
    arr = np.frombuffer(data, dtype=meta.dtype).reshape(meta.chunks, order=meta.order)
    return arr.astype(meta.dtype.newbyteorder("="), copy=False)


def encode_chunk(meta: ArrayMeta, block: np.ndarray) -> bytes:
    """Encode a block of at most the chunk shape (padded with the fill value) as stored bytes.

    Parameters
    ----------
    meta : ArrayMeta
        The array's metadata.
    block : numpy.ndarray
        Chunk content; edge chunks may be smaller than ``meta.chunks``.

    Returns
    -------
    bytes
        The encoded chunk.
    """
    if block.shape != meta.chunks:
        full = np.full(meta.chunks, meta.fill_value, dtype=meta.dtype)
        full[tuple(slice(0, s) for s in block.shape)] = block
        block = full
    data = np.ascontiguousarray(block, dtype=meta.dtype).tobytes(order=meta.order)
    for codec in meta.codecs:
        data = _compress(codec, data)
    return data


def read_array(store: Store, path: str) -> np.ndarray:
    """Read a whole array; missing chunks take the fill value.

    Parameters
    ----------
    store : Store
        The key/value store.
    path : str
        Array path relative to the store root.

    Returns
    -------
    numpy.ndarray
        The array, native byte order.

    Raises
    ------
    KeyError
        When there is no array at ``path``.
    """
    meta = read_array_meta(store, path)
    if meta is None:
        raise KeyError(f"no Zarr array at {path!r}")
    out = np.full(meta.shape, meta.fill_value, dtype=meta.dtype.newbyteorder("="))
    for index in np.ndindex(*meta.grid):
        raw = store.get(join_key(path, meta.chunk_key(index)))
        if raw is None:
            continue
        chunk = decode_chunk(meta, raw)
        region = tuple(
            slice(i * c, min((i + 1) * c, s)) for i, c, s in zip(index, meta.chunks, meta.shape, strict=True)
        )
        out[region] = chunk[tuple(slice(0, r.stop - r.start) for r in region)]
    return out


def array_document(meta: ArrayMeta, dimension_names: list[str] | None = None) -> tuple[str, dict[str, Any]]:
    """The array document ``(file name, JSON object)`` for ``meta``."""
    if meta.zarr_format == 2:
        return ".zarray", {
            "zarr_format": 2,
            "shape": list(meta.shape),
            "chunks": list(meta.chunks),
            "dtype": meta.dtype.str,
            "compressor": meta.codecs[0] if meta.codecs else None,
            "fill_value": meta.fill_value,
            "order": meta.order,
            "filters": None,
            "dimension_separator": meta.separator,
        }
    name = {v: k for k, v in _V3_DTYPES.items()}[
        meta.dtype.newbyteorder("<").str if meta.dtype.itemsize > 1 else meta.dtype.str
    ]
    codecs: list[dict[str, Any]] = [{"name": "bytes", "configuration": {"endian": "little"}}]
    codecs += [{"name": c["id"], "configuration": {k: v for k, v in c.items() if k != "id"}} for c in meta.codecs]
    doc: dict[str, Any] = {
        "zarr_format": 3,
        "node_type": "array",
        "shape": list(meta.shape),
        "data_type": name,
        "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": list(meta.chunks)}},
        "chunk_key_encoding": {"name": "default", "configuration": {"separator": meta.separator}},
        "fill_value": meta.fill_value,
        "codecs": codecs,
        "attributes": {},
    }
    if dimension_names is not None:
        doc["dimension_names"] = dimension_names
    return "zarr.json", doc


def write_array(
    store: Store,
    path: str,
    data: np.ndarray,
    chunks: tuple[int, ...],
    *,
    zarr_format: int,
    compression: str | None = "zlib",
    dimension_names: list[str] | None = None,
) -> ArrayMeta:
    """Write ``data`` as a Zarr array, storing only chunks that are not all fill value (0).

    Chunks of a previous array at ``path`` that are now all zero are deleted.

    Parameters
    ----------
    store : Store
        A writable store.
    path : str
        Array path relative to the store root.
    data : numpy.ndarray
        The values; byte order is normalised to little endian.
    chunks : tuple of int
        Chunk shape.
    zarr_format : int
        2 (with ``dimension_separator`` ``"/"``) or 3.
    compression : str or None
        ``"zlib"`` (stored as ``zlib`` in v2 and ``gzip`` in v3) or ``None``.
    dimension_names : list of str, optional
        Zarr v3 ``dimension_names``.

    Returns
    -------
    ArrayMeta
        The metadata written.
    """
    dtype = data.dtype.newbyteorder("<") if data.dtype.itemsize > 1 else data.dtype
    codecs: tuple[dict[str, Any], ...] = ()
    if compression == "zlib":
        codecs = ({"id": "zlib", "level": 6},) if zarr_format == 2 else ({"id": "gzip", "level": 6},)
    meta = ArrayMeta(zarr_format, tuple(data.shape), tuple(chunks), dtype, 0, codecs, "/")
    name, doc = array_document(meta, dimension_names)
    store.set(join_key(path, name), json.dumps(doc).encode())
    for index in np.ndindex(*meta.grid):
        region = tuple(slice(i * c, min((i + 1) * c, s)) for i, c, s in zip(index, chunks, data.shape, strict=True))
        block = data[region]
        key = join_key(path, meta.chunk_key(index))
        if not block.any():
            store.delete(key)
        else:
            store.set(key, encode_chunk(meta, block))
    return meta
