"""The draft: NemoDesk's timeline document (see shared/draft-format.md).

The typed objects here are *views* over the JSON dict they were decoded from, not copies of it. That is
deliberate: a cloud draft must go back to the cloud with every key we do not own untouched, and a view
that reads and writes only the keys it knows gets that for free (encode is a deep copy of the dict).
Decoding validates first, so every view can trust the types of the keys it reads.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

TT_VIDEO, TT_AUDIO, TT_TEXT = 0, 1, 7

FX_TYPES = ("none", "kenburns", "zoom_in", "zoom_out", "pan_left", "pan_right", "pan_up", "pan_down")
TRANSITION_TYPES = (
    "cut", "crossfade", "dip_black", "slide_left", "slide_right", "slide_up",
    "wipe_left", "wipe_right", "zoom", "blur",
)  # fmt: skip
FITS = ("blur", "cover", "contain")
TEXT_STYLES = ("title", "caption", "lower_third")
TEXT_POSITIONS = ("center", "top", "bottom")
EASES = ("linear", "in", "out", "inout")

MAX_MS = 24 * 3600 * 1000  # a day: anything longer is a corrupt or hostile draft, not a video
MIN_SIDE, MAX_SIDE = 16, 8192
CANVAS_PRESETS = {"16:9": (1920, 1080), "9:16": (1080, 1920), "1:1": (1080, 1080), "4:5": (1080, 1350)}

Json = dict[str, Any]


class DraftError(ValueError):
    """A draft failed validation. `problems` lists every (path, message); str() shows the first ones."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        self.path = problems[0][0] if problems else ""
        shown = "; ".join(f"{p}: {m}" if p else m for p, m in problems[:3])
        more = f" (+{len(problems) - 3} more)" if len(problems) > 3 else ""
        super().__init__(shown + more)


# ---------------------------------------------------------------------------------------------- validation


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def _is_num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


class _Checker:
    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []

    def bad(self, path: str, msg: str) -> None:
        self.problems.append((path, msg))

    def obj(self, v: Any, path: str) -> bool:
        if not isinstance(v, dict):
            self.bad(path, "must be an object")
            return False
        return True

    def num(
        self,
        m: Json,
        key: str,
        path: str,
        lo: float,
        hi: float,
        *,
        lo_open: bool = False,
        integer: bool = False,
    ) -> None:
        if key not in m or m[key] is None:
            return
        v = m[key]
        p = f"{path}.{key}" if path else key
        if not _is_num(v):
            self.bad(p, "must be a number")
        elif integer and int(v) != v:
            self.bad(p, "must be a whole number")
        elif lo_open and v <= lo:
            self.bad(p, f"must be > {_fmt(lo)}")
        elif not lo_open and v < lo:
            self.bad(p, f"must be >= {_fmt(lo)}")
        elif v > hi:
            self.bad(p, f"must be <= {_fmt(hi)}")

    def text(self, m: Json, key: str, path: str, choices: tuple[str, ...] | None = None) -> None:
        if key not in m or m[key] is None:
            return
        v = m[key]
        p = f"{path}.{key}"
        if not isinstance(v, str):
            self.bad(p, "must be a string")
        elif choices is not None and v not in choices:
            self.bad(p, f"must be one of {', '.join(choices)}")

    def point(self, m: Json, key: str, path: str) -> None:
        if key not in m or m[key] is None:
            return
        v = m[key]
        p = f"{path}.{key}"
        if not isinstance(v, list) or len(v) != 3 or not all(_is_num(x) for x in v):
            self.bad(p, "must be [x, y, zoom] numbers")
        elif not 0.05 <= v[2] <= 20:
            self.bad(p + "[2]", "zoom must be between 0.05 and 20")
        elif not (-2 <= v[0] <= 2 and -2 <= v[1] <= 2):
            self.bad(p, "centre must be between -2 and 2")


def validate(doc: Any) -> None:
    """Raise DraftError naming the path of every problem; never raises anything else, whatever `doc` is."""
    c = _Checker()
    if not c.obj(doc, "draft"):
        raise DraftError(c.problems)
    m = doc.get("m")
    if m is not None and c.obj(m, "m"):
        c.text(m, "title", "m")
        c.num(m, "width", "m", MIN_SIDE, MAX_SIDE, integer=True)
        c.num(m, "height", "m", MIN_SIDE, MAX_SIDE, integer=True)
        c.num(m, "fps", "m", 0, 240, lo_open=True)
        c.text(m, "fit", "m", FITS)
    tracks = doc.get("t")
    if tracks is not None and not isinstance(tracks, list):
        c.bad("t", "must be a list")
        tracks = None
    for i, tr in enumerate(tracks or []):
        tp = f"t[{i}]"
        if not c.obj(tr, tp):
            continue
        tt = tr.get("tt")
        if not (isinstance(tt, int) and not isinstance(tt, bool)):
            c.bad(f"{tp}.tt", "must be a whole number (0 video, 1 audio, 7 text)")
        tm = tr.get("m")
        if tm is not None and c.obj(tm, f"{tp}.m"):
            c.text(tm, "name", f"{tp}.m")
        sg = tr.get("sg")
        if sg is not None and not isinstance(sg, list):
            c.bad(f"{tp}.sg", "must be a list")
            continue
        for j, seg in enumerate(sg or []):
            _validate_segment(c, seg, f"{tp}.sg[{j}]")
    if c.problems:
        raise DraftError(c.problems)


