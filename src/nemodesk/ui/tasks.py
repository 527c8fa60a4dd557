"""CPU work off the GUI thread, with the result (or the error) delivered back on the GUI thread.

Picard's `run_task` and Anki's `QueryOp` in small: a `TaskRunner` owns a private `QThreadPool`, runs a
plain function there and calls `on_result(value)` or `on_error(exc)` in the GUI thread through a queued
signal. Results of tasks whose runner was shut down are dropped, never delivered to half-destroyed widgets.

Only the function runs on the worker thread, so it must not touch widgets or QPixmap (QImage is fine).
`await runner.run(fn, ...)` gives the same thing to coroutines on the qasync loop.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)


class _Relay(QObject):
    """Lives in the GUI thread; worker threads emit on it, so the slot runs in the GUI thread."""

    finished = Signal(int, object, object)  # task id, result, error


class _Job(QRunnable):
    def __init__(self, relay: _Relay, task_id: int, fn: Callable[[], Any]):
        super().__init__()
        self.setAutoDelete(True)
        self._relay, self._id, self._fn = relay, task_id, fn

    def run(self) -> None:
        try:
            result = self._fn()
        except BaseException as err:  # delivered to the caller's on_error, never lost in a thread
            try:
                self._relay.finished.emit(self._id, None, err)
            except RuntimeError:  # relay already deleted: the runner was shut down
                pass
            return
        try:
            self._relay.finished.emit(self._id, result, None)
        except RuntimeError:
            pass


class TaskRunner(QObject):
    """A thread pool for thumbnails, file checks and other CPU work; see the module docstring."""

    def __init__(self, parent: QObject | None = None, max_threads: int = 2):
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._relay = _Relay(self)
        self._relay.finished.connect(self._deliver)
        self._ids = itertools.count(1)
        self._pending: dict[
            int, tuple[Callable[[Any], None] | None, Callable[[BaseException], None] | None]
        ] = {}
        self._closed = False

    def run_task(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_result: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        **kwargs: Any,
    ) -> int:
        """Run `fn(*args, **kwargs)` on the pool; returns a task id usable with `discard`."""
        if self._closed:
            raise RuntimeError("TaskRunner is shut down")
        task_id = next(self._ids)
        self._pending[task_id] = (on_result, on_error)
        self._pool.start(_Job(self._relay, task_id, lambda: fn(*args, **kwargs)))
        return task_id

    async def run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Await `fn(*args)` run on the pool (for coroutines on the qasync loop)."""
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

        def ok(value: Any) -> None:
            if not fut.done():
                fut.set_result(value)

        def bad(err: BaseException) -> None:
            if not fut.done():
                fut.set_exception(err)

        task_id = self.run_task(fn, *args, on_result=ok, on_error=bad, **kwargs)
        try:
            return await fut
        finally:
            self.discard(task_id)

    def discard(self, task_id: int) -> None:
        """Forget a task's callbacks: its result, when it comes, is dropped."""
        self._pending.pop(task_id, None)

    @property
    def busy(self) -> int:
        return len(self._pending)

    def wait(self, msecs: int = -1) -> bool:
        """Block until every started task has finished (tests, shutdown). Results still arrive by signal."""
        try:
            return self._pool.waitForDone(msecs)
        except RuntimeError:  # already deleted with its parent
            return True

    def shutdown(self, msecs: int = 10_000) -> None:
        """Drop queued work, wait for running work, forget callbacks. Safe to call twice."""
        self._closed = True
        self._pending.clear()
        try:
            self._pool.clear()
            if not self._pool.waitForDone(msecs):
                log.warning("worker threads still busy after %d ms", msecs)
        except RuntimeError:  # the pool's C++ object went with its parent: its threads were joined then
            pass

    def _deliver(self, task_id: int, result: Any, error: Any) -> None:
        on_result, on_error = self._pending.pop(task_id, (None, None))
        if error is not None:
            if on_error is not None:
                on_error(error)
            else:
                log.error("background task failed", exc_info=error)
        elif on_result is not None:
            on_result(result)
