"""The backend switch and the account line: Local engine or NemoVideo cloud, and what is left to spend.

The local engine is free, so it says "Local, unlimited" rather than showing a number that means nothing.
In the cloud the credits come from the balance endpoint; below a threshold the line turns into a warning,
and an anonymous user (who can hit 2001, no credits) gets the register link that binds their account.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from nemodesk.ui.theme import colors

if TYPE_CHECKING:
    from nemodesk.ui.controller import AppController


class AccountBar(QWidget):
    """Backend combo, status text with Retry, and the credits line."""

    def __init__(self, controller: AppController, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 2, 6, 2)
        lay.addWidget(QLabel(self.tr("Backend:"), self))
        self.backend = QComboBox(self)
        self.backend.addItem(self.tr("Local engine"), "local")
        self.backend.addItem(self.tr("NemoVideo cloud"), "cloud")
        self.backend.setAccessibleName(self.tr("Backend"))
        self.backend.setToolTip(
            self.tr(
                "Local engine works offline on this computer; the NemoVideo cloud "
                "adds AI generation and render farms."
            )
        )
        self.backend.setCurrentIndex(max(0, self.backend.findData(controller.backend_name)))
        self.backend.currentIndexChanged.connect(
            lambda _i: controller.switch_backend(self.backend.currentData())
        )
        lay.addWidget(self.backend)
        self.status = QLabel(self)
        self.status.setObjectName("muted")
        self.status.setAccessibleName(self.tr("Backend status"))
        lay.addWidget(self.status)
        self.retry = QPushButton(self.tr("Retry"), self)
        self.retry.setVisible(False)
        self.retry.clicked.connect(controller.retry)
        lay.addWidget(self.retry)
        lay.addStretch(1)
        self.credits = QLabel(self)
        self.credits.setTextFormat(Qt.TextFormat.RichText)
        self.credits.setOpenExternalLinks(False)
        self.credits.linkActivated.connect(lambda url: QDesktopServices.openUrl(QUrl(url)))
        self.credits.setAccessibleName(self.tr("Credits"))
        lay.addWidget(self.credits)
        controller.backendStatus.connect(self.show_status)
        controller.creditsChanged.connect(self.show_credits)
        controller.backendChanged.connect(self._backend_changed)

    def _backend_changed(self, name: str) -> None:
        i = self.backend.findData(name)
        if i >= 0 and i != self.backend.currentIndex():
            self.backend.blockSignals(True)
            self.backend.setCurrentIndex(i)
            self.backend.blockSignals(False)
        self.credits.clear()

    def show_status(self, state: str, text: str) -> None:
        c = colors()
        color = {"failed": c.error, "ready": c.ok}.get(state, c.muted)
        icon = {"failed": "⚠ ", "ready": "● ", "starting": "◌ "}.get(state, "")
        self.status.setStyleSheet(f"color: {color.name()}")
        self.status.setText(icon + text)
        self.status.setToolTip(text)
        self.retry.setVisible(state == "failed")

    def show_credits(self, info: dict[str, Any]) -> None:
        c = colors()
        if info.get("local"):
            self.credits.setText(self.tr("Local, unlimited"))
            self.credits.setToolTip(self.tr("The local engine renders on this computer at no cost."))
            return
        avail = info.get("available")
        text = self.tr("Credits: %1").replace("%1", "?" if avail is None else f"{avail:g}")
        if info.get("frozen"):
            text += " " + self.tr("(%1 reserved)").replace("%1", f"{info['frozen']:g}")
        if info.get("low"):
            text = f"<span style='color:{c.warning.name()}'>⚠ {text} — " + self.tr("running low") + "</span>"
            if info.get("register_url"):
                text += f" <a href='{info['register_url']}'>" + self.tr("Register for more") + "</a>"
        self.credits.setText(text)
