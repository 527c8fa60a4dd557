"""The engine's durable state: tokens, sessions (draft + agent memory), session media and render jobs.

One SQLite file in WAL mode, so a crash loses at most the statement in flight and readers never wait for
the writer. Every call is short (sub-millisecond on an index), so the server calls it straight from its
event loop; a lock makes the one connection safe for the few calls that come from worker threads.

The agent's undo and redo stacks are stored one entry per row (`undo_entries`), so a chat turn writes the
one entry it made instead of re-writing the whole history (megabytes after 50 edits of 1,000 photos).

Two read-mostly things are cached in the process: a session's media list (rebuilt after an upload to that
session) and its stored undo entries. Both are dropped whenever SQLite's `data_version` says another
connection committed, so a second process (or a test editing the file) never meets a stale answer.

Tokens are never written down: the table holds only their SHA-256, and a token is an HMAC of the client id
and issue time under a per-install secret, so the engine can hand a client its existing token again (the
local form of the cloud's "one token per client per 7 days") without storing it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TOKEN_TTL_S = 7 * 24 * 3600
JOB_STATUSES = ("pending", "processing", "completed", "failed")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
    token_hash TEXT PRIMARY KEY, client_id TEXT, user_id TEXT NOT NULL,
    issued_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS tokens_by_client ON tokens (client_id, expires_at);
CREATE TABLE IF NOT EXISTS sessions (
    session_id TEXT PRIMARY KEY, task_id TEXT NOT NULL UNIQUE, user_id TEXT NOT NULL,
    task_name TEXT NOT NULL, language TEXT NOT NULL, created_at REAL NOT NULL, updated_at REAL NOT NULL,
    draft TEXT, draft_version INTEGER NOT NULL DEFAULT 0, memory TEXT);
CREATE TABLE IF NOT EXISTS blobs (
    sha TEXT PRIMARY KEY, kind TEXT NOT NULL, ext TEXT NOT NULL, mime TEXT NOT NULL, size INTEGER NOT NULL,
    width INTEGER, height INTEGER, duration_ms INTEGER, beats TEXT, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS session_media (
    session_id TEXT NOT NULL, sha TEXT NOT NULL, name TEXT NOT NULL, position INTEGER NOT NULL,
    added_at REAL NOT NULL, PRIMARY KEY (session_id, sha));
CREATE INDEX IF NOT EXISTS session_media_order ON session_media (session_id, position);
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, user_id TEXT NOT NULL, session_id TEXT NOT NULL, status TEXT NOT NULL,
    progress REAL NOT NULL DEFAULT 0, eta_s REAL, error TEXT, cancelled INTEGER NOT NULL DEFAULT 0,
    output TEXT, draft TEXT NOT NULL, created_at REAL NOT NULL, updated_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status, created_at);
CREATE TABLE IF NOT EXISTS undo_entries (
    session_id TEXT NOT NULL, stack TEXT NOT NULL, seq INTEGER NOT NULL, entry TEXT NOT NULL,
    PRIMARY KEY (session_id, stack, seq));
"""
STACKS = ("undo", "redo")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class TokenInfo:
    token: str
    user_id: str
    expires_at: int


@dataclass(frozen=True)
class Session:
    session_id: str
    task_id: str
    user_id: str
    task_name: str
    language: str
    draft: str | None
    draft_version: int
    memory: str | None


@dataclass(frozen=True)
class Blob:
    sha: str
    kind: str  # image | video | audio
    ext: str
    mime: str
    size: int
    width: int | None
    height: int | None
    duration_ms: int | None
    beats: list[float] | None


@dataclass(frozen=True)
class SessionMedia:
    blob: Blob
    name: str
    position: int

    @property
    def media_id(self) -> str:
        return media_id(self.blob.sha)


@dataclass(frozen=True)
class Job:
    id: str
    user_id: str
    session_id: str
    status: str
    progress: float
    eta_s: float | None
    error: str | None
    cancelled: bool
    output: str | None
    created_at: float
    updated_at: float


