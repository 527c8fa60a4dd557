"""Qt set-up for painting outside the GUI: fonts need a QGuiApplication, widgets are never used here."""

from __future__ import annotations

import ctypes
import os
import sys
import threading

from PySide6.QtGui import QFont, QGuiApplication

_lock = threading.Lock()
_app: QGuiApplication | None = None

# Tried in order for every glyph: Latin first, then CJK and colour emoji so Chinese and emoji never show boxes.
FONT_FAMILIES = [
    "Noto Sans",
    "DejaVu Sans",
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Sans SC",
    "PingFang SC",
    "Microsoft YaHei",
    "Noto Color Emoji",
    "Apple Color Emoji",
    "Segoe UI Emoji",
]


_NONE_FLOOR = 1 << 30


def guard_none_refcount() -> None:
    """Work around PySide6 6.12 on CPython 3.11: every call of a Qt method returning void drops a reference
    to None it never took (harmless from 3.12, where None is immortal). A render makes tens of such calls
    per frame, so after a few thousand frames None's count reaches zero and the interpreter aborts
    ("none_dealloc"). Topping the count up keeps it far from zero; call this before long Qt loops.
    """
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return
    if sys.getrefcount(None) < _NONE_FLOOR:
        # ob_refcnt is the first field of every object in CPython 3.11
        ctypes.c_ssize_t.from_address(id(None)).value += 2 * _NONE_FLOOR


def ensure_qt_gui() -> None:
    """Create an offscreen QGuiApplication if the process has none (the engine process has no GUI).

    Text rendering needs one for the font database. In the app the GUI's own instance is reused.
    """
    global _app
    guard_none_refcount()
    with _lock:
        if QGuiApplication.instance() is not None:
            return
        if "QT_QPA_PLATFORM" not in os.environ:
            os.environ["QT_QPA_PLATFORM"] = "offscreen"
        _app = QGuiApplication(sys.argv[:1] or ["nemodesk-render"])


def make_font(pixel_size: int, bold: bool = False) -> QFont:
    font = QFont()
    font.setFamilies(FONT_FAMILIES)
    font.setPixelSize(max(1, pixel_size))
    font.setBold(bold)
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    return font
