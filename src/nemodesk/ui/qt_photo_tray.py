"""The photo tray: where the user's photos (and music) go before the agent turns them into a video.

Files and folders arrive by drop or Ctrl+O. Every file is checked on the task pool, never on the GUI
thread: its type by content (not by extension), its size against the upload limit, a full decode (a
truncated JPEG is caught here, not halfway through a render), an upright thumbnail per EXIF cached in
`paths.cache_dir()/thumbs` by content hash, and the hash itself (the same photo twice is a duplicate even
under another name). Problems become a badge with the reason; nothing the user drops can crash the tray.

The tray does not talk to the network: it asks for an upload with `uploadRequested(list[Path])` and shows
what the controller reports back (`set_upload_progress`, `set_uploaded`, `set_upload_failed`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import shiboken6
from PySide6.QtCore import QEvent, QModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QDragEnterEvent,
    QDropEvent,
    QFont,
    QImage,
    QKeySequence,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from nemodesk.core import paths
from nemodesk.core.heif import register_heif
from nemodesk.ui.tasks import TaskRunner
from nemodesk.ui.theme import colors

MAX_UPLOAD_BYTES = 200 * 1024 * 1024  # the protocol's per-file limit
THUMB = 160
IMAGE_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF", "HEIF", "HEIC", "MPO"}
AUDIO_EXTS = {"mp3", "wav", "m4a", "aac", "flac", "ogg"}
SUPPORTED_TEXT = "JPEG, PNG, WEBP, GIF, BMP, TIFF, HEIC photos and MP3, WAV, M4A, AAC, FLAC, OGG music"
ROLE_ITEM = Qt.ItemDataRole.UserRole + 1


# --------------------------------------------------------------------------------------------- checking


@dataclass
class FileCheck:
    """What the worker found out about one file (made off the GUI thread)."""

    kind: str  # image | audio | unsupported | corrupt | too_large | missing
    size: int = 0
    sha256: str = ""
    reason: str = ""
    width: int = 0
    height: int = 0
    thumb: QImage | None = None


def _sniff_audio(head: bytes) -> str | None:
    if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        if len(head) > 1 and head[1] & 0xF6 == 0xF0:
            return "aac"
        return "mp3"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"fLaC":
        return "flac"
    if head[:4] == b"OggS":
        return "ogg"
    if head[4:8] == b"ftyp" and head[8:12] in (b"M4A ", b"M4B "):
        return "m4a"
    return None


def _sniff_video(head: bytes) -> bool:
    if head[4:8] == b"ftyp":
        return head[8:12] not in (b"heic", b"heix", b"mif1", b"msf1", b"avif", b"M4A ")
    return head[:4] in (b"\x1aE\xdf\xa3",) or (head[:4] == b"RIFF" and head[8:12] == b"AVI ")


def _thumb_path(sha: str) -> Path:
    d = paths.cache_dir() / "thumbs"
    d.mkdir(parents=True, exist_ok=True)
    return d / f"{sha}-{THUMB}.png"


def check_file(path: Path) -> FileCheck:
    """Inspect one file: type by content, size, full decode, upright cached thumbnail. Worker thread."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    register_heif()
    try:
        size = path.stat().st_size
    except OSError as err:
        return FileCheck("missing", reason=f"cannot be read ({err.strerror or err})")
    if size > MAX_UPLOAD_BYTES:
        return FileCheck(
            "too_large",
            size,
            reason=f"is {size / 2**20:.0f} MB; the limit is 200 MB. Compress or trim it first.",
        )
    if size == 0:
        return FileCheck("corrupt", size, reason="is empty")
    h = hashlib.sha256()
    try:
        with path.open("rb") as f:
            head = f.read(64)
            h.update(head)
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except OSError as err:
        return FileCheck("missing", size, reason=f"cannot be read ({err.strerror or err})")
    sha = h.hexdigest()
    audio = _sniff_audio(head)
    if audio:
        return FileCheck("audio", size, sha)
    try:
        with Image.open(path) as im:
            fmt = (im.format or "").upper()
            if fmt not in IMAGE_FORMATS:
                return FileCheck(
                    "unsupported",
                    size,
                    sha,
                    reason=f"is a {fmt or 'unknown'} image; NemoDesk takes {SUPPORTED_TEXT}",
                )
            im.load()  # a full decode: truncated files fail here, not in the render
            w, h_ = im.size
            cached = _thumb_path(sha)
            if cached.exists():
                thumb = QImage(str(cached))
            else:
                up = ImageOps.exif_transpose(im)
                w, h_ = up.size
                up = up.convert("RGBA") if up.mode in ("RGBA", "LA", "P", "PA") else up.convert("RGB")
                up.thumbnail((THUMB, THUMB))
                tmp = cached.with_suffix(f".{os.getpid()}.tmp")
                up.save(tmp, "PNG")
                os.replace(tmp, cached)
                thumb = QImage(str(cached))
            if thumb.isNull():
                thumb = None
            return FileCheck("image", size, sha, width=w, height=h_, thumb=thumb)
    except UnidentifiedImageError:
        pass
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as err:
        return FileCheck("corrupt", size, sha, reason=f"looks damaged and cannot be opened ({err})")
    if _sniff_video(head):
        return FileCheck(
            "unsupported",
            size,
            sha,
            reason=f"is a video; NemoDesk makes videos from photos. It takes {SUPPORTED_TEXT}",
        )
    return FileCheck(
        "unsupported", size, sha, reason=f"is not a photo or music file. NemoDesk takes {SUPPORTED_TEXT}"
    )


