"""A fake comm and a Python stand-in for the front end's comm store.

`FakeComm` replaces the widget's comm: what the widget sends is queued, and `FrontEnd` delivers
requests through the widget's real custom-message path (`_handle_custom_msg`) and reassembles the
pieces of the replies exactly as src/widgets/anywidget-entry.ts does.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

import pytest

from sketchpose_web import Sketchpose


class FakeComm:
    """Stands in for ipywidgets' comm: records every message the widget sends."""

    comm_id = "fake-comm"
    kernel = "fake kernel"  # ipywidgets only sends through a comm that has a kernel

    def __init__(self) -> None:
        self.sent: list[tuple[dict[str, Any], list[bytes]]] = []

    def send(self, data: Any = None, metadata: Any = None, buffers: Any = None) -> None:
        if data["method"] == "custom":  # state updates ("update") are not protocol messages
            self.sent.append((data["content"], [bytes(b) for b in (buffers or [])]))

    def close(self, *args: Any, **kwargs: Any) -> None:
        pass

    def on_msg(self, callback: Any) -> None:
        pass

    def on_close(self, callback: Any) -> None:
        pass


class FrontEnd:
    """Sends store requests to a widget and collects its replies (with pieces)."""

    def __init__(self, widget: Sketchpose) -> None:
        self.widget = widget
        self.comm = FakeComm()
        widget.comm = self.comm
        self._ids = itertools.count()

    def replies(self, rid: str) -> list[tuple[dict[str, Any], list[bytes]]]:
        return [(c, b) for c, b in self.comm.sent if c.get("id") == rid]

    def wait(self, rid: str, timeout: float = 5.0) -> list[tuple[dict[str, Any], list[bytes]]]:
        """Wait until the reply to `rid` is complete (all pieces or an error)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.replies(rid)
            if got and (not got[0][0]["ok"] or len(got) == got[0][0].get("parts", 1)):
                return got
            time.sleep(0.005)
        raise TimeoutError(f"no complete reply to {rid}")

    def send(self, content: dict[str, Any], buffers: list[bytes] | None = None) -> None:
        self.widget._handle_custom_msg(content, buffers or [])

    def request(self, method: str, key: str, data: bytes | None = None, *, store: int = 0, part_bytes: int = 0):
        rid = f"r{next(self._ids)}"
        if data is None:
            self.send({"type": "sketchpose:store", "id": rid, "store": store, "method": method, "key": key})
        else:
            size = part_bytes or max(1, len(data))
            pieces = [data[i : i + size] for i in range(0, len(data), size)] or [b""]
            for i, piece in enumerate(pieces):
                self.send(
                    {
                        "type": "sketchpose:store",
                        "id": rid,
                        "store": store,
                        "method": method,
                        "key": key,
                        "part": i,
                        "parts": len(pieces),
                    },
                    [piece],
                )
        return rid

    def get(self, key: str, *, store: int = 0) -> bytes | None:
        replies = self.wait(self.request("get", key, store=store))
        head = replies[0][0]
        if not head["ok"]:
            raise RuntimeError(head["error"])
        if not head["found"]:
            return None
        ordered = sorted(replies, key=lambda r: r[0]["part"])
        return b"".join(b[0] for _, b in ordered)

    def set(self, key: str, value: bytes, *, store: int = 0, part_bytes: int = 0) -> dict[str, Any]:
        return self.wait(self.request("set", key, value, store=store, part_bytes=part_bytes))[0][0]


@pytest.fixture
def front():
    """Yield a factory of (widget, front end) pairs; widgets are closed afterwards."""
    made: list[Sketchpose] = []

    def make(source: Any, **kwargs: Any) -> tuple[Sketchpose, FrontEnd]:
        w = Sketchpose(source, **kwargs)
        made.append(w)
        return w, FrontEnd(w)

    yield make
    for w in made:
        w.close()
