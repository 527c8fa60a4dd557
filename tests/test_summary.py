"""The timeline summary in the seed's exact format."""

from __future__ import annotations

from nemodesk.core.draft import Draft
from nemodesk.core.summary import seconds, timeline_summary

SEED = 'Timeline (3 tracks): 1. Video: city timelapse (0-10s) 2. BGM: Lo-fi (0-10s, 35%) 3. Title: "Urban Dreams" (0-3s)'


def seed_draft() -> Draft:
    return Draft.decode(
        {
            "m": {"width": 1920, "height": 1080},
            "t": [
                {"tt": 0, "sg": [{"d": 10000, "m": {"name": "city timelapse"}}]},
                {
                    "tt": 1,
                    "m": {"name": "BGM"},
                    "sg": [{"s": 0, "d": 10000, "m": {"name": "Lo-fi", "vol": 0.35}}],
                },
                {"tt": 7, "m": {"name": "Title"}, "sg": [{"s": 0, "d": 3000, "m": {"text": "Urban Dreams"}}]},
            ],
        }
    )


def test_seed_example_reproduced_exactly():
    assert timeline_summary(seed_draft()) == SEED


def test_default_labels_several_clips_and_fractional_seconds():
    d = Draft.decode(
        {
            "t": [
                {
                    "tt": 0,
                    "sg": [
                        {"d": 2500, "m": {"name": "a.jpg", "tr": {"type": "crossfade", "d": 500}}},
                        {"d": 2500, "m": {"name": "b.jpg"}},
                        {"d": 3000, "m": {"name": "c.jpg"}},
                    ],
                },
                {"tt": 1, "sg": [{"d": 7000, "m": {"src": "media:1"}}]},
                {
                    "tt": 7,
                    "sg": [
                        {"s": 1000, "d": 1500, "m": {"text": "Hi"}},
                        {"s": 3000, "d": 1000, "m": {"text": "Bye"}},
                    ],
                },
                {"tt": 0, "sg": []},
            ]
        }
    )
    assert timeline_summary(d) == (
        "Timeline (4 tracks): 1. Video: 3 clips (0-7.5s) 2. Audio: media:1 (0-7s, 100%) "
        '3. Text: "Hi", "Bye" (1-4s) 4. Video: empty'
    )


def test_empty_and_single_track():
    assert timeline_summary(None) == "Timeline (0 tracks): empty"
    one = Draft.decode(
        {"t": [{"tt": 0, "m": {"name": "Photos"}, "sg": [{"d": 1000, "m": {"name": "x.jpg"}}]}]}
    )
    assert timeline_summary(one) == "Timeline (1 track): 1. Photos: x.jpg (0-1s)"


def test_seconds_formatting():
    assert [seconds(v) for v in (0, 10000, 2500, 1234, 999)] == ["0", "10", "2.5", "1.2", "1"]