_NUM = re.compile(r"(\d+)")


def natural_key(p: Path) -> list[object]:
    return [int(t) if t.isdigit() else t.casefold() for t in _NUM.split(str(p))]


def expand_paths(items: list[Path]) -> list[Path]:
    """Files as given; folders walked recursively in natural order, hidden files skipped. Worker thread."""
    out: list[Path] = []
    for item in items:
        if item.is_dir():
            found = []
            for root, dirs, files in os.walk(item):
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                found += [Path(root) / f for f in files if not f.startswith(".")]
            out += sorted(found, key=natural_key)
        else:
            out.append(item)
    return out


# ------------------------------------------------------------------------------------------------ model


@dataclass
class TrayItem:
    path: Path
    state: str = "checking"  # checking | ok | bad
    kind: str = ""
    size: int = 0
    sha256: str = ""
    badge: str = ""  # short label on the thumbnail
    reason: str = ""  # the whole sentence, in the tooltip and status
    thumb: QPixmap | None = None
    upload: float | None = None  # 0..1 while uploading
    media_src: str = ""  # set once uploaded
    extra: dict = field(default_factory=dict)

    @property
    def usable(self) -> bool:
        return self.state == "ok"


def human_size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def _store(item: QListWidgetItem, data: TrayItem) -> None:
    """Store a changed copy: the same object again would compare equal, and the view would not repaint."""
    item.setData(ROLE_ITEM, dataclasses.replace(data))


class _Delegate(QStyledItemDelegate):
    W, H = 126, 142

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        return QSize(self.W, self.H)

    def paint(self, p: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        item: TrayItem | None = index.data(ROLE_ITEM)
        if item is None:
            return
        c = colors()
        pal = option.palette
        r = option.rect.adjusted(4, 4, -4, -4)
        p.save()
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        if option.state & QStyle.StateFlag.State_Selected:
            p.setPen(QPen(pal.color(QPalette.ColorRole.Highlight), 2))
            p.setBrush(
                pal.color(QPalette.ColorRole.Highlight).lighter(170)
                if not c.dark
                else pal.color(QPalette.ColorRole.Highlight).darker(200)
            )
            p.drawRoundedRect(r, 6, 6)
        img = QRect(r.left() + 6, r.top() + 6, r.width() - 12, r.height() - 40)
        if item.thumb is not None and not item.thumb.isNull():
            pm = item.thumb.scaled(
                img.size() * item.thumb.devicePixelRatio(),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            pm.setDevicePixelRatio(item.thumb.devicePixelRatio())
            sz = pm.deviceIndependentSize().toSize()
            target = QRect(0, 0, sz.width(), sz.height())
            target.moveCenter(img.center())
            p.drawPixmap(target, pm)
        else:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(pal.color(QPalette.ColorRole.AlternateBase))
            p.drawRoundedRect(img, 4, 4)
            p.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            icon = {"audio": "♪", "checking": "…"}.get(item.kind or item.state, "?")
            f = QFont(option.font)
            f.setPointSizeF(f.pointSizeF() * 2.2)
            p.setFont(f)
            p.drawText(img, Qt.AlignmentFlag.AlignCenter, icon)
        p.setFont(option.font)
        p.setPen(pal.color(QPalette.ColorRole.Text))
        name_rect = QRect(r.left() + 4, img.bottom() + 4, r.width() - 8, 18)
        p.drawText(
            name_rect,
            Qt.AlignmentFlag.AlignHCenter,
            option.fontMetrics.elidedText(item.path.name, Qt.TextElideMode.ElideMiddle, name_rect.width()),
        )
        info_rect = name_rect.translated(0, 16)
        p.setPen(c.muted)
        small = QFont(option.font)
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.85))
        p.setFont(small)
        p.drawText(info_rect, Qt.AlignmentFlag.AlignHCenter, human_size(item.size) if item.size else "")
        if item.badge:
            self._pill(p, small, item.badge, c.error if item.state == "bad" else c.warning, img.topLeft())
        if item.upload is not None:
            bar = QRect(img.left() + 6, img.bottom() - 10, img.width() - 12, 6)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(0, 0, 0, 120))
            p.drawRoundedRect(bar, 3, 3)
            p.setBrush(c.accent)
            p.drawRoundedRect(
                QRect(bar.left(), bar.top(), int(bar.width() * item.upload), bar.height()), 3, 3
            )
        elif item.media_src:
            self._pill(p, small, "✓", c.ok, img.topRight() - QRect(0, 0, 22, 0).topRight())
        p.restore()

    @staticmethod
    def _pill(p: QPainter, font: QFont, text: str, color: QColor, at) -> None:  # type: ignore[no-untyped-def]
        p.setFont(font)
        fm = p.fontMetrics()
        rect = QRect(at.x() + 2, at.y() + 2, fm.horizontalAdvance(text) + 12, fm.height() + 4)
        path = QPainterPath()
        path.addRoundedRect(rect, rect.height() / 2, rect.height() / 2)
        p.fillPath(path, color)
        p.setPen(QColor("white"))
        p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)


