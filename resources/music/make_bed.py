"""Synthesise NemoDesk's own royalty-free music bed: resources/music/nemodesk-bed.m4a.

Everything here is made from sine waves and seeded noise, so the bed is ours to ship (GPL-3.0-or-later
with the rest of the project) and can be rebuilt bit-for-bit-ish by anyone:

    .venv/bin/python resources/music/make_bed.py

60 s at exactly 100 BPM (a beat every 600 ms, the first at 0 ms), 25 bars of 4/4 over a D–A–Bm–G loop:
a warm detuned pad, a round bass on beats 1 and 3, a soft kick on every beat, a quiet shaker on the
off-beats and a plucked arpeggio; the last bar rings out on D. The agent relies on the tempo
(`nemodesk.engine.agent.music.BED_BPM`) for "sync to the beat" and the test checks it by detection.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import av
import numpy as np

SR = 44100
BPM = 100.0
BEAT_S = 60.0 / BPM
BARS = 25
SECONDS = BARS * 4 * BEAT_S  # 60 s
BITRATE = 96_000
OUT = Path(__file__).with_name("nemodesk-bed.m4a")

# D major loop: I – V – vi – IV (MIDI note numbers)
CHORDS = [
    (50, (62, 66, 69, 74)),  # D
    (45, (61, 64, 69, 73)),  # A
    (47, (62, 66, 71, 74)),  # Bm
    (43, (62, 67, 71, 74)),  # G
]


def hz(note: float) -> float:
    return 440.0 * 2 ** ((note - 69) / 12)


def envelope(n: int, attack: float, release: float) -> np.ndarray:
    t = np.arange(n) / SR
    env = np.minimum(1.0, t / max(attack, 1e-4))
    tail = np.clip((n / SR - t) / max(release, 1e-4), 0.0, 1.0)
    return env * tail


def add(buf: np.ndarray, start_s: float, sig: np.ndarray, pan: float = 0.0) -> None:
    """Mix a mono signal into the stereo buffer at `start_s` with equal-power panning."""
    i = round(start_s * SR)
    n = min(len(sig), buf.shape[1] - i)
    if n <= 0:
        return
    left, right = np.cos((pan + 1) * np.pi / 4), np.sin((pan + 1) * np.pi / 4)
    buf[0, i : i + n] += left * sig[:n]
    buf[1, i : i + n] += right * sig[:n]


def pad_chord(notes: tuple[int, ...], seconds: float) -> np.ndarray:
    n = int(seconds * SR)
    t = np.arange(n) / SR
    sig = np.zeros(n)
    for note in notes:
        for detune in (-0.07, 0.07):
            f = hz(note + detune)
            sig += np.sin(2 * np.pi * f * t) + 0.25 * np.sin(2 * np.pi * 2 * f * t)
    sig *= 0.5 + 0.08 * np.sin(2 * np.pi * 0.25 * t)  # slow swell
    return 0.028 * sig * envelope(n, 0.35, 0.45)


def bass(note: int, seconds: float) -> np.ndarray:
    n = int(seconds * SR)
    t = np.arange(n) / SR
    f = hz(note - 12)
    sig = np.sin(2 * np.pi * f * t) + 0.3 * np.sin(2 * np.pi * 2 * f * t)
    return 0.16 * sig * envelope(n, 0.01, 0.2) * np.exp(-t * 1.5)


def kick() -> np.ndarray:
    n = int(0.35 * SR)
    t = np.arange(n) / SR
    freq = 48 + 90 * np.exp(-t * 30)  # pitch drop: the thump
    phase = 2 * np.pi * np.cumsum(freq) / SR
    click = np.exp(-t * 400) * 0.3
    return 0.55 * (np.sin(phase) * np.exp(-t * 9) + click)


def shaker(rng: np.random.Generator) -> np.ndarray:
    n = int(0.09 * SR)
    t = np.arange(n) / SR
    noise = rng.standard_normal(n)
    noise = np.diff(noise, prepend=0.0)  # tilt towards the highs
    return 0.018 * noise * np.exp(-t * 45) * envelope(n, 0.004, 0.02)


def pluck(note: int, seconds: float = 0.8) -> np.ndarray:
    n = int(seconds * SR)
    t = np.arange(n) / SR
    f = hz(note)
    sig = np.sin(2 * np.pi * f * t) + 0.35 * np.sin(2 * np.pi * 2 * f * t) * np.exp(-t * 6)
    return 0.05 * sig * np.exp(-t * 4.5) * envelope(n, 0.003, 0.05)


def synthesise() -> np.ndarray:
    rng = np.random.default_rng(2024)
    total = int((SECONDS + 2.5) * SR)
    buf = np.zeros((2, total))
    bar_s = 4 * BEAT_S
    k = kick()
    arp_pattern = (0, 1, 2, 3, 2, 1, 2, 3)
    for bar in range(BARS):
        root, notes = CHORDS[bar % 4] if bar < BARS - 1 else CHORDS[0]
        start = bar * bar_s
        last = bar == BARS - 1
        add(buf, start, pad_chord(notes, bar_s + (2.5 if last else 0.5)))
        add(buf, start, bass(root, 2 * BEAT_S), 0.0)
        if not last:
            add(buf, start + 2 * BEAT_S, bass(root, 2 * BEAT_S), 0.0)
        for beat in range(4):
            if last and beat > 0:
                break
            add(buf, start + beat * BEAT_S, k)
            if bar >= 1 and not last:
                add(buf, start + (beat + 0.5) * BEAT_S, shaker(rng), 0.35)
        if 2 <= bar < BARS - 1:
            for i, idx in enumerate(arp_pattern):
                add(buf, start + i * BEAT_S / 2, pluck(notes[idx] + 12), -0.3 if i % 2 else 0.3)
    buf = buf[:, : int(SECONDS * SR)]
    fade = int(1.5 * SR)
    buf[:, -fade:] *= np.linspace(1.0, 0.0, fade) ** 2
    peak = np.abs(buf).max()
    return (buf / peak * 0.89).astype(np.float32)


def encode(samples: np.ndarray, out: Path) -> None:
    """AAC in an MP4 (.m4a) container, written to a temp file first so a failure keeps the old one."""
    tmp = out.with_suffix(".tmp.m4a")
    with av.open(str(tmp), "w", format="mp4") as container:
        stream = container.add_stream("aac", rate=SR, layout="stereo")
        stream.bit_rate = BITRATE
        chunk = 1024
        pts = 0
        for i in range(0, samples.shape[1], chunk):
            part = np.ascontiguousarray(samples[:, i : i + chunk])
            frame = av.AudioFrame.from_ndarray(part, format="fltp", layout="stereo")
            frame.sample_rate = SR
            frame.pts = pts
            pts += part.shape[1]
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    os.replace(tmp, out)


def main() -> int:
    encode(synthesise(), OUT)
    print(f"{OUT} ({OUT.stat().st_size / 1e6:.2f} MB, {SECONDS:.1f} s, {BPM:g} BPM)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
