"""Helpers for the engine tests: a real uvicorn engine on 127.0.0.1 in a daemon thread, and raw httpx calls
in the shape a curl user would make from the seed documents."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from nemodesk.engine.server import Engine, EngineConfig, EngineServer

ATTRIBUTION = {"X-Skill-Source": "nemodesk-tests", "X-Skill-Version": "0.1.0", "X-Skill-Platform": "linux"}


@dataclass
class Running:
    url: str
    server: EngineServer

    @property
    def engine(self) -> Engine:
        """The Engine object behind the running app (for tests that inspect or perturb its state)."""
        return self.server.app.state.engine

    @property
    def port(self) -> int:
        return self.server.port


@contextmanager
def engine_thread(data_dir: Path, **options: Any) -> Iterator[Running]:
    """Serve the engine on an ephemeral 127.0.0.1 port for the duration of the block."""
    config = EngineConfig(data_dir=data_dir, **options)
    ready = threading.Event()
    server = EngineServer(config, on_ready=lambda _url: ready.set())
    thread = threading.Thread(target=server.run_forever, name="engine-under-test", daemon=True)
    thread.start()
    if not ready.wait(60):
        server.should_exit = True
        raise RuntimeError("engine did not start")
    try:
        yield Running(server.url, server)
    finally:
        server.should_exit = True
        thread.join(30)
        assert not thread.is_alive(), "engine thread did not stop"


def token(client: httpx.Client, client_id: str = "test-client-0001") -> str:
    r = client.post("/api/auth/anonymous-token", headers={"X-Client-Id": client_id})
    r.raise_for_status()
    body = r.json()
    assert body["code"] == 0, body
    return body["data"]["token"]


def auth(tok: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tok}", **extra}


def new_session(client: httpx.Client, tok: str, language: str = "en") -> str:
    r = client.post("/api/tasks/me/with-session/nemo_agent", headers=auth(tok),
                    json={"task_name": "project", "language": language})  # fmt: skip
    body = r.json()
    assert r.status_code == 200 and body["code"] == 0, body
    return body["data"]["session_id"]


def upload(
    client: httpx.Client, tok: str, sid: str, paths: list[Path], names: list[str] | None = None
) -> dict[str, Any]:
    files = [("files", ((names[i] if names else p.name), p.read_bytes())) for i, p in enumerate(paths)]
    r = client.post(f"/api/upload-video/nemo_agent/me/{sid}", headers=auth(tok), files=files)
    assert r.status_code == 200, r.text
    return r.json()


def chat(client: httpx.Client, tok: str, sid: str, text: str) -> list[Any]:
    """Send one message; return the stream as a list: dicts for `data:` events, ':'-strings for comments."""
    body = {
        "app_name": "nemo_agent",
        "user_id": "me",
        "session_id": sid,
        "new_message": {"parts": [{"text": text}]},
    }
    out: list[Any] = []
    with client.stream("POST", "/run_sse", headers=auth(tok, Accept="text/event-stream"), json=body,
                       timeout=120) as r:  # fmt: skip
        assert r.status_code == 200, r.read()
        assert r.headers["content-type"].startswith("text/event-stream")
        for line in r.iter_lines():
            if line.startswith("data:"):
                out.append(json.loads(line[5:].strip()))
            elif line.startswith(":"):
                out.append(line)
    return out


def state(client: httpx.Client, tok: str, sid: str) -> dict[str, Any]:
    r = client.get(f"/api/state/nemo_agent/me/{sid}/latest", headers=auth(tok))
    body = r.json()
    assert r.status_code == 200 and body["code"] == 0, body
    return body["data"]


def submit(
    client: httpx.Client, tok: str, sid: str, draft: dict[str, Any], job_id: str | None = None
) -> httpx.Response:
    job_id = job_id or f"render_{int(time.time() * 1000)}"
    return client.post("/api/render/proxy/lambda", headers=auth(tok, **ATTRIBUTION),
                       json={"id": job_id, "sessionId": sid, "draft": draft,
                             "output": {"format": "mp4", "quality": "high"}})  # fmt: skip


def poll(client: httpx.Client, tok: str, job_id: str, until: tuple[str, ...] = ("completed", "failed"),
         timeout: float = 120) -> dict[str, Any]:  # fmt: skip
    deadline = time.monotonic() + timeout
    seen: list[str] = []
    while time.monotonic() < deadline:
        r = client.get(f"/api/render/proxy/lambda/{job_id}", headers=auth(tok))
        body = r.json()
        assert r.status_code == 200 and body["success"], body
        status = body["data"]["status"]
        if not seen or seen[-1] != status:
            seen.append(status)
        if status in until:
            body["seen"] = seen
            return body
        time.sleep(0.05)
    raise AssertionError(f"render {job_id} still {seen} after {timeout}s")


def tiny_draft(srcs: list[str], *, size: int = 96, seconds: float = 0.5, fps: float = 10,
               music: str | None = None, music_ms: float | None = None) -> dict[str, Any]:  # fmt: skip
    """A small slideshow draft (seconds of video at a thumbnail size) so renders in tests take a moment."""
    from nemodesk.core.draft import Draft
    from nemodesk.core.slideshow import MediaRef, build_slideshow

    draft = build_slideshow([MediaRef(s, f"p{i}") for i, s in enumerate(srcs)],
                            music=MediaRef(music, "music", music_ms) if music else None,
                            aspect="1:1", seconds=seconds, transition_ms=100, fps=fps)  # fmt: skip
    draft.canvas.width = size
    draft.canvas.height = size
    return Draft.decode(draft.encode()).encode()
