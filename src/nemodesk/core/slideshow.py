"""The slideshow draft: one builder shared by the local agent and `nemodesk-cli slideshow`.

A user who types "turn my photos into a slideshow" and one who runs the CLI must get the same video, so
both call this function instead of each assembling segments their own way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from nemodesk.core.draft import (
    CANVAS_PRESETS,
    FX_TYPES,
    TRANSITION_TYPES,
    TT_AUDIO,
    TT_TEXT,
    Draft,
    Effect,
    Segment,
    Track,
    Transition,
)
from nemodesk.core.music import lay_song

# Ken Burns moves as (from, to) in normalised centre x, y and zoom. Alternating them keeps a slideshow
# from feeling like the same push-in ten times; every move stays inside the photo at its zoom.
KEN_BURNS_MOVES: tuple[tuple[tuple[float, float, float], tuple[float, float, float]], ...] = (
    ((0.0, 0.0, 1.0), (0.04, 0.02, 1.18)),  # push in, drifting right and down
    ((-0.04, 0.02, 1.18), (0.0, 0.0, 1.02)),  # pull out from the left
    ((-0.05, 0.0, 1.14), (0.05, 0.0, 1.14)),  # pan left to right
    ((0.02, -0.03, 1.06), (-0.02, 0.02, 1.22)),  # push in towards the lower left
)

# Fixed zoom for the simple named moves: enough room to pan without showing the photo's edge.
SIMPLE_MOVES: dict[str, tuple[tuple[float, float, float], tuple[float, float, float]]] = {
    "zoom_in": ((0.0, 0.0, 1.0), (0.0, 0.0, 1.25)),
    "zoom_out": ((0.0, 0.0, 1.25), (0.0, 0.0, 1.0)),
    "pan_left": ((0.06, 0.0, 1.15), (-0.06, 0.0, 1.15)),
    "pan_right": ((-0.06, 0.0, 1.15), (0.06, 0.0, 1.15)),
    "pan_up": ((0.0, 0.06, 1.15), (0.0, -0.06, 1.15)),
    "pan_down": ((0.0, -0.06, 1.15), (0.0, 0.06, 1.15)),
}

ASPECT_WORDS = {
    "16:9": "16:9",
    "landscape": "16:9",
    "9:16": "9:16",
    "vertical": "9:16",
    "portrait": "9:16",
    "1:1": "1:1",
    "square": "1:1",
    "4:5": "4:5",
}

MUSIC_VOLUME = 0.8
MUSIC_FADE_IN_MS = 500
MUSIC_FADE_OUT_MS = 2000
TITLE_MS = 3000
# The tracks' names (what the timeline's lane headers show). English unless the caller passes its own, such
# as the agent in a Chinese session.
TRACK_NAMES = {"video": "Photos", "audio": "Music", "title": "Title"}


@dataclass(frozen=True)
class MediaRef:
    """A photo or song as the builder needs it: where it is (`src`), what to call it, how long it lasts."""

    src: str
    name: str
    duration_ms: float | None = None
    width: int | None = None
    height: int | None = None


def effect_for(fx: str, index: int) -> Effect | None:
    """The Ken Burns move for the photo at `index` (alternating), or a named simple move."""
    if fx == "none":
        return None
    if fx == "kenburns":
        start, end = KEN_BURNS_MOVES[index % len(KEN_BURNS_MOVES)]
        return Effect.make("kenburns", start, end, "inout")
    if fx in SIMPLE_MOVES:
        start, end = SIMPLE_MOVES[fx]
        return Effect.make(fx, start, end, "inout")
    raise ValueError(f"unknown effect {fx!r}; choose one of {', '.join(FX_TYPES)}")


def canvas_for(aspect: str) -> tuple[int, int]:
    key = ASPECT_WORDS.get(aspect.strip().lower(), aspect.strip())
    if key not in CANVAS_PRESETS:
        raise ValueError(f"unknown aspect {aspect!r}; choose one of {', '.join(CANVAS_PRESETS)}")
    return CANVAS_PRESETS[key]


def build_slideshow(
    photos: Sequence[MediaRef],
    *,
    music: MediaRef | None = None,
    aspect: str = "16:9",
    seconds: float = 3.0,
    transition: str = "crossfade",
    transition_ms: int = 600,
    title: str | None = None,
    fx: str = "kenburns",
    fps: float = 30,
    names: dict[str, str] | None = None,
) -> Draft:
    """Photos in order, `seconds` each, joined by `transition`, music under the whole video, title on top.

    `names` overrides TRACK_NAMES (keys "video", "audio", "title"), for tracks named in the user's language."""
    track_names = {**TRACK_NAMES, **(names or {})}
    if not photos:
        raise ValueError("a slideshow needs at least one photo")
    if not 0.2 <= seconds <= 600:
        raise ValueError("seconds per photo must be between 0.2 and 600")
    if transition not in TRANSITION_TYPES:
        raise ValueError(f"unknown transition {transition!r}; choose one of {', '.join(TRANSITION_TYPES)}")
    width, height = canvas_for(aspect)
    draft = Draft.new(width, height, fps, title=title)
    seg_ms = round(seconds * 1000)
    # A transition may not eat more than 40% of a photo, or holds vanish between fades.
    tr_ms = 0 if transition == "cut" else min(transition_ms, int(seg_ms * 0.4))
    segments = []
    for i, photo in enumerate(photos):
        last = i == len(photos) - 1
        segments.append(
            Segment.make(
                seg_ms,
                src=photo.src,
                name=photo.name,
                fx=effect_for(fx, i),
                tr=None if last or transition == "cut" else Transition.make(transition, tr_ms),
            )
        )
    video = draft.video_track(create=True)
    video.name = track_names["video"]
    video.set_segments(segments)
    draft.relayout()
    total = draft.duration_ms()
    if music is not None:
        length = total if music.duration_ms is None else min(total, music.duration_ms)
        track = Track.make(TT_AUDIO, track_names["audio"], [Segment.make(
            round(length), s=0, src=music.src, name=music.name, vol=MUSIC_VOLUME, in_=0,
            fi=MUSIC_FADE_IN_MS, fo=min(MUSIC_FADE_OUT_MS, round(length / 2)),
        )])  # fmt: skip
        lay_song(track, total, music.duration_ms)  # a song shorter than the video repeats
        draft.add_track(track)
    if title:
        draft.add_track(Track.make(TT_TEXT, track_names["title"], [Segment.make(
            min(TITLE_MS, round(total)), s=0, text=title, style="title", pos="center",
        )]))  # fmt: skip
    return draft
