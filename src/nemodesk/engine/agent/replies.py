"""The agent's words: language detection, the timeline summary, and the fixed replies in both languages."""

from __future__ import annotations

import re

from nemodesk.core.draft import TT_AUDIO, TT_TEXT, TT_VIDEO, Draft, Track
from nemodesk.core.summary import seconds, timeline_summary
from nemodesk.engine.agent.model import Language

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
_LATIN = re.compile(r"[A-Za-z]{2,}")


def detect_language(message: str, hint: str | None = None) -> Language:
    """Chinese when the message has Chinese characters (file names and "BGM" aside), else English;
    a message with no words at all ("3", "👍") follows the hint."""
    han = len(re.findall(r"[\u3400-\u9fff]", message))
    if han:
        return "zh-CN"
    if _LATIN.search(message):
        return "en"
    if hint and hint.lower().startswith("zh"):
        return "zh-CN"
    return "en"


EXAMPLES = {
    "en": (
        "turn my photos into a slideshow video with transitions and music",
        "move photo 3 to the front",
        "make each photo 2 seconds and add a title “Summer 2024”",
    ),
    "zh-CN": ("把照片做成幻灯片，配上音乐", "第三张放到最前面", "每张2秒，加标题「城市之梦」"),
}


def examples(lang: Language) -> tuple[str, str, str]:
    return EXAMPLES[lang]  # type: ignore[return-value]


def not_understood(lang: Language, pieces: list[str] | None = None) -> str:
    ex = examples(lang)
    if lang == "zh-CN":
        what = f"“{'，'.join(pieces)}”" if pieces else "这句话"
        return f"抱歉，我没能理解{what}，时间线没有改动。您可以这样说：\n" + "\n".join(f"• {e}" for e in ex)
    what = f"“{', '.join(pieces)}”" if pieces else "that"
    return (
        f"Sorry, I didn't understand {what}, so I left the timeline as it was. You could say:\n"
        + "\n".join(f"• {e}" for e in ex)
    )


def help_text(lang: Language) -> str:
    ex = examples(lang)
    if lang == "zh-CN":
        return (
            "我可以把您的照片做成视频并按您的话修改：时长、顺序、转场、标题字幕、音乐、画布和动效。例如：\n"
            + "\n".join(f"• {e}" for e in ex)
        )
    return (
        "I turn your photos into a video and edit it as you say: durations, order, transitions, titles and "
        "captions, music, canvas and motion. For example:\n" + "\n".join(f"• {e}" for e in ex)
    )


_INFO = {
    "export": (
        "Exporting is done by the app: press Export (or call the render endpoint) and the video is rendered "
        "on this computer. The timeline as it stands:",
        "导出由应用完成：点击“导出”（或调用渲染接口），视频会在本机渲染。当前时间线：",
    ),
    "credits": (
        "The local engine is free: unlimited edits and renders, no credits needed.",
        "本地引擎免费：编辑和渲染不限次数，无需积分。",
    ),
    "upload": (
        "Drop photos or music into the tray (or upload them) and tell me what to make, e.g. “make a slideshow”.",
        "把照片或音乐拖进素材栏（或上传），然后告诉我要做什么，例如“做成幻灯片”。",
    ),
}


def info_text(topic: str, lang: Language) -> str:
    en, zh = _INFO.get(topic, _INFO["upload"])
    return zh if lang == "zh-CN" else en


_ZH_KIND = {TT_VIDEO: "视频", TT_AUDIO: "音频", TT_TEXT: "文字"}
_ZH_NAMES = {
    "Photos": "照片",
    "Music": "音乐",
    "BGM": "背景音乐",
    "Title": "标题",
    "Captions": "字幕",
    "Video": "视频",
}


def _zh_track(track: Track) -> str:
    label = (
        track.name.strip()
        if isinstance(track.name, str) and track.name.strip()
        else _ZH_KIND.get(track.tt, "轨道")
    )
    label = _ZH_NAMES.get(label, label)
    segs = track.segments
    if not segs:
        return f"{label}：空"
    if track.tt == TT_TEXT:
        content = "、".join(f"「{s.text or ''}」" for s in segs[:3]) + (
            f" 等 {len(segs)} 条" if len(segs) > 3 else ""
        )
    elif len(segs) <= 2:
        content = "、".join((s.name or s.src or "未命名") for s in segs)
    else:
        content = f"{len(segs)} 个片段"
    span = f"{seconds(track.start_ms())}-{seconds(track.end_ms())} 秒"
    if track.tt == TT_AUDIO:
        span += f"，{round(segs[0].vol * 100)}%"
    return f"{label}：{content}（{span}）"


def summary(draft: Draft, lang: Language) -> str:
    """The seed's timeline summary (core.summary) in English; the same shape in Chinese."""
    if lang != "zh-CN":
        return timeline_summary(draft)
    tracks = draft.tracks
    if not tracks:
        return "时间线（0 条轨道）：空"
    return f"时间线（{len(tracks)} 条轨道）：" + " ".join(
        f"{i}. {_zh_track(t)}" for i, t in enumerate(tracks, 1)
    )
