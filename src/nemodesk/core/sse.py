"""Reading `/run_sse` with httpx-sse: events in, keep-alives and bad lines handled.

httpx decodes the bytes incrementally, so a UTF-8 character split across two network chunks is joined
before any line is parsed. Keep-alives (`: ping` comments, which httpx-sse swallows; `heartbeat` events;
empty `data:` lines, including the phantom empty events some servers send after a comment) come out as
`KEEPALIVE`, so the caller can tell silence from progress. A line that is not JSON is skipped with a
warning: one bad event must not cost the user the rest of the answer.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any, Final

import httpx
from httpx_sse import EventSource

from nemodesk.core.redact import redact

log = logging.getLogger(__name__)


class _KeepAlive:
    def __repr__(self) -> str:
        return "KEEPALIVE"


KEEPALIVE: Final = _KeepAlive()
KEEPALIVE_EVENTS = {"heartbeat", "ping", "keepalive", "keep-alive"}


async def iter_events(response: httpx.Response) -> AsyncIterator[Any]:
    """Decoded JSON objects from an event-stream response, or KEEPALIVE. The caller checked the status."""
    async for sse in EventSource(response).aiter_sse():
        data = sse.data
        if sse.event in KEEPALIVE_EVENTS or not data.strip():
            yield KEEPALIVE
            continue
        try:
            obj = json.loads(data)
        except ValueError:
            log.warning("skipped an invalid line in the agent's stream: %.120s", redact(data))
            continue
        if sse.event == "error" and not (isinstance(obj, dict) and "error" in obj):
            obj = {"error": obj}
        if isinstance(obj, dict) and obj.get("type") in KEEPALIVE_EVENTS:
            yield KEEPALIVE
            continue
        yield obj
