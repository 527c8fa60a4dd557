"""Render jobs on the engine: submit, poll, download with Range, cancel, a crashed worker, draft checks."""

from __future__ import annotations

import io
import os
import signal
import sys
import time

import av
import httpx
import pytest

from helpers_engine import (
    ATTRIBUTION,
    auth,
    new_session,
    poll,
    submit,
    tiny_draft,
    token,
    upload,
)

pytest_plugins = ["engine_fixtures"]


@pytest.fixture
def uploaded(client: httpx.Client, photos, music):
    tok = token(client)
    sid = new_session(client, tok)
    files = upload(client, tok, sid, [photos[0], photos[2], music])["data"]["files"]
    return tok, sid, [f["media_id"] for f in files]


def _decode(data: bytes) -> tuple[int, int, int, bool]:
    with av.open(io.BytesIO(data)) as c:
        v = c.streams.video[0]
        n = sum(1 for _ in c.decode(video=0))
        return n, v.codec_context.width, v.codec_context.height, bool(c.streams.audio)


def test_render_completes_and_downloads_with_range(client: httpx.Client, eng, uploaded) -> None:
    tok, sid, ids = uploaded
    draft = tiny_draft(ids[:2], music=ids[2], music_ms=32000)
    r = submit(client, tok, sid, draft, "render_1000")
    body = r.json()
    assert r.status_code == 200 and body == {"success": True, "data": {"id": "render_1000", "status": "pending",
                                                                        "progress": 0}}  # fmt: skip
    done = poll(client, tok, "render_1000")
    assert done["data"]["status"] == "completed", done
    assert done["seen"][-1] == "completed" and set(done["seen"]) <= {"pending", "processing", "completed"}
    assert done["data"]["progress"] == 1  # a fraction, 0..1
    url = done["output"]["url"]
    assert url == done["data"]["output"]["url"] == f"{eng.url}/api/render/proxy/render_1000/download"
    full = client.get(url, headers=auth(tok))
    assert full.status_code == 200 and full.headers["content-type"] == "video/mp4"
    assert full.headers.get("accept-ranges") == "bytes"
    frames, w, h, has_audio = _decode(full.content)
    assert (w, h) == (96, 96) and has_audio
    assert frames == pytest.approx(9, abs=2)  # 2 x 0.5 s - 0.1 s overlap at 10 fps
    part = client.get(url, headers=auth(tok, Range="bytes=0-99"))
    assert part.status_code == 206 and part.content == full.content[:100]
    assert part.headers["content-range"] == f"bytes 0-99/{len(full.content)}"
    tail = client.get(url, headers=auth(tok, Range="bytes=-50"))
    assert tail.status_code == 206 and tail.content == full.content[-50:]
    assert client.get(url, headers=auth(tok, Range=f"bytes={len(full.content) + 5}-")).status_code == 416
    # Only the owner can see or fetch it.
    other = token(client, "someone-else")
    assert client.get(url, headers=auth(other)).status_code == 404
    assert client.get("/api/render/proxy/lambda/render_1000", headers=auth(other)).status_code == 404
    # Re-submitting the same id is idempotent; the job is not run twice.
    again = submit(client, tok, sid, draft, "render_1000").json()
    assert again["data"]["status"] == "completed"


def test_export_requires_attribution_headers_402(client: httpx.Client, uploaded) -> None:
    tok, sid, ids = uploaded
    for drop in ATTRIBUTION:
        headers = auth(tok, **{k: v for k, v in ATTRIBUTION.items() if k != drop})
        r = client.post("/api/render/proxy/lambda", headers=headers,
                        json={"id": "render_1", "sessionId": sid, "draft": tiny_draft(ids[:1])})  # fmt: skip
        assert r.status_code == 402, drop
        assert r.json()["success"] is False and drop in r.json()["error"]


@pytest.mark.parametrize(
    "src",
    [
        "/etc/passwd",
        "file:///etc/passwd",
        "../../engine.sqlite3",
        "media:" + "0" * 64,
        "http://127.0.0.1/x.jpg",
    ],
)
def test_draft_may_name_only_its_own_media(client: httpx.Client, uploaded, src: str) -> None:
    tok, sid, ids = uploaded
    draft = tiny_draft([ids[0], src])
    r = submit(client, tok, sid, draft)
    assert r.status_code == 422 and r.json()["success"] is False
    assert "t[0].sg[1].m.src" in r.json()["error"]


