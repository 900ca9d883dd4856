"""The comm protocol between the kernel and the front end (typed messages; Vizarr's idea).

Store requests (front end → kernel) ask for one key of one registered store::

    {"type": "sketchpose:store", "id": "r7", "store": 0, "method": "get", "key": "/0/0/0"}

``method`` is ``has``, ``get``, ``set`` or ``delete``. A ``set`` carries its bytes as binary
buffers, in ``parts`` pieces (``part`` 0..parts-1, all with the same ``id``) when larger than the
message limit. The kernel answers every request with one or more replies::

    {"type": "sketchpose:store-reply", "id": "r7", "ok": true, "found": true,
     "part": 0, "parts": 2, "size": 12582912}          + one binary buffer (a piece of the value)
    {"type": "sketchpose:store-reply", "id": "r7", "ok": false,
     "error": {"code": "timeout", "message": "..."}}

Commands (kernel → front end: ``train``, ``stop``, ``predict``, ``set_annotations``,
``save_model``, ``load_model``, ``set_view_state``) and their replies use the same piece scheme with
types ``sketchpose:command`` / ``sketchpose:command-reply``. The front end reports its own
failures (a request that timed out on its side, a command that threw) with
``sketchpose:client-error``, which the kernel records in :attr:`ChunkServer.events`.

Pieces stay under ``max_part_bytes`` (8 MiB by default) because Jupyter's websocket refuses
messages above about 10 MB.
"""

from __future__ import annotations

import itertools
import logging
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict

if sys.version_info >= (3, 11):
    from typing import NotRequired
else:  # pragma: no cover - Python 3.10
    from typing_extensions import NotRequired

from ._stores import ReadOnlyStoreError, Store, normalize_key

__all__ = [
    "MAX_PART_BYTES",
    "ChunkServer",
    "CommandClient",
    "CommandError",
    "ProtocolEvent",
    "split_parts",
]

log = logging.getLogger("sketchpose_web")

MAX_PART_BYTES = 8 * 1024 * 1024
"""Largest binary buffer per message (Jupyter's websocket limit is about 10 MB)."""

StoreMethod = Literal["has", "get", "set", "delete"]
ErrorCode = Literal[
    "bad-request", "unknown-store", "bad-key", "read-only", "store-error", "timeout", "command-error", "cancelled"
]


class ErrorInfo(TypedDict):
    """An error as it travels in a message."""

    code: ErrorCode
    message: str


class StoreRequest(TypedDict):
    """Front end → kernel: one store operation (or one piece of a ``set``)."""

    type: Literal["sketchpose:store"]
    id: str
    store: int
    method: StoreMethod
    key: str
    part: NotRequired[int]
    parts: NotRequired[int]


class StoreReply(TypedDict):
    """Kernel → front end: the answer to a :class:`StoreRequest` (one piece)."""

    type: Literal["sketchpose:store-reply"]
    id: str
    ok: bool
    found: NotRequired[bool]
    part: NotRequired[int]
    parts: NotRequired[int]
    size: NotRequired[int]
    error: NotRequired[ErrorInfo]


class Command(TypedDict):
    """Kernel → front end: an intent for the app (one piece)."""

    type: Literal["sketchpose:command"]
    id: str
    name: str
    args: dict[str, Any]
    part: int
    parts: int


class CommandReply(TypedDict):
    """Front end → kernel: the result of a :class:`Command` (one piece)."""

    type: Literal["sketchpose:command-reply"]
    id: str
    ok: bool
    result: NotRequired[Any]
    part: NotRequired[int]
    parts: NotRequired[int]
    error: NotRequired[ErrorInfo]


class ClientError(TypedDict):
    """Front end → kernel: a failure seen by the front end."""

    type: Literal["sketchpose:client-error"]
    id: NotRequired[str]
    error: ErrorInfo


@dataclass
class ProtocolEvent:
    """A failure recorded on the kernel side (``side`` says who saw it first).

    Attributes
    ----------
    side : str
        ``"kernel"`` or ``"front end"``.
    code : str
        The error code.
    message : str
        What went wrong.
    request : str or None
        The request or command id.
    time : float
        ``time.time()`` when recorded.
    """

    side: Literal["kernel", "front end"]
    code: str
    message: str
    request: str | None = None
    time: float = field(default_factory=time.time)


SendFn = Callable[[dict[str, Any], Sequence[bytes]], None]


