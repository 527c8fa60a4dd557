"""The preview: the exact frame at the playhead, and playback of the timeline with its music.

Scrubbing asks the renderer's own `Compositor` for the frame, so what the preview shows is what the export
will contain. The compositor decodes photos and paints, which is too slow for the GUI thread, so frames are
computed by one worker (the compositor is single-threaded by design) and only the newest request is kept:
while the worker paints frame A the user may ask for B, C and D; when A is done only D is painted next.

Play makes a quick preview render (`render(..., preview=True)`, cached by the draft's content) and plays it:
a PyAV thread decodes its video frames ahead into a small queue, `audio_playback.AudioPlayer` plays its
soundtrack through miniaudio (PySide6-Essentials has no QtMultimedia), and the GUI thread only shows, on a
QTimer tick, the newest decoded frame whose time has come on the AUDIO clock (samples the device has taken /
its rate), so the picture follows the sound without drift. With no sound device, or a draft without music,
the same frames play on the wall clock, silently (with a small note when a device was missing).
"""

from __future__ import annotations

import hashlib
import logging
import queue
import threading
import time
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import shiboken6
from PySide6.QtCore import QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPalette
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nemodesk.core import paths
from nemodesk.core.draft import TT_AUDIO, Draft
from nemodesk.ui.audio_playback import AudioPlayer, AudioUnavailable, has_audio
from nemodesk.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

MAX_PREVIEW_SIDE = 960
_RGB888 = QImage.Format.Format_RGB888  # touched on the GUI thread: PySide6 creates enum members lazily


def preview_size(draft: Draft, box: QSize, dpr: float = 1.0) -> tuple[int, int]:
    """The frame size for a preview box: the canvas aspect, fitted in the box at the screen's pixel ratio,
    never above MAX_PREVIEW_SIDE (the compositor's cost grows with the area)."""
    cw, ch = draft.canvas.size
    bw, bh = max(16, box.width() * dpr), max(16, box.height() * dpr)
    k = min(bw / cw, bh / ch, MAX_PREVIEW_SIDE / max(cw, ch))
    return max(2, round(cw * k / 2) * 2), max(2, round(ch * k / 2) * 2)


def _clock(ms: float) -> str:
    s = max(0.0, ms) / 1000
    return f"{int(s // 60)}:{s % 60:04.1f}"


class _FrameWorker:
    """Owns one Compositor; only ever touched by the preview's single worker thread (tasks run one at a time)."""

    def __init__(self) -> None:
        self._key: tuple[str, tuple[int, int]] | None = None
        self._comp: Any = None

    def frame(
        self, key: str, draft_text: str, media: dict[str, Path], size: tuple[int, int], t_ms: float
    ) -> QImage:
        from nemodesk.engine.render import Compositor

        if self._key != (key, size):
            self.close()
            draft = Draft.loads(draft_text)

            def resolve(src: str) -> Path:
                path = media.get(src)
                if path is None:
                    raise FileNotFoundError(src)
                return path

            self._comp = Compositor(draft, resolve, size)
            self._key = (key, size)
        return self._comp.frame_at(t_ms).copy()

    def close(self) -> None:
        if self._comp is not None:
            self._comp.close()
        self._comp, self._key = None, None


