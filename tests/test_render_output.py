"""The MP4 a draft renders to, decoded back: container, codecs, timing and the content of chosen frames."""

from __future__ import annotations

import itertools
import threading
from pathlib import Path

import numpy as np
import pytest

from helpers_render import close, decode_frames, photo_draft, probe, solid
from nemodesk.engine.render import RenderCancelled, RenderProgress, render
from nemodesk.engine.render.encoder import pick_video_encoder, probe_encoder


def test_container_codecs_and_timing(photos, music, tmp_path: Path):
    draft = photo_draft(photos[:3], d=1000, tr="crossfade", tr_ms=300, fx="kenburns", music=music)
    out = tmp_path / "out.mp4"
    seen: list[RenderProgress] = []
    res = render(draft, out, resolve=Path, progress=seen.append)
    info = probe(out)
    assert info["codec"] == "h264" and info["profile"] == "High" and info["pix_fmt"] == "yuv420p"
    assert info["size"] == (320, 180) and info["fps"] == 30
    assert info["primaries"] == 1 and info["colorspace"] == 1  # BT.709 tags
    expect = draft.duration_ms() / 1000  # 3 s minus two 0.3 s overlaps = 2.4 s
    assert expect == pytest.approx(2.4)
    assert abs(info["vdur"] - expect) <= 1 / 30 + 1e-6 and info["frames"] == 72 == res.frames
    assert info["acodec"] == "aac" and info["arate"] == 48000 and info["achannels"] == 2
    assert abs(info["adur"] - expect) < 0.06
    assert info["boxes"].index("moov") < info["boxes"].index("mdat")
    gaps = np.diff([0.0, *info["keyframes"], expect])
    assert gaps.max() <= 2.0 + 1e-6
    assert seen and seen[-1].fraction == 1.0 and seen[-1].frame == seen[-1].frames == 72
    assert all(a.fraction <= b.fraction for a, b in itertools.pairwise(seen))
    assert not [p for p in tmp_path.iterdir() if ".part" in p.name]


def test_photo_only_draft_gets_a_silent_track(tmp_path: Path):
    p = solid(tmp_path / "red.png", (220, 30, 30))
    out = tmp_path / "silent.mp4"
    render(photo_draft([p], d=700), out, resolve=Path)
    info = probe(out)
    assert info["acodec"] == "aac" and abs(info["adur"] - 0.7) < 0.06


def test_hold_shows_its_photo_and_crossfade_mixes(tmp_path: Path):
    red = solid(tmp_path / "red.png", (220, 30, 30))
    blue = solid(tmp_path / "blue.png", (30, 40, 220))
    out = tmp_path / "x.mp4"
    render(photo_draft([red, blue], d=1000, tr="crossfade", tr_ms=400), out, resolve=Path)
    # red holds 0..0.6 s, the fade runs 0.6..1.0 s, blue holds 1.0..1.6 s
    a, mid, b = decode_frames(out, [0.3, 0.8, 1.3])
    assert close(a, (220, 30, 30)) and close(b, (30, 40, 220))
    m = mid.reshape(-1, 3).mean(0)
    assert 60 < m[0] < 190 and 60 < m[2] < 190, m  # both photos in the mix


def test_photo_two_hold_looks_like_photo_two(photos, tmp_path: Path):
    from PIL import Image

    out = tmp_path / "p.mp4"
    draft = photo_draft(photos[:3], d=1000, tr="crossfade", tr_ms=300, fit="cover")
    render(draft, out, resolve=Path)
    (frame,) = decode_frames(out, [1.05])  # photo 2 holds 1.0..1.4 s
    refs = []
    for p in photos[:3]:
        im = Image.open(p).convert("RGB")
        k = max(320 / im.width, 180 / im.height)
        im = im.resize((round(im.width * k), round(im.height * k)))
        left, top = (im.width - 320) // 2, (im.height - 180) // 2
        refs.append(np.asarray(im.crop((left, top, left + 320, top + 180)), np.float32))
    errs = [float(np.abs(frame.astype(np.float32) - r).mean()) for r in refs]
    assert errs[1] < 12 and errs[1] < min(errs[0], errs[2]) / 2, errs