def split_parts(data: bytes, max_part_bytes: int = MAX_PART_BYTES) -> list[memoryview]:
    """Split ``data`` into pieces of at most ``max_part_bytes`` (at least one piece).

    Parameters
    ----------
    data : bytes
        The payload.
    max_part_bytes : int
        Largest piece.

    Returns
    -------
    list of memoryview
        Views into ``data``; one empty view for empty data.
    """
    view = memoryview(data).cast("B")
    if len(view) == 0:
        return [view]
    return [view[i : i + max_part_bytes] for i in range(0, len(view), max_part_bytes)]


def _as_bytes(buffer: Any) -> bytes:
    return bytes(buffer.tobytes() if isinstance(buffer, memoryview) else buffer)


class _Assembly:
    """Pieces of one multi-part message being collected."""

    def __init__(self, parts: int) -> None:
        self.parts = parts
        self.pieces: dict[int, bytes] = {}
        self.started = time.monotonic()

    def add(self, part: int, data: bytes) -> bytes | None:
        self.pieces[part] = data
        if len(self.pieces) < self.parts:
            return None
        return b"".join(self.pieces[i] for i in range(self.parts))


class ChunkServer:
    """Serves registered stores to the front end over a comm.

    Parameters
    ----------
    send : callable
        ``send(content, buffers)``: sends one message to the front end (``widget.send``).
    max_part_bytes : int
        Largest binary buffer per reply.
    timeout : float
        Seconds a store operation may take before the front end gets a ``timeout`` error; also
        how long an incomplete multi-part ``set`` is kept.
    workers : int
        Threads serving requests (requests are answered concurrently, in any order).
    """

    def __init__(
        self, send: SendFn, *, max_part_bytes: int = MAX_PART_BYTES, timeout: float = 30.0, workers: int = 4
    ) -> None:
        if max_part_bytes < 1:
            raise ValueError("max_part_bytes must be positive")
        self._send = send
        self.max_part_bytes = max_part_bytes
        self.timeout = timeout
        self.stores: dict[int, Store] = {}
        self.events: list[ProtocolEvent] = []
        self.on_write: Callable[[int, str], None] | None = None
        self._ids = itertools.count()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sketchpose-store")
        self._lock = threading.Lock()
        self._uploads: dict[str, _Assembly] = {}
        self._answered: set[str] = set()

    def register(self, store: Store) -> int:
        """Register ``store`` and return its id (what requests name in ``store``)."""
        with self._lock:
            sid = next(self._ids)
            self.stores[sid] = store
        return sid

    def close(self) -> None:
        """Stop the worker threads (pending requests are dropped)."""
        self._pool.shutdown(wait=False, cancel_futures=True)

    def record(self, event: ProtocolEvent) -> None:
        """Keep ``event`` and log it."""
        with self._lock:
            self.events.append(event)
            del self.events[:-200]
        log.warning("sketchpose %s %s: %s (%s)", event.side, event.code, event.message, event.request)

    # -- replies ----------------------------------------------------------------------------
    def _reply_once(self, rid: str, messages: list[tuple[StoreReply, list[Any]]]) -> bool:
        with self._lock:
            if rid in self._answered:
                return False
            self._answered.add(rid)
            if len(self._answered) > 10_000:
                self._answered.clear()
                self._answered.add(rid)
        for content, buffers in messages:
            self._send(dict(content), buffers)
        return True

    def _error(self, rid: str, code: ErrorCode, message: str) -> None:
        if self._reply_once(
            rid,
            [
                (
                    {
                        "type": "sketchpose:store-reply",
                        "id": rid,
                        "ok": False,
                        "error": {"code": code, "message": message},
                    },
                    [],
                )
            ],
        ):
            self.record(ProtocolEvent("kernel", code, message, rid))

    def _value(self, rid: str, value: bytes | None) -> None:
        if value is None:
            self._reply_once(rid, [({"type": "sketchpose:store-reply", "id": rid, "ok": True, "found": False}, [])])
            return
        pieces = split_parts(value, self.max_part_bytes)
        messages: list[tuple[StoreReply, list[Any]]] = [
            (
                {
                    "type": "sketchpose:store-reply",
                    "id": rid,
                    "ok": True,
                    "found": True,
                    "part": i,
                    "parts": len(pieces),
                    "size": len(value),
                },
                [piece],
            )
            for i, piece in enumerate(pieces)
        ]
        self._reply_once(rid, messages)

    def _ack(self, rid: str, found: bool = True) -> None:
        self._reply_once(rid, [({"type": "sketchpose:store-reply", "id": rid, "ok": True, "found": found}, [])])

    # -- requests ---------------------------------------------------------------------------
    def handle(self, content: Any, buffers: Sequence[Any] = ()) -> bool:
        """Handle one message from the front end.

        Parameters
        ----------
        content : dict
            The message content.
        buffers : sequence of bytes-like
            Its binary buffers.

        Returns
        -------
        bool
            ``True`` when the message belonged to the store protocol (handled, possibly with an
            error reply), ``False`` for other messages.
        """
        if not isinstance(content, dict):
            return False
        kind = content.get("type")
        if kind == "sketchpose:client-error":
            err = content.get("error") or {}
            self.record(
                ProtocolEvent("front end", str(err.get("code", "?")), str(err.get("message", "")), content.get("id"))
            )
            return True
        if kind != "sketchpose:store":
            return False
        rid = content.get("id")
        if not isinstance(rid, str) or not rid:
            self.record(ProtocolEvent("kernel", "bad-request", f"store request without an id: {content!r:.200}"))
            return True
        method = content.get("method")
        sid = content.get("store")
        key = content.get("key")
        if method not in ("has", "get", "set", "delete") or not isinstance(key, str) or not isinstance(sid, int):
            self._error(rid, "bad-request", f"malformed store request {content!r:.200}")
            return True
        store = self.stores.get(sid)
        if store is None:
            self._error(rid, "unknown-store", f"no store with id {sid}")
            return True
        try:
            key = normalize_key(key)
        except ValueError as exc:
            self._error(rid, "bad-key", str(exc))
            return True
        if method == "set":
            value = self._collect(rid, content, buffers)
            if value is None:
                return True
            self._run(rid, lambda: self._do_set(rid, sid, store, key, value))
        elif method == "delete":
            self._run(rid, lambda: self._do_delete(rid, sid, store, key))
        else:
            self._run(rid, lambda: self._do_read(rid, store, key, method == "has"))
        return True

    def _collect(self, rid: str, content: dict[str, Any], buffers: Sequence[Any]) -> bytes | None:
        parts = content.get("parts", 1)
        part = content.get("part", 0)
        if not isinstance(parts, int) or not isinstance(part, int) or parts < 1 or not 0 <= part < parts:
            self._error(rid, "bad-request", f"bad piece {part!r} of {parts!r}")
            return None
        if len(buffers) != 1:
            self._error(rid, "bad-request", f"a set needs exactly one binary buffer per piece, got {len(buffers)}")
            return None
        data = _as_bytes(buffers[0])
        if parts == 1:
            return data
        with self._lock:
            assembly = self._uploads.get(rid)
            if assembly is None:
                assembly = self._uploads[rid] = _Assembly(parts)
                timer = threading.Timer(self.timeout, self._expire_upload, args=(rid, assembly))
                timer.daemon = True
                timer.start()
            whole = assembly.add(part, data)
            if whole is not None:
                del self._uploads[rid]
        return whole

    def _expire_upload(self, rid: str, assembly: _Assembly) -> None:
        with self._lock:
            if self._uploads.get(rid) is not assembly:
                return
            del self._uploads[rid]
        got = len(assembly.pieces)
        self._error(rid, "timeout", f"only {got} of {assembly.parts} pieces arrived in {self.timeout:g} s; dropped")

    def _run(self, rid: str, job: Callable[[], None]) -> None:
        def guarded() -> None:
            try:
                job()
            except ReadOnlyStoreError as exc:
                self._error(rid, "read-only", str(exc))
            except Exception as exc:
                self._error(rid, "store-error", f"{type(exc).__name__}: {exc}")

        future = self._pool.submit(guarded)
        timer = threading.Timer(self.timeout, self._on_timeout, args=(rid, future))
        timer.daemon = True
        timer.start()
        future.add_done_callback(lambda _f: timer.cancel())

    def _on_timeout(self, rid: str, future: Future[None]) -> None:
        if not future.done():
            self._error(rid, "timeout", f"the store did not answer within {self.timeout:g} s")

    def _do_read(self, rid: str, store: Store, key: str, has_only: bool) -> None:
        value = store.get(key)
        if has_only:
            self._ack(rid, value is not None)
        else:
            self._value(rid, value)

    def _do_set(self, rid: str, sid: int, store: Store, key: str, value: bytes) -> None:
        store.set(key, value)
        self._ack(rid)
        if self.on_write is not None:
            self.on_write(sid, key)

    def _do_delete(self, rid: str, sid: int, store: Store, key: str) -> None:
        store.delete(key)
        self._ack(rid)
        if self.on_write is not None:
            self.on_write(sid, key)