class FrameView(QWidget):
    """Shows one QImage, letterboxed, at the screen's pixel ratio."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.image: QImage | None = None
        self.message = ""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 90)

    def set_image(self, img: QImage | None) -> None:
        self.image = img
        self.update()

    def image_rect(self) -> QRectF:
        if self.image is None or self.image.isNull():
            return QRectF()
        dpr = self.image.devicePixelRatio() or 1.0
        iw, ih = self.image.width() / dpr, self.image.height() / dpr
        k = min(self.width() / iw, self.height() / ih)
        w, h = iw * k, ih * k
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def paintEvent(self, e: Any) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#0d0d0f"))
        if self.image is not None and not self.image.isNull():
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            p.drawImage(self.image_rect(), self.image)
        if self.message:
            p.setPen(QColor("#c8c8cc"))
            p.drawText(
                self.rect().adjusted(12, 12, -12, -12),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self.message,
            )
        p.end()


class _Player:
    """Silent frame playback of an MP4: a PyAV thread decodes ahead into a small queue; the GUI shows by clock."""

    def __init__(self, path: Path, start_ms: float = 0.0):
        self.path = path
        self.start_ms = start_ms
        self.frames: queue.Queue[tuple[float, QImage] | None] = queue.Queue(maxsize=12)
        self._stop = threading.Event()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._decode, name="nemodesk-preview-play", daemon=False)
        self._thread.start()

    def _decode(self) -> None:
        import av

        try:
            with av.open(str(self.path)) as c:
                stream = c.streams.video[0]
                stream.thread_type = "AUTO"
                if self.start_ms > 0:
                    c.seek(int(self.start_ms / 1000 / stream.time_base), stream=stream, backward=True)
                for frame in c.decode(stream):
                    t = float(frame.pts * stream.time_base) * 1000 if frame.pts is not None else 0.0
                    if t + 40 < self.start_ms:
                        continue
                    arr = np.ascontiguousarray(frame.to_ndarray(format="rgb24"))
                    h, w, _ = arr.shape
                    img = QImage(arr.data, w, h, w * 3, _RGB888).copy()
                    while not self._stop.is_set():
                        try:
                            self.frames.put((t, img), timeout=0.1)
                            break
                        except queue.Full:
                            continue
                    if self._stop.is_set():
                        return
        except Exception as err:  # reported by the widget, never lost in the thread
            self.error = err
        finally:
            while not self._stop.is_set():
                try:
                    self.frames.put(None, timeout=0.1)
                    break
                except queue.Full:
                    continue

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()


class PreviewWidget(QWidget):
    """`PreviewWidget(controller)`: frame at the playhead (scrub with the slider or `show_time(ms)`), Play/Pause.

    Signals: `frameShown(t_ms)` once the frame for t is on screen, `positionChanged(t_ms)` while playing and
    when the user moves the preview's slider (the timeline's playhead follows it), `playbackState(str)` ("rendering", "playing", "paused", "stopped").
    """

    frameShown = Signal(float)
    positionChanged = Signal(float)
    playbackState = Signal(str)

    def __init__(self, controller: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("previewWidget")
        self._controller = controller
        self._runner = TaskRunner(self, max_threads=1)  # the compositor paints on one thread at a time
        self._render_runner = TaskRunner(self, max_threads=1)  # a preview render never blocks scrubbing
        self._frames = _FrameWorker()
        self._draft: Draft | None = None
        self._draft_text = ""
        self._draft_key = ""
        self._media: dict[str, Path] = {}
        self._busy = False
        self._want: float | None = None
        self._serial = 0
        self._shown_serial = 0
        self.t_ms = 0.0
        self.shown_t: float | None = None
        self.last_error: str = ""
        self._player: _Player | None = None
        self._play_clock: tuple[float, float] | None = None  # (monotonic start, t at start): no sound
        self._play_start = 0.0
        self._audio: AudioPlayer | None = None  # the master clock while playing with sound
        self._opened: list[AudioPlayer] = []  # players opened by preparation tasks, closed at shutdown
        self._sound_note = ""
        self.no_sound_reason = ""  # miniaudio's reason when the last Play found no sound device
        self._video_ended = False
        self._resume_after_drag = False
        self.sync: tuple[float, float] | None = None  # (clock, frame time) when a frame was last shown
        self._render_cancel: threading.Event | None = None
        self._render_task: int | None = None
        self._pending_frame: tuple[float, QImage] | None = None
        self.state = "stopped"

        self.view = FrameView(self)
        self.view.setAccessibleName(self.tr("Preview"))
        self.play_button = QToolButton(self)
        self.play_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPlay))
        self.play_button.setToolTip(self.tr("Play (Space)"))
        self.play_button.setAccessibleName(self.tr("Play"))
        self.play_button.setShortcut(Qt.Key.Key_Space)
        self.play_button.clicked.connect(self.toggle_play)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setAccessibleName(self.tr("Preview position"))
        self.slider.setRange(0, 0)
        self.slider.setSingleStep(100)
        self.slider.setPageStep(1000)
        self.slider.valueChanged.connect(self._slider_moved)
        self.slider.sliderPressed.connect(self._slider_pressed)
        self.slider.sliderReleased.connect(self._slider_released)
        self.time_label = QLabel(_clock(0), self)
        self.time_label.setMinimumWidth(110)
        self.note = QLabel("", self)
        self.note.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.note.setWordWrap(True)
        row = QHBoxLayout()
        row.setContentsMargins(6, 2, 6, 4)
        row.addWidget(self.play_button)
        row.addWidget(self.slider, 1)
        row.addWidget(self.time_label)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.view, 1)
        lay.addLayout(row)
        lay.addWidget(self.note)

        self._timer = QTimer(self)
        self._timer.setInterval(15)
        self._timer.timeout.connect(self._tick)
        self._debounce = QTimer(self)  # a resize asks for a new size once the user stops dragging
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(120)
        self._debounce.timeout.connect(lambda: self.show_time(self.t_ms))

        changed = getattr(controller, "draftChanged", None)
        if changed is not None:
            changed.connect(self.set_draft)
        self.set_draft(getattr(controller, "draft", None))

    # -- draft

    def set_draft(self, draft: Draft | None) -> None:
        self.stop()
        self._draft = draft
        if draft is None or draft.duration_ms() <= 0:
            self._draft_text, self._draft_key, self._media = "", "", {}
            self.slider.setRange(0, 0)
            self.view.message = self.tr("The preview appears here once the timeline has photos.")
            self.view.set_image(None)
            self.play_button.setEnabled(False)
            return
        self._draft_text = draft.dumps()
        self._media = {}
        resolve = getattr(self._controller, "resolve_media", None)
        for src in dict.fromkeys(draft.media_ids()):
            found = resolve(src) if resolve else None
            if found is not None:
                self._media[src] = Path(found)
        media_sig = "|".join(f"{k}={v}" for k, v in sorted(self._media.items()))
        self._draft_key = hashlib.sha1((self._draft_text + media_sig).encode()).hexdigest()
        total = round(draft.duration_ms())
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, total - 1))
        self.slider.blockSignals(False)
        self.play_button.setEnabled(True)
        self.view.message = ""
        self.show_time(min(self.t_ms, max(0, total - 1)))

    @property
    def duration_ms(self) -> float:
        return self._draft.duration_ms() if self._draft is not None else 0.0

    def frame_size(self) -> tuple[int, int]:
        assert self._draft is not None
        return preview_size(self._draft, self.view.size(), self.devicePixelRatioF())

    # -- scrubbing (latest request wins)

    def _slider_moved(self, value: int) -> None:
        self.positionChanged.emit(float(value))  # the user moved the playhead here: the timeline follows
        if self.state == "playing" and not self.slider.isSliderDown():
            self.seek(float(value))  # a click or a key on the slider: playback goes on from there
            return
        if self.state == "playing":
            self.pause()
        self.show_time(float(value))

    def show_time(self, t_ms: float) -> None:
        """Show the exact frame at t (ms). Cheap to call often: requests pile up into one."""
        self.t_ms = max(0.0, t_ms)
        self._sync_slider()
        if self._draft is None or not self._draft_key:
            return
        self._want = self.t_ms
        self._serial += 1
        if not self._busy:
            self._next_frame()

    def _next_frame(self) -> None:
        if self._want is None:
            return
        t, self._want = self._want, None
        serial = self._serial
        self._busy = True
        args = (self._draft_key, self._draft_text, dict(self._media), self.frame_size(), t)
        self._runner.run_task(
            self._frames.frame,
            *args,
            on_result=lambda img, t=t, s=serial: self._frame_ready(img, t, s),
            on_error=lambda err, t=t, s=serial: self._frame_failed(err, t, s),
        )

    def _frame_ready(self, img: QImage, t: float, serial: int) -> None:
        self._busy = False
        if serial > self._shown_serial and self._player is None:
            self._shown_serial = serial
            img.setDevicePixelRatio(self.devicePixelRatioF())
            self.view.message = ""
            self.view.set_image(img)
            self.shown_t = t
            self.last_error = ""
            self.frameShown.emit(t)
        self._next_frame()

    def _frame_failed(self, err: BaseException, t: float, serial: int) -> None:
        self._busy = False
        self.last_error = str(err)
        log.warning("preview frame at %.0f ms failed: %s", t, err)
        if serial > self._shown_serial:
            self._shown_serial = serial
            self.view.message = self.tr("This frame cannot be shown: {0}").format(err)
            self.view.set_image(None)
        self._next_frame()

    def frames_idle(self) -> bool:
        return not self._busy and self._want is None

    def _sync_slider(self) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(round(self.t_ms))
        self.slider.blockSignals(False)
        self.time_label.setText(f"{_clock(self.t_ms)} / {_clock(self.duration_ms)}")

    def resizeEvent(self, e: Any) -> None:
        super().resizeEvent(e)
        if self._draft_key and self.state != "playing":
            self._debounce.start()

    # -- playback

    def toggle_play(self) -> None:
        if self.state in ("playing", "rendering"):
            self.pause()
        else:
            self.play()

    def preview_file(self) -> Path:
        return paths.cache_dir() / "preview" / f"{self._draft_key[:24]}.mp4"

    @property
    def clock_source(self) -> str | None:
        """What paces playback: "audio" (the sound device's clock), "wall" (silent), None when not playing."""
        if self._player is None:
            return None
        return "audio" if self._audio is not None else "wall"

    @property
    def audio(self) -> AudioPlayer | None:
        """The open sound device and its clock, while playing or paused with sound."""
        return self._audio

    def clock_ms(self) -> float:
        """The playback clock (ms on the timeline): the audio position when there is sound, else the wall."""
        if self._audio is not None:
            return self._audio.position_ms()
        if self._play_clock is not None:
            t0, start = self._play_clock
            return start + (time.monotonic() - t0) * 1000
        return self.t_ms

    def play(self) -> None:
        """Play from the playhead (from the start when at the end). Renders the quick preview first if needed."""
        if self._draft is None or not self._draft_key or self.state in ("playing", "rendering"):
            return
        self._play_start = self.t_ms if self.t_ms < self.duration_ms - 100 else 0.0
        out = self.preview_file()
        if out.is_file() and self._audio is not None and self._audio.path == out:
            self._start_playback(out)  # paused with the device open: resume at once
            return
        self._close_audio()
        self._set_state("rendering")
        if not out.is_file():
            self.note.setText(self.tr("Preparing the preview…"))
        cancel = threading.Event()
        self._render_cancel = cancel
        self._render_task = self._render_runner.run_task(
            _prepare_playback,
            self._draft_text,
            dict(self._media),
            out,
            cancel,
            self._opened,
            on_result=self._render_done,
            on_error=self._render_failed,
        )

    def _render_done(self, ready: _Ready) -> None:
        self._render_cancel = None
        if self.state != "rendering":  # paused or stopped while preparing
            if ready.audio is not None:
                ready.audio.close()
            return
        self._audio = ready.audio
        self.no_sound_reason = ready.no_device
        self._sound_note = self.tr("No sound device: playing without sound") if ready.no_device else ""
        self._start_playback(ready.path)

    def _render_failed(self, err: BaseException) -> None:
        self._render_cancel = None
        if self.state != "rendering":
            return
        self._set_state("stopped")
        self.note.setText(self.tr("The preview could not be made: {0}").format(err))

    def _start_playback(self, path: Path) -> None:
        start = self._play_start
        if self._audio is not None:
            self.note.setText("")
            self._audio.pause()  # starts on the first tick that has a picture to show with the sound
            if abs(self._audio.position_ms() - start) > 1.0:
                self._audio.seek(start)
        else:
            self.note.setText(self._sound_note)
            self._play_clock = None  # the wall clock starts with the first picture, too
        self._player = _Player(path, start)
        self._pending_frame = None
        self._set_state("playing")
        self._timer.start()

    def seek(self, t_ms: float) -> None:
        """Jump the playhead; playback (sound and picture) goes on from there when playing."""
        t_ms = min(max(0.0, t_ms), max(0.0, self.duration_ms - 1))
        if self.state != "playing" or self._player is None:
            self.show_time(t_ms)
            return
        path = self._player.path
        self._player.stop()
        self.t_ms = t_ms
        self._sync_slider()
        self._play_start = t_ms
        self._pending_frame = None
        self._play_clock = None
        if self._audio is not None:
            self._audio.pause()
            self._audio.seek(t_ms)
        self._player = _Player(path, t_ms)

    def _tick(self) -> None:
        """Show the newest decoded frame whose time has come on the clock; later ones wait in `_pending_frame`."""
        player = self._player
        if player is None:
            return
        ended = False
        if self._pending_frame is None:
            try:
                got = player.frames.get_nowait()
            except queue.Empty:
                got = False
            if got is None:
                ended = True
            elif got:
                self._pending_frame = got
        audio = self._audio
        waiting = (audio is not None and not audio.playing) or (audio is None and self._play_clock is None)
        if waiting:
            if self._pending_frame is None and not ended:
                return  # the clock starts with the first picture, so sound and picture start together
            if audio is not None:
                audio.play(self._play_start)
            else:
                self._play_clock = (time.monotonic(), self._play_start)
        now_t = self.clock_ms()
        latest: tuple[float, QImage] | None = None
        while not ended:
            item = self._pending_frame
            if item is None:
                try:
                    got = player.frames.get_nowait()
                except queue.Empty:
                    break
                if got is None:
                    ended = True
                    break
                item = got
            if item[0] > now_t:
                self._pending_frame = item
                break
            self._pending_frame = None
            latest = item
        if latest is not None:
            self.t_ms = latest[0]
            img = latest[1]
            img.setDevicePixelRatio(self.devicePixelRatioF())
            self.view.set_image(img)
            self.shown_t = self.t_ms
            self.sync = (now_t, self.t_ms)
            self._sync_slider()
            self.positionChanged.emit(self.t_ms)
        if ended:
            self._video_ended = True
        frame_ms = 1000.0 / float(self._draft.canvas.fps) if self._draft is not None else 40.0
        at_end = now_t >= self.duration_ms or (
            self._video_ended and self._pending_frame is None and now_t >= self.t_ms + frame_ms
        )
        if at_end:
            err = player.error
            self.stop()
            if err is not None:
                self.note.setText(self.tr("Playback stopped: {0}").format(err))

    def pause(self) -> None:
        """Hold playback at the clock's position and show the compositor's exact frame there."""
        if self.state == "rendering" and self._render_cancel is not None:
            self._render_cancel.set()
        if self.state == "playing" and self._audio is not None and self._audio.playing:
            self.t_ms = min(self._audio.position_ms(), max(0.0, self.duration_ms - 1))
        if self._audio is not None:
            self._audio.pause()  # the device stays open on silence: resuming is instant
        self._stop_player()
        self._set_state("paused" if self._draft_key else "stopped")
        self.show_time(self.t_ms)

    def stop(self) -> None:
        """Stop playback (or the preview render) and release the sound device."""
        if self._render_cancel is not None:
            self._render_cancel.set()
        self._stop_player()
        self._close_audio()
        if self.state != "stopped":
            if shiboken6.isValid(self):
                self._set_state("stopped")
            else:  # the widget went with its parent: only the Python side is left to update
                self.state = "stopped"

    def _close_audio(self) -> None:
        if self._audio is not None:
            self._audio.close()
            self._audio = None
        self._opened[:] = [a for a in self._opened if not a.closed]

    def _stop_player(self) -> None:
        # A shutdown that comes after the widget's C++ side went with its parent (the window deleted first)
        # finds the timer already deleted, and with it stopped: only the player thread is left to stop.
        if shiboken6.isValid(self._timer):
            self._timer.stop()
        if self._player is not None:
            self._player.stop()
            self._player = None
        self._pending_frame = None
        self._play_clock = None
        self._video_ended = False

    def _slider_pressed(self) -> None:
        self._resume_after_drag = self.state == "playing"
        if self._resume_after_drag:
            self.pause()

    def _slider_released(self) -> None:
        if self._resume_after_drag:
            self._resume_after_drag = False
            self.play()

    def _set_state(self, state: str) -> None:
        self.state = state
        icon = (
            QStyle.StandardPixmap.SP_MediaPause
            if state in ("playing", "rendering")
            else QStyle.StandardPixmap.SP_MediaPlay
        )
        self.play_button.setIcon(self.style().standardIcon(icon))
        self.play_button.setAccessibleName(
            self.tr("Pause") if state in ("playing", "rendering") else self.tr("Play")
        )
        if state in ("stopped", "paused") and self.note.text().startswith(self.tr("Preparing")):
            self.note.setText("")
        self.playbackState.emit(state)

    # -- life

    def shutdown(self) -> None:
        """Stop playback and rendering, release the sound device, wait for the workers, free the compositor.
        Safe to call twice."""
        self.stop()
        if shiboken6.isValid(self._debounce):
            self._debounce.stop()
        self._runner.shutdown()
        self._render_runner.shutdown()
        for audio in self._opened:  # opened by a preparation whose result was dropped
            audio.close()
        self._opened.clear()
        self._frames.close()

    def closeEvent(self, e: Any) -> None:
        self.shutdown()
        super().closeEvent(e)


class _Ready(NamedTuple):
    path: Path
    audio: AudioPlayer | None
    no_device: str  # why there is no sound device ("" when there is one or the draft is silent)


def _prepare_playback(
    draft_text: str, media: dict[str, Path], out: Path, cancel: threading.Event, opened: list[AudioPlayer]
) -> _Ready:
    """On the worker: the quick preview render if not cached, then the sound device if it has sound.

    Every player opened here is also put in `opened`, so the widget closes it even when this result is
    dropped (the widget shut down meanwhile)."""
    if not out.is_file():
        _render_preview(draft_text, media, out, cancel)
    if not _has_sound(Draft.loads(draft_text)) or not has_audio(out):
        return _Ready(out, None, "")  # a draft without music: silent, on the wall clock
    try:
        audio = AudioPlayer(out)
    except AudioUnavailable as err:
        log.info("preview plays without sound: %s", err)
        return _Ready(out, None, str(err))
    opened.append(audio)
    if cancel.is_set():
        audio.close()
        return _Ready(out, None, "")
    return _Ready(out, audio, "")


def _has_sound(draft: Draft) -> bool:
    """Whether any audio track has a clip: the renderer writes a silent soundtrack for drafts without one."""
    return any(t.tt == TT_AUDIO and any(seg.src for seg in t.segments) for t in draft.tracks)


def _render_preview(draft_text: str, media: dict[str, Path], out: Path, cancel: threading.Event) -> Path:
    """The quick preview render, on the worker thread; the file appears only once complete."""
    from nemodesk.engine.render import render

    out.parent.mkdir(parents=True, exist_ok=True)

    def resolve(src: str) -> Path:
        path = media.get(src)
        if path is None:
            raise FileNotFoundError(src)
        return path

    render(Draft.loads(draft_text), out, resolve=resolve, preview=True, cancel=cancel)
    return out
