"""What the agent is given and what it gives back; the server stores AgentMemory as JSON per session."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from nemodesk.core.draft import Draft

Language = Literal["en", "zh-CN"]
MediaKind = Literal["image", "video", "audio"]

UNDO_LIMIT = 50  # edits kept for undo; entries are patches, so even a 1,000-photo draft stays small
UNDO_BYTES = 4_000_000  # and at most about this much patch JSON per stack (reorders of huge drafts are big)


@dataclass
class MediaInfo:
    """One file of the session's media list, in upload order (the server adds the bundled bed last)."""

    id: str  # "media:<sha256 hex>"
    name: str
    kind: MediaKind
    width: int | None = None
    height: int | None = None
    duration_ms: float | None = None
    beats_ms: list[float] | None = None  # detected beats (audio only), from audio_analysis.detect_beats
    bundled: bool = False


@dataclass
class AgentMemory:
    """Per-session state the agent keeps between messages. Plain JSON so the server can persist it.

    `undo`/`redo` hold patches (see history.py), not whole drafts, so a long session over 1,000 photos
    costs kilobytes to save, not megabytes.
    """

    undo: list[dict[str, Any]] = field(default_factory=list)
    redo: list[dict[str, Any]] = field(default_factory=list)
    selected: str | None = None  # media id of the photo last referred to
    shuffles: int = 0  # how many shuffles so far: the seed of the next one (deterministic, yet each differs)
    language: str | None = None  # language of the last message understood

    def to_json(self, *, stacks: bool = True) -> str:
        """The memory as JSON; `stacks=False` leaves out undo and redo (the engine stores those one entry
        per row, so a turn does not re-write megabytes of history)."""
        # not dataclasses.asdict: it deep-copies every patch first, which costs seconds on big sessions
        data: dict[str, Any] = {
            "selected": self.selected,
            "shuffles": self.shuffles,
            "language": self.language,
        }
        if stacks:
            data = {"undo": self.undo, "redo": self.redo, **data}
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes | None) -> AgentMemory:
        """Tolerant: a missing, empty or damaged record gives a fresh memory rather than a failed chat."""
        if not text:
            return cls()
        try:
            data = json.loads(text)
        except ValueError:
            return cls()
        if not isinstance(data, dict):
            return cls()
        mem = cls()
        if isinstance(data.get("undo"), list):
            mem.undo = [e for e in data["undo"] if isinstance(e, dict)][-UNDO_LIMIT:]
        if isinstance(data.get("redo"), list):
            mem.redo = [e for e in data["redo"] if isinstance(e, dict)][-UNDO_LIMIT:]
        if isinstance(data.get("selected"), str):
            mem.selected = data["selected"]
        if isinstance(data.get("shuffles"), int):
            mem.shuffles = data["shuffles"]
        if data.get("language") in ("en", "zh-CN"):
            mem.language = data["language"]
        return mem


@dataclass
class ToolCall:
    """One edit, named like the cloud's tools so the server can emit functionCall/functionResponse."""

    name: str
    args: dict[str, Any]
    result: dict[str, Any]


@dataclass
class AgentTurn:
    draft: Draft
    text: str
    language: Language
    calls: list[ToolCall]
    changed: bool
    validated: bool = False  # core.draft.validate passed on `draft` in this turn, after its last change
