"""The export queue's memory: one SQLite row per export, kept across restarts.

A cloud render lives on the service whether or not NemoDesk is running (the protocol calls a job whose client
went away "orphaned"); keeping its render id, API URL, session id and target here lets the next launch resume
polling and still download the result. Finished exports stay listed so the user can open them later.
Tokens are never stored here: the client gets them from the keyring when it resumes.

Writes are tiny and few (a state change, a progress tick every few percent), so the store is synchronous and
safe to call from the GUI thread; one connection guarded by a lock serves every thread.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from nemodesk.core import paths

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
STATES = (QUEUED, RUNNING, DONE, FAILED, CANCELLED)
ACTIVE = (QUEUED, RUNNING)
SCHEMA_VERSION = 1


@dataclass
class ExportJob:
    """One export. `target` is the final MP4 path; `render_id` is set once a backend accepted the job."""

    name: str
    backend: str  # "local" | "cloud"
    target: str
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    state: str = QUEUED
    progress: float = 0.0  # 0..1
    render_id: str | None = None
    api_url: str | None = None
    session_id: str | None = None
    draft_json: str | None = None  # the draft as submitted, for retry
    error: str | None = None
    eta_s: float | None = None
    created_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)
    started_at: float | None = None
    finished_at: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return self.state in ACTIVE

    @property
    def resumable(self) -> bool:
        """A cloud render that was still running when the app went away: poll it again."""
        return self.backend == "cloud" and self.active and bool(self.render_id)


_COLUMNS = [f.name for f in fields(ExportJob)]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    backend TEXT NOT NULL,
    target TEXT NOT NULL,
    state TEXT NOT NULL,
    progress REAL NOT NULL DEFAULT 0,
    render_id TEXT,
    api_url TEXT,
    session_id TEXT,
    draft_json TEXT,
    error TEXT,
    eta_s REAL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    started_at REAL,
    finished_at REAL,
    extra TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS jobs_created ON jobs(created_at);
"""


class JobStore:
    """Export jobs in `paths.data_dir()/exports.sqlite3` (or `path`)."""

    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path is not None else paths.data_dir() / "exports.sqlite3"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=5)
        self._db.row_factory = sqlite3.Row
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)
            self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    # -- rows

    @staticmethod
    def _row(r: sqlite3.Row) -> ExportJob:
        data = dict(r)
        try:
            extra = json.loads(data.get("extra") or "{}")
        except ValueError:
            extra = {}
        data["extra"] = extra if isinstance(extra, dict) else {}
        return ExportJob(**{k: data[k] for k in _COLUMNS if k in data})

    def add(self, job: ExportJob) -> ExportJob:
        if job.state not in STATES:
            raise ValueError(f"unknown export state {job.state!r}")
        values = asdict(job)
        values["extra"] = json.dumps(job.extra)
        cols = ", ".join(_COLUMNS)
        marks = ", ".join(f":{c}" for c in _COLUMNS)
        with self._lock:
            self._db.execute(f"INSERT INTO jobs ({cols}) VALUES ({marks})", values)
        return job

    def update(self, job_id: str, **changes: Any) -> ExportJob:
        """Change some fields of one job (unknown field names are a bug and raise)."""
        bad = set(changes) - set(_COLUMNS) - {"id"}
        if bad or "id" in changes:
            raise ValueError(f"cannot update {sorted(bad | ({'id'} & set(changes)))}")
        if "state" in changes and changes["state"] not in STATES:
            raise ValueError(f"unknown export state {changes['state']!r}")
        if "extra" in changes:
            changes["extra"] = json.dumps(changes["extra"])
        changes.setdefault("updated_at", time.time())
        if changes.get("state") == RUNNING:
            changes.setdefault("started_at", time.time())
        if changes.get("state") in (DONE, FAILED, CANCELLED):
            changes.setdefault("finished_at", time.time())
        sets = ", ".join(f"{k} = :{k}" for k in changes)
        with self._lock:
            cur = self._db.execute(f"UPDATE jobs SET {sets} WHERE id = :_id", {**changes, "_id": job_id})
            if cur.rowcount == 0:
                raise KeyError(job_id)
            row = self._db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return self._row(row)

    def get(self, job_id: str) -> ExportJob | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return self._row(row) if row else None

    def jobs(self) -> list[ExportJob]:
        """Every job, oldest first (the queue's display order)."""
        with self._lock:
            rows = self._db.execute("SELECT * FROM jobs ORDER BY created_at, rowid").fetchall()
        return [self._row(r) for r in rows]

    def resumable(self) -> list[ExportJob]:
        """Cloud renders that were running when the app last stopped."""
        return [j for j in self.jobs() if j.resumable]

    def interrupted_local(self) -> list[ExportJob]:
        """Local renders cut short by a restart: the engine process went with the app, so they failed."""
        return [j for j in self.jobs() if j.backend == "local" and j.active]

    def remove(self, job_id: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))

    def clear_finished(self) -> int:
        with self._lock:
            cur = self._db.execute("DELETE FROM jobs WHERE state IN (?, ?, ?)", (DONE, FAILED, CANCELLED))
        return cur.rowcount

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> JobStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def unique_target(
    folder: Path, title: str | None, suffix: str = ".mp4", taken: set[str] | None = None
) -> Path:
    """An output path named for the draft's title that overwrites nothing: `Title.mp4`, `Title (2).mp4`, ...

    `taken` holds paths already promised to queued exports, which do not exist on disk yet.
    """
    import re

    stem = (
        re.sub(r"[\\/:*?\"<>|\x00-\x1f]+", "_", (title or "").strip()).strip(" .")[:100] or "NemoDesk video"
    )
    taken = taken or set()
    n = 1
    while True:
        name = f"{stem}{suffix}" if n == 1 else f"{stem} ({n}){suffix}"
        cand = Path(folder) / name
        if not cand.exists() and str(cand) not in taken:
            return cand
        n += 1
