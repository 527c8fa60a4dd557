"""Sound for the preview: the preview MP4's soundtrack played through miniaudio, and the clock picture follows.

PySide6-Essentials has no QtMultimedia, so the preview plays sound itself: a decoder thread turns the MP4's
AAC track into interleaved float32 PCM at the device's own rate (PyAV's `AudioResampler`) and queues it in a
`PcmFeed`; miniaudio's device thread pulls fixed-size blocks from the feed through a generator callback.
The feed counts the frames it hands over, and that count divided by the rate is the playback clock: the
preview shows the video frame at this time, so the picture follows the sound and never drifts from it.

When the decoder falls behind (an underrun) the device gets silence that is NOT counted, so the clock waits
for the sound instead of running ahead of it; once the soundtrack has ended the silence after it is
counted, so the clock still reaches the end of the timeline.

`NEMODESK_AUDIO_BACKEND` (or the `backend` argument) picks miniaudio's backend by name ("null", "pulseaudio",
"alsa", "wasapi", "coreaudio", ...): tests use "null", which consumes samples in real time with no sound
card. Without it the system's default is used, and if that finds only the null backend there is no real
sound device, which counts as none (`AudioUnavailable`).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from pathlib import Path

import miniaudio
import numpy as np

log = logging.getLogger(__name__)

ENV_BACKEND = "NEMODESK_AUDIO_BACKEND"
CHANNELS = 2
PERIOD_MS = 40  # one device callback; the clock is interpolated between callbacks, so it moves smoothly
PERIODS = 3  # the device buffer: 120 ms rides out a busy machine (20 ms periods dropped samples at load 7 on 2 cores)
AHEAD_S = 1.0  # PCM decoded ahead of the device; bounds memory whatever the timeline's length
FALLBACK_RATE = 48_000


class AudioUnavailable(Exception):
    """No sound device could be opened (headless machine, busy or missing device, unknown backend)."""


def backends_from_name(name: str | None) -> list[miniaudio.Backend] | None:
    """miniaudio backends for a name like "null" or "PulseAudio"; None (the system default) for empty."""
    name = (name or "").strip()
    if not name:
        return None
    try:
        return [miniaudio.Backend[name.upper()]]
    except KeyError:
        known = ", ".join(b.name.lower() for b in miniaudio.Backend)
        raise AudioUnavailable(f"unknown audio backend {name!r} (known: {known})") from None


def has_audio(path: Path) -> bool:
    """True when the file has an audio stream (a draft without music renders a silent MP4 without one)."""
    import av

    with av.open(str(path)) as c:
        return bool(c.streams.audio)


class PcmFeed:
    """Interleaved float32 PCM between a decoder thread (`push`) and the device thread (`pull`).

    Qt-free and device-free, so the frame counting that makes the clock is testable on its own. The clock is
    `start_ms + counted frames / rate`; silence given for an underrun is not counted, silence after `finish()`
    is. `push` blocks while `capacity` frames are waiting, so the decoder never runs far ahead.
    """

    def __init__(
        self, rate: int, channels: int = CHANNELS, start_ms: float = 0.0, capacity: int | None = None
    ):
        self.rate = rate
        self.channels = channels
        self.start_ms = start_ms
        self.capacity = capacity if capacity is not None else int(rate * AHEAD_S)
        self._blocks: deque[np.ndarray] = deque()
        self._head = 0  # frames already taken from _blocks[0]
        self._queued = 0
        self._cond = threading.Condition()
        self._finished = False
        self._closed = False
        self.counted = 0  # frames that advanced the clock
        self.underruns = 0
        self.last_pull_at = 0.0  # monotonic time of the last pull that advanced the clock
        self.last_pull_frames = 0

    # -- decoder side

    def push(self, block: np.ndarray) -> bool:
        """Queue (n, channels) float32 frames; blocks while the feed is full. False once closed."""
        block = np.ascontiguousarray(block, dtype=np.float32).reshape(-1, self.channels)
        if not len(block):
            return not self._closed
        with self._cond:
            while self._queued >= self.capacity and not self._closed:
                self._cond.wait(0.1)
            if self._closed:
                return False
            self._blocks.append(block)
            self._queued += len(block)
            return True

    def finish(self) -> None:
        """The soundtrack has ended: silence from now on advances the clock."""
        with self._cond:
            self._finished = True

    def close(self) -> None:
        """Wake and refuse the decoder (seek, stop)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    # -- device side

    def pull(self, frames: int) -> np.ndarray:
        """Exactly `frames` frames for the device: queued PCM, then silence. Never blocks for long."""
        out = np.zeros((frames, self.channels), np.float32)
        got = 0
        with self._cond:
            while got < frames and self._blocks:
                blk = self._blocks[0]
                n = min(frames - got, len(blk) - self._head)
                out[got : got + n] = blk[self._head : self._head + n]
                got += n
                self._head += n
                if self._head >= len(blk):
                    self._blocks.popleft()
                    self._head = 0
            self._queued -= got
            counted = got
            if got < frames:
                if self._finished:
                    counted = frames
                elif not self._closed:
                    self.underruns += 1
            self.counted += counted
            if counted:
                self.last_pull_at = time.monotonic()
                self.last_pull_frames = counted
            self._cond.notify_all()
        return out

    @property
    def position_ms(self) -> float:
        """Where the clock is: the start plus every counted frame."""
        return self.start_ms + self.counted * 1000.0 / self.rate

    @property
    def queued(self) -> int:
        return self._queued

    @property
    def finished(self) -> bool:
        return self._finished


