"""The draft model: decoding, validation with paths, layout, round trips."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nemodesk.core.draft import (
    FX_TYPES,
    TRANSITION_TYPES,
    TT_AUDIO,
    TT_TEXT,
    TT_VIDEO,
    Draft,
    DraftError,
    Effect,
    Segment,
    Track,
    Transition,
    validate,
)

SAMPLE = {
    "m": {"title": "Lisbon trip", "width": 1920, "height": 1080, "fps": 30, "fit": "blur", "cloudKey": 1},
    "t": [
        {
            "tt": 0,
            "m": {"name": "Photos"},
            "sg": [
                {
                    "s": 0,
                    "d": 3000,
                    "m": {
                        "src": "media:9f2c",
                        "name": "IMG_0412.HEIC",
                        "fx": {
                            "type": "kenburns",
                            "from": [0, 0, 1.0],
                            "to": [0.1, 0.05, 1.25],
                            "ease": "inout",
                        },
                        "blur": 0.6,
                        "fit": "cover",
                        "tr": {"type": "crossfade", "d": 600},
                    },
                },
                {"d": 3000, "m": {"src": "media:aa", "x-cloud": {"nested": [1, 2]}}, "extraSeg": True},
            ],
        },
        {
            "tt": 1,
            "m": {"name": "BGM"},
            "sg": [
                {
                    "s": 0,
                    "d": 30000,
                    "m": {"src": "media:77ab", "name": "Lo-fi", "vol": 0.35, "in": 0, "fi": 500, "fo": 2000},
                }
            ],
        },
        {
            "tt": 7,
            "m": {"name": "Title"},
            "sg": [{"s": 0, "d": 3000, "m": {"text": "Urban Dreams", "style": "title", "pos": "center"}}],
        },
        {"tt": 42, "weird": "track"},
    ],
    "topLevelUnknown": {"a": [None, 1.5]},
}


def test_decode_reads_typed_values_and_keeps_unknown_keys():
    d = Draft.decode(SAMPLE)
    assert d.canvas.size == (1920, 1080) and d.canvas.title == "Lisbon trip"
    video = d.video_track()
    seg = video.segments[0]
    assert seg.fx.type == "kenburns" and seg.fx.end == [0.1, 0.05, 1.25]
    assert seg.tr.type == "crossfade" and seg.tr.d == 600 and seg.blur == 0.6
    assert video.segments[1].unknown() == {"extraSeg": True}
    assert video.segments[1].unknown_meta() == {"x-cloud": {"nested": [1, 2]}}
    assert d.unknown() == {"topLevelUnknown": {"a": [None, 1.5]}}
    assert d.encode() == SAMPLE


def test_missing_start_follows_previous_segment_with_transition_overlap():
    d = Draft.decode(SAMPLE)
    placed = d.video_track().placed()
    assert [p.start for p in placed] == [0, 2400]
    assert d.duration_ms() == 5400


def test_audio_segments_without_start_lie_end_to_end():
    t = Track.make(
        TT_AUDIO, "BGM", [Segment.make(1000, tr={"type": "crossfade", "d": 500}), Segment.make(1000)]
    )
    assert [p.start for p in t.placed()] == [0, 1000]


def test_editing_through_views_writes_the_dict_and_relayout_sets_starts():
    d = Draft.new()
    v = d.video_track(create=True)
    v.set_segments(
        [Segment.make(2000, src="media:a", tr=Transition.make("cut")), Segment.make(2000, src="media:b")]
    )
    v.segments[0].d = 4000
    v.segments[1].fx = Effect.make("zoom_in")
    d.relayout()
    assert [s.s for s in d.video_track().segments] == [0, 4000]
    assert d.encode()["t"][0]["sg"][1]["m"]["fx"] == {"type": "zoom_in"}
    v.segments[1].fx = None
    assert "fx" not in d.encode()["t"][0]["sg"][1]["m"]


@pytest.mark.parametrize(
    ("doc", "path", "msg"),
    [
        ([], "draft", "must be an object"),
        ({"t": {}}, "t", "must be a list"),
        ({"t": [{"tt": 0, "sg": [{"d": 1}, {"d": 1}, {"d": 1}, {"d": 0}]}]}, "t[0].sg[3].d", "must be > 0"),
        ({"t": [{"tt": 0, "sg": [{"d": 1e12}]}]}, "t[0].sg[0].d", "must be <= 86400000"),
        ({"t": [{"tt": 0, "sg": [{"d": "3000"}]}]}, "t[0].sg[0].d", "must be a number"),
        ({"t": [{"tt": 0, "sg": [{"d": True}]}]}, "t[0].sg[0].d", "must be a number"),
        ({"t": [{"tt": 0, "sg": [{}]}]}, "t[0].sg[0].d", "is required"),
        ({"t": [{"tt": "0"}]}, "t[0].tt", "must be a whole number"),
        ({"t": [{"tt": 0, "sg": [{"d": 5, "s": -1}]}]}, "t[0].sg[0].s", "must be >= 0"),
        ({"m": {"width": 0}}, "m.width", "must be >= 16"),
        ({"m": {"width": 1920.5}}, "m.width", "must be a whole number"),
        ({"m": {"fps": 0}}, "m.fps", "must be > 0"),
        ({"m": {"fit": "stretch"}}, "m.fit", "must be one of"),
        ({"t": [{"tt": 1, "sg": [{"d": 5, "m": {"vol": 3}}]}]}, "t[0].sg[0].m.vol", "must be <= 2"),
        (
            {"t": [{"tt": 0, "sg": [{"d": 5, "m": {"fx": {"type": "spin"}}}]}]},
            "t[0].sg[0].m.fx.type",
            "must be one of",
        ),
        (
            {"t": [{"tt": 0, "sg": [{"d": 5, "m": {"fx": {"type": "kenburns", "to": [0, 0]}}}]}]},
            "t[0].sg[0].m.fx.to",
            "must be [x, y, zoom]",
        ),
        (
            {"t": [{"tt": 0, "sg": [{"d": 5, "m": {"tr": {"type": "crossfade", "d": -5}}}]}]},
            "t[0].sg[0].m.tr.d",
            "must be >= 0",
        ),
        ({"t": [{"tt": 7, "sg": [{"d": 5, "m": {"text": 5}}]}]}, "t[0].sg[0].m.text", "must be a string"),
    ],
)
def test_validator_names_the_path(doc, path, msg):
    with pytest.raises(DraftError) as info:
        validate(doc)
    assert info.value.path == path
    assert msg in str(info.value)
    assert str(info.value).startswith(path)


def test_loads_rejects_bad_json_with_draft_error():
    with pytest.raises(DraftError, match="not valid JSON"):
        Draft.loads("{")
    with pytest.raises(DraftError):
        Draft.loads("[" * 100000)


# --------------------------------------------------------------------------------------------- properties

finite = st.floats(min_value=0.001, max_value=86_400_000, allow_nan=False)
names = st.text(max_size=12)
unknown_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5) | st.floats(allow_nan=False),
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=4), kids, max_size=3),
    max_leaves=6,
)
extra_keys = st.dictionaries(st.sampled_from(["zz", "cloud", "x_y", "id"]), unknown_values, max_size=2)
point = st.tuples(st.floats(-1, 1), st.floats(-1, 1), st.floats(0.5, 3)).map(list)


@st.composite
def segments(draw, tt):
    meta = draw(extra_keys)
    if tt == TT_VIDEO:
        meta |= draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "src": names,
                    "name": names,
                    "blur": st.floats(0, 1),
                    "fit": st.sampled_from(["blur", "cover", "contain"]),
                    "fx": st.fixed_dictionaries(
                        {"type": st.sampled_from(FX_TYPES)}, optional={"from": point, "to": point}
                    ),
                    "tr": st.fixed_dictionaries(
                        {"type": st.sampled_from(TRANSITION_TYPES), "d": st.integers(0, 2000)}
                    ),
                },
            )
        )
    elif tt == TT_AUDIO:
        meta |= draw(st.fixed_dictionaries({}, optional={"src": names, "vol": st.floats(0, 2), "fi": finite}))
    else:
        meta |= draw(
            st.fixed_dictionaries(
                {}, optional={"text": names, "style": st.sampled_from(["title", "caption"])}
            )
        )
    seg = {"d": draw(finite | st.integers(1, 100000))} | draw(extra_keys)
    if draw(st.booleans()):
        seg["s"] = draw(st.integers(0, 100000))
    if meta or draw(st.booleans()):
        seg["m"] = meta
    return seg


@st.composite
def drafts(draw):
    tracks = []
    for tt in draw(st.lists(st.sampled_from([TT_VIDEO, TT_AUDIO, TT_TEXT, 3]), max_size=4)):
        track = {"tt": tt, "sg": draw(st.lists(segments(tt), max_size=4))} | draw(extra_keys)
        if draw(st.booleans()):
            track["m"] = {"name": draw(names)}
        tracks.append(track)
    doc = {"t": tracks} | draw(extra_keys)
    if draw(st.booleans()):
        doc["m"] = {"width": draw(st.integers(16, 8192)), "height": draw(st.integers(16, 8192)), "fps": 30}
    return doc


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(drafts())
def test_encode_decode_is_identity_on_valid_drafts(doc):
    d = Draft.decode(doc)
    assert d.encode() == doc
    assert Draft.loads(json.dumps(doc)).encode() == doc
    assert math.isfinite(d.duration_ms())


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
    lambda kids: (
        st.lists(kids, max_size=4)
        | st.dictionaries(
            st.sampled_from(["t", "tt", "sg", "d", "s", "m", "fx", "tr", "type", "from", "width", "vol"]),
            kids,
            max_size=4,
        )
    ),
    max_leaves=30,
)


@settings(max_examples=500)
@given(json_values)
def test_validator_raises_only_its_own_error(doc):
    try:
        Draft.decode(doc)
    except DraftError as err:
        assert err.problems
