"""Track names follow the session's language: a Chinese session's lanes read 照片, 音乐, 标题, 字幕."""

from __future__ import annotations

from helpers_agent import Chat
from nemodesk.core.draft import TT_AUDIO, TT_TEXT, TT_VIDEO
from nemodesk.core.slideshow import TRACK_NAMES, MediaRef, build_slideshow


def _names(draft) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for t in draft.tracks:
        out.setdefault(t.tt, []).append(t.name)
    return out


def test_slideshow_builder_names_tracks_in_english_unless_told() -> None:
    photos = [MediaRef("media:a", "a.jpg"), MediaRef("media:b", "b.jpg")]
    song = MediaRef("media:s", "s.mp3", 20_000)
    default = build_slideshow(photos, music=song, title="Lisbon")
    assert _names(default) == {TT_VIDEO: ["Photos"], TT_AUDIO: ["Music"], TT_TEXT: ["Title"]}
    assert TRACK_NAMES == {"video": "Photos", "audio": "Music", "title": "Title"}
    zh = build_slideshow(
        photos, music=song, title="Lisbon", names={"video": "照片", "audio": "音乐", "title": "标题"}
    )
    assert _names(zh) == {TT_VIDEO: ["照片"], TT_AUDIO: ["音乐"], TT_TEXT: ["标题"]}
    # only the names differ
    for a, b in zip(default.tracks, zh.tracks, strict=True):
        a.name = b.name
    assert default.raw == zh.raw


def test_agent_names_tracks_in_chinese_in_a_chinese_session() -> None:
    chat = Chat()
    chat.say("把我的照片做成幻灯片视频，加上转场和音乐", hint="zh-CN")  # the session's language (the UI's)
    chat.say("加标题「里斯本」", hint="zh-CN")
    chat.say("add caption “海边” on photo 2", hint="zh-CN")  # one English message: the names stay Chinese
    chat.say("第3张加字幕「日落」", hint="zh-CN")
    names = _names(chat.draft)
    assert names[TT_VIDEO] == ["照片"] and names[TT_AUDIO] == ["音乐"]
    assert sorted(names[TT_TEXT]) == sorted(["标题", "字幕"])  # one captions track for both captions
    captions = next(t for t in chat.draft.tracks_of(TT_TEXT) if t.name == "字幕")
    assert [s.text for s in captions.segments] == ["海边", "日落"]


def test_agent_keeps_english_names_in_english_and_one_captions_track_across_languages() -> None:
    chat = Chat()
    chat.say("turn my photos into a slideshow video with transitions and music")
    chat.say("add a title “Lisbon”")
    chat.say("add caption “At the beach” on photo 2")
    assert _names(chat.draft) == {TT_VIDEO: ["Photos"], TT_AUDIO: ["Music"], TT_TEXT: ["Title", "Captions"]}
    chat.say("第3张加字幕「日落」")  # a Chinese message in an English session: the same captions track
    texts = chat.draft.tracks_of(TT_TEXT)
    assert [t.name for t in texts] == ["Title", "Captions"]
    assert len(texts[1].segments) == 2


def test_a_chinese_session_on_the_engine_gets_chinese_track_names(tmp_path, photos) -> None:
    """End to end: sessions created with language zh-CN and en on the real engine, the same English message."""
    import httpx

    from helpers_engine import chat as say
    from helpers_engine import engine_thread, new_session, state, token, upload

    with engine_thread(tmp_path / "data") as eng, httpx.Client(base_url=eng.url, timeout=60) as client:
        tok = token(client)
        names = {}
        for lang in ("zh-CN", "en"):
            sid = new_session(client, tok, language=lang)
            upload(client, tok, sid, photos[:2])
            say(client, tok, sid, "make a slideshow with music")
            draft = state(client, tok, sid)["state"]["draft"]
            names[lang] = [t["m"]["name"] for t in draft["t"]]
    assert names == {"zh-CN": ["照片", "音乐"], "en": ["Photos", "Music"]}
