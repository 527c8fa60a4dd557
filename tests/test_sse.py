"""Turn assembly from hand-split byte chunks (httpx.MockTransport yielding chunks, as the anthropic SDK does)."""

from __future__ import annotations

import asyncio
import json
import logging

import httpx

from helpers_nemo import collect, run, text_shown
from nemodesk.core.chat_events import Activity, ChatError, Notice, TextDelta, TextFinal, TurnEnd
from nemodesk.core.client import NemoClient
from nemodesk.core.identity import Identity

BASE = "http://nemo.test"
DRAFT_BEFORE = {
    "m": {"width": 1920, "height": 1080},
    "t": [{"tt": 1, "m": {"name": "BGM"}, "sg": [{"d": 9000, "m": {"name": "Lo-fi", "vol": 0.35}}]}],
}
DRAFT_AFTER = {
    "m": {"width": 1920, "height": 1080},
    "t": [{"tt": 1, "m": {"name": "BGM"}, "sg": [{"d": 9000, "m": {"name": "Lo-fi", "vol": 0.5}}]}],
}


def adk(parts, partial=None, role="model", **extra) -> dict:
    e = {"content": {"role": role, "parts": parts}, "author": "nemo_agent", "invocationId": "i1", **extra}
    if partial is not None:
        e["partial"] = partial
    return e


def data(obj) -> bytes:
    return b"data: " + json.dumps(obj, ensure_ascii=False).encode() + b"\n\n"


