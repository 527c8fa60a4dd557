"""Table-driven: each phrasing (half of them Chinese) and the exact draft change it must cause.

Every case starts from the same slideshow of six photos (built by the shared builder, not by the agent)
and lists the probes it changes with their expected values; every other probe must stay as it was, so a
phrasing that does the right thing plus something else fails too. `total` and `starts` are derived
(they follow durations and transitions) and are checked only when a case names them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

from helpers_agent import Chat, session
from nemodesk.core.draft import TT_AUDIO, TT_TEXT, Draft
from nemodesk.core.slideshow import MediaRef, build_slideshow
from nemodesk.engine.agent.parser import MIXED_TRANSITIONS

R, C, CH, A, G, H = (
    "rocket.jpg",
    "coffee.png",
    "chelsea.png",
    "astronaut.png",
    "grace_hopper.jpg",
    "hubble.jpg",
)
BASE = [R, C, CH, A, G, H]
XF = ("crossfade", 600)
BASE_TR = [XF] * 5 + [None]


def base_chat(with_song: bool = False) -> Chat:
    media = session(6, with_song=with_song)
    photos = [MediaRef(m.id, m.name, None, m.width, m.height) for m in media if m.kind == "image"]
    audio = [m for m in media if m.kind == "audio"]
    song = audio[0]
    draft = build_slideshow(photos, music=MediaRef(song.id, song.name, song.duration_ms))
    return Chat(media, draft)


def probes(d: Draft) -> dict[str, Any]:
    video = d.video_track()
    segs = video.segments if video else []
    music = d.first_track(TT_AUDIO)
    m = music.segments[0] if music and music.segments else None
    tail = music.segments[-1] if m else None  # a short song repeats: its fade-out is on the last repeat
    texts = [s for t in d.tracks_of(TT_TEXT) for s in t.segments]
    names = {s.src: s.name for s in segs}
    return {
        "names": [s.name for s in segs],
        "d": [s.d for s in segs],
        "size": d.canvas.size,
        "fit": d.canvas.fit,
        "seg_fit": [s.fit for s in segs],
        "tr": [(s.tr.type, s.tr.d) if s.tr else None for s in segs],
        "fx": [s.fx.type if s.fx else None for s in segs],
        "blur": [s.blur for s in segs],
        "title": next((s.text for s in texts if s.style == "title"), None),
        "captions": [(s.text, names.get(s.meta.get("anchor"))) for s in texts if s.style == "caption"],
        "music": (m.name, m.vol, m.fi, tail.fo) if m and tail else None,
        "music_in": m.in_ if m else None,
        "total": d.duration_ms(),
        "starts": [s.s for s in segs],
    }


DERIVED = {"total", "starts"}
E = dict[str, Any]


def moved(order: list[str]) -> E:
    """A reorder: names change; durations, effects per slot stay equal since the base is uniform."""
    return {"names": order, "fx": [_fx_of(n) for n in order]}


def _fx_of(name: str) -> str:
    return "kenburns"


def vol(v: float) -> E:
    return {"music": ("song.mp3", v, 500, 2000)}


CASES: list[tuple[str, E | Callable[[dict[str, Any]], None], dict[str, Any]]] = [
    # ---------------------------------------------------------------- English
    ("make each photo 2 seconds", {"d": [2000] * 6}, {}),
    ("four seconds per photo", {"d": [4000] * 6}, {}),
    ("photo 3 for 5 seconds", {"d": [3000, 3000, 5000, 3000, 3000, 3000]}, {}),
    ("make the last one 1.5 seconds", {"d": [3000] * 5 + [1500]}, {}),
    ("make the second photo four seconds", {"d": [3000, 4000, 3000, 3000, 3000, 3000]}, {}),
    ("rocket.jpg for 4 seconds", {"d": [4000] + [3000] * 5}, {}),
    ("make the video 20 seconds long", lambda p: _total_even(p, 20000), {}),
    ("move photo 3 to the front", moved([CH, R, C, A, G, H]), {}),
    ("put the last one first", moved([H, R, C, CH, A, G]), {}),
    ("swap photo 1 and photo 2", moved([C, R, CH, A, G, H]), {}),
    ("swap the first and the last photo", moved([H, C, CH, A, G, R]), {}),
    ("move the 2nd photo to the end", moved([R, CH, A, G, H, C]), {}),
    ("move coffee.png after chelsea", moved([R, CH, C, A, G, H]), {}),
    ("remove photo 2", {"names": [R, CH, A, G, H], "d": [3000] * 5, "tr": [XF] * 4 + [None],
                        "fx": ["kenburns"] * 5, "blur": [0.0] * 5, "seg_fit": [None] * 5}, {}),
    ("delete photos 2 and 3", {"names": [R, A, G, H], "d": [3000] * 4, "tr": [XF] * 3 + [None],
                               "fx": ["kenburns"] * 4, "blur": [0.0] * 4, "seg_fit": [None] * 4}, {}),
    ("keep only the first 3 photos", {"names": [R, C, CH], "d": [3000] * 3, "tr": [XF] * 2 + [None],
                                      "fx": ["kenburns"] * 3, "blur": [0.0] * 3, "seg_fit": [None] * 3}, {}),
    ("只保留前三张", {"names": [R, C, CH], "d": [3000] * 3, "tr": [XF] * 2 + [None],
                "fx": ["kenburns"] * 3, "blur": [0.0] * 3, "seg_fit": [None] * 3}, {}),
    ("keep just photos 2 and 4", {"names": [C, A], "d": [3000] * 2, "tr": [XF, None],
                                  "fx": ["kenburns"] * 2, "blur": [0.0] * 2, "seg_fit": [None] * 2}, {}),
    ("reverse the order", moved(BASE[::-1]), {}),
    ("use dip to black transitions", {"tr": [("dip_black", 600)] * 5 + [None]}, {}),
    ("transitions 1 second", {"tr": [("crossfade", 1000)] * 5 + [None]}, {}),
    ("wipe transitions of half a second", {"tr": [("wipe_left", 500)] * 5 + [None]}, {}),
    ("no transitions", {"tr": [None] * 6}, {}),
    ("mixed transitions", {"tr": [(t, 600) for t in MIXED_TRANSITIONS[:5]] + [None]}, {}),
    ("add a title “Summer 2024”", {"title": "Summer 2024"}, {}),
    ("add caption 'At the beach' on photo 2", {"captions": [("At the beach", C)]}, {}),
    ("set the music volume to 35%", vol(0.35), {}),
    ("music volume fifty percent", vol(0.5), {}),
    ("make the music louder", vol(1.0), {}),
    ("fade out the music over 3 seconds", {"music": ("song.mp3", 0.8, 500, 3000)}, {}),
    ("fade the music in and out", {"music": ("song.mp3", 0.8, 1000, 2000)}, {}),
    ("remove the music", {"music": None, "music_in": None}, {}),
    ("make it vertical for TikTok", {"size": (1080, 1920)}, {}),
    ("make it an Instagram post", {"size": (1080, 1350)}, {}),
    ("square please", {"size": (1080, 1080)}, {}),
    ("fill the frame", {"fit": "cover"}, {}),
    ("show the whole photo", {"fit": "contain"}, {}),
    ("zoom in on photo 2", {"fx": ["kenburns", "zoom_in"] + ["kenburns"] * 4}, {}),
    ("pan left on the last one", {"fx": ["kenburns"] * 5 + ["pan_left"]}, {}),
    ("zoom out on all photos", {"fx": ["zoom_out"] * 6}, {}),
    ("motion blur on photo 4", {"blur": [0.0] * 3 + [0.5] + [0.0] * 2}, {}),
    ("no effects", {"fx": [None] * 6}, {}),
    ("fit to the music", lambda p: _total_even(p, 20000), {}),
    ("sync to the beat", lambda p: _on_beats(p, 500), {}),
    ("set transitions to 0.8s and make each photo 2.5 seconds",
     {"tr": [("crossfade", 800)] * 5 + [None], "d": [2500] * 6}, {}),
    ("remove effects from photo 3", {"fx": ["kenburns"] * 2 + [None] + ["kenburns"] * 3}, {}),
    ("put photo 2 before photo 1", moved([C, R, CH, A, G, H]), {}),
    ("get rid of the third picture", {"names": [R, C, A, G, H], "d": [3000] * 5, "tr": [XF] * 4 + [None],
                                      "fx": ["kenburns"] * 5, "blur": [0.0] * 5, "seg_fit": [None] * 5}, {}),
    ("lower the music to 20%", vol(0.2), {}),
    ("crop to fill", {"fit": "cover"}, {}),
    ("title: My Trip", {"title": "My Trip"}, {}),
    ("speed it up", {"d": [2500] * 6}, {}),
    # ---------------------------------------------------------------- Chinese
    ("每张2秒", {"d": [2000] * 6}, {}),
    ("每张照片四秒", {"d": [4000] * 6}, {}),
    ("第三张5秒", {"d": [3000, 3000, 5000, 3000, 3000, 3000]}, {}),
    ("最后一张两秒", {"d": [3000] * 5 + [2000]}, {}),
    ("第二张停留一秒半", {"d": [3000, 1500, 3000, 3000, 3000, 3000]}, {}),
    ("第二张时长加长两秒", {"d": [3000, 5000, 3000, 3000, 3000, 3000]}, {}),
    ("视频总长20秒", lambda p: _total_even(p, 20000), {}),
    ("整个视频三十秒", lambda p: _total_even(p, 30000), {}),
    ("配合音乐长度", lambda p: _total_even(p, 20000), {}),
    ("卡点", lambda p: _on_beats(p, 500), {}),
    ("按节拍切换照片", lambda p: _on_beats(p, 500), {}),
    ("第三张放到最前面", moved([CH, R, C, A, G, H]), {}),
    ("把最后一张放到最前面", moved([H, R, C, CH, A, G]), {}),
    ("最后一张放到第二位", moved([R, H, C, CH, A, G]), {}),
    ("把第五张移到第二张后面", moved([R, C, G, CH, A, H]), {}),
    ("把rocket放到最后", moved([C, CH, A, G, H, R]), {}),
    ("交换第一张和第三张", moved([CH, C, R, A, G, H]), {}),
    ("第1张和第3张互换", moved([CH, C, R, A, G, H]), {}),
    ("删除第二张", {"names": [R, CH, A, G, H], "d": [3000] * 5, "tr": [XF] * 4 + [None],
                    "fx": ["kenburns"] * 5, "blur": [0.0] * 5, "seg_fit": [None] * 5}, {}),
    ("倒序", moved(BASE[::-1]), {}),
    ("转场改成黑场", {"tr": [("dip_black", 600)] * 5 + [None]}, {}),
    ("转场时长1秒", {"tr": [("crossfade", 1000)] * 5 + [None]}, {}),
    ("换成滑动转场", {"tr": [("slide_left", 600)] * 5 + [None]}, {}),
    ("不要转场", {"tr": [None] * 6}, {}),
    ("混合转场", {"tr": [(t, 600) for t in MIXED_TRANSITIONS[:5]] + [None]}, {}),
    ("加标题「城市之梦」", {"title": "城市之梦"}, {}),
    ("标题改成“夏日回忆”", {"title": "夏日回忆"}, {}),
    ("第二张加字幕「海边」", {"captions": [("海边", C)]}, {}),
    ("音乐音量35%", vol(0.35), {}),
    ("音量调到百分之五十", vol(0.5), {}),
    ("音乐大声一点", vol(1.0), {}),
    ("音乐淡出3秒", {"music": ("song.mp3", 0.8, 500, 3000)}, {}),
    ("淡入两秒", {"music": ("song.mp3", 0.8, 2000, 2000)}, {}),
    ("去掉音乐", {"music": None, "music_in": None}, {}),
    ("竖屏", {"size": (1080, 1920)}, {}),
    ("适配抖音", {"size": (1080, 1920)}, {}),
    ("改成正方形", {"size": (1080, 1080)}, {}),
    ("Instagram 帖子", {"size": (1080, 1350)}, {}),
    ("铺满画面", {"fit": "cover"}, {}),
    ("完整显示照片", {"fit": "contain"}, {}),
    ("第二张放大", {"fx": ["kenburns", "zoom_in"] + ["kenburns"] * 4}, {}),
    ("最后一张向左平移", {"fx": ["kenburns"] * 5 + ["pan_left"]}, {}),
    ("所有照片都拉远", {"fx": ["zoom_out"] * 6}, {}),
    ("第四张加动态模糊", {"blur": [0.0] * 3 + [0.5] + [0.0] * 2}, {}),
    ("第2、3张删除", {"names": [R, A, G, H], "d": [3000] * 4, "tr": [XF] * 3 + [None],
                      "fx": ["kenburns"] * 4, "blur": [0.0] * 4, "seg_fit": [None] * 4}, {}),
    ("第三张不要动效", {"fx": ["kenburns"] * 2 + [None] + ["kenburns"] * 3}, {}),
    ("把第一张放到第三张前面", moved([C, R, CH, A, G, H]), {}),
    ("删掉最后一张", {"names": [R, C, CH, A, G], "d": [3000] * 5, "tr": [XF] * 4 + [None],
                      "fx": ["kenburns"] * 5, "blur": [0.0] * 5, "seg_fit": [None] * 5}, {}),
    ("背景音乐音量调低", vol(0.6), {}),
    ("裁剪填满", {"fit": "cover"}, {}),
    ("顺序反过来", moved(BASE[::-1]), {}),
    ("每张照片显示两秒半", {"d": [2500] * 6}, {}),
]  # fmt: skip


def _total_even(p: dict[str, Any], total: float) -> None:
    assert p["total"] == total
    assert max(p["d"]) - min(p["d"]) <= 6  # rounding lands in the last photo
    assert p["tr"] == BASE_TR


def _on_beats(p: dict[str, Any], period: float) -> None:
    starts = p["starts"]
    assert len(starts) == 6
    for s in starts:
        assert s % period == 0, starts
    assert starts == sorted(starts) and starts[0] == 0
    # 3 s per photo at 120 BPM: six beats each
    assert [b - a for a, b in itertools.pairwise(starts)] == [3000] * 5


def test_the_table_is_big_enough_and_half_chinese() -> None:
    zh = [c for c in CASES if any("\u4e00" <= ch <= "\u9fff" for ch in c[0])]
    assert len(CASES) >= 60
    assert len(zh) * 2 >= len(CASES)


@pytest.mark.parametrize(("message", "expect", "_opts"), CASES, ids=[c[0] for c in CASES])
def test_phrasing_changes_exactly(message: str, expect: Any, _opts: dict) -> None:
    chat = base_chat(with_song=True)
    before = probes(chat.draft)
    turn = chat.say(message)
    after = probes(turn.draft)
    assert turn.changed, turn.text
    assert turn.language == ("zh-CN" if any("\u4e00" <= ch <= "\u9fff" for ch in message) else "en")
    assert turn.calls and all(c.name == "edit_multitrack" and c.result["ok"] for c in turn.calls), turn.calls
    if callable(expect):
        expect(after)
        checked = {"d", "total", "starts", "tr"}
    else:
        for key, value in expect.items():
            assert after[key] == value, f"{key}: {after[key]!r} != {value!r}\n{turn.text}"
        checked = set(expect)
    for key in set(before) - checked - DERIVED:
        assert after[key] == before[key], f"{key} changed: {before[key]!r} → {after[key]!r}"
    # the reply names the change and ends with the timeline summary, in the message's language
    assert ("时间线（" if turn.language == "zh-CN" else "Timeline (") in turn.text
