"""Settings: the cloud's API URL, the token (pasted, or signed out), output folder, defaults, language.

The token goes to the OS keyring through core.identity and nowhere else: the field is a password field,
it is never pre-filled with the stored token, and the dialog only says whether one is stored. Opened with
`open()` (never `exec()`), so it is safe to show from an async slot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from nemodesk.core.draft import TRANSITION_TYPES

if TYPE_CHECKING:
    from nemodesk.ui.controller import AppController

LANGUAGES = (("system", "System language"), ("en", "English"), ("zh_CN", "简体中文"))


class SettingsDialog(QDialog):
    """See the module docstring. `applied` fires after OK with the names of the settings that changed."""

    applied = Signal(list)

    def __init__(self, controller: AppController, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        s = controller.settings
        self.setWindowTitle(self.tr("Settings"))
        form = QFormLayout(self)
        self.api_url = QLineEdit(s.api_url, self)
        self.api_url.setAccessibleName(self.tr("API URL"))
        form.addRow(self.tr("NemoVideo API URL:"), self.api_url)
        self.token = QLineEdit(self)
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText(self.tr("Paste a NemoVideo token (optional)"))
        self.token.setAccessibleName(self.tr("Token"))
        token_row = QHBoxLayout()
        token_row.addWidget(self.token, 1)
        self.sign_out = QPushButton(self.tr("Sign out"), self)
        self.sign_out.setToolTip(self.tr("Forget the stored cloud token"))
        self.sign_out.clicked.connect(self._sign_out)
        token_row.addWidget(self.sign_out)
        form.addRow(self.tr("Token:"), token_row)
        self.token_state = QLabel(self)
        self.token_state.setObjectName("muted")
        self.token_state.setWordWrap(True)
        form.addRow("", self.token_state)
        out_row = QHBoxLayout()
        self.output_dir = QLineEdit(s.output_dir, self)
        self.output_dir.setAccessibleName(self.tr("Output folder"))
        out_row.addWidget(self.output_dir, 1)
        browse = QPushButton(self.tr("Choose…"), self)
        browse.clicked.connect(self._browse)
        out_row.addWidget(browse)
        form.addRow(self.tr("Output folder:"), out_row)
        self.seconds = QDoubleSpinBox(self)
        self.seconds.setRange(0.5, 60.0)
        self.seconds.setSingleStep(0.5)
        self.seconds.setSuffix(self.tr(" s"))
        self.seconds.setValue(float(s.default_seconds))
        self.seconds.setAccessibleName(self.tr("Default photo duration"))
        defaults_tip = self.tr("Applied to new slideshows made by the local engine.")
        self.seconds.setToolTip(defaults_tip)
        form.addRow(self.tr("Each photo lasts:"), self.seconds)
        self.transition = QComboBox(self)
        for t in TRANSITION_TYPES:
            self.transition.addItem(t.replace("_", " "), t)
        self.transition.setCurrentIndex(max(0, self.transition.findData(s.default_transition)))
        self.transition.setAccessibleName(self.tr("Default transition"))
        self.transition.setToolTip(defaults_tip)
        form.addRow(self.tr("Default transition:"), self.transition)
        self.language = QComboBox(self)
        for code, name in LANGUAGES:
            self.language.addItem(self.tr("System language") if code == "system" else name, code)
        self.language.setCurrentIndex(max(0, self.language.findData(s.language)))
        self.language.setAccessibleName(self.tr("Language"))
        form.addRow(self.tr("Language:"), self.language)
        self.language_note = QLabel(self.tr("A new language applies after NemoDesk restarts."), self)
        self.language_note.setObjectName("muted")
        form.addRow("", self.language_note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self._signed_out = False
        self._show_token_state()

    def _cloud_identity(self):  # type: ignore[no-untyped-def]
        from nemodesk.core.identity import Identity

        ident = Identity(self.api_url.text().strip() or self.controller.settings.api_url)
        ident.load()
        return ident

    def _show_token_state(self) -> None:
        try:
            ident = self._cloud_identity()
        except Exception as err:  # the keyring can fail in odd ways; the dialog must still open
            self.token_state.setText(
                self.tr("The keyring could not be read: %1").replace("%1", type(err).__name__)
            )
            return
        if ident.source == "env":
            text = self.tr("Using the token from the NEMO_TOKEN environment variable.")
        elif ident.token:
            kind = self.tr("an anonymous token") if ident.is_anonymous else self.tr("your token")
            text = self.tr("Signed in with %1 (kept in the system keyring).").replace("%1", kind)
        else:
            text = self.tr("Not signed in: a free anonymous token is fetched when you use the cloud.")
        self.token_state.setText(text)
        self.sign_out.setEnabled(bool(ident.token) and ident.source != "env")

    def _sign_out(self) -> None:
        self._cloud_identity().forget()
        self._signed_out = True
        self.token.clear()
        self._show_token_state()

    def _browse(self) -> None:
        dlg = QFileDialog(self, self.tr("Output folder"), self.output_dir.text())
        dlg.setFileMode(QFileDialog.FileMode.Directory)
        dlg.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dlg.fileSelected.connect(self.output_dir.setText)
        dlg.finished.connect(dlg.deleteLater)
        dlg.open()

    def accept(self) -> None:
        s = self.controller.settings
        changed: list[str] = []
        url = self.api_url.text().strip().rstrip("/")
        if url and url != s.api_url:
            s.api_url = url
            changed.append("api_url")
        token = self.token.text().strip()
        if token:
            ident = self._cloud_identity()
            saved = ident.set_user_token(token)
            changed.append("token")
            if not saved:
                self.controller.notice.emit(ident.unsaved_notice or "")
        if self._signed_out:
            changed.append("token")
        for key, value in (
            ("output_dir", self.output_dir.text().strip()),
            ("default_seconds", float(self.seconds.value())),
            ("default_transition", self.transition.currentData()),
            ("language", self.language.currentData()),
        ):
            if value != getattr(s, key):
                setattr(s, key, value)
                changed.append(key)
        self.token.clear()
        super().accept()
        self.applied.emit(changed)
