"""Applies typed intents to a draft. Every function edits the draft in place and returns what it did.

A request that cannot be carried out (photo 9 of 6, no music to fade) raises `Refusal` with the reason in
both languages; the caller then leaves the draft as it was. `finish()` runs after every edit: it lays the
video out again, keeps transitions within their photos, trims the music and the text to the new length,
and validates, so no sequence of edits can leave an invalid draft behind.
"""

from __future__ import annotations

import copy
import itertools
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from nemodesk.core.draft import (
    CANVAS_PRESETS,
    TT_AUDIO,
    TT_TEXT,
    TT_VIDEO,
    Draft,
    Segment,
    Track,
    Transition,
    validate,
)
from nemodesk.core.music import lay_song, song_tail
from nemodesk.core.slideshow import (
    MUSIC_FADE_IN_MS,
    MUSIC_FADE_OUT_MS,
    MUSIC_VOLUME,
    TITLE_MS,
    MediaRef,
    build_slideshow,
    effect_for,
)
from nemodesk.engine.agent import intents as it
from nemodesk.engine.agent.model import AgentMemory, MediaInfo
from nemodesk.engine.agent.parser import MIXED_TRANSITIONS

ANIMATE_SECONDS = 5.0
MOTION_BLUR = 0.5
MIN_PHOTO_MS, MAX_PHOTO_MS = 200, 600_000
MAX_TOTAL_MS = 3600_000
TRANSITION_SHARE = 0.4  # a transition may take at most 40% of either photo it joins (as build_slideshow)
DEFAULT_TRANSITION_MS = 600
CAPTION_TRACK, TITLE_TRACK, MUSIC_TRACK = "Captions", "Title", "Music"
# Track names in the session's language (the lane headers a Chinese user reads). Tracks are found by type
# and style, never by name, except the captions track: both of its names are recognised.
TRACK_NAMES_ZH = {"video": "照片", "audio": "音乐", "title": "标题", "captions": "字幕"}
CAPTION_NAMES = (CAPTION_TRACK, TRACK_NAMES_ZH["captions"])
ANCHOR = "anchor"  # local key on a caption: the media id of the photo it belongs to (it follows the photo)

ASPECT_NAMES = {
    "16:9": ("16:9 landscape", "16:9 横屏"),
    "9:16": ("9:16 vertical", "9:16 竖屏"),
    "1:1": ("1:1 square", "1:1 方形"),
    "4:5": ("4:5 Instagram post", "4:5 Instagram 帖子"),
}
FX_NAMES = {
    "kenburns": ("Ken Burns", "Ken Burns 推拉"),
    "zoom_in": ("zoom in", "推近"),
    "zoom_out": ("zoom out", "拉远"),
    "pan_left": ("pan left", "向左平移"),
    "pan_right": ("pan right", "向右平移"),
    "pan_up": ("pan up", "向上平移"),
    "pan_down": ("pan down", "向下平移"),
    "none": ("no motion", "无动效"),
}
TR_NAMES = {
    "cut": ("cut", "硬切"),
    "crossfade": ("crossfade", "交叉淡化"),
    "dip_black": ("dip to black", "黑场过渡"),
    "slide_left": ("slide left", "向左滑动"),
    "slide_right": ("slide right", "向右滑动"),
    "slide_up": ("slide up", "向上滑动"),
    "wipe_left": ("wipe left", "向左擦除"),
    "wipe_right": ("wipe right", "向右擦除"),
    "zoom": ("zoom", "缩放"),
    "blur": ("blur", "模糊"),
}
FIT_NAMES = {
    "blur": ("blurred background", "模糊背景填充"),
    "cover": ("fill the frame (cropped)", "铺满画面（裁剪）"),
    "contain": ("whole photo (bars)", "完整显示（留边）"),
}


class Refusal(Exception):
    """The request is understood but cannot be done; the draft stays as it was."""

    def __init__(self, en: str, zh: str):
        super().__init__(en)
        self.en, self.zh = en, zh


@dataclass
class Change:
    en: str
    zh: str
    result: dict[str, Any] = field(default_factory=dict)


@dataclass
class EditContext:
    media: Sequence[MediaInfo]
    memory: AgentMemory
    beats_for: Callable[[MediaInfo], list[float] | None] = lambda m: m.beats_ms
    language: str = "en"  # the session's language: new tracks are named in it

    @property
    def track_names(self) -> dict[str, str]:
        """Names for the tracks an edit creates (keys as slideshow.TRACK_NAMES, plus "captions")."""
        if self.language == "zh-CN":
            return dict(TRACK_NAMES_ZH)
        return {"video": "Photos", "audio": MUSIC_TRACK, "title": TITLE_TRACK, "captions": CAPTION_TRACK}

    @property
    def photos(self) -> list[MediaInfo]:
        return [m for m in self.media if m.kind == "image"]

    def by_id(self, media_id: str | None) -> MediaInfo | None:
        return next((m for m in self.media if m.id == media_id), None)

    def music_choice(self, name: str | None = None) -> MediaInfo | None:
        """The named song, else the last one uploaded, else the bundled bed."""
        audio = [m for m in self.media if m.kind == "audio"]
        if name:
            low = name.lower()
            for m in audio:
                if m.name.lower() == low or m.name.lower().rsplit(".", 1)[0] == low.rsplit(".", 1)[0]:
                    return m
        uploaded = [m for m in audio if not m.bundled]
        if uploaded:
            return uploaded[-1]
        return next((m for m in audio if m.bundled), None)


def _ref(m: MediaInfo) -> MediaRef:
    return MediaRef(src=m.id, name=m.name, duration_ms=m.duration_ms, width=m.width, height=m.height)


