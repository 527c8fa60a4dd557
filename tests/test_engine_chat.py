"""/run_sse on the engine and the whole seed flow, as raw HTTP calls a curl user would make."""

from __future__ import annotations

import io
import json
import sqlite3
import time
from pathlib import Path

import av
import httpx
import pytest

from helpers_engine import auth, chat, engine_thread, new_session, poll, state, submit, token, upload

pytest_plugins = ["engine_fixtures"]


@pytest.fixture
def client(eng):
    """Longer than engine_fixtures' client: these tests wait for whole chat turns and renders."""
    with httpx.Client(base_url=eng.url, timeout=120) as c:
        yield c


def _texts(events: list) -> tuple[list[str], list[str]]:
    partial, final = [], []
    for ev in events:
        if isinstance(ev, dict) and "content" in ev:
            for part in ev["content"]["parts"]:
                if "text" in part:
                    (partial if ev.get("partial") else final).append(part["text"])
    return partial, final


def test_chat_emits_adk_events_and_stores_the_edit(client: httpx.Client, photos, music) -> None:
    tok = token(client)
    sid = new_session(client, tok)
    upload(client, tok, sid, [*photos[:3], music])
    events = chat(client, tok, sid, "turn my photos into a slideshow video with transitions and music")
    data = [e for e in events if isinstance(e, dict)]
    assert data, events
    for ev in data:
        assert set(ev) >= {"content", "author", "id", "invocationId", "timestamp", "actions"}
        assert ev["author"] == "nemo_agent" and isinstance(ev["timestamp"], float)
        assert "stateDelta" in ev["actions"]
    assert len({ev["invocationId"] for ev in data}) == 1
    calls = [p["functionCall"] for ev in data for p in ev["content"]["parts"] if "functionCall" in p]
    responses = [(ev["content"]["role"], p["functionResponse"]) for ev in data for p in ev["content"]["parts"]
                 if "functionResponse" in p]  # fmt: skip
    assert calls and len(calls) == len(responses)
    for call, (role, resp) in zip(calls, responses, strict=True):
        assert role == "user" and resp["id"] == call["id"] and resp["name"] == call["name"]
        assert isinstance(call["args"], dict) and isinstance(resp["response"], dict)
    partial, final = _texts(events)
    assert len(final) == 1 and partial and "".join(partial) == final[0]
    assert data[-1]["content"]["parts"][0].get("text") == final[0] and "partial" not in data[-1]
    # The edit is in the state.
    draft = state(client, tok, sid)["state"]["draft"]
    video = next(t for t in draft["t"] if t["tt"] == 0)
    assert len(video["sg"]) == 3
    audio = [t for t in draft["t"] if t["tt"] == 1]
    assert (
        audio
        and audio[0]["sg"][0]["m"]["src"] == upload(client, tok, sid, [music])["data"]["files"][0]["media_id"]
    )


def test_chinese_message_gets_a_chinese_answer(client: httpx.Client, photos) -> None:
    tok = token(client)
    sid = new_session(client, tok, language="zh-CN")
    upload(client, tok, sid, photos[:2])
    _, final = _texts(chat(client, tok, sid, "做成幻灯片，每张3秒"))
    assert final and any("\u4e00" <= ch <= "\u9fff" for ch in final[0])
    video = next(t for t in state(client, tok, sid)["state"]["draft"]["t"] if t["tt"] == 0)
    assert [s["d"] for s in video["sg"]] == [3000, 3000]


def test_not_understood_changes_nothing(client: httpx.Client, photos) -> None:
    tok = token(client)
    sid = new_session(client, tok)
    upload(client, tok, sid, photos[:2])
    before = state(client, tok, sid)
    events = chat(client, tok, sid, "qwertyuiop asdfgh")
    _partial, final = _texts(events)
    assert final and not any(
        "functionCall" in p for e in events if isinstance(e, dict) for p in e["content"]["parts"]
    )
    after = state(client, tok, sid)
    assert (
        after["state"]["draft"] == before["state"]["draft"]
        and after["draft_version"] == before["draft_version"]
    )


def test_keep_alive_comments_while_the_agent_works(tmp_path: Path, photos) -> None:
    with engine_thread(tmp_path / "d", ping_interval_s=0.0005) as running, httpx.Client(base_url=running.url,
                                                                                        timeout=60) as c:  # fmt: skip
        tok = token(c)
        sid = new_session(c, tok)
        _many_photos(c, tok, sid, 120)
        events = chat(c, tok, sid, "turn my photos into a slideshow video with transitions and music")
        pings = [i for i, e in enumerate(events) if e == ": ping"]
        assert pings, events[:3]
        first_data = next(i for i, e in enumerate(events) if isinstance(e, dict))
        assert max(pings) < first_data  # keep-alives while working, never after the answer started
        assert len(next(t for t in state(c, tok, sid)["state"]["draft"]["t"] if t["tt"] == 0)["sg"]) == 120


