"""The export queue: one row per export (name, backend, progress, ETA, state), kept in SQLite.

An export is the protocol's flow (state -> submit -> poll -> download) run as a task on the qasync loop;
its row lives in `JobStore` from the moment it is queued, and the render id is written the moment the
backend accepts the job. That is what makes a cloud render survive a restart: at the next launch the row is
still "running" with its render id, API URL and session id, and polling resumes as soon as a client for that
API URL is ready. A local render dies with the engine process, so such rows come back as failed (Retry).

Output files are named for the draft's title in the output folder and never overwrite anything: a name in
use gets a number (`Title (2).mp4`), and the client only renames its download into place once complete.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QPoint, QRect, Qt, QUrl, Signal
from PySide6.QtGui import QAction, QColor, QDesktopServices, QPainter, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
    QSystemTrayIcon,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nemodesk.core.errors import UserError
from nemodesk.core.job_store import (
    CANCELLED,
    DONE,
    FAILED,
    QUEUED,
    RUNNING,
    ExportJob,
    JobStore,
    unique_target,
)

log = logging.getLogger(__name__)

COL_NAME, COL_BACKEND, COL_PROGRESS, COL_ETA, COL_STATE = range(5)
ROLE_JOB = Qt.ItemDataRole.UserRole + 1
ROLE_PROGRESS = Qt.ItemDataRole.UserRole + 2


def _eta_text(s: float | None) -> str:
    if s is None or s < 0:
        return ""
    s = round(s)
    return f"{s // 60}:{s % 60:02d}" if s >= 60 else f"{s} s"


class _ProgressDelegate(QStyledItemDelegate):
    """A real progress bar painted in the cell (no widget per row)."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        value = index.data(ROLE_PROGRESS)
        if value is None:
            super().paint(painter, option, index)
            return
        bar = QStyleOptionProgressBar()
        bar.rect = QRect(option.rect.adjusted(4, 3, -4, -3))
        bar.minimum, bar.maximum = 0, 1000
        bar.progress = int(max(0.0, min(1.0, float(value))) * 1000)
        bar.text = f"{round(float(value) * 100)}%"
        bar.textVisible = True
        bar.textAlignment = Qt.AlignmentFlag.AlignCenter
        bar.palette = option.palette
        bar.fontMetrics = option.fontMetrics
        bar.state = option.state | QStyle.StateFlag.State_Horizontal
        style = option.widget.style() if option.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter, option.widget)


