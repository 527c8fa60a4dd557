"""Qt set-up for painting outside the GUI: fonts need a QGuiApplication, widgets are never used here."""

from __future__ import annotations

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


def ensure_qt_gui() -> None:
    """Create an offscreen QGuiApplication if the process has none (the engine process has no GUI).

    Text rendering needs one for the font database. In the app the GUI's own instance is reused.
    """
    global _app
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
