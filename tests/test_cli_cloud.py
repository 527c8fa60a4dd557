"""nemodesk-cli's cloud commands against the protocol-faithful test server (in-process, real HTTP)."""

from __future__ import annotations

import io
import json

import av
import pytest

from nemodesk.cli import cloud_commands
from nemodesk.cli.main import main

pytest_plugins = ["nemo_fixtures"]


def cli(server, *argv, url=None):
    return main(["--api-url", url or server.url, *argv])


def store() -> dict:
    return json.loads(cloud_commands._store_path().read_text())


@pytest.mark.usefixtures("memory_keyring")
def test_upload_chat_state_export_flow(nemo_server, photos, music, tmp_path, capsys):
    assert cli(nemo_server, "login") == 0
    assert "Signed in as anon_" in capsys.readouterr().out
    assert cli(nemo_server, "upload", str(photos[0]), str(photos[1]), str(music)) == 0
    out, err = capsys.readouterr()
    assert "uploaded: rocket.jpg (image)" in out and "uploaded: music-120bpm.m4a (audio)" in out
    sid = store()[nemo_server.url.lower()]["session_id"]
    assert sid in nemo_server.sessions

    assert cli(nemo_server, "chat", "turn my photos into a slideshow with music") == 0
    out, err = capsys.readouterr()
    assert out == "I made a slideshow of your 2 photos with crossfades.\n"  # the final text, once
    assert "[working on: edit timeline]" in err

    assert cli(nemo_server, "state") == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "Timeline (2 tracks): 1. Photos: rocket.jpg, coffee.png (0-5.5s) 2. BGM: Lo-fi (0-9s, 35%)"
    )
    assert cli(nemo_server, "state", "--json") == 0
    assert json.loads(capsys.readouterr().out) == nemo_server.sessions[sid].draft

    nemo_server.faults.stream = "no_text"
    assert cli(nemo_server, "chat", "set the music volume to 50%") == 0
    out = capsys.readouterr().out
    assert out == "The agent changed the timeline:\n- Music volume 35% → 50%\n"

    target = tmp_path / "out.mp4"
    assert cli(nemo_server, "export", "-o", str(target), "--poll-interval", "0.02") == 0
    assert capsys.readouterr().out.strip() == str(target)
    with av.open(str(target)) as c:
        assert sum(1 for _ in c.decode(video=0)) == 12
    assert "render_job" not in store()[nemo_server.url.lower()]
    # one anonymous token for the whole flow: it was saved to the keyring and reused
    assert len([r for r in nemo_server.requests if r.path == "/api/auth/anonymous-token"]) == 1
    assert "token" not in cloud_commands._store_path().read_text().lower()


@pytest.mark.usefixtures("memory_keyring")
def test_sessions_are_remembered_per_api_url(nemo_server, capsys):
    other = nemo_server.url.replace("127.0.0.1", "localhost")
    assert cli(nemo_server, "new-session") == 0
    a = capsys.readouterr().out.strip()
    assert cli(nemo_server, "new-session", "--language", "zh-CN", url=other) == 0
    b = capsys.readouterr().out.strip()
    assert (
        a != b
        and store()[nemo_server.url.lower()]["session_id"] == a
        and store()[other.lower()]["session_id"] == b
    )


@pytest.mark.usefixtures("memory_keyring")
def test_credits_logout_and_token_set(nemo_server, capsys, monkeypatch):
    assert cli(nemo_server, "credits") == 0
    assert capsys.readouterr().out == "Credits: 100 available, 5 reserved, 105 total\n"
    assert cli(nemo_server, "logout") == 0
    token = nemo_server.issue_user_token("registered-user-token")
    monkeypatch.setattr("sys.stdin", io.StringIO(token + "\n"))
    assert cli(nemo_server, "token", "set", "--stdin") == 0
    assert "Token saved" in capsys.readouterr().out
    nemo_server.requests.clear()
    assert cli(nemo_server, "credits") == 0
    assert nemo_server.requests[0].headers["authorization"] == "Bearer registered-user-token"
    nemo_server.tokens.clear()  # the service no longer accepts it: the user is asked for a new one
    assert cli(nemo_server, "credits") == 1
    err = capsys.readouterr().err
    assert "token you set was refused" in err and "token set" in err and "registered-user-token" not in err


