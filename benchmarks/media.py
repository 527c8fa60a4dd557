"""Benchmark inputs made at run time: the sample photos upscaled to camera sizes, cached between runs.

Nothing here is committed: the files go to a cache folder in the system temp directory (or
NEMODESK_BENCH_CACHE) and are reused while the sample media are unchanged.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from PIL import Image, ImageEnhance, ImageOps

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = (
    "rocket.jpg",
    "coffee.png",
    "chelsea.png",
    "astronaut.png",
    "grace_hopper.jpg",
    "hubble_deep_field.jpg",
)


def media_dir() -> Path:
    env = os.environ.get("NEMODESK_SAMPLE_MEDIA")
    for cand in ([Path(env)] if env else []) + [ROOT.parent / "shared" / "media"]:
        if (cand / "rocket.jpg").exists():
            return cand
    raise SystemExit(
        "sample media not found: expected ../shared/media beside the project (or NEMODESK_SAMPLE_MEDIA)"
    )


def cache_dir() -> Path:
    d = Path(os.environ.get("NEMODESK_BENCH_CACHE") or Path(tempfile.gettempdir()) / "nemodesk-bench-cache")
    d.mkdir(parents=True, exist_ok=True)
    return d


def camera_photos(n: int, megapixels: float, aspect: float = 4 / 3) -> list[Path]:
    """`n` distinct JPEGs of about `megapixels` (4:3, like a phone camera), made from the samples."""
    h = int((megapixels * 1e6 / aspect) ** 0.5)
    w = int(h * aspect)
    out = []
    src = media_dir()
    for i in range(n):
        path = cache_dir() / f"photo_{w}x{h}_{i:03d}.jpg"
        out.append(path)
        if path.exists() and path.stat().st_size > 0:
            continue
        base = Image.open(src / SAMPLES[i % len(SAMPLES)]).convert("RGB")
        # each file differs (mirror, brightness), so no two decodes are of the same bytes
        if (i // len(SAMPLES)) % 2:
            base = ImageOps.mirror(base)
        base = ImageEnhance.Brightness(base).enhance(0.85 + 0.3 * ((i * 7) % 10) / 10)
        big = ImageOps.fit(base, (w, h), Image.Resampling.BICUBIC)
        tmp = path.with_suffix(".tmp")
        big.save(tmp, "JPEG", quality=90)
        os.replace(tmp, path)
    return out


def music() -> Path:
    return media_dir() / "music-120bpm.m4a"
