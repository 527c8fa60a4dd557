"""PUT /api/state/nemo_agent/me/<sid>/draft: how an opened project reaches a new local session.

Against a real uvicorn on 127.0.0.1: the token, the session's owner, the media's owner and the draft's
validity are all checked before anything is stored; the agent's undo history does not reach back past it."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest

from helpers_engine import (
    auth,
    chat,
    new_session,
    poll,
    state,
    submit,
    tiny_draft,
    token,
    upload,
)
from nemodesk.core import nemo_errors as ne
from nemodesk.core.client import NemoClient
from nemodesk.core.identity import Identity

pytest_plugins = ["engine_fixtures"]


def _put(client: httpx.Client, tok: str | None, sid: str, body) -> httpx.Response:
    headers = auth(tok) if tok else {}
    return client.put(f"/api/state/nemo_agent/me/{sid}/draft", headers=headers, json=body)


def _ids(resp: dict) -> list[str]:
    return [f["media_id"] for f in resp["data"]["files"]]


def test_put_draft_sets_the_sessions_draft_and_a_chat_edits_it(client, photos) -> None:
    tok = token(client)
    sid = new_session(client, tok)
    ids = _ids(upload(client, tok, sid, photos[:3]))
    doc = tiny_draft(ids, seconds=1.0)
    doc["m"]["title"] = "Lisbon"
    doc["cloud_only"] = {"kept": True}  # unknown keys travel as they are
    before = state(client, tok, sid)["draft_version"]
    r = _put(client, tok, sid, {"draft": doc})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["code"] == 0 and body["data"]["draft_version"] == before + 1
    got = state(client, tok, sid)
    assert got["state"]["draft"] == doc and got["draft_version"] == before + 1
    assert got["state"]["canvas_config"]["width"] == 96  # derived from the new draft, not a cached one
    # the draft's JSON text is accepted too
    doc2 = dict(doc, m=dict(doc["m"], title="Porto"))
    assert _put(client, tok, sid, {"draft": json.dumps(doc2)}).status_code == 200
    assert state(client, tok, sid)["state"]["draft"]["m"]["title"] == "Porto"
    # the agent edits the put draft...
    chat(client, tok, sid, "move photo 3 to the front")
    after = state(client, tok, sid)["state"]["draft"]
    assert [s["m"]["src"] for s in after["t"][0]["sg"]] == [ids[2], ids[0], ids[1]]
    assert after["cloud_only"] == {"kept": True}
    # ...and its undo stops at the put draft: one step back, then nothing earlier to undo
    chat(client, tok, sid, "undo")
    assert state(client, tok, sid)["state"]["draft"] == doc2
    chat(client, tok, sid, "undo")
    assert state(client, tok, sid)["state"]["draft"] == doc2


def test_put_draft_needs_a_valid_token_and_the_users_own_session(client, photos) -> None:
    tok = token(client)
    sid = new_session(client, tok)
    ids = _ids(upload(client, tok, sid, photos[:1]))
    doc = tiny_draft(ids)
    for bad in (None, "nd_not_a_token"):
        r = _put(client, bad, sid, {"draft": doc})
        assert r.status_code == 401 and r.json()["code"] == 1001
    other = token(client, "another-client-0002")
    r = _put(client, other, sid, {"draft": doc})  # someone else's session: as if it did not exist
    assert r.status_code == 404 and r.json()["code"] == 1002
    assert state(client, tok, sid)["state"]["draft"].get("t") in (None, [])  # nothing was stored


def test_put_draft_refuses_media_of_other_sessions_and_paths(client, photos) -> None:
    tok = token(client)
    mine = new_session(client, tok)
    theirs_tok = token(client, "another-client-0003")
    theirs = new_session(client, theirs_tok)
    their_ids = _ids(upload(client, theirs_tok, theirs, photos[1:2]))
    my_ids = _ids(upload(client, tok, mine, photos[:1]))
    other_session = new_session(client, tok)  # the same user, another session
    other_ids = _ids(upload(client, tok, other_session, photos[2:3]))
    for srcs in ([my_ids[0], their_ids[0]], [my_ids[0], other_ids[0]], [my_ids[0], str(photos[0])],
                 ["media:" + "0" * 64]):  # fmt: skip
        doc = tiny_draft(srcs)
        r = _put(client, tok, mine, {"draft": doc})
        assert r.status_code == 422, (srcs, r.text)
        assert r.json()["code"] == 422 and "is not media of this session" in r.json()["message"]
        assert "t[0].sg[" in r.json()["message"]  # names the segment
    assert state(client, tok, mine)["state"]["draft"].get("t") in (None, [])


def test_put_draft_validates_and_bounds_the_body(client, photos) -> None:
    tok = token(client)
    sid = new_session(client, tok)
    ids = _ids(upload(client, tok, sid, photos[:1]))
    good = tiny_draft(ids)
    bad = json.loads(json.dumps(good))
    bad["t"][0]["sg"][0]["d"] = -5
    r = _put(client, tok, sid, {"draft": bad})
    assert r.status_code == 422 and "t[0].sg[0].d" in r.json()["message"]
    for body in ({}, {"draft": "{not json"}, {"draft": 42}, {"draft": []}):
        r = _put(client, tok, sid, body)
        assert r.status_code == 422 and r.json()["code"] == 422, (body, r.text)
    r = client.put(f"/api/state/nemo_agent/me/{sid}/draft", headers=auth(tok), content=b"[1, 2]")
    assert r.status_code == 400  # not a JSON object at all
    huge = {"draft": good, "pad": "x" * (5 * 1024 * 1024)}
    r = _put(client, tok, sid, huge)
    assert r.status_code == 413 and r.json()["code"] == 4002
    assert state(client, tok, sid)["state"]["draft"].get("t") in (None, [])


def test_put_draft_then_render_and_the_client_method(eng, client, photos, tmp_path) -> None:
    """NemoClient.put_draft against the engine, then an export of exactly that draft."""

    async def flow() -> tuple[int, dict]:
        async with NemoClient(eng.url, identity=Identity(eng.url, use_env=False), is_local=True) as c:
            sess = await c.create_session("en")
            files = await c.upload(sess.session_id, photos[:2])
            doc = tiny_draft([f.raw["media_id"] for f in files])
            version = await c.put_draft(sess.session_id, doc)
            st = await c.state(sess.session_id)
            assert st.raw_draft == doc
            with pytest.raises(ne.NemoError) as info:
                await c.put_draft(sess.session_id, dict(doc, t=[{"tt": 0, "sg": [{"d": 0}]}]))
            assert "t[0].sg[0]" in str(info.value)
            out = await c.export(sess.session_id, tmp_path / "put.mp4")
            return version, {"out": out, "token": c.identity.token, "sid": sess.session_id}

    version, got = asyncio.run(flow())
    assert version >= 1 and Path(got["out"]).stat().st_size > 1000
    # the cloud has no such endpoint: the client says so instead of sending it
    cloud = NemoClient("http://127.0.0.1:9", identity=Identity("http://127.0.0.1:9", use_env=False))
    with pytest.raises(ne.ProtocolError):
        asyncio.run(cloud.put_draft("x", {}))
    asyncio.run(cloud.aclose())
    # a render submitted with the session's (put) draft works through the raw protocol as well
    job = submit(client, got["token"], got["sid"], state(client, got["token"], got["sid"])["state"]["draft"])
    assert job.status_code == 200, job.text
    assert poll(client, got["token"], job.json()["data"]["id"])["data"]["status"] == "completed"