def test_draft_may_not_use_another_sessions_media(client: httpx.Client, uploaded, photos) -> None:
    tok, sid, _ids = uploaded
    sid2 = new_session(client, tok)
    other_ids = [f["media_id"] for f in upload(client, tok, sid2, [photos[4]])["data"]["files"]]
    r = submit(client, tok, sid, tiny_draft(other_ids))
    assert r.status_code == 422 and "not media of this session" in r.json()["error"]


def test_invalid_or_empty_drafts_are_refused(client: httpx.Client, uploaded) -> None:
    tok, sid, ids = uploaded
    bad = tiny_draft(ids[:1])
    bad["t"][0]["sg"][0]["d"] = -5
    r = submit(client, tok, sid, bad)
    assert r.status_code == 422 and "t[0].sg[0].d" in r.json()["error"]
    r = submit(client, tok, sid, {"m": {"width": 96, "height": 96}, "t": []})
    assert r.status_code == 422 and "nothing to export" in r.json()["error"]
    r = submit(client, tok, "424242", tiny_draft(ids[:1]))
    assert r.status_code == 404 and r.json()["code"] == 1002
    r = client.post("/api/render/proxy/lambda", headers=auth(tok, **ATTRIBUTION),
                    json={"id": "../../x", "sessionId": sid, "draft": tiny_draft(ids[:1])})  # fmt: skip
    assert r.status_code == 400


def test_cancel_a_pending_and_a_running_render(client: httpx.Client, uploaded) -> None:
    tok, sid, ids = uploaded
    long = tiny_draft(ids[:2], seconds=60, fps=10, size=64)
    # Queue two: the second waits behind the first (one worker), so cancelling it hits the pending path.
    assert submit(client, tok, sid, long, "render_a").json()["success"]
    assert submit(client, tok, sid, long, "render_b").json()["success"]
    r = client.post("/api/render/proxy/lambda/render_b/cancel", headers=auth(tok))
    assert r.json()["data"]["status"] == "failed" and r.json()["data"]["cancelled"] is True
    running = poll(client, tok, "render_a", until=("processing", "completed", "failed"))
    assert running["data"]["status"] == "processing"
    client.post("/api/render/proxy/lambda/render_a/cancel", headers=auth(tok))
    done = poll(client, tok, "render_a")
    assert done["data"]["status"] == "failed" and "cancel" in done["data"]["error"].lower()
    assert "output" not in done
    dl = client.get("/api/render/proxy/render_a/download", headers=auth(tok))
    assert dl.status_code == 409 and dl.json()["success"] is False


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_crashed_render_worker_fails_the_job_and_the_next_one_still_runs(
    client: httpx.Client, eng, uploaded
) -> None:
    tok, sid, ids = uploaded
    assert submit(client, tok, sid, tiny_draft(ids[:2], seconds=60, size=64), "render_crash").json()[
        "success"
    ]
    poll(client, tok, "render_crash", until=("processing",))
    worker = eng.engine.jobs._workers[0]
    assert worker is not None
    os.kill(worker.proc.pid, signal.SIGKILL)
    done = poll(client, tok, "render_crash")
    assert done["data"]["status"] == "failed"
    assert "signal 9" in done["data"]["error"]
    assert submit(client, tok, sid, tiny_draft(ids[:1]), "render_after").json()["success"]
    assert poll(client, tok, "render_after")["data"]["status"] == "completed"


def test_progress_is_reported_while_processing(client: httpx.Client, uploaded) -> None:
    tok, sid, ids = uploaded
    assert submit(client, tok, sid, tiny_draft(ids[:2], seconds=8, size=64), "render_p").json()["success"]
    seen: list[float] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        data = client.get("/api/render/proxy/lambda/render_p", headers=auth(tok)).json()["data"]
        if data["status"] == "processing":
            seen.append(data["progress"])
        if data["status"] in ("completed", "failed"):
            break
        time.sleep(0.05)
    assert data["status"] == "completed"
    assert seen == sorted(seen)
    assert any(0 < p < 1 for p in seen), seen
