"""The seed skill's routing table, shared by the chat pane and `nemodesk-cli`.

Some requests never go to the agent (nemo-protocol.md, "What the skill routes without the agent"):
export, credits, status and upload are answered by NemoDesk itself, which is faster and costs no
credits. Everything else goes to `/run_sse`. Routing only triggers on short command-like messages
without an edit verb, so "add a title that says Export ready" still reaches the agent.

The agent also talks as if the user had its web GUI ("click Export", "open the timeline", "drag photo 3
to the front"): `gui_actions` turns those phrases into things NemoDesk can do (the protocol's mapping).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class Route(StrEnum):
    EXPORT = "export"
    CREDITS = "credits"
    STATUS = "status"
    UPLOAD = "upload"
    CHAT = "chat"


_RULES: list[tuple[Route, re.Pattern[str]]] = [
    (Route.EXPORT, re.compile(r"\bexport\b|\bdownload\b|\bsend me the video\b|导出|下载", re.I)),
    (Route.CREDITS, re.compile(r"\bcredits?\b|\bbalance\b|积分|余额", re.I)),
    (Route.STATUS, re.compile(r"\bstatus\b|\bshow (?:the |me the )?tracks\b|状态", re.I)),
    (Route.UPLOAD, re.compile(r"\bupload\b|上传", re.I)),
]
# An edit verb means the user is asking the agent to change something, even if a keyword appears.
_EDIT = re.compile(
    r"\b(?:add|remove|delete|make|change|set|turn|put|use|replace|insert|move|crop|trim|apply|"
    r"create|generate|animate|convert)\b|添加|加上|删除|去掉|改成|修改|换成|设置|生成|制作|做成",
    re.I,
)
MAX_COMMAND_WORDS = 8
MAX_COMMAND_CHARS_CJK = 16


def _is_short(message: str) -> bool:
    words = message.split()
    if re.search(r"[\u3400-\u9fff]", message):
        return len(re.sub(r"\s", "", message)) <= MAX_COMMAND_CHARS_CJK
    return len(words) <= MAX_COMMAND_WORDS


def route(message: str, files: Sequence[object] = ()) -> Route:
    """Where a user's message goes. Dropped files are always an upload."""
    if files:
        return Route.UPLOAD
    text = message.strip()
    if not text or not _is_short(text) or _EDIT.search(text):
        return Route.CHAT
    for target, pattern in _RULES:
        if pattern.search(text):
            return target
    return Route.CHAT


class GuiKind(StrEnum):
    PERFORM = "perform"  # "click"/"点击": do the action (see `.route` / `.target`)
    FETCH_STATE = "fetch_state"  # "open"/"打开": fetch the session state
    SEND_EDIT = "send_edit"  # "drag/drop"/"拖拽": send `.message` to the agent as an edit
    SHOW_TIMELINE = "show_timeline"  # "preview in timeline": show the timeline (summary)
    EXPORT = "export"  # "Export"/"导出": run the export flow


@dataclass(frozen=True)
class GuiAction:
    kind: GuiKind
    sentence: str  # the agent's sentence the action came from
    target: str | None = None  # what to click, when the agent named it
    route: Route = Route.CHAT  # for PERFORM: where the clicked thing routes
    message: str | None = None  # for SEND_EDIT: the edit to send, reworded without GUI verbs


_SENTENCES = re.compile(r"[^.!?。！？\n]+[.!?。！？]?")
_EXPORT_WORD = re.compile(r"\bexport\b|导出", re.I)
_PREVIEW = re.compile(r"\bpreview\b.*\btimeline\b|\btimeline\b.*\bpreview\b|预览", re.I)
_DRAG = re.compile(r"\bdrag\b|\bdrop\b|拖拽|拖动", re.I)
_OPEN = re.compile(r"\bopen\b|打开", re.I)
_CLICK = re.compile(r"\bclick\b|\btap\b|点击", re.I)
_TARGET = re.compile(
    r"(?:\bclick\b|\btap\b|点击)(?:\s+on)?\s*(?:the\s+)?(?:\*\*|[\"'“‘「])?([^\"'”’」*.,!?。，]+)", re.I
)


def _target(sentence: str) -> str | None:
    m = _TARGET.search(sentence)
    if not m:
        return None
    t = re.sub(r"\s+(?:button|tab|icon|menu|按钮)\b.*$", "", m.group(1).strip(), flags=re.I).strip()
    return t or None


def gui_actions(agent_text: str) -> list[GuiAction]:
    """Actions behind the agent's GUI-speak, one per sentence that has any, in order."""
    out: list[GuiAction] = []
    for m in _SENTENCES.finditer(agent_text):
        sentence = m.group(0).strip()
        if not sentence:
            continue
        if _EXPORT_WORD.search(sentence) and (
            _CLICK.search(sentence) or re.search(r"\bExport\b|导出", sentence)
        ):
            out.append(GuiAction(GuiKind.EXPORT, sentence, "Export", Route.EXPORT))
        elif _PREVIEW.search(sentence):
            out.append(GuiAction(GuiKind.SHOW_TIMELINE, sentence, route=Route.STATUS))
        elif _DRAG.search(sentence):
            msg = re.sub(r"\bdrag(?:\s+and\s+drop)?\b|\bdrop\b", "move", sentence, flags=re.I)
            msg = re.sub(r"拖拽|拖动", "移动", msg)
            out.append(GuiAction(GuiKind.SEND_EDIT, sentence, message=msg.strip()))
        elif _CLICK.search(sentence):
            target = _target(sentence)
            out.append(GuiAction(GuiKind.PERFORM, sentence, target, route(target) if target else Route.CHAT))
        elif _OPEN.search(sentence):
            out.append(GuiAction(GuiKind.FETCH_STATE, sentence, route=Route.STATUS))
    return out