def test_errors_exit_nonzero_with_the_protocols_message(nemo_server, capsys, tmp_path):
    assert cli(nemo_server, "state") == 1
    assert "No session yet" in capsys.readouterr().err
    assert cli(nemo_server, "new-session") == 0
    nemo_server.faults.no_credits = True
    assert cli(nemo_server, "chat", "make it pop") == 1
    err = capsys.readouterr().err
    assert "run out of NemoVideo credits" in err and "register?bind=anon_" in err and "Traceback" not in err
    nemo_server.faults.export_blocked = True
    nemo_server.sessions[store()[nemo_server.url.lower()]["session_id"]].draft = {
        "t": [{"tt": 0, "sg": [{"d": 500}]}]
    }
    assert cli(nemo_server, "export", "-o", str(tmp_path / "x.mp4")) == 1
    err = capsys.readouterr().err
    assert "Register or upgrade your plan to unlock export." in err and "Traceback" not in err
    assert cli(nemo_server, "upload", str(tmp_path / "missing.jpg")) == 1
    assert "missing.jpg was not found" in capsys.readouterr().err
    assert cli(nemo_server, "credits", url="http://127.0.0.1:9") == 1
    assert "Could not reach" in capsys.readouterr().err


def test_null_keyring_says_token_not_saved(nemo_server, capsys):
    assert cli(nemo_server, "credits") == 0
    assert "not saved" in capsys.readouterr().err


def test_chat_routes_credits_and_status_without_the_agent(nemo_server, capsys):
    assert cli(nemo_server, "chat", "余额") == 0
    assert capsys.readouterr().out.startswith("Credits: ")
    assert cli(nemo_server, "new-session") == 0
    capsys.readouterr()
    assert cli(nemo_server, "chat", "status") == 0
    assert capsys.readouterr().out == "Timeline (0 tracks): empty\n"
    assert not nemo_server.chat_messages


@pytest.mark.usefixtures("memory_keyring")
def test_lost_session_during_chat_is_replaced_and_remembered(nemo_server, capsys):
    assert cli(nemo_server, "new-session") == 0
    old = capsys.readouterr().out.strip()
    nemo_server.faults.lose_session = True
    assert cli(nemo_server, "chat", "make a slideshow") == 1
    err = capsys.readouterr().err
    new = store()[nemo_server.url.lower()]["session_id"]
    assert new != old and new in nemo_server.sessions and "Send your message again" in err
    assert not nemo_server.chat_messages


def test_api_url_local_starts_the_engine(photos, capsys):
    """`--api-url local`: the real local engine process, its per-launch token, sessions kept under "local"."""
    pytest.importorskip("nemodesk.engine.launcher")
    assert main(["--api-url", "local", "credits"]) == 0
    assert capsys.readouterr().out == "Credits: unlimited (local engine)\n"
    assert main(["--api-url", "local", "upload", str(photos[0]), str(photos[1])]) == 0
    assert "uploaded: rocket.jpg (image)" in capsys.readouterr().out
    sid = store()["local"]["session_id"]
    assert main(["--api-url", "local", "chat", "turn my photos into a slideshow"]) == 0
    out, err = capsys.readouterr()
    assert out.strip() and "error" not in err
    assert main(["--api-url", "local", "state"]) == 0
    assert capsys.readouterr().out.startswith("Timeline (") and store()["local"]["session_id"] == sid


def test_state_of_a_draft_our_validator_refuses_still_summarises(nemo_server, capsys):
    assert cli(nemo_server, "new-session") == 0
    capsys.readouterr()
    sid = store()[nemo_server.url.lower()]["session_id"]
    nemo_server.sessions[sid].draft = {
        "t": [
            {"tt": 1, "m": {"name": "BGM"}, "sg": [{"s": 0, "d": 10000, "m": {"name": "Lo-fi", "vol": 3.5}}]}
        ]
    }  # vol above our 0..2 range
    assert cli(nemo_server, "state") == 0
    out, err = capsys.readouterr()
    assert out == "Timeline (1 track): 1. BGM: Lo-fi (0-10s, 350%)\n" and "did not validate" in err


@pytest.mark.usefixtures("memory_keyring")
def test_export_resumes_a_job_by_id(nemo_server, tmp_path, capsys):
    assert cli(nemo_server, "new-session") == 0
    sid = capsys.readouterr().out.strip()
    nemo_server.sessions[sid].draft = {"t": [{"tt": 0, "sg": [{"d": 500}]}]}
    nemo_server.faults.truncate_download = True
    assert cli(nemo_server, "export", "-o", str(tmp_path / "a.mp4"), "--poll-interval", "0.01") == 1
    job = store()[nemo_server.url.lower()]["render_job"]  # kept for a resume
    nemo_server.faults.truncate_download = False
    assert cli(nemo_server, "export", "-o", str(tmp_path / "a.mp4"), "--resume") == 0
    assert (
        len(nemo_server.renders) == 1
        and job in nemo_server.renders
        and (tmp_path / "a.mp4").stat().st_size > 1000
    )
    assert "render_job" not in store()[nemo_server.url.lower()]