def _validate_segment(c: _Checker, seg: Any, sp: str) -> None:
    if not c.obj(seg, sp):
        return
    if "d" not in seg:
        c.bad(f"{sp}.d", "is required")
    else:
        c.num(seg, "d", sp, 0, MAX_MS, lo_open=True)
    c.num(seg, "s", sp, 0, MAX_MS)
    sm = seg.get("m")
    if sm is None or not c.obj(sm, f"{sp}.m"):
        return
    mp = f"{sp}.m"
    for key in ("src", "name", "text"):
        c.text(sm, key, mp)
    c.text(sm, "fit", mp, FITS)
    c.text(sm, "style", mp, TEXT_STYLES)
    c.text(sm, "pos", mp, TEXT_POSITIONS)
    c.num(sm, "blur", mp, 0, 1)
    c.num(sm, "vol", mp, 0, 2)
    for key in ("in", "fi", "fo"):
        c.num(sm, key, mp, 0, MAX_MS)
    fx = sm.get("fx")
    if fx is not None and c.obj(fx, f"{mp}.fx"):
        if "type" not in fx:
            c.bad(f"{mp}.fx.type", "is required")
        c.text(fx, "type", f"{mp}.fx", FX_TYPES)
        c.point(fx, "from", f"{mp}.fx")
        c.point(fx, "to", f"{mp}.fx")
        c.text(fx, "ease", f"{mp}.fx", EASES)
    trn = sm.get("tr")
    if trn is not None and c.obj(trn, f"{mp}.tr"):
        if "type" not in trn:
            c.bad(f"{mp}.tr.type", "is required")
        c.text(trn, "type", f"{mp}.tr", TRANSITION_TYPES)
        c.num(trn, "d", f"{mp}.tr", 0, 60_000)


# ------------------------------------------------------------------------------------------------- views


class _View:
    """A typed window on one dict of the draft; unknown keys stay in the dict untouched."""

    KNOWN: tuple[str, ...] = ()

    def __init__(self, raw: Json):
        self.raw = raw

    def _get(self, key: str, default: Any = None) -> Any:
        v = self.raw.get(key)
        return default if v is None else v

    def _set(self, key: str, value: Any) -> None:
        if value is None:
            self.raw.pop(key, None)
        else:
            self.raw[key] = value

    def unknown(self) -> Json:
        """Keys this view does not own: shown in the details view, written back unchanged."""
        return {k: v for k, v in self.raw.items() if k not in self.KNOWN}

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.raw == self.raw  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.raw!r})"


class _MetaView(_View):
    """A view whose interesting keys live in its `m` object."""

    META_KNOWN: tuple[str, ...] = ()

    @property
    def meta(self) -> Json:
        m = self.raw.get("m")
        if m is None:
            m = self.raw["m"] = {}
        return m

    def _mget(self, key: str, default: Any = None) -> Any:
        m = self.raw.get("m") or {}
        v = m.get(key)
        return default if v is None else v

    def _mset(self, key: str, value: Any) -> None:
        if value is None:
            if "m" in self.raw:
                self.raw["m"].pop(key, None)
        else:
            self.meta[key] = value

    def unknown_meta(self) -> Json:
        return {k: v for k, v in (self.raw.get("m") or {}).items() if k not in self.META_KNOWN}


class Effect(_View):
    KNOWN = ("type", "from", "to", "ease")

    @classmethod
    def make(
        cls,
        type: str,
        start: tuple[float, float, float] | None = None,
        end: tuple[float, float, float] | None = None,
        ease: str | None = None,
    ) -> Effect:
        raw: Json = {"type": type}
        if start is not None:
            raw["from"] = list(start)
        if end is not None:
            raw["to"] = list(end)
        if ease is not None:
            raw["ease"] = ease
        return cls(raw)

    type = property(lambda self: self._get("type", "none"), lambda self, v: self._set("type", v))
    start = property(
        lambda self: self._get("from"), lambda self, v: self._set("from", None if v is None else list(v))
    )
    end = property(
        lambda self: self._get("to"), lambda self, v: self._set("to", None if v is None else list(v))
    )
    ease = property(lambda self: self._get("ease", "inout"), lambda self, v: self._set("ease", v))


