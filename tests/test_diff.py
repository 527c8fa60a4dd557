"""Two drafts -> short human sentences."""

from __future__ import annotations

from nemodesk.core.diff import draft_diff
from nemodesk.core.draft import Draft


def base(n: int = 4) -> dict:
    return {
        "m": {"width": 1920, "height": 1080},
        "t": [
            {
                "tt": 0,
                "m": {"name": "Photos"},
                "sg": [{"d": 3000, "m": {"src": f"media:{i}", "name": f"p{i}.jpg"}} for i in range(1, n + 1)],
            },
            {
                "tt": 1,
                "m": {"name": "BGM"},
                "sg": [{"d": 12000, "m": {"src": "media:m", "name": "Lo-fi", "vol": 0.35}}],
            },
            {
                "tt": 7,
                "m": {"name": "Title"},
                "sg": [{"d": 3000, "m": {"text": "Urban Dreams", "style": "title"}}],
            },
        ],
    }


def edited(fn) -> tuple[Draft, Draft]:
    a = base()
    b = base()
    fn(b)
    return Draft.decode(a), Draft.decode(b)


def test_identical_drafts_have_no_sentences():
    assert draft_diff(Draft.decode(base()), Draft.decode(base())) == []


def test_issue_examples():
    def change(b):
        b["t"][0]["sg"][2]["d"] = 2000
        b["t"][1]["sg"][0]["m"]["vol"] = 0.5
        b["m"]["width"], b["m"]["height"] = 1080, 1920

    out = draft_diff(*edited(change))
    assert out[:3] == ["Canvas 1920×1080 → 1080×1920", "Photo 3 now lasts 2 s", "Music volume 35% → 50%"]
    assert out[3] == "Video length 12 s → 11 s"


def test_added_removed_reordered():
    def change(b):
        sg = b["t"][0]["sg"]
        sg.pop(1)
        sg.reverse()
        sg.append({"d": 3000, "m": {"src": "media:9", "name": "new.jpg"}})

    out = draft_diff(*edited(change))
    assert "Added photo 4 (new.jpg)" in out
    assert "Removed photo p2.jpg" in out
    assert "Photos reordered: p4.jpg, p3.jpg, p1.jpg" in out


def test_transitions_effects_blur_fold_when_uniform():
    def change(b):
        for seg in b["t"][0]["sg"]:
            seg["m"]["tr"] = {"type": "crossfade", "d": 600}
            seg["m"]["fx"] = {"type": "kenburns"}
        b["t"][0]["sg"][0]["m"]["blur"] = 0.6

    out = draft_diff(*edited(change))
    assert "All 4 photos now use Ken Burns" in out
    assert "Transitions between all photos: crossfade (0.6 s)" in out
    assert "Photo 1 motion blur 0% → 60%" in out

    def one(b):
        b["t"][0]["sg"][1]["m"]["tr"] = {"type": "dip_black", "d": 1000}
        b["t"][0]["sg"][3]["m"]["fx"] = {"type": "zoom_in"}

    out = draft_diff(*edited(one))
    assert out == [
        "Photo 4 effect: no motion → zoom in",
        "Transition after photo 2: cut → dip black (1 s)",
        "Video length 12 s → 11 s",
    ]


def test_music_added_removed_and_title():
    def no_music(b):
        b["t"].pop(1)

    a, b = edited(no_music)
    assert draft_diff(a, b) == ["Music removed"]
    assert draft_diff(b, a) == ["Music added: Lo-fi (35%)"]

    def title(b):
        b["t"][2]["sg"][0]["m"]["text"] = "Lisbon"
        b["t"][2]["sg"].append({"s": 5000, "d": 2000, "m": {"text": "The end", "style": "caption"}})

    out = draft_diff(*edited(title))
    assert out == ['Title "Urban Dreams" → "Lisbon"', 'Added text "The end" (2 s)']


def test_from_nothing_and_long_lists_are_capped():
    after = Draft.decode(base(12))
    assert draft_diff(None, after)[0] == "Added photo 1 (p1.jpg)"
    out = draft_diff(None, after)
    assert len(out) == 8 and out[-1].startswith("…and ") and out[-1].endswith("more changes")
