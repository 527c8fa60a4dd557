"""Render jobs: a small pool of worker processes fed from a queue, one render per worker at a time.

Renders run in separate processes (multiprocessing, spawn context) so neither the GIL nor a crash in a
codec can stall or kill the server's event loop. Each worker is long-lived (imports Qt and PyAV once) and
talks to the server over two pipes: commands in (render, cancel, stop), events out (progress, done,
failed). A worker that dies mid-render (segfault, OOM kill) shows up as end-of-file on its event pipe:
the job is marked failed with the reason and a fresh worker takes the next job.

Jobs live in the store, so a job left `processing` by an engine that crashed is reported as failed at the
next start ("never processing forever"), and jobs still `pending` are queued again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from nemodesk.engine.store import Store

log = logging.getLogger("nemodesk.engine.jobs")

INTERRUPTED = "The engine stopped while this video was rendering (it crashed or was closed). Export it again."
STOPPED = "The engine was shut down while this video was rendering. Export it again."
CANCELLED = "Export cancelled."
PROGRESS_EVERY_S = 0.25
DB_PROGRESS_EVERY_S = 1.0


# ------------------------------------------------------------------------------------------ worker process


def _worker_main(cmd: Connection, evt: Connection) -> None:
    """Entry point of a render worker process (spawned: must import nothing heavy at module level)."""
    jobs: queue.Queue[tuple[Any, ...] | None] = queue.Queue()
    cancels: dict[str, threading.Event] = {}
    lock = threading.Lock()

    def listen() -> None:
        try:
            while True:
                msg = cmd.recv()
                if msg[0] == "render":
                    with lock:
                        cancels[msg[1]] = threading.Event()
                    jobs.put(msg)
                elif msg[0] == "cancel":
                    with lock:
                        ev = cancels.get(msg[1])
                    if ev is not None:
                        ev.set()
                elif msg[0] == "stop":
                    jobs.put(None)
                    return
        except (EOFError, OSError):
            os._exit(0)  # the engine is gone: nobody will ever read our output

    threading.Thread(target=listen, name="render-commands", daemon=True).start()
    while (msg := jobs.get()) is not None:
        _, job_id, draft_doc, out, media = msg
        with lock:
            cancel = cancels[job_id]
        evt.send(_render_one(job_id, draft_doc, Path(out), media, cancel, evt))
        with lock:
            cancels.pop(job_id, None)


def _render_one(
    job_id: str,
    draft_doc: dict[str, Any],
    out: Path,
    media: dict[str, str],
    cancel: threading.Event,
    evt: Connection,
) -> tuple[Any, ...]:
    from nemodesk.core.draft import Draft
    from nemodesk.core.errors import UserError
    from nemodesk.engine.render import RenderCancelled, ensure_qt_gui, render

    last = [0.0]

    def progress(p: Any) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY_S:
            last[0] = now
            evt.send(("progress", job_id, float(p.fraction), p.eta_s))

    def resolve(src: str) -> Path:
        if src not in media:
            raise UserError(f"The draft refers to media that is not in this session ({src}).")
        return Path(media[src])

    part = out.with_name(out.stem + ".part" + out.suffix)
    try:
        ensure_qt_gui()
        render(Draft.decode(draft_doc), part, resolve=resolve, progress=progress, cancel=cancel)
        os.replace(part, out)
        return ("done", job_id, out.name)
    except RenderCancelled:
        return ("cancelled", job_id)
    except UserError as err:
        return ("failed", job_id, str(err))
    except Exception as err:
        log.exception("render %s failed", job_id)
        return ("failed", job_id, f"The render failed: {type(err).__name__}: {err}")
    finally:
        part.unlink(missing_ok=True)


# -------------------------------------------------------------------------------------------- server side


class _Worker:
    """One worker process and the thread that forwards its events to the event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        ctx = multiprocessing.get_context("spawn")
        cmd_child, self.cmd = ctx.Pipe(duplex=False)
        self.evt, evt_child = ctx.Pipe(duplex=False)
        self.proc = ctx.Process(target=_worker_main, args=(cmd_child, evt_child), name="nemodesk-render",
                                daemon=True)  # fmt: skip
        self.proc.start()
        cmd_child.close()
        evt_child.close()
        self.events: asyncio.Queue[tuple[Any, ...]] = asyncio.Queue()
        self._loop = loop
        self._reader = threading.Thread(target=self._read, name="render-events", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                msg = self.evt.recv()
            except (EOFError, OSError):
                msg = ("eof",)
            try:
                self._loop.call_soon_threadsafe(self.events.put_nowait, msg)
            except RuntimeError:  # loop closed during shutdown
                return
            if msg[0] == "eof":
                return

    def send(self, msg: tuple[Any, ...]) -> bool:
        try:
            self.cmd.send(msg)
            return True
        except (OSError, ValueError):
            return False

    def exit_reason(self) -> str:
        self.proc.join(timeout=2)
        code = self.proc.exitcode
        if code is None:
            return "the render process stopped answering"
        if code < 0:
            return f"the render process was killed by signal {-code}"
        return f"the render process exited with code {code}"

    def stop(self, timeout: float = 3.0) -> None:
        self.send(("stop",))
        self.proc.join(timeout)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(2)
        for conn in (self.cmd, self.evt):
            conn.close()


@dataclass
class Live:
    """The latest progress of a running job (kept in memory; the store is updated about once a second)."""

    progress: float = 0.0  # fraction 0..1, like Remotion Lambda's overallProgress
    eta_s: float | None = None
    saved_at: float = 0.0


class JobManager:
    """Queue and run render jobs; `resolve_media(session_id, src)` maps a draft's media id to a stored file."""

    def __init__(self, store: Store, renders_dir: Path, resolve_media: Callable[[str, str], Path | None],
                 workers: int = 1):  # fmt: skip
        self.store = store
        self.renders_dir = renders_dir
        self.resolve_media = resolve_media
        self.n_workers = max(1, workers)
        self.live: dict[str, Live] = {}
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._workers: list[_Worker | None] = [None] * self.n_workers
        self._running: dict[str, int] = {}  # job id -> worker slot
        self._tasks: list[asyncio.Task[None]] = []
        renders_dir.mkdir(parents=True, exist_ok=True)

    async def start(self) -> None:
        failed = self.store.fail_interrupted(INTERRUPTED)
        if failed:
            log.warning("marked %d interrupted render(s) as failed", len(failed))
        for stale in self.renders_dir.glob("*.part.mp4"):
            stale.unlink(missing_ok=True)
        for job_id in self.store.jobs_with_status("pending"):
            self._queue.put_nowait(job_id)
        self._tasks = [
            asyncio.create_task(self._slot(i), name=f"render-slot-{i}") for i in range(self.n_workers)
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except asyncio.CancelledError:
                pass
        for job_id in list(self._running):
            self.store.update_job(job_id, status="failed", error=STOPPED, eta_s=None)
        self._running.clear()
        workers = [w for w in self._workers if w is not None]
        self._workers = [None] * self.n_workers
        await asyncio.gather(*(asyncio.to_thread(w.stop) for w in workers))

    def submit(self, job_id: str) -> None:
        self._queue.put_nowait(job_id)

    def cancel(self, job_id: str) -> None:
        """Cancel a job: a pending one fails at once; a running one is asked to stop and fails when it has."""
        job = self.store.job(job_id)
        if job is None or job.status in ("completed", "failed"):
            return
        self.store.update_job(job_id, cancelled=1)
        slot = self._running.get(job_id)
        if slot is None:
            self.store.update_job(job_id, status="failed", error=CANCELLED, eta_s=None)
            return
        worker = self._workers[slot]
        if worker is not None:
            worker.send(("cancel", job_id))

    def output_path(self, name: str) -> Path:
        return self.renders_dir / name

    async def _slot(self, slot: int) -> None:
        loop = asyncio.get_running_loop()
        while True:
            job_id = await self._queue.get()
            job = self.store.job(job_id)
            if job is None or job.status != "pending":
                continue
            try:
                await self._run(slot, job_id, job.session_id, loop)
            except asyncio.CancelledError:
                raise
            except Exception as err:  # a bug in the job machinery must not kill the slot
                log.exception("render slot %d failed on %s", slot, job_id)
                self.store.update_job(job_id, status="failed", error=f"Internal error: {err}", eta_s=None)
                self._running.pop(job_id, None)

    async def _run(self, slot: int, job_id: str, session_id: str, loop: asyncio.AbstractEventLoop) -> None:
        draft_doc = json.loads(self.store.job_draft(job_id) or "{}")
        media: dict[str, str] = {}
        for track in draft_doc.get("t") or []:
            for seg in track.get("sg") or []:
                src = (seg.get("m") or {}).get("src")
                if src is not None and src not in media:
                    path = self.resolve_media(session_id, src)
                    if path is None:
                        self.store.update_job(job_id, status="failed",
                                              error=f"The draft refers to unknown media {src}.")  # fmt: skip
                        return
                    media[src] = str(path)
        worker = self._workers[slot]
        if worker is None or not worker.proc.is_alive():
            worker = self._workers[slot] = await asyncio.to_thread(_Worker, loop)
        out = self.renders_dir / f"{job_id}.mp4"
        self.store.update_job(job_id, status="processing", progress=0.0)
        self._running[job_id] = slot
        self.live[job_id] = Live(saved_at=time.monotonic())
        try:
            if not worker.send(("render", job_id, draft_doc, str(out), media)):
                raise _WorkerGone
            latest = self.store.job(job_id)
            if latest is not None and latest.cancelled:  # cancelled before the worker knew the job
                worker.send(("cancel", job_id))
            while True:
                msg = await worker.events.get()
                kind = msg[0]
                if kind == "progress" and msg[1] == job_id:
                    self._progress(job_id, msg[2], msg[3])
                elif kind == "done":
                    self.store.update_job(job_id, status="completed", progress=1.0, eta_s=0, output=msg[2])
                    return
                elif kind == "cancelled":
                    self.store.update_job(job_id, status="failed", error=CANCELLED, eta_s=None)
                    return
                elif kind == "failed":
                    self.store.update_job(job_id, status="failed", error=msg[2], eta_s=None)
                    return
                elif kind == "eof":
                    raise _WorkerGone
        except _WorkerGone:
            reason = await asyncio.to_thread(worker.exit_reason)
            self._workers[slot] = None
            self.store.update_job(job_id, status="failed", eta_s=None,
                                  error=f"The render stopped unexpectedly: {reason}. Export it again.")  # fmt: skip
        finally:
            self._running.pop(job_id, None)
            self.live.pop(job_id, None)

    def _progress(self, job_id: str, fraction: float, eta_s: float | None) -> None:
        live = self.live.get(job_id)
        if live is None:
            return
        live.progress = round(max(0.0, min(1.0, fraction)), 3)
        live.eta_s = None if eta_s is None else round(float(eta_s), 1)
        now = time.monotonic()
        if now - live.saved_at >= DB_PROGRESS_EVERY_S:
            live.saved_at = now
            self.store.update_job(job_id, progress=live.progress, eta_s=live.eta_s)


class _WorkerGone(Exception):
    pass
