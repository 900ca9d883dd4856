"""Key/value stores the kernel serves to the front end.

Keys are ``/``-separated paths relative to the store root (``labels/annotations/0/.zarray``);
a leading ``/`` (zarrita's form) is accepted and removed. :func:`normalize_key` refuses keys that
could leave the root. Every store has ``get``/``set``/``delete``/``keys``; read-only stores raise
:class:`ReadOnlyStoreError` from ``set``/``delete``, and :class:`OverlayStore` puts an in-memory
layer for writes (the front end's autosaved labels) over any of them.
"""

from __future__ import annotations

import os
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Protocol, runtime_checkable

__all__ = [
    "DirectoryStore",
    "HttpStore",
    "MappingStore",
    "MemoryStore",
    "OverlayStore",
    "ReadOnlyStoreError",
    "Store",
    "join_key",
    "normalize_key",
]


class ReadOnlyStoreError(PermissionError):
    """A write to a store that does not accept writes."""


def normalize_key(key: str) -> str:
    """Return ``key`` without a leading ``/``, refusing keys that could escape the store root.

    Parameters
    ----------
    key : str
        A store key such as ``"/0/.zarray"`` or ``"labels/.zattrs"``.

    Returns
    -------
    str
        The relative key.

    Raises
    ------
    ValueError
        For empty keys, empty / ``.`` / ``..`` segments, backslashes, NUL or drive letters.
    """
    if not isinstance(key, str) or not key:
        raise ValueError(f"store key must be a non-empty string, got {key!r}")
    if key.startswith("//") or (len(key) > 1 and key[1] == ":"):
        raise ValueError(f"store key {key!r} is an absolute filesystem path")
    if "\\" in key or "\0" in key:
        raise ValueError(f"store key {key!r} contains a backslash or NUL")
    rel = key[1:] if key.startswith("/") else key
    for segment in rel.split("/"):
        if segment in ("", ".", ".."):
            raise ValueError(f"store key {key!r} has an empty, '.' or '..' segment")
    return rel


def join_key(*parts: str) -> str:
    """Join key pieces, dropping empty ones (``join_key("", "a", "b/c")`` is ``"a/b/c"``)."""
    return "/".join(s for p in parts for s in p.split("/") if s)


@runtime_checkable
class Store(Protocol):
    """The store interface: bytes by key, ``None`` when absent."""

    def get(self, key: str) -> bytes | None:
        """Return the bytes under ``key`` or ``None``."""

    def set(self, key: str, value: bytes) -> None:
        """Store ``value`` under ``key``."""

    def delete(self, key: str) -> None:
        """Remove ``key``; a missing key is not an error."""

    def keys(self) -> Iterator[str]:
        """Iterate over the stored keys (may be unsupported for remote stores)."""


class MemoryStore:
    """A thread-safe in-memory store.

    Parameters
    ----------
    data : dict, optional
        Initial content (keys are normalised).
    """

    def __init__(self, data: dict[str, bytes] | None = None) -> None:
        self._data: dict[str, bytes] = {}
        self._lock = threading.Lock()
        for k, v in (data or {}).items():
            self.set(k, v)

    def get(self, key: str) -> bytes | None:
        """Return the bytes under ``key`` or ``None``."""
        with self._lock:
            return self._data.get(normalize_key(key))

    def set(self, key: str, value: bytes) -> None:
        """Store ``value`` under ``key``."""
        with self._lock:
            self._data[normalize_key(key)] = bytes(value)

    def delete(self, key: str) -> None:
        """Remove ``key`` if present."""
        with self._lock:
            self._data.pop(normalize_key(key), None)

    def keys(self) -> Iterator[str]:
        """Iterate over a snapshot of the keys."""
        with self._lock:
            return iter(sorted(self._data))


class DirectoryStore:
    """A directory on disk (an OME-Zarr folder); read-only unless ``writable``.

    Parameters
    ----------
    root : str or os.PathLike
        The folder.
    writable : bool
        Accept ``set``/``delete`` (they write files under ``root``).
    """

    def __init__(self, root: str | os.PathLike[str], *, writable: bool = False) -> None:
        self.root = Path(root).resolve()
        self.writable = writable
        if not self.root.is_dir():
            raise FileNotFoundError(f"{self.root} is not a directory")

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*normalize_key(key).split("/"))

    def get(self, key: str) -> bytes | None:
        """Return the file's bytes or ``None``."""
        path = self._path(key)
        try:
            return path.read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None

    def set(self, key: str, value: bytes) -> None:
        """Write the file (atomically replaced)."""
        if not self.writable:
            raise ReadOnlyStoreError(f"{self.root} is opened read-only")
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".partial")
        tmp.write_bytes(value)
        tmp.replace(path)

    def delete(self, key: str) -> None:
        """Remove the file if present."""
        if not self.writable:
            raise ReadOnlyStoreError(f"{self.root} is opened read-only")
        self._path(key).unlink(missing_ok=True)

    def keys(self) -> Iterator[str]:
        """Iterate over the files, as keys."""
        for dirpath, _dirs, files in os.walk(self.root):
            for name in files:
                yield Path(dirpath, name).relative_to(self.root).as_posix()


