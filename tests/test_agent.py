"""The agent's flows: slideshow, reorder, undo/redo, unknown requests, languages, the API shapes."""

from __future__ import annotations

import pytest

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


def test_animate_the_only_photo_cinematic_zoom_with_motion_blur() -> None:
    chat = Chat(session(1))
    turn = chat.say("animate this image with a cinematic zoom and motion blur effect")
    (seg,) = chat.video
    assert seg.d == 5000 and seg.s == 0 and seg.blur > 0
    assert seg.fx.type == "zoom_in" and seg.fx.ease == "inout"
    assert seg.fx.end[2] > seg.fx.start[2]  # a push-in: zoom grows
    assert turn.calls[0].args == {"action": "animate", "fx": "zoom_in", "blur": True, "ref": {"this": True}}
    # the same photo then pans, zooms out; "without blur" turns the blur off
    chat.say("pan right")
    assert chat.video[0].fx.type == "pan_right"
    chat.say("zoom out")
    assert chat.video[0].fx.type == "zoom_out"
    chat.say("remove the motion blur")
    assert chat.video[0].blur == 0


def test_animate_with_several_photos_asks_which_then_uses_the_named_one() -> None:
    chat = Chat(session(3))
    turn = chat.say("animate this image with a cinematic zoom")
    assert not turn.changed and "which one" in turn.text
    chat.say("让第二张动起来，电影感推近加动态模糊")
    (seg,) = chat.video
    assert seg.name == "coffee.png" and seg.fx.type == "zoom_in" and seg.blur > 0 and seg.d == 5000
    assert chat.memory.selected == chat.media[1].id


@pytest.mark.parametrize(
    ("message", "size"),
    [
        ("turning static photos into shareable videos for TikTok creators", (1080, 1920)),
        ("make a slideshow for Instagram Reels", (1080, 1920)),
        ("a YouTube Shorts slideshow please", (1080, 1920)),
        ("make a 9:16 slideshow", (1080, 1920)),
        ("slideshow for an Instagram post", (1080, 1350)),
        ("make a square slideshow", (1080, 1080)),
        ("slideshow for YouTube", (1920, 1080)),
        ("landscape slideshow", (1920, 1080)),
        ("convert five vacation photos in JPG format into a 1080p MP4", (1920, 1080)),
        ("做一个竖屏的幻灯片", (1080, 1920)),
        ("做成抖音视频", (1080, 1920)),
        ("做成方形的幻灯片", (1080, 1080)),
    ],
)
def test_slideshow_canvas_from_the_words(message: str, size: tuple[int, int]) -> None:
    chat = Chat()
    turn = chat.say(message)
    assert turn.calls[0].args["action"] == "slideshow"
    assert chat.draft.canvas.size == size
    assert len(chat.video) == (5 if "five" in message else 6)


def test_slideshow_options_fold_into_one_build() -> None:
    chat = Chat()
    chat.say("做成幻灯片，竖屏，每张两秒，转场用黑场，加标题「城市之梦」")
    bed = next(m for m in chat.media if m.bundled)
    expected = build_slideshow(
        _refs(chat), music=MediaRef(bed.id, bed.name, bed.duration_ms), aspect="9:16", seconds=2.0,
        transition="dip_black", title="城市之梦",
    )  # fmt: skip
    assert chat.draft.raw == expected.raw
    assert len(chat.turns[-1].calls) == 1


def test_first_n_photos_and_no_music() -> None:
    chat = Chat()
    chat.say("用前三张做幻灯片，不要音乐")
    assert chat.names == ["rocket.jpg", "coffee.png", "chelsea.png"]
    assert chat.draft.first_track(TT_AUDIO) is None