class Transition(_View):
    KNOWN = ("type", "d")

    @classmethod
    def make(cls, type: str, d: float = 600) -> Transition:
        return cls({"type": type, "d": d})

    type = property(lambda self: self._get("type", "cut"), lambda self, v: self._set("type", v))
    d = property(lambda self: self._get("d", 0), lambda self, v: self._set("d", v))

    @property
    def overlap_ms(self) -> float:
        """How long this transition overlaps the two segments it joins (0 for a cut)."""
        return 0 if self.type == "cut" else self.d


class Segment(_MetaView):
    KNOWN = ("s", "d", "m")
    META_KNOWN = ("src", "name", "fx", "blur", "fit", "tr", "vol", "in", "fi", "fo", "text", "style", "pos")

    @classmethod
    def make(cls, d: float, s: float | None = None, **meta: Any) -> Segment:
        raw: Json = {"d": d}
        if s is not None:
            raw["s"] = s
        meta = {("in" if k == "in_" else k): (v.raw if isinstance(v, _View) else v) for k, v in meta.items()}
        meta = {k: v for k, v in meta.items() if v is not None}
        if meta:
            raw["m"] = meta
        return cls(raw)

    d = property(lambda self: self.raw["d"], lambda self, v: self._set("d", v))
    s = property(lambda self: self.raw.get("s"), lambda self, v: self._set("s", v))

    src = property(lambda self: self._mget("src"), lambda self, v: self._mset("src", v))
    name = property(lambda self: self._mget("name"), lambda self, v: self._mset("name", v))
    blur = property(lambda self: self._mget("blur", 0.0), lambda self, v: self._mset("blur", v))
    fit = property(lambda self: self._mget("fit"), lambda self, v: self._mset("fit", v))
    vol = property(lambda self: self._mget("vol", 1.0), lambda self, v: self._mset("vol", v))
    in_ = property(lambda self: self._mget("in", 0), lambda self, v: self._mset("in", v))
    fi = property(lambda self: self._mget("fi", 0), lambda self, v: self._mset("fi", v))
    fo = property(lambda self: self._mget("fo", 0), lambda self, v: self._mset("fo", v))
    text = property(lambda self: self._mget("text"), lambda self, v: self._mset("text", v))
    style = property(lambda self: self._mget("style", "caption"), lambda self, v: self._mset("style", v))
    pos = property(lambda self: self._mget("pos"), lambda self, v: self._mset("pos", v))

    @property
    def fx(self) -> Effect | None:
        raw = self._mget("fx")
        return Effect(raw) if raw is not None else None

    @fx.setter
    def fx(self, value: Effect | Json | None) -> None:
        self._mset("fx", value.raw if isinstance(value, Effect) else value)

    @property
    def tr(self) -> Transition | None:
        raw = self._mget("tr")
        return Transition(raw) if raw is not None else None

    @tr.setter
    def tr(self, value: Transition | Json | None) -> None:
        self._mset("tr", value.raw if isinstance(value, Transition) else value)

    @property
    def overlap_ms(self) -> float:
        """How much of this segment's end is shared with the next one (its transition)."""
        tr = self.tr
        return tr.overlap_ms if tr is not None else 0


@dataclass(frozen=True)
class Placed:
    """A segment with its resolved start on the timeline (ms) and its index in the track."""

    start: float
    segment: Segment
    index: int

    @property
    def end(self) -> float:
        return self.start + self.segment.d


class Track(_MetaView):
    KNOWN = ("tt", "m", "sg")
    META_KNOWN = ("name",)

    @classmethod
    def make(cls, tt: int, name: str | None = None, segments: list[Segment] | None = None) -> Track:
        raw: Json = {"tt": tt}
        if name is not None:
            raw["m"] = {"name": name}
        raw["sg"] = [s.raw for s in segments or []]
        return cls(raw)

    tt = property(lambda self: self.raw["tt"])
    name = property(lambda self: self._mget("name"), lambda self, v: self._mset("name", v))

    @property
    def kind(self) -> str:
        return {TT_VIDEO: "video", TT_AUDIO: "audio", TT_TEXT: "text"}.get(self.tt, "other")

    @property
    def segments(self) -> list[Segment]:
        """Fresh views over the segment dicts: mutate a segment through them, reorder with set_segments."""
        return [Segment(s) for s in self.raw.get("sg") or []]

    def set_segments(self, segments: list[Segment]) -> None:
        self.raw["sg"] = [s.raw for s in segments]

    def placed(self) -> list[Placed]:
        """Segments with their starts: an explicit `s` wins; a missing one follows the previous segment,
        overlapped by its transition on video tracks (that overlap is what a transition is)."""
        out: list[Placed] = []
        cursor = 0.0
        for i, seg in enumerate(self.segments):
            start = float(seg.s) if seg.s is not None else cursor
            out.append(Placed(start, seg, i))
            overlap = seg.overlap_ms if self.tt == TT_VIDEO else 0
            cursor = start + seg.d - min(overlap, seg.d)
        return out

    def end_ms(self) -> float:
        return max((p.end for p in self.placed()), default=0.0)

    def start_ms(self) -> float:
        return min((p.start for p in self.placed()), default=0.0)


