"""Undo/redo patches: exact round trips on random drafts, compact reorders, refusal on foreign changes."""

from __future__ import annotations

import json
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from helpers_agent import Chat, session
from nemodesk.engine.agent import history

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=3),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=2), kids, max_size=4),
    max_leaves=20,
)


@given(json_values, json_values)
@settings(max_examples=300, deadline=None)
def test_diff_then_apply_gives_the_target(a, b) -> None:
    ops = history.diff(a, b)
    out = history.apply(json.loads(json.dumps(a)), ops)
    assert out == b
    json.dumps(ops)  # patches are plain JSON


def _segments(n: int) -> list[dict]:
    return [{"s": i * 3000, "d": 3000, "m": {"src": f"media:{i}", "name": f"p{i}.jpg"}} for i in range(n)]


def test_reorder_of_1000_photos_is_stored_compactly_and_undoes_exactly() -> None:
    before = {"t": [{"tt": 0, "sg": _segments(1000)}]}
    after = json.loads(json.dumps(before))
    sg = after["t"][0]["sg"]
    sg.append(sg.pop(0))
    del sg[500]
    random.Random(1).shuffle(sg[10:20])
    e = history.entry(before, after, "move")
    assert history.size(e) < 20_000  # an index list, not 1,000 segments (~80 KB)
    assert history.matches(after, e)
    restored, back = history.step(after, e)
    assert restored == before
    again, _ = history.step(restored, back)
    assert again == after


def test_a_foreign_change_makes_undo_refuse() -> None:
    chat = Chat(session(4))
    chat.say("make a slideshow")
    chat.say("each photo 2 seconds")
    chat.draft.video_track().segments[0].d = 1234  # someone else edited the draft (the UI, a cloud fetch)
    before = chat.draft.encode()
    turn = chat.say("undo")
    assert not turn.changed and chat.draft.raw == before
    assert "changed elsewhere" in turn.text
    assert chat.memory.undo == [] and turn.calls[0].result["ok"] is False