def test_sync_to_the_beat_of_the_bundled_bed_when_nothing_was_uploaded() -> None:
    chat = Chat()
    chat.say("make a slideshow without music")
    turn = chat.say("sync the cuts to the beat")
    assert "Added" in turn.text  # the bed came in first
    music = chat.draft.first_track(TT_AUDIO).segments[0]
    assert next(m for m in chat.media if m.id == music.src).bundled
    starts = [s.s for s in chat.video]
    assert all(s % 600 == 0 for s in starts)  # the bed: 100 BPM, a beat every 600 ms from 0
    assert music.d == chat.draft.duration_ms()


def test_shuffle_is_deterministic_and_differs_each_time() -> None:
    a, b = Chat(), Chat()
    for c in (a, b):
        c.say("make a slideshow")
        c.say("shuffle")
    assert a.names == b.names != [m.name for m in a.media if m.kind == "image"]
    first = a.names
    a.say("随机打乱顺序")
    assert sorted(a.names) == sorted(first) and a.names != first


def test_language_follows_each_message_and_the_hint_only_without_words() -> None:
    chat = Chat()
    assert chat.say("make a slideshow").language == "en"
    t = chat.say("每张2秒")
    assert t.language == "zh-CN" and "每张照片" in t.text and "时间线（" in t.text
    t = chat.say("undo")
    assert t.language == "en" and "Undid" in t.text
    assert chat.say("3", hint="zh-CN").language == "zh-CN"
    assert chat.say("👍", hint="en").language == "en"


def test_multi_step_undo_and_redo_and_new_edit_clears_redo() -> None:
    chat = Chat()
    chat.say("make a slideshow")
    s0 = chat.draft.encode()
    chat.say("每张2秒")
    chat.say("reverse the order")
    s2 = chat.draft.encode()
    chat.say("撤销两步")
    assert chat.draft.raw == s0
    chat.say("redo 2 times")
    assert chat.draft.raw == s2
    chat.say("undo")
    chat.say("make it square")
    t = chat.say("redo")
    assert not t.changed


def test_references_by_name_position_and_last() -> None:
    chat = Chat()
    chat.say("make a slideshow")
    chat.say("make grace_hopper.jpg 4 seconds")
    chat.say("the last one 5 seconds")
    chat.say("第二张两秒")
    assert chat.durations == [3000, 2000, 3000, 3000, 4000, 5000]
    chat.say("zoom in on hubble")
    assert chat.video[-1].fx.type == "zoom_in"
    assert chat.memory.selected == chat.video[-1].src
    chat.say("add motion blur to this one")
    assert chat.video[-1].blur > 0 and all(s.blur == 0 for s in chat.video[:-1])


def test_refusals_change_nothing_and_say_why() -> None:
    chat = Chat(session(3))
    t = chat.say("swap photo 1 and 2")
    assert not t.changed and "make a slideshow" in t.text
    chat.say("make a slideshow")
    before = chat.draft.encode()
    for msg, words in (
        ("photo 9 for 2 seconds", "no photo 9"),
        ("第九张删除", "没有第9张"),
        ("remove photos 1, 2 and 3", "empty"),
        ("make the video 0.1 seconds long", "0.2 s"),
        ("move photo 2 to position 7", "no position 7"),
    ):
        t = chat.say(msg)
        assert not t.changed, msg
        assert words in t.text, t.text
        assert chat.draft.raw == before
        assert t.calls and t.calls[0].result["ok"] is False
    chat.say("remove the music")
    t = chat.say("音乐音量50%")
    assert not t.changed and "音乐" in t.text


def test_partly_understood_message_applies_the_rest_and_says_what_was_skipped() -> None:
    chat = Chat()
    chat.say("make a slideshow")
    t = chat.say("make it square, and bake me a cake")
    assert chat.draft.canvas.size == (1080, 1080)
    assert "bake me a cake" in t.text


def test_a_thousand_photos() -> None:
    chat = Chat(session(1000, with_song=True))
    chat.say("make a slideshow")
    assert len(chat.video) == 1000
    chat.say("第500张放到最前面")
    assert chat.video[0].name == "IMG_0499.jpg"
    chat.say("sync to the beat")
    assert all(s.s % 500 == 0 for s in chat.video)
    chat.say("undo")
    chat.say("undo")
    assert chat.video[0].name == "rocket.jpg"
    assert len(chat.memory.to_json()) < 500_000