def decode_into(path: Path, feed: PcmFeed, stop: threading.Event) -> None:
    """Decode `path`'s first audio stream from `feed.start_ms` into `feed`, resampled to its rate and layout.

    Runs on its own thread. Seeking lands on the packet before the start; the samples before it are cut, so
    the first frame pushed is the one at `feed.start_ms` exactly (to one sample).
    """
    import av

    layout = "stereo" if feed.channels == 2 else "mono"
    try:
        with av.open(str(path)) as c:
            stream = c.streams.audio[0]
            start_s = feed.start_ms / 1000.0
            if start_s > 0 and stream.time_base:
                c.seek(int(start_s / stream.time_base), stream=stream, backward=True, any_frame=False)
            resampler = av.AudioResampler(format="flt", layout=layout, rate=feed.rate)
            start_frame = round(start_s * feed.rate)
            pos: int | None = None  # output frames: index of the next one

            def emit(out_frames: list) -> bool:
                nonlocal pos
                for of in out_frames:
                    arr = of.to_ndarray().reshape(-1, feed.channels)
                    assert pos is not None
                    if pos + len(arr) <= start_frame:
                        pos += len(arr)
                        continue
                    if pos < start_frame:
                        arr = arr[start_frame - pos :]
                        pos = start_frame
                    pos += len(arr)
                    if stop.is_set() or not feed.push(arr):
                        return False
                return True

            for frame in c.decode(stream):
                if stop.is_set():
                    return
                if pos is None:
                    t = float(frame.pts * frame.time_base) if frame.pts is not None else 0.0
                    pos = round(max(0.0, t) * feed.rate)
                if not emit(resampler.resample(frame)):
                    return
            if pos is not None and not emit(resampler.resample(None)):
                return
    except Exception as err:  # a broken soundtrack ends the sound, never the preview
        log.warning("preview sound stopped: %s", err)
    feed.finish()