CACHED_SESSIONS = 16  # per-session caches keep this many sessions (the most recently used)


_REMEMBER_LOCK = threading.Lock()


def remember(cache: dict[Any, Any], key: Any, value: Any, limit: int = CACHED_SESSIONS) -> None:
    """Put `key` last in an insertion-ordered dict used as a small LRU, dropping the oldest past `limit`.
    Safe from several threads (the server's loop and its chat-turn workers share these dicts)."""
    with _REMEMBER_LOCK:
        cache.pop(key, None)
        cache[key] = value
        while len(cache) > limit:
            cache.pop(next(iter(cache)), None)


def media_id(sha: str) -> str:
    """The id a draft uses for stored media (`m.src`): never a path, only the content hash."""
    return f"media:{sha}"


def sha_of_media_id(src: str) -> str | None:
    if not isinstance(src, str) or not src.startswith("media:"):
        return None
    sha = src[6:]
    if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
        return None
    return sha


class Store:
    """The engine database. Open it once per process; `close()` on shutdown."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10)
        try:
            os.chmod(path, 0o600)
        except OSError:
            pass
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        with self._lock:
            self._db.executescript(_SCHEMA)
        self._secret = self._meta_secret()
        self._data_version: int | None = None
        self._media_cache: dict[str, tuple[SessionMedia, ...]] = {}
        # session -> stack -> [(entry as stored, seq)]; the dicts are shared with callers: never mutate them
        self._stacks: dict[str, dict[str, list[tuple[dict[str, Any], int]]]] = {}

    def _fresh(self) -> None:
        """Drop the caches if another connection has committed since we last looked (call under the lock)."""
        version = self._db.execute("PRAGMA data_version").fetchone()[0]
        if version != self._data_version:
            self._data_version = version
            self._media_cache.clear()
            self._stacks.clear()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _one(self, sql: str, args: tuple[Any, ...] = ()) -> tuple[Any, ...] | None:
        with self._lock:
            return self._db.execute(sql, args).fetchone()

    def _all(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def _meta_secret(self) -> bytes:
        with self._tx() as db:
            row = db.execute("SELECT value FROM meta WHERE key='token_secret'").fetchone()
            if row:
                return bytes.fromhex(row[0])
            secret = secrets.token_bytes(32)
            db.execute("INSERT INTO meta (key, value) VALUES ('token_secret', ?)", (secret.hex(),))
            return secret

    # ---------------------------------------------------------------------------------------------- tokens

    def _derive(self, client_id: str, issued_at: int) -> str:
        mac = hmac.new(self._secret, f"{client_id}\n{issued_at}".encode(), hashlib.sha256).hexdigest()
        return f"nd_{mac[:48]}"

    def anonymous_token(self, client_id: str, now: float | None = None) -> TokenInfo:
        """The client's valid token if it has one, else a new one valid for 7 days."""
        now_i = int(now if now is not None else time.time())
        user_id = "anon_" + hashlib.sha256(f"user\n{client_id}".encode()).hexdigest()[:16]
        with self._tx() as db:
            row = db.execute(
                "SELECT issued_at, expires_at FROM tokens WHERE client_id=? AND expires_at>? "
                "ORDER BY issued_at DESC LIMIT 1",
                (client_id, now_i),
            ).fetchone()
            if row:
                return TokenInfo(self._derive(client_id, row[0]), user_id, row[1])
            token = self._derive(client_id, now_i)
            expires = now_i + TOKEN_TTL_S
            db.execute(
                "INSERT OR REPLACE INTO tokens (token_hash, client_id, user_id, issued_at, expires_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (token_hash(token), client_id, user_id, now_i, expires),
            )
            db.execute("DELETE FROM tokens WHERE expires_at<?", (now_i - TOKEN_TTL_S,))
        return TokenInfo(token, user_id, expires)

    def user_for_token(self, token: str, now: float | None = None) -> str | None:
        row = self._one(
            "SELECT user_id FROM tokens WHERE token_hash=? AND expires_at>?",
            (token_hash(token), int(now if now is not None else time.time())),
        )
        return row[0] if row else None

    # -------------------------------------------------------------------------------------------- sessions

    def create_session(self, user_id: str, task_name: str, language: str, draft: str) -> Session:
        now = time.time()
        with self._tx() as db:
            while True:
                sid = str(secrets.randbelow(9 * 10**15) + 10**15)  # 16 digits, numeric like the cloud's
                if not db.execute("SELECT 1 FROM sessions WHERE session_id=?", (sid,)).fetchone():
                    break
            task_id = "task_" + secrets.token_hex(8)
            db.execute(
                "INSERT INTO sessions (session_id, task_id, user_id, task_name, language, created_at, "
                "updated_at, draft, draft_version, memory) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, NULL)",
                (sid, task_id, user_id, task_name, language, now, now, draft),
            )
        return Session(sid, task_id, user_id, task_name, language, draft, 0, None)

    def session(self, session_id: str, user_id: str | None = None) -> Session | None:
        """The session, or None when it does not exist or belongs to another user (indistinguishable)."""
        row = self._one(
            "SELECT session_id, task_id, user_id, task_name, language, draft, draft_version, memory "
            "FROM sessions WHERE session_id=?",
            (session_id,),
        )
        if row is None or (user_id is not None and row[2] != user_id):
            return None
        return Session(*row)

    def save_turn(
        self,
        session_id: str,
        draft: str | None,
        memory: str | None,
        stacks: dict[str, list[dict[str, Any]]] | None = None,
    ) -> int:
        """Store the draft, the agent memory and its undo/redo `stacks` after a chat turn, in one
        transaction; returns the new draft version.

        `stacks` are the whole lists after the turn. Entries that came from `load_stacks` (the very same
        objects) are already stored and cost nothing; only the others are written, and rows no longer
        listed are deleted. So a turn costs one entry, not the history.
        """
        with self._lock:
            self._fresh()
            plans = {}
            if stacks is not None:
                old = self._stacks_of(session_id)
                plans = {name: _stack_plan(old.get(name, []), stacks.get(name) or []) for name in STACKS}
            with self._tx() as db:
                if draft is not None:
                    db.execute(
                        "UPDATE sessions SET draft=?, memory=?, draft_version=draft_version+1, updated_at=? "
                        "WHERE session_id=?",
                        (draft, memory, time.time(), session_id),
                    )
                else:
                    db.execute(
                        "UPDATE sessions SET memory=?, updated_at=? WHERE session_id=?",
                        (memory, time.time(), session_id),
                    )
                for name, (drop, add, _new) in plans.items():
                    if drop is None:
                        db.execute(
                            "DELETE FROM undo_entries WHERE session_id=? AND stack=?", (session_id, name)
                        )
                    elif drop:
                        db.executemany("DELETE FROM undo_entries WHERE session_id=? AND stack=? AND seq=?",
                                       [(session_id, name, seq) for seq in drop])  # fmt: skip
                    db.executemany("INSERT INTO undo_entries (session_id, stack, seq, entry) VALUES (?, ?, ?, ?)",
                                   [(session_id, name, seq, text) for seq, text in add])  # fmt: skip
                row = db.execute(
                    "SELECT draft_version FROM sessions WHERE session_id=?", (session_id,)
                ).fetchone()
            if plans:
                remember(self._stacks, session_id, {name: plan[2] for name, plan in plans.items()})
        return int(row[0]) if row else 0

    def load_stacks(self, session_id: str) -> dict[str, list[dict[str, Any]]]:
        """The stored undo/redo entries of the session, oldest first: fresh lists of shared entry dicts
        (read them, never mutate them; give the lists back to `save_turn`)."""
        with self._lock:
            self._fresh()
            return {name: [e for e, _seq in entries] for name, entries in self._stacks_of(session_id).items()}

    def _stacks_of(self, session_id: str) -> dict[str, list[tuple[dict[str, Any], int]]]:
        cached = self._stacks.get(session_id)
        if cached is None:
            cached = {name: [] for name in STACKS}
            rows = self._db.execute(
                "SELECT stack, seq, entry FROM undo_entries WHERE session_id=? ORDER BY stack, seq",
                (session_id,),
            ).fetchall()
            for name, seq, text in rows:
                try:
                    entry = json.loads(text)
                except ValueError:
                    entry = None  # a damaged row: skipped here, deleted by the next save
                if name in cached and isinstance(entry, dict):
                    cached[name].append((entry, seq))
            remember(self._stacks, session_id, cached)
        return cached

    # ----------------------------------------------------------------------------------------------- media

    def put_blob(self, blob: Blob) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT OR IGNORE INTO blobs (sha, kind, ext, mime, size, width, height, duration_ms, beats, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (blob.sha, blob.kind, blob.ext, blob.mime, blob.size, blob.width, blob.height,
                 blob.duration_ms, None if blob.beats is None else json.dumps(blob.beats), time.time()),
            )  # fmt: skip

    def set_beats(self, sha: str, beats: list[float]) -> None:
        with self._tx() as db:
            db.execute("UPDATE blobs SET beats=? WHERE sha=?", (json.dumps(beats), sha))
            self._media_cache.clear()

    def blob(self, sha: str) -> Blob | None:
        row = self._one(
            "SELECT sha, kind, ext, mime, size, width, height, duration_ms, beats FROM blobs WHERE sha=?",
            (sha,),
        )
        return _blob(row) if row else None

    def add_session_media(self, session_id: str, sha: str, name: str) -> SessionMedia:
        """Attach a stored blob to a session, in upload order; the same content twice is listed once."""
        with self._tx() as db:
            row = db.execute(
                "SELECT name, position FROM session_media WHERE session_id=? AND sha=?", (session_id, sha)
            ).fetchone()
            if row is None:
                pos = db.execute(
                    "SELECT COALESCE(MAX(position), -1) + 1 FROM session_media WHERE session_id=?",
                    (session_id,),
                ).fetchone()[0]
                db.execute(
                    "INSERT INTO session_media (session_id, sha, name, position, added_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (session_id, sha, name, pos, time.time()),
                )
                row = (name, pos)
            self._media_cache.pop(session_id, None)
        blob = self.blob(sha)
        assert blob is not None
        return SessionMedia(blob, row[0], row[1])

    def session_media(self, session_id: str) -> tuple[SessionMedia, ...]:
        """The session's media in upload order. Cached: the same tuple object comes back until the list
        changes, so callers may key their own derived caches on its identity."""
        with self._lock:
            self._fresh()
            cached = self._media_cache.get(session_id)
            if cached is None:
                rows = self._db.execute(
                    "SELECT b.sha, b.kind, b.ext, b.mime, b.size, b.width, b.height, b.duration_ms, b.beats, "
                    "sm.name, sm.position FROM session_media sm JOIN blobs b ON b.sha = sm.sha "
                    "WHERE sm.session_id=? ORDER BY sm.position",
                    (session_id,),
                ).fetchall()
                cached = tuple(SessionMedia(_blob(r[:9]), r[9], r[10]) for r in rows)
                remember(self._media_cache, session_id, cached)
            return cached

    def session_has_media(self, session_id: str, sha: str) -> bool:
        return (
            self._one("SELECT 1 FROM session_media WHERE session_id=? AND sha=?", (session_id, sha))
            is not None
        )

    # ------------------------------------------------------------------------------------------------ jobs

    def create_job(self, job_id: str, user_id: str, session_id: str, draft: str) -> Job | None:
        """A new pending job, or None when the id is taken."""
        now = time.time()
        with self._tx() as db:
            if db.execute("SELECT 1 FROM jobs WHERE id=?", (job_id,)).fetchone():
                return None
            db.execute(
                "INSERT INTO jobs (id, user_id, session_id, status, progress, draft, created_at, updated_at) "
                "VALUES (?, ?, ?, 'pending', 0, ?, ?, ?)",
                (job_id, user_id, session_id, draft, now, now),
            )
        job = self.job(job_id)
        assert job is not None
        return job

    def job(self, job_id: str, user_id: str | None = None) -> Job | None:
        row = self._one(
            "SELECT id, user_id, session_id, status, progress, eta_s, error, cancelled, output, created_at, "
            "updated_at FROM jobs WHERE id=?",
            (job_id,),
        )
        if row is None or (user_id is not None and row[1] != user_id):
            return None
        r = list(row)
        r[7] = bool(r[7])
        return Job(*r)

    def job_draft(self, job_id: str) -> str | None:
        row = self._one("SELECT draft FROM jobs WHERE id=?", (job_id,))
        return row[0] if row else None

    def update_job(self, job_id: str, **fields: Any) -> None:
        allowed = {"status", "progress", "eta_s", "error", "cancelled", "output"}
        assert set(fields) <= allowed, fields
        cols = ", ".join(f"{k}=?" for k in fields)
        with self._tx() as db:
            db.execute(f"UPDATE jobs SET {cols}, updated_at=? WHERE id=?",
                       (*fields.values(), time.time(), job_id))  # fmt: skip

    def jobs_with_status(self, status: str) -> list[str]:
        return [r[0] for r in self._all("SELECT id FROM jobs WHERE status=? ORDER BY created_at", (status,))]

    def fail_interrupted(self, reason: str) -> list[str]:
        """Mark every job left `processing` by a previous run as failed with `reason` (startup)."""
        with self._tx() as db:
            ids = [r[0] for r in db.execute("SELECT id FROM jobs WHERE status='processing'").fetchall()]
            db.execute("UPDATE jobs SET status='failed', error=?, eta_s=NULL, updated_at=? "
                       "WHERE status='processing'", (reason, time.time()))  # fmt: skip
        return ids