class Fake:
    """A scripted backend: /run_sse streams `chunks` (bytes, or float = sleep); state returns drafts in turn."""

    def __init__(
        self, chunks, *, status=200, ctype="text/event-stream", body=None, drafts=(DRAFT_BEFORE, DRAFT_AFTER)
    ):
        self.chunks, self.status, self.ctype, self.body = chunks, status, ctype, body
        self.drafts = list(drafts)
        self.run_calls = 0
        self.closed = False

    async def _stream(self):
        try:
            for c in self.chunks:
                if isinstance(c, float):
                    await asyncio.sleep(c)
                elif isinstance(c, Exception):
                    raise c
                else:
                    yield c
        finally:
            self.closed = True

    def handler(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"] == "Bearer test-token-abcdef"
        if request.url.path == "/run_sse":
            self.run_calls += 1
            if self.body is not None:
                return httpx.Response(self.status, headers={"content-type": self.ctype}, json=self.body)
            return httpx.Response(self.status, headers={"content-type": self.ctype}, content=self._stream())
        if request.url.path.startswith("/api/state/"):
            d = self.drafts.pop(0) if len(self.drafts) > 1 else self.drafts[0]
            return httpx.Response(200, json={"code": 0, "message": "ok", "data": {"state": {"draft": d}}})
        if request.url.path.startswith("/api/tasks/"):
            return httpx.Response(200, json={"code": 0, "data": {"session_id": "77", "task_id": "t"}})
        return httpx.Response(404, json={"detail": "nope"})


def turn_updates(fake: Fake, message="hello", *, cancel_after: float | None = None, **kw) -> list:
    async def go():
        identity = Identity(BASE)
        identity.set_user_token("test-token-abcdef")
        http = httpx.AsyncClient(transport=httpx.MockTransport(fake.handler))
        client = NemoClient(BASE, identity=identity, http=http, **kw)
        try:
            turn = client.chat("1", message)
            if cancel_after is None:
                return await collect(turn)
            out = []
            loop = asyncio.get_running_loop()
            loop.call_later(cancel_after, turn.cancel)
            async for u in turn:
                out.append(u)
            return out
        finally:
            await http.aclose()

    return run(go())


def test_utf8_character_split_across_chunks_and_partials_replaced_by_final():
    text = "Café ☕ 完成了"
    p1 = data(adk([{"text": "Café ☕ "}], partial=True))
    cut = p1.index("☕".encode()) + 1
    chunks = [
        b": ping\n\n",
        p1[:cut],
        0.01,
        p1[cut:],
        b"data: \n\n",
        data(adk([{"text": "完成了"}], partial=True))[:-7],
        data(adk([{"text": "完成了"}], partial=True))[-7:],
        b": ping\n\n",
        data(adk([{"text": text}], turnComplete=True)),
    ]
    ups = turn_updates(Fake(chunks))
    deltas = [u.text for u in ups if isinstance(u, TextDelta)]
    finals = [u.text for u in ups if isinstance(u, TextFinal)]
    assert "".join(deltas) == text and finals == [text]
    assert text_shown(ups) == text  # shown once, never twice
    end = ups[-1]
    assert isinstance(end, TurnEnd) and end.text == text and end.completed


def test_crlf_lines_split_mid_line_and_snake_case_and_type_variant():
    body = (
        data(adk([{"function_call": {"id": "1", "name": "edit_multitrack", "args": {}}}]))
        + data(
            adk([{"function_response": {"id": "1", "name": "edit_multitrack", "response": {}}}], role="user")
        )
        + data({"type": "heartbeat"})
        + data({"type": "tool_call", "name": "generate_music"})
        + data({"type": "text", "content": "Hi "})
        + data({"type": "text", "content": "there"})
    )
    body = body.replace(b"\n", b"\r\n")
    chunks = [body[i : i + 7] for i in range(0, len(body), 7)]
    ups = turn_updates(Fake(chunks))
    acts = [u.text for u in ups if isinstance(u, Activity)]
    assert acts == [
        "working on: edit timeline",
        "done: edit timeline",
        "working on: generate music (this can take a few minutes)",
    ]
    assert text_shown(ups) == "Hi there" and ups[-1].text == "Hi there"


def test_thoughts_and_user_echo_are_not_shown():
    chunks = [
        data(adk([{"text": "secret reasoning", "thought": True}, {"text": "Visible"}])),
        data(adk([{"text": "my own message"}], role="user")),
    ]
    assert text_shown(turn_updates(Fake(chunks))) == "Visible"


def test_invalid_lines_are_skipped_with_a_warning(caplog):
    chunks = [
        data(adk([{"text": "A"}], partial=True)),
        b"data: {oops not json\n\n",
        b"data: [1, 2\n\n",
        data(adk([{"text": "AB"}])),
    ]
    with caplog.at_level(logging.WARNING):
        ups = turn_updates(Fake(chunks))
    assert text_shown(ups) == "AB" and not [u for u in ups if isinstance(u, ChatError)]
    assert sum("invalid line" in r.getMessage() for r in caplog.records) == 2


def test_error_event_and_adk_error_fields():
    ups = turn_updates(
        Fake([data(adk([{"text": "Working"}], partial=True)), data({"error": "tool crashed"})])
    )
    errs = [u for u in ups if isinstance(u, ChatError)]
    assert len(errs) == 1 and "tool crashed" in errs[0].message
    assert not ups[-1].completed and text_shown(ups) == "Working"
    ups = turn_updates(Fake([data(adk([], errorCode="MALFORMED", errorMessage="model failed"))]))
    assert any(isinstance(u, ChatError) and "model failed" in u.message for u in ups)


def test_silent_turn_ends_with_the_draft_diff():
    ups = turn_updates(
        Fake([data(adk([{"functionCall": {"name": "edit_multitrack", "args": {}}}])), b": ping\n\n"])
    )
    end = ups[-1]
    assert isinstance(end, TurnEnd) and end.text == "" and end.diff_sentences == ["Music volume 35% → 50%"]
    assert end.state.draft.tracks[0].segments[0].vol == 0.5


def test_keepalives_only_give_still_working_notices():
    chunks = []
    for _ in range(12):
        chunks += [
            b": ping\n\n",
            0.03,
            b"data: \n\n",
            0.03,
            data({"type": "heartbeat"}),
            0.03,
            b"event: heartbeat\ndata: {}\n\n",
        ]
    ups = turn_updates(Fake(chunks), notice_interval=0.25)
    notices = [u for u in ups if isinstance(u, Notice)]
    assert notices and all(n.text == "Still working..." for n in notices)
    assert not [u for u in ups if isinstance(u, ChatError | TextDelta | TextFinal)]
    assert ups[-1].completed


def test_stream_cap_stops_waiting():
    fake = Fake([b": ping\n\n", 5.0, data(adk([{"text": "too late"}]))])
    ups = turn_updates(fake, stream_cap=0.2)
    assert any(isinstance(u, ChatError) and "15 minutes" in u.message for u in ups)
    assert not ups[-1].completed and text_shown(ups) == "" and fake.closed


def test_cancel_stops_reading_and_closes_the_stream():
    fake = Fake([data(adk([{"text": "Start"}], partial=True)), 5.0, data(adk([{"text": "never"}]))])
    ups = turn_updates(fake, cancel_after=0.2)
    assert any(isinstance(u, Notice) and "Stopped" in u.text for u in ups)
    assert isinstance(ups[-1], TurnEnd) and not ups[-1].completed and fake.closed and fake.run_calls == 1


def test_abrupt_disconnect_is_reported_and_not_resent():
    fake = Fake(
        [data(adk([{"text": "Half"}], partial=True)), httpx.RemoteProtocolError("peer closed connection")]
    )
    ups = turn_updates(fake)
    errs = [u for u in ups if isinstance(u, ChatError)]
    assert len(errs) == 1 and "connection broke" in errs[0].message and "not re-sent" in errs[0].action
    assert fake.run_calls == 1 and ups[-1].diff_sentences == ["Music volume 35% → 50%"]


def test_http_errors_before_the_stream_are_not_hidden_by_the_content_type():
    fake = Fake(
        [], body={"code": 2001, "message": "insufficient credits", "data": None}, ctype="application/json"
    )
    ups = turn_updates(fake)
    assert any(isinstance(u, ChatError) and "credits" in u.message for u in ups) and fake.run_calls == 1
    fake = Fake([], status=404, body={"detail": "Session not found"}, ctype="application/json")
    ups = turn_updates(fake)
    notes = [u for u in ups if isinstance(u, Notice) and u.session_id]
    assert notes and notes[0].session_id == "77" and "Send your message again" in notes[0].text
    assert fake.run_calls == 1  # the message is not re-sent to the new session
