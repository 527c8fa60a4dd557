"""The export job store: rows survive a restart, resumable cloud renders are found, names never collide."""

from __future__ import annotations

import sqlite3

import pytest

from nemodesk.core.job_store import CANCELLED, DONE, RUNNING, ExportJob, JobStore, unique_target


def test_jobs_survive_a_restart(tmp_path):
    db = tmp_path / "jobs.sqlite3"
    with JobStore(db) as store:
        done = store.add(ExportJob("Lisbon", "local", str(tmp_path / "Lisbon.mp4"), draft_json='{"t": []}'))
        store.update(done.id, state=RUNNING, progress=0.5)
        store.update(done.id, state=DONE, progress=1.0)
        cloud = store.add(
            ExportJob(
                "Porto",
                "cloud",
                str(tmp_path / "Porto.mp4"),
                render_id="render_1",
                api_url="http://127.0.0.1:9/",
                session_id="42",
                extra={"k": [1]},
            )
        )
        store.update(cloud.id, state=RUNNING, progress=0.25, eta_s=30.0)
        local_cut = store.add(ExportJob("Faro", "local", str(tmp_path / "Faro.mp4")))
        store.update(local_cut.id, state=RUNNING)
        cancelled = store.add(ExportJob("Evora", "cloud", str(tmp_path / "E.mp4"), render_id="render_2"))
        store.update(cancelled.id, state=CANCELLED)

    with JobStore(db) as store:
        jobs = store.jobs()
        assert [j.name for j in jobs] == ["Lisbon", "Porto", "Faro", "Evora"]
        first = jobs[0]
        assert (first.state, first.progress, first.draft_json) == (DONE, 1.0, '{"t": []}')
        assert first.started_at is not None and first.finished_at is not None
        assert [j.name for j in store.resumable()] == ["Porto"]
        porto = store.resumable()[0]
        assert (porto.render_id, porto.api_url, porto.session_id, porto.eta_s) == (
            "render_1",
            "http://127.0.0.1:9/",
            "42",
            30.0,
        )
        assert porto.extra == {"k": [1]}
        assert [j.name for j in store.interrupted_local()] == ["Faro"]
        assert store.clear_finished() == 2
        assert [j.name for j in store.jobs()] == ["Porto", "Faro"]


def test_default_location_and_no_tokens(isolated_dirs):
    with JobStore() as store:
        store.add(ExportJob("x", "cloud", "/tmp/x.mp4", render_id="r"))
        assert store.path.parent == isolated_dirs / "data"
    cols = [
        r[1]
        for r in sqlite3.connect(isolated_dirs / "data" / "exports.sqlite3").execute(
            "PRAGMA table_info(jobs)"
        )
    ]
    assert not any("token" in c for c in cols)


def test_bad_updates_are_refused(tmp_path):
    with JobStore(tmp_path / "j.sqlite3") as store:
        job = store.add(ExportJob("x", "local", "/tmp/x.mp4"))
        with pytest.raises(ValueError):
            store.update(job.id, state="exploded")
        with pytest.raises(ValueError):
            store.update(job.id, token="secret")
        with pytest.raises(KeyError):
            store.update("nope", progress=0.1)
        assert store.get(job.id).state == "queued"
        store.remove(job.id)
        assert store.get(job.id) is None


def test_unique_target_numbers_names(tmp_path):
    first = unique_target(tmp_path, "Lisbon: trip/2024")
    assert first.name == "Lisbon_ trip_2024.mp4"
    first.write_bytes(b"x")
    second = unique_target(tmp_path, "Lisbon: trip/2024")
    assert second.name == "Lisbon_ trip_2024 (2).mp4"
    third = unique_target(tmp_path, "Lisbon: trip/2024", taken={str(second)})
    assert third.name == "Lisbon_ trip_2024 (3).mp4"
    assert unique_target(tmp_path, "  ").name == "NemoDesk video.mp4"