class CommandError(RuntimeError):
    """A command that failed in the front end (or was not answered in time).

    Parameters
    ----------
    code : str
        The error code (``timeout``, ``command-error``, ``cancelled``).
    message : str
        What went wrong.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


class _Pending:
    def __init__(self, future: Future[tuple[Any, bytes | None]], timer: threading.Timer | None) -> None:
        self.future = future
        self.timer = timer
        self.assembly: _Assembly | None = None


class CommandClient:
    """Sends commands to the front end and resolves their replies as futures.

    Parameters
    ----------
    send : callable
        ``send(content, buffers)``.
    record : callable
        Where failures are recorded (:meth:`ChunkServer.record`).
    max_part_bytes : int
        Largest binary buffer per message.
    """

    def __init__(
        self, send: SendFn, record: Callable[[ProtocolEvent], None], *, max_part_bytes: int = MAX_PART_BYTES
    ) -> None:
        self._send = send
        self._record = record
        self.max_part_bytes = max_part_bytes
        self._ids = itertools.count()
        self._pending: dict[str, _Pending] = {}
        self._lock = threading.Lock()

    def call(
        self, name: str, args: dict[str, Any] | None = None, data: bytes | None = None, *, timeout: float | None = 60.0
    ) -> Future[tuple[Any, bytes | None]]:
        """Send command ``name`` and return a future of ``(result, bytes or None)``.

        Parameters
        ----------
        name : str
            Command name.
        args : dict, optional
            JSON arguments.
        data : bytes, optional
            A binary payload (sent in pieces).
        timeout : float or None
            Seconds before the future fails with a ``timeout`` :class:`CommandError`.

        Returns
        -------
        concurrent.futures.Future
            Resolved when the reply arrives (between notebook cells, when the kernel is idle).
        """
        cid = f"c{next(self._ids)}"
        future: Future[tuple[Any, bytes | None]] = Future()
        timer = None
        if timeout is not None:
            timer = threading.Timer(timeout, self._expire, args=(cid, timeout))
            timer.daemon = True
        with self._lock:
            self._pending[cid] = _Pending(future, timer)
        pieces = split_parts(data, self.max_part_bytes) if data is not None else [None]
        for i, piece in enumerate(pieces):
            content: Command = {
                "type": "sketchpose:command",
                "id": cid,
                "name": name,
                "args": args or {},
                "part": i,
                "parts": len(pieces),
            }
            self._send(dict(content), [piece] if piece is not None else [])
        if timer is not None:
            timer.start()
        return future

    def _expire(self, cid: str, timeout: float) -> None:
        with self._lock:
            pending = self._pending.pop(cid, None)
        if pending is not None and not pending.future.done():
            message = f"the front end did not answer command {cid} within {timeout:g} s (is the widget displayed?)"
            self._record(ProtocolEvent("kernel", "timeout", message, cid))
            pending.future.set_exception(CommandError("timeout", message))

    def cancel_all(self, reason: str) -> None:
        """Fail every pending command with ``cancelled``."""
        with self._lock:
            pending = list(self._pending.values())
            self._pending.clear()
        for p in pending:
            if p.timer is not None:
                p.timer.cancel()
            if not p.future.done():
                p.future.set_exception(CommandError("cancelled", reason))

    def handle(self, content: Any, buffers: Sequence[Any] = ()) -> bool:
        """Handle a ``sketchpose:command-reply``; ``False`` for other messages."""
        if not isinstance(content, dict) or content.get("type") != "sketchpose:command-reply":
            return False
        cid = content.get("id")
        with self._lock:
            pending = self._pending.get(cid) if isinstance(cid, str) else None
        if pending is None:
            self._record(ProtocolEvent("kernel", "bad-request", f"reply to unknown or expired command {cid!r}", cid))
            return True
        if not content.get("ok"):
            err = content.get("error") or {}
            self._finish(cid, pending)
            message = str(err.get("message", "command failed"))
            self._record(ProtocolEvent("front end", str(err.get("code", "command-error")), message, cid))
            pending.future.set_exception(CommandError(str(err.get("code", "command-error")), message))
            return True
        parts = content.get("parts", 1)
        data: bytes | None = _as_bytes(buffers[0]) if buffers else None
        if isinstance(parts, int) and parts > 1:
            if pending.assembly is None:
                pending.assembly = _Assembly(parts)
            data = pending.assembly.add(int(content.get("part", 0)), data or b"")
            if data is None:
                return True
        self._finish(cid, pending)
        pending.future.set_result((content.get("result"), data))
        return True

    def _finish(self, cid: str, pending: _Pending) -> None:
        with self._lock:
            self._pending.pop(cid, None)
        if pending.timer is not None:
            pending.timer.cancel()
