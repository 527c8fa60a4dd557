"""The preview: scrubbing shows the compositor's exact frame, latest request wins, Play plays a preview render."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QImage

from helpers_timeline import SmallController, sample_draft
from nemodesk.core.draft import TT_AUDIO, TT_VIDEO, Draft, Segment, Track
from nemodesk.engine.render import Compositor, render
from nemodesk.ui.audio_playback import ENV_BACKEND
from nemodesk.ui.qt_preview import PreviewWidget


def _arr(img: QImage) -> np.ndarray:
    img = img.convertToFormat(QImage.Format.Format_RGB32)
    ptr = img.constBits()
    return (
        np.frombuffer(ptr, np.uint8, img.sizeInBytes())
        .reshape(img.height(), img.bytesPerLine())[:, : img.width() * 4]
        .copy()
    )


@pytest.fixture
def preview(qtbot, photos, music, monkeypatch):
    monkeypatch.setenv(ENV_BACKEND, "null")  # miniaudio's NULL backend: the real sound path, no sound card
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
    assert w.note.text() == ""  # with sound (the NULL device)
    assert w.audio is None  # the end released the device
    shots = os.environ.get("NEMODESK_SHOTS")
    w.show_time(1000)
    qtbot.waitUntil(lambda: w.shown_t == 1000 and w.frames_idle(), timeout=10_000)
    w.grab().save(str(Path(shots or tmp_path) / "preview.png"))


# -- playback with sound: a small 320x180 draft rendered straight by the engine, so Play starts at once

FPS = 30
FRAME_MS = 1000 / FPS


def _small_draft(photos: list[Path], music: Path | None) -> tuple[Draft, dict[str, Path]]:
    draft = Draft.new(width=320, height=180, fps=FPS, title="Sound check")
    media: dict[str, Path] = {}
    segs = []
    for i, p in enumerate(photos[:3]):
        media[f"media:{i}"] = p
        segs.append(Segment.make(1400, src=f"media:{i}", name=p.name, fx={"type": "kenburns"}, tr=None))
    draft.add_track(Track.make(TT_VIDEO, "Photos", segs))
    if music is not None:
        media["media:music"] = music
        draft.add_track(Track.make(TT_AUDIO, "BGM", [Segment.make(4200, src="media:music", name="Lo-fi")]))
    draft.relayout()
    return draft, media


def _player(qtbot, photos, music) -> PreviewWidget:
    draft, media = _small_draft(photos, music)
    w = PreviewWidget(SmallController(media, draft))
    qtbot.addWidget(w)
    w.resize(360, 260)
    w.show()
    qtbot.waitUntil(w.frames_idle, timeout=10_000)
    out = w.preview_file()
    out.parent.mkdir(parents=True, exist_ok=True)
    render(draft, out, resolve=media.__getitem__, preview=True)  # what Play would render, made up front
    return w


def _in_sync(w: PreviewWidget) -> None:
    """The frame on screen is the one at the clock: not ahead of it, less than one frame behind it."""
    clock, shown = w.sync
    assert 0 <= clock - shown < FRAME_MS, (clock, shown)


def test_play_with_sound_follows_the_audio_clock(qtbot, photos, music, monkeypatch):
    monkeypatch.setenv(ENV_BACKEND, "null")
    w = _player(qtbot, photos, music)
    try:
        syncs: list[tuple[float, float]] = []
        w.positionChanged.connect(lambda t: syncs.append(w.sync))
        w.play()
        qtbot.waitUntil(
            lambda: w.state == "playing" and w.audio is not None and w.audio.playing, timeout=10_000
        )
        assert w.clock_source == "audio" and w.note.text() == ""
        player = w.audio
        qtbot.waitUntil(lambda: w.clock_ms() > 800, timeout=10_000)
        assert player._feed.counted > 0  # the clock is the device's: samples it took
        assert len(syncs) > 10
        for clock, shown in syncs:
            assert 0 <= clock - shown < FRAME_MS, (clock, shown)
        assert [s for _, s in syncs] == sorted(s for _, s in syncs)

        w.pause()  # pause holds the clock and the picture
        assert w.state == "paused" and w.audio is player
        held, t_held = w.clock_ms(), w.t_ms
        assert abs(held - t_held) <= 1.0
        qtbot.wait(300)
        assert w.clock_ms() == held and w.t_ms == t_held
        qtbot.waitUntil(lambda: w.shown_t == t_held and w.frames_idle(), timeout=10_000)  # exact frame there

        w.play()  # resume is immediate: the device stayed open
        assert w.state == "playing" and w.audio is player
        qtbot.waitUntil(lambda: w.sync is not None and w.sync[1] > t_held + 200, timeout=10_000)
        _in_sync(w)

        w.seek(3000.0)  # a jump while playing: sound and picture go on from there
        assert w.state == "playing"
        qtbot.waitUntil(lambda: w.sync is not None and w.sync[1] >= 3000 - FRAME_MS, timeout=10_000)
        assert w.clock_ms() >= 3000.0
        _in_sync(w)

        qtbot.waitUntil(lambda: w.state == "stopped", timeout=10_000)  # the end of the timeline
        assert w.t_ms >= w.duration_ms - 2 * FRAME_MS
        assert player.closed and w.audio is None  # the device is released

        w.show_time(1000.0)
        w.play()
        qtbot.waitUntil(lambda: w.audio is not None and w.audio.playing, timeout=10_000)
        second = w.audio
        assert second is not player
        assert second.position_ms() >= 1000.0 - FRAME_MS
        w.stop()  # stop releases the device too
        assert second.closed and w.audio is None and w.state == "stopped"
    finally:
        w.shutdown()


def test_no_sound_device_plays_without_sound(qtbot, photos, music, monkeypatch):
    missing = "alsa" if sys.platform in ("win32", "darwin") else "wasapi"  # a backend this OS has not
    monkeypatch.setenv(ENV_BACKEND, missing)
    w = _player(qtbot, photos, music)
    try:
        shown: list[float] = []
        w.positionChanged.connect(shown.append)
        w.play()
        qtbot.waitUntil(lambda: w.state == "playing", timeout=10_000)
        assert w.audio is None and w.clock_source == "wall"
        assert w.note.text() == "No sound device: playing without sound"
        assert "no sound device" in w.no_sound_reason
        qtbot.waitUntil(lambda: len(shown) > 5, timeout=10_000)
        _in_sync(w)
        w.seek(3500.0)
        qtbot.waitUntil(lambda: w.state == "stopped", timeout=10_000)
        assert shown[-1] >= w.duration_ms - 2 * FRAME_MS
    finally:
        w.shutdown()


def test_a_draft_without_music_plays_silently(qtbot, photos, monkeypatch):
    monkeypatch.setenv(ENV_BACKEND, "null")
    w = _player(qtbot, photos, None)
    try:
        w.play()
        qtbot.waitUntil(lambda: w.state == "playing", timeout=10_000)
        assert w.audio is None and w.clock_source == "wall" and w.note.text() == ""
    finally:
        w.shutdown()
    assert w.state == "stopped"


def test_shutdown_while_preparing_leaves_no_device(qtbot, photos, music, monkeypatch):
    monkeypatch.setenv(ENV_BACKEND, "null")
    w = _player(qtbot, photos, music)
    w.play()  # opens the device on the worker
    w.shutdown()
    assert w.audio is None and not w._opened


def test_shutdown_after_the_window_was_deleted_stops_playback_without_errors(
    qtbot, photos, music, monkeypatch
):
    """The app deletes the window before the loop ends; a pane's shutdown that comes later must still stop
    the player thread and the sound device, not fail on its timers' deleted C++ side."""
    import shiboken6
    from PySide6.QtWidgets import QWidget

    monkeypatch.setenv(ENV_BACKEND, "null")
    draft, media = sample_draft(photos, music, durations=(1200, 900, 1300))
    parent = QWidget()
    w = PreviewWidget(SmallController(media, draft), parent)
    w.resize(320, 200)
    parent.show()
    w.play()
    qtbot.waitUntil(lambda: w.state == "playing", timeout=30_000)
    player, audio = w._player, w.audio
    assert player is not None and player.alive
    shiboken6.delete(parent)  # the window's C++ side is gone, timers included
    assert not shiboken6.isValid(w._timer)
    w.shutdown()  # raised "Internal C++ object (QTimer) already deleted" before
    w.shutdown()  # and twice is fine
    assert not player.alive and w._player is None and w.state == "stopped"
    assert audio is None or audio.closed
