"""The comm protocol against a fake comm: pieces under the message limit, missing keys, timeouts and
errors, each reported to the front end and recorded in the kernel."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import numpy as np
import pytest

from sketchpose_web import ChunkServer, CommandClient, CommandError, ProtocolEvent
from sketchpose_web._stores import MemoryStore, ReadOnlyStoreError


class SlowStore(MemoryStore):
    """A store whose reads take `delay` seconds."""

    def __init__(self, delay: float) -> None:
        super().__init__({"k": b"late"})
        self.delay = delay

    def get(self, key: str) -> bytes | None:
        time.sleep(self.delay)
        return super().get(key)


class BrokenStore(MemoryStore):
    def get(self, key: str) -> bytes | None:
        raise OSError("disk on fire")


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[dict, list[bytes]]] = []
        self.lock = threading.Lock()

    def __call__(self, content, buffers) -> None:
        with self.lock:
            self.sent.append((content, [bytes(b) for b in buffers]))

    def by_id(self, rid: str) -> list[tuple[dict, list[bytes]]]:
        with self.lock:
            return [m for m in self.sent if m[0].get("id") == rid]

    def wait(self, rid: str, count: int = 1, timeout: float = 5.0) -> list[tuple[dict, list[bytes]]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.by_id(rid)
            if len(got) >= count:
                return got
            time.sleep(0.005)
        raise TimeoutError(rid)


@pytest.fixture
def server() -> Iterator[tuple[ChunkServer, Recorder]]:
    rec = Recorder()
    srv = ChunkServer(rec, max_part_bytes=1000, timeout=0.3)
    yield srv, rec
    srv.close()


def req(rid, method, key, store=0, **extra):
    return {"type": "sketchpose:store", "id": rid, "store": store, "method": method, "key": key, **extra}


def test_get_small_value_is_one_piece_and_keys_may_be_absolute(server):
    srv, rec = server
    srv.register(MemoryStore({"0/.zarray": b"{}"}))
    assert srv.handle(req("a", "get", "/0/.zarray"))
    [(content, buffers)] = rec.wait("a")
    assert content == {
        "type": "sketchpose:store-reply",
        "id": "a",
        "ok": True,
        "found": True,
        "part": 0,
        "parts": 1,
        "size": 2,
    }
    assert buffers == [b"{}"]


def test_missing_key_is_found_false_not_an_error(server):
    srv, rec = server
    srv.register(MemoryStore())
    srv.handle(req("g", "get", "nope/0"))
    srv.handle(req("h", "has", "nope/0"))
    assert rec.wait("g")[0] == ({"type": "sketchpose:store-reply", "id": "g", "ok": True, "found": False}, [])
    assert rec.wait("h")[0][0]["found"] is False
    assert srv.events == []


def test_large_value_travels_in_pieces_under_the_limit_and_reassembles(server):
    """A 2,500-byte value with a 1,000-byte limit: 3 pieces, none larger than the limit."""
    srv, rec = server
    value = np.random.default_rng(1).integers(0, 256, 2500, dtype=np.uint8).tobytes()
    srv.register(MemoryStore({"big": value}))
    srv.handle(req("b", "get", "big"))
    replies = rec.wait("b", 3)
    assert [c["part"] for c, _ in replies] == [0, 1, 2]
    assert all(c["parts"] == 3 and c["size"] == 2500 for c, _ in replies)
    assert all(len(b[0]) <= 1000 for _, b in replies)
    assert b"".join(b[0] for _, b in replies) == value


def test_multi_part_set_is_assembled_in_any_order_then_acknowledged_once(server):
    srv, rec = server
    store = MemoryStore()
    srv.register(store)
    value = bytes(range(256)) * 10
    pieces = [value[i : i + 1000] for i in range(0, len(value), 1000)]
    for i in (2, 0, 1):
        srv.handle(req("s", "set", "labels/x/0/0", part=i, parts=3), [memoryview(pieces[i])])
    [(ack, _)] = rec.wait("s")
    assert ack == {"type": "sketchpose:store-reply", "id": "s", "ok": True, "found": True}
    assert store.get("labels/x/0/0") == value


def test_slow_store_gets_a_timeout_reply_once_and_the_kernel_records_it(server):
    srv, rec = server
    srv.register(SlowStore(delay=0.8))
    srv.handle(req("t", "get", "k"))
    [(content, buffers)] = rec.wait("t")
    assert content["ok"] is False and content["error"]["code"] == "timeout"
    assert buffers == []
    time.sleep(0.8)  # the late read finishes: no second reply may follow the timeout
    assert len(rec.by_id("t")) == 1
    assert [(e.side, e.code, e.request) for e in srv.events] == [("kernel", "timeout", "t")]


def test_incomplete_multi_part_set_expires_with_a_timeout(server):
    srv, rec = server
    store = MemoryStore()
    srv.register(store)
    srv.handle(req("p", "set", "labels/a", part=0, parts=2), [b"half"])
    time.sleep(0.4)
    srv.handle(req("q", "set", "labels/b", part=0, parts=1), [b"whole"])
    assert rec.wait("p")[0][0]["error"]["code"] == "timeout"
    assert rec.wait("q")[0][0]["ok"] is True
    assert store.get("labels/a") is None and store.get("labels/b") == b"whole"


@pytest.mark.parametrize(
    ("message", "buffers", "code"),
    [
        (req("e1", "get", "../etc/passwd"), [], "bad-key"),
        (req("e2", "get", "a//b"), [], "bad-key"),
        (req("e3", "get", "k", store=9), [], "unknown-store"),
        (req("e4", "frobnicate", "k"), [], "bad-request"),
        (req("e5", "set", "k"), [], "bad-request"),  # a set without its buffer
        (req("e6", "set", "k", part=3, parts=2), [b"x"], "bad-request"),
    ],
)
def test_malformed_requests_get_typed_errors(server, message, buffers, code):
    srv, rec = server
    srv.register(MemoryStore({"k": b"v"}))
    srv.handle(message, buffers)
    [(content, _)] = rec.wait(message["id"])
    assert content["ok"] is False and content["error"]["code"] == code
    assert srv.events[-1].code == code and srv.events[-1].side == "kernel"


def test_store_exceptions_and_read_only_writes_are_reported(server):
    srv, rec = server
    broken = srv.register(BrokenStore())

    class ReadOnly(MemoryStore):
        def set(self, key, value):
            raise ReadOnlyStoreError("read-only image")

    ro = srv.register(ReadOnly())
    srv.handle(req("x", "get", "k", store=broken))
    srv.handle(req("y", "set", "k", store=ro), [b"1"])
    err = rec.wait("x")[0][0]["error"]
    assert err["code"] == "store-error" and "disk on fire" in err["message"]
    assert rec.wait("y")[0][0]["error"]["code"] == "read-only"


def test_front_end_errors_are_recorded_and_other_messages_are_left_alone(server):
    srv, _ = server
    assert srv.handle(
        {"type": "sketchpose:client-error", "id": "r4", "error": {"code": "timeout", "message": "no reply in 3 s"}}
    )
    assert [(e.side, e.code, e.request) for e in srv.events] == [("front end", "timeout", "r4")]
    assert srv.handle({"type": "something-else"}) is False
    assert srv.handle("not a dict") is False


def test_requests_are_served_concurrently_so_a_slow_key_does_not_block_others():
    rec = Recorder()
    srv = ChunkServer(rec, timeout=5.0)
    try:
        slow = srv.register(SlowStore(delay=0.5))
        fast = srv.register(MemoryStore({"k": b"fast"}))
        srv.handle(req("slow", "get", "k", store=slow))
        srv.handle(req("fast", "get", "k", store=fast))
        rec.wait("fast", timeout=0.3)
        assert rec.by_id("slow") == []
        assert rec.wait("slow")[0][1] == [b"late"]
    finally:
        srv.close()


def test_commands_resolve_with_pieced_results_errors_and_timeouts():
    rec = Recorder()
    events: list[ProtocolEvent] = []
    client = CommandClient(rec, events.append, max_part_bytes=4)
    payload = b"0123456789"
    ok = client.call("save_model", data=payload, timeout=5)
    sent = [c for c, _ in rec.sent if c["id"] == "c0"]
    assert [c["part"] for c in sent] == [0, 1, 2] and sent[0]["name"] == "save_model"
    assert b"".join(b[0] for _, b in rec.sent) == payload
    for i, piece in enumerate([b"ab", b"cd"]):
        client.handle(
            {"type": "sketchpose:command-reply", "id": "c0", "ok": True, "result": {"n": 1}, "part": i, "parts": 2},
            [piece],
        )
    assert ok.result(timeout=1) == ({"n": 1}, b"abcd")

    failed = client.call("train", {"epochs": 2})
    client.handle(
        {
            "type": "sketchpose:command-reply",
            "id": "c1",
            "ok": False,
            "error": {"code": "command-error", "message": "no strokes yet"},
        }
    )
    with pytest.raises(CommandError, match="no strokes yet"):
        failed.result(timeout=1)

    late = client.call("predict", timeout=0.1)
    with pytest.raises(CommandError) as info:
        late.result(timeout=2)
    assert info.value.code == "timeout"
    assert [e.code for e in events] == ["command-error", "timeout"]
