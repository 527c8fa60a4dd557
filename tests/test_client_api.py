"""NemoClient against the protocol-faithful test server: auth, sessions, credits, state, policies."""

from __future__ import annotations

import httpx
import pytest

from helpers_nemo import make_client, run
from nemo_test_server import NemoTestServer
from nemodesk import __version__
from nemodesk.core import nemo_errors as ne
from nemodesk.core.client import _unwrap
from nemodesk.core.identity import Identity, load_client_id

pytest_plugins = ["nemo_fixtures"]


def test_anonymous_token_session_credits_and_attribution_headers(nemo_server: NemoTestServer):
    async def go():
        async with make_client(nemo_server) as c:
            sess = await c.create_session("zh-CN")
            credits = await c.credits()
            return c.identity, sess, credits

    identity, sess, credits = run(go())
    assert sess.session_id.isdigit() and sess.task_id and sess.user_id.startswith("anon_")
    assert (credits.available, credits.frozen, credits.total, credits.unlimited) == (100, 5, 105, False)
    token_call = nemo_server.requests[0]
    assert token_call.path == "/api/auth/anonymous-token"
    assert token_call.headers["x-client-id"] == load_client_id() and "authorization" not in token_call.headers
    for rec in nemo_server.requests:
        assert rec.headers["x-skill-source"] == "nemodesk"
        assert rec.headers["x-skill-version"] == __version__
        assert rec.headers["x-skill-platform"] in ("windows", "macos", "linux")
    assert nemo_server.requests[1].headers["authorization"] == f"Bearer {identity.token}"
    assert identity.user_id == sess.user_id


def test_token_from_env_is_used_and_not_replaced(nemo_server, monkeypatch):
    monkeypatch.setenv("NEMO_TOKEN", nemo_server.issue_user_token())

    async def go():
        async with make_client(nemo_server) as c:
            return await c.credits()

    assert run(go()).available == 100
    assert all(r.path != "/api/auth/anonymous-token" for r in nemo_server.requests)


@pytest.mark.parametrize("form", ["1001", "1010", "1011", "401"])
def test_expired_anonymous_token_is_renewed_once_with_same_client_id(nemo_server, form):
    async def go():
        async with make_client(nemo_server) as c:
            await c.ensure_token()
            first = c.identity.token
            nemo_server.faults.auth_error = form
            await c.credits()
            return first, c.identity.token

    first, second = run(go())
    assert first != second
    calls = [r for r in nemo_server.requests if r.path == "/api/auth/anonymous-token"]
    assert len(calls) == 2 and calls[0].headers["x-client-id"] == calls[1].headers["x-client-id"]


def test_auth_failing_twice_gives_up(nemo_server):
    nemo_server.faults.auth_error, nemo_server.faults.auth_error_count = "1001", 5

    async def go():
        async with make_client(nemo_server) as c:
            await c.credits()

    with pytest.raises(ne.AuthError) as info:
        run(go())
    assert "expired" in str(info.value)
    assert len([r for r in nemo_server.requests if r.path == "/api/auth/anonymous-token"]) == 2


def test_user_token_rejected_asks_for_a_new_one(nemo_server, monkeypatch):
    monkeypatch.setenv("NEMO_TOKEN", "some-user-token-that-expired")

    async def go():
        async with make_client(nemo_server) as c:
            await c.credits()

    with pytest.raises(ne.TokenRejected) as info:
        run(go())
    assert "token set" in str(info.value) and "some-user-token" not in str(info.value)
    assert all(r.path != "/api/auth/anonymous-token" for r in nemo_server.requests)


def test_missing_client_id_is_retried_once(nemo_server):
    nemo_server.faults.reject_client_id = 1

    async def go():
        async with make_client(nemo_server) as c:
            await c.ensure_token()
            return c.identity.token

    assert run(go())
    nemo_server.faults.reject_client_id = 2
    with pytest.raises(ne.ClientIdMissing):
        run(go())


def test_server_really_requires_client_id_and_attribution():
    """The test server itself is faithful: no X-Client-Id -> 400; no attribution -> 402 on export."""
    server = NemoTestServer().start()
    try:
        r = httpx.post(server.url + "/api/auth/anonymous-token")
        assert r.status_code == 400
        token = server.issue_user_token()
        r = httpx.post(
            server.url + "/api/render/proxy/lambda",
            headers={"Authorization": f"Bearer {token}"},
            json={"id": "render_1", "sessionId": "1", "draft": {"t": []}, "output": {}},
        )
        assert r.status_code == 402
    finally:
        server.stop()


def test_export_blocked_402_message(nemo_server):
    nemo_server.faults.export_blocked = True

    async def go():
        async with make_client(nemo_server) as c:
            await c.submit_render("1", {"t": [{"tt": 0, "sg": [{"d": 1000}]}]})

    with pytest.raises(ne.ExportBlocked) as info:
        run(go())
    assert "Register or upgrade your plan to unlock export." in str(info.value)
    assert "credit" not in str(info.value).lower()


