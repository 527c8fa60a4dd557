"""The local engine's rule-based agent: chat messages (English or Chinese) → edits of the draft.

Pipeline: `parser.RuleParser` turns a message into typed intents (`intents.py`), `editor.apply_intent`
applies each to a copy of the draft, `respond` records undo and writes the reply. A local language
model can replace the parser (`respond(..., parser=...)`) without touching the rest.
"""

from nemodesk.engine.agent.model import AgentMemory, AgentTurn, MediaInfo, ToolCall
from nemodesk.engine.agent.music import bundled_music, bundled_music_info
from nemodesk.engine.agent.respond import TOOL_NAME, respond

__all__ = [
    "TOOL_NAME",
    "AgentMemory",
    "AgentTurn",
    "MediaInfo",
    "ToolCall",
    "bundled_music",
    "bundled_music_info",
    "respond",
]
