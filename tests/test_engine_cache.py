"""The engine's caches and its per-entry undo history: always the answer a fresh read would give, after
uploads, edits, changes by another connection and restarts."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import httpx
import pytest
from PIL import Image

from helpers_engine import auth, chat, engine_thread, new_session, state, token
from nemodesk.core.draft import Draft
from nemodesk.engine.store import Blob, Store, remember


def _pngs(n: int, start: int = 0) -> list[tuple[str, tuple[str, bytes]]]:
    out = []
    for i in range(start, start + n):
        buf = io.BytesIO()
        Image.new("RGB", (24, 16), (i * 20 % 256, i * 7 % 256, 90)).save(buf, "PNG")
        out.append(("files", (f"p{i:02d}.png", buf.getvalue())))
    return out


def _upload(client: httpx.Client, tok: str, sid: str, n: int, start: int = 0) -> list[dict]:
    r = client.post(f"/api/upload-video/nemo_agent/me/{sid}", headers=auth(tok), files=_pngs(n, start))
    body = r.json()
    assert body["code"] == 0, body
    return body["data"]["files"]


def _db(data: Path) -> sqlite3.Connection:
    return sqlite3.connect(data / "engine.sqlite3", isolation_level=None)


def _stored_draft(data: Path, sid: str) -> dict:
    with _db(data) as db:
        return json.loads(db.execute("SELECT draft FROM sessions WHERE session_id=?", (sid,)).fetchone()[0])


def _durations(client: httpx.Client, tok: str, sid: str) -> list[float]:
    return [s["d"] for s in state(client, tok, sid)["state"]["draft"]["t"][0]["sg"]]


def test_state_is_the_stored_draft_and_follows_uploads_and_edits(tmp_path: Path, music: Path) -> None:
    data = tmp_path / "data"
    with engine_thread(data) as eng, httpx.Client(base_url=eng.url, timeout=120) as client:
        tok = token(client)
        sid = new_session(client, tok)
        first = state(client, tok, sid)
        assert first["state"]["draft"] == _stored_draft(data, sid) and first["state"]["video_infos"] == []
        _upload(client, tok, sid, 10)
        chat(client, tok, sid, "turn my photos into a slideshow")
        body = state(client, tok, sid)
        st = body["state"]
        assert st["draft"] == _stored_draft(data, sid) and body["draft_version"] == 1
        assert [v["filename"] for v in st["video_infos"]] == [f"p{i:02d}.png" for i in range(10)]
        assert st["canvas_config"]["width"] == st["draft"]["m"]["width"]
        assert set(st) == {"draft", "video_infos", "generated_media", "canvas_config", "video_analyses"}

        _upload(client, tok, sid, 2, start=10)  # the media list (and what derives from it) is rebuilt
        with open(music, "rb") as f:
            r = client.post(f"/api/upload-video/nemo_agent/me/{sid}", headers=auth(tok),
                            files=[("files", ("song.m4a", f.read()))])  # fmt: skip
        song_id = r.json()["data"]["files"][0]["media_id"]
        st = state(client, tok, sid)["state"]
        assert len(st["video_infos"]) == 13 and st["video_infos"][-1]["filename"] == "song.m4a"
        assert st["video_analyses"][song_id]["beats_ms"]

        chat(client, tok, sid, "make it vertical")  # a new draft: a new canvas
        st = state(client, tok, sid)["state"]
        assert (st["canvas_config"]["width"], st["canvas_config"]["height"]) == (1080, 1920)
        assert st["draft"] == _stored_draft(data, sid)
        chat(client, tok, sid, "turn my photos into a slideshow")  # the new uploads are in the cached list
        assert len(state(client, tok, sid)["state"]["draft"]["t"][0]["sg"]) == 12


def test_changes_made_by_another_connection_are_seen(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with engine_thread(data) as eng, httpx.Client(base_url=eng.url, timeout=120) as client:
        tok = token(client)
        sid, other = new_session(client, tok), new_session(client, tok)
        _upload(client, tok, sid, 3)
        elsewhere = _upload(client, tok, other, 1, start=50)[0]
        chat(client, tok, sid, "turn my photos into a slideshow")
        assert state(client, tok, sid)["state"]["canvas_config"]["width"] == 1920  # cached now

        draft = _stored_draft(data, sid)
        draft["m"].update(width=1080, height=1080)
        with _db(data) as db:  # e.g. a second engine on the same folder
            db.execute("UPDATE sessions SET draft=? WHERE session_id=?", (json.dumps(draft), sid))
            sha = elsewhere["media_id"].split(":", 1)[1]
            db.execute("INSERT INTO session_media (session_id, sha, name, position, added_at) "
                       "VALUES (?, ?, 'borrowed.png', 99, 0)", (sid, sha))  # fmt: skip
        st = state(client, tok, sid)["state"]
        assert st["draft"] == draft and st["canvas_config"]["width"] == st["canvas_config"]["height"] == 1080
        assert st["video_infos"][-1]["filename"] == "borrowed.png"
        chat(client, tok, sid, "turn my photos into a slideshow")  # the borrowed photo is this session's now
        srcs = [s["m"]["src"] for s in state(client, tok, sid)["state"]["draft"]["t"][0]["sg"]]
        assert srcs[-1] == elsewhere["media_id"] and len(srcs) == 4


def _rows(data: Path, sid: str) -> list[tuple[str, int, str]]:
    with _db(data) as db:
        return db.execute(
            "SELECT stack, seq, entry FROM undo_entries WHERE session_id=? ORDER BY stack, seq", (sid,)
        ).fetchall()


def test_undo_history_is_stored_per_entry_and_survives_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with engine_thread(data) as eng, httpx.Client(base_url=eng.url, timeout=120) as client:
        tok = token(client)
        sid = new_session(client, tok)
        _upload(client, tok, sid, 10)
        chat(client, tok, sid, "turn my photos into a slideshow")
        first = _rows(data, sid)
        chat(client, tok, sid, "make each photo 2 seconds")
        chat(client, tok, sid, "make each photo 4 seconds")
        rows = _rows(data, sid)
        assert [(r[0], r[1]) for r in rows] == [("undo", 0), ("undo", 1), ("undo", 2)]
        assert rows[0] == first[0]  # written once, never again
        with _db(data) as db:
            memory = json.loads(
                db.execute("SELECT memory FROM sessions WHERE session_id=?", (sid,)).fetchone()[0]
            )
        assert "undo" not in memory and memory["language"] == "en"
    with engine_thread(data) as eng, httpx.Client(base_url=eng.url, timeout=120) as client:
        assert _durations(client, tok, sid) == [4000] * 10
        chat(client, tok, sid, "undo")
        assert _durations(client, tok, sid) == [2000] * 10
        assert [(r[0], r[1]) for r in _rows(data, sid)] == [("redo", 0), ("undo", 0), ("undo", 1)]
        chat(client, tok, sid, "undo")
        assert _durations(client, tok, sid) == [3000] * 10
        chat(client, tok, sid, "redo")
        assert _durations(client, tok, sid) == [2000] * 10
        chat(client, tok, sid, "make each photo 5 seconds")  # a new edit clears redo
        assert [r[0] for r in _rows(data, sid)] == ["undo"] * 3


@pytest.mark.parametrize("rows_too", [False, True])  # True: an older engine ran on a newer folder
def test_a_memory_record_from_before_the_undo_rows_still_undoes(tmp_path: Path, rows_too: bool) -> None:
    data = tmp_path / "data"
    with engine_thread(data) as eng, httpx.Client(base_url=eng.url, timeout=120) as client:
        tok = token(client)
        sid = new_session(client, tok)
        _upload(client, tok, sid, 9)
        chat(client, tok, sid, "turn my photos into a slideshow")
        chat(client, tok, sid, "make each photo 2 seconds")
        undo = [json.loads(r[2]) for r in _rows(data, sid)]
        legacy = json.dumps({"undo": undo, "redo": [], "selected": None, "shuffles": 0, "language": "en"})
        with _db(data) as db:  # the single-record form the engine wrote before
            if not rows_too:
                db.execute("DELETE FROM undo_entries WHERE session_id=?", (sid,))
            db.execute("UPDATE sessions SET memory=? WHERE session_id=?", (legacy, sid))
        chat(client, tok, sid, "undo")
        assert _durations(client, tok, sid) == [3000] * 9
        assert [(r[0], r[1]) for r in _rows(data, sid)] == [("redo", 0), ("undo", 0)]
        chat(client, tok, sid, "redo")
        assert _durations(client, tok, sid) == [2000] * 9


# ------------------------------------------------------------------------------------------ the store itself


def _blob(sha: str) -> Blob:
    return Blob(sha, "image", "png", "image/png", 10, 4, 4, None, None)


def test_save_turn_writes_new_entries_and_deletes_dropped_ones(tmp_path: Path) -> None:
    db_path = tmp_path / "engine.sqlite3"
    store = Store(db_path)
    sid = store.create_session("u", "t", "en", Draft.new().dumps()).session_id
    store.save_turn(sid, None, "{}", {"undo": [{"n": 1}, {"n": 2}], "redo": []})
    loaded = store.load_stacks(sid)
    assert loaded == {"undo": [{"n": 1}, {"n": 2}], "redo": []}
    assert store.load_stacks(sid)["undo"][0] is loaded["undo"][0]  # cached: no parse per turn

    undo = [*loaded["undo"][1:], {"n": 3}]  # the oldest trimmed, one pushed
    store.save_turn(sid, None, "{}", {"undo": undo, "redo": []})
    seqs = [r[0] for r in store._all("SELECT seq FROM undo_entries WHERE session_id=? ORDER BY seq", (sid,))]
    assert seqs == [1, 2]
    undo = store.load_stacks(sid)["undo"]
    store.save_turn(sid, None, "{}", {"undo": undo[:1], "redo": [{"n": 9}]})  # popped to redo
    store.save_turn(sid, None, "{}", {"undo": [undo[0], {"n": 4}, {"n": 5}][::-1], "redo": []})  # reordered
    expected = {"undo": [{"n": 5}, {"n": 4}, {"n": 2}], "redo": []}
    assert store.load_stacks(sid) == expected
    store.close()
    again = Store(db_path)  # a restart reads the same
    assert again.load_stacks(sid) == expected
    again.close()


def test_store_caches_follow_own_writes_and_other_connections(tmp_path: Path) -> None:
    db_path = tmp_path / "engine.sqlite3"
    a, b = Store(db_path), Store(db_path)
    sid = a.create_session("u", "t", "en", "{}").session_id
    for sha in ("1" * 64, "2" * 64, "3" * 64):
        a.put_blob(_blob(sha))
    a.add_session_media(sid, "1" * 64, "one.png")
    listed = a.session_media(sid)
    assert a.session_media(sid) is listed  # cached
    a.add_session_media(sid, "2" * 64, "two.png")
    assert [m.name for m in a.session_media(sid)] == ["one.png", "two.png"]
    a.set_beats("2" * 64, [0.0, 500.0])
    assert a.session_media(sid)[1].blob.beats == [0.0, 500.0]

    assert a.load_stacks(sid) == {"undo": [], "redo": []}
    b.add_session_media(sid, "3" * 64, "three.png")  # another connection
    b.save_turn(sid, None, "{}", {"undo": [{"n": 1}], "redo": []})
    assert [m.name for m in a.session_media(sid)] == ["one.png", "two.png", "three.png"]
    assert a.load_stacks(sid)["undo"] == [{"n": 1}]
    a.close()
    b.close()


def test_per_session_caches_are_bounded_and_keep_the_recently_used() -> None:
    cache: dict[str, int] = {}
    for i in range(5):
        remember(cache, f"s{i}", i, limit=3)
    remember(cache, "s2", 20, limit=3)  # used again: now the newest
    remember(cache, "s5", 5, limit=3)
    assert list(cache) == ["s4", "s2", "s5"] and cache["s2"] == 20
