"""Chat over a real uvicorn stream: every stream fault of the issue's Tests section."""

from __future__ import annotations

import pytest

from helpers_nemo import collect, make_client, run, text_shown
from nemodesk.core.chat_events import Activity, ChatError, Notice, TextDelta, TextFinal, TurnEnd

pytest_plugins = ["nemo_fixtures"]


def chat(server, message, *, setup=None, photos=(), **kw):
    async def go():
        async with make_client(server, **kw) as c:
            s = await c.create_session()
            if photos:
                await c.upload(s.session_id, list(photos))
            if setup:
                setup(server)
            return s, await collect(c.chat(s.session_id, message))

    return run(go())


def test_normal_turn_partials_final_activity_and_diff(nemo_server, photos):
    _s, ups = chat(nemo_server, "turn my photos into a slideshow", photos=photos[:3])
    deltas = [u for u in ups if isinstance(u, TextDelta)]
    finals = [u.text for u in ups if isinstance(u, TextFinal)]
    assert len(deltas) > 2 and finals == ["I made a slideshow of your 3 photos with crossfades."]
    assert text_shown(ups) == finals[0]
    assert [u.text for u in ups if isinstance(u, Activity)] == [
        "working on: edit timeline",
        "done: edit timeline",
    ]
    end = ups[-1]
    assert isinstance(end, TurnEnd) and end.completed and end.text == finals[0]
    assert end.state.draft.video_track() is not None and "Added photo 1 (rocket.jpg)" in end.diff_sentences
    body = nemo_server.requests[-2]  # the /run_sse call, then the state fetch
    assert body.path == "/run_sse" and body.headers["accept"] == "text/event-stream"
    assert nemo_server.chat_messages == ["turn my photos into a slideshow"]


@pytest.mark.parametrize("scenario", ["no_text", "tools_only"])
def test_turn_with_only_tool_events_reports_the_diff(nemo_server, photos, scenario):
    _s, ups = chat(
        nemo_server,
        "make a slideshow",
        photos=photos[:2],
        setup=lambda srv: setattr(srv.faults, "stream", scenario),
    )
    end = ups[-1]
    assert end.text == "" and end.completed and not [u for u in ups if isinstance(u, TextFinal)]
    assert end.diff_sentences[:2] == ["Added photo 1 (rocket.jpg)", "Added photo 2 (coffee.png)"]


def test_partial_chunk_split_inside_a_utf8_character(nemo_server, photos):
    _s, ups = chat(
        nemo_server,
        "slideshow",
        photos=photos[:1],
        setup=lambda srv: setattr(srv.faults, "stream", "utf8_split"),
    )
    assert text_shown(ups).startswith("Café ☕ 完成了！I made a slideshow")
    assert "\ufffd" not in "".join(u.text for u in ups if isinstance(u, TextDelta))


def test_invalid_json_lines_skipped(nemo_server, photos):
    _s, ups = chat(
        nemo_server,
        "slideshow",
        photos=photos[:1],
        setup=lambda srv: setattr(srv.faults, "stream", "invalid_json"),
    )
    assert ups[-1].text.startswith("I made a slideshow") and not [u for u in ups if isinstance(u, ChatError)]


def test_snake_case_and_type_variant(nemo_server, photos):
    for scenario in ("snake_case", "type_variant"):
        nemo_server.reset()
        _s, ups = chat(
            nemo_server,
            "slideshow",
            photos=photos[:2],
            setup=lambda srv, sc=scenario: setattr(srv.faults, "stream", sc),
        )
        assert ups[-1].text.strip() == "I made a slideshow of your 2 photos with crossfades.", scenario
        assert [u for u in ups if isinstance(u, Activity)], scenario


def test_abrupt_disconnect_never_resends(nemo_server, photos):
    _s, ups = chat(
        nemo_server,
        "slideshow",
        photos=photos[:2],
        setup=lambda srv: setattr(srv.faults, "stream", "disconnect"),
    )
    errs = [u for u in ups if isinstance(u, ChatError)]
    assert len(errs) == 1 and "connection broke" in errs[0].message
    assert nemo_server.chat_messages == ["slideshow"]
    end = ups[-1]
    assert not end.completed and end.state is not None and end.diff_sentences  # the edit happened anyway


def test_error_event(nemo_server):
    _s, ups = chat(nemo_server, "x", setup=lambda srv: setattr(srv.faults, "stream", "error_event"))
    assert any(isinstance(u, ChatError) and "crashed" in u.message for u in ups)


def test_keepalive_only_stream_gives_still_working(nemo_server):
    def setup(srv):
        srv.faults.stream, srv.faults.keepalive_seconds = "keepalive_only", 0.8

    _s, ups = chat(nemo_server, "x", setup=setup, notice_interval=0.25)
    assert [u for u in ups if isinstance(u, Notice) and u.text == "Still working..."]
    assert ups[-1].completed and ups[-1].text == ""


def test_lost_session_creates_new_and_does_not_resend(nemo_server):
    replaced = []
    s, ups = chat(
        nemo_server,
        "hello",
        setup=lambda srv: setattr(srv.faults, "lose_session", True),
        on_session_replaced=lambda old, new: replaced.append(new.session_id),
    )
    notes = [u for u in ups if isinstance(u, Notice) and u.session_id]
    assert notes and notes[0].session_id == replaced[0] != s.session_id
    assert nemo_server.chat_messages == [] and not ups[-1].completed


def test_no_credits_in_chat(nemo_server):
    _s, ups = chat(nemo_server, "hello", setup=lambda srv: setattr(srv.faults, "no_credits", True))
    err = next(u for u in ups if isinstance(u, ChatError))
    assert "run out of NemoVideo credits" in err.message and "register?bind=anon_" in err.action


def test_expired_token_and_rate_limit_before_the_stream_are_retried_once(nemo_server, photos):
    def setup(srv):
        srv.faults.auth_error, srv.faults.only_path = "1001", "/run_sse"

    _s, ups = chat(nemo_server, "slideshow", photos=photos[:1], setup=setup)
    assert ups[-1].completed and nemo_server.chat_messages == ["slideshow"]
    assert len([r for r in nemo_server.requests if r.path == "/api/auth/anonymous-token"]) == 2

    def setup2(srv):
        srv.faults.rate_limit, srv.faults.only_path = 1, "/run_sse"

    nemo_server.reset()
    _s, ups = chat(nemo_server, "slideshow", photos=photos[:1], setup=setup2)
    assert ups[-1].completed and nemo_server.chat_messages == ["slideshow"]
    assert len([r for r in nemo_server.requests if r.path == "/run_sse"]) == 2