class TrayList(QListWidget):
    """The list itself: internal drags reorder, drops from outside add files."""

    filesDropped = Signal(list)
    deletePressed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setViewMode(QListWidget.ViewMode.ListMode)
        self.setFlow(QListWidget.Flow.LeftToRight)
        self.setWrapping(True)
        self.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.setUniformItemSizes(True)
        self.setSpacing(2)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setAcceptDrops(True)
        self.setItemDelegate(_Delegate(self))
        self.hint = ""

    def _external(self, event: QDragEnterEvent | QDropEvent) -> bool:
        return event.source() is not self and event.mimeData().hasUrls()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._external(event):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if self._external(event):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        if self._external(event):
            files = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
            if files:
                self.filesDropped.emit(files)
        else:
            super().dropEvent(event)

    def keyPressEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.selectedItems():
            self.deletePressed.emit()
            event.accept()
            return
        super().keyPressEvent(event)

    def paintEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().paintEvent(event)
        if self.count() == 0 and self.hint:
            p = QPainter(self.viewport())
            p.setPen(colors().muted)
            p.drawText(
                self.viewport().rect().adjusted(16, 16, -16, -16),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self.hint,
            )


class PhotoTray(QWidget):
    """The tray pane: list, count and size, Add/Remove/Upload. See the module docstring."""

    changed = Signal()  # items added, removed, reordered or checked
    uploadRequested = Signal(list)  # [Path] of usable, not yet uploaded files, in tray order
    message = Signal(str)  # a one-line notice for the status bar
    folderUsed = Signal(str)

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None, last_folder: str = ""):
        super().__init__(parent)
        self.runner = runner
        self.last_folder = last_folder
        self._items: dict[Path, QListWidgetItem] = {}
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        title = QLabel(self.tr("Photos"), self)
        title.setObjectName("paneTitle")
        head.addWidget(title)
        head.addStretch(1)
        self.summary = QLabel(self)
        self.summary.setObjectName("muted")
        head.addWidget(self.summary)
        lay.addLayout(head)
        self.list = TrayList(self)
        self.list.hint = self.tr("Drop photos or folders here, or press Ctrl+O to add them.")
        self.list.setAccessibleName(self.tr("Photo tray"))
        self.list.filesDropped.connect(self.add_paths)
        self.list.deletePressed.connect(self.remove_selected)
        self.list.model().rowsMoved.connect(lambda *_: self.changed.emit())
        lay.addWidget(self.list, 1)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(self.tr("Add photos…"), self)
        self.add_button.setToolTip(self.tr("Add photos or music (Ctrl+O)"))
        self.add_button.clicked.connect(self.open_dialog)
        self.remove_button = QPushButton(self.tr("Remove"), self)
        self.remove_button.setToolTip(self.tr("Remove the selected files from the tray (Delete)"))
        self.remove_button.clicked.connect(self.remove_selected)
        self.upload_button = QPushButton(self.tr("Upload"), self)
        self.upload_button.setToolTip(self.tr("Send the photos to the current backend"))
        self.upload_button.clicked.connect(self.request_upload)
        for b in (self.add_button, self.remove_button, self.upload_button):
            buttons.addWidget(b)
        lay.addLayout(buttons)
        self.open_action = QAction(self.tr("Add photos…"), self)
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.open_action.triggered.connect(self.open_dialog)
        self.list.itemSelectionChanged.connect(self._update_summary)
        self._update_summary()

    # ------------------------------------------------------------------------------------ adding files

    def open_dialog(self) -> None:
        dlg = QFileDialog(self, self.tr("Add photos or music"), self.last_folder)
        dlg.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dlg.setNameFilters(
            [
                self.tr(
                    "Photos and music (*.jpg *.jpeg *.png *.webp *.gif *.bmp *.tif *.tiff *.heic *.heif "
                    "*.mp3 *.wav *.m4a *.aac *.flac *.ogg)"
                ),
                self.tr("All files (*)"),
            ]
        )
        dlg.filesSelected.connect(lambda files: self.add_paths([Path(f) for f in files]))
        dlg.finished.connect(dlg.deleteLater)
        dlg.open()  # never exec(): this may run from an async slot

    def add_paths(self, items: list[Path]) -> None:
        """Add files and folders (recursively); expansion and checks run on the task pool."""
        items = [Path(p) for p in items]
        if not items:
            return
        folder = items[0] if items[0].is_dir() else items[0].parent
        self.last_folder = str(folder)
        self.folderUsed.emit(self.last_folder)
        self.runner.run_task(
            expand_paths,
            items,
            on_result=self._add_files,
            on_error=lambda e: self.message.emit(
                self.tr("Could not read the folder: %1").replace("%1", str(e))
            ),
        )

    def add_uploaded(self, files: dict[Path, str]) -> None:
        """Add files the backend already holds (an opened project's media), with their media ids, so they
        show in the tray and are not uploaded a second time."""
        if not files:
            return
        self._add_files(list(files))  # at once (no folder expansion): marked before any upload could start
        for path, src in files.items():
            self.set_uploaded(Path(path).absolute(), src)

    def _add_files(self, files: list[Path]) -> None:
        skipped = 0
        for f in files:
            f = f.absolute()
            if f in self._items:
                skipped += 1
                continue
            item = QListWidgetItem()
            data = TrayItem(f)
            item.setData(ROLE_ITEM, data)
            item.setToolTip(str(f))
            item.setData(Qt.ItemDataRole.AccessibleTextRole, f.name)
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsDropEnabled)
            self.list.addItem(item)
            self._items[f] = item
            self.runner.run_task(
                check_file,
                f,
                on_result=lambda res, f=f: self._checked(f, res),
                on_error=lambda err, f=f: self._checked(f, FileCheck("corrupt", reason=str(err))),
            )
        if skipped:
            self.message.emit(self.tr("%n file(s) already in the tray.", "", skipped))
        self._update_summary()
        self.changed.emit()

    def _checked(self, path: Path, res: FileCheck) -> None:
        item = self._items.get(path)
        # Removed while it was being checked, or the tray (and its items) went away with the window.
        if item is None or not shiboken6.isValid(item) or not shiboken6.isValid(self.list):
            return
        data: TrayItem = item.data(ROLE_ITEM)
        data.kind, data.size, data.sha256 = res.kind, res.size, res.sha256
        if res.thumb is not None:
            data.thumb = QPixmap.fromImage(res.thumb)
        badges = {
            "unsupported": self.tr("Unsupported"),
            "corrupt": self.tr("Corrupt"),
            "too_large": self.tr("Too large"),
            "missing": self.tr("Missing"),
        }
        if res.kind in badges:
            data.state, data.badge = "bad", badges[res.kind]
            data.reason = f"{path.name} {res.reason}"
        else:
            twin = self._twin(path, res.sha256)
            if twin is not None:
                data.state, data.badge = "bad", self.tr("Duplicate")
                data.reason = (
                    self.tr("%1 is the same file as %2").replace("%1", path.name).replace("%2", twin.name)
                )
            else:
                data.state, data.badge, data.reason = "ok", "", ""
        item.setToolTip(f"{path}\n{data.reason}" if data.reason else str(path))
        _store(item, data)
        self._update_summary()
        self.changed.emit()

    def _twin(self, path: Path, sha: str) -> Path | None:
        if not sha:
            return None
        for i in range(self.list.count()):
            d: TrayItem = self.list.item(i).data(ROLE_ITEM)
            if d.path != path and d.sha256 == sha and d.state == "ok":
                return d.path
        return None

    # --------------------------------------------------------------------------------- reading, removing

    def item_data(self) -> list[TrayItem]:
        """Every item, in the order shown."""
        return [self.list.item(i).data(ROLE_ITEM) for i in range(self.list.count())]

    def paths(self) -> list[Path]:
        return [d.path for d in self.item_data()]

    def usable_paths(self) -> list[Path]:
        return [d.path for d in self.item_data() if d.usable]

    def data_for(self, path: Path) -> TrayItem | None:
        item = self._items.get(Path(path))
        return item.data(ROLE_ITEM) if item is not None else None

    @property
    def checking(self) -> int:
        return sum(1 for d in self.item_data() if d.state == "checking")

    def move(self, src_row: int, dst_row: int) -> None:
        """Move one item (what a drag does); dst_row is the final position."""
        if src_row == dst_row or not (0 <= src_row < self.list.count()):
            return
        item = self.list.takeItem(src_row)
        self.list.insertItem(max(0, min(dst_row, self.list.count())), item)
        self.list.setCurrentItem(item)
        self.changed.emit()

    def remove_selected(self) -> None:
        rows = sorted((self.list.row(i) for i in self.list.selectedItems()), reverse=True)
        for row in rows:
            item = self.list.takeItem(row)
            data: TrayItem = item.data(ROLE_ITEM)
            self._items.pop(data.path, None)
        if rows:
            self._recheck_duplicates()
            self._update_summary()
            self.changed.emit()

    def clear(self) -> None:
        self.list.clear()
        self._items.clear()
        self._update_summary()
        self.changed.emit()

    def _recheck_duplicates(self) -> None:
        """A duplicate whose twin was removed becomes usable again."""
        for item in (self.list.item(i) for i in range(self.list.count())):
            d: TrayItem = item.data(ROLE_ITEM)
            if d.badge == self.tr("Duplicate") and self._twin(d.path, d.sha256) is None:
                d.state, d.badge, d.reason = "ok", "", ""
                item.setToolTip(str(d.path))
                _store(item, d)

    def _update_summary(self) -> None:
        items = self.item_data()
        total = sum(d.size for d in items)
        bad = sum(1 for d in items if d.state == "bad")
        text = self.tr("%n file(s)", "", len(items))
        if items:
            text += f" · {human_size(total)}"
        if bad:
            text += " · " + self.tr("%n with problems", "", bad)
        self.summary.setText(text)
        self.remove_button.setEnabled(bool(self.list.selectedItems()))
        self.upload_button.setEnabled(any(d.usable and not d.media_src for d in items))

    # -------------------------------------------------------------------------------------------- upload

    def request_upload(self) -> None:
        todo = [d.path for d in self.item_data() if d.usable and not d.media_src and d.upload is None]
        if todo:
            self.uploadRequested.emit(todo)

    def _update_item(self, path: Path, **changes: object) -> None:
        item = self._items.get(Path(path))
        if item is None:
            return
        d: TrayItem = item.data(ROLE_ITEM)
        for k, v in changes.items():
            setattr(d, k, v)
        _store(item, d)
        if "reason" in changes:
            item.setToolTip(f"{d.path}\n{d.reason}" if d.reason else str(d.path))

    def set_upload_progress(self, path: Path, fraction: float) -> None:
        self._update_item(path, upload=max(0.0, min(1.0, fraction)))

    def set_uploaded(self, path: Path, media_src: str) -> None:
        self._update_item(path, upload=None, media_src=media_src)
        self._update_summary()

    def set_upload_failed(self, path: Path, reason: str) -> None:
        self._update_item(path, upload=None, state="bad", badge=self.tr("Upload failed"), reason=reason)
        self._update_summary()

    def forget_uploads(self) -> None:
        """The backend changed: nothing is uploaded there yet."""
        for d in self.item_data():
            if d.media_src or d.badge == self.tr("Upload failed"):
                self._update_item(d.path, media_src="", upload=None)
                if d.badge == self.tr("Upload failed"):
                    self._update_item(d.path, state="ok", badge="", reason="")
        self._update_summary()

    def event(self, e: QEvent) -> bool:
        if e.type() == QEvent.Type.LanguageChange:
            self._update_summary()
        return super().event(e)
