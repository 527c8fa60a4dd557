"""The engine's protocol endpoints against a real uvicorn on 127.0.0.1: envelopes, codes, field names."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
import pytest

from helpers_engine import auth, engine_thread, new_session, state, token, upload


@pytest.fixture
def eng(tmp_path: Path):
    with engine_thread(tmp_path / "data", max_upload_bytes=3 * 1024 * 1024) as running:
        yield running


@pytest.fixture
def client(eng):
    with httpx.Client(base_url=eng.url, timeout=30) as c:
        yield c


def test_anonymous_token_needs_client_id_and_is_stable_per_client(client: httpx.Client) -> None:
    r = client.post("/api/auth/anonymous-token")
    assert r.status_code == 400
    assert r.json()["code"] == 400
    first = client.post("/api/auth/anonymous-token", headers={"X-Client-Id": "11111111-aaaa"}).json()
    assert first["code"] == 0
    data = first["data"]
    assert set(data) >= {"token", "user_id", "expires_at", "credits"}
    assert data["user_id"].startswith("anon_")
    assert data["expires_at"].endswith("Z") and "T" in data["expires_at"]
    again = client.post("/api/auth/anonymous-token", headers={"X-Client-Id": "11111111-aaaa"}).json()["data"]
    assert again["token"] == data["token"]
    other = client.post("/api/auth/anonymous-token", headers={"X-Client-Id": "22222222-bbbb"}).json()["data"]
    assert other["token"] != data["token"] and other["user_id"] != data["user_id"]


def test_token_is_not_stored_in_the_database(client: httpx.Client, eng) -> None:
    tok = token(client)
    raw = (eng.engine.config.data_dir / "engine.sqlite3").read_bytes()
    wal = eng.engine.config.data_dir / "engine.sqlite3-wal"
    raw += wal.read_bytes() if wal.exists() else b""
    assert tok.encode() not in raw


@pytest.mark.parametrize(
    "method,path",
    [
        ("POST", "/api/tasks/me/with-session/nemo_agent"),
        ("GET", "/api/credits/balance/simple"),
        ("GET", "/api/state/nemo_agent/me/1234/latest"),
        ("POST", "/api/upload-video/nemo_agent/me/1234"),
        ("POST", "/run_sse"),
    ],
)
def test_every_endpoint_but_the_token_one_needs_a_bearer_token(
    client: httpx.Client, method: str, path: str
) -> None:
    for headers in ({}, {"Authorization": "Bearer nd_not_a_real_token"}, {"Authorization": "Basic abc"}):
        r = client.request(method, path, headers=headers, json={})
        assert r.status_code == 401, (path, headers, r.text)
        assert r.json()["code"] == 1001


@pytest.mark.parametrize(
    "method,path",
    [
        ("POST", "/api/render/proxy/lambda"),
        ("GET", "/api/render/proxy/lambda/render_1"),
        ("POST", "/api/render/proxy/lambda/render_1/cancel"),
        ("GET", "/api/render/proxy/render_1/download"),
    ],
)
def test_render_endpoints_need_a_token_and_answer_in_their_own_shape(
    client: httpx.Client, method: str, path: str
) -> None:
    r = client.request(method, path, json={})
    assert r.status_code == 401
    body = r.json()
    assert body["success"] is False and body["error"] and body["code"] == 1001


def test_session_create_and_state_of_an_empty_session(client: httpx.Client) -> None:
    tok = token(client)
    r = client.post("/api/tasks/me/with-session/nemo_agent", headers=auth(tok),
                    json={"task_name": "project", "language": "zh-CN"})  # fmt: skip
    data = r.json()["data"]
    assert set(data) >= {"task_id", "session_id", "user_id"}
    assert data["session_id"].isdigit()
    st = state(client, tok, data["session_id"])
    assert st["session_id"] == data["session_id"] and st["task_id"] == data["task_id"]
    assert st["task_name"] == "project"
    assert set(st["state"]) >= {"draft", "video_infos", "generated_media", "canvas_config", "video_analyses"}
    assert st["state"]["draft"]["t"] == []
    assert st["state"]["canvas_config"]["width"] == 1920


def test_bad_session_body_is_refused(client: httpx.Client) -> None:
    tok = token(client)
    r = client.post(
        "/api/tasks/me/with-session/nemo_agent", headers=auth(tok), json={"language": "not a code!"}
    )
    assert r.status_code == 400 and r.json()["code"] == 400


def test_unknown_or_foreign_session_is_1002(client: httpx.Client) -> None:
    tok = token(client, "client-a")
    other = token(client, "client-b")
    sid = new_session(client, tok)
    for t, s in ((tok, "999"), (other, sid)):
        r = client.get(f"/api/state/nemo_agent/me/{s}/latest", headers=auth(t))
        assert r.status_code == 404 and r.json()["code"] == 1002
        r = client.post(
            f"/api/upload-video/nemo_agent/me/{s}", headers=auth(t), files=[("files", ("a.jpg", b"x"))]
        )
        assert r.json()["code"] == 1002


def test_credits_say_local_and_unlimited(client: httpx.Client) -> None:
    tok = token(client)
    body = client.get("/api/credits/balance/simple", headers=auth(tok)).json()
    assert body["code"] == 0
    d = body["data"]
    assert d["total"] == d["available"] + d["frozen"]
    assert d["unlimited"] is True and d["plan"] == "local" and d["label"] == "Local, unlimited"


def test_upload_several_files_dedupes_and_reports_metadata(client: httpx.Client, eng, photos, music) -> None:
    tok = token(client)
    sid = new_session(client, tok)
    body = upload(client, tok, sid, [photos[0], photos[1], photos[0], music])
    assert body["code"] == 0
    files = body["data"]["files"]
    assert body["data"]["session_state_applied"] is True
    assert [f["file_type"] for f in files] == ["image", "image", "image", "audio"]
    assert files[0]["media_id"] == files[2]["media_id"]  # the same photo twice: one stored file
    assert files[0]["width"] == 640 and files[0]["height"] == 427  # rocket.jpg
    assert files[3]["duration"] == pytest.approx(32, abs=0.5)
    assert all(f["cdn_url"].startswith(eng.url + "/api/media/") for f in files)
    stored = [p for p in (eng.engine.config.data_dir / "media").rglob("*") if p.is_file()]
    sizes = sorted(p.stat().st_size for p in stored)
    assert len(stored) == 3 + len(eng.engine.bundled)
    for p in (photos[0], photos[1], music):
        assert p.stat().st_size in sizes
    infos = state(client, tok, sid)["state"]["video_infos"]
    assert [i["filename"] for i in infos] == [photos[0].name, photos[1].name, music.name]
    # A second session uploading the same photo reuses the stored file.
    sid2 = new_session(client, tok)
    upload(client, tok, sid2, [photos[0]])
    assert len([p for p in (eng.engine.config.data_dir / "media").rglob("*") if p.is_file()]) == len(stored)
    # The media endpoint serves the bytes, to the owner only.
    got = client.get(files[0]["cdn_url"], headers=auth(tok))
    assert got.status_code == 200 and got.content == photos[0].read_bytes()
    assert client.get(files[0]["cdn_url"]).status_code == 401


def test_upload_names_are_sanitised_and_no_path_leaks(client: httpx.Client, eng, photos) -> None:
    tok = token(client)
    sid = new_session(client, tok)
    body = upload(
        client, tok, sid, [photos[0], photos[1]], names=["../../../etc/evil.jpg", "..\\..\\win\u202e.png"]
    )
    names = [f["filename"] for f in body["data"]["files"]]
    assert names == ["evil.jpg", "win.png"]
    text = client.get(f"/api/state/nemo_agent/me/{sid}/latest", headers=auth(tok)).text
    assert str(eng.engine.config.data_dir) not in text and "/media/" + "ab" not in text
    assert not (eng.engine.config.data_dir.parent / "etc").exists()


def test_sanitize_name_strips_paths_and_control_characters() -> None:
    from nemodesk.engine.media_store import sanitize_name

    assert sanitize_name("a/b/../c\\d.jpg") == "d.jpg"
    assert sanitize_name("bad\x00\x07\n\u202ename.png") == "badname.png"
    assert sanitize_name("..") == "upload" and sanitize_name("") == "upload"
    long = sanitize_name("x" * 500 + ".jpeg")
    assert len(long) <= 120 and long.endswith(".jpeg")


def test_upload_type_is_checked_by_content(client: httpx.Client, tmp_path: Path, photos) -> None:
    tok = token(client)
    sid = new_session(client, tok)
    fake = tmp_path / "holiday.jpg"
    fake.write_text("this is not a photo at all")
    r = client.post(f"/api/upload-video/nemo_agent/me/{sid}", headers=auth(tok),
                    files=[("files", ("holiday.jpg", fake.read_bytes(), "image/jpeg"))])  # fmt: skip
    assert r.status_code == 200 and r.json()["code"] == 4001
    assert "holiday.jpg" in r.json()["message"] and "jpg" in r.json()["message"]
    truncated = photos[0].read_bytes()[:2000]  # a JPEG header with the rest cut off
    r = client.post(f"/api/upload-video/nemo_agent/me/{sid}", headers=auth(tok),
                    files=[("files", ("cut.jpg", truncated))])  # fmt: skip
    assert r.json()["code"] == 4001
    # A good photo sent with a misleading name is accepted and typed by its bytes.
    r = client.post(f"/api/upload-video/nemo_agent/me/{sid}", headers=auth(tok),
                    files=[("files", ("notes.txt", photos[1].read_bytes(), "text/plain"))])  # fmt: skip
    assert r.json()["code"] == 0 and r.json()["data"]["files"][0]["file_type"] == "image"
    # Nothing from the refused uploads reached the session.
    assert len(state(client, tok, sid)["state"]["video_infos"]) == 1


def test_upload_too_large_is_4002_and_nothing_is_kept(client: httpx.Client, eng) -> None:
    tok = token(client)
    sid = new_session(client, tok)
    big = b"\xff\xd8\xff" + b"\0" * (3 * 1024 * 1024 + 10)
    r = client.post(
        f"/api/upload-video/nemo_agent/me/{sid}", headers=auth(tok), files=[("files", ("big.jpg", big))]
    )
    assert r.status_code == 200 and r.json()["code"] == 4002
    assert "MB" in r.json()["message"]
    assert list((eng.engine.config.data_dir / "tmp").iterdir()) == []
    assert state(client, tok, sid)["state"]["video_infos"] == []


def test_default_upload_limit_is_200_mb() -> None:
    from nemodesk.engine.media_store import MAX_UPLOAD_BYTES
    from nemodesk.engine.server import EngineConfig

    assert MAX_UPLOAD_BYTES == 200 * 1024 * 1024
    assert EngineConfig(data_dir=Path(".")).max_upload_bytes == MAX_UPLOAD_BYTES


def test_url_uploads_are_4001_because_the_engine_is_offline(client: httpx.Client) -> None:
    tok = token(client)
    sid = new_session(client, tok)
    r = client.post(f"/api/upload-video/nemo_agent/me/{sid}", headers=auth(tok),
                    json={"urls": ["https://example.com/a.jpg"], "source_type": "url"})  # fmt: skip
    body = r.json()
    assert body["code"] == 4001 and "offline" in body["message"]


def test_json_bodies_are_bounded(client: httpx.Client, eng) -> None:
    tok = token(client)
    huge = {"task_name": "x" * (eng.engine.config.max_json_bytes + 10)}
    r = client.post("/api/tasks/me/with-session/nemo_agent", headers=auth(tok), json=huge)
    assert r.status_code == 413 and r.json()["code"] == 4002


def test_state_survives_a_damaged_memory_record(client: httpx.Client, eng) -> None:
    tok = token(client)
    sid = new_session(client, tok)
    db = sqlite3.connect(eng.engine.config.data_dir / "engine.sqlite3")
    db.execute("UPDATE sessions SET memory='{not json' WHERE session_id=?", (sid,))
    db.commit()
    db.close()
    assert state(client, tok, sid)["session_id"] == sid
