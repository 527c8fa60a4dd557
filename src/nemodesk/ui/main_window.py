"""The main window: tray on the left, preview + timeline + export queue in the middle, chat on the right.

It only arranges widgets and connects their signals to the controller; the controller does the work.
The timeline, preview and export queue come from their own modules; a build without one of them shows
a labelled empty area instead of failing to open. Size, position, splitters and last folders are kept in
the app's QSettings (paths.config_dir()), never in the platform's default location.
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, Qt, QUrl, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from nemodesk import __version__
from nemodesk.core import paths
from nemodesk.ui.controller import AppController
from nemodesk.ui.qt_account import AccountBar
from nemodesk.ui.qt_chat import ChatPane
from nemodesk.ui.qt_photo_tray import PhotoTray

log = logging.getLogger(__name__)

# (module, class, placeholder title): the panes other modules provide.
OPTIONAL_PANES = {
    "timeline": ("nemodesk.ui.qt_timeline", "TimelineView"),
    "preview": ("nemodesk.ui.qt_preview", "PreviewWidget"),
    "exports": ("nemodesk.ui.qt_export_queue", "ExportQueueWidget"),
}


class MainWindow(QMainWindow):
    closed = Signal()  # after the layout was saved and the panes stopped: the app may shut down

    def __init__(self, controller: AppController, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.setWindowTitle("NemoDesk")
        self.setAccessibleName("NemoDesk")
        self.resize(1360, 840)
        self.setMinimumSize(900, 560)
        s = controller.settings

        self.account = AccountBar(controller, self)
        self.tray = PhotoTray(controller.runner, self, last_folder=s.last_folder)
        self.chat = ChatPane(controller, self)
        self.panes: dict[str, QWidget] = {name: self._pane(name) for name in OPTIONAL_PANES}

        self.center = QSplitter(Qt.Orientation.Vertical, self)
        self.center.setObjectName("centerSplitter")
        for name in ("preview", "timeline", "exports"):
            self.center.addWidget(self.panes[name])
        self.center.setStretchFactor(0, 3)
        self.center.setStretchFactor(1, 2)
        self.center.setStretchFactor(2, 1)
        self.center.setSizes([360, 260, 140])
        self.main = QSplitter(Qt.Orientation.Horizontal, self)
        self.main.setObjectName("mainSplitter")
        self.main.addWidget(self.tray)
        self.main.addWidget(self.center)
        self.main.addWidget(self.chat)
        self.main.setStretchFactor(1, 1)
        self.main.setSizes([280, 780, 380])
        for w in (self.tray, self.chat):
            w.setMinimumWidth(220)
        body = QWidget(self)
        lay = QVBoxLayout(body)
        lay.setContentsMargins(6, 0, 6, 6)
        lay.setSpacing(4)
        lay.addWidget(self.account)
        lay.addWidget(self.main, 1)
        self.setCentralWidget(body)
        self.status_label = QLabel(self)
        self.statusBar().addWidget(self.status_label, 1)

        self._stopped = False
        self._menus()
        self._connect()
        self._restore()

    # ------------------------------------------------------------------------------------------ panes

    def _pane(self, name: str) -> QWidget:
        module, cls = OPTIONAL_PANES[name]
        try:
            widget = getattr(importlib.import_module(module), cls)(self.controller)
            widget.setParent(self)
            return widget
        except ImportError as err:
            log.warning("pane %s unavailable: %s", name, err)
        titles = {
            "timeline": self.tr("Timeline"),
            "preview": self.tr("Preview"),
            "exports": self.tr("Exports"),
        }
        label = QLabel(self.tr("%1 is not available in this build.").replace("%1", titles[name]), self)
        label.setObjectName("placeholder")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setAccessibleName(titles[name])
        return label

    def pane(self, name: str) -> Any:
        return self.panes[name]

    # ------------------------------------------------------------------------------------------ menus

    def _menus(self) -> None:
        c = self.controller
        file = self.menuBar().addMenu(self.tr("&File"))
        file.addAction(self.tray.open_action)
        self.addAction(self.tray.open_action)
        new = QAction(self.tr("&New project"), self)
        new.setShortcut(QKeySequence.StandardKey.New)
        new.triggered.connect(self.new_project)
        file.addAction(new)
        self.export_action = QAction(self.tr("&Export video"), self)
        self.export_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_action.triggered.connect(lambda: c.submit_route("export"))
        file.addAction(self.export_action)
        file.addSeparator()
        settings = QAction(self.tr("&Settings…"), self)
        settings.setShortcut(QKeySequence.StandardKey.Preferences)
        settings.triggered.connect(self.open_settings)
        file.addAction(settings)
        file.addSeparator()
        quit_ = QAction(self.tr("&Quit"), self)
        quit_.setShortcut(QKeySequence.StandardKey.Quit)
        quit_.triggered.connect(self.close)
        file.addAction(quit_)
        edit = self.menuBar().addMenu(self.tr("&Edit"))
        timeline = self.panes["timeline"]
        for name in ("undo_action", "redo_action", "copy_action"):
            act = getattr(timeline, name, None)
            if act is not None:
                edit.addAction(act)
        remove = QAction(self.tr("Remove selected photos"), self)
        remove.triggered.connect(self.tray.remove_selected)
        edit.addAction(remove)
        view = self.menuBar().addMenu(self.tr("&View"))
        focus = {
            self.tr("Photos"): (self.tray.list, "Ctrl+1"),
            self.tr("Timeline"): (timeline, "Ctrl+2"),
            self.tr("Chat"): (self.chat.input, "Ctrl+3"),
        }
        for title, (widget, key) in focus.items():
            act = QAction(title, self)
            act.setShortcut(QKeySequence(key))
            act.triggered.connect(lambda _=False, w=widget: w.setFocus())
            view.addAction(act)
        help_ = self.menuBar().addMenu(self.tr("&Help"))
        logs = QAction(self.tr("Open the log folder"), self)
        logs.triggered.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(paths.log_dir()))))
        help_.addAction(logs)
        about = QAction(self.tr("About NemoDesk"), self)
        about.triggered.connect(self._about)
        help_.addAction(about)

    def _about(self) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Information,
            self.tr("About NemoDesk"),
            self.tr("NemoDesk %1\nTurn photos into short videos by chat.\nGPL-3.0-or-later.").replace(
                "%1", __version__
            ),
            QMessageBox.StandardButton.Ok,
            self,
        )
        box.finished.connect(box.deleteLater)
        box.open()

    # ---------------------------------------------------------------------------------------- signals

    def _connect(self) -> None:
        c, tray = self.controller, self.tray
        tray.uploadRequested.connect(self._upload)
        tray.message.connect(self.show_message)
        tray.folderUsed.connect(lambda folder: setattr(c.settings, "last_folder", folder))
        tray.changed.connect(self._tray_changed)
        c.uploadProgress.connect(lambda p, f: tray.set_upload_progress(Path(p), f))
        c.uploadDone.connect(lambda p, src: tray.set_uploaded(Path(p), src))
        c.uploadFailed.connect(lambda p, why: tray.set_upload_failed(Path(p), why))
        c.uploadRouteRequested.connect(self._upload_route)
        c.backendStatus.connect(self._backend_status)
        c.backendChanged.connect(lambda _n: tray.forget_uploads())
        c.sessionChanged.connect(lambda _sid: (tray.forget_uploads(), self._auto_upload()))
        c.pending_files = self.pending_uploads
        c.errorShown.connect(self.show_message)
        c.showTimelineRequested.connect(lambda: self.panes["timeline"].setFocus())
        self._link_playheads()
        exports = self.panes["exports"]
        start = getattr(exports, "start_export", None) or getattr(exports, "export_current", None)
        if start is not None:
            c.exportRequested.connect(start)
        finished = getattr(exports, "exportFinished", None)
        if finished is not None:
            finished.connect(self._export_finished)
        failed = getattr(exports, "exportFailed", None)
        if failed is not None:
            failed.connect(lambda _job, why: c.errorShown.emit(why))

    def _link_playheads(self) -> None:
        """One playhead: scrubbing the timeline shows that frame (or moves playback there); playback and the
        preview's slider move the timeline's playhead. Neither side re-emits what it is told, so no loop."""
        timeline, preview = self.panes["timeline"], self.panes["preview"]
        moved = getattr(timeline, "playheadMoved", None)
        seek = getattr(preview, "seek", None) or getattr(preview, "show_time", None)
        if moved is not None and seek is not None:
            moved.connect(seek)
        position = getattr(preview, "positionChanged", None)
        follow = getattr(timeline, "set_playhead", None)
        if position is not None and follow is not None:
            position.connect(follow)

    def _export_finished(self, _job: str, path: str) -> None:
        p = Path(path)
        self.controller.appReply.emit(
            self.tr("Your video is ready: %1 (in %2).").replace("%1", p.name).replace("%2", str(p.parent))
        )

    def _tray_changed(self) -> None:
        for d in self.tray.item_data():
            if d.sha256:
                self.controller.remember_hash(d.path, d.sha256)
        self._auto_upload()

    def _auto_upload(self) -> None:
        """Dropped photos go to the backend as soon as all are checked, in tray order (the agent uses
        upload order for the slideshow)."""
        c = self.controller
        if not c.ready or c.busy or self.tray.checking:
            return
        files = self.pending_uploads()
        if files:
            for f in files:
                self.tray.set_upload_progress(f, 0.0)  # marks them as under way: never scheduled twice
            c.upload(files)

    def _upload(self, files: list[Path]) -> None:
        if not self.controller.ready:
            self.show_message(
                self.tr("The backend is not ready yet; the photos will upload when you send a message.")
            )
            return
        self.controller.upload(files)

    def _upload_route(self) -> None:
        if self.tray.usable_paths():
            self.tray.request_upload()
        else:
            self.tray.open_dialog()

    def pending_uploads(self) -> list[Path]:
        return [d.path for d in self.tray.item_data() if d.usable and not d.media_src and d.upload is None]

    def _backend_status(self, state: str, text: str) -> None:
        self.show_message(text)
        if state == "ready":
            self._auto_upload()

    def show_message(self, text: str) -> None:
        self.status_label.setText(text)

    # ---------------------------------------------------------------------------------------- actions

    def new_project(self) -> None:
        c = self.controller
        if c.ready:
            c.spawn(c.new_session(announce=True), "new-session")

    def open_settings(self) -> None:
        from nemodesk.ui.settings_dialog import SettingsDialog

        dlg = SettingsDialog(self.controller, self)
        dlg.applied.connect(self._settings_applied)
        dlg.finished.connect(dlg.deleteLater)
        dlg.open()
        self._settings_dialog = dlg

    def _settings_applied(self, changed: list[str]) -> None:
        c = self.controller
        if c.backend_name == "cloud" and ({"api_url", "token"} & set(changed)):
            c.retry()
        if "language" in changed:
            self.show_message(self.tr("The new language applies after NemoDesk restarts."))

    # ------------------------------------------------------------------------------------- geometry

    def _restore(self) -> None:
        q = self.controller.settings.q
        geo = q.value("window/geometry")
        if isinstance(geo, QByteArray | bytes) and geo:
            self.restoreGeometry(QByteArray(geo))
        for key, splitter in (("window/main_splitter", self.main), ("window/center_splitter", self.center)):
            state = q.value(key)
            if isinstance(state, QByteArray | bytes) and state:
                splitter.restoreState(QByteArray(state))

    def save_layout(self) -> None:
        q = self.controller.settings.q
        q.setValue("window/geometry", self.saveGeometry())
        q.setValue("window/main_splitter", self.main.saveState())
        q.setValue("window/center_splitter", self.center.saveState())
        q.setValue("tray/last_folder", self.tray.last_folder)
        q.sync()

    async def aclose(self) -> None:
        """Stop the panes' background work (exports, thumbnails, previews); call before the controller's
        aclose(), while the loop still runs. Safe to call twice."""
        if self._stopped:
            return
        self._stopped = True
        for w in self.panes.values():
            try:
                aclose = getattr(w, "aclose", None)
                if aclose is not None:
                    await aclose()
                elif callable(getattr(w, "shutdown", None)):
                    w.shutdown()
            except Exception:
                log.exception("pane shutdown failed")
        self.controller.runner.wait(10_000)

    def closeEvent(self, e: QCloseEvent) -> None:
        self.save_layout()
        super().closeEvent(e)
        self.closed.emit()
