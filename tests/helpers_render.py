"""Shared bits of the renderer's tests: small drafts over real photos, and decoding what was rendered."""

from __future__ import annotations

import struct
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from nemodesk.core.draft import TT_AUDIO, TT_TEXT, TT_VIDEO, Draft, Effect, Segment, Track, Transition


def photo_draft(
    paths: list[Path],
    *,
    size=(320, 180),
    fps=30,
    d=1000,
    fx="none",
    tr="cut",
    tr_ms=400,
    fit="cover",
    blur=0.0,
    music: Path | None = None,
    texts=(),
) -> Draft:
    draft = Draft.new(size[0], size[1], fps, fit=fit)
    segs = [
        Segment.make(
            d,
            src=str(p),
            name=p.name,
            fx=Effect.make(fx) if fx else None,
            tr=Transition.make(tr, tr_ms) if tr != "cut" else None,
            blur=blur or None,
        )
        for p in paths
    ]
    draft.add_track(Track.make(TT_VIDEO, "Photos", segs))
    if music is not None:
        draft.add_track(Track.make(TT_AUDIO, "BGM", [Segment.make(600_000, src=str(music), fi=200, fo=500)]))
    if texts:
        draft.add_track(Track.make(TT_TEXT, "Text", [Segment.make(**t) for t in texts]))
    return draft


def decode_frames(path: Path, times_s: list[float]) -> list[np.ndarray]:
    """RGB frames nearest to the given times."""
    out: dict[float, np.ndarray] = {}
    with av.open(str(path)) as c:
        vs = c.streams.video[0]
        for fr in c.decode(vs):
            t = float(fr.pts * vs.time_base)
            for want in times_s:
                if want not in out and t >= want - 1e-6:
                    out[want] = fr.to_ndarray(format="rgb24")
            if len(out) == len(times_s):
                break
    return [out[t] for t in times_s]


def all_frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [fr.to_ndarray(format="rgb24") for fr in c.decode(video=0)]


def probe(path: Path) -> dict:
    with av.open(str(path)) as c:
        v = c.streams.video[0]
        info = {
            "codec": v.codec_context.name,
            "profile": v.profile,
            "pix_fmt": v.codec_context.pix_fmt,
            "size": (v.codec_context.width, v.codec_context.height),
            "fps": Fraction(v.average_rate),
            "vdur": float(v.duration * v.time_base),
            "frames": v.frames,
            "primaries": int(v.codec_context.color_primaries),
            "colorspace": int(v.codec_context.colorspace),
        }
        if c.streams.audio:
            a = c.streams.audio[0]
            info.update(
                acodec=a.codec_context.name,
                arate=a.codec_context.sample_rate,
                achannels=a.codec_context.channels,
                adur=float(a.duration * a.time_base),
            )
        kf = [float(p.pts * v.time_base) for p in c.demux(v) if p.is_keyframe and p.pts is not None]
        info["keyframes"] = sorted(kf)
    boxes = []
    with open(path, "rb") as f:
        while head := f.read(8):
            if len(head) < 8:
                break
            size, kind = struct.unpack(">I4s", head)
            if size == 1:
                size = struct.unpack(">Q", f.read(8))[0]
                f.seek(size - 16, 1)
            else:
                f.seek(size - 8, 1)
            boxes.append(kind.decode("latin1"))
    info["boxes"] = boxes
    return info


def solid(path: Path, color, size=(400, 300)) -> Path:
    from PIL import Image

    Image.new("RGB", size, color).save(path)
    return path


def close(a: np.ndarray, color, tol=30) -> bool:
    return bool(np.all(np.abs(a.reshape(-1, 3).mean(0) - np.array(color)) < tol))
