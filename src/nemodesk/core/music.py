"""Laying a song under the video: trimmed when it is longer, repeated back to back when it is shorter.

The slideshow builder and every edit of the local agent lay the music with this, so a 30-second song under a
60-second slideshow plays twice instead of leaving the second half silent. The first segment is the song as
the user set it (source, volume, offset into the song, fade-in); the repeats follow it, each marked with
`m.loop` so the next relayout can tell them from segments somebody placed on purpose, and the fade-out sits
on the last segment, wherever the music now ends.
"""

from __future__ import annotations

from nemodesk.core.draft import Segment, Track

LOOP_KEY = "loop"
# A last repeat shorter than this, or than the fade-out it would carry, is left out: a second of the song's
# opening bar at the very end sounds like a mistake. The music then ends a moment early, with its fade.
MIN_REPEAT_MS = 250


def is_repeat(seg: Segment) -> bool:
    return bool(seg.meta.get(LOOP_KEY))


def lay_song(track: Track, total_ms: float, source_ms: float | None, *, default_fade_out: float = 0) -> bool:
    """Lay the track's song (its first segment) from its start to `total_ms`, repeating it if it is shorter.

    `source_ms` is the song's length (None when unknown: then it is assumed long enough). `default_fade_out`
    is given to a song that the video cuts short and that has no fade-out of its own. Returns False, changing
    nothing, when the track holds segments other than one song and its repeats (a hand-made soundtrack is
    trimmed segment by segment by the caller instead).
    """
    segs = track.segments
    if not segs or any(not is_repeat(s) for s in segs[1:]):
        return False
    head = segs[0]
    start = float(head.s or 0)
    span = total_ms - start
    if span <= 0:
        track.set_segments([])
        return True
    fade_out = float(segs[-1].fo or 0)  # the user's fade-out lives on the last segment
    offset = float(head.in_ or 0)
    available = source_ms - offset if source_ms else None
    head.meta.pop(LOOP_KEY, None)
    shortest = max(MIN_REPEAT_MS, fade_out)
    if available is None or available <= 0 or available >= span - shortest:
        length = span if available is None or available <= 0 else min(span, available)
        cut_short = available is None or available > length + 1
        if cut_short and fade_out <= 0 and "fo" not in head.meta:
            fade_out = default_fade_out
        head.d = round(length)
        layout = [head]
    else:
        head.d = round(available)
        layout = [head]
        t = start + available
        while total_ms - t >= shortest:
            d = min(available, total_ms - t)
            rep = Segment.make(round(d), s=round(t), src=head.src, name=head.name, vol=head.vol, in_=head.in_)
            rep.meta[LOOP_KEY] = len(layout)
            layout.append(rep)
            t += d
    head.s = round(start)
    for seg in layout[:-1]:
        seg.fo = 0
    layout[-1].fo = round(fade_out)
    for seg in layout:
        if float(seg.fo or 0) > seg.d / 2:
            seg.fo = round(seg.d / 2)
        if float(seg.fi or 0) > seg.d / 2:
            seg.fi = round(seg.d / 2)
    track.set_segments(layout)
    return True


def song_tail(track: Track) -> Segment | None:
    """The segment where the music ends, which holds its fade-out."""
    segs = track.segments
    return segs[-1] if segs else None
