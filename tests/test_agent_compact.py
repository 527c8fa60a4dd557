"""The agent's fast paths: column undo patches, read-once summary views, and the `validated` promise."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from helpers_agent import Chat, session
from nemodesk.core.draft import Draft, DraftError, validate
from nemodesk.core.summary import timeline_summary
from nemodesk.engine.agent import history
from nemodesk.engine.agent.replies import summary
from nemodesk.engine.agent.snapshot import snapshot

scalars = (
    st.none() | st.booleans() | st.integers(-3, 3) | st.floats(-3, 3, allow_nan=False) | st.text(max_size=2)
)
nested = st.dictionaries(st.just("x"), scalars, max_size=1)
rows = st.lists(  # segments alike: the same plain keys in every row, some optional ones, a nested dict
    st.fixed_dictionaries({"d": scalars, "s": scalars}, optional={"m": nested, "e": scalars}),
    min_size=8,
    max_size=14,
)


@st.composite
def row_edits(draw: st.DrawFn) -> tuple[list[dict], list[dict]]:
    """A list of dicts and a copy where many rows changed values (sometimes types, keys or nested dicts)."""
    a = draw(rows)
    b = json.loads(json.dumps(a))
    for row in b:
        for k in list(row):
            if draw(st.integers(0, 3)):
                row[k] = draw(scalars if draw(st.integers(0, 5)) else nested)
        if draw(st.integers(0, 15)) == 0:
            row[draw(st.sampled_from("dsmez"))] = draw(scalars)
        if draw(st.integers(0, 15)) == 0:
            row.pop(draw(st.sampled_from("dsmez")), None)
    return a, b


@given(row_edits())
@settings(max_examples=300, deadline=None)
def test_column_patches_give_the_target_and_undo_exactly(pair: tuple[list[dict], list[dict]]) -> None:
    a, b = pair
    doc_a, doc_b = {"t": [{"sg": a}]}, {"t": [{"sg": b}]}
    ops = history.diff(doc_a, doc_b)
    assert history.apply(history.clone(doc_a), ops) == doc_b
    e = history.entry(doc_a, doc_b, "edit")  # the way back
    assert history.matches(doc_b, e)
    restored, back = history.step(doc_b, e)
    assert restored == doc_a
    assert history.step(restored, back)[0] == doc_b
    json.dumps(e)


def test_a_duration_change_over_many_photos_is_stored_as_columns() -> None:
    chat = Chat(session(60))
    chat.say("make a slideshow")
    before = chat.draft.encode()
    chat.say("make each photo 2 seconds")
    after = chat.draft.encode()
    e = chat.memory.undo[-1]
    cols = [op for op in e["patch"] if len(op) == 2 and isinstance(op[1], dict) and history.COLS in op[1]]
    assert cols and {tuple(rel) for rel, _values in cols[0][1][history.COLS]} >= {("d",), ("s",)}
    per_value = sum(len(json.dumps([["t", 0, "sg", i, k], 3000])) for i in range(60) for k in "ds")
    assert history.size(e) < per_value / 2  # one op per duration and start would be twice as big
    chat.say("undo")
    assert chat.draft.raw == before
    chat.say("redo")
    assert chat.draft.raw == after


def test_an_effect_on_every_photo_is_stored_as_columns_and_undoes() -> None:
    chat = Chat(session(40))
    chat.say("make a slideshow")
    before = chat.draft.encode()
    chat.say("zoom in on all photos")
    after = chat.draft.encode()
    assert after != before
    e = chat.memory.undo[-1]
    assert any(len(op) == 2 and isinstance(op[1], dict) and history.COLS in op[1] for op in e["patch"])
    assert history.size(e) < len(json.dumps(before["t"][0]["sg"])) / 3
    chat.say("undo")
    assert chat.draft.raw == before
    chat.say("redo")
    assert chat.draft.raw == after


def test_a_column_patch_refuses_a_draft_changed_elsewhere() -> None:
    chat = Chat(session(12))
    chat.say("make a slideshow")
    chat.say("each photo 2 seconds")
    chat.draft.video_track().segments[7].d = 2500  # one value in the middle of the column
    before = chat.draft.encode()
    turn = chat.say("undo")
    assert not turn.changed and chat.draft.raw == before and "changed elsewhere" in turn.text


def test_patches_in_the_old_one_op_per_value_form_still_undo() -> None:
    before = {"t": [{"tt": 0, "sg": [{"s": i * 3000, "d": 3000} for i in range(10)]}]}
    after = {"t": [{"tt": 0, "sg": [{"s": i * 2000, "d": 2000} for i in range(10)]}]}
    ops = [[["t", 0, "sg", i, k], before["t"][0]["sg"][i][k]] for i in range(10) for k in ("d", "s")]
    old_style = {"label": "set_duration", "patch": ops, "check": history._check(after, ops),
                 "shape": history.shape(after)}  # fmt: skip
    assert history.matches(after, old_style)
    restored, back = history.step(after, old_style)
    assert restored == before and history.step(restored, back)[0] == after


def _drafts() -> list[Draft]:
    chat = Chat(session(9, with_song=True))
    out = []
    for msg in ("make a slideshow", 'add a title "Summer"', "add a caption 'hello' on photo 2",
                "make each photo 2.5 seconds", "make it vertical", "remove the music"):  # fmt: skip
        chat.say(msg)
        out.append(chat.draft)
    loose = chat.draft.copy()  # a draft from elsewhere: starts missing, the layout has to be computed
    for seg in loose.raw["t"][0]["sg"][3:]:
        seg.pop("s", None)
    out.append(loose)
    out.append(Draft.new())
    return out


def test_read_views_answer_like_the_core_views() -> None:
    for draft in _drafts():
        before = json.dumps(draft.raw, sort_keys=True)
        snap = snapshot(draft)
        assert snap.duration_ms() == draft.duration_ms()
        assert [(t.start_ms(), t.end_ms()) for t in snap.tracks] == [
            (t.start_ms(), t.end_ms()) for t in draft.tracks
        ]
        assert summary(snap, "en") == timeline_summary(draft) == summary(draft, "en")
        assert summary(snap, "zh-CN") == summary(draft, "zh-CN")
        assert json.dumps(draft.raw, sort_keys=True) == before  # reading never edits


def test_a_turn_says_whether_it_validated_the_draft_it_returns() -> None:
    chat = Chat(session(4))
    turn = chat.say("make a slideshow")
    assert turn.changed and turn.validated
    turn = chat.say("each photo 2 seconds")
    assert turn.validated
    turn = chat.say("undo")
    assert turn.changed and turn.validated
    turn = chat.say("blargh qwerty")  # not understood: the draft given is returned, not validated here
    assert not turn.changed and not turn.validated
    turn = chat.say("move photo 9 to the front")  # refused: nothing new to vouch for
    assert not turn.changed and not turn.validated


def test_validated_drafts_really_are_valid() -> None:
    chat = Chat(session(5))
    for msg in ("make a slideshow", "reverse the order", "shuffle", "make it square", "undo", "undo", "redo"):
        turn = chat.say(msg)
        if turn.validated:
            try:
                validate(turn.draft.raw)
            except DraftError as err:  # pragma: no cover - the failure message is the point
                raise AssertionError(f"{msg!r}: {err}") from None
