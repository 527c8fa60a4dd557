"""The main window: tray on the left, preview + timeline + export queue in the middle, chat on the right.

It only arranges widgets and connects their signals to the controller; the controller does the work.
The timeline, preview and export queue come from their own modules; a build without one of them shows
a labelled empty area instead of failing to open. Size, position, splitters and last folders are kept in
the app's QSettings (paths.config_dir()), never in the platform's default location.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QByteArray, QEvent, QObject, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from nemodesk import __version__
from nemodesk.core import paths
from nemodesk.core import project as projects
from nemodesk.core.errors import UserError
from nemodesk.ui.controller import AppController, human_error
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
    projectOpened = Signal(object)  # ProjectOpened, once a project (or a recovery) is open
    autosaved = Signal(str)  # the autosave file, after each write

    AUTOSAVE_DELAY_MS = 2000

    def __init__(
        self,
        controller: AppController,
        parent: QWidget | None = None,
        autosave: projects.Autosave | None = None,
    ):
        super().__init__(parent)
        self.controller = controller
        self.autosave = autosave
        self.project_path: Path | None = None
        self.recovery_file: Path | None = None
        self._pending_open: tuple[Path, bool] | None = (
            None  # (file, is a recovery) until the backend is ready
        )
        self._opening = False
        self._autosaving = False
        self._autosave_again = False
        self._unsaved_box: QMessageBox | None = None  # the open "Save changes?" question, if any
        self._close_confirmed = False  # the user answered the question for this close: do not ask again
        self._user_close = False  # the close under way came from Quit (not from code shutting down)
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
        self.recovery_bar = self._recovery_bar(body)
        lay.addWidget(self.recovery_bar)
        lay.addWidget(self.account)
        lay.addWidget(self.main, 1)
        self.setCentralWidget(body)
        self.status_label = QLabel(self)
        self.statusBar().addWidget(self.status_label, 1)

        self._stopped = False
        self._autosave_timer = QTimer(self)
        self._autosave_timer.setSingleShot(True)
        self._autosave_timer.setInterval(self.AUTOSAVE_DELAY_MS)
        self._autosave_timer.timeout.connect(self.autosave_now)
        self._name_headers()
        self._menus()
        self._connect()
        self._restore()
        self._update_title()

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

    def _name_headers(self) -> None:
        """A screen reader announces a list's column header as its own item view: name it for its list
        ("Exports columns") rather than leave it nameless."""
        for header in self.findChildren(QHeaderView):
            if header.accessibleName():
                continue
            owner = header.parentWidget()
            title = owner.accessibleName() if owner is not None else ""
            header.setAccessibleName(
                self.tr("%1 columns").replace("%1", title) if title else self.tr("Column headers")
            )

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
        self.open_project_action = QAction(self.tr("&Open project…"), self)
        self.open_project_action.setShortcut(QKeySequence("Ctrl+Shift+O"))  # Ctrl+O adds photos
        self.open_project_action.triggered.connect(self.open_project_dialog)
        file.addAction(self.open_project_action)
        self.recent_menu = file.addMenu(self.tr("Open &recent"))
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self._fill_recent()
        self.save_action = QAction(self.tr("&Save project"), self)
        self.save_action.setShortcut(QKeySequence.StandardKey.Save)
        self.save_action.triggered.connect(self.save_project)
        file.addAction(self.save_action)
        self.save_as_action = QAction(self.tr("Save project &as…"), self)
        self.save_as_action.setShortcut(QKeySequence("Ctrl+Shift+S"))
        self.save_as_action.triggered.connect(self.save_project_dialog)
        file.addAction(self.save_as_action)
        file.addSeparator()
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
        self.quit_action = QAction(self.tr("&Quit"), self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.quit_requested)
        file.addAction(self.quit_action)
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
        c.draftEdited.connect(self._draft_edited)
        c.draftChanged.connect(lambda _d: self._autosave_timer.start() if self.autosave is not None else None)
        c.draftChanged.connect(lambda _d: self._update_title())
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
            if self._pending_open is not None:
                path, recovered = self._pending_open
                self._pending_open = None
                self._start_open(path, recovered)
            self._auto_upload()

    def show_message(self, text: str) -> None:
        self.status_label.setText(text)

    # ---------------------------------------------------------------------------------------- actions

    def new_project(self) -> None:
        if self.controller.ready:
            self.maybe_save(self._new_project)

    def _new_project(self) -> None:
        c = self.controller
        if c.ready:
            self.project_path = None
            self.setWindowModified(False)
            c.spawn(c.new_session(announce=True), "new-session")
            self._update_title()

    # --------------------------------------------------------------------------------------- projects

    def project_display_name(self) -> str:
        """The project's file name, else the draft's title, else "Untitled"."""
        draft = self.controller.draft
        if self.project_path is not None:
            return self.project_path.stem
        if draft is not None and draft.canvas.title:
            return draft.canvas.title
        return self.tr("Untitled")

    def _update_title(self) -> None:
        """`Name[*] — NemoDesk`: the project's file name (or the draft's title), `*` while unsaved."""
        self.controller.project_name = self.project_path.stem if self.project_path is not None else None
        self.setWindowTitle(f"{self.project_display_name()}[*] — NemoDesk")

    # -------------------------------------------------------------------------------- unsaved changes

    def has_unsaved_changes(self) -> bool:
        return self.isWindowModified() and self.controller.draft is not None

    def maybe_save(self, then: Callable[[], None]) -> None:
        """Before the project is replaced or the window closes: with unsaved changes, ask Save / Don't Save /
        Cancel, then run `then` unless cancelled (after the save succeeded, for Save). The box is opened with
        open() and answers through a signal, never exec(): this may run from an async slot."""
        if not self.has_unsaved_changes():
            then()
            return
        if self._unsaved_box is not None and shiboken6.isValid(self._unsaved_box):
            self._unsaved_box.raise_()  # already asking (Quit pressed twice): one question at a time
            return
        B = QMessageBox.StandardButton
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            self.tr("Unsaved changes"),
            self.tr("Save changes to %1?").replace("%1", self.project_display_name()),
            B.Save | B.Discard | B.Cancel,
            self,
        )
        box.setObjectName("unsavedChangesBox")
        box.setInformativeText(self.tr("Your changes will be lost if you don't save them."))
        box.button(B.Discard).setText(self.tr("Don't Save"))
        box.setDefaultButton(B.Save)
        box.setEscapeButton(B.Cancel)
        box.setWindowModality(Qt.WindowModality.WindowModal)

        def answered(_result: int) -> None:
            clicked = box.clickedButton()
            answer = box.standardButton(clicked) if clicked is not None else B.Cancel
            self._unsaved_box = None
            box.deleteLater()
            if answer == B.Save:
                self._save_then(then)
            elif answer == B.Discard:
                then()

        box.finished.connect(answered)
        self._unsaved_box = box
        box.open()

    def _save_then(self, then: Callable[[], None]) -> None:
        """Save (asking for a file when the project has none), then continue; a cancelled file dialog or a
        failed save stops there, keeping everything."""
        if self.project_path is None:
            self._ask_save_path(then)
        else:
            self.save_project_to(self.project_path, then)

    def _draft_edited(self) -> None:
        if not self._opening:
            self.setWindowModified(True)
            self._update_title()

    def _file_dialog(self, title: str, save: bool) -> QFileDialog:
        folder = (
            str(self.project_path.parent)
            if self.project_path
            else self.controller.settings.get("projects/last_folder", str(Path.home()))
        )
        dlg = QFileDialog(self, title, folder, self.tr("NemoDesk projects (*.nemodesk)"))
        dlg.setAcceptMode(QFileDialog.AcceptMode.AcceptSave if save else QFileDialog.AcceptMode.AcceptOpen)
        dlg.setFileMode(QFileDialog.FileMode.AnyFile if save else QFileDialog.FileMode.ExistingFile)
        dlg.setDefaultSuffix(projects.SUFFIX.lstrip("."))
        dlg.finished.connect(dlg.deleteLater)
        self._dialog = dlg
        return dlg

    def open_project_dialog(self) -> None:
        self.maybe_save(self._open_project_dialog)

    def _open_project_dialog(self) -> None:
        dlg = self._file_dialog(self.tr("Open project"), save=False)
        dlg.fileSelected.connect(lambda f: self.open_project_file(Path(f)))
        dlg.open()  # never exec(): this may run from an async slot

    def save_project_dialog(self) -> None:
        self._ask_save_path(None)

    def _ask_save_path(self, then: Callable[[], None] | None) -> None:
        if self.controller.draft is None:
            self.show_message(self.tr("There is nothing to save yet: the timeline is empty."))
            return
        dlg = self._file_dialog(self.tr("Save project"), save=True)
        title = self.controller.draft.canvas.title or self.tr("Untitled")
        dlg.selectFile(projects._safe_name(title) + projects.SUFFIX)
        dlg.fileSelected.connect(lambda f: self.save_project_to(Path(f), then))
        dlg.open()

    def save_project(self) -> None:
        """Ctrl+S: to the project's file, or ask for one the first time."""
        if self.project_path is None:
            self.save_project_dialog()
        else:
            self.save_project_to(self.project_path)

    def save_project_to(self, path: Path, then: Callable[[], None] | None = None) -> Any:
        """Save to `path`; `then` runs once the save succeeded (what the "Save changes?" question goes on to)."""
        path = Path(path)
        if path.suffix.lower() != projects.SUFFIX:
            path = path.with_name(path.name + projects.SUFFIX)
        return self.controller.spawn(self._save(path, then), "save-project")

    async def _save(self, path: Path, then: Callable[[], None] | None = None) -> None:
        c = self.controller
        try:
            saved = await c.save_project(path)
        except UserError as err:
            c.errorShown.emit(human_error(err))
            return
        self.project_path = saved
        c.settings.set("projects/last_folder", str(saved.parent))
        self._remember_recent(saved)
        self.setWindowModified(False)
        self._update_title()
        self.show_message(self.tr("Saved %1.").replace("%1", str(saved)))
        if then is not None:
            then()

    def open_project_file(self, path: Path, recovered: bool = False) -> None:
        """Open a `.nemodesk` (menu, recent list, command line, a double-click on macOS); waits for the
        backend when it is still starting."""
        path = Path(path).absolute()
        if not self.controller.ready:
            self._pending_open = (path, recovered)
            self.show_message(self.tr("%1 opens as soon as the backend is ready.").replace("%1", path.name))
            return
        self._start_open(path, recovered)

    def _start_open(self, path: Path, recovered: bool) -> Any:
        return self.controller.spawn(self._open(path, recovered), "open-project")

    async def _open(self, path: Path, recovered: bool = False) -> None:
        c = self.controller
        self._opening = True
        self.show_message(self.tr("Opening %1…").replace("%1", path.name))
        self.tray.clear()  # the tray's photos belong to the project being closed
        try:
            origin = await c.runner.run(projects.project_origin, path) if recovered else None
            result = await c.open_project(path)
        except UserError as err:
            c.errorShown.emit(human_error(err))
            self.show_message(human_error(err))
            return
        finally:
            self._opening = False
        self.tray.add_uploaded(result.uploaded)
        if recovered:
            self.project_path = origin  # the recovered work keeps its project's name and path, if it had one
            self.setWindowModified(True)  # recovered work is not saved anywhere yet
            self._discard_recovery()
        else:
            self.project_path = path
            c.settings.set("projects/last_folder", str(path.parent))
            self._remember_recent(path)
            self.setWindowModified(False)
        self._update_title()
        name = self.tr("the recovered project") if recovered else f"“{result.title}”"
        lines = [self.tr("Opened %1.").replace("%1", name)]
        if result.missing:
            lines.append(
                self.tr("These files are missing and were left out: %1.").replace(
                    "%1", ", ".join(result.missing)
                )
            )
        if result.local_only:
            lines.append(
                self.tr(
                    "NemoVideo cannot take a whole timeline, so this project's timeline is open on this "
                    "computer only: you can view it, preview it and export it here. A chat message edits "
                    "the cloud session's own timeline instead."
                )
            )
        c.appReply.emit("\n".join(lines))
        self.show_message(lines[0])
        self.projectOpened.emit(result)

    def _remember_recent(self, path: Path) -> None:
        try:
            projects.add_recent(path)
        except OSError as err:  # the list is a convenience: never fail a save or an open for it
            log.warning("could not update the recent projects: %s", err)
        self._fill_recent()

    def _fill_recent(self) -> None:
        menu = self.recent_menu
        menu.clear()
        recent = projects.recent_projects()
        for p in recent:
            act = menu.addAction(p.name)
            act.setToolTip(str(p))
            act.setStatusTip(str(p))
            act.triggered.connect(lambda _=False, p=p: self.maybe_save(lambda: self.open_project_file(p)))
        if not recent:
            none = menu.addAction(self.tr("No recent projects"))
            none.setEnabled(False)
            return
        menu.addSeparator()
        clear = menu.addAction(self.tr("Clear the list"))
        clear.triggered.connect(lambda: (projects.clear_recent(), self._fill_recent()))

    # ------------------------------------------------------------------------------ autosave, recovery

    def _recovery_bar(self, parent: QWidget) -> QFrame:
        bar = QFrame(parent)
        bar.setObjectName("recoveryBar")
        bar.setFrameShape(QFrame.Shape.StyledPanel)
        row = QHBoxLayout(bar)
        row.setContentsMargins(8, 4, 8, 4)
        self.recovery_label = QLabel(
            self.tr("NemoDesk did not close properly last time. Recover the unsaved project?"), bar
        )
        self.recovery_label.setWordWrap(True)
        row.addWidget(self.recovery_label, 1)
        self.recover_button = QPushButton(self.tr("Recover"), bar)
        self.recover_button.setAccessibleName(self.tr("Recover the unsaved project"))
        self.recover_button.clicked.connect(self.accept_recovery)
        self.discard_recovery_button = QPushButton(self.tr("Discard"), bar)
        self.discard_recovery_button.clicked.connect(self._discard_recovery)
        row.addWidget(self.recover_button)
        row.addWidget(self.discard_recovery_button)
        bar.hide()
        return bar

    def start_autosave(self) -> Path | None:
        """At launch: mark this run as running; if the last one did not end cleanly and left an autosave,
        keep a copy of it (this run's autosaves go to the same file) and offer it in a bar, not a dialog."""
        if self.autosave is None:
            return None
        try:
            found = self.autosave.start()
        except OSError as err:
            log.warning("autosave unavailable: %s", err)
            self.autosave = None
            return None
        if found is None:
            return None
        import shutil

        copy = self.autosave.root / f"recovered{projects.SUFFIX}"
        try:
            shutil.copy2(found, copy)
        except OSError as err:
            log.warning("could not keep the autosave for recovery: %s", err)
            return None
        self.recovery_file = copy
        self.recovery_bar.show()
        return copy

    def accept_recovery(self) -> None:
        if self.recovery_file is None:
            return
        self.recover_button.setEnabled(False)
        self.recovery_label.setText(self.tr("Recovering the unsaved project…"))
        self.open_project_file(self.recovery_file, recovered=True)

    def _discard_recovery(self) -> None:
        if self.recovery_file is not None:
            self.recovery_file.unlink(missing_ok=True)
            self.recovery_file = None
        self.recovery_bar.hide()

    def autosave_now(self) -> None:
        """Write the autosave off the GUI thread (one at a time; a change during a write writes again)."""
        if self.autosave is None or self._stopped:
            return
        if self._autosaving:
            self._autosave_again = True
            return
        draft = self.controller.draft
        if draft is None:
            self.autosave.discard()
            return
        c = self.controller
        files = {src: c.resolve_media(src) for src in dict.fromkeys(draft.media_ids())}
        self._autosaving = True
        c.runner.run_task(
            self.autosave.save,
            draft.dumps(),
            files.get,
            self.project_path,
            on_result=self._autosave_done,
            on_error=self._autosave_failed,
        )

    def _autosave_done(self, path: Any) -> None:
        self._autosaving = False
        self.autosaved.emit(str(path))
        if self._autosave_again:
            self._autosave_again = False
            self.autosave_now()

    def _autosave_failed(self, err: BaseException) -> None:
        self._autosaving = False
        log.warning("autosave failed: %s", err)

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
        if shiboken6.isValid(self._autosave_timer):  # a late call can find the window already deleted
            self._autosave_timer.stop()
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
        if self.autosave is not None:
            self.autosave.stop()  # a clean exit: nothing to recover next time

    def closeEvent(self, e: QCloseEvent) -> None:
        """A close the user asked for (Quit, the title bar) with unsaved changes is ignored and the question
        asked; the answer closes again. A close from code (shutting down, tests) does not ask."""
        asked_by_user = e.spontaneous() or self._user_close  # the title bar's close button, or Quit
        self._user_close = False
        if asked_by_user and not self._close_confirmed and not self._stopped and self.has_unsaved_changes():
            e.ignore()
            self.maybe_save(self._close_after_answer)
            return
        self.save_layout()
        super().closeEvent(e)
        self.closed.emit()

    def quit_requested(self) -> None:
        """File > Quit: close the window, asking first about unsaved changes."""
        self._user_close = True
        self.close()

    def _close_after_answer(self) -> None:
        self._close_confirmed = True
        QTimer.singleShot(0, self.close)  # not from inside the box's finished signal


class FileOpener(QObject):
    """An application event filter that opens the project of a QFileOpenEvent (what macOS sends when a
    `.nemodesk` file is double-clicked or dropped on the Dock icon)."""

    def __init__(self, window: MainWindow, parent: QObject | None = None):
        super().__init__(parent)
        self.window = window

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FileOpen:
            path = event.file() or event.url().toLocalFile()  # type: ignore[attr-defined]
            if path.lower().endswith(projects.SUFFIX):
                # the same question as File > Open: a double-click in Finder must not drop unsaved work
                self.window.maybe_save(lambda: self.window.open_project_file(Path(path)))
                return True
        return False
