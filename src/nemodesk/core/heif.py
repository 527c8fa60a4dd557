"""HEIC/HEIF decoding for every place that opens photos (tray, uploads, engine, renderer, self-test).

The app uses pi-heif, the decode-only build of pillow-heif: it reads the same files through the same
Pillow plugin API, but leaves out the x265 encoder (22 MB of the bundle) that a photo reader never needs.
pillow-heif stays a development dependency, for tests that must *write* HEIC files.
"""

from __future__ import annotations

import threading

_lock = threading.Lock()
_registered: bool | None = None


def register_heif() -> bool:
    """Teach Pillow to open HEIC/HEIF (once per process). False if the decoder is missing."""
    global _registered
    with _lock:
        if _registered is None:
            try:
                from pi_heif import register_heif_opener
            except ImportError:  # a source install without the pinned dependency
                _registered = False
            else:
                register_heif_opener()
                _registered = True
        return _registered