def _s(v: float) -> str:
    v = round(v, 2)
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


# ------------------------------------------------------------------------------------------- helpers


def video_segments(draft: Draft) -> list[Segment]:
    track = draft.video_track()
    return track.segments if track is not None else []


def need_timeline(draft: Draft) -> list[Segment]:
    segs = video_segments(draft)
    if not segs:
        raise Refusal(
            "There is no timeline yet. Say “make a slideshow” first (after uploading photos).",
            "时间线还是空的。请先上传照片，然后说“做成幻灯片”。",
        )
    return segs


def resolve(draft: Draft, ref: it.Ref, ctx: EditContext) -> int:
    """A reference → index into the video track (0-based)."""
    segs = need_timeline(draft)
    n = len(segs)
    if ref.name:
        low = ref.name.lower()
        media = next((m for m in ctx.media if m.name.lower() == low), None)
        for i, seg in enumerate(segs):
            if (media is not None and seg.src == media.id) or (seg.name or "").lower() == low:
                return i
        raise Refusal(f"{ref.name} is not on the timeline.", f"时间线上没有 {ref.name}。")
    if ref.this:
        for i, seg in enumerate(segs):
            if ctx.memory.selected and seg.src == ctx.memory.selected:
                return i
        if n == 1:
            return 0
        raise Refusal(
            "Which photo do you mean? Say for example “photo 2” or “the last one”.",
            "您指的是哪一张？例如说“第2张”或“最后一张”。",
        )
    pos = ref.pos if ref.pos is not None else 0
    idx = pos - 1 if pos > 0 else n + pos
    if not 0 <= idx < n or pos == 0:
        raise Refusal(
            f"There is no photo {pos}: the timeline has {n}."
            if pos > 0
            else f"There is no photo {-pos} from the end: the timeline has {n}.",
            f"没有第{pos}张：时间线上只有 {n} 张。" if pos > 0 else f"时间线上只有 {n} 张。",
        )
    return idx


def resolve_many(draft: Draft, refs: Sequence[it.Ref], ctx: EditContext) -> list[int]:
    """Indices of the referenced photos; no references means every photo."""
    segs = need_timeline(draft)
    if not refs:
        return list(range(len(segs)))
    out: list[int] = []
    for r in refs:
        i = resolve(draft, r, ctx)
        if i not in out:
            out.append(i)
    return out


def _select(draft: Draft, indices: Sequence[int], ctx: EditContext) -> None:
    segs = video_segments(draft)
    if len(indices) == 1 and indices[0] < len(segs):
        ctx.memory.selected = segs[indices[0]].src


def _names(draft: Draft, indices: Sequence[int], lang: str) -> str:
    segs = video_segments(draft)
    if len(indices) == len(segs) and len(segs) > 1:
        return "every photo" if lang == "en" else "每张照片"
    if lang == "en":
        parts = [f"photo {i + 1} ({segs[i].name})" for i in indices[:5]]
    else:
        parts = [f"第{i + 1}张（{segs[i].name}）" for i in indices[:5]]
    more = f" +{len(indices) - 5}" if len(indices) > 5 else ""
    return ", ".join(parts) + more if lang == "en" else "、".join(parts) + more


def reorder(draft: Draft, order: Sequence[int]) -> None:
    """Put the video segments in `order` (indices, possibly fewer: removal). Transitions stay with their
    slot (the join between position k and k+1), effects and captions travel with their photo."""
    track = draft.video_track()
    assert track is not None
    segs = track.segments
    slots = [copy.deepcopy(s.meta.get("tr")) for s in segs]
    kept = sorted(set(order)) if len(order) < len(segs) else list(range(len(segs)))
    slot_trs = [slots[k] for k in kept][: len(order) - 1]
    new = [segs[i] for i in order]
    for k, seg in enumerate(new):
        seg.tr = slot_trs[k] if k < len(slot_trs) else None
    track.set_segments(new)


# ---------------------------------------------------------------------------------------- finishing


def music_segment(draft: Draft) -> Segment | None:
    track = draft.first_track(TT_AUDIO)
    if track is None:
        return None
    segs = track.segments
    return segs[0] if segs else None