class ExportQueueWidget(QWidget):
    """`ExportQueueWidget(controller, store=None)`.

    Public: `start_export(target=None) -> str` (job id; the main window connects the controller's
    exportRequested to it), `cancel(job_id)`, `retry(job_id) -> str`, `open_file(job_id)`,
    `show_in_folder(job_id)`, `resume_pending()`, `jobs()`, `row_state(job_id)`, `shutdown()` / `aclose()`.
    Signals: `jobChanged(job_id)`, `exportFinished(job_id, path)`, `exportFailed(job_id, message)`.
    """

    jobChanged = Signal(str)
    exportFinished = Signal(str, str)
    exportFailed = Signal(str, str)

    def __init__(self, controller: Any, store: JobStore | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("exportQueue")
        self._controller = controller
        self.store = store or JobStore()
        self._own_store = store is None
        self._tasks: dict[str, asyncio.Task[Any]] = {}
        self._cancels: dict[str, asyncio.Event] = {}
        self._started: dict[str, tuple[float, float]] = {}  # job id -> (monotonic start, progress at start)
        self._items: dict[str, QTreeWidgetItem] = {}
        self.tray: QSystemTrayIcon | None = getattr(controller, "tray_icon", None)
        self._own_tray: QSystemTrayIcon | None = None
        self.last_notification: tuple[str, str] | None = None

        self.tree = QTreeWidget(self)
        self.tree.setObjectName("exportList")
        self.tree.setAccessibleName(self.tr("Exports"))
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setStyleSheet("QTreeView::item { padding: 4px 2px; }")
        self.tree.setHeaderLabels(
            [self.tr("Name"), self.tr("Backend"), self.tr("Progress"), self.tr("ETA"), self.tr("State")]
        )
        head = self.tree.header()
        head.setSectionResizeMode(COL_NAME, QHeaderView.ResizeMode.Stretch)
        for col, w in ((COL_BACKEND, 70), (COL_PROGRESS, 140), (COL_ETA, 60), (COL_STATE, 130)):
            head.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            self.tree.setColumnWidth(col, w)
        self.tree.setItemDelegateForColumn(COL_PROGRESS, _ProgressDelegate(self.tree))
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._menu)
        self.tree.itemDoubleClicked.connect(lambda item, _c: self.open_file(item.data(0, ROLE_JOB)))
        self.tree.currentItemChanged.connect(lambda *_: self._update_actions())

        self.export_action = QAction(self.tr("Export"), self)
        self.export_action.setToolTip(self.tr("Export the timeline to an MP4 video"))
        self.export_action.triggered.connect(lambda: self.start_export())
        self.cancel_action = QAction(self.tr("Cancel"), self)
        self.cancel_action.triggered.connect(lambda: self._on_selected(self.cancel))
        self.retry_action = QAction(self.tr("Retry"), self)
        self.retry_action.triggered.connect(lambda: self._on_selected(self.retry))
        self.open_action = QAction(self.tr("Open"), self)
        self.open_action.triggered.connect(lambda: self._on_selected(self.open_file))
        self.folder_action = QAction(self.tr("Show in folder"), self)
        self.folder_action.triggered.connect(lambda: self._on_selected(self.show_in_folder))
        self.remove_action = QAction(self.tr("Remove from list"), self)
        self.remove_action.triggered.connect(lambda: self._on_selected(self.remove))

        bar = QHBoxLayout()
        bar.setContentsMargins(6, 4, 6, 2)
        bar.setSpacing(8)
        title = QLabel(self.tr("Exports"), self)
        f = title.font()
        f.setBold(True)
        title.setFont(f)
        bar.addWidget(title)
        self.folder_label = QLabel("", self)
        self.folder_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        bar.addWidget(self.folder_label, 1)
        for act in (
            self.export_action,
            self.cancel_action,
            self.retry_action,
            self.open_action,
            self.folder_action,
        ):
            btn = QToolButton(self)
            btn.setDefaultAction(act)
            btn.setAutoRaise(act is not self.export_action)
            btn.setAccessibleName(act.text())
            bar.addWidget(btn)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addLayout(bar)
        lay.addWidget(self.tree, 1)

        for job in self.store.interrupted_local():
            self.store.update(
                job.id, state=FAILED, error=self.tr("NemoDesk closed during this export."), eta_s=None
            )
        for job in self.store.jobs():
            self._show(job)
        self._update_actions()
        self._update_folder_label()
        status = getattr(controller, "backendStatus", None)
        if status is not None:
            status.connect(lambda state, _text: state == "ready" and self.resume_pending())
        self.resume_pending()

    # -- helpers

    def output_folder(self) -> Path:
        settings = getattr(self._controller, "settings", None)
        folder = getattr(settings, "output_dir", None) if settings is not None else None
        if not folder:
            folder = Path.home() / "Videos"
        return Path(folder)

    def _update_folder_label(self) -> None:
        folder = self.output_folder()
        self.folder_label.setText(self.tr("to {0}").format(folder.name or str(folder)))
        self.folder_label.setToolTip(self.tr("Exports are saved in {0}").format(folder))

    def jobs(self) -> list[ExportJob]:
        return self.store.jobs()

    def row_state(self, job_id: str) -> str:
        item = self._items.get(job_id)
        return item.text(COL_STATE) if item is not None else ""

    def _state_text(self, job: ExportJob) -> str:
        if job.state == QUEUED:
            return self.tr("Queued")
        if job.state == RUNNING:
            stage = job.extra.get("stage", "")
            return {
                "submitted": self.tr("Submitted"),
                "downloading": self.tr("Downloading"),
                "resuming": self.tr("Resuming"),
            }.get(stage, self.tr("Rendering"))
        if job.state == DONE:
            return self.tr("Done")
        if job.state == CANCELLED:
            return self.tr("Cancelled")
        return self.tr("Failed")

    def _show(self, job: ExportJob) -> None:
        item = self._items.get(job.id)
        if item is None:
            item = QTreeWidgetItem(self.tree)
            item.setData(0, ROLE_JOB, job.id)
            self._items[job.id] = item
        item.setText(COL_NAME, Path(job.target).name)
        item.setToolTip(COL_NAME, job.target)
        item.setText(COL_BACKEND, self.tr("Cloud") if job.backend == "cloud" else self.tr("Local"))
        item.setData(COL_PROGRESS, ROLE_PROGRESS, job.progress)
        item.setText(COL_ETA, _eta_text(job.eta_s) if job.state == RUNNING else "")
        item.setText(COL_STATE, self._state_text(job))
        item.setToolTip(COL_STATE, job.error or "")
        colors = {DONE: QColor("#2e7d32"), FAILED: QColor("#c62828")}
        if job.state in colors:
            item.setForeground(COL_STATE, colors[job.state])
        else:
            item.setForeground(COL_STATE, self.palette().color(QPalette.ColorRole.Text))
        self._update_actions()
        self.jobChanged.emit(job.id)

    def _update(self, job_id: str, **changes: Any) -> ExportJob:
        job = self.store.update(job_id, **changes)
        self._show(job)
        return job

    def _selected(self) -> str | None:
        item = self.tree.currentItem()
        return item.data(0, ROLE_JOB) if item is not None else None

    def _on_selected(self, fn: Any) -> None:
        job_id = self._selected()
        if job_id:
            fn(job_id)

    def _update_actions(self) -> None:
        job_id = self._selected()
        job = self.store.get(job_id) if job_id else None
        self.cancel_action.setEnabled(bool(job and job.active))
        self.retry_action.setEnabled(bool(job and job.state in (FAILED, CANCELLED)))
        done = bool(job and job.state == DONE and Path(job.target).is_file())
        self.open_action.setEnabled(done)
        self.folder_action.setEnabled(bool(job))
        self.remove_action.setEnabled(bool(job and not job.active))

    def _menu(self, pos: QPoint) -> None:
        item = self.tree.itemAt(pos)
        if item is None:
            return
        self.tree.setCurrentItem(item)
        menu = QMenu(self)
        for act in (
            self.open_action,
            self.folder_action,
            self.cancel_action,
            self.retry_action,
            self.remove_action,
        ):
            menu.addAction(act)
        menu.popup(self.tree.viewport().mapToGlobal(pos))

    # -- starting, resuming, cancelling

    def start_export(self, target: Path | None = None) -> str | None:
        """Queue an export of the current session's timeline; returns the job id (None if impossible)."""
        c = self._controller
        client, sid = getattr(c, "client", None), getattr(c, "session_id", None)
        draft = getattr(c, "draft", None)
        # the video's title, else the project's file name (an opened "trip.nemodesk" exports "trip.mp4")
        title = (draft.canvas.title if draft is not None else None) or getattr(c, "project_name", None)
        if target is None:
            folder = self.output_folder()
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                self._report_error(
                    self.tr("The output folder {0} cannot be created: {1}").format(folder, err)
                )
                return None
            taken = {j.target for j in self.store.jobs() if j.active}
            target = unique_target(folder, title, taken=taken)
        backend = getattr(c, "backend_name", "local") or "local"
        here = bool(getattr(c, "local_only", False)) and draft is not None
        job = self.store.add(
            ExportJob(
                Path(target).stem,
                "local" if here else backend,
                str(target),
                session_id=sid,
                api_url=getattr(client, "base_url", None),
                draft_json=draft.dumps() if here else None,
                extra={"here": True} if here else {},
            )
        )
        self._show(job)
        self.tree.setCurrentItem(self._items[job.id])
        if here:  # a project viewed on this computer only (the cloud cannot hold it): rendered here
            self._spawn(job.id, self._run_here(job.id))
            return job.id
        if client is None or not sid:
            self._update(
                job.id, state=FAILED, error=self.tr("The backend is not ready yet: try again in a moment.")
            )
            return job.id
        self._spawn(job.id, self._run(job.id, client))
        return job.id

    def retry(self, job_id: str) -> str | None:
        """Run a failed or cancelled export again (same draft, same file name unless taken since)."""
        job = self.store.get(job_id)
        c = self._controller
        client = getattr(c, "client", None)
        if job is None or job.active:
            return None
        if job.extra.get("here"):
            target = Path(job.target)
            if target.exists():
                target = unique_target(target.parent, target.stem)
            self._update(job_id, state=QUEUED, progress=0.0, error=None, eta_s=None, target=str(target),
                         finished_at=None, extra={"here": True})  # fmt: skip
            self._spawn(job_id, self._run_here(job_id))
            return job_id
        if client is None:
            self._report_error(self.tr("The backend is not ready yet: try again in a moment."))
            return None
        target = Path(job.target)
        if target.exists():
            target = unique_target(target.parent, target.stem)
        sid = (
            job.session_id
            if getattr(client, "base_url", None) == job.api_url
            else getattr(c, "session_id", None)
        )
        self._update(
            job_id,
            state=QUEUED,
            progress=0.0,
            error=None,
            render_id=None,
            eta_s=None,
            target=str(target),
            session_id=sid,
            api_url=getattr(client, "base_url", None),
            finished_at=None,
            extra={},
        )
        self._spawn(job_id, self._run(job_id, client))
        return job_id

    def resume_pending(self) -> list[str]:
        """Poll again the cloud renders that were running when the app last stopped (client permitting)."""
        client = getattr(self._controller, "client", None)
        base = getattr(client, "base_url", None)
        resumed = []
        for job in self.store.resumable():
            if (
                job.id in self._tasks
                or client is None
                or (job.api_url or "").rstrip("/") != (base or "").rstrip("/")
            ):
                continue
            self._update(job.id, extra={**job.extra, "stage": "resuming"})
            self._spawn(job.id, self._run(job.id, client))
            resumed.append(job.id)
        return resumed

    def cancel(self, job_id: str) -> None:
        ev = self._cancels.get(job_id)
        if ev is not None:
            ev.set()
            return
        job = self.store.get(job_id)
        if job is not None and job.active:  # not running here (e.g. no client yet): just mark it
            self._update(job_id, state=CANCELLED, eta_s=None)

    def remove(self, job_id: str) -> None:
        job = self.store.get(job_id)
        if job is None or job.active:
            return
        self.store.remove(job_id)
        item = self._items.pop(job_id, None)
        if item is not None:
            self.tree.takeTopLevelItem(self.tree.indexOfTopLevelItem(item))

    def _spawn(self, job_id: str, coro: Any) -> None:
        spawn = getattr(self._controller, "spawn", None)
        task = spawn(coro, name=f"export-{job_id}") if callable(spawn) else asyncio.ensure_future(coro)
        self._tasks[job_id] = task
        task.add_done_callback(lambda _t, j=job_id: self._tasks.pop(j, None))

    async def _run(self, job_id: str, client: Any) -> None:
        from nemodesk.core import nemo_errors as ne

        cancel = asyncio.Event()
        self._cancels[job_id] = cancel
        self._started[job_id] = (time.monotonic(), 0.0)
        try:
            job = self.store.get(job_id)
            assert job is not None
            self._update(job_id, state=RUNNING)
            if not job.render_id:
                raw = None
                if job.draft_json:
                    import json

                    raw = json.loads(job.draft_json)
                else:
                    st = await client.state(job.session_id)
                    if not st.exportable:
                        raise ne.NothingToExport()
                    raw = st.raw_draft
                    import json

                    self._update(
                        job_id, draft_json=json.dumps(raw, ensure_ascii=False), session_id=st.session_id
                    )
                if cancel.is_set():
                    raise ne.ExportCancelled()
                submitted = await client.submit_render(self.store.get(job_id).session_id, raw)
                job = self._update(
                    job_id, render_id=submitted.id, extra={"stage": "submitted"}, progress=0.02
                )
            rj = await client.wait_render(job.render_id, lambda p: self._progress(job_id, p), cancel)
            self._update(job_id, extra={"stage": "downloading"})
            path = await client.download(rj, Path(job.target), lambda p: self._progress(job_id, p), cancel)
            self._update(job_id, state=DONE, progress=1.0, eta_s=None, extra={}, target=str(path))
            self._notify(self.tr("Export finished"), self.tr("{0} is ready.").format(Path(path).name))
            self.exportFinished.emit(job_id, str(path))
        except asyncio.CancelledError:
            # the app is closing: a cloud job stays "running" so the next launch resumes it
            raise
        except Exception as err:
            cancelled = type(err).__name__ == "ExportCancelled" or cancel.is_set()
            msg = str(err) if isinstance(err, UserError) else self.tr("Unexpected error: {0}").format(err)
            if not isinstance(err, UserError) and not cancelled:
                log.error("export %s failed", job_id, exc_info=err)
            if cancelled:
                self._update(job_id, state=CANCELLED, eta_s=None, extra={})
            else:
                self._update(job_id, state=FAILED, error=msg, eta_s=None, extra={})
                self._notify(self.tr("Export failed"), msg)
                self.exportFailed.emit(job_id, msg)
        finally:
            self._cancels.pop(job_id, None)
            self._started.pop(job_id, None)

    async def _run_here(self, job_id: str) -> None:
        """Render the job's draft on this computer with the renderer the engine uses (a project the cloud
        cannot hold). Same rows, states and notifications as a backend export."""
        import threading
        from types import SimpleNamespace

        from nemodesk.core.draft import Draft
        from nemodesk.engine.render import render

        job = self.store.get(job_id)
        assert job is not None and job.draft_json
        cancel = threading.Event()
        stop = asyncio.Event()
        self._cancels[job_id] = stop
        self._started[job_id] = (time.monotonic(), 0.0)
        latest: list[Any] = [None]
        try:
            self._update(job_id, state=RUNNING, extra={"here": True, "stage": "rendering"})
            draft = Draft.loads(job.draft_json)
            resolve_media = getattr(self._controller, "resolve_media", lambda _s: None)
            files = {src: resolve_media(src) for src in dict.fromkeys(draft.media_ids())}
            gone = [src for src, f in files.items() if f is None or not Path(f).is_file()]
            if gone:
                raise UserError(
                    self.tr("Some files of this timeline are not on this computer: {0}").format(
                        ", ".join(gone)
                    )
                )
            target = Path(job.target)
            target.parent.mkdir(parents=True, exist_ok=True)
            runner = getattr(self._controller, "runner", None)
            work = asyncio.ensure_future(
                runner.run(render, draft, target, resolve=files.__getitem__,
                           progress=lambda p: latest.__setitem__(0, p), cancel=cancel)
            )  # fmt: skip
            while not work.done():
                await asyncio.wait({work}, timeout=0.25)
                if stop.is_set():
                    cancel.set()
                p = latest[0]
                if p is not None:
                    self._progress(job_id, SimpleNamespace(stage="rendering", fraction=p.fraction))
            result = work.result()
            path = Path(getattr(result, "path", target))
            self._update(job_id, state=DONE, progress=1.0, eta_s=None, extra={"here": True}, target=str(path))
            self._notify(self.tr("Export finished"), self.tr("{0} is ready.").format(path.name))
            self.exportFinished.emit(job_id, str(path))
        except asyncio.CancelledError:
            cancel.set()
            raise
        except Exception as err:
            cancelled = cancel.is_set() or stop.is_set() or type(err).__name__ == "RenderCancelled"
            msg = str(err) if isinstance(err, UserError) else self.tr("Unexpected error: {0}").format(err)
            if cancelled:
                self._update(job_id, state=CANCELLED, eta_s=None, extra={"here": True})
            else:
                if not isinstance(err, UserError):
                    log.error("export %s failed", job_id, exc_info=err)
                self._update(job_id, state=FAILED, error=msg, eta_s=None, extra={"here": True})
                self._notify(self.tr("Export failed"), msg)
                self.exportFailed.emit(job_id, msg)
        finally:
            self._cancels.pop(job_id, None)
            self._started.pop(job_id, None)

    def _progress(self, job_id: str, p: Any) -> None:
        """Render progress maps to 0.02..0.9, the download to 0.9..1; ETA from the rate since this run began."""
        frac = p.fraction
        if p.stage == "rendering":
            value = 0.02 + 0.88 * (frac or 0.0)
            stage = "rendering"
        elif p.stage == "downloading":
            value = 0.9 + 0.1 * (frac or 0.0)
            stage = "downloading"
        else:
            return
        job = self.store.get(job_id)
        if job is None:
            return
        value = max(value, job.progress)
        t0, v0 = self._started.get(job_id, (time.monotonic(), 0.0))
        elapsed = time.monotonic() - t0
        eta = elapsed * (1 - value) / (value - v0) if value - v0 > 0.01 and elapsed > 0.5 else None
        if value - job.progress >= 0.005 or stage != job.extra.get("stage") or eta is not None:
            self._update(job_id, progress=value, eta_s=eta, extra={**job.extra, "stage": stage})

    # -- finished files

    def open_file(self, job_id: str | None) -> bool:
        job = self.store.get(job_id) if job_id else None
        if job is None or job.state != DONE or not Path(job.target).is_file():
            return False
        return QDesktopServices.openUrl(QUrl.fromLocalFile(job.target))

    def show_in_folder(self, job_id: str | None) -> bool:
        job = self.store.get(job_id) if job_id else None
        if job is None:
            return False
        import subprocess
        import sys

        target = Path(job.target)
        try:
            if sys.platform == "win32" and target.exists():
                subprocess.Popen(["explorer", "/select,", str(target)])
                return True
            if sys.platform == "darwin" and target.exists():
                subprocess.Popen(["open", "-R", str(target)])
                return True
        except OSError:
            pass
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(target.parent)))

    # -- notifications

    def _notify(self, title: str, text: str) -> None:
        """A desktop notification through the tray icon (the main window's, else one of our own)."""
        self.last_notification = (title, text)
        tray = self.tray or getattr(self._controller, "tray_icon", None)
        if tray is None and QSystemTrayIcon.isSystemTrayAvailable():
            if self._own_tray is None:
                self._own_tray = QSystemTrayIcon(QApplication.windowIcon(), self)
                self._own_tray.setToolTip("NemoDesk")
            self._own_tray.show()
            tray = self._own_tray
        if tray is not None and QSystemTrayIcon.supportsMessages():
            tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, 8000)

    def _report_error(self, text: str) -> None:
        shown = getattr(self._controller, "errorShown", None)
        if shown is not None:
            shown.emit(text)
        else:
            log.warning("%s", text)

    # -- life

    def busy(self) -> bool:
        return bool(self._tasks)

    async def aclose(self) -> None:
        """Stop the tasks (cloud jobs stay resumable in the store) and close the store."""
        tasks = list(self._tasks.values())
        for t in tasks:
            t.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self.shutdown()

    def shutdown(self) -> None:
        for t in list(self._tasks.values()):
            t.cancel()
        if self._own_tray is not None:
            self._own_tray.hide()
        if self._own_store:
            self.store.close()
