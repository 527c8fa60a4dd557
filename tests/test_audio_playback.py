"""The preview's sound: PCM feeding and its clock (Qt-free), decoding from a position, and a real miniaudio device
on its NULL backend (real device thread, real-time consumption, no sound card)."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import av
import numpy as np
import pytest

from nemodesk.ui.audio_playback import (
    AudioPlayer,
    AudioUnavailable,
    PcmFeed,
    backends_from_name,
    decode_into,
    has_audio,
)


def _ramp(n: int, start: int = 0) -> np.ndarray:
    v = np.arange(start, start + n, dtype=np.float32)
    return np.stack([v, -v], axis=1)


# -- PcmFeed: sample count -> time


def test_counted_frames_make_the_clock():
    feed = PcmFeed(48_000, start_ms=1500.0)
    assert feed.position_ms == 1500.0
    feed.push(_ramp(48_000))
    for _ in range(10):
        feed.pull(480)
    assert feed.counted == 4800
    assert feed.position_ms == pytest.approx(1600.0)
    feed.pull(43_200)
    assert feed.position_ms == pytest.approx(2500.0)


def test_pull_returns_the_pcm_in_order_across_blocks():
    feed = PcmFeed(1000)
    feed.push(_ramp(3))
    feed.push(_ramp(5, start=3))
    out = np.concatenate([feed.pull(2), feed.pull(4), feed.pull(2)])
    assert np.array_equal(out, _ramp(8))
    assert out.dtype == np.float32 and out.shape == (8, 2)


def test_an_underrun_gives_silence_that_does_not_move_the_clock():
    feed = PcmFeed(1000)
    feed.push(_ramp(30, start=1))
    out = feed.pull(50)
    assert np.array_equal(out[:30], _ramp(30, start=1))
    assert not out[30:].any()
    assert feed.counted == 30  # the clock waits for the sound
    assert feed.underruns == 1
    feed.pull(10)
    assert feed.counted == 30 and feed.underruns == 2


def test_after_the_end_silence_moves_the_clock():
    feed = PcmFeed(1000)
    feed.push(_ramp(30, start=1))
    feed.finish()
    out = feed.pull(50)
    assert not out[30:].any()
    assert feed.counted == 50 and feed.underruns == 0
    assert feed.position_ms == 50.0


def test_push_waits_while_full_and_close_releases_it():
    feed = PcmFeed(1000, capacity=100)
    assert feed.push(_ramp(100))
    pushed = threading.Event()
    results: list[bool] = []

    def producer() -> None:
        results.append(feed.push(_ramp(10)))
        pushed.set()

    t = threading.Thread(target=producer)
    t.start()
    assert not pushed.wait(0.2)  # full: the decoder waits
    feed.pull(20)
    assert pushed.wait(5)  # room again
    t.join(5)
    assert results == [True] and feed.queued == 90
    t = threading.Thread(target=producer)
    feed.push(_ramp(10))
    t.start()
    feed.close()
    t.join(5)
    assert not t.is_alive() and results[-1] is False


# -- decoding


def _decode_all(path: Path, rate: int) -> np.ndarray:
    feed = PcmFeed(rate, capacity=10**9)
    decode_into(path, feed, threading.Event())
    assert feed.finished
    return feed.pull(feed.queued)


def test_decode_from_a_position_lands_on_that_sample(music):
    with av.open(str(music)) as c:
        rate = c.streams.audio[0].rate
        seconds = float(c.duration) / av.time_base
    whole = _decode_all(music, rate)
    assert abs(len(whole) / rate - seconds) < 0.1
    assert np.abs(whole).max() > 0.05  # real music, not silence
    feed = PcmFeed(rate, start_ms=2500.0, capacity=10**9)
    decode_into(music, feed, threading.Event())
    part = feed.pull(feed.queued)
    i0 = round(2.5 * rate)
    assert abs(len(part) - (len(whole) - i0)) <= 2
    # the same samples: at most one sample off, and equal to decoder precision away from the cut
    probe = part[rate // 10 : rate // 10 + 4096, 0]
    offsets = [
        o
        for o in (-1, 0, 1)
        if np.allclose(whole[i0 + rate // 10 + o : i0 + rate // 10 + o + 4096, 0], probe, atol=1e-3)
    ]
    assert offsets, "decoding from 2.5 s does not give the samples at 2.5 s"


def test_decode_resamples_to_the_device_rate(music):
    with av.open(str(music)) as c:
        seconds = float(c.duration) / av.time_base
    pcm = _decode_all(music, 22_050)
    assert abs(len(pcm) / 22_050 - seconds) < 0.1
    assert pcm.shape[1] == 2


def test_a_stop_ends_the_decoder_early(music):
    feed = PcmFeed(48_000, capacity=4800)
    stop = threading.Event()
    t = threading.Thread(target=decode_into, args=(music, feed, stop))
    t.start()
    deadline = time.monotonic() + 10
    while feed.queued < 4800 and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    feed.close()
    t.join(10)
    assert not t.is_alive()


def test_has_audio(music, tmp_path):
    assert has_audio(music)
    silent = tmp_path / "silent.mp4"
    with av.open(str(silent), "w") as c:
        s = c.add_stream("libx264", rate=10)
        s.width, s.height, s.pix_fmt = 32, 32, "yuv420p"
        for i in range(3):
            f = av.VideoFrame.from_ndarray(np.full((32, 32, 3), i * 40, np.uint8), format="rgb24")
            c.mux(s.encode(f))
        c.mux(s.encode(None))
    assert not has_audio(silent)


# -- the device (miniaudio's NULL backend consumes samples in real time, with no sound card)


def _wait(cond, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_player_clock_pause_seek_close(music):
    player = AudioPlayer(music, backend="null")
    try:
        assert player.backend.lower() == "null" and player.rate > 0
        assert player.position_ms() == 0.0
        player.play(0.0)
        _wait(lambda: player.position_ms() > 300)
        assert player._feed.counted > 0
        player.pause()
        held = player.position_ms()
        time.sleep(0.2)
        assert player.position_ms() == held  # paused: the clock holds
        player.play(held)  # resume where it stopped: no new decoder
        _wait(lambda: player.position_ms() > held + 100)
        player.seek(5000.0)
        assert player.position_ms() == 5000.0
        _wait(lambda: player.position_ms() > 5100)
        assert player.position_ms() < 9000
        last = 0.0
        for _ in range(20):  # never backwards
            now = player.position_ms()
            assert now >= last
            last = now
            time.sleep(0.005)
    finally:
        player.close()
    assert player.closed
    player.close()  # twice is fine


def test_no_such_backend_is_no_sound_device(music):
    missing = "alsa" if sys.platform in ("win32", "darwin") else "wasapi"
    with pytest.raises(AudioUnavailable, match="no sound device"):
        AudioPlayer(music, backend=missing)
    with pytest.raises(AudioUnavailable, match="unknown audio backend"):
        backends_from_name("gramophone")
    assert backends_from_name("") is None
