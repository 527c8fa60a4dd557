"""Thumbnails and waveforms for the timeline, computed on worker threads and cached.

Both functions are pure and thread-safe (QImage, not QPixmap; PyAV, not Qt), so the timeline runs them through
`TaskRunner` and turns the result into pixmaps on the GUI thread. Waveforms are also cached on disk, keyed by
the file's path, size and modification time, because decoding a 4-minute song takes about a second.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QImageReader

from nemodesk.core import paths
from nemodesk.core.heif import register_heif

# Qt enum members are created lazily by PySide6, and creating one from two threads at once can crash:
# touch the ones the workers use here, at import, on the GUI thread.
_RGB32 = QImage.Format.Format_RGB32
_RGBA = QImage.Format.Format_RGBA8888
_SMOOTH = Qt.TransformationMode.SmoothTransformation

PEAKS_PER_SECOND = 100  # 10 ms per peak: enough for the deepest zoom the timeline allows
_THUMBS: OrderedDict[tuple[str, int, int, int], QImage] = OrderedDict()
_PEAKS: OrderedDict[tuple[str, int, int], np.ndarray] = OrderedDict()
_lock = threading.Lock()
_THUMB_LIMIT, _PEAK_LIMIT = 400, 16


def _stat_key(path: Path) -> tuple[str, int, int]:
    st = path.stat()
    return str(path), st.st_size, st.st_mtime_ns


def load_thumbnail(path: Path, height: int) -> QImage:
    """A thumbnail `height` pixels tall, upright per EXIF; HEIC through pillow-heif."""
    path = Path(path)
    name, size, mtime = _stat_key(path)
    key = (name, size, mtime, height)
    with _lock:
        hit = _THUMBS.get(key)
        if hit is not None:
            _THUMBS.move_to_end(key)
            return hit
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)
    img = QImage()
    if reader.canRead():
        src = reader.size()
        if src.isValid() and src.height() > 0 and src.width() > 0:
            # The stored size, before the EXIF rotation. A photo turned by 90 degrees comes out with the
            # sides swapped, taller than asked, and is scaled down below: never up, so never blurry.
            reader.setScaledSize(QSize(max(1, round(src.width() * height / src.height())), height))
        img = reader.read()
    if img.isNull():
        img = _pil_thumbnail(path, height)
    if img.height() != height and not img.isNull():
        img = img.scaledToHeight(height, _SMOOTH)
    img = img.convertToFormat(_RGB32)
    with _lock:
        _THUMBS[key] = img
        while len(_THUMBS) > _THUMB_LIMIT:
            _THUMBS.popitem(last=False)
    return img


def _pil_thumbnail(path: Path, height: int) -> QImage:
    from PIL import Image, ImageOps

    register_heif()
    with Image.open(path) as im:
        im = ImageOps.exif_transpose(im)
        im.thumbnail((height * 8, height))
        im = im.convert("RGBA")
        data = im.tobytes()
        return QImage(data, im.width, im.height, im.width * 4, _RGBA).copy()


def waveform_peaks(path: Path) -> np.ndarray:
    """Peak amplitude (0..1, float32) of the file's audio for every 10 ms, mono; cached in memory and on disk."""
    path = Path(path)
    key = _stat_key(path)
    with _lock:
        hit = _PEAKS.get(key)
        if hit is not None:
            return hit
    digest = hashlib.sha1(repr(key).encode()).hexdigest()[:20]
    disk = paths.cache_dir() / "waveforms" / f"{digest}.npy"
    peaks: np.ndarray | None = None
    if disk.is_file():
        try:
            peaks = np.load(disk, allow_pickle=False)
        except (OSError, ValueError):
            peaks = None
    if peaks is None:
        peaks = _decode_peaks(path)
        disk.parent.mkdir(parents=True, exist_ok=True)
        tmp = disk.with_suffix(".part.npy")
        np.save(tmp, peaks, allow_pickle=False)
        tmp.replace(disk)
    with _lock:
        _PEAKS[key] = peaks
        while len(_PEAKS) > _PEAK_LIMIT:
            _PEAKS.popitem(last=False)
    return peaks


def _decode_peaks(path: Path) -> np.ndarray:
    import av

    rate = 8000
    hop = rate // PEAKS_PER_SECOND
    chunks: list[np.ndarray] = []
    with av.open(str(path)) as container:
        if not container.streams.audio:
            return np.zeros(0, np.float32)
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().reshape(-1))
        for out in resampler.resample(None):
            chunks.append(out.to_ndarray().reshape(-1))
    if not chunks:
        return np.zeros(0, np.float32)
    samples = np.abs(np.concatenate(chunks))
    n = len(samples) // hop
    tail = samples[n * hop :]
    peaks = samples[: n * hop].reshape(n, hop).max(axis=1) if n else np.zeros(0, np.float32)
    if len(tail):
        peaks = np.append(peaks, tail.max())
    top = float(peaks.max()) if len(peaks) else 0.0
    if top > 0:
        peaks = peaks / max(top, 1e-6)
    return np.clip(peaks, 0, 1).astype(np.float32)