class HttpStore:
    """A read-only store over HTTP(S): ``GET <url>/<key>``, 404/403 meaning absent.

    Parameters
    ----------
    url : str
        The base URL of the OME-Zarr.
    timeout : float
        Seconds per request.
    """

    def __init__(self, url: str, *, timeout: float = 20.0) -> None:
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise ValueError(f"not an http(s) URL: {url!r}")
        self.url = url.rstrip("/")
        self.timeout = timeout

    def get(self, key: str) -> bytes | None:
        """Fetch ``<url>/<key>``; ``None`` on 404 or 403."""
        quoted = urllib.parse.quote(normalize_key(key))
        try:
            with urllib.request.urlopen(f"{self.url}/{quoted}", timeout=self.timeout) as response:  # noqa: S310
                return response.read()
        except urllib.error.HTTPError as exc:
            if exc.code in (403, 404):
                return None
            raise

    def set(self, key: str, value: bytes) -> None:
        """Always refused."""
        raise ReadOnlyStoreError(f"{self.url} is read-only")

    def delete(self, key: str) -> None:
        """Always refused."""
        raise ReadOnlyStoreError(f"{self.url} is read-only")

    def keys(self) -> Iterator[str]:
        """Listing is not possible over plain HTTP."""
        raise NotImplementedError("an HTTP store cannot list its keys")


class MappingStore:
    """A store over a ``MutableMapping`` of bytes (a zarr-python 2 store or a plain ``dict``).

    Parameters
    ----------
    mapping : MutableMapping
        The mapping; keys are relative paths.
    """

    def __init__(self, mapping: MutableMapping[str, bytes]) -> None:
        self.mapping = mapping

    def get(self, key: str) -> bytes | None:
        """Return ``bytes(mapping[key])`` or ``None``."""
        try:
            return bytes(self.mapping[normalize_key(key)])
        except KeyError:
            return None

    def set(self, key: str, value: bytes) -> None:
        """Assign ``mapping[key]``."""
        self.mapping[normalize_key(key)] = bytes(value)

    def delete(self, key: str) -> None:
        """Remove ``key`` if present."""
        self.mapping.pop(normalize_key(key), None)

    def keys(self) -> Iterator[str]:
        """Iterate over the mapping's keys."""
        return iter(list(self.mapping.keys()))


class OverlayStore:
    """Writes go to an in-memory layer over a (possibly read-only) base store.

    Reads see the layer first; deleted keys read as absent even if the base has them.

    Parameters
    ----------
    base : Store
        The store underneath (the image).
    """

    def __init__(self, base: Store) -> None:
        self.base = base
        self.layer = MemoryStore()
        self._deleted: set[str] = set()
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        """The layer's value, else (unless deleted) the base's."""
        rel = normalize_key(key)
        value = self.layer.get(rel)
        if value is not None:
            return value
        with self._lock:
            if rel in self._deleted:
                return None
        return self.base.get(rel)

    def set(self, key: str, value: bytes) -> None:
        """Store in the layer."""
        rel = normalize_key(key)
        with self._lock:
            self._deleted.discard(rel)
        self.layer.set(rel, value)

    def delete(self, key: str) -> None:
        """Hide ``key`` (removes it from the layer)."""
        rel = normalize_key(key)
        with self._lock:
            self._deleted.add(rel)
        self.layer.delete(rel)

    def written_keys(self) -> list[str]:
        """Keys written (and not deleted) in the layer."""
        return list(self.layer.keys())

    def keys(self) -> Iterator[str]:
        """Base keys (where listable) and layer keys, without deleted ones."""
        seen = set(self.layer.keys())
        with self._lock:
            deleted = set(self._deleted)
        yield from sorted(seen)
        for k in self.base.keys():
            if k not in seen and k not in deleted:
                yield k