def finish(draft: Draft, ctx: EditContext) -> None:
    """Relayout and bring every other track in line with the video; then validate."""
    # Raw dicts rather than views here: this runs after every edit, over every photo.
    track = draft.video_track()
    starts: dict[str, tuple[float, float]] = {}
    if track is not None:
        raw = track.raw.get("sg") or []
        n = len(raw)
        for i, seg in enumerate(raw):
            meta = seg.get("m") or {}
            tr = meta.get("tr")
            if tr is None:
                continue
            if i == n - 1 or tr.get("type", "cut") == "cut":
                del meta["tr"]
                continue
            limit = TRANSITION_SHARE * min(seg["d"], raw[i + 1]["d"])
            if tr.get("d", 0) > limit:
                tr["d"] = int(limit)
    draft.relayout()
    total = 0.0
    for t in draft.tracks_of(TT_VIDEO):
        for seg in t.raw.get("sg") or []:
            total = max(total, seg["s"] + seg["d"])
    if track is not None:
        for seg in track.raw.get("sg") or []:
            src = (seg.get("m") or {}).get("src")
            if src is not None and src not in starts:
                starts[src] = (seg["s"], seg["d"])
    for n, audio in enumerate(draft.tracks_of(TT_AUDIO)):
        segs = audio.segments
        if n == 0 and segs:  # the music track: its song repeats when the video is longer
            media = ctx.by_id(segs[0].src)
            song_ms = media.duration_ms if media is not None else None
            if lay_song(audio, total, song_ms, default_fade_out=MUSIC_FADE_OUT_MS):
                continue  # (False: a hand-made soundtrack, trimmed segment by segment below)
        kept = []
        for seg in audio.segments:
            start = float(seg.s or 0)
            if start >= total:
                continue
            media = ctx.by_id(seg.src)
            available = None
            if media is not None and media.duration_ms:
                available = media.duration_ms - float(seg.in_ or 0)
            length = total - start if available is None else min(total - start, available)
            if length <= 0:
                continue
            trimmed = available is None or available > length + 1
            seg.d = round(length)
            seg.s = round(start)
            if trimmed and float(seg.fo or 0) <= 0 and "fo" not in seg.meta:
                seg.fo = min(MUSIC_FADE_OUT_MS, round(length / 2))
            if float(seg.fo or 0) > seg.d / 2:
                seg.fo = round(seg.d / 2)
            if float(seg.fi or 0) > seg.d / 2:
                seg.fi = round(seg.d / 2)
            kept.append(seg)
        audio.set_segments(kept)
    for text in draft.tracks_of(TT_TEXT):
        kept = []
        for seg in text.segments:
            anchor = seg.meta.get(ANCHOR)
            if anchor is not None:
                placed = starts.get(anchor)
                if placed is None:
                    continue  # its photo was removed
                seg.s, seg.d = placed
            start = float(seg.s or 0)
            if start >= total:
                continue
            if start + seg.d > total:
                seg.d = round(total - start)
            if seg.style == "title" and start == 0:
                seg.d = round(min(TITLE_MS, total))  # as build_slideshow: the first 3 s, or the whole video
            kept.append(seg)
        text.set_segments(kept)
    for t in list(draft.tracks):
        if t.tt in (TT_AUDIO, TT_TEXT) and not t.segments:
            draft.remove_track(t)
    validate(draft.raw)


# ------------------------------------------------------------------------------------------- intents


def do_slideshow(draft: Draft, intent: it.Slideshow, ctx: EditContext) -> tuple[Draft, Change]:
    photos = ctx.photos
    if intent.count:
        photos = photos[: intent.count]
    if not photos:
        raise Refusal(
            "Upload some photos first, then ask again: I make the slideshow from your photos.",
            "请先上传照片，我会用您上传的照片制作幻灯片。",
        )
    aspect = intent.aspect or (
        draft.canvas.aspect_name if draft.canvas.aspect_name in CANVAS_PRESETS else "16:9"
    )
    music = ctx.music_choice() if intent.music else None
    seconds = intent.seconds if intent.seconds is not None else 3.0
    if not MIN_PHOTO_MS <= seconds * 1000 <= MAX_PHOTO_MS:
        raise Refusal(
            "Each photo can last between 0.2 s and 10 minutes.", "每张照片的时长须在 0.2 秒到 10 分钟之间。"
        )
    new = build_slideshow(
        [_ref(p) for p in photos],
        music=_ref(music) if music else None,
        aspect=aspect,
        seconds=seconds,
        transition=intent.transition or "crossfade",
        transition_ms=intent.transition_ms if intent.transition_ms is not None else DEFAULT_TRANSITION_MS,
        title=intent.title,
        fx=intent.fx,
        fps=draft.canvas.fps or 30,
        names=ctx.track_names,
    )
    tr = intent.transition or "crossfade"
    tr_en = "hard cuts (no transitions)" if tr == "cut" else f"{TR_NAMES[tr][0]} transitions"
    tr_zh = "硬切（无转场）" if tr == "cut" else f"{TR_NAMES[tr][1]}转场"
    w, h = new.canvas.size
    en = (
        f"Made a slideshow of your {len(photos)} photo{'s' if len(photos) != 1 else ''} in upload order: "
        f"{_s(seconds)} s each, {tr_en}"
        f"{', alternating Ken Burns moves' if intent.fx == 'kenburns' else ''}, canvas {w}×{h}"
        f"{f', music “{music.name}”' if music else ', no music'}"
        f"{f', title “{intent.title}”' if intent.title else ''}."
    )
    zh = (
        f"已按上传顺序用 {len(photos)} 张照片做成幻灯片：每张 {_s(seconds)} 秒，{tr_zh}"
        f"{'，交替的 Ken Burns 推拉' if intent.fx == 'kenburns' else ''}，画布 {w}×{h}"
        f"{f'，音乐“{music.name}”' if music else '，无音乐'}"
        f"{f'，标题“{intent.title}”' if intent.title else ''}。"
    )
    return new, Change(en, zh, {"photos": len(photos), "music": music.id if music else None})


