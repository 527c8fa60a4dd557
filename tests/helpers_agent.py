"""Shared set-up for the agent tests: a session's media list and a one-call chat helper."""

from __future__ import annotations

from nemodesk.core.draft import Draft, validate
from nemodesk.engine.agent import AgentMemory, AgentTurn, MediaInfo, bundled_music_info, respond

PHOTO_NAMES = ("rocket.jpg", "coffee.png", "chelsea.png", "astronaut.png", "grace_hopper.jpg", "hubble.jpg")


def photo(i: int, name: str) -> MediaInfo:
    return MediaInfo(id=f"media:{i:064x}", name=name, kind="image", width=640, height=480)


def song(name: str = "song.mp3", duration_ms: float = 20_000, period: float = 500.0) -> MediaInfo:
    beats = [i * period for i in range(int(duration_ms // period) + 1)]
    return MediaInfo(id="media:" + "a" * 64, name=name, kind="audio", duration_ms=duration_ms, beats_ms=beats)


def session(n: int = 6, *, with_song: bool = False) -> list[MediaInfo]:
    media = [photo(i, PHOTO_NAMES[i] if i < len(PHOTO_NAMES) else f"IMG_{i:04d}.jpg") for i in range(n)]
    if with_song:
        media.append(song())
    media.append(bundled_music_info())
    return media


class Chat:
    """A session in miniature: the draft, the media and the agent's memory, as the server keeps them."""

    def __init__(self, media: list[MediaInfo] | None = None, draft: Draft | None = None):
        self.media = media if media is not None else session()
        self.draft = draft if draft is not None else Draft.new()
        self.memory = AgentMemory()
        self.turns: list[AgentTurn] = []

    def say(self, message: str, *, hint: str | None = None) -> AgentTurn:
        # the memory goes through JSON every turn, as the server stores it
        self.memory = AgentMemory.from_json(self.memory.to_json())
        turn = respond(self.draft, message, self.media, self.memory, language_hint=hint)
        validate(turn.draft.raw)
        self.draft = turn.draft
        self.turns.append(turn)
        return turn

    @property
    def video(self) -> list:
        track = self.draft.video_track()
        return track.segments if track is not None else []

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.video]

    @property
    def durations(self) -> list[float]:
        return [s.d for s in self.video]
