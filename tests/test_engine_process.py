"""The engine as a process: `nemodesk-cli engine`, the launcher, restart persistence, a crash mid-render."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from helpers_engine import auth, new_session, poll, state, submit, tiny_draft, token, upload
from nemodesk.engine import launcher
from nemodesk.engine.jobs import INTERRUPTED
from nemodesk.engine.launcher import start_engine


def test_cli_prints_its_url_first_and_stops_on_sigterm(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "nemodesk", "engine", "--port", "0", "--data-dir", str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        url = proc.stdout.readline().strip()  # type: ignore[union-attr]
        assert url.startswith("http://127.0.0.1:") and int(url.rsplit(":", 1)[1]) > 0
        r = httpx.post(url + "/api/auth/anonymous-token", headers={"X-Client-Id": "cli"})
        assert r.json()["code"] == 0
    finally:
        proc.send_signal(signal.SIGTERM if sys.platform != "win32" else signal.CTRL_BREAK_EVENT)
        out, err = proc.communicate(timeout=30)
    # uvicorn shuts down gracefully, then re-raises the signal so the exit status says what stopped it.
    assert proc.returncode in (0, -signal.SIGTERM), err
    assert "Traceback" not in err
    assert out == ""  # nothing but the URL line on stdout
    assert r.json()["data"]["token"] not in err  # tokens never in logs


def test_engine_command_runs_the_frozen_executable_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    assert launcher.engine_command() == [sys.executable, "-m", "nemodesk", "engine"]
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert launcher.engine_command() == [sys.executable, "engine"]


def test_launcher_starts_and_stops_the_engine(tmp_path: Path) -> None:
    with start_engine(tmp_path / "data") as eng:
        assert eng.url.startswith("http://127.0.0.1:") and eng.alive()
        r = httpx.get(eng.url + "/api/credits/balance/simple", headers=auth(eng.token))
        assert r.status_code == 200 and r.json()["data"]["unlimited"] is True
        assert eng.token not in " ".join(eng.proc.args)  # passed in the environment, not the command line
    assert not eng.alive()
    assert eng.proc.returncode == 0


def test_launcher_reports_a_failed_start(tmp_path: Path) -> None:
    with start_engine(tmp_path / "a") as first:
        port = int(first.url.rsplit(":", 1)[1])
        with pytest.raises(launcher.EngineStartError, match="did not start"):
            start_engine(tmp_path / "b", port=port, timeout=30)


def test_everything_survives_a_restart(tmp_path: Path, photos) -> None:
    data = tmp_path / "data"
    with start_engine(data) as eng, httpx.Client(base_url=eng.url, timeout=60) as c:
        tok = token(c, "restart-client")
        sid = new_session(c, tok)
        ids = [f["media_id"] for f in upload(c, tok, sid, photos[:2])["data"]["files"]]
        assert submit(c, tok, sid, tiny_draft(ids), "render_keep").json()["success"]
        assert poll(c, tok, "render_keep")["data"]["status"] == "completed"
        before = state(c, tok, sid)
        video = c.get("/api/render/proxy/render_keep/download", headers=auth(tok)).content
    with start_engine(data) as eng, httpx.Client(base_url=eng.url, timeout=60) as c:
        assert token(c, "restart-client") == tok  # the same client gets its existing token back
        after = state(c, tok, sid)
        for info in (before, after):  # URLs name the engine's (new) port; everything else is identical
            for v in info["state"]["video_infos"]:
                v.pop("cdn_url")
        assert after == before
        done = c.get("/api/render/proxy/lambda/render_keep", headers=auth(tok)).json()
        assert done["data"]["status"] == "completed" and done["output"]["url"].startswith(eng.url)
        assert c.get(done["output"]["url"], headers=auth(tok)).content == video


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


def _gone(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to find the render worker")
def test_a_render_interrupted_by_an_engine_crash_is_failed_at_next_start(tmp_path: Path, photos) -> None:
    data = tmp_path / "data"
    eng = start_engine(data)
    try:
        with httpx.Client(base_url=eng.url, timeout=60) as c:
            tok = token(c, "crash-client")
            sid = new_session(c, tok)
            ids = [f["media_id"] for f in upload(c, tok, sid, photos[:2])["data"]["files"]]
            assert submit(c, tok, sid, tiny_draft(ids, seconds=120, size=64), "render_crash").json()[
                "success"
            ]
            poll(c, tok, "render_crash", until=("processing",))
            workers = _children(eng.pid)
            assert workers, "the render worker should be a child of the engine"
            os.kill(eng.pid, signal.SIGKILL)
            eng.proc.wait(10)
    finally:
        eng.stop()
    deadline = time.monotonic() + 20
    while not all(_gone(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert all(_gone(w) for w in workers), "an orphaned render worker must exit when the engine dies"
    with start_engine(data) as eng2, httpx.Client(base_url=eng2.url, timeout=60) as c:
        body = c.get("/api/render/proxy/lambda/render_crash", headers=auth(tok)).json()
        assert body["data"]["status"] == "failed"
        assert body["data"]["error"] == INTERRUPTED
    assert not list((data / "renders").glob("*.part*"))