def _stack_plan(
    old: list[tuple[dict[str, Any], int]], new: list[dict[str, Any]]
) -> tuple[list[int] | None, list[tuple[int, str]], list[tuple[dict[str, Any], int]]]:
    """(seqs to delete or None for all, (seq, json) rows to insert, the stack as stored afterwards).

    Pushes, pops and trims of the oldest keep the stored entries in order; anything else (never done by
    the agent today) rewrites the stack. New entries are kept as read back from their JSON, so the cache
    holds exactly what a restart would load.
    """
    where = {id(e): (i, seq) for i, (e, seq) in enumerate(old)}
    kept: list[tuple[dict[str, Any], int]] = []
    fresh: list[dict[str, Any]] = []
    last = -1
    for e in new:
        hit = where.get(id(e))
        if hit is not None and old[hit[0]][0] is e and not fresh and hit[0] > last:
            kept.append((e, hit[1]))
            last = hit[0]
        elif hit is None:
            fresh.append(e)
        else:  # reordered or repeated: store the whole stack again
            kept, fresh = [], list(new)
            break
    rewrite = len(kept) == 0 and len(old) > 0
    kept_seqs = {seq for _e, seq in kept}
    drop = None if rewrite else [seq for _e, seq in old if seq not in kept_seqs]
    nxt = (kept[-1][1] + 1) if kept else 0
    add: list[tuple[int, str]] = []
    after = list(kept)
    for e in fresh:
        text = json.dumps(e, ensure_ascii=False, separators=(",", ":"))
        add.append((nxt, text))
        after.append((json.loads(text), nxt))
        nxt += 1
    return drop, add, after


def _blob(row: tuple[Any, ...]) -> Blob:
    r = list(row)
    r[8] = json.loads(r[8]) if r[8] else None
    return Blob(*r)