def do_animate(draft: Draft, intent: it.Animate, ctx: EditContext) -> tuple[Draft, Change]:
    segs = video_segments(draft)
    seconds = intent.seconds
    fx_en, fx_zh = FX_NAMES[intent.fx]
    blur_en = " with motion blur" if intent.blur else ""
    blur_zh = "，开启动态模糊" if intent.blur else ""
    if segs and (intent.ref is not None or len(segs) == 1 or _selected_index(segs, ctx) is not None):
        idx = (
            resolve(draft, intent.ref, ctx)
            if intent.ref is not None
            else (_selected_index(segs, ctx) if _selected_index(segs, ctx) is not None else 0)
        )
        seg = segs[idx]
        seg.fx = effect_for(intent.fx, idx)
        seg.blur = MOTION_BLUR if intent.blur else None
        if seconds is not None or len(segs) == 1:
            seg.d = round((seconds or ANIMATE_SECONDS) * 1000)
        _select(draft, [idx], ctx)
        return draft, Change(
            f"Animated photo {idx + 1} ({seg.name}): {_s(seg.d / 1000)} s ease-in-out {fx_en}{blur_en}.",
            f"已为第{idx + 1}张（{seg.name}）加上动效：{_s(seg.d / 1000)} 秒缓入缓出{fx_zh}{blur_zh}。",
            {"photo": idx + 1},
        )
    photos = ctx.photos
    photo: MediaInfo | None = None
    if intent.ref is not None and intent.ref.name:
        photo = next((p for p in photos if p.name.lower() == intent.ref.name.lower()), None)
    elif intent.ref is not None and intent.ref.pos is not None and photos:
        i = intent.ref.pos - 1 if intent.ref.pos > 0 else len(photos) + intent.ref.pos
        if not 0 <= i < len(photos):
            raise Refusal(
                f"There is no photo {intent.ref.pos}: you uploaded {len(photos)}.",
                f"没有第{intent.ref.pos}张：您上传了 {len(photos)} 张。",
            )
        photo = photos[i]
    elif ctx.memory.selected:
        photo = next((p for p in photos if p.id == ctx.memory.selected), None)
    if photo is None and len(photos) == 1:
        photo = photos[0]
    if photo is None:
        if not photos:
            raise Refusal(
                "Upload a photo first, then ask me to animate it.", "请先上传一张照片，再让我给它加动效。"
            )
        raise Refusal(
            f"You uploaded {len(photos)} photos: which one? Say for example “animate photo 2 with a cinematic "
            f"zoom” or “animate {photos[0].name} with a zoom out”.",
            f"您上传了 {len(photos)} 张照片，要用哪一张？例如说“让第2张动起来，电影感推近”或“{photos[0].name} 拉远”。",
        )
    aspect = draft.canvas.aspect_name if draft.canvas.aspect_name in CANVAS_PRESETS else "16:9"
    new = build_slideshow(
        [_ref(photo)],
        aspect=aspect,
        seconds=seconds or ANIMATE_SECONDS,
        fx=intent.fx,
        fps=draft.canvas.fps or 30,
        names=ctx.track_names,
    )
    if intent.blur:
        for seg in video_segments(new):
            seg.blur = MOTION_BLUR
    ctx.memory.selected = photo.id
    secs = _s(seconds or ANIMATE_SECONDS)
    return new, Change(
        f"Animated {photo.name}: a {secs} s clip with an ease-in-out {fx_en}{blur_en}.",
        f"已让 {photo.name} 动起来：{secs} 秒，缓入缓出{fx_zh}{blur_zh}。",
        {"photo": photo.id},
    )


def _selected_index(segs: Sequence[Segment], ctx: EditContext) -> int | None:
    if ctx.memory.selected is None:
        return None
    return next((i for i, s in enumerate(segs) if s.src == ctx.memory.selected), None)


def do_set_effect(draft: Draft, intent: it.SetEffect, ctx: EditContext) -> Change:
    segs = need_timeline(draft)
    refs = intent.refs
    indices = resolve_many(draft, refs, ctx)
    for i in indices:
        segs[i].fx = effect_for(intent.fx, i)
    _select(draft, indices, ctx)
    en, zh = FX_NAMES[intent.fx]
    return Change(
        f"Motion set to {en} on {_names(draft, indices, 'en')}.",
        f"已将{_names(draft, indices, 'zh')}的动效设为{zh}。",
        {"photos": [i + 1 for i in indices]},
    )


def do_set_blur(draft: Draft, intent: it.SetBlur, ctx: EditContext) -> Change:
    segs = need_timeline(draft)
    indices = resolve_many(draft, intent.refs, ctx)
    for i in indices:
        segs[i].blur = intent.amount if intent.amount > 0 else None
    _select(draft, indices, ctx)
    if intent.amount > 0:
        return Change(
            f"Motion blur on for {_names(draft, indices, 'en')}.",
            f"已为{_names(draft, indices, 'zh')}开启动态模糊。",
            {"blur": intent.amount},
        )
    return Change(
        f"Motion blur off for {_names(draft, indices, 'en')}.",
        f"已关闭{_names(draft, indices, 'zh')}的动态模糊。",
        {"blur": 0},
    )


def do_set_canvas(draft: Draft, intent: it.SetCanvas, ctx: EditContext) -> Change:
    w, h = CANVAS_PRESETS[intent.aspect]
    draft.canvas.width, draft.canvas.height = w, h
    en, zh = ASPECT_NAMES[intent.aspect]
    return Change(
        f"Canvas set to {en} ({w}×{h}).", f"画布已改为 {zh}（{w}×{h}）。", {"width": w, "height": h}
    )


def do_set_fit(draft: Draft, intent: it.SetFit, ctx: EditContext) -> Change:
    en, zh = FIT_NAMES[intent.fit]
    if intent.refs:
        segs = need_timeline(draft)
        indices = resolve_many(draft, intent.refs, ctx)
        for i in indices:
            segs[i].fit = intent.fit
        _select(draft, indices, ctx)
        return Change(
            f"{_names(draft, indices, 'en').capitalize()}: {en}.", f"{_names(draft, indices, 'zh')}：{zh}。"
        )
    draft.canvas.fit = intent.fit
    for seg in video_segments(draft):
        seg.fit = None
    return Change(
        f"Photos that don't match the canvas now use: {en}.",
        f"与画布比例不同的照片现在：{zh}。",
        {"fit": intent.fit},
    )


