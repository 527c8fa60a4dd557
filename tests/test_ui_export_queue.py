"""The export queue: a real local-engine export to a playable MP4, cancel/retry, and resume after a restart."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import av
import pytest

from helpers_timeline import SmallController, close_qasync_loop
from nemo_test_server import NemoTestServer
from nemodesk.core.client import NemoClient
from nemodesk.core.draft import Draft
from nemodesk.core.identity import Identity, TokenRecord, TokenSource
from nemodesk.core.job_store import CANCELLED, DONE, RUNNING, JobStore
from nemodesk.ui.qt_export_queue import ExportQueueWidget


class _Settings:
    def __init__(self, out: Path):
        self.output_dir = str(out)


@pytest.fixture
def qloop(qapp):
    import qasync

    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    yield loop
    close_qasync_loop(loop)


@pytest.fixture
def local_engine(tmp_path):
    from nemodesk.engine.launcher import start_engine

    engine = start_engine(data_dir=tmp_path / "engine")
    yield engine
    engine.stop()


def _local_client(engine) -> NemoClient:
    identity = Identity(engine.url, use_env=False)
    identity.record = TokenRecord(engine.token, anonymous=False)
    identity.source = TokenSource.USER
    return NemoClient(engine.url, identity=identity, is_local=True, poll_interval=0.1)


def _mp4_frames(path: Path) -> tuple[int, int, int]:
    with av.open(str(path)) as c:
        v = c.streams.video[0]
        n = sum(1 for _ in c.decode(v))
        return n, v.codec_context.width, v.codec_context.height


@pytest.mark.slow
def test_local_export_yields_a_playable_mp4_and_a_done_row(qtbot, qloop, local_engine, photos, tmp_path):
    client = _local_client(local_engine)
    ctl = SmallController()
    ctl.settings = _Settings(tmp_path / "out")

    async def scenario() -> str:
        session = await client.create_session()
        await client.upload(session.session_id, photos[:2])
        async for _ in client.chat(
            session.session_id, "make a square slideshow, 1 second per photo, no music"
        ):
            pass
        st = await client.state(session.session_id)
        assert st.exportable, st.raw
        ctl.client, ctl.session_id, ctl.draft = client, session.session_id, st.draft
        ctl.draft.canvas.title = "Lisbon"
        (tmp_path / "out").mkdir()
        (tmp_path / "out" / "Lisbon.mp4").write_bytes(b"an older export that must survive")
        job_id = queue.start_export()
        assert queue.row_state(job_id) in ("Queued", "Rendering", "Submitted")
        while queue.busy():
            await asyncio.sleep(0.05)
        return job_id

    queue = ExportQueueWidget(ctl, JobStore(tmp_path / "jobs.sqlite3"))
    qtbot.addWidget(queue)
    queue.show()
    try:
        job_id = qloop.run_until_complete(asyncio.wait_for(scenario(), 240))
        job = queue.store.get(job_id)
        assert job.state == DONE, job.error
        assert queue.row_state(job_id) == "Done"
        assert Path(job.target).name == "Lisbon (2).mp4"  # never overwrites the older file
        assert (tmp_path / "out" / "Lisbon.mp4").read_bytes() == b"an older export that must survive"
        frames, w, h = _mp4_frames(Path(job.target))
        assert frames >= 20 and w == h
        assert queue.last_notification is not None and "Lisbon (2).mp4" in queue.last_notification[1]
        shots = os.environ.get("NEMODESK_SHOTS")
        if shots:
            queue.resize(760, 180)
            queue.grab().save(str(Path(shots) / "export-queue.png"))
    finally:
        qloop.run_until_complete(client.aclose())
        queue.shutdown()
        queue.store.close()


@pytest.fixture
def nemo(tmp_path):
    server = NemoTestServer().start()
    yield server
    server.stop()


def _cloud_client(server: NemoTestServer) -> NemoClient:
    return NemoClient(server.url, identity=Identity(server.url), poll_interval=0.02, retry_base=0.01)


def test_restart_resumes_polling_a_cloud_render(qtbot, qloop, nemo, tmp_path):
    db = tmp_path / "jobs.sqlite3"
    out = tmp_path / "out"
    out.mkdir()
    nemo.faults.render_polls = 10_000  # the render stays "processing" until we say otherwise

    first_client = _cloud_client(nemo)
    ctl = SmallController()
    ctl.settings = _Settings(out)
    ctl.backend_name = "cloud"

    async def before_restart() -> str:
        session = await first_client.create_session()
        nemo.sessions[session.session_id].draft = {
            "m": {"title": "Porto", "width": 64, "height": 64},
            "t": [{"tt": 0, "sg": [{"d": 1000, "m": {"src": "x"}}]}],
        }
        ctl.client, ctl.session_id = first_client, session.session_id
        ctl.draft = Draft.decode(nemo.sessions[session.session_id].draft)  # what the app shows
        job_id = queue.start_export()
        while not (queue.store.get(job_id).render_id and queue.store.get(job_id).progress > 0.02):
            await asyncio.sleep(0.02)
        await queue.aclose()  # the app quits mid-render
        await first_client.aclose()
        return job_id

    queue = ExportQueueWidget(ctl, JobStore(db))
    qtbot.addWidget(queue)
    job_id = qloop.run_until_complete(asyncio.wait_for(before_restart(), 30))
    queue.store.close()
    queue.close()

    row = JobStore(db)
    pending = row.get(job_id)
    assert pending.state == RUNNING and pending.render_id and pending.api_url == nemo.url
    row.close()
    polls_before = sum(1 for r in nemo.requests if r.path.endswith(pending.render_id))
    nemo.renders[pending.render_id]["polls"] = 0
    nemo.faults.render_polls = 3

    second_client = _cloud_client(nemo)  # a new launch: new client, same API URL
    ctl2 = SmallController()
    ctl2.settings = _Settings(out)
    ctl2.client, ctl2.session_id, ctl2.backend_name = second_client, None, "cloud"
    again = ExportQueueWidget(ctl2, JobStore(db))
    qtbot.addWidget(again)
    assert again.busy(), "polling should resume at start-up"

    async def after_restart() -> None:
        while again.busy():
            await asyncio.sleep(0.02)
        await second_client.aclose()

    try:
        qloop.run_until_complete(asyncio.wait_for(after_restart(), 30))
        job = again.store.get(job_id)
        assert job.state == DONE, job.error
        assert again.row_state(job_id) == "Done"
        assert Path(job.target).read_bytes()[4:8] == b"ftyp"
        assert Path(job.target).name == "Porto.mp4"
        polls_after = sum(1 for r in nemo.requests if r.path.endswith(pending.render_id))
        assert polls_after > polls_before
        # no new render was submitted on resume
        assert (
            sum(1 for r in nemo.requests if r.method == "POST" and r.path == "/api/render/proxy/lambda") == 1
        )
    finally:
        again.shutdown()
        again.store.close()


def test_cancel_then_retry(qtbot, qloop, nemo, tmp_path):
    nemo.faults.render_polls = 10_000
    client = _cloud_client(nemo)
    ctl = SmallController()
    ctl.settings = _Settings(tmp_path)
    ctl.backend_name = "cloud"
    queue = ExportQueueWidget(ctl, JobStore(tmp_path / "j.sqlite3"))
    qtbot.addWidget(queue)

    async def scenario() -> str:
        session = await client.create_session()
        nemo.sessions[session.session_id].draft = {
            "m": {"width": 64, "height": 64},
            "t": [{"tt": 0, "sg": [{"d": 500}]}],
        }
        ctl.client, ctl.session_id = client, session.session_id
        job_id = queue.start_export()
        while not queue.store.get(job_id).render_id:
            await asyncio.sleep(0.02)
        queue.tree.setCurrentItem(queue._items[job_id])
        assert queue.cancel_action.isEnabled()
        queue.cancel_action.trigger()
        while queue.busy():
            await asyncio.sleep(0.02)
        assert queue.store.get(job_id).state == CANCELLED
        assert queue.row_state(job_id) == "Cancelled"
        rid = queue.store.get(job_id).render_id
        assert nemo.renders[rid]["status"] == "cancelled"
        assert queue.retry_action.isEnabled()
        nemo.faults.render_polls = 1
        queue.retry_action.trigger()
        while queue.busy():
            await asyncio.sleep(0.02)
        await client.aclose()
        return job_id

    try:
        job_id = qloop.run_until_complete(asyncio.wait_for(scenario(), 30))
        job = queue.store.get(job_id)
        assert job.state == DONE and Path(job.target).name == "NemoDesk video.mp4"
        assert queue.open_action.isEnabled()
    finally:
        queue.shutdown()
        queue.store.close()
