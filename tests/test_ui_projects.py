"""The window's draft lifecycle against the real local engine: projects (save, open, recent, missing media),
autosave and crash recovery, and the timeline's undo stack when the draft changes elsewhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers_ui import make_qloop, run, until
from nemodesk.core.draft import TT_VIDEO
from nemodesk.ui.controller import AppController, AppSettings
from nemodesk.ui.main_window import MainWindow
from nemodesk.ui.qt_timeline import duration_edit

pytest_plugins = ["nemo_fixtures"]


@pytest.fixture
def qloop(qapp):
    yield from make_qloop(qapp)


@pytest.fixture
def make_window(qtbot, qloop, tmp_path):
    made: list[tuple[MainWindow, AppController]] = []

    def make(backend: str = "local", api_url: str = "", **kw) -> tuple[MainWindow, AppController]:
        settings = AppSettings(tmp_path / f"settings-{len(made)}.ini")
        settings.backend = backend
        if api_url:
            settings.api_url = api_url
        c = AppController(settings, engine_data_dir=tmp_path / f"engine-{len(made)}")
        w = MainWindow(c, **kw)
        qtbot.addWidget(w)
        w.show()
        made.append((w, c))
        return w, c

    yield make
    for w, c in made:
        w.close()
        run(qloop, w.aclose(), 60)
        run(qloop, c.aclose(), 60)


def _uploaded(window: MainWindow, n: int) -> bool:
    items = window.tray.item_data()
    return len(items) == n and all(d.media_src for d in items)


def _slideshow(qloop, window: MainWindow, c: AppController, photos: list[Path]) -> None:
    c.start()
    run(qloop, until(lambda: c.ready, 90, "the local engine"))
    window.tray.add_paths(photos)
    run(qloop, until(lambda: _uploaded(window, len(photos)), 60, "uploads"))
    run(qloop, c.send_message("turn my photos into a slideshow video"))
    assert c.draft is not None and len(c.draft.first_track(TT_VIDEO).segments) == len(photos)


def test_a_chat_edit_clears_the_timelines_undo_stack_but_its_own_edits_do_not(qloop, make_window, photos):
    window, c = make_window()
    _slideshow(qloop, window, c, photos[:3])
    timeline = window.pane("timeline")
    assert timeline.undo_stack.count() == 0
    seg = c.draft.first_track(TT_VIDEO).segments[2]
    timeline.canvas.editRequested.emit(*duration_edit(3, seg.d, 2500))  # what dragging photo 3's edge does
    run(qloop, until(lambda: round(c.draft.first_track(TT_VIDEO).segments[2].d) == 2500, 30, "the edit"))
    run(qloop, until(lambda: not c.busy and not c._tasks, 30, "the turn"))
    assert c.draft_source == "timeline"
    assert timeline.undo_stack.count() == 1 and timeline.undo_action.isEnabled()  # its own edit: kept

    run(qloop, c.send_message("remove photo 1"))  # a chat edit: photo 3 is now photo 2
    assert len(c.draft.first_track(TT_VIDEO).segments) == 2 and c.draft_source == "chat"
    assert timeline.undo_stack.count() == 0 and not timeline.undo_action.isEnabled()
    before = c.draft.raw
    timeline.undo_action.trigger()  # Ctrl+Z: nothing to undo, nothing sent
    run(qloop, until(lambda: not c._tasks, 10, "no turn"))
    assert c.draft.raw == before
