"""Unexpected exceptions: logged, then shown in a dialog with copyable details and the log file's path.

A windowed (frozen) app has no stderr, so an exception that nobody catches would otherwise vanish and
leave the user with a window that silently stopped working. `install_excepthook` routes `sys.excepthook`,
`threading.excepthook` and the asyncio loop's handler here. Expected failures are `UserError`s and are
shown where they happen (chat notice, status line); they never come here.

Tokens never reach the dialog or the log: core.redact blanks bearer tokens, `token` fields and every
token the identity has registered.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from nemodesk.core.redact import RedactingFilter, redact, register_secret

log = logging.getLogger(__name__)
__all__ = ["ErrorDialog", "RedactingFilter", "add_secret", "install_excepthook", "redact", "show_exception"]


def add_secret(value: str | None) -> None:
    """Register a secret (a token) so that every later log line and dialog blanks it."""
    register_secret(value)


def log_file() -> Path:
    from nemodesk.core import paths

    return paths.log_dir() / "nemodesk.log"


class ErrorDialog(QDialog):
    """Non-modal report of an unexpected error: what happened, details to copy, where the log is."""

    def __init__(self, summary: str, details: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("NemoDesk ran into a problem"))
        self.setAccessibleName(self.tr("Error report"))
        self.details_text = redact(details)
        lay = QVBoxLayout(self)
        head = QLabel(
            self.tr("Something went wrong that NemoDesk did not expect. Your photos are safe."), self
        )
        head.setWordWrap(True)
        lay.addWidget(head)
        self.summary_label = QLabel(redact(summary), self)
        self.summary_label.setWordWrap(True)
        self.summary_label.setObjectName("paneTitle")
        lay.addWidget(self.summary_label)
        self.details = QPlainTextEdit(self.details_text, self)
        self.details.setReadOnly(True)
        self.details.setAccessibleName(self.tr("Error details"))
        self.details.setMinimumSize(560, 180)
        lay.addWidget(self.details)
        self.log_label = QLabel(self.tr("The log file is at: %1").replace("%1", str(log_file())), self)
        self.log_label.setWordWrap(True)
        self.log_label.setTextInteractionFlags(self.log_label.textInteractionFlags() | _selectable())
        lay.addWidget(self.log_label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.copy_button = QPushButton(self.tr("Copy details"), self)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_details)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(
            f"{self.summary_label.text()}\n\n{self.details_text}\n\nLog: {log_file()}"
        )


def _selectable():
    from PySide6.QtCore import Qt

    return Qt.TextInteractionFlag.TextSelectableByMouse


_open_dialogs: list[ErrorDialog] = []
_parent_getter: Callable[[], QWidget | None] = lambda: None  # noqa: E731


def show_exception(exc: BaseException, parent: QWidget | None = None) -> ErrorDialog | None:
    """Show `exc` in an ErrorDialog (with open(), never exec(): safe inside async slots)."""
    details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    summary = f"{type(exc).__name__}: {exc}"
    if QApplication.instance() is None:
        return None
    dlg = ErrorDialog(summary, details, parent if parent is not None else _parent_getter())
    _open_dialogs.append(dlg)
    dlg.finished.connect(lambda _r: _forget(dlg))
    dlg.open()
    return dlg


def _forget(dlg: ErrorDialog) -> None:
    if dlg in _open_dialogs:
        _open_dialogs.remove(dlg)
    dlg.deleteLater()


def _report(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        return
    if exc.__traceback__ is None and tb is not None:
        exc = exc.with_traceback(tb)
    log.critical("unexpected error", exc_info=(exc_type, exc, tb))
    if QApplication.instance() is not None:
        # Always show from the GUI thread, on the next turn of the event loop.
        QTimer.singleShot(0, QApplication.instance(), lambda: show_exception(exc))


def install_excepthook(parent_getter: Callable[[], QWidget | None] | None = None) -> None:
    """Route uncaught exceptions (main thread, other threads) to the log and the dialog."""
    global _parent_getter
    if parent_getter is not None:
        _parent_getter = parent_getter
    sys.excepthook = _report
    threading.excepthook = lambda args: _report(
        args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback
    )


def asyncio_handler(loop, context: dict) -> None:  # type: ignore[no-untyped-def]
    """asyncio's exception handler: a task that failed with nobody awaiting it is a bug, shown like one."""
    exc = context.get("exception")
    if exc is None:
        log.error("asyncio: %s", context.get("message"))
        return
    _report(type(exc), exc, exc.__traceback__)
