"""Text overlays: shown only while their segment runs, faded, wrapped, inside 9:16 safe areas, and with
real glyphs for Chinese and emoji (no boxes)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPainter

from helpers_render import decode_frames, photo_draft
from nemodesk.core.draft import Segment
from nemodesk.engine.render import Compositor, ensure_qt_gui, render
from nemodesk.engine.render.compositor import qimage_rgb
from nemodesk.engine.render.qt import make_font
from nemodesk.engine.render.text import build_text_layer, safe_rect, text_bounds


def test_title_region_differs_only_while_the_title_shows(photos, tmp_path: Path):
    plain = photo_draft(photos[:1], d=3000, fx="none")
    titled = photo_draft(
        photos[:1], d=3000, fx="none", texts=[{"d": 1500, "s": 500, "text": "Urban Dreams", "style": "title"}]
    )
    a, b = tmp_path / "a.mp4", tmp_path / "b.mp4"
    render(plain, a, resolve=Path)
    render(titled, b, resolve=Path)
    times = [0.2, 1.2, 2.5]  # before, during, after the title (fades 350 ms)
    fa, fb = decode_frames(a, times), decode_frames(b, times)
    centre = (slice(60, 120), slice(60, 260))
    diffs = [
        np.abs(x[centre].astype(int) - y[centre].astype(int)).mean() for x, y in zip(fa, fb, strict=True)
    ]
    assert diffs[1] > 6 and diffs[0] < 2 and diffs[2] < 2, diffs


def test_fade_in_and_out(photos):
    draft = photo_draft(
        photos[:1],
        d=3000,
        texts=[{"d": 2000, "s": 0, "text": "Hi", "style": "caption", "fi": 500, "fo": 500}],
    )
    with Compositor(draft, Path) as comp:
        comp.frame_at(0)
        layer = comp._text_layer(0)
    assert layer.opacity(0) == 0 and 0.4 < layer.opacity(250) < 0.6 and layer.opacity(1000) == 1
    assert 0.4 < layer.opacity(1750) < 0.6 and layer.opacity(2000) == 0


def test_long_text_wraps_inside_the_9_16_safe_area():
    ensure_qt_gui()
    long = "A much longer caption that cannot possibly fit on one line of a vertical video " * 2
    for style, pos in (
        ("caption", "bottom"),
        ("title", "top"),
        ("lower_third", "bottom"),
        ("title", "center"),
    ):
        seg = Segment.make(2000, text=long, style=style, pos=pos)
        layer = build_text_layer(seg, 0, 2000, (1080, 1920))
        box, safe = text_bounds(layer), safe_rect(1080, 1920)
        assert box.height() > 2.5 * make_font(40).pixelSize()  # several lines
        assert safe.left() - 1 <= box.left() and box.right() <= safe.right() + 1, (style, box, safe)
        assert safe.top() - 1 <= box.top() and box.bottom() <= safe.bottom() + 1, (style, box, safe)
    # 9:16 keeps clear of the platform UI: the bottom 22 % and the right 14 %
    assert safe.bottom() <= 1920 * 0.78 + 1 and safe.right() <= 1080 * 0.86 + 1


def _glyph(text: str, px=64) -> np.ndarray:
    img = QImage(px * 3, px * 2, QImage.Format.Format_RGB32)
    img.fill(Qt.GlobalColor.black)
    p = QPainter(img)
    p.setFont(make_font(px))
    p.setPen(Qt.GlobalColor.white)
    p.drawText(img.rect(), Qt.AlignmentFlag.AlignCenter, text)
    p.end()
    return qimage_rgb(img).astype(int)


def test_chinese_and_emoji_have_real_glyphs():
    ensure_qt_gui()
    tofu = _glyph("\U000f0001")  # private use: no font has it, Qt draws its missing-glyph box
    for ch in ("你", "好", "愛"):
        g = _glyph(ch)
        assert g.sum() > 0 and np.abs(g - tofu).sum() > 0.2 * max(g.sum(), tofu.sum()), ch
    emoji = _glyph("🎉")
    sat = emoji.max(axis=2) - emoji.min(axis=2)
    assert (sat > 80).sum() > 100  # drawn in colour by the emoji font, not a white outline or a box


def test_text_after_the_video_is_dropped_with_a_warning(photos, caplog):
    draft = photo_draft(
        photos[:1],
        d=1000,
        texts=[{"d": 1000, "s": 5000, "text": "Late"}, {"d": 3000, "s": 0, "text": "Long"}],
    )
    with caplog.at_level(logging.WARNING), Compositor(draft, Path) as comp:
        assert len(comp._texts) == 1 and comp._texts[0][2] == 1000  # the long one is cut at the video's end
        assert comp.warnings and "Late" in comp.warnings[0]
    assert "Late" in caplog.text
