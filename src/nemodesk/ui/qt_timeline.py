"""The timeline view: one lane per track, segments to scale, transitions, ruler, playhead, direct edits.

The draft stays the one source of truth: a direct edit (drag an edge, drag to reorder, Delete) is not applied
here but pushed on a `QUndoStack` as a command whose redo/undo send an edit message through the controller,
exactly like a chat message ("photo 3 lasts 2.5 seconds"). So the same edit works against the local engine and
the cloud, shows up in the chat history, and the view redraws when the backend's new draft arrives. Undo sends
the inverse edit where one can be said in words, and "undo" where it cannot (a removed photo).

Painting is custom (one widget, no QGraphicsScene): the lane headers and ruler stay put while the lanes scroll
horizontally, and the geometry comes from one function (`_relayout`) that tests can query.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import json
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QFont,
    QFontMetrics,
    QGuiApplication,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPixmap,
    QPolygonF,
    QUndoCommand,
    QUndoStack,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QScrollBar,
    QSizePolicy,
    QSplitter,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nemodesk.core.draft import TT_AUDIO, TT_TEXT, TT_VIDEO, Draft, Placed, Segment, Track
from nemodesk.core.music import is_repeat
from nemodesk.ui import theme
from nemodesk.ui.tasks import TaskRunner
from nemodesk.ui.timeline_media import PEAKS_PER_SECOND, load_thumbnail, waveform_peaks

log = logging.getLogger(__name__)

HEADER_W = 112
RULER_H = 26
LANE_H = {TT_VIDEO: 64, TT_AUDIO: 46, TT_TEXT: 30}
LANE_GAP = 4
EDGE_GRAB = 6  # px either side of a segment's end that grabs the edge
MIN_PX_PER_S, MAX_PX_PER_S = 4.0, 800.0
MIN_SECONDS = 0.1
KIND_ORDER = {TT_VIDEO: 0, TT_TEXT: 1, TT_AUDIO: 2}


def _secs(ms: float) -> str:
    """Seconds the way the local agent reads them: 2.5, 3 (one decimal at most)."""
    s = round(ms / 1000, 1)
    return str(int(s)) if float(s).is_integer() else f"{s:g}"


def _clock(ms: float, step_ms: float) -> str:
    s = ms / 1000
    m, rest = divmod(s, 60)
    if step_ms < 1000:
        return f"{int(m)}:{rest:04.1f}"
    return f"{int(m)}:{round(rest):02d}"


# --------------------------------------------------------------------------------------------- edit commands


class EditCommand(QUndoCommand):
    """An edit said in words: redo sends `do_text`, undo sends `undo_text` (both through the controller)."""

    def __init__(self, send: Callable[[str], None], label: str, do_text: str, undo_text: str):
        super().__init__(label)
        self._send = send
        self.do_text = do_text
        self.undo_text = undo_text

    def redo(self) -> None:
        self._send(self.do_text)

    def undo(self) -> None:
        self._send(self.undo_text)


def duration_edit(photo: int, old_ms: float, new_ms: float) -> tuple[str, str, str]:
    return (
        f"Photo {photo} duration",
        f"photo {photo} lasts {_secs(new_ms)} seconds",
        f"photo {photo} lasts {_secs(old_ms)} seconds",
    )


def move_edit(src: int, dst: int) -> tuple[str, str, str]:
    return (f"Move photo {src}", f"move photo {src} to position {dst}", f"move photo {dst} to position {src}")


def remove_edit(seg: Segment, tt: int, index: int) -> tuple[str, str, str]:
    if tt == TT_VIDEO:
        return f"Remove photo {index + 1}", f"remove photo {index + 1}", "undo"
    if tt == TT_AUDIO:
        return "Remove music", "remove the music", "undo"
    what = "title" if seg.style == "title" else "caption"
    return f"Remove {what}", f"remove the {what}", "undo"


# ------------------------------------------------------------------------------------------------- geometry


@dataclass
class Lane:
    track_index: int
    track: Track
    y: float
    h: float


@dataclass
class SegItem:
    lane: Lane
    placed: Placed
    rect: QRectF  # in content coordinates (x from 0 = timeline start, not counting header or scroll)
    lead_in: float = 0.0  # px at its start shared with the previous segment (the incoming transition)

    @property
    def key(self) -> tuple[int, int]:
        return self.lane.track_index, self.placed.index


@dataclass
class TransItem:
    lane: Lane
    index: int  # the segment the transition leaves
    type: str
    d: float
    rect: QRectF


# ---------------------------------------------------------------------------------------------------- canvas


class TimelineCanvas(QWidget):
    """The painted lanes. Scrolls horizontally by `scroll_x`; the header column and ruler stay fixed."""

    selectionChanged = Signal(object)  # (track_index, seg_index) or None
    playheadMoved = Signal(float)  # ms
    zoomChanged = Signal(float)  # px per second
    contentWidthChanged = Signal(int)
    editRequested = Signal(str, str, str)  # label, do_text, undo_text
    resolveNeeded = Signal()

    def __init__(self, resolve: Callable[[str], Path | None], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("timelineCanvas")
        self.setAccessibleName(self.tr("Timeline"))
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._resolve = resolve
        self.draft: Draft | None = None
        self.px_per_s = 60.0
        self.scroll_x = 0
        self.playhead_ms = 0.0
        self.selected: tuple[int, int] | None = None
        self.lanes: list[Lane] = []
        self.items: list[SegItem] = []
        self.transitions: list[TransItem] = []
        self._runner = TaskRunner(self, max_threads=2)
        self._thumbs: dict[tuple[str, int], QPixmap] = {}
        self._peaks: dict[str, Any] = {}
        self._loading: set[tuple[str, Any]] = set()
        self._drag: dict[str, Any] | None = None
        self._hover_edge: SegItem | None = None

    # -- data

    def set_draft(self, draft: Draft | None) -> None:
        self.draft = draft
        if self.selected is not None and not self._item_for(self.selected):
            self.selected = None
        self._drag = None
        self._relayout()
        self.selectionChanged.emit(self.selected)

    def set_zoom(self, px_per_s: float, anchor_x: float | None = None) -> None:
        """Zoom keeping the time under `anchor_x` (widget x) where it is."""
        px_per_s = min(MAX_PX_PER_S, max(MIN_PX_PER_S, px_per_s))
        if anchor_x is None:
            anchor_x = HEADER_W
        t = self._x_to_ms(anchor_x)
        self.px_per_s = px_per_s
        self._relayout()
        self.scroll_x = max(0, round(t / 1000 * px_per_s - (anchor_x - HEADER_W)))
        self.zoomChanged.emit(px_per_s)
        self.update()

    def zoom_to_fit(self) -> None:
        total = self.total_ms()
        if total <= 0:
            return
        avail = max(50, self.width() - HEADER_W - 24)
        self.set_zoom(avail / (total / 1000))
        self.scroll_x = 0
        self.update()

    def total_ms(self) -> float:
        if self.draft is None:
            return 0.0
        return max([self.draft.duration_ms()] + [t.end_ms() for t in self.draft.tracks])

    def content_width(self) -> int:
        return round(self.total_ms() / 1000 * self.px_per_s) + 200

    def set_playhead(self, ms: float) -> None:
        self.playhead_ms = max(0.0, ms)
        self.update()

    def _relayout(self) -> None:
        self.lanes, self.items, self.transitions = [], [], []
        y = float(RULER_H + LANE_GAP)
        tracks = list(enumerate(self.draft.tracks)) if self.draft is not None else []
        tracks.sort(key=lambda it: (KIND_ORDER.get(it[1].tt, 3), it[0]))
        k = self.px_per_s / 1000
        for ti, track in tracks:
            h = LANE_H.get(track.tt, 30)
            lane = Lane(ti, track, y, h)
            self.lanes.append(lane)
            placed = track.placed()
            prev_end = 0.0
            for p in placed:
                lead = max(0.0, prev_end - p.start) * k if track.tt == TT_VIDEO else 0.0
                self.items.append(SegItem(lane, p, QRectF(p.start * k, y + 3, p.segment.d * k, h - 6), lead))
                prev_end = p.end
            if track.tt == TT_VIDEO:
                for a, b in itertools.pairwise(placed):
                    tr = a.segment.tr
                    if tr is None or tr.type == "cut" or tr.d <= 0:
                        continue
                    x0, x1 = b.start * k, a.end * k
                    if x1 - x0 < 10:  # a short overlap still gets a grabbable, visible marker
                        mid = (x0 + x1) / 2
                        x0, x1 = mid - 5, mid + 5
                    self.transitions.append(
                        TransItem(lane, a.index, tr.type, tr.d, QRectF(x0, y + 3, x1 - x0, h - 6))
                    )
            y += h + LANE_GAP
        self.setMinimumHeight(int(y) + 8)
        self.contentWidthChanged.emit(self.content_width())
        self._request_media()
        self.update()

    def sizeHint(self) -> QSize:
        h = RULER_H + LANE_GAP + sum(LANE_H.values()) + 3 * LANE_GAP + 8
        return QSize(800, max(h, self.minimumHeight()))

    def _x_to_ms(self, x: float) -> float:
        return max(0.0, (x - HEADER_W + self.scroll_x) / self.px_per_s * 1000)

    def _ms_to_x(self, ms: float) -> float:
        return HEADER_W - self.scroll_x + ms / 1000 * self.px_per_s

    def view_rect(self, item: SegItem | TransItem) -> QRectF:
        """An item's rectangle in widget coordinates."""
        return item.rect.translated(HEADER_W - self.scroll_x, 0)

    def segment_rect(self, track_index: int, seg_index: int) -> QRectF:
        item = self._item_for((track_index, seg_index))
        if item is None:
            raise KeyError((track_index, seg_index))
        return self.view_rect(item)

    def _item_for(self, key: tuple[int, int]) -> SegItem | None:
        return next((it for it in self.items if it.key == key), None)

    def _item_at(self, pos: QPointF) -> SegItem | None:
        for it in reversed(self.items):  # the later segment wins where two overlap (a transition)
            if self.view_rect(it).contains(pos):
                return it
        return None

    def _edge_at(self, pos: QPointF) -> SegItem | None:
        """A video segment whose right edge is under the mouse (the edge a duration drag grabs)."""
        for it in self.items:
            if it.lane.track.tt != TT_VIDEO:
                continue
            r = self.view_rect(it)
            if r.top() <= pos.y() <= r.bottom() and abs(pos.x() - r.right()) <= EDGE_GRAB:
                return it
        return None

    # -- media (off the GUI thread)

    def _request_media(self) -> None:
        for it in self.items:
            src = it.placed.segment.src
            if not src:
                continue
            tt = it.lane.track.tt
            if tt == TT_VIDEO:
                h = round((it.rect.height() - 2) * max(1.0, self.devicePixelRatioF()))
                key = ("thumb", src)
                if (src, h) in self._thumbs or key in self._loading:
                    continue
                self._load(
                    key,
                    src,
                    load_thumbnail,
                    h,
                    done=lambda img, s=src, h=h, k=key: self._thumb_ready(s, h, img, k),
                )
            elif tt == TT_AUDIO:
                key = ("peaks", src)
                if src in self._peaks or key in self._loading:
                    continue
                self._load(
                    key, src, waveform_peaks, done=lambda pk, s=src, k=key: self._peaks_ready(s, pk, k)
                )

    def _load(
        self, key: tuple[str, str], src: str, fn: Callable[..., Any], *args: Any, done: Callable[[Any], None]
    ) -> None:
        """Run `fn(path, *args)` for a segment's file off the GUI thread; `done` gets the result."""
        path = self._resolve(src)
        if path is None:
            return
        self._loading.add(key)
        self._runner.run_task(
            fn, path, *args, on_result=done, on_error=lambda err: self._media_failed(src, err, key)
        )

    def _thumb_ready(self, src: str, h: int, img: Any, key: tuple[str, Any]) -> None:
        self._loading.discard(key)
        pm = QPixmap.fromImage(img)
        pm.setDevicePixelRatio(max(1.0, self.devicePixelRatioF()))
        self._thumbs[(src, h)] = pm
        self.update()

    def _peaks_ready(self, src: str, peaks: Any, key: tuple[str, Any]) -> None:
        self._loading.discard(key)
        self._peaks[src] = peaks
        self.update()

    def _media_failed(self, src: str, err: BaseException, key: tuple[str, Any]) -> None:
        self._loading.discard(key)
        log.info("timeline: no preview for %s (%s)", src, err)

    def media_pending(self) -> bool:
        return bool(self._loading)

    def wait_media(self, msecs: int = 10_000) -> bool:
        return self._runner.wait(msecs)

    def shutdown(self) -> None:
        self._runner.shutdown()

    # -- painting

    def _colors(self) -> dict[str, QColor]:
        c = theme.colors()
        pal = self.palette()
        dark = c.dark or pal.color(QPalette.ColorRole.Window).lightness() < 128
        if dark:
            return {
                "bg": QColor("#1b1c1f"),
                "lane": QColor("#232428"),
                "lane_alt": QColor("#26272b"),
                "header": QColor("#2a2b30"),
                "ruler": QColor("#2a2b30"),
                "tick": QColor("#6e6f78"),
                "text": QColor("#e6e6ea"),
                "muted": QColor("#9a9aa4"),
                "video": QColor("#3d5f99"),
                "audio": QColor("#2f7a6a"),
                "audio_wave": QColor("#8fe0cc"),
                "text_seg": QColor("#7a4fa0"),
                "sel": c.accent.lighter(130),
                "playhead": QColor("#ff5252"),
                "trans": QColor(255, 255, 255, 200),
                "grid": QColor(255, 255, 255, 18),
                "border": QColor("#0f1012"),
            }
        return {
            "bg": QColor("#f4f5f7"),
            "lane": QColor("#ffffff"),
            "lane_alt": QColor("#fbfbfc"),
            "header": QColor("#eceef2"),
            "ruler": QColor("#e9ebef"),
            "tick": QColor("#8a8f99"),
            "text": QColor("#1d1f23"),
            "muted": QColor("#646973"),
            "video": QColor("#5b86cf"),
            "audio": QColor("#3aa58c"),
            "audio_wave": QColor("#e9fff8"),
            "text_seg": QColor("#9a6cc4"),
            "sel": c.accent,
            "playhead": QColor("#e53935"),
            "trans": QColor(255, 255, 255, 225),
            "grid": QColor(0, 0, 0, 14),
            "border": QColor("#c9ccd3"),
        }

    def paintEvent(self, event: Any) -> None:
        p = QPainter(self)
        try:
            self._paint(p)
        finally:
            p.end()  # even when painting fails: a painter left open on the widget crashes Qt

    def _paint(self, p: QPainter) -> None:
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        col = self._colors()
        p.fillRect(self.rect(), col["bg"])
        font = QFont(self.font())
        p.setFont(font)
        w = self.width()
        # lanes
        p.save()
        p.setClipRect(QRectF(HEADER_W, RULER_H, w - HEADER_W, self.height() - RULER_H))
        for i, lane in enumerate(self.lanes):
            p.fillRect(
                QRectF(HEADER_W, lane.y, w - HEADER_W, lane.h), col["lane"] if i % 2 == 0 else col["lane_alt"]
            )
        self._paint_grid(p, col)
        for it in self.items:
            self._paint_segment(p, it, col)
        for tr in self.transitions:
            self._paint_transition(p, tr, col)
        if self._drag is not None:
            self._paint_drag(p, col)
        p.restore()
        self._paint_headers(p, col)
        self._paint_ruler(p, col)
        self._paint_playhead(p, col)
        if not self.lanes:
            p.setPen(col["muted"])
            p.drawText(
                QRectF(HEADER_W, RULER_H, w - HEADER_W, max(40, self.height() - RULER_H)),
                Qt.AlignmentFlag.AlignCenter,
                self.tr('No timeline yet — add photos and say "make a slideshow".'),
            )
        p.end()

    def _tick_step_ms(self) -> tuple[float, float]:
        """(major, minor) tick spacing: majors at least ~70 px apart, in steps people read easily."""
        for major in (
            100,
            200,
            500,
            1000,
            2000,
            5000,
            10_000,
            15_000,
            30_000,
            60_000,
            120_000,
            300_000,
            600_000,
        ):
            if major / 1000 * self.px_per_s >= 70:
                break
        minor = major / 5 if major in (500, 1000, 5000, 10_000, 60_000) else major / 2
        return float(major), float(minor)

    def _paint_grid(self, p: QPainter, col: dict[str, QColor]) -> None:
        major, _ = self._tick_step_ms()
        t = math.floor(self._x_to_ms(HEADER_W) / major) * major
        end = self._x_to_ms(self.width())
        p.setPen(QPen(col["grid"], 1))
        while t <= end:
            x = round(self._ms_to_x(t)) + 0.5
            p.drawLine(QPointF(x, RULER_H), QPointF(x, self.height()))
            t += major

    def _paint_ruler(self, p: QPainter, col: dict[str, QColor]) -> None:
        w = self.width()
        p.fillRect(QRectF(0, 0, w, RULER_H), col["ruler"])
        p.setPen(QPen(col["border"], 1))
        p.drawLine(QPointF(0, RULER_H - 0.5), QPointF(w, RULER_H - 0.5))
        major, minor = self._tick_step_ms()
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.85))
        p.setFont(small)
        p.save()
        p.setClipRect(QRectF(HEADER_W, 0, w - HEADER_W, RULER_H))
        t = math.floor(self._x_to_ms(HEADER_W) / minor) * minor
        end = self._x_to_ms(w)
        while t <= end + minor:
            x = round(self._ms_to_x(t)) + 0.5
            is_major = abs(t / major - round(t / major)) < 1e-6
            p.setPen(QPen(col["tick"], 1))
            p.drawLine(QPointF(x, RULER_H - (10 if is_major else 5)), QPointF(x, RULER_H - 1))
            if is_major:
                p.setPen(col["muted"])
                p.drawText(QPointF(x + 3, RULER_H - 11), _clock(t, major))
            t += minor
        p.restore()
        p.setFont(self.font())
        # the corner above the headers: the timeline's length
        p.fillRect(QRectF(0, 0, HEADER_W, RULER_H), col["header"])
        p.setPen(col["muted"])
        p.drawText(
            QRectF(8, 0, HEADER_W - 12, RULER_H),
            Qt.AlignmentFlag.AlignVCenter,
            f"{_clock(self.total_ms(), 100 if self.total_ms() < 60_000 else 1000)}",
        )

    def _paint_headers(self, p: QPainter, col: dict[str, QColor]) -> None:
        p.fillRect(QRectF(0, RULER_H, HEADER_W, self.height() - RULER_H), col["header"])
        p.setPen(QPen(col["border"], 1))
        p.drawLine(QPointF(HEADER_W - 0.5, 0), QPointF(HEADER_W - 0.5, self.height()))
        kinds = {
            TT_VIDEO: (self.tr("Video"), col["video"]),
            TT_AUDIO: (self.tr("Audio"), col["audio"]),
            TT_TEXT: (self.tr("Text"), col["text_seg"]),
        }
        bold = QFont(self.font())
        bold.setBold(True)
        for lane in self.lanes:
            kind, swatch = kinds.get(lane.track.tt, (self.tr("Track"), col["muted"]))
            p.fillRect(QRectF(0, lane.y, 4, lane.h), swatch)
            name = lane.track.name or kind
            fm = QFontMetrics(bold)
            p.setFont(bold)
            p.setPen(col["text"])
            top = lane.y + (lane.h - (fm.height() * (2 if lane.h >= 40 else 1))) / 2
            p.drawText(
                QRectF(12, top, HEADER_W - 18, fm.height()),
                Qt.AlignmentFlag.AlignLeft,
                fm.elidedText(name, Qt.TextElideMode.ElideRight, HEADER_W - 18),
            )
            if lane.h >= 40:
                p.setFont(self.font())
                p.setPen(col["muted"])
                n = len(lane.track.segments)
                p.drawText(
                    QRectF(12, top + fm.height(), HEADER_W - 18, fm.height()),
                    Qt.AlignmentFlag.AlignLeft,
                    f"{kind} · {n}",
                )
        p.setFont(self.font())

    def _paint_segment(self, p: QPainter, it: SegItem, col: dict[str, QColor]) -> None:
        r = self.view_rect(it)
        if r.right() < HEADER_W or r.left() > self.width():
            return
        seg, tt = it.placed.segment, it.lane.track.tt
        base = {TT_VIDEO: col["video"], TT_AUDIO: col["audio"], TT_TEXT: col["text_seg"]}.get(
            tt, col["muted"]
        )
        dragging = self._drag is not None and self._drag.get("item") is it and self._drag["mode"] == "move"
        path = QPainterPath()
        path.addRoundedRect(r.adjusted(0.5, 0.5, -0.5, -0.5), 5, 5)
        p.save()
        p.setClipPath(path)
        p.fillRect(r, base)
        if tt == TT_VIDEO:
            self._paint_filmstrip(p, it, r)
        elif tt == TT_AUDIO:
            self._paint_wave(p, it, r, col)
        p.restore()
        p.setPen(QPen(base.darker(140), 1))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPath(path)
        # label band
        label = self._segment_label(it)
        fm = QFontMetrics(self.font())
        band_h = fm.height() + 2
        if r.width() > 18:
            band = QRectF(r.left() + 1, r.top() + 1, r.width() - 2, band_h)
            if tt == TT_VIDEO:
                p.fillRect(band, QColor(0, 0, 0, 120))
                label += f" · {_secs(seg.d)}s"  # at the left: a later segment covers this one's right end
            p.setPen(QColor("#ffffff"))
            dur = f"{_secs(seg.d)}s"
            dur_w = fm.horizontalAdvance(dur) + 8
            text_rect = band.adjusted(5, 0, -(dur_w if r.width() > dur_w + 40 and tt != TT_VIDEO else 4), 0)
            if tt == TT_TEXT:
                text_rect = QRectF(r.left() + 5, r.top(), r.width() - 10 - dur_w, r.height())
            p.drawText(
                text_rect,
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                fm.elidedText(label, Qt.TextElideMode.ElideRight, max(0, int(text_rect.width()))),
            )
            if r.width() > dur_w + 40 and tt != TT_VIDEO:
                dr = QRectF(
                    r.right() - dur_w - 2,
                    band.top() if tt != TT_TEXT else r.top(),
                    dur_w,
                    band_h if tt != TT_TEXT else r.height(),
                )
                p.setPen(QColor(255, 255, 255, 210))
                p.drawText(dr, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, dur)
        if tt == TT_VIDEO:
            fx = seg.fx
            if fx is not None and fx.type != "none":
                # Words and arrows, not initials: "KB" beside the tray's file sizes read as kilobytes.
                badge = {
                    "kenburns": self.tr("pan·zoom"), "zoom_in": self.tr("zoom +"), "zoom_out": self.tr("zoom −"),
                    "pan_left": "←", "pan_right": "→", "pan_up": "↑", "pan_down": "↓",
                }.get(fx.type, "↔")  # fmt: skip
                # The next segment is drawn over this one's outgoing transition: only the rest is ours.
                visible = r.width() * (1 - min(seg.overlap_ms, seg.d) / seg.d) - it.lead_in
                if visible < fm.horizontalAdvance(badge) + 16:
                    badge = "↔"  # too narrow for the word: an arrow still says "moves"
            if fx is not None and fx.type != "none" and visible >= fm.horizontalAdvance(badge) + 16:
                br = QRectF(
                    r.left() + it.lead_in + 4,
                    r.bottom() - fm.height() - 4,
                    fm.horizontalAdvance(badge) + 8,
                    fm.height() + 1,
                )
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(QColor(0, 0, 0, 140))
                p.drawRoundedRect(br, 3, 3)
                p.setPen(QColor("#ffffff"))
                p.drawText(br, Qt.AlignmentFlag.AlignCenter, badge)
        if it.key == self.selected:
            p.setPen(QPen(col["sel"], 2.5))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRoundedRect(r.adjusted(1, 1, -1, -1), 5, 5)
        if self._hover_edge is it:
            p.fillRect(QRectF(r.right() - 3, r.top() + 6, 3, r.height() - 12), col["sel"])
        if dragging:
            p.fillRect(r, QColor(0, 0, 0, 90))

    def _segment_label(self, it: SegItem) -> str:
        seg, tt = it.placed.segment, it.lane.track.tt
        if tt == TT_TEXT:
            return f"“{seg.text or ''}”"
        if tt == TT_VIDEO:
            return f"{it.placed.index + 1}. {seg.name or seg.src or self.tr('photo')}"
        name = seg.name or self.tr("Music")
        if is_repeat(seg):
            return f"↻ {name}"  # the song again: the video is longer than it
        return f"♪ {name} · {round(seg.vol * 100)}%"

    def _paint_filmstrip(self, p: QPainter, it: SegItem, r: QRectF) -> None:
        src = it.placed.segment.src
        if not src:
            return
        h = round((it.rect.height() - 2) * max(1.0, self.devicePixelRatioF()))
        pm = self._thumbs.get((src, h))
        if pm is None or pm.isNull():
            return
        tw = pm.width() / pm.devicePixelRatio()
        th = pm.height() / pm.devicePixelRatio()
        x = r.left() + 1
        step = max(tw, 24)
        while x < r.right():
            if x + tw >= HEADER_W:
                p.drawPixmap(QRectF(x, r.top() + 1, tw, th), pm, QRectF(pm.rect()))
            x += step
        p.fillRect(r, QColor(0, 0, 0, 30))

    def _paint_wave(self, p: QPainter, it: SegItem, r: QRectF, col: dict[str, QColor]) -> None:
        seg = it.placed.segment
        peaks = self._peaks.get(seg.src or "")
        mid = r.center().y()
        amp = (r.height() - 6) / 2
        if peaks is not None and len(peaks):
            p.setPen(QPen(col["audio_wave"], 1))
            x0 = max(r.left(), HEADER_W)
            x1 = min(r.right(), self.width())
            xi = math.floor(x0)
            lines = []
            while xi < x1:
                t0 = (xi - r.left()) / self.px_per_s * 1000 + seg.in_
                t1 = t0 + 1000 / self.px_per_s
                # a segment that starts between two pixels puts the first column a hair before the song's start
                a = max(0, int(t0 / 1000 * PEAKS_PER_SECOND))
                b = max(int(t1 / 1000 * PEAKS_PER_SECOND), a + 1)
                v = float(peaks[a:b].max()) if a < len(peaks) else 0.0
                v *= self._gain_at(seg, (xi - r.left()) / self.px_per_s * 1000)
                lines.append((QPointF(xi + 0.5, mid - v * amp), QPointF(xi + 0.5, mid + v * amp)))
                xi += 1
            for a_, b_ in lines:
                p.drawLine(a_, b_)
        else:
            p.setPen(QPen(col["audio_wave"], 1, Qt.PenStyle.DotLine))
            p.drawLine(QPointF(r.left(), mid), QPointF(r.right(), mid))
        # fades as shaded corners
        k = self.px_per_s / 1000
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(0, 0, 0, 70))
        if seg.fi > 0:
            p.drawPolygon(QPolygonF([r.topLeft(), QPointF(r.left() + seg.fi * k, r.top()), r.bottomLeft()]))
        if seg.fo > 0:
            p.drawPolygon(
                QPolygonF([r.topRight(), QPointF(r.right() - seg.fo * k, r.top()), r.bottomRight()])
            )

    @staticmethod
    def _gain_at(seg: Segment, t_ms: float) -> float:
        g = min(1.0, seg.vol)
        if seg.fi > 0 and t_ms < seg.fi:
            g *= t_ms / seg.fi
        if seg.fo > 0 and t_ms > seg.d - seg.fo:
            g *= max(0.0, (seg.d - t_ms) / seg.fo)
        return g

    def _paint_transition(self, p: QPainter, tr: TransItem, col: dict[str, QColor]) -> None:
        r = self.view_rect(tr)
        if r.right() < HEADER_W or r.left() > self.width():
            return
        # the overlap itself, lightly veiled, so the eye sees where the two photos blend
        p.fillRect(QRectF(r.left(), tr.lane.y + 3, r.width(), tr.lane.h - 6), QColor(255, 255, 255, 55))
        # a small bow tie in a pill: the editor's usual sign for a transition
        s = 7.0
        pill = QRectF(r.center().x() - s - 4, r.center().y() - s - 2, 2 * s + 8, 2 * s + 4)
        p.setPen(QPen(QColor(0, 0, 0, 110), 1))
        p.setBrush(col["trans"])
        p.drawRoundedRect(pill, 5, 5)
        cx, cy = pill.center().x(), pill.center().y()
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(40, 40, 48, 220))
        p.drawPolygon(QPolygonF([QPointF(cx - s, cy - s + 1), QPointF(cx, cy), QPointF(cx - s, cy + s - 1)]))
        p.drawPolygon(QPolygonF([QPointF(cx + s, cy - s + 1), QPointF(cx, cy), QPointF(cx + s, cy + s - 1)]))

    def _paint_playhead(self, p: QPainter, col: dict[str, QColor]) -> None:
        x = self._ms_to_x(self.playhead_ms)
        if x < HEADER_W - 1 or x > self.width():
            return
        p.setPen(QPen(col["playhead"], 1.5))
        p.drawLine(QPointF(x, RULER_H - 8), QPointF(x, self.height()))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(col["playhead"])
        p.drawPolygon(
            QPolygonF(
                [
                    QPointF(x - 6, 2),
                    QPointF(x + 6, 2),
                    QPointF(x + 6, RULER_H - 12),
                    QPointF(x, RULER_H - 6),
                    QPointF(x - 6, RULER_H - 12),
                ]
            )
        )

    def _paint_drag(self, p: QPainter, col: dict[str, QColor]) -> None:
        d = self._drag
        assert d is not None
        if d["mode"] not in ("edge", "move"):
            return  # scrubbing the ruler: the playhead is the feedback
        it: SegItem = d["item"]
        fm = QFontMetrics(self.font())
        if d["mode"] == "edge" and d.get("new_ms") is not None:
            r = self.view_rect(it)
            r.setWidth(d["new_ms"] / 1000 * self.px_per_s)
            p.setPen(QPen(col["sel"], 2, Qt.PenStyle.DashLine))
            p.setBrush(QColor(col["sel"].red(), col["sel"].green(), col["sel"].blue(), 50))
            p.drawRoundedRect(r, 5, 5)
            tip = f"{_secs(d['new_ms'])} s"
            tr = QRectF(r.right() + 6, r.top(), fm.horizontalAdvance(tip) + 10, fm.height() + 4)
            p.setBrush(col["sel"])
            p.setPen(Qt.PenStyle.NoPen)
            p.drawRoundedRect(tr, 3, 3)
            p.setPen(QColor("#ffffff"))
            p.drawText(tr, Qt.AlignmentFlag.AlignCenter, tip)
        elif d["mode"] == "move" and d.get("moved"):
            target = d.get("target")
            if target is not None:
                x = self._insert_x(it.lane, target)
                p.setPen(QPen(col["sel"], 3))
                p.drawLine(QPointF(x, it.lane.y), QPointF(x, it.lane.y + it.lane.h))
            r = self.view_rect(it).translated(d["pos"].x() - d["origin"].x(), 0)
            p.setPen(QPen(col["sel"], 2))
            p.setBrush(QColor(col["sel"].red(), col["sel"].green(), col["sel"].blue(), 70))
            p.drawRoundedRect(r, 5, 5)

    # -- interaction

    def _lane_items(self, lane: Lane) -> list[SegItem]:
        return [i for i in self.items if i.lane is lane]

    def _target_index(self, lane: Lane, x: float) -> int:
        """Where a dragged segment would land: the number of segments whose middle lies left of x."""
        return sum(1 for i in self._lane_items(lane) if self.view_rect(i).center().x() < x)

    def _insert_x(self, lane: Lane, slot: int) -> float:
        items = self._lane_items(lane)
        if not items:
            return HEADER_W
        if slot >= len(items):
            return self.view_rect(items[-1]).right()
        return self.view_rect(items[slot]).left()

    def mousePressEvent(self, e: QMouseEvent) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        pos = e.position()
        if e.button() != Qt.MouseButton.LeftButton:
            return
        if pos.y() < RULER_H and pos.x() >= HEADER_W:
            self._drag = {"mode": "scrub"}
            self._scrub(pos.x())
            return
        edge = self._edge_at(pos)
        if edge is not None:
            self.select(edge.key)
            self._drag = {"mode": "edge", "item": edge, "origin": pos, "new_ms": None}
            return
        item = self._item_at(pos)
        self.select(item.key if item else None)
        if item is not None and item.lane.track.tt == TT_VIDEO:
            self._drag = {
                "mode": "move",
                "item": item,
                "origin": pos,
                "pos": pos,
                "moved": False,
                "target": None,
            }

    def mouseMoveEvent(self, e: QMouseEvent) -> None:
        pos = e.position()
        d = self._drag
        if d is None:
            edge = self._edge_at(pos)
            if edge is not self._hover_edge:
                self._hover_edge = edge
                self.update()
            self.setCursor(Qt.CursorShape.SizeHorCursor if edge else Qt.CursorShape.ArrowCursor)
            self._update_tooltip(pos)
            return
        if d["mode"] == "scrub":
            self._scrub(pos.x())
        elif d["mode"] == "edge":
            it: SegItem = d["item"]
            new_ms = (pos.x() - self.view_rect(it).left()) / self.px_per_s * 1000
            new_ms = max(
                MIN_SECONDS * 1000, round(new_ms / 100) * 100
            )  # tenths of a second, as said in words
            d["new_ms"] = new_ms
            self.update()
        elif d["mode"] == "move":
            if not d["moved"] and abs(pos.x() - d["origin"].x()) < 6:
                return
            d["moved"], d["pos"] = True, pos
            d["target"] = self._target_index(d["item"].lane, pos.x())
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
            self.update()

    def mouseReleaseEvent(self, e: QMouseEvent) -> None:
        d, self._drag = self._drag, None
        self.setCursor(Qt.CursorShape.ArrowCursor)
        if d is None:
            return
        if d["mode"] == "edge" and d.get("new_ms") is not None:
            it: SegItem = d["item"]
            old = it.placed.segment.d
            if round(d["new_ms"] / 100) != round(old / 100):
                self.editRequested.emit(*duration_edit(it.placed.index + 1, old, d["new_ms"]))
        elif d["mode"] == "move" and d["moved"] and d.get("target") is not None:
            it = d["item"]
            src = it.placed.index
            slot = d["target"]
            dst = slot - 1 if slot > src else slot  # the slot counts the dragged segment itself
            if dst != src:
                self.editRequested.emit(*move_edit(src + 1, dst + 1))
        self.update()

    def mouseDoubleClickEvent(self, e: QMouseEvent) -> None:
        item = self._item_at(e.position())
        if item is not None:
            self._scrub_to(item.placed.start)

    def _scrub(self, x: float) -> None:
        self._scrub_to(self._x_to_ms(x))

    def _scrub_to(self, ms: float) -> None:
        total = self.total_ms()
        self.set_playhead(min(ms, total) if total else 0.0)
        self.playheadMoved.emit(self.playhead_ms)

    def _update_tooltip(self, pos: QPointF) -> None:
        for tr in self.transitions:
            if self.view_rect(tr).contains(pos):
                self.setToolTip(
                    self.tr("Transition: {0}, {1} s").format(tr.type.replace("_", " "), _secs(tr.d))
                )
                return
        item = self._item_at(pos)
        if item is None:
            self.setToolTip("")
            return
        pl = item.placed
        self.setToolTip(
            f"{self._segment_label(item)}\n{_secs(pl.start)}–{_secs(pl.end)} s ({_secs(pl.segment.d)} s)"
        )

    def wheelEvent(self, e: QWheelEvent) -> None:
        delta = e.angleDelta().y() or e.angleDelta().x()
        if e.modifiers() & Qt.KeyboardModifier.ControlModifier:
            factor = 1.0015**delta
            self.set_zoom(self.px_per_s * factor, e.position().x())
            e.accept()
            return
        self.scroll_to(self.scroll_x - delta)
        e.accept()

    def scroll_to(self, x: int) -> None:
        self.scroll_x = int(max(0, min(x, self.content_width() - (self.width() - HEADER_W))))
        self.update()
        self.zoomChanged.emit(self.px_per_s)

    def select(self, key: tuple[int, int] | None) -> None:
        if key != self.selected:
            self.selected = key
            self.selectionChanged.emit(key)
            self.update()

    def keyPressEvent(self, e: Any) -> None:
        key = e.key()
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.selected is not None:
            it = self._item_for(self.selected)
            if it is not None:
                self.editRequested.emit(*remove_edit(it.placed.segment, it.lane.track.tt, it.placed.index))
            return
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right) and self.items:
            order = sorted(self.items, key=lambda i: (i.lane.y, i.placed.start))
            cur = next((n for n, i in enumerate(order) if i.key == self.selected), -1)
            nxt = max(0, min(len(order) - 1, cur + (1 if key == Qt.Key.Key_Right else -1)))
            self.select(order[nxt].key)
            return
        if key == Qt.Key.Key_Home:
            self._scrub_to(0)
            return
        if key == Qt.Key.Key_End:
            self._scrub_to(self.total_ms())
            return
        if key == Qt.Key.Key_Escape:
            self.select(None)
            return
        super().keyPressEvent(e)

    def resizeEvent(self, e: Any) -> None:
        super().resizeEvent(e)
        self.contentWidthChanged.emit(self.content_width())


