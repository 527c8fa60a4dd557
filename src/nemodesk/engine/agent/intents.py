"""Typed edit requests: what the parser produces and what the editor applies.

The split is the seam for a local language model: anything that can emit these objects (or their
`to_args()` JSON, via `intent_from_args`) can replace the rule-based parser without touching the
editor, the undo history or the replies.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, ClassVar


@dataclass(frozen=True)
class Ref:
    """A photo the user pointed at: by timeline position (1-based; -1 = last, -2 = second to last),
    by file name, or "this one" (the selected photo)."""

    pos: int | None = None
    name: str | None = None
    this: bool = False

    def describe(self) -> str:
        if self.name:
            return self.name
        if self.this:
            return "this"
        return str(self.pos)


@dataclass(frozen=True)
class Intent:
    action: ClassVar[str] = ""

    def to_args(self) -> dict[str, Any]:
        """JSON-ready arguments (the functionCall args): unset fields left out, references compact."""
        args: dict[str, Any] = {"action": self.action}
        for k, v in asdict(self).items():
            if v in (None, (), []):
                continue
            args[k] = _clean(v)
        return args


def _clean(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: x for k, x in v.items() if x not in (None, False)}
    if isinstance(v, list | tuple):
        return [_clean(x) for x in v]
    return v


_REGISTRY: dict[str, type[Intent]] = {}


def _register(cls: type[Intent]) -> type[Intent]:
    _REGISTRY[cls.action] = cls
    return cls


def _ref(v: Any) -> Ref | None:
    if v is None or isinstance(v, Ref):
        return v
    if isinstance(v, dict):
        return Ref(**{k: v[k] for k in ("pos", "name", "this") if k in v})
    if isinstance(v, int):
        return Ref(pos=v)
    return Ref(name=str(v))


def intent_from_args(args: dict[str, Any]) -> Intent:
    """Rebuild an intent from its `to_args()` form (for a model that emits JSON tool calls)."""
    cls = _REGISTRY.get(str(args.get("action")))
    if cls is None:
        raise ValueError(f"unknown action {args.get('action')!r}; known: {', '.join(sorted(_REGISTRY))}")
    kw: dict[str, Any] = {}
    for f in fields(cls):
        if f.name not in args:
            continue
        v = args[f.name]
        if f.name in ("ref", "a", "b", "after", "before"):
            v = _ref(v)
        elif f.name == "refs":
            v = tuple(_ref(x) for x in v)
        kw[f.name] = v
    return cls(**kw)


@_register
@dataclass(frozen=True)
class Slideshow(Intent):
    action: ClassVar[str] = "slideshow"
    aspect: str | None = None
    seconds: float | None = None
    transition: str | None = None
    transition_ms: int | None = None
    title: str | None = None
    music: bool = True
    fx: str = "kenburns"
    count: int | None = None  # use only the first N uploaded photos


@_register
@dataclass(frozen=True)
class Animate(Intent):
    """One photo brought to life: 5 s push-in with motion blur unless told otherwise."""

    action: ClassVar[str] = "animate"
    fx: str = "zoom_in"
    blur: bool = True
    seconds: float | None = None
    ref: Ref | None = None


@_register
@dataclass(frozen=True)
class SetEffect(Intent):
    action: ClassVar[str] = "set_effect"
    fx: str = "kenburns"
    refs: tuple[Ref, ...] = ()  # empty: every photo


@_register
@dataclass(frozen=True)
class SetBlur(Intent):
    action: ClassVar[str] = "set_motion_blur"
    amount: float = 0.5
    refs: tuple[Ref, ...] = ()


@_register
@dataclass(frozen=True)
class SetCanvas(Intent):
    action: ClassVar[str] = "set_canvas"
    aspect: str = "16:9"


@_register
@dataclass(frozen=True)
class SetFit(Intent):
    action: ClassVar[str] = "set_fit"
    fit: str = "blur"
    refs: tuple[Ref, ...] = ()  # empty: the canvas default


@_register
@dataclass(frozen=True)
class SetDuration(Intent):
    action: ClassVar[str] = "set_duration"
    seconds: float = 3.0
    refs: tuple[Ref, ...] = ()  # empty: every photo
    relative: bool = False  # seconds is a change (+1 / -1), not a new length


@_register
@dataclass(frozen=True)
class SetTotalLength(Intent):
    action: ClassVar[str] = "set_total_length"
    seconds: float = 30.0


@_register
@dataclass(frozen=True)
class FitToMusic(Intent):
    action: ClassVar[str] = "fit_to_music"


@_register
@dataclass(frozen=True)
class SyncToBeat(Intent):
    action: ClassVar[str] = "sync_to_beat"


@_register
@dataclass(frozen=True)
class SetTransition(Intent):
    action: ClassVar[str] = "set_transition"
    type: str | None = None  # None: keep each type, change the duration only
    ms: int | None = None
    refs: tuple[Ref, ...] = ()  # transitions out of these photos; empty: all
    mixed: bool = False


@_register
@dataclass(frozen=True)
class Move(Intent):
    action: ClassVar[str] = "move"
    ref: Ref | None = None
    to: int | None = None  # 1-based target position; -1 = the end
    after: Ref | None = None
    before: Ref | None = None
    by: int | None = None  # relative: -1 one place earlier, +2 two places later


@_register
@dataclass(frozen=True)
class Swap(Intent):
    action: ClassVar[str] = "swap"
    a: Ref | None = None
    b: Ref | None = None


@_register
@dataclass(frozen=True)
class Remove(Intent):
    action: ClassVar[str] = "remove"
    refs: tuple[Ref, ...] = ()
    keep: bool = False  # "keep only photos 1-4": the refs are what stays


@_register
@dataclass(frozen=True)
class Reverse(Intent):
    action: ClassVar[str] = "reverse"


@_register
@dataclass(frozen=True)
class Shuffle(Intent):
    action: ClassVar[str] = "shuffle"


@_register
@dataclass(frozen=True)
class SetTitle(Intent):
    action: ClassVar[str] = "set_title"
    text: str = ""


@_register
@dataclass(frozen=True)
class AddCaption(Intent):
    action: ClassVar[str] = "add_caption"
    text: str = ""
    ref: Ref | None = None


@_register
@dataclass(frozen=True)
class RemoveText(Intent):
    action: ClassVar[str] = "remove_text"
    what: str = "all"  # title | caption | all
    refs: tuple[Ref, ...] = ()


@_register
@dataclass(frozen=True)
class AddMusic(Intent):
    action: ClassVar[str] = "add_music"
    name: str | None = None


@_register
@dataclass(frozen=True)
class SetVolume(Intent):
    action: ClassVar[str] = "set_volume"
    percent: float = 80.0
    relative: bool = False


@_register
@dataclass(frozen=True)
class SetFade(Intent):
    action: ClassVar[str] = "set_fade"
    which: str = "out"  # in | out
    seconds: float = 2.0


@_register
@dataclass(frozen=True)
class RemoveMusic(Intent):
    action: ClassVar[str] = "remove_music"


@_register
@dataclass(frozen=True)
class Undo(Intent):
    action: ClassVar[str] = "undo"
    steps: int = 1


@_register
@dataclass(frozen=True)
class Redo(Intent):
    action: ClassVar[str] = "redo"
    steps: int = 1


@_register
@dataclass(frozen=True)
class ShowTimeline(Intent):
    action: ClassVar[str] = "show_timeline"


@_register
@dataclass(frozen=True)
class Info(Intent):
    """A question about something outside the timeline (export, credits, upload): answered, no edit."""

    action: ClassVar[str] = "info"
    topic: str = "export"


@_register
@dataclass(frozen=True)
class Help(Intent):
    action: ClassVar[str] = "help"


@dataclass
class Parsed:
    """What a parser made of one message: the intents in order, and the parts it could not place."""

    intents: list[Intent] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
