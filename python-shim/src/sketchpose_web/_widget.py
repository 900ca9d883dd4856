"""The ``Sketchpose`` anywidget: the web app's UI in a notebook, with numpy in and out."""

from __future__ import annotations

import json
import os
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import anywidget
import numpy as np
import traitlets

from ._labels import ANNOTATION_COLORS, ANNOTATION_PROPERTIES, ImageInfo, image_info, read_label, write_label
from ._protocol import MAX_PART_BYTES, ChunkServer, CommandClient, ProtocolEvent
from ._sources import resolve_source
from ._stores import DirectoryStore, OverlayStore, Store

__all__ = ["Sketchpose"]

_STATIC = Path(__file__).parent / "static"


def _esm() -> Path | str:
    bundle = _STATIC / "widget.js"
    if bundle.exists():
        return bundle
    # a source checkout without the bundle: say so in the notebook instead of failing to import
    message = "sketchpose-web: static/widget.js is missing; run `node scripts/build-widget.mjs`"
    return "export default { render({ el }) { el.textContent = " + json.dumps(message) + "; } };"


class Sketchpose(anywidget.AnyWidget):
    """Paint strokes on an image, train on them and segment it, in a notebook.

    The image is served to the front end chunk by chunk over the widget's comm; the front end
    autosaves the annotations into the same store (``labels/annotations``), which is what
    :attr:`annotations` reads. Commands (:meth:`train`, :meth:`predict`, …) go to the front end
    and return futures that complete once it answers (after the running cell has finished).

    Parameters
    ----------
    source : array-like, zarr.Array, zarr.Group, str or os.PathLike, optional
        The image: a numpy array (2-D, or with channels), a zarr array or multiscale group, a path
        to an OME-Zarr folder or an http(s) URL of one. Can also be given later to
        :meth:`add_image`.
    height : str
        CSS height of the widget.
    timeout : float
        Seconds the kernel and the front end wait for a store operation before reporting a
        timeout (to both sides).
    max_part_bytes : int
        Largest binary buffer per message (Jupyter refuses messages above about 10 MB).
    train_config : dict, optional
        Worker settings, e.g. ``{"net": "small", "patch": 128, "backend": "webgpu"}``.
    **config
        Image options passed to :meth:`add_image` (``name``, ``axes``, ``channel_axis``, …).

    Examples
    --------
    >>> import numpy as np
    >>> from sketchpose_web import Sketchpose
    >>> w = Sketchpose(np.zeros((64, 80), np.uint16))
    >>> w.annotations.shape
    (64, 80)
    """

    _esm = _esm()
    _configs = traitlets.List(traitlets.Dict()).tag(sync=True)
    view_state = traitlets.Dict().tag(sync=True)
    """Camera of the viewer (``{"target": [x, y], "zoom": z}``), synced both ways as in vizarr."""
    height = traitlets.Unicode("600px").tag(sync=True)
    timeout_ms = traitlets.Int(30_000).tag(sync=True)
    max_part_bytes = traitlets.Int(MAX_PART_BYTES).tag(sync=True)
    train_config = traitlets.Dict().tag(sync=True)
    """Training settings the front end starts its worker with (``net``, ``patch``, ``batch``,
    ``learningRate``, ``backend``, ``predictEvery``, ``masks``; src/worker/protocol.ts)."""
    ready = traitlets.Bool(False).tag(sync=True)
    """Set by the front end once the app is mounted on the image."""
    status = traitlets.Unicode("idle").tag(sync=True)
    """What the front end is doing: ``idle``, ``training``, ``predicting``, ``error``."""
    progress = traitlets.Dict().tag(sync=True)
    """Training progress from the front end (``step``, ``steps``, ``epoch``, ``epochs``, ``loss``, ``eta_s``,
    ``fraction``)."""
    backend = traitlets.Unicode("").tag(sync=True)
    """TensorFlow.js backend the front end trains on (``webgpu``, ``webgl``, ``wasm``, ``cpu``)."""
    error = traitlets.Unicode("").tag(sync=True)
    """The front end's last error message (empty when none)."""
    revision = traitlets.Int(0)
    """Count of label writes received from the front end (observe it to react to autosaves)."""

    def __init__(
        self,
        source: Any = None,
        *,
        height: str = "600px",
        timeout: float = 30.0,
        max_part_bytes: int = MAX_PART_BYTES,
        train_config: dict[str, Any] | None = None,
        **config: Any,
    ) -> None:
        super().__init__(
            height=height,
            timeout_ms=int(timeout * 1000),
            max_part_bytes=max_part_bytes,
            train_config=dict(train_config or {}),
        )
        self._server = ChunkServer(self._send_message, max_part_bytes=max_part_bytes, timeout=timeout)
        self._server.on_write = self._on_write
        self._commands = CommandClient(self._send_message, self._server.record, max_part_bytes=max_part_bytes)
        self._images: dict[int, OverlayStore] = {}
        self._active: int | None = None
        self.on_msg(self._on_message)
        if source is not None:
            self.add_image(source, **config)

    # -- plumbing ---------------------------------------------------------------------------
    def _send_message(self, content: dict[str, Any], buffers: Any) -> None:
        self.send(content, buffers=list(buffers))

    def _on_message(self, _widget: Any, content: Any, buffers: list[Any]) -> None:
        if not self._server.handle(content, buffers):
            self._commands.handle(content, buffers)

    def _on_write(self, sid: int, key: str) -> None:
        if key.startswith("labels/"):
            self.revision += 1

    @property
    def events(self) -> list[ProtocolEvent]:
        """Protocol failures seen by either side (timeouts, store errors, failed commands)."""
        return list(self._server.events)

    # -- images (vizarr.Viewer-compatible) --------------------------------------------------
    def add_image(self, source: Any, **config: Any) -> None:
        """Show ``source``; the last image added is the one painted on and trained on.

        Parameters
        ----------
        source : array-like, zarr.Array, zarr.Group, str or os.PathLike
            As for the constructor. Strings are paths or URLs served by the kernel.
        **config
            Image options, as in ``vizarr.Viewer.add_image``: ``name``, ``channel_axis``,
            ``colors``, ``contrast_limits``, ``visibility``, ``opacity``; also ``axes`` for
            arrays. They travel to the front end with the image.
        """
        options = {k: v for k, v in config.items() if k in ("axes", "channel_axis", "chunk")}
        store = resolve_source(source, name=config.get("name"), **options)
        overlay = OverlayStore(store)
        sid = self._server.register(overlay)
        self._images[sid] = overlay
        self._active = sid
        info = image_info(overlay)
        front = {k: v for k, v in config.items() if k not in ("axes", "chunk")}
        self._configs = [*self._configs, {**front, "source": {"id": sid}, "shape": list(info.yx)}]

    def _store(self) -> OverlayStore:
        if self._active is None:
            raise RuntimeError("no image yet: pass one to Sketchpose(...) or add_image(...)")
        return self._images[self._active]

    @property
    def store(self) -> Store:
        """The active image's store (image chunks plus the labels written by the front end)."""
        return self._store()

    @property
    def image_info(self) -> ImageInfo:
        """Geometry of the active image."""
        return image_info(self._store())

    # -- annotations and masks --------------------------------------------------------------
    @property
    def annotations(self) -> np.ndarray:
        """Annotation codes of the active image (``uint8``: 0 unknown, 1 background, 2 cell, 3 boundary).

        What the front end has autosaved so far (strokes reach the kernel a fraction of a second
        after they are painted), or what :meth:`set_annotations` stored.
        """
        info = self.image_info
        codes = read_label(self._store(), "annotations")
        if codes is None:
            return np.zeros(info.yx, dtype=np.uint8)
        return codes.astype(np.uint8, copy=False)

    def set_annotations(self, codes: Any) -> None:
        """Replace the annotations with ``codes`` and show them in the front end.

        Parameters
        ----------
        codes : array-like
            2-D integers 0-3 of the image's ``(rows, cols)``.

        Raises
        ------
        ValueError
            For a wrong shape or values outside 0-3.
        """
        info = self.image_info
        arr = np.asarray(codes)
        if arr.shape != info.yx:
            raise ValueError(f"annotations must have the image's shape {info.yx}, got {arr.shape}")
        if arr.dtype.kind not in "uib":
            raise ValueError(f"annotations must be integer codes 0-3, got dtype {arr.dtype}")
        if arr.size and (arr.min() < 0 or arr.max() > 3):
            bad = np.argwhere((arr < 0) | (arr > 3))[0]
            raise ValueError(f"annotation value {arr[tuple(bad)]} at (row {bad[0]}, col {bad[1]}) is not a code 0-3")
        tile = min(info.chunks_yx)
        tile = tile if 64 <= tile <= 1024 else 256  # the front end's annotation tile size (mount.ts)
        write_label(
            self._store(),
            "annotations",
            arr.astype(np.uint8),
            info=info,
            chunks=(tile, tile),
            colors=ANNOTATION_COLORS,
            properties=ANNOTATION_PROPERTIES,
        )
        if self.ready:
            self._commands.call("reload_annotations", timeout=self.timeout_ms / 1000)

    @property
    def masks(self) -> np.ndarray | None:
        """Instance masks of the last :meth:`predict` (``uint32``, 0 background), or ``None``."""
        masks = read_label(self._store(), "masks")
        return None if masks is None else masks.astype(np.uint32, copy=False)

    def set_masks(self, masks: Any) -> None:
        """Store instance masks as ``labels/masks`` (``uint32``; the front end shows them on reload).

        Parameters
        ----------
        masks : array-like
            2-D non-negative integers of the image's ``(rows, cols)``.
        """
        info = self.image_info
        arr = np.asarray(masks)
        if arr.shape != info.yx or arr.dtype.kind not in "ui" or (arr.size and arr.min() < 0):
            raise ValueError(f"masks must be non-negative integers of shape {info.yx}, got {arr.dtype} {arr.shape}")
        if arr.size and int(arr.max()) > np.iinfo(np.uint32).max:
            raise ValueError("mask ids must fit in uint32")
        write_label(self._store(), "masks", arr.astype(np.uint32), info=info)

    # -- commands to the front end ----------------------------------------------------------
    def train(self, epochs: int = 10, **options: Any) -> Future[tuple[Any, bytes | None]]:
        """Start training in the front end on the current strokes.

        Parameters
        ----------
        epochs : int
            Number of epochs.
        **options
            Passed to the app (``learning_rate``, ``net``, ``from_model`` …).

        Returns
        -------
        concurrent.futures.Future
            Completes when the front end has started (or refused) the run; follow
            :attr:`progress` and :attr:`status` for the run itself.
        """
        if not isinstance(epochs, int) or epochs < 1:
            raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
        return self._commands.call("train", {"epochs": epochs, **options}, timeout=self.timeout_ms / 1000)

    def stop(self) -> Future[tuple[Any, bytes | None]]:
        """Stop training (the weights trained so far are kept)."""
        return self._commands.call("stop", timeout=self.timeout_ms / 1000)

    def predict(self, **options: Any) -> Future[tuple[Any, bytes | None]]:
        """Segment the image; the masks are written to ``labels/masks`` and appear in :attr:`masks`.

        Returns
        -------
        concurrent.futures.Future
            Completes when the masks are stored.
        """
        return self._commands.call("predict", options, timeout=None)

    def save_model(self, path: str | os.PathLike[str]) -> Future[Path]:
        """Save the trained weights to ``path`` (a folder: ``weights.json`` + ``weights.bin``).

        Returns
        -------
        concurrent.futures.Future
            Resolves to the folder once the front end has sent the weights.
        """
        target = Path(path)
        done: Future[Path] = Future()

        def write(reply: Future[tuple[Any, bytes | None]]) -> None:
            try:
                result, data = reply.result()
                target.mkdir(parents=True, exist_ok=True)
                (target / "weights.json").write_text(json.dumps(result["manifest"]))
                (target / "weights.bin").write_bytes(data or b"")
                done.set_result(target)
            except Exception as exc:
                done.set_exception(exc)

        self._commands.call("save_model", timeout=self.timeout_ms / 1000).add_done_callback(write)
        return done

    def load_model(self, path: str | os.PathLike[str]) -> Future[tuple[Any, bytes | None]]:
        """Load weights into the front end: our folder (``weights.json``/``.bin``) or an Omnipose ``.pth``.

        Parameters
        ----------
        path : str or os.PathLike
            A model folder, a ``weights.json`` manifest or a PyTorch state_dict file.
        """
        p = Path(path)
        if p.is_dir() or p.suffix == ".json":
            manifest_path = p / "weights.json" if p.is_dir() else p
            manifest = json.loads(manifest_path.read_text())
            data = manifest_path.with_suffix(".bin").read_bytes()
            return self._commands.call(
                "load_model", {"format": "sketchpose", "manifest": manifest}, data, timeout=self.timeout_ms / 1000
            )
        return self._commands.call(
            "load_model", {"format": "pth", "name": p.name}, p.read_bytes(), timeout=self.timeout_ms / 1000
        )

    # -- export ----------------------------------------------------------------------------
    def to_ome_zarr(self, path: str | os.PathLike[str]) -> Path:
        """Write the image with its labels (annotations, masks) as an OME-Zarr folder.

        When the image itself is the OME-Zarr folder at ``path``, only the labels are written
        into it, next to the image.

        Parameters
        ----------
        path : str or os.PathLike
            Destination folder (created).

        Returns
        -------
        pathlib.Path
            The folder.
        """
        target = Path(path).resolve()
        overlay = self._store()
        target.mkdir(parents=True, exist_ok=True)
        out = DirectoryStore(target, writable=True)
        same = isinstance(overlay.base, DirectoryStore) and overlay.base.root == target
        keys = overlay.written_keys() if same else list(overlay.keys())
        for key in keys:
            value = overlay.get(key)
            if value is not None:
                out.set(key, value)
        return target

    def progress_bar(self) -> Any:
        """An ipywidgets progress bar that follows :attr:`progress` (display it in a cell)."""
        import ipywidgets  # noqa: PLC0415 - anywidget depends on it; imported on use

        bar = ipywidgets.FloatProgress(min=0.0, max=1.0, description="training")
        label = ipywidgets.Label()

        def update(_change: Any = None) -> None:
            p = self.progress
            bar.value = float(p.get("fraction", 0.0))
            parts = [f"{k} {p[k]}" for k in ("epoch", "step", "loss") if k in p]
            label.value = f"{self.status} " + " ".join(parts)

        self.observe(update, names=["progress", "status"])
        update()
        return ipywidgets.HBox([bar, label])

    def close(self) -> None:
        """Close the widget and stop serving."""
        self._commands.cancel_all("the widget was closed")
        self._server.close()
        super().close()
