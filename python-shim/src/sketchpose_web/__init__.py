"""Sketchpose Web in Jupyter: paint a few strokes, train, segment; numpy in and out.

>>> from sketchpose_web import Sketchpose          # vizarr users: replaces ``from vizarr import Viewer``
>>> w = Sketchpose(image)                            # numpy, zarr array/group, OME-Zarr path or URL
>>> w                                                # paint in the widget, then
>>> w.annotations                                    # uint8 codes: 0 unknown, 1 bg, 2 cell, 3 boundary
"""

from ._protocol import ChunkServer, CommandClient, CommandError, ProtocolEvent
from ._sources import ArraySource, SourceError
from ._widget import Sketchpose

__all__ = [
    "ArraySource",
    "ChunkServer",
    "CommandClient",
    "CommandError",
    "ProtocolEvent",
    "Sketchpose",
    "SourceError",
    "Viewer",
]
__version__ = "0.1.0"

Viewer = Sketchpose
"""Alias so that a vizarr notebook switches by changing its import only."""
