"""The agent's flows: slideshow, reorder, undo/redo, unknown requests, languages, the API shapes."""

from __future__ import annotations

from helpers_agent import Chat, session
from nemodesk.core.draft import TT_AUDIO, TT_TEXT, Draft
from nemodesk.core.slideshow import MediaRef, build_slideshow
from nemodesk.engine.agent import AgentMemory


def _refs(chat: Chat) -> list[MediaRef]:
    return [MediaRef(m.id, m.name, m.duration_ms, m.width, m.height) for m in chat.media if m.kind == "image"]


def test_slideshow_is_exactly_the_shared_builder_with_the_bundled_bed() -> None:
    chat = Chat()
    turn = chat.say("turn my photos into a slideshow video with transitions and music")
    bed = next(m for m in chat.media if m.bundled)
    expected = build_slideshow(_refs(chat), music=MediaRef(bed.id, bed.name, bed.duration_ms))
    assert turn.changed
    assert turn.draft.raw == expected.raw
    assert turn.language == "en"
    assert [c.name for c in turn.calls] == ["edit_multitrack"]
    assert turn.calls[0].args["action"] == "slideshow"
    assert turn.calls[0].result["ok"] is True
    assert "Timeline (2 tracks)" in turn.text


def test_uploaded_music_wins_over_the_bed() -> None:
    chat = Chat(session(4, with_song=True))
    chat.say("make a slideshow")
    music = chat.draft.first_track(TT_AUDIO).segments[0]
    assert music.name == "song.mp3"


def test_slideshow_reorder_undo_redo_flow() -> None:
    chat = Chat()
    chat.say("做成幻灯片")
    original = chat.names
    after_slideshow = chat.draft.encode()
    t = chat.say("第三张放到最前面")
    assert t.language == "zh-CN"
    assert chat.names == [original[2], original[0], original[1], *original[3:]]
    moved = chat.draft.encode()
    t = chat.say("撤销")
    assert t.changed and chat.draft.raw == after_slideshow
    t = chat.say("redo")
    assert chat.draft.raw == moved
    t = chat.say("redo")
    assert not t.changed and "nothing to redo" in t.text
    chat.say("undo")
    chat.say("undo")
    assert chat.draft.raw == Draft.new().raw
    t = chat.say("undo")
    assert not t.changed


def test_unknown_request_changes_nothing_and_offers_three_examples() -> None:
    chat = Chat()
    chat.say("make a slideshow")
    before = chat.draft.encode()
    for msg, lang in (("what's the weather like tomorrow", "en"), ("今天天气怎么样", "zh-CN")):
        t = chat.say(msg)
        assert not t.changed and t.calls == []
        assert chat.draft.raw == before
        assert t.language == lang
        bullets = [line for line in t.text.splitlines() if line.startswith("• ")]
        assert len(bullets) == 3


def test_memory_round_trips_through_json_and_survives_garbage() -> None:
    chat = Chat()
    chat.say("make a slideshow")
    chat.say("swap photo 1 and 2")
    mem = AgentMemory.from_json(chat.memory.to_json())
    assert mem == chat.memory
    assert len(mem.undo) == 2
    assert AgentMemory.from_json("{not json") == AgentMemory()
    assert AgentMemory.from_json(None) == AgentMemory()


def test_edits_keep_music_and_title_in_line_with_the_video() -> None:
    chat = Chat()
    chat.say('make a slideshow with the title "Lisbon"')
    chat.say("each photo 1 second")
    total = chat.draft.duration_ms()
    music = chat.draft.first_track(TT_AUDIO).segments[0]
    assert music.d == total and music.fo > 0
    title = chat.draft.first_track(TT_TEXT).segments[0]
    assert title.text == "Lisbon" and title.d <= total
