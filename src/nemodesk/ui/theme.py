"""Light and dark themes that follow the OS, and high-DPI set-up.

Qt 6 already scales for high DPI; what it needs from us is the rounding policy (set before the
QApplication exists: fractional scales such as 150% stay sharp instead of rounding to 2x) and icons drawn
at the device pixel ratio. Colours come from one palette per scheme on the Fusion style, so custom-painted
widgets (tray badges, chat bubbles) ask `colors()` instead of hard-coding a light theme.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication


def setup_high_dpi() -> None:
    """Call before creating the QApplication."""
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)


@dataclass(frozen=True)
class Colors:
    dark: bool
    accent: QColor
    user_bubble: QColor
    agent_bubble: QColor
    muted: QColor
    error: QColor
    warning: QColor
    ok: QColor


LIGHT = Colors(
    False,
    QColor("#2f6fde"),
    QColor("#dbe8ff"),
    QColor("#f1f1f3"),
    QColor("#6b6b73"),
    QColor("#c62828"),
    QColor("#b26a00"),
    QColor("#2e7d32"),
)
DARK = Colors(
    True,
    QColor("#5b9bff"),
    QColor("#24406e"),
    QColor("#2f3136"),
    QColor("#a0a0aa"),
    QColor("#ef5350"),
    QColor("#ffb74d"),
    QColor("#66bb6a"),
)


def os_prefers_dark() -> bool:
    app = QGuiApplication.instance()
    if app is None:
        return False
    return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark


def colors() -> Colors:
    app = QApplication.instance()
    if app is not None and app.property("nemodesk_dark") is not None:
        return DARK if bool(app.property("nemodesk_dark")) else LIGHT
    return DARK if os_prefers_dark() else LIGHT


def _dark_palette() -> QPalette:
    p = QPalette()
    window, base, text = QColor("#202124"), QColor("#18191b"), QColor("#e8e8ea")
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        p.setColor(group, QPalette.ColorRole.Window, window)
        p.setColor(group, QPalette.ColorRole.WindowText, text)
        p.setColor(group, QPalette.ColorRole.Base, base)
        p.setColor(group, QPalette.ColorRole.AlternateBase, QColor("#26272a"))
        p.setColor(group, QPalette.ColorRole.Text, text)
        p.setColor(group, QPalette.ColorRole.Button, QColor("#2c2d31"))
        p.setColor(group, QPalette.ColorRole.ButtonText, text)
        p.setColor(group, QPalette.ColorRole.ToolTipBase, QColor("#2c2d31"))
        p.setColor(group, QPalette.ColorRole.ToolTipText, text)
        p.setColor(group, QPalette.ColorRole.Highlight, DARK.accent)
        p.setColor(group, QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
        p.setColor(group, QPalette.ColorRole.Link, DARK.accent)
        p.setColor(group, QPalette.ColorRole.PlaceholderText, DARK.muted)
    disabled = QColor("#75757d")
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return p


def apply_theme(app: QApplication, dark: bool | None = None) -> None:
    """Apply the OS's scheme (or force one); re-applied when the OS switches."""
    app.setStyle("Fusion")
    if dark is None:
        dark = os_prefers_dark()
        app.setProperty("nemodesk_dark", None)
    else:
        app.setProperty("nemodesk_dark", dark)
    app.setPalette(_dark_palette() if dark else app.style().standardPalette())
    c = DARK if dark else LIGHT
    app.setStyleSheet(
        f"""
        QPushButton#chip {{ border: 1px solid {c.accent.name()}; border-radius: 11px; padding: 3px 10px;
                            color: {c.accent.name()}; background: transparent; text-align: left; }}
        QPushButton#chip:hover {{ background: {c.user_bubble.name()}; }}
        QLabel#muted {{ color: {c.muted.name()}; }}
        QLabel#paneTitle {{ font-weight: 600; }}
        QLabel#placeholder {{ color: {c.muted.name()}; border: 1px dashed {c.muted.name()}; padding: 12px; }}
        """
    )


def follow_os(app: QApplication) -> None:
    """Keep following the OS scheme while the app runs."""
    hints = QGuiApplication.styleHints()
    hints.colorSchemeChanged.connect(lambda _scheme: apply_theme(app))
