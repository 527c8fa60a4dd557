"""Turn assembly: the agent's stream of events -> what the user sees.

The stream is Google ADK events (camelCase from current servers, snake_case from older ones) or, from a
disputed public reference, `{"type": "text"|"tool_call"|"tool_result"|"heartbeat"}` objects; both are
accepted (nemo-protocol.md, "Chat"). Text streamed as `partial` chunks is followed by one aggregated
final event: consumers show `TextDelta`s live and replace them with the `TextFinal`, so nothing is shown
twice. Function calls and responses are internal: they surface as one compact `Activity` line.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

TOOL_LABELS = {
    "edit_multitrack": "edit timeline",
    "generate_video_with_seedance": "generate video",
    "generate_video": "generate video",
    "generate_music": "generate music",
}
LONG_RUNNING = {"generate_video", "generate_music", "generate_video_with_seedance"}
STILL_WORKING = "Still working..."


@dataclass(frozen=True)
class TextDelta:
    """A partial chunk: append it to the live message."""

    text: str


@dataclass(frozen=True)
class TextFinal:
    """The whole text of the current message: replaces the chunks shown since the last TextFinal."""

    text: str


@dataclass(frozen=True)
class Activity:
    """The agent is using a tool (phase "call") or one finished ("result"); `text` is the compact line."""

    text: str
    tool: str = ""
    phase: str = "call"


@dataclass(frozen=True)
class Notice:
    """Something the user should know that is not the agent's words ("Still working...", a new session)."""

    text: str
    session_id: str | None = None  # set when the client had to start a new session


@dataclass(frozen=True)
class ChatError:
    """The turn failed (an `{"error": ...}` event, an HTTP error, a broken stream, the 15-minute cap)."""

    message: str
    action: str = ""
    error: Exception | None = field(default=None, compare=False)

    def __str__(self) -> str:
        return f"{self.message} {self.action}".strip()


@dataclass(frozen=True)
class TurnEnd:
    """Always the last update. `text` is the agent's whole reply ("" when it said nothing); then
    `diff_sentences` says what the edit changed (the protocol's answer to silent turns)."""

    diff_sentences: list[str]
    state: Any = None  # SessionState | None
    text: str = ""
    completed: bool = True  # False after an error, a cancel or the time cap


ChatUpdate = TextDelta | TextFinal | Activity | Notice | ChatError | TurnEnd


def tool_label(name: str) -> str:
    return TOOL_LABELS.get(name, name.replace("_", " ").strip() or "a tool")


def _first(d: dict[str, Any], *keys: str) -> Any:
    for k in keys:
        if k in d and d[k] is not None:
            return d[k]
    return None


def _error_text(value: Any) -> str:
    if isinstance(value, dict):
        return str(_first(value, "message", "errorMessage", "error_message", "detail") or value)
    return str(value)


class TurnAssembler:
    """Feeds on decoded event objects; returns the updates each one produces. Keeps the reply's text."""

    def __init__(self) -> None:
        self.messages: list[str] = []  # finished messages, in order
        self.live = ""  # partial chunks since the last final
        self.errors: list[str] = []
        self.tools: list[str] = []

    @property
    def text(self) -> str:
        parts = [*self.messages, self.live] if self.live else self.messages
        return "\n\n".join(p for p in parts if p)

    # --------------------------------------------------------------------------------------------- feed
    def feed(self, ev: Any) -> list[ChatUpdate]:
        if isinstance(ev, list):  # a non-streaming /run answer: a JSON list of events
            return [u for item in ev for u in self.feed(item)]
        if not isinstance(ev, dict):
            log.warning("skipped a stream event that is not an object: %.80r", ev)
            return []
        if ev.get("error"):
            return [self._error(_error_text(ev["error"]))]
        kind = ev.get("type")
        if isinstance(kind, str) and not isinstance(ev.get("content"), dict):
            return self._typed(kind.lower(), ev)
        out: list[ChatUpdate] = []
        code = _first(ev, "errorCode", "error_code")
        emsg = _first(ev, "errorMessage", "error_message")
        if code is not None or emsg:
            out.append(self._error(str(emsg or f"The agent stopped with error {code}.")))
        content = ev.get("content")
        if isinstance(content, dict):
            out += self._content(content, partial=ev.get("partial") is True)
        return out

    def finish(self) -> list[ChatUpdate]:
        """At the stream's end: chunks never followed by a final become the final text."""
        if self.live:
            text, self.live = self.live, ""
            self.messages.append(text)
            return [TextFinal(text)]
        return []

    # --------------------------------------------------------------------------------------------- parts
    def _content(self, content: dict[str, Any], partial: bool) -> list[ChatUpdate]:
        out: list[ChatUpdate] = []
        role = content.get("role")
        texts: list[str] = []
        parts = content.get("parts")
        for part in parts if isinstance(parts, list) else []:
            if not isinstance(part, dict) or part.get("thought"):
                continue
            call = _first(part, "functionCall", "function_call")
            resp = _first(part, "functionResponse", "function_response")
            if isinstance(call, dict):
                out.append(self._tool(str(call.get("name") or ""), "call"))
            elif isinstance(resp, dict):
                out.append(self._tool(str(resp.get("name") or ""), "result"))
            elif isinstance(part.get("text"), str):
                texts.append(part["text"])
        text = "".join(texts)
        if text and role != "user":
            out.append(self._text(text, partial))
        return out

    def _typed(self, kind: str, ev: dict[str, Any]) -> list[ChatUpdate]:
        if kind in ("heartbeat", "ping", "keepalive", "keep_alive"):
            return []
        if kind == "text":
            text = _first(ev, "content", "text", "delta", "message")
            if not isinstance(text, str) or not text:
                return []
            final = ev.get("partial") is False or ev.get("final") is True
            return [self._text(text, partial=not final)]
        if kind in ("tool_call", "function_call"):
            return [self._tool(str(_first(ev, "name", "tool", "tool_name") or ""), "call")]
        if kind in ("tool_result", "function_response", "tool_response"):
            return [self._tool(str(_first(ev, "name", "tool", "tool_name") or ""), "result")]
        if kind == "error":
            return [self._error(_error_text(_first(ev, "message", "error", "content") or "unknown error"))]
        if kind not in ("done", "end", "turn_complete", "start"):
            log.info("ignored stream event of type %r", kind)
        return []

    def _text(self, text: str, partial: bool) -> ChatUpdate:
        if partial:
            self.live += text
            return TextDelta(text)
        self.live = ""
        self.messages.append(text)
        return TextFinal(text)

    def _tool(self, name: str, phase: str) -> Activity:
        label = tool_label(name)
        if phase == "call":
            self.tools.append(name)
            extra = " (this can take a few minutes)" if name in LONG_RUNNING else ""
            return Activity(f"working on: {label}{extra}", name, phase)
        return Activity(f"done: {label}", name, phase)

    def _error(self, message: str) -> ChatError:
        self.errors.append(message)
        return ChatError(
            f"The agent reported an error: {message}", "Try rephrasing or send the message again."
        )