def do_set_duration(draft: Draft, intent: it.SetDuration, ctx: EditContext) -> Change:
    segs = need_timeline(draft)
    indices = resolve_many(draft, intent.refs, ctx)
    for i in indices:
        ms = segs[i].d + intent.seconds * 1000 if intent.relative else intent.seconds * 1000
        if not MIN_PHOTO_MS <= ms <= MAX_PHOTO_MS:
            raise Refusal(
                "A photo can last between 0.2 s and 10 minutes.", "每张照片的时长须在 0.2 秒到 10 分钟之间。"
            )
        segs[i].d = round(ms)
    _select(draft, indices, ctx) if intent.refs else None
    who_en, who_zh = _names(draft, indices, "en"), _names(draft, indices, "zh")
    if len({segs[i].d for i in indices}) == 1:
        secs = _s(segs[indices[0]].d / 1000)
        return Change(
            f"{who_en[0].upper() + who_en[1:]} now lasts {secs} s.",
            f"{who_zh}现在时长 {secs} 秒。",
            {"photos": [i + 1 for i in indices], "ms": segs[indices[0]].d},
        )
    return Change(
        f"Changed the length of {who_en}.", f"已调整{who_zh}的时长。", {"photos": [i + 1 for i in indices]}
    )


def _total_for(ds: Sequence[float], trs: Sequence[float], scale: float) -> float:
    """Video length if every photo's duration is scaled by `scale` (transitions capped as in finish)."""
    total = 0.0
    n = len(ds)
    for i in range(n):
        d = ds[i] * scale
        total += d
        if i < n - 1 and trs[i]:
            total -= min(trs[i], TRANSITION_SHARE * min(d, ds[i + 1] * scale))
    return total


def set_total(draft: Draft, total_ms: float) -> None:
    """Scale every photo so the video lasts `total_ms` (keeps their proportions; exact to the ms)."""
    segs = need_timeline(draft)
    ds = [float(s.d) for s in segs]
    trs = [float(s.tr.d) if s.tr is not None and s.tr.type != "cut" else 0.0 for s in segs]
    min_total = _total_for(ds, trs, MIN_PHOTO_MS / min(ds))
    if total_ms < min_total or total_ms > MAX_TOTAL_MS:
        raise Refusal(
            f"That length doesn't fit {len(segs)} photos (each needs at least 0.2 s).",
            f"这个时长放不下 {len(segs)} 张照片（每张至少 0.2 秒）。",
        )
    lo, hi = 1e-4, 1e4
    for _ in range(60):
        mid = (lo + hi) / 2
        if _total_for(ds, trs, mid) < total_ms:
            lo = mid
        else:
            hi = mid
    new = [max(MIN_PHOTO_MS, round(d * hi)) for d in ds]
    # absorb the rounding in the last photo so the total is exact
    err = total_ms - _total_for(new, trs, 1.0)
    new[-1] = max(MIN_PHOTO_MS, round(new[-1] + err))
    for s, d in zip(segs, new, strict=True):
        s.d = d


def do_set_total(draft: Draft, intent: it.SetTotalLength, ctx: EditContext) -> Change:
    set_total(draft, intent.seconds * 1000)
    return Change(
        f"The video now lasts {_s(intent.seconds)} s.",
        f"视频总时长现在为 {_s(intent.seconds)} 秒。",
        {"total_ms": round(intent.seconds * 1000)},
    )


def _music_or_refuse(draft: Draft) -> Segment:
    seg = music_segment(draft)
    if seg is None:
        raise Refusal(
            "There is no music on the timeline. Say “add music” first.",
            "时间线上还没有音乐。请先说“加背景音乐”。",
        )
    return seg


def do_fit_to_music(draft: Draft, intent: it.FitToMusic, ctx: EditContext) -> Change:
    need_timeline(draft)
    seg = _music_or_refuse(draft)
    media = ctx.by_id(seg.src)
    if media is None or not media.duration_ms:
        raise Refusal("I don't know how long this music is.", "我不知道这段音乐有多长。")
    length = media.duration_ms - float(seg.in_ or 0)
    set_total(draft, length)
    return Change(
        f"The photos now fill the music exactly: {_s(length / 1000)} s.",
        f"照片时长已与音乐对齐：共 {_s(length / 1000)} 秒。",
        {"total_ms": round(length)},
    )


def _add_music(draft: Draft, media: MediaInfo, name: str = MUSIC_TRACK) -> Segment:
    total = draft.duration_ms()
    length = total if not media.duration_ms else min(total, media.duration_ms)
    old = music_segment(draft)
    vol = old.vol if old is not None else MUSIC_VOLUME
    for t in draft.tracks_of(TT_AUDIO):
        draft.remove_track(t)
    seg = Segment.make(
        round(length),
        s=0,
        src=media.id,
        name=media.name,
        vol=vol,
        in_=0,
        fi=MUSIC_FADE_IN_MS,
        fo=min(MUSIC_FADE_OUT_MS, round(length / 2)),
    )
    draft.add_track(Track.make(TT_AUDIO, name, [seg]))
    return seg


def do_add_music(draft: Draft, intent: it.AddMusic, ctx: EditContext) -> Change:
    need_timeline(draft)
    media = ctx.music_choice(intent.name)
    if media is None:
        raise Refusal(
            "I have no music to add: upload a song (mp3, m4a, wav) and ask again.",
            "没有可用的音乐：请上传一首歌（mp3、m4a、wav）再试。",
        )
    _add_music(draft, media, ctx.track_names["audio"])
    extra_en = " (NemoDesk's own royalty-free bed; upload a song to use yours)" if media.bundled else ""
    extra_zh = "（NemoDesk 自带的免版税配乐；上传歌曲即可换成您的）" if media.bundled else ""
    return Change(
        f"Added the music “{media.name}”{extra_en}, trimmed to the video with a fade out.",
        f"已添加音乐“{media.name}”{extra_zh}，按视频长度裁剪并淡出。",
        {"music": media.id},
    )