def _many_photos(c: httpx.Client, tok: str, sid: str, n: int) -> None:
    """n distinct small PNGs, uploaded 50 per request."""
    from PIL import Image

    batch = []
    for i in range(n):
        buf = io.BytesIO()
        Image.new("RGB", (32, 24), (i % 256, (i * 7) % 256, (i // 256) * 40)).save(buf, "PNG")
        batch.append(("files", (f"p{i:04d}.png", buf.getvalue())))
        if len(batch) == 50 or i == n - 1:
            r = c.post(f"/api/upload-video/nemo_agent/me/{sid}", headers=auth(tok), files=batch)
            assert r.json()["code"] == 0, r.text
            batch = []


@pytest.mark.parametrize(
    "stored,expect",
    [('{"t": [{"tt": 0, "sg": [{"d": 3', "damaged"), ("[1, 2, 3]", "damaged")],
)
def test_an_exception_in_the_turn_arrives_as_an_error_event(
    client: httpx.Client, eng, stored: str, expect: str
) -> None:
    tok = token(client)
    sid = new_session(client, tok)
    db = sqlite3.connect(eng.engine.config.data_dir / "engine.sqlite3")
    db.execute("UPDATE sessions SET draft=? WHERE session_id=?", (stored, sid))
    db.commit()
    db.close()
    events = chat(client, tok, sid, "make each photo 2 seconds")
    assert events and isinstance(events[-1], dict) and "error" in events[-1]
    assert expect in events[-1]["error"]
    assert eng.engine.streams == 0 and not eng.engine.busy_sessions


def test_stream_slots_are_given_back(client: httpx.Client, eng, photos) -> None:
    tok = token(client)
    sid = new_session(client, tok)
    upload(client, tok, sid, photos[:1])
    for _ in range(eng.engine.config.max_streams + 2):
        chat(client, tok, sid, "show tracks")
    assert eng.engine.streams == 0


def test_a_client_that_hangs_up_mid_turn_still_gets_its_edit(client: httpx.Client, eng, photos) -> None:
    tok = token(client)
    sid = new_session(client, tok)
    upload(client, tok, sid, photos[:3])
    body = {"app_name": "nemo_agent", "user_id": "me", "session_id": sid,
            "new_message": {"parts": [{"text": "turn my photos into a slideshow"}]}}  # fmt: skip
    with client.stream("POST", "/run_sse", headers=auth(tok), json=body) as r:
        assert r.status_code == 200  # then hang up without reading
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if state(client, tok, sid)["draft_version"] == 1:
            break
        time.sleep(0.05)
    assert len(next(t for t in state(client, tok, sid)["state"]["draft"]["t"] if t["tt"] == 0)["sg"]) == 3


def test_the_seed_flow_end_to_end(client: httpx.Client, eng, photos, music) -> None:
    """anonymous token -> session -> upload -> chat -> state -> export -> poll -> download a playable MP4."""
    r = client.post("/api/auth/anonymous-token", headers={"X-Client-Id": "8a0f6a57-seed-flow"})
    tok = r.json()["data"]["token"]
    hdr = {
        "Authorization": f"Bearer {tok}",
        "X-Skill-Source": "curl",
        "X-Skill-Version": "1",
        "X-Skill-Platform": "linux",
    }
    r = client.post("/api/tasks/me/with-session/nemo_agent", headers={**hdr, "Content-Type": "application/json"},
                    content=b'{"task_name":"project","language":"en"}')  # fmt: skip
    sid = r.json()["data"]["session_id"]
    files = [("files", (p.name, p.read_bytes())) for p in (photos[0], photos[2], music)]
    r = client.post(f"/api/upload-video/nemo_agent/me/{sid}", headers=hdr, files=files)
    assert r.json()["code"] == 0 and len(r.json()["data"]["files"]) == 3
    for message in (
        "turn my photos into a slideshow video with transitions and music, square",
        "make each photo 1 second",
    ):  # short and square so the test's render is quick
        body = {
            "app_name": "nemo_agent",
            "user_id": "me",
            "session_id": sid,
            "new_message": {"parts": [{"text": message}]},
        }
        with client.stream(
            "POST", "/run_sse", headers={**hdr, "Accept": "text/event-stream"}, json=body
        ) as s:
            lines = [ln for ln in s.iter_lines() if ln.startswith("data:")]
        assert lines and "error" not in json.loads(lines[-1][5:])
    r = client.get(f"/api/state/nemo_agent/me/{sid}/latest", headers=hdr)
    draft = r.json()["data"]["state"]["draft"]
    assert r.json()["data"]["state"]["canvas_config"]["aspect_ratio"] == "1:1"
    job_id = f"render_{int(time.time() * 1000)}"
    r = client.post("/api/render/proxy/lambda", headers=hdr,
                    json={"id": job_id, "sessionId": sid, "draft": draft, "output": {"format": "mp4", "quality": "high"}})  # fmt: skip
    assert r.json() == {"success": True, "data": {"id": job_id, "status": "pending", "progress": 0}}
    done = poll(client, tok, job_id, timeout=300)
    assert done["data"]["status"] == "completed", done
    r = client.get(done["output"]["url"], headers=hdr)
    assert r.status_code == 200
    with av.open(io.BytesIO(r.content)) as c:
        v = c.streams.video[0]
        assert (v.codec_context.width, v.codec_context.height) == (
            1080,
            1080,
        ) and v.codec_context.name == "h264"
        assert c.streams.audio
        frames = sum(1 for _ in c.decode(video=0))
    seconds = frames / float(v.average_rate)
    assert 1.2 <= seconds <= 2.2, seconds  # two photos of 1 s joined by a crossfade


def test_undo_goes_back_and_state_follows(client: httpx.Client, photos) -> None:
    tok = token(client)
    sid = new_session(client, tok)
    upload(client, tok, sid, photos[:3])
    chat(client, tok, sid, "turn my photos into a slideshow")
    before = state(client, tok, sid)["state"]["draft"]
    chat(client, tok, sid, "make each photo 2 seconds")
    assert state(client, tok, sid)["state"]["draft"] != before
    chat(client, tok, sid, "undo")
    assert state(client, tok, sid)["state"]["draft"] == before
    _ = submit  # the export helpers are exercised in test_engine_render.py
