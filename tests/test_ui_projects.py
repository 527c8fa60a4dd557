"""The window's draft lifecycle against the real local engine: projects (save, open, recent, missing media),
autosave and crash recovery, and the timeline's undo stack when the draft changes elsewhere."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtWidgets import QApplication, QMessageBox

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
        # pytest-qt has already closed and deleteLater'd every window: a second window's C++ side can be
        # gone by the time its turn comes here (its aclose must still stop what runs)
        if shiboken6.isValid(w):
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


def _sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _shape(draft) -> list:
    """A draft without its media ids: what must survive a save and an open."""
    raw = json.loads(draft.dumps())
    for t in raw.get("t") or []:
        for seg in t.get("sg") or []:
            (seg.get("m") or {}).pop("src", None)
    return raw


def test_save_quit_reopen_from_the_command_line_and_a_file_open_event(
    qloop, qtbot, qapp, make_window, photos, tmp_path
):
    from PySide6.QtGui import QFileOpenEvent

    from nemodesk.core.project import recent_projects
    from nemodesk.ui.launch import project_args
    from nemodesk.ui.main_window import FileOpener

    window, c = make_window()
    _slideshow(qloop, window, c, photos[:3])
    run(qloop, c.send_message("add a title “Lisbon”"))
    assert window.isWindowModified() and window.windowTitle() == "Lisbon[*] — NemoDesk"
    original = c.draft.copy()
    files = [c.resolve_media(s.src) for t in original.tracks for s in t.segments if s.src]
    assert all(files)  # photos and the engine's music bed
    target = tmp_path / "projects" / "trip"  # the suffix is added
    window.save_project_to(target)
    run(qloop, until(lambda: not window.isWindowModified(), 30, "the save"))
    saved = tmp_path / "projects" / "trip.nemodesk"
    assert saved.is_file() and window.project_path == saved
    assert window.windowTitle() == "trip[*] — NemoDesk"
    assert recent_projects()[0] == saved.resolve()
    window.close()
    run(qloop, window.aclose(), 60)
    run(qloop, c.aclose(), 60)

    # a second run, started with the project on its command line: it opens once the engine is ready
    assert project_args(["--verbose", str(saved), "notes.txt"]) == [saved]
    w2, c2 = make_window()
    opened: list = []
    w2.projectOpened.connect(opened.append)
    w2.open_project_file(project_args([str(saved)])[0])
    assert "opens as soon as the backend is ready" in w2.status_label.text()
    c2.start()
    run(qloop, until(lambda: bool(opened), 90, "the project to open"))
    assert not opened[0].missing and not opened[0].local_only
    assert _shape(c2.draft) == _shape(original)
    # every photo went to the new session and the draft names the new uploads; the files match
    new_files = [c2.resolve_media(s.src) for t in c2.draft.tracks for s in t.segments if s.src]
    assert [_sha(f) for f in new_files] == [_sha(f) for f in files]
    assert len(w2.tray.item_data()) == 3 and all(d.media_src for d in w2.tray.item_data())
    # the engine holds it: its state is the same draft, and a chat edit starts from it
    st = run(qloop, c2.client.state(c2.session_id))
    assert st.draft.raw == c2.draft.raw
    timeline = w2.pane("timeline")
    assert len(timeline.canvas.draft.first_track(TT_VIDEO).segments) == 3
    assert w2.windowTitle() == "trip[*] — NemoDesk" and not w2.isWindowModified()
    assert "Opened “Lisbon”" in w2.chat.transcript()
    run(qloop, c2.send_message("make photo 1 last 5 seconds"))
    segs = c2.draft.first_track(TT_VIDEO).segments
    assert round(segs[0].d) == 5000 and len(segs) == 3 and w2.isWindowModified()
    # macOS: a double-clicked project arrives as a QFileOpenEvent on the application. The window has unsaved
    # changes, so it asks first, as File > Open does: Cancel keeps them, Don't Save opens the file.
    B = QMessageBox.StandardButton
    opener = FileOpener(w2)
    qapp.installEventFilter(opener)
    try:
        before = len(opened)
        QApplication.sendEvent(qapp, QFileOpenEvent(str(saved)))
        box = w2._unsaved_box
        assert box is not None and box.isVisible() and box.text() == "Save changes to trip?"
        box.button(B.Cancel).click()
        qtbot.wait(200)
        assert len(opened) == before and round(c2.draft.first_track(TT_VIDEO).segments[0].d) == 5000
        assert w2.isWindowModified()
        QApplication.sendEvent(qapp, QFileOpenEvent(str(saved)))
        w2._unsaved_box.button(B.Discard).click()
        run(qloop, until(lambda: len(opened) > before, 60, "the file-open event"))
    finally:
        qapp.removeEventFilter(opener)
    assert round(c2.draft.first_track(TT_VIDEO).segments[0].d) != 5000  # the saved one again
    assert _shape(c2.draft) == _shape(original)


def test_a_project_with_missing_media_says_which_and_opens_the_rest(qloop, make_window, photos, tmp_path):
    window, c = make_window()
    _slideshow(qloop, window, c, photos[:3])
    saved = run(qloop, c.save_project(tmp_path / "p.nemodesk"))
    # take photo 2 out of the file, as a damaged copy or an older save with a file gone would be
    damaged = tmp_path / "damaged.nemodesk"
    with zipfile.ZipFile(saved) as src, zipfile.ZipFile(damaged, "w") as out:
        for info in src.infolist():
            if photos[1].name not in info.filename:
                out.writestr(info, src.read(info.filename))
    opened: list = []
    window.projectOpened.connect(opened.append)
    window.open_project_file(damaged)
    run(qloop, until(lambda: bool(opened), 60, "the project"))
    assert opened[0].missing == [photos[1].name]
    names = [s.name for s in c.draft.first_track(TT_VIDEO).segments]
    assert names == [photos[0].name, photos[2].name]
    assert f"These files are missing and were left out: {photos[1].name}." in window.chat.transcript()
    st = run(qloop, c.client.state(c.session_id))
    assert st.draft.raw == c.draft.raw  # what is left is a valid draft the engine took
    # and a file that is not a project at all says so, leaving the timeline alone
    bad = tmp_path / "bad.nemodesk"
    bad.write_text("not a zip")
    before = c.draft.raw
    window.open_project_file(bad)
    run(
        qloop,
        until(lambda: "bad.nemodesk is not a NemoDesk project" in window.chat.transcript(), 30, "error"),
    )
    assert c.draft.raw == before


def test_crash_recovery_offers_the_autosave_and_restores_the_timeline(
    qloop, qtbot, make_window, photos, tmp_path
):
    from nemodesk.core.project import Autosave

    root = tmp_path / "autosave"
    window, c = make_window(autosave=Autosave(root))
    assert window.start_autosave() is None  # a first run: nothing to recover
    window._autosave_timer.setInterval(100)
    written: list[str] = []
    window.autosaved.connect(written.append)
    _slideshow(qloop, window, c, photos[:3])
    run(qloop, c.send_message("make photo 2 last 4 seconds"))
    run(qloop, until(lambda: bool(written) and not window._autosaving and not window._autosave_timer.isActive(),
                     30, "the autosave"))  # fmt: skip
    expected = c.draft.copy()
    # the process dies here: what it leaves on disk is its marker and its autosave
    crashed = {p.name: p.read_bytes() for p in root.iterdir()}
    assert set(crashed) == {"running.lock", "autosave.nemodesk"}
    window.close()
    run(qloop, window.aclose(), 60)
    run(qloop, c.aclose(), 60)
    assert not (root / "running.lock").exists()  # a clean exit leaves nothing to recover...
    for name, data in crashed.items():  # ...so put back what the crash left
        (root / name).write_bytes(data)

    w2, c2 = make_window(autosave=Autosave(root))
    assert w2.start_autosave() is not None
    assert w2.recovery_bar.isVisibleTo(w2) and "did not close properly" in w2.recovery_label.text()
    opened: list = []
    w2.projectOpened.connect(opened.append)
    c2.start()
    w2.recover_button.click()  # before the engine is ready: it waits for it
    run(qloop, until(lambda: bool(opened), 90, "the recovery"))
    assert not w2.recovery_bar.isVisibleTo(w2) and w2.recovery_file is None
    assert _shape(c2.draft) == _shape(expected)
    assert round(c2.draft.first_track(TT_VIDEO).segments[1].d) == 4000
    assert len(w2.pane("timeline").canvas.draft.first_track(TT_VIDEO).segments) == 3
    assert w2.isWindowModified()  # recovered, not saved anywhere yet
    assert [c2.resolve_media(s.src) for s in c2.draft.first_track(TT_VIDEO).segments] == [
        p.absolute() for p in photos[:3]
    ]  # the autosave linked the user's own files


def test_a_project_opened_on_the_cloud_is_viewed_and_exported_on_this_computer(
    qloop, make_window, nemo_server, photos, tmp_path
):
    import av

    window, c = make_window()
    _slideshow(qloop, window, c, photos[:2])
    run(qloop, c.send_message("make each photo 1 second"))
    saved = run(qloop, c.save_project(tmp_path / "short.nemodesk"))
    original = c.draft.copy()

    w2, c2 = make_window("cloud", nemo_server.url)
    c2.settings.output_dir = str(tmp_path / "videos")
    opened: list = []
    w2.projectOpened.connect(opened.append)
    c2.start()
    run(qloop, until(lambda: c2.ready, 30, "the cloud"))
    w2.open_project_file(saved)
    run(qloop, until(lambda: bool(opened), 60, "the project"))
    assert opened[0].local_only and c2.local_only and not opened[0].missing
    assert "open on this computer only" in w2.chat.transcript()
    assert _shape(c2.draft) == _shape(original)
    assert all(c2.resolve_media(s) is not None for s in c2.draft.media_ids())  # preview and export draw them
    assert len(w2.pane("timeline").canvas.draft.first_track(TT_VIDEO).segments) == 2
    # the photos went to the cloud session too (the agent can use them in the next message)
    assert sum(1 for r in nemo_server.requests if r.path.startswith("/api/upload-video/")) >= 2
    # "status" does not replace the opened timeline with the cloud session's own (empty) one
    run(qloop, c2.send_message("status"))
    assert _shape(c2.draft) == _shape(original)
    # export: rendered here, no cloud render submitted
    exports = w2.pane("exports")
    done: list = []
    exports.exportFinished.connect(lambda _j, p: done.append(p))
    run(qloop, c2.send_message("export"))
    run(qloop, until(lambda: bool(done), 120, "the local export"))
    assert not any(r.path.startswith("/api/render/") for r in nemo_server.requests)
    out = Path(done[0])
    assert out == tmp_path / "videos" / "short.mp4"  # named for the project (the video has no title)
    with av.open(str(out)) as f:
        frames = sum(1 for _ in f.decode(video=0))
    assert abs(frames - round(original.duration_ms() / 1000 * original.canvas.fps)) <= 1
