"""The soundtrack: formats, placement, offset, volume, fades, trimming to the video, loudness."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from helpers_render import photo_draft, probe, solid
from nemodesk.core.draft import TT_AUDIO, Segment, Track
from nemodesk.engine.render import RenderError, render
from nemodesk.engine.render.audio import RATE, decode_audio, integrated_lufs, mix


def tone(path: Path, codec: str, seconds=2.0, freq=440.0, amp=0.3, rate=44100) -> Path:
    """Write a stereo sine with PyAV in the container the suffix names."""
    t = np.arange(int(seconds * rate)) / rate
    data = (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    with av.open(str(path), "w") as c:
        s = c.add_stream(codec, rate=rate, layout="stereo")
        step = 1152 if codec == "libmp3lame" else 1024
        for i in range(0, len(data), step):
            chunk = np.ascontiguousarray(np.stack([data[i : i + step]] * 2))
            fr = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")  # PyAV converts as needed
            fr.sample_rate = rate
            fr.pts = i
            fr.time_base = Fraction(1, rate)
            c.mux(s.encode(fr))
        c.mux(s.encode(None))
    return path


@pytest.mark.parametrize(
    ("name", "codec"),
    [
        ("a.mp3", "libmp3lame"),
        ("a.wav", "pcm_s16le"),
        ("a.flac", "flac"),
        ("a.ogg", "libopus"),
        ("a.m4a", "aac"),
    ],
)
def test_formats_decode_to_48k_stereo(tmp_path: Path, name, codec):
    p = tone(tmp_path / name, codec, rate=48000 if codec == "libopus" else 44100)
    x = decode_audio(p, name, 0, 1000)
    assert x.shape[0] == 2 and abs(x.shape[1] - RATE) < 2000
    mid = x[:, 12000:36000]
    assert 0.15 < float(np.sqrt((mid**2).mean())) < 0.3  # the 0.3 amplitude sine, rms ~0.21


def test_lufs_of_a_known_sine():
    # BS.1770: a 1 kHz sine at amplitude A on both channels reads 20*log10(A) LKFS (-3.01 dB per channel)
    t = np.arange(5 * RATE) / RATE
    x = np.stack([0.1 * np.sin(2 * np.pi * 1000 * t)] * 2)
    assert integrated_lufs(x) == pytest.approx(-20.0, abs=0.1)
    assert integrated_lufs(np.zeros((2, RATE))) == -np.inf


def test_offset_volume_fades_and_trim_to_video(tmp_path: Path, music):
    red = solid(tmp_path / "r.png", (200, 20, 20))
    draft = photo_draft([red], d=4000)
    draft.add_track(
        Track.make(
            TT_AUDIO,
            "BGM",
            [Segment.make(60_000, s=1000, src=str(music), in_=2000, vol=0.5, fi=500, fo=1000)],
        )
    )
    x = mix(draft, Path, 4000, normalise=False)
    assert x.shape == (2, 4 * RATE)
    env = np.abs(x[0]).reshape(-1, RATE // 20).max(axis=1)  # 50 ms peaks
    assert env[:20].max() == 0  # silent until s = 1 s
    assert env[20] < env[35]  # fading in over 500 ms
    full = decode_audio(music, "m", 2000, 3000) * 0.5
    assert np.allclose(x[:, RATE + RATE // 2 : 2 * RATE], full[:, RATE // 2 : RATE], atol=1e-4)  # in=2s, vol
    # the 60 s music is cut at the video's end (4 s) and its fade-out lands there
    assert env[-1] < 0.15 * env[50]
    assert 0.3 * env[50] < env[70] < 0.8 * env[50]  # 0.5 s before the new end: about halfway down


def test_loudness_normalised_to_about_minus_14(tmp_path: Path, music):
    red = solid(tmp_path / "r.png", (200, 20, 20))
    for vol in (0.1, 1.0):
        draft = photo_draft([red], d=6000)
        draft.add_track(Track.make(TT_AUDIO, "BGM", [Segment.make(6000, src=str(music), vol=vol)]))
        x = mix(draft, Path, 6000)
        lufs = integrated_lufs(x)
        peak_db = 20 * np.log10(np.abs(x).max())
        assert abs(lufs + 14) < 1.0 or peak_db > -1.1, (vol, lufs, peak_db)
        assert peak_db <= -0.99


def test_music_in_the_mp4(tmp_path: Path, music):
    out = tmp_path / "m.mp4"
    red = solid(tmp_path / "r.png", (200, 20, 20))
    render(photo_draft([red], d=1500, music=music), out, resolve=Path)
    info = probe(out)
    assert info["acodec"] == "aac" and abs(info["adur"] - 1.5) < 0.06
    with av.open(str(out)) as c:
        pcm = np.concatenate(
            [
                f.to_ndarray().reshape(2, -1) if f.to_ndarray().shape[0] == 2 else f.to_ndarray()
                for f in c.decode(audio=0)
            ],
            axis=1,
        )
    assert np.abs(pcm).max() > 0.05  # music, not silence


def test_bad_audio_names_the_file(tmp_path: Path):
    bad = tmp_path / "broken.mp3"
    bad.write_bytes(b"ID3 nothing useful here" * 20)
    red = solid(tmp_path / "r.png", (200, 20, 20))
    draft = photo_draft([red], d=500)
    draft.add_track(Track.make(TT_AUDIO, "BGM", [Segment.make(500, src=str(bad), name="broken.mp3")]))
    out = tmp_path / "o.mp4"
    with pytest.raises(RenderError, match=r"broken\.mp3"):
        render(draft, out, resolve=Path)
    assert not out.exists()