def test_a_parser_can_be_swapped_for_another_that_emits_the_same_intents() -> None:
    from nemodesk.engine.agent import respond
    from nemodesk.engine.agent.intents import Parsed, Ref, Swap, intent_from_args

    class ModelParser:  # what a local language model would do: emit tool-call JSON
        def parse(self, message, ctx):
            return Parsed([intent_from_args({"action": "swap", "a": {"pos": 1}, "b": {"pos": -1}})])

    chat = Chat()
    chat.say("make a slideshow")
    turn = respond(chat.draft, "whatever the model understood", chat.media, chat.memory, parser=ModelParser())
    names = [s.name for s in turn.draft.video_track().segments]
    assert names[0] == "hubble.jpg" and names[-1] == "rocket.jpg"
    assert intent_from_args(Swap(Ref(pos=1), Ref(name="a.jpg")).to_args()) == Swap(
        Ref(pos=1), Ref(name="a.jpg")
    )


def test_input_draft_is_never_mutated() -> None:
    chat = Chat()
    chat.say("make a slideshow")
    from nemodesk.engine.agent import respond

    before = chat.draft.encode()
    for msg in ("reverse", "每张2秒", "sync to the beat", "remove photo 1", "undo", "bogus"):
        respond(chat.draft, msg, chat.media, chat.memory)
        assert chat.draft.raw == before


def test_questions_outside_the_timeline_are_answered_without_edits() -> None:
    chat = Chat()
    chat.say("make a slideshow")
    before = chat.draft.encode()
    for msg, words in (
        ("export", "Export"),
        ("导出", "导出"),
        ("credits", "free"),
        ("余额", "免费"),
        ("status", "Timeline (2 tracks)"),
        ("显示时间线", "时间线（2 条轨道）"),
        ("help", "For example"),
    ):
        t = chat.say(msg)
        assert not t.changed and t.calls == [] and words in t.text, (msg, t.text)
        assert chat.draft.raw == before


def test_single_photo_request_with_several_uploaded_asks_which() -> None:
    chat = Chat(session(5))
    t = chat.say("convert a single product photo or landscape image into a 1080p MP4")
    assert not t.changed and t.calls[0].args["action"] == "animate"
    t = chat.say("convert photo 3 into a 1080p MP4")
    assert t.changed and chat.names == ["chelsea.png"] and chat.video[0].d == 5000


def test_ranges_of_photos() -> None:
    chat = Chat()
    chat.say("make a slideshow")
    chat.say("第1到3张每张2秒")
    assert chat.durations == [2000, 2000, 2000, 3000, 3000, 3000]
    chat.say("the last 2 photos 4 seconds each")
    assert chat.durations == [2000, 2000, 2000, 3000, 4000, 4000]
    chat.say("最后两张删除")
    assert chat.names == ["rocket.jpg", "coffee.png", "chelsea.png", "astronaut.png"]
    chat.say("这个视频二十秒")  # "this video": the whole video, not a photo
    assert chat.draft.duration_ms() == 20_000


def test_relative_moves() -> None:
    chat = Chat()
    chat.say("make a slideshow")
    chat.say("move photo 3 one place earlier")
    assert chat.names[:3] == ["rocket.jpg", "chelsea.png", "coffee.png"]
    chat.say("第一张后移两位")
    assert chat.names[:4] == ["chelsea.png", "coffee.png", "rocket.jpg", "astronaut.png"]
    t = chat.say("第一张往前移一位")
    assert not t.changed and "最前面" in t.text


def test_asking_for_more_photos_from_the_end_than_there_are_says_so_plainly() -> None:
    chat = Chat(session(4))
    chat.say("make a slideshow")
    turn = chat.say("delete the last 8 photos")
    assert not turn.changed
    assert "There is no photo 8 from the end: the timeline has 4." in turn.text
    assert "-8" not in turn.text
