"""What changed between two drafts, in a few short sentences.

About 30% of the agent's edits end without any text (nemo-protocol.md): the chat then fetches the state
and tells the user what the edit did, using these sentences ("Photo 3 now lasts 2 s", "Music volume
35% → 50%", "Canvas 1920×1080 → 1080×1920"). Segments are matched by their media (`src`, else `name`), so
a reorder reads as a reorder rather than as every photo having changed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from nemodesk.core.draft import TT_AUDIO, TT_TEXT, TT_VIDEO, Draft, Segment
from nemodesk.core.music import is_repeat, song_tail
from nemodesk.core.summary import seconds

MAX_SENTENCES = 8
VIDEO_EXTS = (".mp4", ".mov", ".avi", ".webm", ".mkv", ".m4v")
FX_NAMES = {
    "kenburns": "Ken Burns",
    "zoom_in": "zoom in",
    "zoom_out": "zoom out",
    "pan_left": "pan left",
    "pan_right": "pan right",
    "pan_up": "pan up",
    "pan_down": "pan down",
    "none": "no motion",
}


def _fx_name(t: str | None) -> str:
    return FX_NAMES.get(t or "none", (t or "none").replace("_", " "))


def _tr_name(t: str | None) -> str:
    return (t or "cut").replace("_", " ")


def _pct(v: float) -> str:
    return f"{round(v * 100)}%"


@dataclass
class _Item:
    key: tuple[str, int]
    seg: Segment
    index: int  # 1-based position in its own draft

    @property
    def label(self) -> str:
        return self.seg.name or self.seg.src or f"#{self.index}"

    @property
    def noun(self) -> str:
        name = (self.seg.name or self.seg.src or "").lower()
        return "Clip" if name.endswith(VIDEO_EXTS) else "Photo"


def _items(draft: Draft | None, tt: int) -> list[_Item]:
    if draft is None:
        return []
    out: list[_Item] = []
    seen: Counter[str] = Counter()
    n = 0
    for track in draft.tracks_of(tt):
        for seg in track.segments:
            if is_repeat(seg):
                continue  # a short song's repeats are laid out anew after every edit: not a change of music
            n += 1
            base = seg.src or seg.name or (seg.text if tt == TT_TEXT else None) or f"#{n}"
            out.append(_Item((base, seen[base]), seg, n))
            seen[base] += 1
    return out


def _tr(seg: Segment) -> tuple[str, float]:
    tr = seg.tr
    return ("cut", 0) if tr is None or tr.type == "cut" else (tr.type, tr.d)


def _fx(seg: Segment) -> str:
    fx = seg.fx
    return "none" if fx is None else fx.type


def _same_change(changes: list[tuple[int, str, str]], total: int, fmt_all: str) -> list[str] | None:
    """Fold "photo N now X" for every photo into one sentence when they all changed the same way."""
    if total > 1 and len(changes) == total and len({c[2] for c in changes}) == 1:
        return [fmt_all.format(n=total, new=changes[0][2])]
    return None


def _video_sentences(before: Draft | None, after: Draft | None) -> list[str]:
    old, new = _items(before, TT_VIDEO), _items(after, TT_VIDEO)
    old_by, new_by = {i.key: i for i in old}, {i.key: i for i in new}
    out: list[str] = []
    for item in new:
        if item.key not in old_by:
            out.append(f"Added {item.noun.lower()} {item.index} ({item.label})")
    for item in old:
        if item.key not in new_by:
            out.append(f"Removed {item.noun.lower()} {item.label}")
    common_old = [i.key for i in old if i.key in new_by]
    common_new = [i.key for i in new if i.key in old_by]
    if common_old != common_new:
        out.append(
            "Photos reordered: "
            + ", ".join(new_by[k].label for k in common_new[:6])
            + (" …" if len(common_new) > 6 else "")
        )
    durations: list[tuple[int, str, str]] = []
    effects: list[tuple[int, str, str]] = []
    transitions: list[tuple[int, str, str]] = []
    blurs: list[tuple[int, str, str]] = []
    pairs = [(old_by[i.key], i) for i in new if i.key in old_by]
    for a, b in pairs:
        if a.seg.d != b.seg.d:
            durations.append((b.index, seconds(a.seg.d), seconds(b.seg.d)))
        if _fx(a.seg) != _fx(b.seg):
            effects.append((b.index, _fx_name(_fx(a.seg)), _fx_name(_fx(b.seg))))
        ta, tb = _tr(a.seg), _tr(b.seg)
        if ta != tb:
            desc = _tr_name(tb[0]) + (f" ({seconds(tb[1])} s)" if tb[0] != "cut" else "")
            transitions.append((b.index, _tr_name(ta[0]), desc))
        if a.seg.blur != b.seg.blur:
            blurs.append((b.index, _pct(a.seg.blur), _pct(b.seg.blur)))
    noun = {i.index: i.noun for i in new}
    out += _same_change(durations, len(new), "All {n} photos now last {new} s") or [
        f"{noun[i]} {i} now lasts {new_d} s" for i, _, new_d in durations
    ]
    out += _same_change(effects, len(new), "All {n} photos now use {new}") or [
        f"{noun[i]} {i} effect: {old_fx} → {new_fx}" for i, old_fx, new_fx in effects
    ]
    last_with_next = len(new) - 1
    tr_all = [t for t in transitions if t[0] <= last_with_next]
    folded = _same_change(tr_all, last_with_next, "Transitions between all photos: {new}")
    out += folded or [
        f"Transition after {noun[i].lower()} {i}: {old_t} → {new_t}" for i, old_t, new_t in transitions
    ]
    out += [f"{noun[i]} {i} motion blur {a} → {b}" for i, a, b in blurs]
    return out


def _music_fade_out(draft: Draft | None) -> float:
    """The music's fade-out, which sits where the music ends: on the last repeat of a short song."""
    track = draft.first_track(TT_AUDIO) if draft is not None else None
    tail = song_tail(track) if track is not None else None
    return float(tail.fo) if tail is not None else 0.0