def test_rate_limit_waits_and_retries_once(nemo_server):
    async def go():
        async with make_client(nemo_server) as c:
            await c.ensure_token()
            nemo_server.faults.rate_limit, nemo_server.faults.retry_after = 1, None  # default wait (injected)
            await c.credits()
            nemo_server.faults.rate_limit, nemo_server.faults.retry_after = 1, "0"
            await c.credits()
            nemo_server.faults.rate_limit = 2
            await c.credits()

    with pytest.raises(ne.RateLimited):
        run(go())
    assert len([r for r in nemo_server.requests if r.path.startswith("/api/credits")]) == 6


def test_server_errors_retry_reads_but_not_writes(nemo_server):
    async def go():
        async with make_client(nemo_server) as c:
            await c.ensure_token()
            nemo_server.faults.server_error = 2
            credits = await c.credits()  # GET: retried
            nemo_server.faults.server_error = 1
            try:
                await c.create_session()  # POST: not retried
            except ne.ServerError as err:
                return credits, err

    credits, err = run(go())
    assert credits.available == 100 and "had a problem" in str(err)


def test_connection_errors_are_typed():
    async def go():
        c = make_client(
            type("S", (), {"url": "http://127.0.0.1:9"})(), identity=Identity("http://127.0.0.1:9")
        )
        c.identity.set_user_token("whatever-token")
        async with c:
            await c.credits()

    with pytest.raises(ne.NemoConnectionError) as info:
        run(go())
    assert "Could not reach" in str(info.value)


def test_lost_session_state_creates_a_new_one_and_says_so(nemo_server):
    notices, replaced = [], []

    async def go():
        async with make_client(
            nemo_server,
            on_notice=notices.append,
            on_session_replaced=lambda old, new: replaced.append((old, new)),
        ) as c:
            s = await c.create_session()
            nemo_server.faults.lose_session = True
            st = await c.state(s.session_id)
            return s, st

    s, st = run(go())
    assert replaced and replaced[0][0] == s.session_id and st.session_id == replaced[0][1].session_id
    assert any("not found" in n and "new one" in n for n in notices)


def test_state_forms_and_no_credits_message(nemo_server):
    async def go():
        async with make_client(nemo_server) as c:
            s = await c.create_session()
            nemo_server.sessions[s.session_id].draft = {
                "t": [{"tt": 0, "sg": [{"d": 1500, "m": {"name": "a"}}]}]
            }
            a = await c.state(s.session_id)
            nemo_server.faults.state_form = "project"
            b = await c.state(s.session_id)
            return a, b

    a, b = run(go())
    assert a.draft.duration_ms() == 1500 and b.draft.duration_ms() == 1500 and a.exportable
    err = ne.NoCredits.for_user("anon_1", anonymous=True)
    assert "https://nemovideo.com/register?bind=anon_1" in str(err)
    assert "Top up credits in your account" in str(ne.NoCredits.for_user("u", anonymous=False))


def test_error_table_covers_the_protocol():
    assert isinstance(ne.error_for(200, 1002), ne.SessionNotFound)
    assert isinstance(ne.error_for(200, 4001), ne.UnsupportedFile) and "mp4" in str(ne.error_for(200, 4001))
    assert "Compress" in str(ne.error_for(200, 4002))
    assert isinstance(ne.error_for(400), ne.ClientIdMissing)
    assert isinstance(ne.error_for(503), ne.ServerError)
    assert isinstance(ne.error_for(429), ne.RateLimited)
    other = ne.error_for(200, 7777, "odd thing for Bearer abc.def")
    assert "7777" in str(other) and "abc.def" not in str(other)


def test_a_400_about_something_else_is_not_blamed_on_the_client_id():
    assert isinstance(ne.error_for(400, 400, "The X-Client-Id header is required."), ne.ClientIdMissing)
    err = ne.error_for(400, None, "The draft is not valid: t[0].sg[0].d: must be > 0")
    assert isinstance(err, ne.BadRequest) and not isinstance(err, ne.ClientIdMissing)
    assert "t[0].sg[0].d: must be > 0" in str(err) and "client id" not in str(err)


def test_both_envelopes():
    assert _unwrap({"code": 0, "message": "ok", "data": {"a": 1}}) == (True, 0, "ok", {"a": 1})
    assert _unwrap({"code": 1001, "message": "bad", "data": None})[:2] == (False, 1001)
    assert _unwrap({"success": True, "data": {"id": "x"}}) == (True, None, None, {"id": "x"})
    assert _unwrap({"success": False, "error": "nope"}) == (False, None, "nope", None)
    assert _unwrap({"success": False, "error": {"code": 2001, "message": "m"}})[:3] == (False, 2001, "m")
