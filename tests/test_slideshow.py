"""The shared slideshow builder: the draft the agent and the CLI both produce."""

from __future__ import annotations

import pytest

from nemodesk.core.draft import TT_AUDIO, TT_TEXT, Draft, validate
from nemodesk.core.slideshow import KEN_BURNS_MOVES, MediaRef, build_slideshow


def refs(n: int) -> list[MediaRef]:
    return [MediaRef(f"media:{i:064x}", f"IMG_{i}.jpg") for i in range(n)]


def test_photos_in_order_with_crossfades_and_alternating_moves():
    d = build_slideshow(refs(5))
    validate(d.raw)
    segs = d.video_track().segments
    assert [s.name for s in segs] == [f"IMG_{i}.jpg" for i in range(5)]
    assert all(s.d == 3000 for s in segs)
    assert [s.tr.type for s in segs[:-1]] == ["crossfade"] * 4 and segs[-1].tr is None
    assert [s.s for s in segs] == [0, 2400, 4800, 7200, 9600]
    assert d.duration_ms() == 12600
    moves = [(tuple(s.fx.start), tuple(s.fx.end)) for s in segs]
    assert moves[:4] == list(KEN_BURNS_MOVES) and moves[4] == KEN_BURNS_MOVES[0]
    assert d.canvas.size == (1920, 1080) and d.canvas.fps == 30


def test_music_is_trimmed_to_the_video_and_title_added():
    d = build_slideshow(
        refs(2),
        music=MediaRef("media:m", "song.m4a", duration_ms=60000),
        aspect="9:16",
        title="Urban Dreams",
        seconds=2,
        transition="dip_black",
        transition_ms=500,
    )
    assert d.canvas.size == (1080, 1920)
    music = d.first_track(TT_AUDIO).segments[0]
    assert music.d == d.duration_ms() == 3500 and music.fo == 1750 and music.vol == 0.8
    title = d.first_track(TT_TEXT).segments[0]
    assert title.text == "Urban Dreams" and title.d == 3000 and title.style == "title"
    assert Draft.decode(d.encode()).encode() == d.encode()


def test_short_music_ends_early_and_cuts_have_no_overlap():
    d = build_slideshow(refs(3), music=MediaRef("media:m", "jingle.mp3", duration_ms=4000), transition="cut")
    assert d.first_track(TT_AUDIO).segments[0].d == 4000
    assert d.duration_ms() == 9000
    assert all(s.tr is None for s in d.video_track().segments)


def test_transition_never_eats_most_of_a_short_photo():
    d = build_slideshow(refs(2), seconds=0.5, transition_ms=2000)
    assert d.video_track().segments[0].tr.d == 200


@pytest.mark.parametrize(
    "kwargs", [{"aspect": "3:7"}, {"transition": "spin"}, {"fx": "wobble"}, {"seconds": 0}]
)
def test_bad_options_are_refused(kwargs):
    with pytest.raises(ValueError):
        build_slideshow(refs(1), **kwargs)


def test_no_photos_is_refused():
    with pytest.raises(ValueError, match="at least one photo"):
        build_slideshow([])
