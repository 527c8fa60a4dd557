"""Text overlays (title, caption, lower third): wrapped, inside the safe area, legible on any photo.

Each text segment is painted once into its own image (shadow, outline, then the fill), and every frame only
draws that image with the fade's opacity: the text costs one blit per frame.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QImage, QPainter

from nemodesk.core.draft import Segment

from .qt import make_font

FADE_MS = 350.0  # default fade in/out when the text segment has no fi/fo


@dataclass
class TextLayer:
    image: QImage
    pos: QPointF
    start: float
    end: float
    fade_in: float
    fade_out: float

    def opacity(self, t_ms: float) -> float:
        if t_ms < self.start or t_ms >= self.end:
            return 0.0
        a = 1.0
        if self.fade_in > 0:
            a = min(a, (t_ms - self.start) / self.fade_in)
        if self.fade_out > 0:
            a = min(a, (self.end - t_ms) / self.fade_out)
        return max(0.0, min(1.0, a))


def safe_rect(width: int, height: int) -> QRectF:
    """Where text may go. 9:16 keeps clear of the platforms' UI: captions and buttons at the bottom and
    right (TikTok/Reels/Shorts), the status/search bar at the top. Other aspects use the 90 % title-safe area."""
    if height > width:
        left, right, top, bottom = 0.06, 0.14, 0.12, 0.22
    else:
        left = right = 0.06
        top = bottom = 0.08
    return QRectF(width * left, height * top, width * (1 - left - right), height * (1 - top - bottom))


def build_text_layer(seg: Segment, start: float, end: float, size: tuple[int, int]) -> TextLayer | None:
    text = (seg.text or "").strip()
    if not text:
        return None
    W, H = size
    base = min(W, H)
    style = seg.style
    pos = seg.pos or {"title": "center", "caption": "bottom", "lower_third": "bottom"}.get(style, "bottom")
    px = {"title": 0.085, "caption": 0.052, "lower_third": 0.05}.get(style, 0.052) * base
    font = make_font(round(px), bold=style != "caption")
    area = safe_rect(W, H)
    align = Qt.AlignmentFlag.AlignLeft if style == "lower_third" else Qt.AlignmentFlag.AlignHCenter
    flags = int(align) | int(Qt.TextFlag.TextWordWrap)
    fm = QFontMetricsF(font)
    band = style == "lower_third"
    pad = max(2.0, px * 0.18)  # room for the outline and the shadow
    extra_w = px if band else 0.0  # the lower third's coloured bar and inner margin
    wrap = max(px, area.width() - 2 * pad - extra_w)
    box = fm.boundingRect(QRectF(0, 0, wrap, 10 * H), flags, text)
    bw = min(box.width() + 2 * pad + extra_w, area.width())
    bh = box.height() + 2 * pad + (px * 0.5 if band else 0)
    img = QImage(max(1, int(bw + 1)), max(1, int(bh + 1)), QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(Qt.GlobalColor.transparent)
    p = QPainter(img)
    p.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
    p.setFont(font)
    inset = pad + (px * 0.5 if band else 0)
    text_rect = QRectF(inset, pad + (px * 0.25 if band else 0), box.width() + 1, box.height() + 1)
    if band:
        p.fillRect(QRectF(0, 0, bw, bh), QColor(0, 0, 0, 140))
        p.fillRect(QRectF(0, 0, max(2.0, px * 0.12), bh), QColor(255, 196, 0))
    else:
        # soft shadow: the text in black, blurred by scaling down and back up, offset down-right
        shadow = QImage(img.size(), QImage.Format.Format_ARGB32_Premultiplied)
        shadow.fill(Qt.GlobalColor.transparent)
        sp = QPainter(shadow)
        sp.setFont(font)
        sp.setPen(QColor(0, 0, 0, 200))
        sp.drawText(text_rect, flags, text)
        sp.end()
        k = max(2, round(px / 12))
        small = shadow.scaled(
            max(1, shadow.width() // k),
            max(1, shadow.height() // k),
            Qt.AspectRatioMode.IgnoreAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
        shadow = small.scaled(
            shadow.size(), Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
        off = px * 0.05
        p.drawImage(QPointF(off, off), shadow)
        # a thin dark outline so thin strokes stay readable on white skies
        p.setPen(QColor(0, 0, 0, 170))
        r = max(1.0, px * 0.035)
        for dx, dy in ((-r, 0), (r, 0), (0, -r), (0, r), (-r, -r), (r, r), (-r, r), (r, -r)):
            p.drawText(text_rect.translated(dx * 0.8, dy * 0.8), flags, text)
    p.setPen(QColor(255, 255, 255))
    p.drawText(text_rect, flags, text)
    p.end()
    # place the block in the safe area
    x = area.left() if style == "lower_third" else area.left() + (area.width() - img.width()) / 2
    if pos == "top":
        y = area.top()
    elif pos == "center":
        y = area.top() + (area.height() - img.height()) / 2
    else:
        y = area.bottom() - img.height()
    fi = float(seg.fi) if seg.raw.get("m", {}).get("fi") is not None else FADE_MS
    fo = float(seg.fo) if seg.raw.get("m", {}).get("fo") is not None else FADE_MS
    span = max(1.0, end - start)
    fi, fo = min(fi, span / 2), min(fo, span / 2)
    return TextLayer(img, QPointF(x, y), start, end, fi, fo)


def text_bounds(layer: TextLayer) -> QRect:
    return QRect(int(layer.pos.x()), int(layer.pos.y()), layer.image.width(), layer.image.height())
