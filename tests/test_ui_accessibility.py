"""The main window for keyboard and screen-reader users: every visible interactive widget has a name a screen
reader can announce, and Tab from the chat input reaches the photo tray, the timeline and the export queue."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QSlider,
    QTextEdit,
    QWidget,
)

from nemodesk.ui.controller import AppController, AppSettings
from nemodesk.ui.main_window import MainWindow

INTERACTIVE = (QAbstractButton, QLineEdit, QPlainTextEdit, QTextEdit, QComboBox, QSlider, QAbstractItemView)


@pytest.fixture
def window(qtbot, tmp_path):
    """The window without a running loop (as in test_ui_window): nothing async is started, so nothing can
    outlive the test and fire into deleted widgets in a later test's loop."""
    c = AppController(AppSettings(tmp_path / "settings.ini"), engine_data_dir=tmp_path / "engine")
    w = MainWindow(c)
    qtbot.addWidget(w)
    w.show()
    w.activateWindow()
    qtbot.waitExposed(w)
    yield w
    for pane in w.panes.values():
        stop = getattr(pane, "shutdown", None)
        if callable(stop):
            stop()
    c.runner.shutdown()


def _name(w: QWidget) -> str:
    name = w.accessibleName()
    if not name.strip() and isinstance(w, QAbstractButton):
        name = w.text().replace("&", "")
    return name.strip()


def _nameless(window: MainWindow) -> list[str]:
    return [
        f"{type(w).__name__} in {type(w.parentWidget()).__name__} ({w.objectName() or 'no object name'})"
        for w in window.findChildren(QWidget)
        if isinstance(w, INTERACTIVE) and w.isVisible() and not _name(w)
    ]


def test_every_visible_interactive_widget_has_a_name(window):
    checked = [w for w in window.findChildren(QWidget) if isinstance(w, INTERACTIVE) and w.isVisible()]
    assert len(checked) > 10  # the tray, the chat, the timeline, the preview, the exports, the account bar
    assert _nameless(window) == []


def test_the_recovery_bar_is_named_too_when_shown(window):
    window.recovery_bar.show()
    assert window.recover_button.isVisible() and _nameless(window) == []


def _tab_chain(window: MainWindow, start: QWidget, steps: int = 60) -> list[QWidget]:
    """Press Tab from `start`, as a user does, and list the widgets that take the focus."""
    start.setFocus(Qt.FocusReason.TabFocusReason)
    QApplication.processEvents()
    assert QApplication.focusWidget() is start
    seen: list[QWidget] = []
    for _ in range(steps):
        focus = QApplication.focusWidget()
        QApplication.sendEvent(
            focus, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Tab, Qt.KeyboardModifier.NoModifier)
        )
        QApplication.processEvents()
        now = QApplication.focusWidget()
        if now is None or now is start:
            break
        seen.append(now)
    return seen


def _within(widget: QWidget, pane: QWidget) -> bool:
    return widget is pane or pane.isAncestorOf(widget)


def test_tab_from_the_chat_input_reaches_the_tray_the_timeline_and_the_exports(window):
    chain = _tab_chain(window, window.chat.input)
    assert chain, "Tab left the chat input nowhere"
    assert all(_name(w) for w in chain), [type(w).__name__ for w in chain if not _name(w)]
    for what, pane in (
        ("the photo tray", window.tray.list),
        ("the timeline", window.pane("timeline")),
        ("the export queue", window.pane("exports")),
    ):
        assert any(_within(w, pane) for w in chain), f"Tab from the chat input never reaches {what}"
    # and the cycle comes back to the chat input (nothing traps the focus)
    assert len(chain) < 60
