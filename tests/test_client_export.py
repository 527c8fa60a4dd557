"""Export: submit (camelCase sessionId, render_<ms> ids, one retry), poll, all result forms, download."""

from __future__ import annotations

import asyncio
import re

import av
import pytest

from helpers_nemo import make_client, run
from nemodesk.core import nemo_errors as ne

pytest_plugins = ["nemo_fixtures"]

DRAFT = {
    "m": {"width": 64, "height": 64, "cloudOnly": {"k": 1}},
    "t": [{"tt": 0, "sg": [{"d": 1000, "m": {"name": "a.jpg"}, "x": 1}]}],
}


def export(server, target, *, draft=DRAFT, setup=None, cancel_on=None, job_id=None, **kw):
    stages = []

    async def go():
        async with make_client(server, **kw) as c:
            s = await c.create_session()
            server.sessions[s.session_id].draft = draft
            if setup:
                setup(server)
            cancel = asyncio.Event()

            def progress(p):
                stages.append(p)
                if cancel_on and p.stage == cancel_on:
                    cancel.set()

            return s, await c.export(s.session_id, target, progress=progress, cancel=cancel, job_id=job_id)

    s, out = run(go())
    return s, out, stages


def frames(path) -> int:
    with av.open(str(path)) as c:
        return sum(1 for _ in c.decode(video=0))


@pytest.mark.parametrize("form", ["output.url", "data.outputUrl", "data.output.url", "none"])
def test_export_with_every_result_form(nemo_server, tmp_path, form):
    target = tmp_path / "out.mp4"
    s, out, stages = export(nemo_server, target, setup=lambda srv: setattr(srv.faults, "result_form", form))
    assert out == target and frames(target) == 12
    submit = next(r for r in nemo_server.renders.values())["body"]
    assert re.fullmatch(r"render_\d{13}", submit["id"]) and submit["sessionId"] == s.session_id
    assert submit["draft"] == DRAFT and submit["output"] == {"format": "mp4", "quality": "high"}
    assert next(p.stage for p in stages) == "submitted" and stages[-1].stage == "done"
    assert any(p.stage == "rendering" and p.status == "processing" for p in stages)
    paths = [r.path for r in nemo_server.requests]
    assert (f"/api/render/proxy/{submit['id']}/download" in paths) == (form == "none")
    assert not [p for p in tmp_path.iterdir() if p.name != "out.mp4"]


def test_token_is_not_sent_to_another_origin(nemo_server, tmp_path):
    export(nemo_server, tmp_path / "o.mp4", setup=lambda srv: setattr(srv.faults, "result_host", "localhost"))
    cdn = [r for r in nemo_server.requests if r.path.startswith("/files/")]
    assert cdn and "authorization" not in cdn[0].headers and cdn[0].headers["x-skill-source"] == "nemodesk"


def test_failed_submit_retried_once_with_new_id(nemo_server, tmp_path):
    export(nemo_server, tmp_path / "o.mp4", setup=lambda srv: setattr(srv.faults, "fail_submit", 1))
    ids = list(nemo_server.renders)
    assert len(ids) == 2 and ids[0] != ids[1] and nemo_server.renders[ids[0]].get("rejected")
    nemo_server.reset()
    with pytest.raises(ne.RenderFailed) as info:
        export(nemo_server, tmp_path / "o2.mp4", setup=lambda srv: setattr(srv.faults, "fail_submit", 2))
    assert "could not be started" in str(info.value) and len(nemo_server.renders) == 2


def test_failed_render(nemo_server, tmp_path):
    with pytest.raises(ne.RenderFailed) as info:
        export(nemo_server, tmp_path / "o.mp4", setup=lambda srv: setattr(srv.faults, "render_fails", True))
    assert "Renderer crashed on segment 2" in str(info.value) and not (tmp_path / "o.mp4").exists()


def test_cancel_cancels_the_job(nemo_server, tmp_path):
    with pytest.raises(ne.ExportCancelled):
        export(nemo_server, tmp_path / "o.mp4", cancel_on="submitted")
    job = next(iter(nemo_server.renders.values()))
    assert job["status"] == "cancelled" and any(r.path.endswith("/cancel") for r in nemo_server.requests)


def test_truncated_download_never_replaces_a_good_file(nemo_server, tmp_path):
    target = tmp_path / "keep.mp4"
    target.write_bytes(b"my good old video")
    with pytest.raises(ne.DownloadFailed):
        export(nemo_server, target, setup=lambda srv: setattr(srv.faults, "truncate_download", True))
    assert target.read_bytes() == b"my good old video"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.mp4"]


def test_nothing_to_export(nemo_server, tmp_path):
    with pytest.raises(ne.NothingToExport):
        export(nemo_server, tmp_path / "o.mp4", draft={"t": [{"tt": 0, "sg": []}]})
    assert not nemo_server.renders


def test_resume_a_job_after_restart(nemo_server, tmp_path):
    async def submit():
        async with make_client(nemo_server) as c:
            s = await c.create_session()
            job = await c.submit_render(s.session_id, DRAFT)
            return s, job, c.identity

    s, job, identity = run(submit())

    async def resume():
        async with make_client(nemo_server, identity=identity) as c:  # a new client, same sign-in
            return await c.export(s.session_id, tmp_path / "r.mp4", job_id=job.id)

    assert frames(run(resume())) == 12
    assert len(nemo_server.renders) == 1


def test_unknown_job_and_anonymous_token_rate_limit_messages(nemo_server, tmp_path):
    async def go():
        async with make_client(nemo_server) as c:
            await c.ensure_token()
            await c.cancel_render("render_404")  # unknown job: nothing to cancel, no error
            await c.export("1", tmp_path / "o.mp4", job_id="render_404")

    with pytest.raises(ne.RenderFailed) as info:
        run(go())
    assert "no longer known" in str(info.value)
    nemo_server.faults.rate_limit, nemo_server.faults.only_path = 2, "/api/auth/anonymous-token"

    async def token():
        async with make_client(nemo_server) as c:
            await c.ensure_token()

    with pytest.raises(ne.RateLimited) as info:
        run(token())
    assert "every 7 days" in str(info.value) and "token set" in str(info.value)
