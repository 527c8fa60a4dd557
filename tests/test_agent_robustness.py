"""Whatever is typed, the agent answers without raising and leaves a valid draft; numbers in words."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers_agent import Chat, session
from nemodesk.core.draft import validate
from nemodesk.engine.agent.numbers import normalise_numbers

FRAGMENTS = [
    "make", "a", "slideshow", "photo", "3", "the last one", "each", "seconds", "2.5", "move", "to the front",
    "swap", "and", "remove", "title", "“Hi”", "「城市」", "music", "volume", "35%", "fade out", "undo", "redo",
    "vertical", "square", "transitions", "none", "mixed", "zoom in", "pan left", "motion blur", "sync to the beat",
    "fit to the music", "每张", "秒", "第三张", "放到最前面", "最后一张", "删除", "倒序", "随机", "音量", "撤销",
    "重做", "竖屏", "加标题", "字幕", "转场", "黑场", "十", "两", "三", ",", "，", "then", "然后", "photos 1, 2",
    "0", "-1", "999999", "1e9", "photo 0", "第0张", "rocket.jpg", "'", '"', "“", "」", "\n", "🙂",
]  # fmt: skip


@given(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=10), st.text(max_size=20))
@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_message_gives_an_answer_and_a_valid_draft(words: list[str], noise: str) -> None:
    chat = Chat(session(4))
    chat.say("make a slideshow")
    for msg in (" ".join(words), noise, "".join(words)):
        turn = chat.say(msg)
        assert turn.text.strip()
        assert turn.language in ("en", "zh-CN")
        validate(turn.draft.raw)
        if not turn.changed:
            assert turn.draft.raw == chat.turns[-2].draft.raw if len(chat.turns) > 1 else True


def test_numbers_in_words_and_chinese_numerals() -> None:
    cases = {
        "three seconds": "3 seconds",
        "twenty-five percent": "25 percent",
        "one and a half seconds": "1.5 seconds",
        "half a second": "0.5 second",
        "三秒": "3秒",
        "两秒": "2秒",
        "十张": "10张",
        "二十五秒": "25秒",
        "一秒半": "1.5秒",
        "百分之三十五": "35%",
        "统一三秒": "统一3秒",
        "the last one": "the last one",
        "第三张": "第3张",
        "一百零五": "105",
    }
    for text, expected in cases.items():
        assert normalise_numbers(text) == expected, text


def test_numbers_in_words_drive_edits() -> None:
    chat = Chat(session(12))
    chat.say("用前十张做幻灯片")
    assert len(chat.video) == 10
    chat.say("每张两秒")
    assert chat.durations == [2000] * 10
    chat.say("three seconds per photo")
    assert chat.durations == [3000] * 10
    chat.say("第三张三秒半")
    assert chat.durations[2] == 3500
    chat.say("photo two for one and a half seconds")
    assert chat.durations[1] == 1500
    chat.say("make the tenth photo twelve seconds")
    assert chat.durations[9] == 12000


def test_per_photo_fit_and_canvas_fit() -> None:
    chat = Chat(session(3))
    chat.say("make a slideshow")
    chat.say("photo 2 fill the frame")
    assert [s.fit for s in chat.video] == [None, "cover", None]
    assert chat.draft.canvas.fit == "blur"
    chat.say("完整显示照片")
    assert chat.draft.canvas.fit == "contain" and [s.fit for s in chat.video] == [None, None, None]
