"""The bundled music bed and the beats the agent cuts on."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from nemodesk.core.errors import UserError
from nemodesk.core.paths import resources_dir
from nemodesk.engine.agent.model import MediaInfo

BED_FILE = "nemodesk-bed.m4a"
BED_BPM = 100.0  # resources/music/make_bed.py writes a beat every 600 ms from 0 ms: no analysis needed


def bundled_music() -> Path:
    """NemoDesk's own royalty-free bed (made by resources/music/make_bed.py)."""
    path = resources_dir() / "music" / BED_FILE
    if not path.is_file():
        raise UserError("The bundled music is missing from this installation.", "Reinstall NemoDesk.")
    return path


@lru_cache(maxsize=4)
def _bed_info(path: str, mtime: float) -> MediaInfo:
    import av  # only when the bed is first registered

    data = Path(path).read_bytes()
    with av.open(path) as container:
        duration_ms = (container.duration or 0) / 1000
    period = 60000 / BED_BPM
    beats = [round(i * period, 1) for i in range(int(duration_ms // period) + 1)]
    return MediaInfo(
        id="media:" + hashlib.sha256(data).hexdigest(),
        name=BED_FILE,
        kind="audio",
        width=None,
        height=None,
        duration_ms=round(duration_ms, 1),
        beats_ms=beats,
        bundled=True,
    )


def bundled_music_info() -> MediaInfo:
    """The bed as the server registers it in every session's media list (id = its SHA-256, beats known)."""
    path = bundled_music()
    info = _bed_info(str(path), path.stat().st_mtime)
    return MediaInfo(**{**info.__dict__, "beats_ms": list(info.beats_ms or [])})


def beats_for(media: MediaInfo) -> list[float] | None:
    """Beats of a song: the ones the server detected at upload, else the bed's known grid."""
    if media.beats_ms:
        return media.beats_ms
    if media.bundled:
        try:
            return bundled_music_info().beats_ms
        except UserError:
            return None
    return None