def do_set_volume(draft: Draft, intent: it.SetVolume, ctx: EditContext) -> Change:
    seg = _music_or_refuse(draft)
    pct = seg.vol * 100 + intent.percent if intent.relative else intent.percent
    if not 0 <= pct <= 200:
        if intent.relative:
            pct = min(200, max(0, pct))
        else:
            raise Refusal("Music volume goes from 0% to 200%.", "音乐音量范围是 0% 到 200%。")
    seg.vol = round(pct) / 100
    return Change(f"Music volume set to {round(pct)}%.", f"音乐音量已设为 {round(pct)}%。", {"vol": seg.vol})


def do_set_fade(draft: Draft, intent: it.SetFade, ctx: EditContext) -> Change:
    seg = _music_or_refuse(draft)
    if intent.which != "in":
        seg = (
            song_tail(draft.first_track(TT_AUDIO)) or seg
        )  # the music's end: the last repeat of a short song
    ms = round(intent.seconds * 1000)
    if ms > seg.d / 2:
        ms = round(seg.d / 2)
    if intent.which == "in":
        seg.fi = ms
    else:
        seg.fo = ms
    en = "in" if intent.which == "in" else "out"
    zh = "淡入" if intent.which == "in" else "淡出"
    return Change(
        f"Music fade-{en}: {_s(ms / 1000)} s.", f"音乐{zh}：{_s(ms / 1000)} 秒。", {intent.which: ms}
    )


def do_remove_music(draft: Draft, intent: it.RemoveMusic, ctx: EditContext) -> Change:
    tracks = draft.tracks_of(TT_AUDIO)
    if not tracks:
        raise Refusal("There is no music to remove.", "没有可删除的音乐。")
    for t in tracks:
        draft.remove_track(t)
    return Change("Removed the music.", "已删除音乐。")


