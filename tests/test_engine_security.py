"""The engine's security rules, each against a real server: loopback bind, Host check, no CORS, tokens,
bounded chat streams."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from helpers_engine import auth, engine_thread, new_session, token
from nemodesk.core.errors import UserError
from nemodesk.engine import security


@pytest.fixture
def eng(tmp_path: Path):
    with engine_thread(tmp_path / "data", token="a-fixed-token-for-tests-0123456789") as running:
        yield running


@pytest.fixture
def client(eng):
    with httpx.Client(base_url=eng.url, timeout=30) as c:
        yield c


def _chat_body(sid: str) -> dict:
    return {
        "app_name": "nemo_agent",
        "user_id": "me",
        "session_id": sid,
        "new_message": {"parts": [{"text": "hi"}]},
    }


def test_default_bind_is_loopback() -> None:
    from nemodesk.engine.server import EngineConfig

    assert EngineConfig(data_dir=Path(".")).host == "127.0.0.1"
    assert (
        security.is_loopback("127.0.0.1")
        and security.is_loopback("::1")
        and security.is_loopback("localhost")
    )
    assert not security.is_loopback("0.0.0.0") and not security.is_loopback("192.168.1.5")


def test_a_network_bind_needs_an_explicit_long_token() -> None:
    security.check_bind("127.0.0.1", None)
    with pytest.raises(UserError, match="--token"):
        security.check_bind("0.0.0.0", None)
    with pytest.raises(UserError, match="too short"):
        security.check_bind("0.0.0.0", "short")
    security.check_bind("0.0.0.0", "x" * 32)


def test_cli_refuses_a_network_bind_without_token(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "nemodesk", "engine", "--host", "0.0.0.0", "--data-dir", str(tmp_path)],
                       capture_output=True, text=True, timeout=60)  # fmt: skip
    assert r.returncode == 1
    assert r.stdout == ""
    assert "--token" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1:1", "localhost.evil.example:{port}",
                                  "192.168.0.10:{port}", ""])  # fmt: skip
def test_foreign_host_headers_are_refused(eng, host: str) -> None:
    value = host.format(port=eng.port)
    with httpx.Client(base_url=eng.url) as c:
        r = c.post("/api/auth/anonymous-token", headers={"Host": value, "X-Client-Id": "x"})
    assert r.status_code == 421
    assert "token" not in r.json().get("data", {}) if isinstance(r.json().get("data"), dict) else True


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost"])
def test_loopback_host_headers_are_served(eng, name: str) -> None:
    with httpx.Client(base_url=eng.url) as c:
        r = c.post("/api/auth/anonymous-token", headers={"Host": f"{name}:{eng.port}", "X-Client-Id": "x"})
    assert r.status_code == 200 and r.json()["code"] == 0


def test_no_cors_headers_ever(client: httpx.Client, eng) -> None:
    origin = {"Origin": "http://evil.example"}
    tok = token(client)
    for r in (
        client.post("/api/auth/anonymous-token", headers={**origin, "X-Client-Id": "x"}),
        client.get("/api/credits/balance/simple", headers=auth(tok, **origin)),
        client.get("/api/credits/balance/simple", headers=origin),
        client.options("/api/credits/balance/simple", headers={**origin, "Access-Control-Request-Method": "GET",
                                                               "Access-Control-Request-Headers": "authorization"}),
    ):  # fmt: skip
        assert not [h for h in r.headers if h.lower().startswith("access-control-")], r.headers
    pre = client.options("/run_sse", headers={**origin, "Access-Control-Request-Method": "POST"})
    assert pre.status_code == 405


def test_the_explicit_token_is_accepted(client: httpx.Client, eng) -> None:
    fixed = eng.engine.config.token
    r = client.get("/api/credits/balance/simple", headers=auth(fixed))
    assert r.status_code == 200 and r.json()["code"] == 0
    sid = new_session(client, fixed)
    assert client.get(f"/api/state/nemo_agent/me/{sid}/latest", headers=auth(fixed)).json()["code"] == 0
    # Sessions are per user: an anonymous token does not see the fixed token's session.
    anon = token(client)
    assert client.get(f"/api/state/nemo_agent/me/{sid}/latest", headers=auth(anon)).status_code == 404


def test_network_bind_disables_anonymous_tokens(tmp_path: Path) -> None:
    fixed = "network-token-0123456789abcdef"
    with engine_thread(tmp_path / "net", host="0.0.0.0", token=fixed) as running:
        url = f"http://127.0.0.1:{running.port}"
        with httpx.Client(base_url=url, timeout=30) as c:
            r = c.post("/api/auth/anonymous-token", headers={"X-Client-Id": "x"})
            assert r.status_code == 403 and "token" in r.json()["message"]
            assert c.get("/api/credits/balance/simple").status_code == 401
            assert c.get("/api/credits/balance/simple", headers=auth(fixed)).status_code == 200


def test_unknown_session_on_run_sse_is_404_before_the_stream(client: httpx.Client) -> None:
    tok = token(client)
    r = client.post("/run_sse", headers=auth(tok, Accept="text/event-stream"), json=_chat_body("12345"))
    assert r.status_code == 404
    assert not r.headers["content-type"].startswith("text/event-stream")
    assert r.json()["code"] == 1002


def test_chat_streams_are_bounded(client: httpx.Client, eng) -> None:
    tok = token(client)
    sid = new_session(client, tok)
    engine = eng.engine
    engine.streams = engine.config.max_streams  # as if that many streams were open
    try:
        r = client.post("/run_sse", headers=auth(tok), json=_chat_body(sid))
        assert r.status_code == 429 and r.json()["code"] == 429 and r.headers["retry-after"]
    finally:
        engine.streams = 0
    engine.busy_sessions.add(sid)  # a message of this session still being answered
    try:
        r = client.post("/run_sse", headers=auth(tok), json=_chat_body(sid))
        assert r.status_code == 429 and "still being answered" in r.json()["message"]
    finally:
        engine.busy_sessions.discard(sid)


def test_bad_chat_bodies_are_400(client: httpx.Client) -> None:
    tok = token(client)
    sid = new_session(client, tok)
    for body in ({}, {"session_id": sid}, {"session_id": sid, "new_message": {"parts": "x"}},
                 {"session_id": sid, "new_message": {"parts": [{"text": "  "}]}}):  # fmt: skip
        r = client.post("/run_sse", headers=auth(tok), json=body)
        assert r.status_code == 400, body
    r = client.post(
        "/run_sse", headers=auth(tok, **{"Content-Type": "application/json"}), content=b"{not json"
    )
    assert r.status_code == 400
