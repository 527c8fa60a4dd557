"""The one-line timeline summary the seed skills show for "status" and "preview in timeline".

The exact format is the seed's (`Timeline (3 tracks): 1. Video: city timelapse (0-10s) 2. BGM: Lo-fi
(0-10s, 35%) 3. Title: "Urban Dreams" (0-3s)`): users of the cloud skill already know it, and the CLI's
`state` command and the chat pane both print it, so it lives here, Qt-free.
"""

from __future__ import annotations

from nemodesk.core.draft import TT_AUDIO, TT_TEXT, TT_VIDEO, Draft, Segment, Track
from nemodesk.core.music import is_repeat

DEFAULT_LABELS = {TT_VIDEO: "Video", TT_AUDIO: "Audio", TT_TEXT: "Text"}


def seconds(ms: float) -> str:
    """Milliseconds as seconds the way people say them: 10, 2.5 (one decimal at most)."""
    s = round(ms / 1000, 1)
    return str(int(s)) if float(s).is_integer() else f"{s:g}"


def track_label(track: Track) -> str:
    """The track's own name, else what kind of track it is."""
    name = track.name
    if isinstance(name, str) and name.strip():
        return name.strip()
    return DEFAULT_LABELS.get(track.tt, f"Track type {track.tt}")


def _segment_title(seg: Segment, tt: int) -> str:
    if tt == TT_TEXT:
        return f'"{seg.text or ""}"'
    for value in (seg.name, seg.text, seg.src):
        if isinstance(value, str) and value.strip():
            return value.strip()
    return "untitled"


def _content(track: Track) -> str:
    segs = track.segments
    if not segs:
        return "empty"
    if track.tt == TT_TEXT:
        return ", ".join(_segment_title(s, TT_TEXT) for s in segs[:3]) + (
            f" +{len(segs) - 3} more" if len(segs) > 3 else ""
        )
    if len(segs) > 1 and all(is_repeat(s) for s in segs[1:]):
        return f"{_segment_title(segs[0], track.tt)} ×{len(segs)}"  # a short song played again
    if len(segs) <= 2:
        return ", ".join(_segment_title(s, track.tt) for s in segs)
    return f"{len(segs)} clips"


def describe_track(track: Track) -> str:
    """`BGM: Lo-fi (0-10s, 35%)`: label, content, time range, and the volume for audio tracks."""
    content = _content(track)
    if not track.segments:
        return f"{track_label(track)}: {content}"
    span = f"{seconds(track.start_ms())}-{seconds(track.end_ms())}s"
    if track.tt == TT_AUDIO:
        span += f", {round(track.segments[0].vol * 100)}%"
    return f"{track_label(track)}: {content} ({span})"


def timeline_summary(draft: Draft | None) -> str:
    """The seed's one-line summary of every track, numbered from 1."""
    tracks = draft.tracks if draft is not None else []
    noun = "track" if len(tracks) == 1 else "tracks"
    head = f"Timeline ({len(tracks)} {noun})"
    if not tracks:
        return head + ": empty"
    return head + ": " + " ".join(f"{i}. {describe_track(t)}" for i, t in enumerate(tracks, 1))
