"""Beat detection against music with a known beat: the 120 BPM sample and the bundled 100 BPM bed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nemodesk.engine import audio_analysis as aa
from nemodesk.engine.agent import bundled_music, bundled_music_info
from nemodesk.engine.agent.music import BED_BPM

TOLERANCE_MS = 8.0  # "within a few ms": the kick attack itself lasts a few ms


def _grid_errors(beats: list[float], period: float) -> np.ndarray:
    b = np.asarray(beats)
    return b - np.round(b / period) * period


def test_120bpm_sample_beats_every_500_ms(music: Path) -> None:
    info = aa.analyse(music)
    assert info.bpm == pytest.approx(120, abs=0.5)
    assert info.duration_ms == pytest.approx(32_000, abs=100)
    beats = info.beats_ms
    assert beats[0] == pytest.approx(0, abs=TOLERANCE_MS)
    # one beat for every grid point from 0 to the last one, none skipped, none doubled
    assert len(beats) == round(beats[-1] / 500) + 1
    assert beats[-1] >= 31_000
    assert np.abs(_grid_errors(beats, 500)).max() <= TOLERANCE_MS
    assert np.all(np.diff(beats) > 400)


def test_bundled_bed_is_small_and_at_its_stated_tempo() -> None:
    path = bundled_music()
    assert path.name == "nemodesk-bed.m4a"
    assert path.stat().st_size < 1_500_000
    info = aa.analyse(path)
    assert info.duration_ms == pytest.approx(60_000, abs=200)
    assert info.bpm == pytest.approx(BED_BPM, abs=0.5)
    period = 60_000 / BED_BPM
    assert np.abs(_grid_errors(info.beats_ms, period)).max() <= TOLERANCE_MS
    # the grid the agent uses without analysing agrees with what is detected
    known = bundled_music_info().beats_ms or []
    detected = info.beats_ms
    assert len(detected) >= 90
    for b in detected:
        assert min(abs(b - k) for k in known) <= TOLERANCE_MS


def test_shifted_clicks_at_90_bpm_found_to_the_millisecond(tmp_path: Path) -> None:
    """A synthetic track (not the sample): clicks every 666.7 ms starting at 250 ms, over soft noise."""
    import av

    sr = 44100
    seconds = 12
    rng = np.random.default_rng(1)
    x = 0.01 * rng.standard_normal(sr * seconds)
    period = 60 / 90
    onsets = np.arange(0.25, seconds - 0.2, period)
    t = np.arange(int(0.08 * sr)) / sr
    click = 0.6 * np.sin(2 * np.pi * 80 * t) * np.exp(-t * 40)
    for o in onsets:
        i = round(o * sr)
        x[i : i + len(click)] += click[: len(x) - i]
    out = tmp_path / "clicks.m4a"
    with av.open(str(out), "w", format="mp4") as c:
        s = c.add_stream("aac", rate=sr, layout="mono")
        arr = x.astype(np.float32)[None, :]
        for i in range(0, arr.shape[1], 1024):
            fr = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(arr[:, i : i + 1024]), format="fltp", layout="mono"
            )
            fr.sample_rate = sr
            fr.pts = i
            for p in s.encode(fr):
                c.mux(p)
        for p in s.encode(None):
            c.mux(p)
    info = aa.analyse(out)
    assert info.bpm == pytest.approx(90, abs=1)
    beats = np.asarray(info.beats_ms)
    truth = onsets * 1000
    assert len(beats) >= len(truth) - 1
    for b in beats:
        assert np.abs(truth - b).min() <= TOLERANCE_MS


def test_not_audio_is_a_clear_user_error(tmp_path: Path) -> None:
    bad = tmp_path / "notes.m4a"
    bad.write_bytes(b"this is not audio at all")
    with pytest.raises(aa.AudioAnalysisError) as err:
        aa.analyse(bad)
    assert "notes.m4a" in err.value.message


def test_image_has_no_sound(media_dir: Path) -> None:
    with pytest.raises(aa.AudioAnalysisError):
        aa.analyse(media_dir / "rocket.jpg")
