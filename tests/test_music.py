"""A song shorter than the video repeats (core/music.py), in the builder, through the agent's edits, and in the
rendered soundtrack."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from helpers_agent import Chat, photo, song
from nemodesk.core.diff import draft_diff
from nemodesk.core.draft import TT_AUDIO, Draft, Segment, Track
from nemodesk.core.music import LOOP_KEY, MIN_REPEAT_MS, lay_song
from nemodesk.core.slideshow import MediaRef, build_slideshow
from nemodesk.core.summary import timeline_summary
from nemodesk.engine.render.audio import RATE, mix


def _track(d: float = 20_000, **meta) -> Track:
    meta = {"src": "media:song", "name": "song.mp3", "vol": 0.8, "in_": 0, "fi": 1000, "fo": 2000, **meta}
    return Track.make(TT_AUDIO, "Music", [Segment.make(d, s=0, **meta)])


def _shape(track: Track) -> list[tuple]:
    return [(s.s, s.d, s.in_, s.fi, s.fo, s.vol, s.meta.get(LOOP_KEY)) for s in track.segments]


def test_a_long_song_is_cut_to_the_video_with_its_fade():
    t = _track(20_000, fo=0)
    t.segments[0].meta.pop("fo")
    assert lay_song(t, 12_000, 30_000, default_fade_out=2000)
    assert _shape(t) == [(0, 12_000, 0, 1000, 2000, 0.8, None)]


def test_a_short_song_repeats_to_the_end_with_the_fade_out_on_the_last_repeat():
    t = _track()
    assert lay_song(t, 70_000, 30_000)
    assert _shape(t) == [
        (0, 30_000, 0, 1000, 0, 0.8, None),
        (30_000, 30_000, 0, 0, 0, 0.8, 1),
        (60_000, 10_000, 0, 0, 2000, 0.8, 2),
    ]
    before = _shape(t)
    assert lay_song(t, 70_000, 30_000)  # laying again changes nothing (it runs after every edit)
    assert _shape(t) == before


def test_the_repeats_follow_the_video_and_the_song_settings():
    t = _track()
    lay_song(t, 70_000, 30_000)
    head = t.segments[0]
    head.vol, head.in_ = 0.5, 1000  # the user changed the volume; beat sync starts the song on its first beat
    t.segments[-1].fo = 3000  # and the fade-out, which is at the end of the music
    lay_song(t, 45_000, 30_000)
    assert _shape(t) == [(0, 29_000, 1000, 1000, 0, 0.5, None), (29_000, 16_000, 1000, 0, 3000, 0.5, 1)]
    lay_song(t, 20_000, 30_000)  # shorter than the song again: one segment keeps the user's fade-out
    assert _shape(t) == [(0, 20_000, 1000, 1000, 3000, 0.5, None)]


def test_a_sliver_of_a_repeat_is_left_out_and_fades_stay_within_a_segment():
    t = _track(fo=2000)
    lay_song(t, 30_000 + MIN_REPEAT_MS - 1, 30_000)
    assert [(s.d, s.fo) for s in t.segments] == [(30_000, 2000)]
    lay_song(t, 31_900, 30_000)  # too short to hold the fade-out: the song ends 1.9 s early, as before
    assert [(s.d, s.fo) for s in t.segments] == [(30_000, 2000)]
    lay_song(t, 33_000, 30_000)
    assert [(s.d, s.fo) for s in t.segments] == [(30_000, 0), (3000, 1500)]


def test_a_hand_made_soundtrack_is_left_to_the_caller():
    t = Track.make(TT_AUDIO, "Music", [Segment.make(5000, s=0, src="a"), Segment.make(5000, s=6000, src="b")])
    before = _shape(t)
    assert not lay_song(t, 60_000, 5000)
    assert _shape(t) == before


def test_the_builder_repeats_a_short_song():
    photos = [MediaRef(f"media:{i}", f"p{i}.jpg") for i in range(12)]
    draft = build_slideshow(photos, music=MediaRef("media:song", "song.mp3", duration_ms=20_000))
    total = draft.duration_ms()
    segs = draft.first_track(TT_AUDIO).segments
    assert total > 25_000 and len(segs) == 2
    assert segs[0].d == 20_000 and segs[1].s == 20_000 and segs[1].s + segs[1].d == round(total)
    assert segs[1].fo > 0 and segs[0].fo == 0


def test_agent_edits_keep_a_short_song_playing_to_the_end():
    chat = Chat([photo(i, f"IMG_{i}.jpg") for i in range(12)] + [song(duration_ms=20_000)])
    chat.say("make a slideshow with music")

    def music() -> list[Segment]:
        return chat.draft.first_track(TT_AUDIO).segments

    def ends_with_video() -> bool:
        last = music()[-1]
        return abs(last.s + last.d - chat.draft.duration_ms()) <= 1

    assert len(music()) == 2 and ends_with_video()
    chat.say("make photo 1 last 20 seconds")
    assert len(music()) == 3 and ends_with_video()
    chat.say("music volume 50%")
    assert {s.vol for s in music()} == {0.5}
    chat.say("fade out the music over 4 seconds")
    assert music()[-1].fo == min(4000, round(music()[-1].d / 2)) and music()[0].fo == 0
    for _ in range(3):
        chat.say("undo")
    assert len(music()) == 2 and ends_with_video() and {s.vol for s in music()} == {0.8}
    chat.say("remove photos 5 to 12")
    assert len(music()) == 1 and ends_with_video()


def test_the_rendered_soundtrack_plays_the_song_again_instead_of_silence(music: Path):
    """The 32-second sample song under 40 seconds of video: the last seconds are the song's opening again."""
    photos = [MediaRef(f"media:{i}", f"p{i}.jpg") for i in range(10)]
    song_ms = 32_000.0
    draft = build_slideshow(
        photos, music=MediaRef("media:song", "music.m4a", duration_ms=song_ms), seconds=4.5
    )
    total = draft.duration_ms()
    assert total > song_ms + 5000
    one = Draft.loads(draft.dumps())
    one.first_track(TT_AUDIO).set_segments(one.first_track(TT_AUDIO).segments[:1])  # as before: no repeat

    def rms(x: np.ndarray, a_ms: float, b_ms: float) -> float:
        return float(np.sqrt(np.mean(x[:, round(a_ms * RATE / 1000) : round(b_ms * RATE / 1000)] ** 2)))

    looped = mix(draft, lambda _src: music, total, normalise=False)
    silent_tail = mix(one, lambda _src: music, total, normalise=False)
    window = (song_ms + 500, total - 2500)  # after the song's first play, before the final fade
    assert rms(silent_tail, *window) == 0.0
    assert rms(looped, *window) > 0.3 * rms(looped, 1500, 6000)


def test_the_summary_and_the_diff_speak_of_one_song():
    chat = Chat([photo(i, f"IMG_{i}.jpg") for i in range(12)] + [song(duration_ms=20_000)])
    chat.say("make a slideshow with music")
    assert "Music: song.mp3 ×2 (0-29.4s, 80%)" in timeline_summary(chat.draft)
    before = chat.draft.copy()
    chat.say("make photo 1 last 20 seconds")
    sentences = draft_diff(before, chat.draft)
    assert sentences and not any("Music" in s for s in sentences), sentences
    before = chat.draft.copy()
    chat.say("fade out the music over 4 seconds")
    assert draft_diff(before, chat.draft) == ["Music fade-out 2 s → 3.2 s"]  # half the 6.4 s last repeat