class Canvas(_View):
    KNOWN = ("title", "width", "height", "fps", "fit")

    title = property(lambda self: self._get("title"), lambda self, v: self._set("title", v))
    width = property(lambda self: int(self._get("width", 1920)), lambda self, v: self._set("width", v))
    height = property(lambda self: int(self._get("height", 1080)), lambda self, v: self._set("height", v))
    fps = property(lambda self: self._get("fps", 30), lambda self, v: self._set("fps", v))
    fit = property(lambda self: self._get("fit", "blur"), lambda self, v: self._set("fit", v))

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height

    @property
    def aspect_name(self) -> str:
        for name, size in CANVAS_PRESETS.items():
            if size == self.size:
                return name
        g = math.gcd(self.width, self.height)
        return f"{self.width // g}:{self.height // g}"


class Draft(_View):
    """The whole timeline. `Draft.decode(obj)` validates; `draft.encode()` gives the JSON dict back."""

    KNOWN = ("m", "t")

    @classmethod
    def decode(cls, doc: Any) -> Draft:
        validate(doc)
        return cls(copy.deepcopy(doc))

    @classmethod
    def loads(cls, text: str | bytes) -> Draft:
        try:
            doc = json.loads(text)
        except (ValueError, RecursionError) as err:
            raise DraftError([("", f"not valid JSON ({err})")]) from None
        return cls.decode(doc)

    @classmethod
    def new(
        cls,
        width: int = 1920,
        height: int = 1080,
        fps: float = 30,
        title: str | None = None,
        fit: str = "blur",
    ) -> Draft:
        m: Json = {"width": width, "height": height, "fps": fps, "fit": fit}
        if title:
            m["title"] = title
        return cls({"m": m, "t": []})

    def encode(self) -> Json:
        return copy.deepcopy(self.raw)

    def dumps(self, **kw: Any) -> str:
        return json.dumps(self.raw, ensure_ascii=False, **kw)

    def copy(self) -> Draft:
        return Draft(copy.deepcopy(self.raw))

    @property
    def canvas(self) -> Canvas:
        m = self.raw.get("m")
        if m is None:
            m = self.raw["m"] = {}
        return Canvas(m)

    @property
    def tracks(self) -> list[Track]:
        return [Track(t) for t in self.raw.get("t") or []]

    def add_track(self, track: Track, index: int | None = None) -> Track:
        tracks = self.raw.setdefault("t", [])
        tracks.insert(len(tracks) if index is None else index, track.raw)
        return track

    def remove_track(self, track: Track) -> None:
        self.raw["t"] = [t for t in self.raw.get("t") or [] if t is not track.raw]

    def tracks_of(self, tt: int) -> list[Track]:
        return [t for t in self.tracks if t.tt == tt]

    def first_track(self, tt: int) -> Track | None:
        found = self.tracks_of(tt)
        return found[0] if found else None

    def video_track(self, create: bool = False) -> Track | None:
        track = self.first_track(TT_VIDEO)
        if track is None and create:
            track = self.add_track(Track.make(TT_VIDEO, "Photos"), 0)
        return track

    def duration_ms(self) -> float:
        """The end of the last video segment (draft-format.md); 0 when there is no video."""
        return max((t.end_ms() for t in self.tracks_of(TT_VIDEO)), default=0.0)

    def exportable(self) -> bool:
        return any(t.raw.get("sg") for t in self.tracks)

    def relayout(self) -> None:
        """Write explicit starts for every video segment, end to end with transition overlaps.

        Local edits call this after changing durations or order so the draft states its own layout.
        """
        for track in self.tracks_of(TT_VIDEO):
            cursor = 0.0
            for seg in track.segments:
                seg.s = _tidy(cursor)
                cursor += seg.d - min(seg.overlap_ms, seg.d)

    def media_ids(self) -> Iterator[str]:
        for track in self.tracks:
            for seg in track.segments:
                if seg.src:
                    yield seg.src


def _tidy(v: float) -> float | int:
    """Whole milliseconds as int so the JSON stays readable."""
    return round(v) if abs(v - round(v)) < 1e-6 else v
