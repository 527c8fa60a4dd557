"""The rule-based parser: one message (English or Chinese) → typed intents (intents.py).

How it reads a message:
1. quoted text (“…”, "…", '…', 「…」, 『…』) is lifted out first, so a title never triggers a rule;
2. spelled numbers become digits (numbers.py), English is lower-cased;
3. the message is split into clauses (commas, "then", 然后 …); a clause joined by "and"/并 is split again
   only if every part is understood on its own ("swap photo 1 and 3" stays whole);
4. each clause goes through the rules below in order; the first that recognises it wins;
5. options that follow a slideshow request ("…, 2 seconds each, vertical") are folded into it, so the
   draft is exactly the one `build_slideshow` makes with those options.

`RuleParser` satisfies the `Parser` protocol; a language model can replace it as long as it returns
`Parsed` with the same intent types.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from nemodesk.engine.agent.intents import (
    AddCaption,
    AddMusic,
    Animate,
    FitToMusic,
    Help,
    Info,
    Intent,
    Move,
    Parsed,
    Redo,
    Ref,
    Remove,
    RemoveMusic,
    RemoveText,
    Reverse,
    SetBlur,
    SetCanvas,
    SetDuration,
    SetEffect,
    SetFade,
    SetFit,
    SetTitle,
    SetTotalLength,
    SetTransition,
    SetVolume,
    ShowTimeline,
    Shuffle,
    Slideshow,
    Swap,
    SyncToBeat,
    Undo,
)
from nemodesk.engine.agent.numbers import EN_ORDINALS, normalise_numbers


@dataclass
class ParseContext:
    """What the parser may know about the session: names it can recognise as references."""

    photo_names: Sequence[str] = ()  # uploaded photos and timeline segment names
    audio_names: Sequence[str] = ()
    photo_count: int = 0  # photos uploaded


class Parser(Protocol):
    def parse(self, message: str, ctx: ParseContext) -> Parsed: ...


# ------------------------------------------------------------------------------------------ vocabulary

NUM = r"(\d+(?:\.\d+)?)"
SEC_UNIT = r"\s*(?:-\s*)?(?:seconds?|secs?|s\b|秒钟?|sec\b)"
MS_UNIT = r"\s*(?:ms|milliseconds?|毫秒)"
MIN_UNIT = r"\s*(?:minutes?|mins?\b|分钟)"

PHOTO_WORD = r"(?:photos?|images?|pictures?|pics?|slides?|shots?|clips?|segments?|frames?)\b"
ZH_MEASURE = r"(?:张|个|幅|页|段|帧|图|照片|图片)"

ASPECT_RULES: tuple[tuple[str, str], ...] = (
    (r"instagram\s*(?:post|feed)|\big\s*post|\b4\s*[:：x×]\s*5\b|ins帖子|ins贴文|4比5", "4:5"),
    (
        r"tik\s*tok|\breels?\b|\bshorts\b|vertical|portrait|\bstor(?:y|ies)\b|\b9\s*[:：x×]\s*16\b|竖屏|竖版|竖向|"
        r"竖的|抖音|快手|视频号|9比16",
        "9:16",
    ),
    (r"square|\b1\s*[:：x×]\s*1\b|正方形|方形|1比1", "1:1"),
    (
        r"you\s*tube|landscape|horizontal|widescreen|\b16\s*[:：x×]\s*9\b|横屏|横版|宽屏|横向|16比9|b站",
        "16:9",
    ),
    (r"instagram", "4:5"),
)

TRANSITION_WORDS: tuple[tuple[str, str], ...] = (
    (r"dip\s*to\s*black|fade\s*(?:to|through)\s*black|黑场|闪黑|渐黑|淡出到黑", "dip_black"),
    (r"cross\s*-?\s*fades?|crossfading|dissolves?|叠化|溶解|交叉淡化|淡入淡出转场|渐变", "crossfade"),
    (r"slide\s*right|slides?\s+to\s+the\s+right|向右滑|右滑", "slide_right"),
    (r"slide\s*up|向上滑|上滑", "slide_up"),
    (r"slide\s*left|slid(?:e|ing)s?\s+transitions?|slide\b|滑动|滑入|推移|向左滑|左滑", "slide_left"),
    (r"wipe\s*right|向右擦除|右擦", "wipe_right"),
    (r"wipes?|擦除|划像", "wipe_left"),
    (r"zoom\s+transitions?|zoom(?:ing)?\s+between|缩放转场|放大转场", "zoom"),
    (r"blur\s+transitions?|blurry\s+transitions?|模糊转场", "blur"),
    (r"\bfades?\b|淡入淡出", "crossfade"),
    (r"hard\s*cuts?|just\s+cut|\bcuts?\b|硬切|直接切", "cut"),
)
MIXED_TRANSITIONS = ("crossfade", "slide_left", "wipe_right", "zoom", "dip_black", "slide_up", "blur",
                     "wipe_left", "slide_right")  # fmt: skip

EFFECT_WORDS: tuple[tuple[str, str], ...] = (
    (r"zoom(?:ing)?\s*out|pull(?:ing)?\s*(?:out|back)|拉远|缩小|镜头后退|推远", "zoom_out"),
    (r"pan(?:ning)?\s*(?:to\s+the\s+)?left|向左平移|左移|向左移动|向左摇|往左", "pan_left"),
    (r"pan(?:ning)?\s*(?:to\s+the\s+)?right|向右平移|右移|向右移动|向右摇|往右", "pan_right"),
    (r"pan(?:ning)?\s*up(?:wards?)?|向上平移|上移|向上移动|向上摇|往上", "pan_up"),
    (r"pan(?:ning)?\s*down(?:wards?)?|向下平移|下移|向下移动|向下摇|往下", "pan_down"),
    (r"zoom(?:ing)?\s*in|push(?:ing)?\s*in|zoom\b|放大|推近|推进|拉近|镜头推", "zoom_in"),
    (r"ken\s*-?\s*burns|肯伯恩斯|缩放平移", "kenburns"),
    (
        r"no\s+(?:effects?|motion|movement|animation)|static|still\b|remove\s+(?:the\s+)?(?:effects?|motion)|"
        r"无效果|去掉效果|去掉动效|不要动效|静止|不要动",
        "none",
    ),
)

FIT_WORDS: tuple[tuple[str, str], ...] = (
    (r"blur(?:red|ry)?\s*(?:background|fill|bars|sides)|模糊背景|背景模糊|模糊填充", "blur"),
    (
        r"fill\s+the\s+(?:frame|screen|canvas)|crop\s+to\s+fill|\bcrop(?:ped)?\b|zoom\s+to\s+fill|\bcover\b|"
        r"no\s+black\s+bars|full\s*screen|铺满|填满|裁剪|充满画面|满屏",
        "cover",
    ),
    (
        r"show\s+the\s+whole|whole\s+photo|fit\s+inside|letter\s*box|black\s+bars|\bcontain\b|don'?t\s+crop|"
        r"no\s+crop|完整显示|不要裁剪|不裁剪|留黑边|显示完整|黑边",
        "contain",
    ),
)

PER_WORDS = r"\beach\b|\bevery\b|\bper\b|apiece|\ball\s+(?:the\s+)?photos|每张|每个|每一|每幅|每页|所有照片|全部照片|统一|都"
TOTAL_WORDS = (
    r"\btotal\b|overall|in\s+all|altogether|whole\s+video|entire\s+video|video\s+length|"
    r"length\s+of\s+the\s+video|\blong\b|\blength\b|总长|总时长|视频时长|一共|总共|整个视频|视频长度|全片|整体"
)
ALL_WORDS = r"\ball\b|\bevery\b|\beach\b|所有|每张|每个|全部|每一"

MUSIC_WORDS = r"music|\bsong\b|soundtrack|\bbgm\b|\baudio\b|\bsound\b|\btrack\b|音乐|配乐|歌|声音|伴奏|背景乐"
NEG = r"\bno\b|\bwithout\b|\bremove\b|\bdelete\b|\bdrop\b|\bget\s+rid\s+of\b|\btake\s+(?:out|away|off)\b|" \
      r"\bturn\s+off\b|\bdisable\b|\bclear\b|不要|去掉|删除|删掉|移除|拿掉|取消|关掉|关闭|无"  # fmt: skip

QUOTE_RE = re.compile(
    r"“([^”]*)”|「([^」]*)」|『([^』]*)』|‘([^’]*)’|«([^»]*)»|《([^》]*)》"
    r"|(?:(?<=^)|(?<=[\s:：(（=]))\"([^\"]*)\"|(?:(?<=^)|(?<=[\s:：(（=]))'([^']*)'(?=$|[\s.,!?;:，。！？)）])"
)
QMARK = "\ue010"  # placeholder prefix for a lifted quote: QMARK + chr(0xE100 + i)


# ------------------------------------------------------------------------------------------ references


def _multi_positions(text: str) -> list[int]:
    """'2, 3 and 5' → [2, 3, 5]; '2-4' / '2 to 4' → [2, 3, 4]."""
    m = re.fullmatch(r"\s*(\d+)\s*(?:-|to|through|～|~|至|到)\s*(\d+)\s*", text)
    if m:
        a, b = int(m.group(1)), int(m.group(2))
        if 0 < a <= b <= a + 1000:
            return list(range(a, b + 1))
    return [int(x) for x in re.findall(r"\d+", text)]


_REF_PATTERNS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], list[Ref]]], ...] = (
    (
        re.compile(
            r"(?:second|2nd)[\s-]+(?:to[\s-]+)?last(?:\s+(?:one|"
            + PHOTO_WORD
            + r"))?|penultimate(?:\s+"
            + PHOTO_WORD
            + r")?"
        ),
        lambda m: [Ref(pos=-2)],
    ),
    (
        re.compile(r"(?:the\s+)?first\s+(\d+)\s+" + PHOTO_WORD + r"|前\s*(\d+)\s*" + ZH_MEASURE),
        lambda m: [Ref(pos=p) for p in range(1, min(1000, int(m.group(1) or m.group(2))) + 1)],
    ),
    (
        re.compile(r"(?:the\s+)?last\s+(\d+)\s+" + PHOTO_WORD + r"|(?:最后|后)\s*(\d+)\s*(?:张|幅|个)"),
        lambda m: [Ref(pos=-p) for p in range(min(1000, int(m.group(1) or m.group(2))), 0, -1)],
    ),
    (
        re.compile(r"第\s*(\d+)\s*(?:到|至|-|~|～)\s*第?\s*(\d+)\s*" + ZH_MEASURE + "?"),
        lambda m: [Ref(pos=p) for p in _multi_positions(f"{m.group(1)}-{m.group(2)}")],
    ),
    (re.compile(r"倒数第\s*(\d+)\s*" + ZH_MEASURE + "?"), lambda m: [Ref(pos=-int(m.group(1)))]),
    (
        re.compile(
            r"(?:the\s+)?(?:very\s+)?(?:last|final)\s+(?:one|" + PHOTO_WORD + r")|\bthe\s+last\b(?!\s+\d)"
        ),
        lambda m: [Ref(pos=-1)],
    ),
    (re.compile(r"最后\s*(?:1\s*)?" + ZH_MEASURE + r"|最后1" + ZH_MEASURE + "?"), lambda m: [Ref(pos=-1)]),
    (
        re.compile(
            PHOTO_WORD
            + r"\s*(?:no\.?|number|#)?\s*(\d+(?:\s*(?:,|、|and|&|-|to|through)\s*\d+)*)(?![\d.]|\s*(?:s\b|sec|秒|%|ms|x))"
        ),
        lambda m: [
            Ref(pos=p)
            for p in _multi_positions(m.group(1).replace("and", ",").replace("&", ",").replace("、", ","))
        ],
    ),
    (
        re.compile(r"(?:the\s+)?(\d+)(?:st|nd|rd|th)\s*(?:one|" + PHOTO_WORD + r")?"),
        lambda m: [Ref(pos=int(m.group(1)))],
    ),
    (
        re.compile(r"(?:the\s+)?\b(" + "|".join(EN_ORDINALS) + r")\s+(?:one|" + PHOTO_WORD + r")"),
        lambda m: [Ref(pos=EN_ORDINALS[m.group(1)])],
    ),
    (
        re.compile(r"第\s*(\d+)\s*(?:[、,，和与跟及]\s*第?\s*(\d+)\s*)*" + ZH_MEASURE + "?"),
        lambda m: [Ref(pos=int(x)) for x in re.findall(r"\d+", m.group(0))],
    ),
    (
        re.compile(
            r"\bthe\s+(" + "|".join(k for k in EN_ORDINALS if EN_ORDINALS[k] <= 10) + r")\b"
            r"(?!\s+(?:time|position|place|spot|transition|\d))"
        ),
        lambda m: [Ref(pos=EN_ORDINALS[m.group(1)])],
    ),
    (
        re.compile(
            r"\bthis\s+(?:one|"
            + PHOTO_WORD
            + r")|\bthat\s+(?:one|"
            + PHOTO_WORD
            + r")|这张|这个(?!视频|影片|片子|短片)|这幅|这一张|该图|它"
        ),
        lambda m: [Ref(this=True)],
    ),
)


@dataclass
class Clause:
    """One clause: its text (lower-cased, numbers as digits) and the quotes lifted out of the message."""

    text: str
    quotes: list[str]
    ctx: ParseContext
    original: str = ""  # the whole message as typed (for casing of unquoted titles)
    refs: list[Ref] = field(default_factory=list)
    rest: str = ""  # text with references blanked out

    def __post_init__(self) -> None:
        self.refs, self.rest = find_refs(self.text, self.ctx)

    def has(self, pattern: str, *, rest: bool = False) -> bool:
        return re.search(pattern, self.rest if rest else self.text) is not None

    def quote(self) -> str | None:
        for m in re.finditer(QMARK + "(.)", self.text):
            i = ord(m.group(1)) - 0xE100
            if 0 <= i < len(self.quotes) and self.quotes[i].strip():
                return self.quotes[i].strip()
        return None

    def seconds(self, *, rest: bool = True) -> float | None:
        """The first duration in the clause, in seconds (ms and minutes converted)."""
        text = self.rest if rest else self.text
        m = re.search(NUM + MS_UNIT, text)
        if m:
            return float(m.group(1)) / 1000
        m = re.search(NUM + MIN_UNIT, text)
        if m:
            return float(m.group(1)) * 60
        m = re.search(NUM + SEC_UNIT, text)
        if m:
            return float(m.group(1))
        return None

    def percent(self) -> float | None:
        m = re.search(NUM + r"\s*(?:%|％|percent|pct)", self.text)
        if m:
            return float(m.group(1))
        m = re.search(r"(?:volume|音量)\D{0,12}?" + NUM, self.text)
        if m:
            v = float(m.group(1))
            return v * 100 if v <= 2 and "." in m.group(1) else v
        return None


@functools.lru_cache(maxsize=8)
def _name_candidates(names: tuple[str, ...]) -> tuple[tuple[str, str, str], ...]:
    """(name, lower-case name, lower-case stem), longest first: computed once per media list, not per clause."""
    out = []
    for name in sorted({n for n in names if n}, key=len, reverse=True):
        low = name.lower()
        out.append((name, low, low.rsplit(".", 1)[0] if "." in low else low))
    return tuple(out)


def find_refs(text: str, ctx: ParseContext) -> tuple[list[Ref], str]:
    """References in reading order, and the text with them blanked (so '3' in 'photo 3' is no duration)."""
    found: list[tuple[int, list[Ref]]] = []
    chars = list(text)

    def blank(a: int, b: int) -> None:
        for i in range(a, b):
            chars[i] = " "

    current = text
    for name, low, stem in _name_candidates(tuple(ctx.photo_names)):
        for cand in (low, stem) if len(stem) >= 3 else (low,):
            if cand not in current:  # most of 1,000 names: skip without walking the text
                continue
            start = 0
            while True:
                i = current.find(cand, start)
                if i < 0:
                    break
                before = current[i - 1] if i > 0 else " "
                after = current[i + len(cand)] if i + len(cand) < len(current) else " "
                word_char = (before.isascii() and before.isalnum()) or (after.isascii() and after.isalnum())
                if not word_char or not cand.isascii():
                    found.append((i, [Ref(name=name)]))
                    blank(i, i + len(cand))
                    current = "".join(chars)
                start = i + len(cand)
    for pattern, make in _REF_PATTERNS:
        current = "".join(chars)
        for m in pattern.finditer(current):
            refs = make(m)
            if refs:
                found.append((m.start(), refs))
                blank(m.start(), m.end())
    found.sort(key=lambda t: t[0])
    return [r for _, refs in found for r in refs], "".join(chars)


# --------------------------------------------------------------------------------------------- rules


def _first(rules: tuple[tuple[str, str], ...], text: str) -> str | None:
    for pattern, value in rules:
        if re.search(pattern, text):
            return value
    return None


def _aspect(c: Clause) -> str | None:
    return _first(ASPECT_RULES, c.text)


INFO_TOPICS = (  # requests the app handles itself (nemo-protocol.md); answered with where to find them
    (
        "export",
        r"^\s*(?:please\s+)?(?:export|download|render)\b|send\s+me\s+the\s+video|^\s*导出|^\s*下载|^\s*渲染",
    ),
    ("credits", r"\bcredits?\b|\bbalance\b|积分|余额"),
    ("upload", r"^\s*(?:upload|上传)"),
)


def rule_undo_redo(c: Clause) -> list[Intent] | None:
    steps = 1
    m = re.search(r"(\d+)\s*(?:times|steps?|步|次|edits?|changes?)", c.text)
    if m:
        steps = max(1, min(50, int(m.group(1))))
    if c.has(r"\bredo\b|重做|恢复撤销|恢复刚才|撤销撤销|还原撤销|^\s*恢复\s*$"):
        return [Redo(steps)]
    if c.has(
        r"\bundo\b|\brevert\b|go\s+back|take\s+(?:that|it)\s+back|\bun-do\b|撤销|撤回|回退|返回上一步|"
        r"上一步|取消上一步|取消刚才"
    ):
        return [Undo(steps)]
    return None


def rule_show(c: Clause) -> list[Intent] | None:
    if c.has(r"^\s*(?:help|\?|what can you do|帮助|你能做什么|怎么用)\s*$"):
        return [Help()]
    for topic, pattern in INFO_TOPICS:
        if c.has(pattern):
            return [Info(topic)]
    if c.has(
        r"show\s+(?:me\s+)?(?:the\s+)?(?:timeline|tracks|draft)|\bstatus\b|what'?s\s+on\s+the\s+timeline|"
        r"\bsummary\b|^\s*timeline\s*$|状态|查看时间线|时间线|显示轨道|概览"
    ):
        return [ShowTimeline()]
    return None


_SLIDESHOW_RE = (
    r"slide\s*-?\s*show|幻灯片|幻灯|轮播|相册视频|影集|\bmontage\b|photo\s*video|"
    r"(?:photos|images|pictures|pics|them|all)\b.*\b(?:into|to|as)\b.*\b(?:videos?|mp4|movie|clip|reel)|"
    r"(?:make|create|build|generate|render)\s+(?:me\s+)?(?:a|an)\s+(?:\d+\S*\s+)?(?:short\s+)?(?:video|movie|reel)\b|"
    r"(?:照片|图片|相片|这些图).*(?:做成|生成|变成|合成|转成|制作).*(?:视频|短片|影片)|(?:做成|生成|制作|做)(?:一个|个)?.{0,6}?视频"
)
_SINGLE_TO_VIDEO_RE = r"\b(?:photo|image|picture|pic)\b.*\b(?:into|to|as)\b.*\b(?:video|mp4|movie|clip)"
_ANIMATE_RE = (
    r"animat|bring\b.*\bto\s+life|make\s+(?:it|this|the\s+\w+)\s+move|\bcinematic\b|motion\s+effects?|"
    r"动起来|动画|让.*动|运镜|电影感|镜头感|动态效果"
)


def _slideshow_options(c: Clause) -> Slideshow:
    seconds = None
    total = None
    s = c.seconds()
    if s is not None:
        if c.has(PER_WORDS):
            seconds = s
        elif c.has(TOTAL_WORDS) or c.has(
            r"\d+\s*-?\s*(?:seconds?|secs?|s|秒)\s*(?:的)?\s*(?:video|slideshow|clip|movie|reel|视频|幻灯片|短片)"
        ):
            total = s
        else:
            seconds = s
    trans = None
    tr_ms = None
    if c.has(r"(?:no|without)\s+transitions?|不要转场|无转场|没有转场|去掉转场"):
        trans = "cut"
    else:
        t = _first(
            TRANSITION_WORDS[:-2], c.text
        )  # in a slideshow request "fade"/"cut" words are options only
        if t:
            trans = t
    fx = "kenburns"
    if c.has(
        r"no\s+(?:effects?|motion|ken\s*burns|zoom)|without\s+(?:effects?|motion|ken\s*burns)|无效果|不要动效"
    ):
        fx = "none"
    music = not c.has(r"(?:no|without)\s+(?:music|audio|sound|song)|不要音乐|无音乐|没有音乐|不要配乐|静音")
    count = None
    m = re.search(
        r"(?:\bfirst|前)\s*(\d+)\s*(?:photos?|images?|pictures?|pics?|张|幅)?|(\d+)\s+(?:[a-z]+\s+)?(?:photos|images|pictures|pics)\b"
        r"|(\d+)\s*(?:张|幅)(?:照片|图片|相片)?",
        c.text,
    )
    if m:
        count = int(next(g for g in m.groups() if g))
    title = c.quote() if c.has(r"title|标题|片名|题目|名字|called|named|叫") else None
    show = Slideshow(
        aspect=_aspect(c),
        seconds=seconds,
        transition=trans,
        transition_ms=tr_ms,
        title=title,
        music=music,
        fx=fx,
        count=count,
    )
    if total is not None:
        return show, SetTotalLength(total)  # type: ignore[return-value]
    return show


def rule_slideshow(c: Clause) -> list[Intent] | None:
    single = (
        c.has(_SINGLE_TO_VIDEO_RE)
        and not c.has(r"photos|images|pictures|pics")
        and (c.ctx.photo_count <= 1 or bool(c.refs) or c.has(r"\bsingle\b|\bone\b|\bthis\b"))
    )
    if c.has(_ANIMATE_RE) and (
        not c.has(r"photos|images|pictures|pics|所有照片|这些照片|全部照片") or c.ctx.photo_count <= 1
    ):
        return rule_animate(c)
    if single:
        return rule_animate(c, force=True)
    if c.has(_SLIDESHOW_RE) or (c.has(_ANIMATE_RE) and c.ctx.photo_count > 1):
        opts = _slideshow_options(c)
        if isinstance(opts, tuple):
            return list(opts)
        return [opts]
    return None


def rule_animate(c: Clause, *, force: bool = False) -> list[Intent] | None:
    if not force and not c.has(_ANIMATE_RE):
        return None
    fx = _first(EFFECT_WORDS[:6], c.rest) or "zoom_in"
    blur = c.has(r"blur|模糊|cinematic|电影") and not c.has(
        r"(?:no|without)\s+(?:motion\s+)?blur|不要模糊|无模糊"
    )
    ref = c.refs[0] if c.refs else None
    return [Animate(fx=fx, blur=blur, seconds=c.seconds(), ref=ref)]


ADD_MUSIC = (
    r"\badd\b|\buse\b|\bwith\b|\bput\b|\bplay\b|\bset\b|\bchange\b|\bswitch\b|\bpick\b|"
    r"加|换|用|配|放|来点|添加|背景"
)


def rule_music(c: Clause) -> list[Intent] | None:
    text = c.text
    music = c.has(MUSIC_WORDS)
    fade = re.search(r"fade[\s-]*(in|out)|(淡入|淡出|渐入|渐出|渐强|渐弱)|fade\b.*?\b(in|out)\b", text)
    volume = c.has(r"volume|音量|louder|quieter|softer|\bmute\b|静音|大声|小声|turn\s+(?:it\s+)?(?:up|down)")
    beat = c.has(r"\bbeats?\b|\bbpm\b|rhythm|tempo|卡点|踩点|节拍|节奏|鼓点")
    if beat and c.has(r"sync|match|\bon\b|\bto\b|cut|align|snap|卡点|踩点|跟|对齐|同步|配合|按"):
        return [SyncToBeat()]
    if c.has(
        r"(?:fit|match|same\s+length\s+as|as\s+long\s+as|length\s+of|end\s+with|last\s+as\s+long\s+as)\s+(?:to\s+)?(?:the\s+)?(?:music|song|audio|bgm|track)|"
        r"(?:配合|适配|匹配|跟|和|按|根据).{0,4}(?:音乐|歌|配乐).{0,4}(?:长度|时长|一样长)|音乐多长"
    ):
        return [FitToMusic()]
    if not (music or fade or volume):
        return None
    if c.has(NEG, rest=True) and music and not fade and not c.has(r"(?:no|without)\s+fade"):
        if c.has(r"\bmute\b|静音"):
            return [SetVolume(0)]
        return [RemoveMusic()]
    out: list[Intent] = []
    if volume:
        pct = c.percent()
        if pct is not None:
            out.append(SetVolume(pct))
        elif c.has(r"\bmute\b|静音"):
            out.append(SetVolume(0))
        elif c.has(r"louder|turn\s+(?:it\s+)?up|increase|raise|higher|大声|调大|调高|提高|大一点|响|高一点"):
            out.append(SetVolume(20, relative=True))
        elif c.has(
            r"quieter|softer|turn\s+(?:it\s+)?down|decrease|lower|小声|调小|调低|降低|小一点|轻|低一点"
        ):
            out.append(SetVolume(-20, relative=True))
    elif c.percent() is not None and music and re.search(r"%|percent", text):
        out.append(SetVolume(c.percent() or 0))
    if fade:
        both = c.has(r"\bin\s*(?:and|&|/)\s*(?:fade\s*)?out\b|淡入淡出|渐入渐出")
        secs = c.seconds()
        whiches = (
            ["in", "out"]
            if both
            else [
                "in"
                if (
                    "in" in (fade.group(1), fade.group(3))
                    or (fade.group(2) or "") in ("淡入", "渐入", "渐强")
                )
                else "out"
            ]
        )
        if c.has(r"(?:no|without|remove)\s+(?:the\s+)?fade|不要淡|去掉淡|取消淡"):
            secs = 0
        for w in whiches:
            out.append(SetFade(w, secs if secs is not None else (1.0 if w == "in" else 2.0)))
    if not out and music and c.has(ADD_MUSIC):
        name = next(
            (n for n in c.ctx.audio_names if n.lower() in text or n.lower().rsplit(".", 1)[0] in text), None
        )
        out.append(AddMusic(name))
    return out or None


def rule_text(c: Clause) -> list[Intent] | None:
    title = c.has(r"\btitle\b|标题|片名|题目|\bheading\b|\bcall\s+it\b|\bname\s+it\b")
    caption = c.has(r"caption|subtitle|\btext\b|\blabel\b|\bwords?\b|字幕|文字|说明|文案|配文")
    if not (title or caption or (c.quote() and c.has(r"\badd\b|\bput\b|\bwrite\b|加|添加|写|放上"))):
        return None
    if c.has(NEG, rest=True) and not c.quote():
        if title and not caption:
            return [RemoveText("title")]
        if caption and c.has(r"all|所有|全部") and not c.refs:
            return [RemoveText("all")]
        return [RemoveText("caption", tuple(c.refs))]
    text = c.quote()
    if text is None:
        m = re.search(
            r"(?:title|标题|caption|字幕|text|文字)\s*(?:to|as|is|为|是|改成|改为|叫|:|：)\s*(.+)$", c.text
        )
        if m and m.group(1).strip():
            # unquoted: take the original casing back from the message
            text = m.group(1).strip()
            found = re.search(re.escape(text), c.original, re.IGNORECASE)
            if found:
                text = found.group(0)
    if text is None:
        return None
    if (caption and not title) or (c.refs and not title):
        return [AddCaption(text, c.refs[0] if c.refs else None)]
    return [SetTitle(text)]


def rule_transition(c: Clause) -> list[Intent] | None:
    word = c.has(r"transitions?|转场|过渡|切换效果|切换方式")
    kind = _first(TRANSITION_WORDS, c.rest)
    strong = (
        kind in ("dip_black", "wipe_left", "wipe_right", "slide_left", "slide_right", "slide_up")
        or (kind == "crossfade" and c.has(r"cross|dissolve|叠化|溶解|交叉", rest=True))
        or (kind == "cut" and c.has(r"hard\s*cuts?|just\s+cuts?|硬切|直接切"))
    )
    if not (word or strong):
        return None
    refs: tuple[Ref, ...] = (c.refs[0],) if c.refs else ()
    if c.has(
        r"(?:no|without|remove|delete|drop)\s+(?:the\s+|all\s+)?transitions?|不要转场|去掉转场|取消转场|无转场|"
        r"没有转场|删除转场|hard\s*cuts?|just\s+cuts?|硬切|直接切"
    ):
        return [SetTransition(type="cut", refs=refs)]
    if c.has(r"mix(?:ed)?|different|varied|various|random|variety|assorted|混合|不同|多种|随机|各种"):
        ms = c.seconds()
        return [SetTransition(type=None, ms=None if ms is None else round(ms * 1000), mixed=True)]
    ms = c.seconds()
    if kind == "cut":
        kind = None
    if kind is None and ms is None:
        if c.has(r"longer|slower|更长|长一点|慢一点"):
            return [SetTransition(type=None, ms=1000, refs=refs)]
        if c.has(r"shorter|faster|quicker|更短|短一点|快一点"):
            return [SetTransition(type=None, ms=300, refs=refs)]
        if c.has(r"\badd\b|\bwith\b|\buse\b|加|添加|要"):
            return [SetTransition(type="crossfade", ms=600, refs=refs)]
        return None
    return [SetTransition(type=kind, ms=None if ms is None else round(ms * 1000), refs=refs)]


def rule_canvas(c: Clause) -> list[Intent] | None:
    fit = _first(FIT_WORDS, c.text)
    if fit and not c.has(r"motion\s+blur|动态模糊|运动模糊"):
        return [SetFit(fit, tuple(c.refs))]
    aspect = _aspect(c)
    if aspect and not c.has(r"photo\s*\d|第\s*\d"):
        return [SetCanvas(aspect)]
    return None


def rule_duration(c: Clause) -> list[Intent] | None:
    secs = c.seconds()
    if secs is None:
        delta = None
        if c.has(r"longer|slower|slow\s+(?:it\s+)?down|more\s+time|加长|长一点|久一点|慢一点|放慢|慢些"):
            delta = 1.0
        elif c.has(
            r"shorter|faster|quicker|speed\s+(?:it\s+|things\s+)?up|less\s+time|缩短|短一点|快一点|加快|快些"
        ):
            delta = -1.0
        if delta is None or c.has(r"transition|转场|music|音乐"):
            return None
        if not c.refs and c.has(r"faster|quicker|slower|slow|speed|快|慢"):
            delta /= 2
        return [SetDuration(delta, tuple(c.refs), relative=True)]
    if c.has(r"transition|转场|过渡|fade|淡|music|音乐|song|audio|音量|volume"):
        return None
    by = re.search(r"\bby\s+" + NUM, c.rest)
    if by or (
        c.has(r"longer|shorter|加长|缩短|增加|减少|多|少")
        and re.search(r"(?:by|加长|缩短|增加|减少|多|少)\s*" + NUM, c.rest)
    ):
        sign = -1 if c.has(r"shorter|缩短|减少|少") else 1
        return [SetDuration(sign * secs, tuple(c.refs), relative=True)]
    if c.refs:
        return [SetDuration(secs, tuple(c.refs))]
    if c.has(PER_WORDS):
        return [SetDuration(secs)]
    if c.has(TOTAL_WORDS) or c.has(r"\bit\b|video|clip|movie|视频|影片|短片|整个"):
        return [SetTotalLength(secs)]
    return [SetDuration(secs)]


def _move_destination(c: Clause) -> tuple[int | None, Ref | None, Ref | None, str]:
    """(to position, after ref, before ref, text without the destination)."""
    text = c.text
    rules: tuple[tuple[str, Callable[[re.Match[str]], tuple[int | None, str | None]]], ...] = (
        (
            r"to\s+the\s+(?:very\s+)?(?:front|start|beginning|top)|to\s+(?:the\s+)?first(?:\s+(?:place|position|spot))?|"
            r"\bfirst\s*$|放到最前面?|移到最前面?|放在最前面?|挪到最前面?|移动到最前面?|提到最前面?|放到开头|移到开头|放在开头|放到第1位?|"
            r"最前面|开头|作为开头|作为第1张?|放第1个?",
            lambda m: (1, None),
        ),
        (
            r"to\s+the\s+(?:very\s+)?(?:end|back|bottom)|to\s+(?:the\s+)?last(?:\s+(?:place|position|spot))?|\blast\s*$|"
            r"放到最后面?|移到最后面?|放在最后面?|挪到最后面?|移动到最后面?|放到末尾|移到末尾|放在末尾|最后面|末尾|结尾",
            lambda m: (-1, None),
        ),
        (
            r"to\s+(?:position|place|slot|spot)\s*(\d+)|to\s+(?:the\s+)?(\d+)(?:st|nd|rd|th)\s*(?:position|place|slot|spot)?|"
            r"(?:放到|移到|放在|挪到|移动到|排到|排在|调到)\s*第\s*(\d+)\s*(?:位|个位置|个|张)?(?!.*(?:前|后))",
            lambda m: (int(next(g for g in m.groups() if g)), None),
        ),
        (r"(after|behind|following)\s+", lambda m: (None, "after")),
        (r"(before|in\s+front\s+of|ahead\s+of)\s+", lambda m: (None, "before")),
        (
            r"(?:放到|移到|放在|挪到|移动到|排到|排在)\s*(.+?)\s*(?:的)?(后面|之后|后边|后)",
            lambda m: (None, "zh_after"),
        ),
        (
            r"(?:放到|移到|放在|挪到|移动到|排到|排在)\s*(.+?)\s*(?:的)?(前面|之前|前边|前)",
            lambda m: (None, "zh_before"),
        ),
    )
    for pattern, make in rules:
        m = re.search(pattern, text)
        if not m:
            continue
        pos, rel = make(m)
        if pos is not None:
            rest = text[: m.start()] + " " + text[m.end() :]
            return pos, None, None, rest
        if rel in ("after", "before"):
            tail_refs, _ = find_refs(text[m.end() :], c.ctx)
            head_refs, _ = find_refs(text[: m.start()], c.ctx)
            if tail_refs and head_refs:
                target = tail_refs[0]
                return (
                    (None, target, None, text[: m.start()])
                    if rel == "after"
                    else (None, None, target, text[: m.start()])
                )
        else:
            target_refs, _ = find_refs(m.group(1), c.ctx)
            head_refs, _ = find_refs(text[: m.start()], c.ctx)
            if target_refs and head_refs:
                target = target_refs[0]
                head = text[: m.start()]
                return (None, target, None, head) if rel == "zh_after" else (None, None, target, head)
    return None, None, None, text


# words that make "remove … from photo 3" about something on the photo, not the photo itself
NOT_A_PHOTO = (
    r"effects?|motion|animation|\bblur|\bzoom|\bpan\b|ken\s*burns|caption|subtitle|\btext\b|title|transition|music|"
    r"动效|效果|动画|模糊|运镜|平移|缩放|放大|字幕|文字|转场|标题|音乐|过渡"
)


def _move_by(text: str) -> int | None:
    """'one place later', '2 steps left', '往前移1位', '后移2位' → a signed number of places."""
    m = re.search(
        r"(?:by\s+)?(\d+|one|a)?\s*(?:steps?|places?|positions?|spots?)?\s*(?:to\s+the\s+)?"
        r"\b(left|right|earlier|later|forward|backward|back)\b(?!\s+of)",
        text,
    )
    if m:
        n = int(m.group(1)) if m.group(1) and m.group(1).isdigit() else 1
        return -n if m.group(2) in ("left", "earlier", "forward") else n
    m = re.search(r"(?:往|向)?(前|后)\s*(?:移|挪|移动)\s*(\d+)?\s*(?:位|个位置|格|个|步)?", text)
    if m:
        n = int(m.group(2)) if m.group(2) else 1
        return -n if m.group(1) == "前" else n
    return None


def rule_order(c: Clause) -> list[Intent] | None:
    if c.has(r"\breverse|backwards|倒序|反转|倒过来|反过来|颠倒|逆序|倒着"):
        return [Reverse()]
    if c.has(
        r"shuffle|random(?:ize|ise)?\s*(?:the\s+)?order|in\s+random|mix\s+(?:them|it|the\s+\w+)\s+up|随机|打乱|乱序"
    ):
        return [Shuffle()]
    if c.has(r"\bswap\b|\bswitch\b|\bexchange\b|\btrade\b|交换|互换|调换|对调|换位置|换一下位置|位置互换"):
        if len(c.refs) >= 2:
            return [Swap(c.refs[0], c.refs[1])]
        return None
    if c.has(
        r"\bmove\b|\bput\b|\bplace\b|\bbring\b|\bmake\b|\bshift\b|放到|移到|挪到|放在|移动|排到|排在|提到|调到|作为|放第|前移|后移|往前|往后|向前|向后"
    ):
        pos, after, before, rest = _move_destination(c)
        refs, _ = find_refs(rest, c.ctx)
        if refs and (pos is not None or after or before):
            return [Move(refs[0], to=pos, after=after, before=before)]
        by = _move_by(c.rest)
        if c.refs and by:
            return [Move(c.refs[0], by=by)]
        return None
    if (
        c.refs
        and c.has(r"\bkeep\s+(?:just|only)\b|\bonly\s+keep\b|只保留|只留|仅保留")
        and not c.has(NOT_A_PHOTO)
    ):
        return [Remove(tuple(c.refs), keep=True)]
    if (
        c.refs
        and c.has(
            r"\bremove\b|\bdelete\b|\bdrop\b|take\s+out|get\s+rid\s+of|\bcut\b|删除|删掉|去掉|移除|不要|拿掉|去除"
        )
        and not c.has(NOT_A_PHOTO)
    ):
        return [Remove(tuple(c.refs))]
    return None


def rule_effect(c: Clause) -> list[Intent] | None:
    out: list[Intent] = []
    refs = () if c.has(ALL_WORDS, rest=True) else tuple(c.refs)
    if c.has(r"motion\s*blur|\bblur\b|动态模糊|运动模糊|模糊"):
        amount = 0.0 if c.has(NEG, rest=True) else 0.5
        out.append(SetBlur(amount, refs))
        if amount == 0.0:
            return out
    fx = _first(EFFECT_WORDS, c.rest)
    if fx:
        out.insert(0, SetEffect(fx, refs))
    return out or None


RULES: tuple[Callable[[Clause], list[Intent] | None], ...] = (
    rule_undo_redo, rule_show, rule_slideshow, rule_text, rule_music, rule_transition, rule_canvas,
    rule_order, rule_duration, rule_effect,
)  # fmt: skip


# -------------------------------------------------------------------------------------------- parser


def lift_quotes(message: str) -> tuple[str, list[str]]:
    quotes: list[str] = []

    def sub(m: re.Match[str]) -> str:
        inner = next((g for g in m.groups() if g is not None), "")
        quotes.append(inner)
        return f" {QMARK}{chr(0xE100 + len(quotes) - 1)} "

    return QUOTE_RE.sub(sub, message), quotes


_SPLIT_RE = re.compile(
    r"[;；。!！?？\n]+|[,，](?!\s*\d{3}\b)|\bthen\b|\band\s+then\b|然后|之后再|接着|另外|同时"
)
_AND_RE = re.compile(r"\s+and\s+|\s*&\s*|并且|并|而且|还要|再")


class RuleParser:
    """Deterministic keyword-and-pattern parser for English and Chinese edit requests."""

    def parse(self, message: str, ctx: ParseContext) -> Parsed:
        text, quotes = lift_quotes(message)
        text = normalise_numbers(text).lower()
        text = re.sub(r"(\d)\s*[,，]\s*(?=(?:and\s+)?\d)", r"\1、", text)  # "photos 1, 2 and 3": one list
        text = text.replace("：", ":").replace("％", "%")
        out = Parsed()
        for raw in _SPLIT_RE.split(text):
            clause_text = raw.strip()
            if not clause_text or not re.search(r"\w", clause_text):
                continue
            intents = self._clause(clause_text, quotes, ctx, message)
            if intents is None:
                out.unknown.append(_restore(clause_text, quotes))
            else:
                out.intents.extend(intents)
        out.intents = fold_into_slideshow(out.intents)
        return out

    def _clause(self, text: str, quotes: list[str], ctx: ParseContext, original: str) -> list[Intent] | None:
        whole = self._rules(Clause(text, quotes, ctx, original))
        if whole and isinstance(whole[0], Slideshow | Animate | Undo | Redo):
            return whole
        parts = [p.strip() for p in _AND_RE.split(text) if p.strip()]
        if len(parts) > 1:
            parsed = [self._rules(Clause(p, quotes, ctx, original)) for p in parts]
            if all(parsed):
                flat = [i for p in parsed for i in p or []]
                if whole is None or len(flat) > len(whole):
                    return flat
        return whole

    @staticmethod
    def _rules(c: Clause) -> list[Intent] | None:
        for rule in RULES:
            got = rule(c)
            if got:
                return got
        return None


def _restore(text: str, quotes: list[str]) -> str:
    return re.sub(QMARK + "(.)", lambda m: f"“{quotes[ord(m.group(1)) - 0xE100]}”", text).strip()


def fold_into_slideshow(intents: list[Intent]) -> list[Intent]:
    """'Make a slideshow, 2 seconds each, vertical, title "Lisbon"' → one Slideshow with those options."""
    out: list[Intent] = []
    show_at: int | None = None
    for it in intents:
        if isinstance(it, Animate) and out and isinstance(out[-1], Animate):
            prev = out[-1]  # "animate this photo, cinematic zoom, motion blur": one request in pieces
            out[-1] = Animate(
                fx=it.fx if it.fx != "zoom_in" else prev.fx,
                blur=prev.blur or it.blur,
                seconds=prev.seconds if prev.seconds is not None else it.seconds,
                ref=prev.ref or it.ref,
            )
            continue
        if isinstance(it, Slideshow):
            show_at = len(out)
            out.append(it)
            continue
        if show_at is not None:
            show = out[show_at]
            assert isinstance(show, Slideshow)
            if isinstance(it, SetCanvas) and show.aspect is None:
                out[show_at] = replace(show, aspect=it.aspect)
                continue
            if isinstance(it, SetDuration) and not it.refs and not it.relative and show.seconds is None:
                out[show_at] = replace(show, seconds=it.seconds)
                continue
            if (
                isinstance(it, SetTransition)
                and not it.refs
                and not it.mixed
                and it.type
                and show.transition is None
            ):
                out[show_at] = replace(show, transition=it.type, transition_ms=it.ms)
                continue
            if isinstance(it, SetTitle) and show.title is None:
                out[show_at] = replace(show, title=it.text)
                continue
            if isinstance(it, RemoveMusic):
                out[show_at] = replace(show, music=False)
                continue
            if isinstance(it, AddMusic) and it.name is None:
                continue  # a slideshow already has music
        out.append(it)
    return out