# ------------------------------------------------------------------------------------------- details + view


def _value_text(v: Any) -> str:
    if isinstance(v, str):
        return v
    return json.dumps(v, ensure_ascii=False)


class TimelineView(QWidget):
    """The timeline pane: toolbar, lanes, details. `TimelineView(controller)`; see the module docstring.

    Public: `undo_stack`, `canvas`, `details`, `set_draft(draft)`, `copy_summary()`, `set_playhead(ms)`,
    signals `playheadMoved(ms)` (the preview follows it) and `editSent(text)`.
    """

    playheadMoved = Signal(float)
    editSent = Signal(str)

    def __init__(self, controller: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("timelineView")
        self._controller = controller
        self._tasks: set[asyncio.Future[Any]] = set()
        self.undo_stack = QUndoStack(self)
        self.canvas = TimelineCanvas(self._resolve, self)
        self.canvas.editRequested.connect(self._push_edit)
        self.canvas.selectionChanged.connect(self._show_details)
        self.canvas.playheadMoved.connect(self.playheadMoved)
        self.canvas.contentWidthChanged.connect(self._sync_scrollbar)
        self.canvas.zoomChanged.connect(lambda _z: self._sync_scrollbar())

        self.hbar = QScrollBar(Qt.Orientation.Horizontal, self)
        self.hbar.valueChanged.connect(self.canvas.scroll_to)

        self.details = QTreeWidget(self)
        self.details.setObjectName("timelineDetails")
        self.details.setAccessibleName(self.tr("Segment details"))
        self.details.setHeaderLabels([self.tr("Property"), self.tr("Value")])
        self.details.setColumnWidth(0, 130)
        self.details.setRootIsDecorated(True)
        self.details.setAlternatingRowColors(True)

        bar = QHBoxLayout()
        bar.setContentsMargins(6, 4, 6, 2)
        bar.setSpacing(4)
        self.title_label = QLabel(self.tr("Timeline"), self)
        f = self.title_label.font()
        f.setBold(True)
        self.title_label.setFont(f)
        bar.addWidget(self.title_label)
        self.info_label = QLabel("", self)
        self.info_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        bar.addWidget(self.info_label)
        bar.addStretch(1)

        self.undo_action = self.undo_stack.createUndoAction(self, self.tr("Undo"))
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = self.undo_stack.createRedoAction(self, self.tr("Redo"))
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence.StandardKey.Redo])
        self.copy_action = QAction(self.tr("Copy summary"), self)
        self.copy_action.setShortcut(QKeySequence("Ctrl+Shift+C"))
        self.copy_action.setToolTip(self.tr("Copy the timeline summary (Ctrl+Shift+C)"))
        self.copy_action.triggered.connect(self.copy_summary)
        self.zoom_in_action = QAction("+", self)
        self.zoom_in_action.setToolTip(self.tr("Zoom in (Ctrl+wheel)"))
        self.zoom_in_action.setShortcut(QKeySequence.StandardKey.ZoomIn)
        self.zoom_in_action.triggered.connect(lambda: self.canvas.set_zoom(self.canvas.px_per_s * 1.5))
        self.zoom_out_action = QAction("−", self)
        self.zoom_out_action.setToolTip(self.tr("Zoom out (Ctrl+wheel)"))
        self.zoom_out_action.setShortcut(QKeySequence.StandardKey.ZoomOut)
        self.zoom_out_action.triggered.connect(lambda: self.canvas.set_zoom(self.canvas.px_per_s / 1.5))
        self.fit_action = QAction(self.tr("Fit"), self)
        self.fit_action.setToolTip(self.tr("Show the whole timeline"))
        self.fit_action.triggered.connect(self.canvas.zoom_to_fit)
        for act in (
            self.undo_action,
            self.redo_action,
            self.zoom_out_action,
            self.zoom_in_action,
            self.fit_action,
            self.copy_action,
        ):
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(act)
            btn = QToolButton(self)
            btn.setDefaultAction(act)
            btn.setAutoRaise(True)
            btn.setAccessibleName(act.toolTip() or act.text())
            bar.addWidget(btn)

        left = QWidget(self)
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.setSpacing(0)
        lv.addLayout(bar)
        lv.addWidget(self.canvas, 1)
        lv.addWidget(self.hbar)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("timelineSplitter")
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.details)
        self.splitter.setStretchFactor(0, 4)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([720, 260])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.splitter)

        changed = getattr(controller, "draftChanged", None)
        if changed is not None:
            changed.connect(self._draft_changed)
        self.set_draft(getattr(controller, "draft", None))

    # -- data

    def _resolve(self, src: str) -> Path | None:
        resolve = getattr(self._controller, "resolve_media", None)
        if resolve is None:
            return None
        try:
            found = resolve(src)
        except Exception:  # a bad id must never break painting
            log.debug("resolve_media(%r) failed", src, exc_info=True)
            return None
        return Path(found) if found else None

    def _draft_changed(self, draft: Draft | None) -> None:
        """The controller's new draft. One made by anything but this view's own edits (a chat message, a
        new session, an opened project) makes the undo stack's commands stale: "photo 3 lasts 4 seconds"
        could now name another photo. So the stack is cleared and Ctrl+Z never edits the wrong one."""
        source = getattr(self._controller, "draft_source", "chat")
        old = self.canvas.draft
        changed = (old is None) != (draft is None) or (
            old is not None and draft is not None and old.raw != draft.raw
        )
        if source != "timeline" and changed:
            self.undo_stack.clear()
        self.set_draft(draft)

    def set_draft(self, draft: Draft | None) -> None:
        first = self.canvas.draft is None and draft is not None
        self.canvas.set_draft(draft)
        if first and self.canvas.width() > HEADER_W + 100:
            self.canvas.zoom_to_fit()
        if draft is None:
            self.info_label.setText("")
        else:
            c = draft.canvas
            self.info_label.setText(
                self.tr("{0} · {1}×{2} · {3} fps").format(
                    _clock(draft.duration_ms(), 100), c.width, c.height, _secs(c.fps * 1000)
                )
            )
        self._sync_scrollbar()
        self._show_details(self.canvas.selected)

    def set_playhead(self, ms: float) -> None:
        self.canvas.set_playhead(ms)

    def _sync_scrollbar(self, *_: Any) -> None:
        page = max(1, self.canvas.width() - HEADER_W)
        self.hbar.blockSignals(True)
        self.hbar.setRange(0, max(0, self.canvas.content_width() - page))
        self.hbar.setPageStep(page)
        self.hbar.setSingleStep(20)
        self.hbar.setValue(self.canvas.scroll_x)
        self.hbar.blockSignals(False)

    def copy_summary(self) -> str:
        from nemodesk.core.summary import timeline_summary

        text = timeline_summary(self.canvas.draft)
        QGuiApplication.clipboard().setText(text)
        return text

    # -- edits

    def _push_edit(self, label: str, do_text: str, undo_text: str) -> None:
        self.undo_stack.push(EditCommand(self._send, label, do_text, undo_text))

    def _send(self, text: str) -> None:
        """Hand an edit message to the controller like a chat message (scheduled on the qasync loop)."""
        self.editSent.emit(text)
        post = getattr(self._controller, "post_message", None)
        if callable(post):
            post(text)
            return
        send = self._controller.send_message
        try:
            takes_source = "source" in inspect.signature(send).parameters
        except (TypeError, ValueError):
            takes_source = False
        result = send(text, source="timeline") if takes_source else send(text)
        if inspect.isawaitable(result):
            task = asyncio.ensure_future(result)
            self._tasks.add(task)
            task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Future[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("edit message failed", exc_info=task.exception())

    # -- details

    def _show_details(self, key: tuple[int, int] | None) -> None:
        self.details.clear()
        draft = self.canvas.draft
        if draft is None:
            return
        if key is None:
            self._details_for_draft(draft)
            return
        it = self.canvas._item_for(key)
        if it is None:
            return
        seg, track = it.placed.segment, it.lane.track
        root = QTreeWidgetItem(self.details, [self.tr("Segment"), f"{track.kind} {it.placed.index + 1}"])
        rows: list[tuple[str, Any]] = [
            (self.tr("Track"), f"{track.name or track.kind} (t[{it.lane.track_index}])"),
            (self.tr("Start"), f"{_secs(it.placed.start)} s"),
            (self.tr("Duration"), f"{_secs(seg.d)} s"),
        ]
        for k, v in (seg.raw.get("m") or {}).items():
            if k in seg.META_KNOWN:
                rows.append((k, v))
        for k, v in rows:
            QTreeWidgetItem(root, [k, _value_text(v)])
        root.setExpanded(True)
        unknown = {
            **{k: v for k, v in seg.unknown().items()},
            **{f"m.{k}": v for k, v in seg.unknown_meta().items()},
        }
        self._unknown_section(unknown)

    def _details_for_draft(self, draft: Draft) -> None:
        c = draft.canvas
        root = QTreeWidgetItem(self.details, [self.tr("Project"), c.title or ""])
        for k, v in (
            (self.tr("Canvas"), f"{c.width}×{c.height} ({c.aspect_name})"),
            (self.tr("Frame rate"), f"{c.fps}"),
            (self.tr("Length"), f"{_secs(draft.duration_ms())} s"),
            (self.tr("Tracks"), str(len(draft.tracks))),
        ):
            QTreeWidgetItem(root, [k, v])
        root.setExpanded(True)
        unknown = {**draft.unknown(), **{f"m.{k}": v for k, v in c.unknown().items()}}
        self._unknown_section(unknown)

    def _unknown_section(self, unknown: dict[str, Any]) -> None:
        if not unknown:
            return
        sec = QTreeWidgetItem(
            self.details, [self.tr("Other keys"), self.tr("{0} kept as is").format(len(unknown))]
        )
        sec.setToolTip(0, self.tr("Keys NemoDesk does not use: kept and sent back unchanged"))
        for k, v in unknown.items():
            item = QTreeWidgetItem(sec, [k, _value_text(v)])
            item.setToolTip(1, json.dumps(v, ensure_ascii=False, indent=1))
        sec.setExpanded(True)

    def detail_rows(self) -> dict[str, str]:
        """Every (property, value) row shown in the details, flattened: for tests and accessibility."""
        out: dict[str, str] = {}

        def walk(item: QTreeWidgetItem) -> None:
            out[item.text(0)] = item.text(1)
            for i in range(item.childCount()):
                walk(item.child(i))

        for i in range(self.details.topLevelItemCount()):
            walk(self.details.topLevelItem(i))
        return out

    def shutdown(self) -> None:
        """Wait for thumbnail/waveform work and drop pending edit tasks' references (call before closing)."""
        self.canvas.shutdown()

    def closeEvent(self, e: Any) -> None:
        self.shutdown()
        super().closeEvent(e)
