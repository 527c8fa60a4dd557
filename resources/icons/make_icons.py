"""Draw NemoDesk's app icon once, and derive every platform's icon file from that one drawing.

Run from the project root with the project's environment: `.venv/bin/python resources/icons/make_icons.py`.
The outputs are committed, so a build never needs this script; rerun it only when the design changes.

The master is painted with QPainter (anti-aliased vector shapes at 1024 px) so that the design lives in code
that can be reviewed, not in a binary someone once exported; Pillow then writes the .ico and .icns, whose
small sizes are downsampled from the master with a Lanczos filter.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
MASTER = HERE / "nemodesk.png"  # 1024 x 1024, the one source every other file comes from
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICNS_SIZES = (16, 32, 64, 128, 256, 512, 1024)
SIZE = 1024


def paint_master(path: Path) -> None:
    """Paint the 1024 px master: a rounded violet tile, two stacked photos, and a play badge."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QPointF, QRectF, Qt
    from PySide6.QtGui import (
        QBrush,
        QColor,
        QGuiApplication,
        QImage,
        QLinearGradient,
        QPainter,
        QPainterPath,
        QPen,
        QRadialGradient,
    )

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 (keeps Qt alive)
    img = QImage(SIZE, SIZE, QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(Qt.GlobalColor.transparent)
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)

    # The tile: 88 % of the canvas (room for the soft shadow), corner radius as on macOS (22.4 %).
    margin = SIZE * 0.06
    tile = QRectF(margin, margin, SIZE - 2 * margin, SIZE - 2 * margin)
    radius = tile.width() * 0.224
    shadow = QPainterPath()
    shadow.addRoundedRect(tile.translated(0, SIZE * 0.012), radius, radius)
    p.fillPath(shadow, QColor(20, 10, 60, 70))
    body = QPainterPath()
    body.addRoundedRect(tile, radius, radius)
    bg = QLinearGradient(tile.topLeft(), tile.bottomRight())
    bg.setColorAt(0.0, QColor("#5B5BF0"))
    bg.setColorAt(0.55, QColor("#7C3AED"))
    bg.setColorAt(1.0, QColor("#A21CAF"))
    p.fillPath(body, QBrush(bg))
    glow = QRadialGradient(
        QPointF(tile.left() + tile.width() * 0.3, tile.top() + tile.height() * 0.2), tile.width() * 0.8
    )
    glow.setColorAt(0.0, QColor(255, 255, 255, 60))
    glow.setColorAt(1.0, QColor(255, 255, 255, 0))
    p.fillPath(body, QBrush(glow))

    def photo(cx: float, cy: float, w: float, h: float, angle: float, alpha: int, scene: bool) -> None:
        p.save()
        p.translate(cx, cy)
        p.rotate(angle)
        frame = QRectF(-w / 2, -h / 2, w, h)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(0, 0, 0, 45))
        p.drawRoundedRect(frame.translated(0, SIZE * 0.012), SIZE * 0.035, SIZE * 0.035)
        p.setBrush(QColor(255, 255, 255, alpha))
        p.drawRoundedRect(frame, SIZE * 0.035, SIZE * 0.035)
        if scene:
            inset = w * 0.07
            pic = frame.adjusted(inset, inset, -inset, -inset)
            clip = QPainterPath()
            clip.addRoundedRect(pic, SIZE * 0.02, SIZE * 0.02)
            p.setClipPath(clip)
            sky = QLinearGradient(pic.topLeft(), pic.bottomLeft())
            sky.setColorAt(0.0, QColor("#38BDF8"))
            sky.setColorAt(1.0, QColor("#C7D2FE"))
            p.fillRect(pic, QBrush(sky))
            p.setBrush(QColor("#FDE047"))
            p.drawEllipse(
                QPointF(pic.right() - pic.width() * 0.25, pic.top() + pic.height() * 0.28),
                pic.width() * 0.09,
                pic.width() * 0.09,
            )
            for color, pts in (
                ("#6366F1", ((0.0, 1.0), (0.0, 0.7), (0.33, 0.38), (0.62, 0.78), (0.62, 1.0))),
                ("#4338CA", ((0.3, 1.0), (0.62, 0.5), (1.0, 0.86), (1.0, 1.0))),
            ):
                path = QPainterPath()
                first = True
                for fx, fy in pts:
                    pt = QPointF(pic.left() + fx * pic.width(), pic.top() + fy * pic.height())
                    if first:
                        path.moveTo(pt)
                        first = False
                    else:
                        path.lineTo(pt)
                path.closeSubpath()
                p.fillPath(path, QColor(color))
        p.restore()

    photo(SIZE * 0.45, SIZE * 0.44, SIZE * 0.50, SIZE * 0.38, -10, 110, False)
    photo(SIZE * 0.50, SIZE * 0.50, SIZE * 0.54, SIZE * 0.41, 4, 255, True)

    # The play badge: what turns the photos into a video.
    c = QPointF(SIZE * 0.70, SIZE * 0.70)
    r = SIZE * 0.15
    badge = QLinearGradient(QPointF(c.x() - r, c.y() - r), QPointF(c.x() + r, c.y() + r))
    badge.setColorAt(0.0, QColor("#FB923C"))
    badge.setColorAt(1.0, QColor("#F43F5E"))
    p.setPen(QPen(QColor("white"), SIZE * 0.022))
    p.setBrush(QBrush(badge))
    p.drawEllipse(c, r, r)
    tri = QPainterPath()
    t = r * 0.5
    tri.moveTo(c.x() - t * 0.62, c.y() - t)
    tri.lineTo(c.x() + t * 1.05, c.y())
    tri.lineTo(c.x() - t * 0.62, c.y() + t)
    tri.closeSubpath()
    p.setPen(
        QPen(
            QColor("white"),
            SIZE * 0.02,
            Qt.PenStyle.SolidLine,
            Qt.PenCapStyle.RoundCap,
            Qt.PenJoinStyle.RoundJoin,
        )
    )
    p.setBrush(QColor("white"))
    p.drawPath(tri)
    p.end()
    if not img.save(str(path), "PNG"):
        raise SystemExit(f"could not write {path}")


def derive(master: Path = MASTER, out_dir: Path = HERE) -> list[Path]:
    """Write the sized PNGs, the Windows .ico and the macOS .icns from the master."""
    from PIL import Image

    src = Image.open(master).convert("RGBA")
    if src.size != (SIZE, SIZE):
        raise SystemExit(f"{master} must be {SIZE}x{SIZE}, is {src.size}")
    written = []
    for s in PNG_SIZES:
        out = out_dir / f"nemodesk-{s}.png"
        src.resize((s, s), Image.Resampling.LANCZOS).save(out, optimize=True)
        written.append(out)
    ico = out_dir / "nemodesk.ico"
    src.save(ico, format="ICO", sizes=[(s, s) for s in ICO_SIZES])
    icns = out_dir / "nemodesk.icns"
    src.save(
        icns,
        format="ICNS",
        append_images=[src.resize((s, s), Image.Resampling.LANCZOS) for s in ICNS_SIZES if s != SIZE],
    )
    return [*written, ico, icns]


def main() -> int:
    paint_master(MASTER)
    for path in [MASTER, *derive()]:
        print(f"{path.relative_to(HERE.parents[1])}  {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