def test_cancel_leaves_no_file(photos, tmp_path: Path):
    out = tmp_path / "c.mp4"
    cancel = threading.Event()

    def on_progress(p: RenderProgress) -> None:
        if p.frame >= 5:
            cancel.set()

    with pytest.raises(RenderCancelled):
        render(photo_draft(photos, d=2000), out, resolve=Path, progress=on_progress, cancel=cancel)
    assert list(tmp_path.iterdir()) == [tmp_path / "photos"]


def test_failed_render_keeps_the_old_file(photos, tmp_path: Path):
    out = tmp_path / "keep.mp4"
    out.write_bytes(b"an earlier good video")
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    from nemodesk.engine.render import RenderError

    with pytest.raises(RenderError):
        render(photo_draft([photos[0], bad]), out, resolve=Path)
    assert out.read_bytes() == b"an earlier good video"
    assert not [p for p in tmp_path.iterdir() if ".part" in p.name]


def test_hardware_probe_falls_back_to_libx264(monkeypatch):
    monkeypatch.delenv("NEMODESK_ENCODER", raising=False)
    # no GPU here: every hardware encoder fails its one-frame probe, even those FFmpeg lists as built in
    assert probe_encoder("h264_nvenc") is False
    assert probe_encoder("no_such_encoder") is False
    assert probe_encoder("libx264") is True
    assert pick_video_encoder(candidates=("no_such_encoder", "h264_nvenc")) == "libx264"


def test_preview_is_a_third_of_the_size(photos, tmp_path: Path):
    out = tmp_path / "pv.mp4"
    draft = photo_draft(photos[:2], size=(960, 540), d=500)
    res = render(draft, out, resolve=Path, preview=True)
    assert probe(out)["size"] == (320, 180) and (res.width, res.height) == (320, 180)


def test_long_qt_loops_do_not_exhaust_none(tmp_path: Path):
    """PySide6 6.12 on CPython 3.11 dropped a reference to None per void call (the pin avoids it):
    a render-length loop of void calls must not abort the interpreter."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from nemodesk.engine.render.qt import ensure_qt_gui\n"
        "ensure_qt_gui()\n"
        "from PySide6.QtGui import QImage\n"
        "img = QImage(4, 4, QImage.Format.Format_RGB32)\n"
        "start = sys.getrefcount(None)\n"
        "for i in range(3 * start if start < 10**6 else 200_000):\n"
        "    img.fill(0)\n"
        "print('ok')\n"
    )
    env = {**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"}
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 0 and res.stdout.strip() == "ok", res.stderr[-500:]


@pytest.mark.parametrize(
    ("fps", "size"), [(24, (192, 108)), (25, (108, 192)), (60, (108, 108)), (30, (108, 134))]
)
def test_frame_rates_and_canvas_shapes(tmp_path: Path, fps, size):
    """24/25/30/60 fps and the 16:9, 9:16, 1:1 and 4:5 presets (scaled down), duration within one frame."""
    p = solid(tmp_path / "c.png", (120, 160, 200))
    draft = photo_draft([p, p], size=size, fps=fps, d=700, tr="crossfade", tr_ms=200)
    out = tmp_path / "f.mp4"
    render(draft, out, resolve=Path)
    info = probe(out)
    assert info["fps"] == fps and info["size"] == size
    assert abs(info["vdur"] - 1.2) <= 1 / fps + 1e-6


def test_empty_draft_and_unresolvable_media_are_user_errors(photos, tmp_path: Path):
    from nemodesk.core.draft import Draft
    from nemodesk.engine.render import RenderError

    with pytest.raises(RenderError, match="nothing to render"):
        render(Draft.new(320, 180), tmp_path / "e.mp4", resolve=Path)

    def resolve(src: str) -> Path:
        if src.startswith("media:"):
            raise KeyError(src)  # not in the store
        return Path(src)

    draft = photo_draft(photos[:2])
    draft.tracks[0].segments[1].src = "media:0badc0de"
    with pytest.raises(RenderError) as exc:
        render(draft, tmp_path / "r.mp4", resolve=resolve)
    assert "media:0badc0de" in str(exc.value) and "t[0].sg[1]" in str(exc.value)
    assert not list(tmp_path.glob("*.mp4")) and not list(tmp_path.glob(".*part*"))
