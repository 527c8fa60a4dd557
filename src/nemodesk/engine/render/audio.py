"""The soundtrack: every audio segment decoded, resampled to 48 kHz stereo, placed, faded and mixed, then
normalised to about -14 LUFS integrated.

Loudness is measured here with a plain numpy version of ITU-R BS.1770-4: K-weighting (its two biquads,
applied as their magnitude response in the frequency domain, chunk by chunk; energy is what matters), 400 ms
blocks with 75 % overlap, the -70 LUFS absolute and -10 LU relative gates. The gain is then capped so the
sample peak stays below -1 dBFS, so a very peaky track may end a little under -14.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np

from nemodesk.core.draft import TT_AUDIO, Draft, Segment

from .errors import RenderError, seg_label

RATE = 48_000
TARGET_LUFS = -14.0
PEAK_CAP = 10 ** (-1.0 / 20)  # -1 dBFS

# BS.1770 K-weighting at 48 kHz: high shelf (head effect), then the RLB high-pass.
_SHELF = ([1.53512485958697, -2.69169618940638, 1.19839281085285], [1.0, -1.69065929318241, 0.73248077421585])
_HIGHPASS = ([1.0, -2.0, 1.0], [1.0, -1.99004745483398, 0.99007225036621])


def _biquad_mag(b: list[float], a: list[float], n: int) -> np.ndarray:
    w = np.linspace(0, np.pi, n // 2 + 1)
    z1, z2 = np.exp(-1j * w), np.exp(-2j * w)
    return np.abs((b[0] + b[1] * z1 + b[2] * z2) / (a[0] + a[1] * z1 + a[2] * z2))


def integrated_lufs(mix: np.ndarray, rate: int = RATE) -> float:
    """Integrated loudness of a (channels, samples) float array at 48 kHz; -inf for silence or < 400 ms.

    Filtered in 20 s chunks (with 0.5 s margins the filter settles in) and reduced at once to 100 ms
    energies, so a ten-minute soundtrack needs a few megabytes here, not gigabytes of FFT buffers.
    """
    n = mix.shape[1]
    hop = rate // 10
    if n < 4 * hop:
        return -math.inf
    nh = n // hop
    energy = np.zeros(nh)  # per 100 ms hop, summed over channels (all weights 1.0 for L/R)
    chunk, pad = 200 * hop, rate // 2
    for ch in range(mix.shape[0]):
        x = mix[ch]
        for s in range(0, nh * hop, chunk):
            e = min(s + chunk, nh * hop)
            a, b = max(0, s - pad), min(n, e + pad)
            seg = x[a:b].astype(np.float64)
            nfft = -(-len(seg) // hop) * hop  # a smooth FFT size (multiples of 4800 = 2^6 * 3 * 5^2)
            gain = _biquad_mag(*_SHELF, nfft) * _biquad_mag(*_HIGHPASS, nfft)
            y = np.fft.irfft(np.fft.rfft(seg, n=nfft) * gain, n=nfft)[s - a : s - a + (e - s)]
            energy[s // hop : e // hop] += (y.reshape(-1, hop) ** 2).sum(axis=1)
    power = (energy[:-3] + energy[1:-2] + energy[2:-1] + energy[3:]) / (4 * hop)  # 400 ms, 75 % overlap
    with np.errstate(divide="ignore"):
        loud = -0.691 + 10 * np.log10(power)
    kept = power[loud > -70.0]
    if kept.size == 0:
        return -math.inf
    rel = -0.691 + 10 * np.log10(kept.mean()) - 10.0
    kept = power[(loud > -70.0) & (loud > rel)]
    return float(-0.691 + 10 * np.log10(kept.mean()))


def decode_audio(path: Path, label: str, offset_ms: float, length_ms: float) -> np.ndarray:
    """(2, n) float32 at 48 kHz of [offset, offset+length) of the file (shorter if the file ends first)."""
    want_from = round(offset_ms * RATE / 1000)
    want = round(length_ms * RATE / 1000)
    chunks: list[np.ndarray] = []
    got = 0
    try:
        with av.open(str(path)) as c:
            if not c.streams.audio:
                raise RenderError(
                    f"The audio {label} at {path} has no sound track.",
                    "Use an MP3, WAV, M4A, FLAC or OGG file.",
                )
            stream = c.streams.audio[0]
            resampler = av.AudioResampler(format="fltp", layout="stereo", rate=RATE)
            pos = 0  # samples (at 48 kHz) produced so far from the file's start
            if want_from > RATE * 10:
                # jump close to the offset instead of decoding minutes of music to throw them away
                c.seek(int((offset_ms / 1000 - 1) * 1_000_000), backward=True, any_frame=False)
                pos = -1
            done = False
            for frame in c.decode(stream):
                if pos < 0:
                    pos = round(float(frame.pts * frame.time_base) * RATE) if frame.pts is not None else 0
                for out in resampler.resample(frame):
                    arr = out.to_ndarray()
                    if arr.ndim == 1:
                        arr = arr.reshape(2, -1)
                    n = arr.shape[1]
                    lo, hi = max(0, want_from - pos), min(n, want_from + want - pos)
                    if hi > lo:
                        chunks.append(arr[:, lo:hi])
                        got += hi - lo
                    pos += n
                    if got >= want:
                        done = True
                        break
                if done:
                    break
            if not done:
                for out in resampler.resample(None):
                    arr = out.to_ndarray().reshape(2, -1)
                    n = arr.shape[1]
                    lo, hi = max(0, want_from - pos), min(n, want_from + want - pos)
                    if hi > lo:
                        chunks.append(arr[:, lo:hi])
                    pos += n
    except FileNotFoundError:
        raise RenderError(
            f"The audio {label} is missing: {path} no longer exists.",
            "Put the file back or remove it from the timeline.",
        ) from None
    except av.error.FFmpegError as err:
        raise RenderError(
            f"Cannot read the audio {label} at {path}: it is damaged or not a sound file ({err}).",
            "Use an MP3, WAV, M4A, FLAC or OGG file.",
        ) from None
    if not chunks:
        return np.zeros((2, 0), np.float32)
    return np.concatenate(chunks, axis=1).astype(np.float32, copy=False)


def _envelope(n: int, fi: int, fo: int) -> np.ndarray | None:
    if fi <= 0 and fo <= 0:
        return None
    env = np.ones(n, np.float32)
    if fi > 0:
        k = min(fi, n)
        env[:k] = np.linspace(0, 1, fi, endpoint=False, dtype=np.float32)[:k]
    if fo > 0:
        k = min(fo, n)
        env[n - k :] *= np.linspace(1, 0, fo, dtype=np.float32)[fo - k :]
    return env


def mix(
    draft: Draft, resolve: Callable[[str], Path], duration_ms: float, *, normalise: bool = True
) -> np.ndarray:
    """The whole soundtrack as (2, samples) float32 at 48 kHz, exactly `duration_ms` long (silence if none)."""
    total = round(duration_ms * RATE / 1000)
    out = np.zeros((2, total), np.float32)
    for ti, track in enumerate(draft.tracks):
        if track.tt != TT_AUDIO:
            continue
        for pl in track.placed():
            seg: Segment = pl.segment
            label = seg_label(ti, pl.index, seg.name)
            start = round(pl.start * RATE / 1000)
            if start >= total or not seg.src:
                continue
            end = min(total, round(pl.end * RATE / 1000))  # trimmed to the video
            try:
                path = Path(resolve(seg.src))
            except RenderError:
                raise
            except Exception as err:
                raise RenderError(
                    f"The audio of {label} ({seg.src}) cannot be found: {err}.",
                    "Import it again or remove it from the timeline.",
                ) from None
            samples = decode_audio(path, label, float(seg.in_), (end - start) * 1000 / RATE)
            n = samples.shape[1]
            if n == 0:
                continue
            fi = round(float(seg.fi) * RATE / 1000)
            fo = round(float(seg.fo) * RATE / 1000)
            # the fade-out lands on the segment's new end when the video trims it
            env = _envelope(n, fi, fo)
            gain = float(seg.vol)
            part = samples * gain if env is None else samples * (env * gain)
            out[:, start : start + n] += part
    if normalise:
        loud = integrated_lufs(out)
        if math.isfinite(loud):
            g = 10 ** ((TARGET_LUFS - loud) / 20)
            peak = float(np.abs(out).max())
            if peak > 0:
                g = min(g, PEAK_CAP / peak)
            out *= g
    np.clip(out, -1.0, 1.0, out=out)
    return out