def _music_sentences(before: Draft | None, after: Draft | None) -> list[str]:
    old, new = _items(before, TT_AUDIO), _items(after, TT_AUDIO)
    if not old and not new:
        return []
    if not old:
        return [f"Music added: {', '.join(i.label for i in new)} ({_pct(new[0].seg.vol)})"]
    if not new:
        return ["Music removed"]
    out: list[str] = []
    a, b = old[0].seg, new[0].seg
    fo_a, fo_b = _music_fade_out(before), _music_fade_out(after)
    if [i.key for i in old] != [i.key for i in new]:
        out.append(f"Music changed: {old[0].label} → {new[0].label}")
    if a.vol != b.vol:
        out.append(f"Music volume {_pct(a.vol)} → {_pct(b.vol)}")
    if a.fi != b.fi:
        out.append(f"Music fade-in {seconds(a.fi)} s → {seconds(b.fi)} s")
    if fo_a != fo_b:
        out.append(f"Music fade-out {seconds(fo_a)} s → {seconds(fo_b)} s")
    if a.in_ != b.in_:
        out.append(f"Music now starts {seconds(b.in_)} s into the song")
    return out


def _text_sentences(before: Draft | None, after: Draft | None) -> list[str]:
    def texts(d: Draft | None) -> list[Segment]:
        return [] if d is None else [s for t in d.tracks_of(TT_TEXT) for s in t.segments]

    old, new = texts(before), texts(after)
    out: list[str] = []

    def kind(s: Segment) -> str:
        return "title" if s.style == "title" else "text"

    for i in range(max(len(old), len(new))):
        a = old[i] if i < len(old) else None
        b = new[i] if i < len(new) else None
        if a is None and b is not None:
            out.append(f'Added {kind(b)} "{b.text or ""}" ({seconds(b.d)} s)')
        elif b is None and a is not None:
            out.append(f'Removed {kind(a)} "{a.text or ""}"')
        elif a is not None and b is not None:
            if a.text != b.text:
                out.append(f'{kind(b).capitalize()} "{a.text or ""}" → "{b.text or ""}"')
            if a.d != b.d:
                out.append(f'{kind(b).capitalize()} "{b.text or ""}" now lasts {seconds(b.d)} s')
            if a.style != b.style or a.pos != b.pos:
                out.append(
                    f'{kind(b).capitalize()} "{b.text or ""}" restyled ({b.style}, {b.pos or "center"})'
                )
    return out


def draft_diff(before: Draft | None, after: Draft | None, limit: int = MAX_SENTENCES) -> list[str]:
    """Short sentences saying what `after` changed relative to `before`; [] when nothing visible did."""
    out: list[str] = []
    if after is not None:
        ca = before.canvas.size if before is not None else None
        cb = after.canvas.size
        if ca is not None and ca != cb:
            out.append(f"Canvas {ca[0]}×{ca[1]} → {cb[0]}×{cb[1]}")
        ta = before.canvas.title if before is not None else None
        if ta != after.canvas.title and after.canvas.title:
            out.append(f'Project title "{after.canvas.title}"')
    out += _video_sentences(before, after)
    out += _music_sentences(before, after)
    out += _text_sentences(before, after)
    da = before.duration_ms() if before is not None else 0
    db = after.duration_ms() if after is not None else 0
    if round(da / 100) != round(db / 100) and out:
        out.append(f"Video length {seconds(da)} s → {seconds(db)} s")
    elif da == 0 and db and not out:
        out.append(f"Video length {seconds(db)} s")
    if len(out) > limit:
        rest = len(out) - (limit - 1)
        out = [*out[: limit - 1], f"…and {rest} more changes"]
    return out