class AudioPlayer:
    """One open playback device playing one file; the preview's master clock.

    `AudioPlayer(path, backend=None)` opens the device (raises `AudioUnavailable`), idle and silent.
    `play(from_ms)`, `pause()`, `seek(ms)`, `position_ms()`, `close()`. Pausing keeps the device running on
    uncounted silence, so the clock holds and resuming is instant; `close()` releases the device.
    """

    def __init__(self, path: Path, backend: str | None = None, period_ms: int = PERIOD_MS):
        self.path = Path(path)
        name = backend if backend is not None else os.environ.get(ENV_BACKEND, "")
        backends = backends_from_name(name)
        try:
            self._device = miniaudio.PlaybackDevice(
                output_format=miniaudio.SampleFormat.FLOAT32,
                nchannels=CHANNELS,
                sample_rate=0,  # the device's native rate: PyAV resamples, miniaudio has nothing to convert
                buffersize_msec=period_ms,
                callback_periods=PERIODS,
                backends=backends,
                app_name="NemoDesk",
            )
        except miniaudio.MiniaudioError as err:
            raise AudioUnavailable(f"no sound device ({err})") from None
        if self._device.backend.lower() == "null" and backends is None:
            self._device.close()  # the default found no real device, only the silent null backend
            raise AudioUnavailable("no sound device (only miniaudio's null backend)")
        self.backend: str = self._device.backend
        self.rate: int = int(self._device._device.sampleRate) or FALLBACK_RATE
        self.period_ms = period_ms
        self.latency_ms = float(period_ms)  # one period is queued in the device beyond what was pulled
        self.playing = False
        self.closed = False
        self._feed = PcmFeed(self.rate, CHANNELS, 0.0)
        self._feed.finish()  # nothing loaded yet: silence
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_pos = 0.0
        gen = self._generate()
        next(gen)
        self._device.start(gen)

    def _generate(self):  # the device thread: never raises, never waits
        frames = yield b""
        while True:
            try:
                silent = not self.playing  # paused: silence that does not move the clock
                block = np.zeros((frames, CHANNELS), np.float32) if silent else self._feed.pull(frames)
                frames = yield block.tobytes()
            except GeneratorExit:
                return
            except Exception:  # pragma: no cover - keep the device alive whatever happens
                log.exception("audio callback")
                frames = yield b""

    # -- control (GUI thread)

    def seek(self, ms: float) -> None:
        """Decode from `ms`: the clock holds at `ms` until the first samples are played."""
        self._stop_decoder()
        feed = PcmFeed(self.rate, CHANNELS, max(0.0, ms))
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=decode_into,
            args=(self.path, feed, self._stop),
            name="nemodesk-preview-audio",
            daemon=False,
        )
        self._feed = feed
        self._last_pos = feed.start_ms
        self._thread.start()

    def play(self, from_ms: float | None = None) -> None:
        """Start or resume; from `from_ms` unless it is where the clock already is (then resume as is)."""
        if self.closed:
            return
        if from_ms is not None and (self._thread is None or abs(from_ms - self.position_ms()) > 1.0):
            self.seek(from_ms)
        elif self._thread is None:
            self.seek(0.0)
        self.playing = True

    def pause(self) -> None:
        self.playing = False

    def position_ms(self) -> float:
        """The master clock (ms on the timeline): counted frames, less the device's buffer, interpolated
        between callbacks so the picture moves smoothly; never goes backwards within one seek."""
        feed = self._feed
        pos = feed.position_ms - self.latency_ms
        if self.playing and feed.last_pull_at:
            step = feed.last_pull_frames * 1000.0 / feed.rate
            pos += min((time.monotonic() - feed.last_pull_at) * 1000.0, step)
        pos = max(pos, feed.start_ms, self._last_pos)
        self._last_pos = pos
        return pos

    @property
    def ended(self) -> bool:
        """The soundtrack is over and every sample of it was handed to the device."""
        return self._feed.finished and self._feed.queued == 0

    @property
    def underruns(self) -> int:
        return self._feed.underruns

    def close(self) -> None:
        """Release the device and join the decoder. Safe to call twice."""
        if self.closed:
            return
        self.closed = True
        self.playing = False
        self._stop_decoder()
        try:
            self._device.close()
        except Exception as err:  # pragma: no cover - a vanished device
            log.warning("closing the sound device: %s", err)

    def _stop_decoder(self) -> None:
        self._stop.set()
        self._feed.close()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None
