"""The local renderer: a draft becomes an H.264 MP4 (see pipeline.render) and any frame a QImage (Compositor)."""

from __future__ import annotations

from .compositor import Compositor
from .errors import RenderCancelled, RenderError
from .pipeline import RenderProgress, RenderResult, render
from .qt import ensure_qt_gui

__all__ = [
    "Compositor",
    "RenderCancelled",
    "RenderError",
    "RenderProgress",
    "RenderResult",
    "ensure_qt_gui",
    "render",
]
