"""A small real controller for widget tests (the app's AppController needs a running engine).

It has the controller's public surface the timeline, preview and export queue use: `draft`, `draftChanged`,
`send_message(text)` (a coroutine, run on a qasync loop like in the app), `resolve_media(src)`, `client`,
`session_id`, `backend_name`. Sent messages are recorded in `sent`.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from nemodesk.core.draft import TT_AUDIO, TT_TEXT, TT_VIDEO, Draft, Segment, Track


class SmallController(QObject):
    draftChanged = Signal(object)

    def __init__(self, media: dict[str, Path] | None = None, draft: Draft | None = None):
        super().__init__()
        self.media = dict(media or {})
        self.draft = draft
        self.sent: list[str] = []
        self.client: Any = None
        self.session_id: str | None = None
        self.backend_name = "local"

    def set_draft(self, draft: Draft | None) -> None:
        self.draft = draft
        self.draftChanged.emit(draft)

    async def send_message(self, text: str) -> None:
        await asyncio.sleep(0)
        self.sent.append(text)

    def resolve_media(self, src: str) -> Path | None:
        return self.media.get(src)


def sample_draft(photos: list[Path], music: Path | None, durations=(3000, 2000, 4000)) -> tuple[Draft, dict]:
    """Three photos with crossfades, a music bed and a title; plus unknown keys at three levels."""
    draft = Draft.new(width=640, height=360, fps=30, title="Lisbon trip")
    draft.raw["cloud_only"] = {"v": 2}
    media: dict[str, Path] = {}
    segs = []
    for i, (p, d) in enumerate(zip(photos, durations, strict=False)):
        src = f"media:{i:04d}"
        media[src] = p
        segs.append(
            Segment.make(d, src=src, name=p.name, fx={"type": "kenburns"}, tr={"type": "crossfade", "d": 500})
        )
    segs[-1].tr = None
    segs[1].raw["zz"] = 7
    segs[1].meta["cloud_style"] = {"lut": "warm"}
    draft.add_track(Track.make(TT_VIDEO, "Photos", segs))
    if music is not None:
        media["media:music"] = music
        draft.add_track(
            Track.make(
                TT_AUDIO,
                "BGM",
                [Segment.make(8000, src="media:music", name="Lo-fi", vol=0.35, fi=500, fo=2000)],
            )
        )
    draft.add_track(Track.make(TT_TEXT, "Title", [Segment.make(2500, text="Lisbon", style="title")]))
    draft.relayout()
    return draft, media


def close_qasync_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Finish a test's qasync loop cleanly: cancel what is left, let it unwind, then close; a loop dropped with live timers could fire them into a later test."""
    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for t in pending:
        t.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    asyncio.set_event_loop(None)
    loop.close()
