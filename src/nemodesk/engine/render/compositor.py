"""One frame of a draft at time t, at any size: the renderer's, the preview's and the timeline's painter.

Each video segment becomes a `_Source` once (the photo decoded at the size it will be drawn, plus the
blurred fill when its fit is `blur`); each frame then costs one transformed `drawImage` per visible
segment, a blend during transitions, extra sub-frames only while motion blur has motion to blur, and one
blit per visible text. Not thread-safe: one thread paints; a private worker only decodes ahead.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QImage, QPainter, QTransform

from nemodesk.core.draft import TT_TEXT, TT_VIDEO, Draft, Segment

from . import images
from .errors import RenderError, seg_label
from .motion import Move, corner_speed, move_for
from .qt import ensure_qt_gui
from .text import TextLayer, build_text_layer

log = logging.getLogger(__name__)

FMT = QImage.Format.Format_RGB32
MAX_SUBFRAMES = 16
SUBFRAME_PX = 1.0  # sub-frames at most a pixel apart: bilinear filtering already blurs that much


@dataclass
class _Source:
    photo: QImage
    bg: QImage | None
    k: float  # output px per photo px at zoom 1


@dataclass
class _VSeg:
    track: int
    index: int
    start: float
    end: float
    seg: Segment
    label: str
    path: Path
    info: images.PhotoInfo
    fit: str
    move: Move = field(init=False)
    fit_w: float = 0.0
    fit_h: float = 0.0

    @property
    def dur(self) -> float:
        return self.end - self.start


def qimage_array(img: QImage) -> np.ndarray:
    """A (h, w, 4) uint8 view of an RGB32/ARGB32 QImage's pixels, B G R A in memory order (no copy).

    The view does not keep the QImage alive: hold the image while using it (or see qimage_rgb)."""
    h, w, bpl = img.height(), img.width(), img.bytesPerLine()
    return np.asarray(img.constBits(), dtype=np.uint8).reshape(h, bpl)[:, : w * 4].reshape(h, w, 4)


def qimage_rgb(img: QImage) -> np.ndarray:
    """An (h, w, 3) RGB copy of an RGB32 QImage: for tests, thumbnails and the UI."""
    return qimage_array(img)[..., 2::-1].copy()


class Compositor:
    """Paints the draft at time t (ms). `size` defaults to the draft's canvas; any size works."""

    def __init__(
        self,
        draft: Draft,
        resolve: Callable[[str], Path],
        size: tuple[int, int] | None = None,
        *,
        max_cached: int = 8,
    ):
        ensure_qt_gui()
        self.draft = draft
        canvas = draft.canvas
        self.size = (int(size[0]), int(size[1])) if size else canvas.size
        self.fps = float(canvas.fps)
        self.duration_ms = draft.duration_ms()
        self.warnings: list[str] = []
        self.max_cached = max_cached
        self._cache: dict[tuple[int, int], _Source] = {}
        self._pending: dict[tuple[int, int], Future[_Source]] = {}
        self._pool: ThreadPoolExecutor | None = None
        self._tracks: list[list[_VSeg]] = []
        self._texts: list[tuple[Segment, float, float, str]] = []
        self._text_layers: dict[int, TextLayer | None] = {}
        self._scratch: list[QImage] = []
        default_fit = canvas.fit
        all_tracks = draft.tracks
        n_video = sum(len(t.segments) for t in all_tracks if t.tt == TT_VIDEO)
        for ti, track in enumerate(all_tracks):
            if track.tt == TT_VIDEO:
                segs = []
                for pl in track.placed():
                    seg = pl.segment
                    label = seg_label(ti, pl.index, seg.name)
                    path = self._resolve(resolve, seg, label)
                    info = images.probe_photo(path, label)
                    v = _VSeg(ti, pl.index, pl.start, pl.end, seg, label, path, info, seg.fit or default_fit)
                    self._layout(v, n_video == 1)
                    segs.append(v)
                self._tracks.append(segs)
            elif track.tt == TT_TEXT:
                for pl in track.placed():
                    label = seg_label(ti, pl.index, pl.segment.name or pl.segment.text)
                    if pl.start >= self.duration_ms:
                        msg = f"Text {label} starts after the video ends ({pl.start / 1000:.1f} s): left out."
                        log.warning(msg)
                        self.warnings.append(msg)
                        continue
                    self._texts.append((pl.segment, pl.start, min(pl.end, self.duration_ms), label))

    # ------------------------------------------------------------------------------------------ set-up

    @staticmethod
    def _resolve(resolve: Callable[[str], Path], seg: Segment, label: str) -> Path:
        if not seg.src:
            raise RenderError(
                f"The video segment {label} has no photo (its m.src is empty).",
                "Give it a photo or remove it from the timeline.",
            )
        try:
            path = Path(resolve(seg.src))
        except RenderError:
            raise
        except Exception as err:
            raise RenderError(
                f"The photo of {label} ({seg.src}) cannot be found: {err}.",
                "Import the photo again or remove the segment, then render again.",
            ) from None
        return path

    def _layout(self, v: _VSeg, single: bool) -> None:
        W, H = self.size
        iw, ih = v.info.width, v.info.height
        k = max(W / iw, H / ih) if v.fit == "cover" else min(W / iw, H / ih)
        v.fit_w, v.fit_h = iw * k, ih * k
        v.move = move_for(v.seg.fx, v.index, single, (W / v.fit_w, H / v.fit_h))

    def _load(self, v: _VSeg) -> _Source:
        z = v.move.max_zoom
        im = images.load_photo(v.path, v.label, (v.fit_w * z, v.fit_h * z))
        bg = images.blurred_fill(im, self.size) if v.fit == "blur" else None
        photo = images.to_qimage(im)
        im.close()
        return _Source(photo, bg, v.fit_w / photo.width())

    def _source(self, v: _VSeg, t_ms: float) -> _Source:
        key = (v.track, v.index)
        src = self._cache.get(key)
        if src is None:
            fut = self._pending.pop(key, None)
            src = fut.result() if fut is not None else self._load(v)
            self._cache[key] = src
            if len(self._cache) > self.max_cached:
                self._evict_far(t_ms)
        return src

    def _evict_far(self, t_ms: float) -> None:
        segs = {(v.track, v.index): v for tr in self._tracks for v in tr}
        order = sorted(self._cache, key=lambda k: -abs((segs[k].start + segs[k].end) / 2 - t_ms))
        for key in order[: len(self._cache) - self.max_cached]:
            del self._cache[key]

    def prefetch(self, t_ms: float, horizon_ms: float = 2500.0) -> None:
        """Decode, on a worker thread, the photos of segments that start within `horizon_ms` of t."""
        for tr in self._tracks:
            for v in tr:
                key = (v.track, v.index)
                if (
                    v.start < t_ms + horizon_ms
                    and v.end > t_ms
                    and key not in self._cache
                    and key not in self._pending
                ):
                    if self._pool is None:
                        self._pool = ThreadPoolExecutor(1, thread_name_prefix="nemodesk-decode")
                    self._pending[key] = self._pool.submit(self._load, v)

    def release_before(self, t_ms: float) -> None:
        """Forget the photos of segments that ended before t: a long render holds only a few in memory."""
        for tr in self._tracks:
            for v in tr:
                if v.end <= t_ms:
                    self._cache.pop((v.track, v.index), None)

    def close(self) -> None:
        for fut in self._pending.values():
            fut.cancel()
        self._pending.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._cache.clear()

    def __enter__(self) -> Compositor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------------------------------- painting

    def _scratch_image(self, i: int) -> QImage:
        while len(self._scratch) <= i:
            self._scratch.append(QImage(self.size[0], self.size[1], FMT))
        return self._scratch[i]

    def _paint_seg(self, p: QPainter, v: _VSeg, src: _Source, t_ms: float, photo_only: bool = False) -> None:
        W, H = self.size
        x, y, z = v.move.at((t_ms - v.start) / v.dur if v.dur > 0 else 0.0)
        if photo_only:
            pass
        elif src.bg is not None:
            p.drawImage(0, 0, src.bg)
        elif v.fit == "contain" or src.photo.hasAlphaChannel():
            p.fillRect(QRectF(0, 0, W, H), Qt.GlobalColor.black)
        iw, ih = src.photo.width(), src.photo.height()
        tr = QTransform()
        tr.translate(W / 2.0, H / 2.0)
        tr.scale(z * src.k, z * src.k)
        tr.translate(-(iw / 2.0 + x * iw), -(ih / 2.0 + y * ih))
        p.save()
        p.setTransform(tr, True)
        p.drawImage(QPointF(0, 0), src.photo)
        p.restore()

    def _subframes(self, v: _VSeg, t_ms: float) -> int:
        blur = float(v.seg.blur or 0.0)
        if blur <= 0 or v.move.still or v.dur <= 0:
            return 1
        frame_ms = 1000.0 / self.fps
        p0 = (t_ms - v.start) / v.dur
        p1 = (t_ms + frame_ms * blur - v.start) / v.dur
        px = corner_speed(v.move, p0, p1, self.size[0] / 2, self.size[1] / 2)
        return max(1, min(MAX_SUBFRAMES, math.ceil(px / SUBFRAME_PX)))

    def _draw_seg(self, p: QPainter, v: _VSeg, t_ms: float) -> None:
        """Draw one segment's full-canvas layer through p's current transform/opacity/clip."""
        src = self._source(v, t_ms)
        n = self._subframes(v, t_ms)
        if n == 1:
            self._paint_seg(p, v, src, t_ms)
            return
        # Motion blur: the mean of n sub-frames spread over the shutter, centred on the frame's time, built
        # as a running average (sub-frame k drawn at opacity 1/(k+1)) so it costs n transformed draws and
        # nothing else. The background is static and drawn once.
        shutter = 1000.0 / self.fps * float(v.seg.blur)
        base = p.opacity()
        if base < 0.999:  # the running average needs a fully opaque target: build it in a layer first
            layer = self._scratch_image(2)
            layer.fill(Qt.GlobalColor.black)
            with _painting(layer) as lp:
                self._draw_seg(lp, v, t_ms)
            p.drawImage(QPointF(0, 0), layer)
            return
        for i in range(n):
            ts = t_ms + (i / (n - 1) - 0.5) * shutter
            ts = min(max(ts, v.start), v.end)
            p.setOpacity(base / (i + 1))
            self._paint_seg(p, v, src, ts, photo_only=i > 0)
        p.setOpacity(base)

    def _layer(self, i: int, v: _VSeg, t_ms: float) -> QImage:
        img = self._scratch_image(i)
        img.fill(Qt.GlobalColor.black)
        with _painting(img) as lp:
            self._draw_seg(lp, v, t_ms)
        return img

    def _transition(self, p: QPainter, a: _VSeg, b: _VSeg, t_ms: float) -> None:
        tr = a.seg.tr
        kind = tr.type if tr is not None else "cut"
        span = a.end - b.start
        if kind == "cut" or span <= 0:
            self._draw_seg(p, b, t_ms)
            return
        q = min(1.0, max(0.0, (t_ms - b.start) / span))
        e = q * q * (3 - 2 * q)
        W, H = self.size
        if kind == "dip_black":
            if q < 0.5:
                self._draw_seg(p, a, t_ms)
                p.setOpacity(q * 2)
            else:
                self._draw_seg(p, b, t_ms)
                p.setOpacity((1 - q) * 2)
            p.fillRect(QRectF(0, 0, W, H), Qt.GlobalColor.black)
            p.setOpacity(1.0)
        elif kind in ("slide_left", "slide_right", "slide_up"):
            dx, dy = {"slide_left": (-W, 0), "slide_right": (W, 0), "slide_up": (0, -H)}[kind]
            # each photo clipped to its own moving canvas: a cover-fitted photo overflows the frame
            for v, (ox, oy) in ((a, (dx * e, dy * e)), (b, (-dx * (1 - e), -dy * (1 - e)))):
                p.save()
                p.translate(ox, oy)
                p.setClipRect(QRectF(0, 0, W, H))
                self._draw_seg(p, v, t_ms)
                p.restore()
        elif kind in ("wipe_left", "wipe_right"):
            self._draw_seg(p, a, t_ms)
            edge = W * e
            p.save()
            p.setClipRect(QRectF(W - edge, 0, edge, H) if kind == "wipe_left" else QRectF(0, 0, edge, H))
            self._draw_seg(p, b, t_ms)
            p.restore()
        elif kind == "zoom":
            # push through: the outgoing photo grows and fades while the incoming one settles from 125 %
            for img_i, v, scale, op in ((0, a, 1 + 0.3 * e, 1.0), (1, b, 1.25 - 0.25 * e, e)):
                layer = self._layer(img_i, v, t_ms)
                p.save()
                p.setOpacity(op)
                p.translate(W / 2, H / 2)
                p.scale(scale, scale)
                p.translate(-W / 2, -H / 2)
                p.drawImage(QPointF(0, 0), layer)
                p.restore()
        elif kind == "blur":
            k = 1.0 + 23.0 * math.sin(math.pi * q)
            la = _soften(self._layer(0, a, t_ms), k)
            lb = _soften(self._layer(1, b, t_ms), k)
            p.drawImage(QPointF(0, 0), la)
            p.setOpacity(e)
            p.drawImage(QPointF(0, 0), lb)
            p.setOpacity(1.0)
        else:  # crossfade (and any type a newer draft may name)
            self._draw_seg(p, a, t_ms)
            layer = self._layer(0, b, t_ms)
            p.setOpacity(e)
            p.drawImage(QPointF(0, 0), layer)
            p.setOpacity(1.0)

    def _text_layer(self, i: int) -> TextLayer | None:
        if i not in self._text_layers:
            seg, start, end, _ = self._texts[i]
            self._text_layers[i] = build_text_layer(seg, start, end, self.size)
        return self._text_layers[i]

    def frame_at(self, t_ms: float, into: QImage | None = None) -> QImage:
        """The frame shown at t_ms (RGB32). Pass `into` (same size) to reuse an image."""
        W, H = self.size
        img = into if into is not None else QImage(W, H, FMT)
        plan = []
        for segs in self._tracks:
            active = [v for v in segs if v.start <= t_ms < v.end][-2:]
            for v in active:
                self._source(v, t_ms)  # decode (and fail) before any painting starts
            if active:
                plan.append(active)
        img.fill(Qt.GlobalColor.black)
        with _painting(img) as p:
            for active in plan:
                if len(active) == 1:
                    self._draw_seg(p, active[0], t_ms)
                else:
                    self._transition(p, active[0], active[1], t_ms)
            for i, (_, start, end, _) in enumerate(self._texts):
                if start <= t_ms < end:
                    layer = self._text_layer(i)
                    if layer is not None:
                        op = layer.opacity(t_ms)
                        if op > 0:
                            p.setOpacity(op)
                            p.drawImage(layer.pos, layer.image)
            p.setOpacity(1.0)
        return img


@contextmanager
def _painting(img: QImage) -> Iterator[QPainter]:
    """A QPainter that is always ended: a painter left open on an image whose memory goes away crashes."""
    p = QPainter(img)
    try:
        p.setRenderHints(QPainter.RenderHint.SmoothPixmapTransform | QPainter.RenderHint.Antialiasing)
        yield p
    finally:
        p.end()


def _soften(img: QImage, k: float) -> QImage:
    """A cheap wide blur: scale down by k and back up with bilinear filtering."""
    if k <= 1.05:
        return img
    w, h = img.width(), img.height()
    small = img.scaled(
        max(1, int(w / k)),
        max(1, int(h / k)),
        Qt.AspectRatioMode.IgnoreAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )
    return small.scaled(
        w, h, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation
    )


__all__ = ["Compositor", "qimage_array"]