def do_sync_to_beat(draft: Draft, intent: it.SyncToBeat, ctx: EditContext) -> Change:
    segs = need_timeline(draft)
    seg = music_segment(draft)
    added = None
    if seg is None:
        added = ctx.music_choice()
        if added is None:
            raise Refusal("Add some music first: I cut on its beats.", "请先添加音乐，我会按它的节拍切换。")
        seg = _add_music(draft, added, ctx.track_names["audio"])
    media = ctx.by_id(seg.src)
    beats = ctx.beats_for(media) if media is not None else None
    if not beats or len(beats) < 2:
        raise Refusal("I couldn't find a steady beat in this music.", "这段音乐里没有找到稳定的节拍。")
    beats = sorted(float(b) for b in beats)
    first = beats[0]
    if 0 < first < 2000:
        seg.in_ = round(first)  # start the music on its first beat, so the first cut is on a beat too
    offset = float(seg.in_ or 0)
    times = [b - offset for b in beats if b - offset >= -1]
    intervals = sorted(b - a for a, b in itertools.pairwise(times))
    period = intervals[len(intervals) // 2]
    avg = sum(s.d for s in segs) / len(segs)
    k = max(1, round(avg / period))
    while k * period < MIN_PHOTO_MS * 2:
        k += 1

    def beat(j: int) -> float:
        if j < len(times):
            return times[j]
        return times[-1] + (j - len(times) + 1) * period

    cuts = [round(beat(i * k)) if i else 0 for i in range(len(segs) + 1)]
    gaps = [b - a for a, b in itertools.pairwise(cuts)]
    for i, s in enumerate(segs):
        overlap = 0.0
        tr = s.tr
        if tr is not None and tr.type != "cut" and i < len(segs) - 1:
            want = tr.d
            overlap = min(want, int(TRANSITION_SHARE * min(gaps[i], gaps[i + 1])))
            tr.d = overlap
        s.d = round(gaps[i] + overlap)
    bpm = 60000 / period
    en_add = f" Added “{added.name}” first." if added else ""
    zh_add = f"已先添加“{added.name}”。" if added else ""
    return Change(
        f"Synced to the beat: every cut lands on a beat (~{round(bpm)} BPM), a new photo every {k} "
        f"beat{'s' if k > 1 else ''}.{en_add}",
        f"已卡点：每次切换都落在节拍上（约 {round(bpm)} BPM），每 {k} 拍换一张。{zh_add}",
        {"bpm": round(bpm, 1), "beats_per_photo": k, "cuts_ms": cuts[1:-1][:50]},
    )


def do_set_transition(draft: Draft, intent: it.SetTransition, ctx: EditContext) -> Change:
    segs = need_timeline(draft)
    if len(segs) < 2:
        raise Refusal(
            "Transitions join two photos: the timeline has only one.",
            "转场用于连接两张照片，时间线上只有一张。",
        )
    slots = resolve_many(draft, intent.refs, ctx) if intent.refs else list(range(len(segs) - 1))
    slots = [i for i in slots if i < len(segs) - 1]
    if not slots:
        raise Refusal("The last photo has no transition after it.", "最后一张之后没有转场。")
    used: list[str] = []
    for n, i in enumerate(slots):
        seg = segs[i]
        old = seg.tr
        if intent.mixed:
            kind = MIXED_TRANSITIONS[n % len(MIXED_TRANSITIONS)]
        elif intent.type is not None:
            kind = intent.type
        else:
            kind = old.type if old is not None and old.type != "cut" else "crossfade"
        if kind == "cut":
            seg.tr = None
        else:
            ms = (
                intent.ms
                if intent.ms is not None
                else (old.d if old is not None and old.d else DEFAULT_TRANSITION_MS)
            )
            if not 0 <= ms <= 60_000:
                raise Refusal("A transition lasts at most 60 s.", "转场最长 60 秒。")
            seg.tr = Transition.make(kind, ms)
        used.append(kind)
    where_en = "between all photos" if not intent.refs else f"after {_names(draft, slots, 'en')}"
    where_zh = "所有照片之间" if not intent.refs else f"{_names(draft, slots, 'zh')}之后"
    if intent.mixed:
        kinds = list(dict.fromkeys(used))
        return Change(
            f"Mixed transitions {where_en}: {', '.join(TR_NAMES[k][0] for k in kinds)}.",
            f"{where_zh}已改为混合转场：{'、'.join(TR_NAMES[k][1] for k in kinds)}。",
            {"types": used},
        )
    if used and used[0] == "cut":
        return Change(
            f"Removed the transitions {where_en}: hard cuts now.", f"已去掉{where_zh}的转场，改为硬切。"
        )
    ms_note = f", {_s(intent.ms / 1000)} s" if intent.ms is not None else ""
    return Change(
        f"Transitions {where_en}: {TR_NAMES[used[0]][0]}{ms_note}.",
        f"{where_zh}的转场：{TR_NAMES[used[0]][1]}{ms_note.replace(', ', '，').replace(' s', ' 秒')}。",
        {"type": used[0], "ms": intent.ms},
    )


def do_move(draft: Draft, intent: it.Move, ctx: EditContext) -> Change:
    segs = need_timeline(draft)
    n = len(segs)
    assert intent.ref is not None
    src = resolve(draft, intent.ref, ctx)
    order = list(range(n))
    order.remove(src)
    if intent.after is not None or intent.before is not None:
        target = resolve(draft, intent.after or intent.before, ctx)  # type: ignore[arg-type]
        if target == src:
            raise Refusal("A photo can't move next to itself.", "不能把照片移到它自己旁边。")
        at = order.index(target) + (1 if intent.after is not None else 0)
    elif intent.by:
        at = max(0, min(n - 1, src + intent.by))
        if at == src:
            raise Refusal(
                f"Photo {src + 1} is already {'first' if src == 0 else 'last'}.",
                f"第{src + 1}张已经在{'最前面' if src == 0 else '最后面'}了。",
            )
    else:
        to = intent.to if intent.to is not None else 1
        if to == -1:
            at = n - 1
        elif 1 <= to <= n:
            at = to - 1
        else:
            raise Refusal(
                f"There is no position {to}: the timeline has {n} photos.",
                f"没有第{to}位：时间线上只有 {n} 张。",
            )
    order.insert(at, src)
    name = segs[src].name
    reorder(draft, order)
    ctx.memory.selected = segs[src].src
    return Change(
        f"Moved {name} from position {src + 1} to {at + 1}.",
        f"已把 {name} 从第{src + 1}位移到第{at + 1}位。",
        {"from": src + 1, "to": at + 1},
    )


def do_swap(draft: Draft, intent: it.Swap, ctx: EditContext) -> Change:
    segs = need_timeline(draft)
    assert intent.a is not None and intent.b is not None
    a, b = resolve(draft, intent.a, ctx), resolve(draft, intent.b, ctx)
    if a == b:
        raise Refusal("Those are the same photo.", "这是同一张照片。")
    order = list(range(len(segs)))
    order[a], order[b] = order[b], order[a]
    reorder(draft, order)
    return Change(
        f"Swapped photo {a + 1} ({segs[a].name}) and photo {b + 1} ({segs[b].name}).",
        f"已交换第{a + 1}张（{segs[a].name}）和第{b + 1}张（{segs[b].name}）。",
        {"a": a + 1, "b": b + 1},
    )


def do_remove(draft: Draft, intent: it.Remove, ctx: EditContext) -> Change:
    segs = need_timeline(draft)
    gone = resolve_many(draft, intent.refs, ctx)
    if intent.keep:
        kept = set(gone)
        gone = [i for i in range(len(segs)) if i not in kept]
        if not gone:
            raise Refusal(
                "Those are all the photos there are: nothing to remove.", "这些就是全部照片：没有可删除的。"
            )
    if len(gone) >= len(segs):
        raise Refusal(
            "That would leave the timeline empty: keep at least one photo.",
            "那样时间线就空了：请至少保留一张照片。",
        )
    who_en, who_zh = _names(draft, sorted(gone), "en"), _names(draft, sorted(gone), "zh")
    reorder(draft, [i for i in range(len(segs)) if i not in gone])
    if ctx.memory.selected in {segs[i].src for i in gone}:
        ctx.memory.selected = None
    return Change(f"Removed {who_en}.", f"已删除{who_zh}。", {"removed": [i + 1 for i in sorted(gone)]})


def do_reverse(draft: Draft, intent: it.Reverse, ctx: EditContext) -> Change:
    segs = need_timeline(draft)
    reorder(draft, list(range(len(segs)))[::-1])
    return Change("Reversed the order of the photos.", "已将照片顺序倒过来。")


def do_shuffle(draft: Draft, intent: it.Shuffle, ctx: EditContext) -> Change:
    segs = need_timeline(draft)
    n = len(segs)
    if n < 2:
        raise Refusal("There is only one photo to shuffle.", "只有一张照片，无法打乱。")
    seed = ctx.memory.shuffles
    order = list(range(n))
    rng = random.Random(f"nemodesk-shuffle-{seed}-{n}")
    while order == list(range(n)):
        rng.shuffle(order)
    ctx.memory.shuffles += 1
    reorder(draft, order)
    return Change(
        "Shuffled the photos.", "已随机打乱照片顺序。", {"order": [i + 1 for i in order][:100], "seed": seed}
    )


def _text_segments(draft: Draft, style: str | None = None) -> list[tuple[Track, Segment]]:
    out = []
    for t in draft.tracks_of(TT_TEXT):
        for s in t.segments:
            if style is None or s.style == style or (style == "caption" and s.style != "title"):
                out.append((t, s))
    return out


def do_set_title(draft: Draft, intent: it.SetTitle, ctx: EditContext) -> Change:
    need_timeline(draft)
    text = intent.text.strip()[:200]
    if not text:
        raise Refusal(
            "The title is empty: put it in quotes, e.g. add a title “Summer 2024”.",
            "标题是空的：请用引号写出标题，例如：加标题「城市之梦」。",
        )
    existing = _text_segments(draft, "title")
    if existing:
        existing[0][1].text = text
    else:
        total = draft.duration_ms()
        draft.add_track(Track.make(TT_TEXT, ctx.track_names["title"], [Segment.make(
            round(min(TITLE_MS, total)), s=0, text=text, style="title", pos="center")]))  # fmt: skip
    draft.canvas.title = text
    return Change(
        f"Title set to “{text}” (first {_s(min(TITLE_MS, draft.duration_ms()) / 1000)} s).",
        f"标题已设为「{text}」（开头 {_s(min(TITLE_MS, draft.duration_ms()) / 1000)} 秒）。",
        {"text": text},
    )


def do_add_caption(draft: Draft, intent: it.AddCaption, ctx: EditContext) -> Change:
    segs = need_timeline(draft)
    text = intent.text.strip()[:300]
    if intent.ref is not None:
        idx = resolve(draft, intent.ref, ctx)
    else:
        idx = _selected_index(segs, ctx)
        if idx is None and len(segs) > 1:
            raise Refusal(
                "Which photo should the caption go on? e.g. add caption “At the beach” on photo 2.",
                "字幕要加在哪一张？例如：第2张加字幕「海边」。",
            )
        idx = idx or 0
    seg = segs[idx]
    track = next((t for t in draft.tracks_of(TT_TEXT) if t.name in CAPTION_NAMES), None)
    if track is None:
        track = draft.add_track(Track.make(TT_TEXT, ctx.track_names["captions"]))
    kept = [s for s in track.segments if s.meta.get(ANCHOR) != seg.src]
    cap = Segment.make(seg.d, s=seg.s or 0, text=text, style="caption", pos="bottom")
    cap.meta[ANCHOR] = seg.src
    kept.append(cap)
    kept.sort(key=lambda s: float(s.s or 0))
    track.set_segments(kept)
    _select(draft, [idx], ctx)
    return Change(
        f"Caption “{text}” on photo {idx + 1} ({seg.name}).",
        f"已在第{idx + 1}张（{seg.name}）加字幕「{text}」。",
        {"photo": idx + 1, "text": text},
    )


def do_remove_text(draft: Draft, intent: it.RemoveText, ctx: EditContext) -> Change:
    removed = 0
    anchors: set[str] | None = None
    if intent.refs:
        segs = need_timeline(draft)
        anchors = {segs[i].src for i in resolve_many(draft, intent.refs, ctx)}
    for t in draft.tracks_of(TT_TEXT):
        kept = []
        for s in t.segments:
            is_title = s.style == "title"
            hit = intent.what == "all" or (intent.what == "title") == is_title
            if hit and anchors is not None:
                hit = s.meta.get(ANCHOR) in anchors
            if hit:
                removed += 1
            else:
                kept.append(s)
        t.set_segments(kept)
    if intent.what in ("title", "all") and draft.canvas.title:
        draft.canvas.title = None
        removed = max(removed, 1)
    if not removed:
        raise Refusal("There is no text like that on the timeline.", "时间线上没有这样的文字。")
    what_en = {"title": "the title", "caption": "the captions", "all": "all text"}[intent.what]
    what_zh = {"title": "标题", "caption": "字幕", "all": "所有文字"}[intent.what]
    return Change(f"Removed {what_en}.", f"已删除{what_zh}。", {"removed": removed})


APPLY: dict[type[it.Intent], Callable[[Draft, Any, EditContext], Change]] = {
    it.SetEffect: do_set_effect, it.SetBlur: do_set_blur, it.SetCanvas: do_set_canvas, it.SetFit: do_set_fit,
    it.SetDuration: do_set_duration, it.SetTotalLength: do_set_total, it.FitToMusic: do_fit_to_music,
    it.SyncToBeat: do_sync_to_beat, it.SetTransition: do_set_transition, it.Move: do_move, it.Swap: do_swap,
    it.Remove: do_remove, it.Reverse: do_reverse, it.Shuffle: do_shuffle, it.SetTitle: do_set_title,
    it.AddCaption: do_add_caption, it.RemoveText: do_remove_text, it.AddMusic: do_add_music,
    it.SetVolume: do_set_volume, it.SetFade: do_set_fade, it.RemoveMusic: do_remove_music,
}  # fmt: skip
REPLACE: dict[type[it.Intent], Callable[[Draft, Any, EditContext], tuple[Draft, Change]]] = {
    it.Slideshow: do_slideshow,
    it.Animate: do_animate,
}


def apply_intent(draft: Draft, intent: it.Intent, ctx: EditContext) -> tuple[Draft, Change]:
    """Apply one intent; returns the (possibly new) draft, finished and valid."""
    if type(intent) in REPLACE:
        draft, change = REPLACE[type(intent)](draft, intent, ctx)
    else:
        change = APPLY[type(intent)](draft, intent, ctx)
    finish(draft, ctx)
    return draft, change
