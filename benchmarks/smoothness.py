"""Ken Burns smoothness: how unevenly the picture moves from frame to frame.

For each pair of successive frames a global zoom + shift is fitted by gradient least squares (sub-pixel);
the displacement of a frame corner follows from it. A smooth move has a smoothly varying displacement;
jitter is the RMS of its second difference after removing the smooth part (9-frame moving average), in
px/frame^2. Whole-pixel stepping (ffmpeg's zoompan) shows up as a large value; a float warp as about the
estimator's own noise.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import av
import numpy as np


def _gray_frames(path: Path, start: float, end: float, scale: int = 2):
    with av.open(str(path)) as c:
        vs = c.streams.video[0]
        for fr in c.decode(vs):
            t = float(fr.pts * vs.time_base)
            if t < start:
                continue
            if t > end:
                break
            g = fr.to_ndarray(format="gray").astype(np.float32)
            h, w = g.shape
            g = g[: h - h % scale, : w - w % scale].reshape(h // scale, scale, w // scale, scale).mean((1, 3))
            yield g


def _smooth(img: np.ndarray) -> np.ndarray:
    k = np.array([1, 4, 6, 4, 1], np.float32) / 16
    img = np.apply_along_axis(lambda r: np.convolve(r, k, "same"), 1, img)
    return np.apply_along_axis(lambda c: np.convolve(c, k, "same"), 0, img)


def jitter(path: Path, start: float, end: float, scale: int = 2) -> float:
    frames = [_smooth(g) for g in _gray_frames(path, start, end, scale)]
    if len(frames) < 12:
        raise ValueError(f"too few frames in {path} between {start} and {end} s")
    h, w = frames[0].shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    xs -= w / 2
    ys -= h / 2
    m = 8
    sl = (slice(m, h - m), slice(m, w - m))
    corner = []
    for a, b in itertools.pairwise(frames):
        iy, ix = np.gradient((a + b) / 2)
        it = b - a
        design = np.stack([(ix * xs + iy * ys)[sl].ravel(), ix[sl].ravel(), iy[sl].ravel()], 1)
        (s, tx, ty), *_ = np.linalg.lstsq(design, -it[sl].ravel(), rcond=None)
        corner.append(np.hypot(s * (w / 2) + tx, s * (-h / 2) + ty) * scale)
    d2 = np.diff(np.array(corner), 2)
    resid = (d2 - np.convolve(d2, np.ones(9) / 9, "same"))[4:-4]
    return float(np.sqrt(np.mean(resid**2)))
