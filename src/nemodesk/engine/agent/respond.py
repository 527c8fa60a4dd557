"""One chat turn: parse the message, apply the intents to a copy of the draft, record undo, reply.

The input draft is never mutated: the caller gets a new Draft in the turn (or the same content when
nothing changed), so a failed turn can never leave a half-edited draft in the session.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from nemodesk.core.draft import Draft, DraftError, validate
from nemodesk.engine.agent import history
from nemodesk.engine.agent import intents as it
from nemodesk.engine.agent.editor import Change, EditContext, Refusal, apply_intent, video_segments
from nemodesk.engine.agent.model import (
    UNDO_BYTES,
    UNDO_LIMIT,
    AgentMemory,
    AgentTurn,
    Language,
    MediaInfo,
    ToolCall,
)
from nemodesk.engine.agent.music import beats_for
from nemodesk.engine.agent.parser import ParseContext, Parser, RuleParser
from nemodesk.engine.agent.replies import detect_language, help_text, info_text, not_understood, summary
from nemodesk.engine.agent.snapshot import snapshot

TOOL_NAME = "edit_multitrack"  # the cloud agent's timeline tool: the server emits it as functionCall
_DEFAULT_PARSER = RuleParser()


def _copy(draft: Draft) -> Draft:
    return Draft(history.clone(draft.raw))


def _parse_context(draft: Draft, media: Sequence[MediaInfo]) -> ParseContext:
    photos = [m for m in media if m.kind == "image"]
    names = [m.name for m in photos] + [s.name for s in video_segments(draft) if s.name]
    return ParseContext(
        photo_names=names, audio_names=[m.name for m in media if m.kind == "audio"], photo_count=len(photos)
    )


class _Turn:
    """Mutable state of one turn: the working draft, the pending undo group, the replies and calls.

    The input draft is never mutated: each edit runs on a fresh copy (so a refused edit leaves no
    trace), and `group_start` keeps a reference to the untouched draft from before the pending edits.
    """

    def __init__(self, draft: Draft, memory: AgentMemory, lang: Language):
        self.work = draft
        self.group_start: dict[str, Any] | None = (
            None  # raw draft before the pending (not yet recorded) edits
        )
        self.labels: list[str] = []
        self.memory = memory
        self.lang = lang
        self.lines: list[str] = []
        self.calls: list[ToolCall] = []
        self.show_summary = False
        self.validated: dict[str, Any] | None = None  # the raw draft validate() last passed, unchanged since

    def say(self, en: str, zh: str) -> None:
        self.lines.append(zh if self.lang == "zh-CN" else en)

    def call(self, args: dict[str, Any], result: dict[str, Any]) -> None:
        self.calls.append(ToolCall(TOOL_NAME, args, result))

    def commit(self) -> None:
        """Record the pending edits as one undo step (one message = one step)."""
        if self.group_start is None:
            return
        if self.group_start is not self.work.raw:
            e = history.entry(self.group_start, self.work.raw, "; ".join(self.labels))
            if e["patch"]:
                _push(self.memory.undo, e)
                self.memory.redo.clear()
        self.group_start = None
        self.labels = []

    def edit(self, intent: it.Intent, ctx: EditContext) -> None:
        trial = _copy(self.work)
        try:
            trial, change = apply_intent(trial, intent, ctx)
        except Refusal as err:
            self.say(err.en, err.zh)
            self.call(intent.to_args(), {"ok": False, "error": err.en})
            return
        except DraftError as err:  # a bug, not the user's fault: keep the draft, say what happened
            self.say(
                f"That edit would have broken the timeline ({err}); nothing changed.",
                f"这个修改会破坏时间线（{err}），未做改动。",
            )
            self.call(intent.to_args(), {"ok": False, "error": str(err)})
            return
        if self.group_start is None:
            self.group_start = self.work.raw
        self.work = trial
        self.validated = trial.raw  # apply_intent ends with editor.finish, which validates
        self.labels.append(intent.action)
        self.say(change.en, change.zh)
        self.show_summary = True
        self.call(intent.to_args(), self._result(change))

    def _result(self, change: Change) -> dict[str, Any]:
        return {
            "ok": True,
            "message": change.en,
            **change.result,
            "duration_ms": round(snapshot(self.work).duration_ms()),
            "tracks": len(self.work.tracks),
        }

    def undo(self, steps: int, *, redo: bool) -> None:
        self.commit()
        source = self.memory.redo if redo else self.memory.undo
        target = self.memory.undo if redo else self.memory.redo
        action = "redo" if redo else "undo"
        done = 0
        for _ in range(steps):
            if not source:
                break
            e = source[-1]
            if not history.matches(self.work.raw, e):
                source.clear()
                target.clear()
                self.say(
                    "The timeline was changed elsewhere since that edit, so I can't undo or redo it safely.",
                    "时间线在那之后被其他地方修改过，无法安全地撤销或重做。",
                )
                self.call(
                    {"action": action, "steps": steps}, {"ok": False, "error": "draft changed elsewhere"}
                )
                return
            restored, back = history.step(self.work.raw, e)
            try:
                validate(restored)
            except DraftError:
                source.clear()
                break
            source.pop()
            _push(target, back)
            self.work = Draft(restored)
            self.validated = restored
            done += 1
        verb_en, verb_zh = ("Redid", "已重做") if redo else ("Undid", "已撤销")
        if done:
            self.say(
                f"{verb_en} the last {done} edit{'s' if done > 1 else ''}.", f"{verb_zh}上 {done} 步修改。"
            )
            self.show_summary = True
            self.call(
                {"action": action, "steps": steps},
                {"ok": True, "steps": done, "duration_ms": round(snapshot(self.work).duration_ms())},
            )
        else:
            self.say(
                "There is nothing to redo." if redo else "There is nothing to undo.",
                "没有可以重做的修改。" if redo else "没有可以撤销的修改。",
            )
            self.call({"action": action, "steps": steps}, {"ok": False, "error": "nothing to " + action})


def _push(stack: list[dict[str, Any]], e: dict[str, Any]) -> None:
    """Push, keeping at most UNDO_LIMIT entries and about UNDO_BYTES of patches (oldest dropped first)."""
    e.setdefault("bytes", history.size(e))
    stack.append(e)
    del stack[:-UNDO_LIMIT]
    total = sum(int(x.get("bytes", 0)) for x in stack)
    while len(stack) > 1 and total > UNDO_BYTES:
        total -= int(stack.pop(0).get("bytes", 0))


def respond(
    draft: Draft,
    message: str,
    media: Sequence[MediaInfo],
    memory: AgentMemory,
    *,
    language_hint: str | None = None,
    parser: Parser | None = None,
    beats: Callable[[MediaInfo], list[float] | None] | None = None,
) -> AgentTurn:
    """Answer one chat message. `memory` is updated in place (undo, redo, selection).

    `parser` replaces the rule-based parser (e.g. a local language model emitting the same intents);
    `beats` finds the beats of a song when its MediaInfo has none (default: the bundled bed is analysed,
    uploaded songs must come with `beats_ms`).
    """
    message = message if isinstance(message, str) else ""
    lang = detect_language(message, language_hint)
    parsed = (parser or _DEFAULT_PARSER).parse(message or "", _parse_context(draft, media))
    if not parsed.intents:
        return AgentTurn(
            draft,
            not_understood(lang, parsed.unknown[:1] if len(message) < 200 else None),
            lang,
            [],
            False,
        )
    memory.language = lang
    # New tracks are named in the session's language (the UI's), not each message's: a project's lane names
    # stay put when one message is typed in the other language.
    names_lang = "zh-CN" if (language_hint or "").lower().startswith("zh") else "en"
    ctx = EditContext(media=media, memory=memory, beats_for=beats or beats_for, language=names_lang)
    turn = _Turn(draft, memory, lang)
    for intent in parsed.intents:
        if isinstance(intent, it.Undo | it.Redo):
            turn.undo(intent.steps, redo=isinstance(intent, it.Redo))
        elif isinstance(intent, it.ShowTimeline):
            turn.show_summary = True
        elif isinstance(intent, it.Help):
            turn.lines.append(help_text(lang))
        elif isinstance(intent, it.Info):
            turn.lines.append(info_text(intent.topic, lang))
            turn.show_summary = intent.topic == "export"
        else:
            turn.edit(intent, ctx)
    turn.commit()
    if parsed.unknown:
        pieces = "”, “".join(parsed.unknown[:3])
        turn.say(
            f"I didn't understand “{pieces}”, so I left that part out.",
            f"我没能理解“{pieces}”，这部分没有处理。",
        )
    text = "\n".join(turn.lines)
    if turn.show_summary:
        text = (text + "\n\n" if text else "") + summary(snapshot(turn.work), lang)
    changed = turn.work.raw != draft.raw
    return AgentTurn(turn.work, text, lang, turn.calls, changed, validated=turn.work.raw is turn.validated)
