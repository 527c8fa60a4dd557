"""Helpers for the window tests: a qasync loop per test, synthetic drops, waiting on conditions.

One QApplication for the session comes from pytest-qt (`qapp`); each test that needs asyncio gets its
own qasync loop on it (a `qloop` fixture built on `make_qloop`), closed afterwards so no timers or tasks
outlive the test.
"""

from __future__ import annotations

import asyncio
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget

# isort: split
import qasync


def make_qloop(qapp: QApplication) -> Iterator[qasync.QEventLoop]:
    """A qasync loop on the session's QApplication; on exit, fails if tasks were left running."""
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for t in pending:
            t.cancel()
        if pending:
            run(loop, asyncio.gather(*pending, return_exceptions=True))
        loop.close()
        asyncio.set_event_loop(None)
        assert not pending, f"test left asyncio tasks running: {pending}"


def run(loop: asyncio.AbstractEventLoop, coro: Any, timeout: float = 120) -> Any:
    """Run the loop until `coro` is done; other tasks (an upload under way) pause and carry on at the next run.

    Not `loop.run_until_complete`: qasync's processes Qt events once more after it has unset the running
    loop, so a task step that happens to run then fails with "no running event loop" (anyio, httpx).
    """
    fut = asyncio.ensure_future(asyncio.wait_for(coro, timeout), loop=loop)
    fut.add_done_callback(lambda _f: loop.stop())
    loop.run_forever()
    return fut.result()


async def until(cond: Callable[[], bool], timeout: float = 60, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def drop_files(target: QWidget, files: list[Path]) -> QDropEvent:
    """Drag local files over `target` and drop them, as the desktop does (enter, move, drop)."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(f)) for f in files])
    viewport = getattr(target, "viewport", None)
    receiver = viewport() if viewport else target
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # PySide marks the QPoint overloads
        enter = QDragEnterEvent(QPoint(10, 10), *args)
        QApplication.sendEvent(receiver, enter)
        assert enter.isAccepted(), "the drop target refused the drag"
        QApplication.sendEvent(receiver, QDragMoveEvent(QPoint(12, 12), *args))
        ev = QDropEvent(QPointF(12, 12), *args)
        QApplication.sendEvent(receiver, ev)
    assert ev.isAccepted(), "the drop was not accepted"
    return ev
