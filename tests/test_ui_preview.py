"""The preview: scrubbing shows the compositor's exact frame, latest request wins, Play plays a preview render."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QImage

from helpers_timeline import SmallController, sample_draft
from nemodesk.engine.render import Compositor
from nemodesk.ui.qt_preview import HAVE_MULTIMEDIA, PreviewWidget


def _arr(img: QImage) -> np.ndarray:
    img = img.convertToFormat(QImage.Format.Format_RGB32)
    ptr = img.constBits()
    return (
        np.frombuffer(ptr, np.uint8, img.sizeInBytes())
        .reshape(img.height(), img.bytesPerLine())[:, : img.width() * 4]
        .copy()
    )


@pytest.fixture
def preview(qtbot, photos, music):
    draft, media = sample_draft(photos, music, durations=(1200, 900, 1300))
    ctl = SmallController(media, draft)
    w = PreviewWidget(ctl)
    qtbot.addWidget(w)
    w.resize(420, 300)
    w.show()
    qtbot.waitExposed(w)
    yield w, ctl, draft, media
    w.shutdown()


def test_scrub_shows_the_compositors_exact_frame(preview, qtbot):
    w, _, draft, media = preview
    qtbot.waitUntil(w.frames_idle, timeout=10_000)
    for t in (0.0, 1000.0, 2150.0):  # photo 1, the first crossfade, photo 3's Ken Burns
        with qtbot.waitSignal(w.frameShown, timeout=10_000, check_params_cb=lambda x, t=t: x == t):
            w.show_time(t)
        size = w.frame_size()
        with Compositor(draft, media.__getitem__, size) as comp:
            expected = comp.frame_at(t)
        shown = w.view.image
        assert (shown.width(), shown.height()) == size
        assert np.array_equal(_arr(shown), _arr(expected))
    # different times give different pictures
    w.show_time(0.0)
    qtbot.waitUntil(lambda: w.shown_t == 0.0 and w.frames_idle(), timeout=10_000)
    a = _arr(w.view.image)
    w.show_time(2150.0)
    qtbot.waitUntil(lambda: w.shown_t == 2150.0 and w.frames_idle(), timeout=10_000)
    assert not np.array_equal(a, _arr(w.view.image))


def test_latest_request_wins(preview, qtbot):
    w, *_ = preview
    qtbot.waitUntil(w.frames_idle, timeout=10_000)
    shown: list[float] = []
    w.frameShown.connect(shown.append)
    for t in range(0, 2400, 40):  # a fast drag: 60 requests
        w.slider.setValue(t)
    qtbot.waitUntil(w.frames_idle, timeout=10_000)
    qtbot.wait(50)
    assert shown[-1] == 2360.0
    assert len(shown) < 10  # the stale ones were skipped, not painted
    assert shown == sorted(shown)


def test_missing_photo_says_why(qtbot, photos, music):
    draft, media = sample_draft(photos, music)
    del media["media:0000"]
    w = PreviewWidget(SmallController(media, draft))
    qtbot.addWidget(w)
    qtbot.waitUntil(w.frames_idle, timeout=10_000)
    assert "media:0000" in w.last_error or "photo" in w.last_error.lower()
    assert "cannot be shown" in w.view.message
    w.shutdown()


@pytest.mark.slow
def test_play_renders_a_preview_and_plays_it(preview, qtbot, tmp_path):
    w, *_ = preview
    assert not HAVE_MULTIMEDIA  # PySide6-Essentials 6.12: no QtMultimedia, frame playback without sound
    positions: list[float] = []
    w.positionChanged.connect(positions.append)
    states: list[str] = []
    w.playbackState.connect(states.append)
    w.play()
    assert w.state == "rendering"
    qtbot.waitUntil(lambda: w.state == "stopped" and "playing" in states, timeout=60_000)
    assert w.preview_file().is_file()
    assert positions, w.note.text()
    assert positions[-1] >= 2400 - 100  # played to the end (3.4 s minus two 0.5 s overlaps)
    assert positions == sorted(positions)
    assert "without sound" in w.note.text()
    shots = os.environ.get("NEMODESK_SHOTS")
    w.show_time(1000)
    qtbot.waitUntil(lambda: w.shown_t == 1000 and w.frames_idle(), timeout=10_000)
    w.grab().save(str(Path(shots or tmp_path) / "preview.png"))
