"""Read-only views of a finished draft for the replies: the summary and the tool results.

core.summary asks each track for its segments three times and lays it out twice (start and end); with
1,000 photos that is most of a chat turn. These views build a track's segment views once and read its
span straight from the explicit starts that `editor.finish` writes (the general layout is used whenever a
segment has no explicit start), so they answer exactly what core.draft's views answer, only once.
Use them on a draft nobody edits while they are alive.
"""

from __future__ import annotations

from typing import Any

from nemodesk.core.draft import Draft, Segment, Track


class ReadTrack(Track):
    def __init__(self, raw: dict[str, Any]):
        super().__init__(raw)
        self._segments: list[Segment] | None = None
        self._span: tuple[float, float] | None = None

    @property
    def segments(self) -> list[Segment]:
        if self._segments is None:
            self._segments = [Segment(s) for s in self.raw.get("sg") or []]
        return self._segments

    def span(self) -> tuple[float, float]:
        """(start_ms, end_ms) of the track, as Track.start_ms() and Track.end_ms() compute them."""
        if self._span is None:
            raw = self.raw.get("sg") or []
            try:
                starts = [float(s["s"]) for s in raw]
                ends = [start + s["d"] for start, s in zip(starts, raw, strict=True)]
            except (KeyError, TypeError):  # a segment without an explicit start: the general layout
                placed = self.placed()
                starts = [p.start for p in placed]
                ends = [p.end for p in placed]
            self._span = (min(starts, default=0.0), max(ends, default=0.0))
        return self._span

    def start_ms(self) -> float:
        return self.span()[0]

    def end_ms(self) -> float:
        return self.span()[1]


class ReadDraft(Draft):
    def __init__(self, raw: dict[str, Any]):
        super().__init__(raw)
        self._tracks: list[Track] | None = None

    @property
    def tracks(self) -> list[Track]:
        if self._tracks is None:
            self._tracks = [ReadTrack(t) for t in self.raw.get("t") or []]
        return list(self._tracks)


def snapshot(draft: Draft) -> ReadDraft:
    """A read-only view of `draft`'s current content (take a new one after any edit)."""
    return ReadDraft(draft.raw)
