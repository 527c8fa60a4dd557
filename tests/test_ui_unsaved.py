"""Unsaved changes: Quit, Open project and New project ask "Save changes to <name>?" (Save / Don't Save /
Cancel) in a box opened with open(), and the autosave remembers the project's file so a recovery reopens it
under its own name. The answers are given by clicking the box's own buttons."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtWidgets import QFileDialog, QMessageBox

from helpers_ui import make_qloop, run, until
from nemodesk.core import project as projects
from nemodesk.core.draft import Draft
from nemodesk.ui.controller import AppController, AppSettings
from nemodesk.ui.main_window import MainWindow

B = QMessageBox.StandardButton


@pytest.fixture
def qloop(qapp):
    yield from make_qloop(qapp)


@pytest.fixture
def window(qapp, qtbot, qloop, tmp_path):
    """A window whose draft was edited by a chat turn (so it has unsaved changes); no backend needed."""
    quits = qapp.quitOnLastWindowClosed()
    qapp.setQuitOnLastWindowClosed(False)  # as launch.py does: closing the window must not stop the loop
    c = AppController(AppSettings(tmp_path / "settings.ini"), engine_data_dir=tmp_path / "engine")
    w = MainWindow(c)
    qtbot.addWidget(w)
    w.show()
    closed: list[bool] = []
    w.closed.connect(lambda: closed.append(True))
    w.closed_log = closed  # type: ignore[attr-defined]
    c._set_draft(Draft.new(320, 180, title="Lisbon"), "chat")
    assert w.isWindowModified() and w.windowTitle() == "Lisbon[*] — NemoDesk"
    yield w
    if shiboken6.isValid(w):
        w.setWindowModified(False)
        w.close()
    run(qloop, w.aclose(), 60)
    run(qloop, c.aclose(), 60)
    qapp.setQuitOnLastWindowClosed(quits)


def _box(w: MainWindow) -> QMessageBox:
    box = w._unsaved_box
    assert box is not None and box.isVisible(), "the Save changes? question was not asked"
    assert box.text() == f"Save changes to {w.project_display_name()}?"
    assert box.button(B.Discard).text() == "Don't Save"
    return box


def _saved_draft(path: Path) -> dict:
    with zipfile.ZipFile(path) as z:
        return json.loads(z.read("draft.json"))


def _file_dialog(w: MainWindow) -> QFileDialog | None:
    dlg = getattr(w, "_dialog", None)
    return dlg if dlg is not None and shiboken6.isValid(dlg) and dlg.isVisible() else None


# ------------------------------------------------------------------------------------------------ Quit


def test_quit_cancel_keeps_the_window_and_its_changes(qloop, qtbot, window):
    window.quit_action.trigger()
    assert window.isVisible()  # the close was ignored: the question is open
    _box(window).button(B.Cancel).click()
    qtbot.wait(50)
    assert window.isVisible() and window.isWindowModified() and not window.closed_log
    assert window._unsaved_box is None
    window.quit_action.trigger()
    assert window.isVisible()  # asked again on the next Quit
    _box(window).button(B.Cancel).click()


def test_quit_dont_save_closes_without_writing(qloop, qtbot, window, tmp_path):
    window.project_path = tmp_path / "lisbon.nemodesk"
    window.quit_action.trigger()
    _box(window).button(B.Discard).click()
    qtbot.waitUntil(lambda: bool(window.closed_log), timeout=5000)
    assert not window.isVisible() and not (tmp_path / "lisbon.nemodesk").exists()


def test_quit_save_writes_the_project_then_closes(qloop, qtbot, window, tmp_path):
    target = tmp_path / "lisbon.nemodesk"
    target.write_bytes(b"an older save")
    window.project_path = target
    window.quit_action.trigger()
    _box(window).button(B.Save).click()
    run(qloop, until(lambda: bool(window.closed_log), 30, "the save and the close"))
    assert _saved_draft(target)["m"]["title"] == "Lisbon"
    assert not window.isVisible() and not window.isWindowModified()


def test_quit_save_of_an_untitled_project_asks_for_a_file_and_cancelling_that_keeps_it_open(
    qloop, qtbot, window
):
    window.quit_action.trigger()
    _box(window).button(B.Save).click()
    dlg = _file_dialog(window)
    assert dlg is not None and dlg.acceptMode() == QFileDialog.AcceptMode.AcceptSave
    dlg.reject()  # the user cancels Save As: nothing is lost, the window stays
    qtbot.wait(50)
    assert window.isVisible() and window.isWindowModified() and not window.closed_log


# ------------------------------------------------------------------------------------------------ Open


def test_open_cancel_opens_no_file_dialog(qloop, qtbot, window):
    window.open_project_action.trigger()
    _box(window).button(B.Cancel).click()
    qtbot.wait(50)
    assert _file_dialog(window) is None and window.isWindowModified()


def test_open_dont_save_goes_straight_to_the_open_dialog(qloop, qtbot, window, tmp_path):
    window.project_path = tmp_path / "lisbon.nemodesk"
    window.open_project_action.trigger()
    _box(window).button(B.Discard).click()
    dlg = _file_dialog(window)
    assert dlg is not None and dlg.acceptMode() == QFileDialog.AcceptMode.AcceptOpen
    assert not (tmp_path / "lisbon.nemodesk").exists()
    dlg.reject()


def test_open_save_on_an_untitled_project_saves_as_then_opens_the_open_dialog(qloop, qtbot, window, tmp_path):
    window.open_project_action.trigger()
    _box(window).button(B.Save).click()
    save_as = _file_dialog(window)
    assert save_as is not None and save_as.acceptMode() == QFileDialog.AcceptMode.AcceptSave
    target = tmp_path / "chosen.nemodesk"
    save_as.fileSelected.emit(str(target))  # what choosing a file and pressing Save sends
    save_as.reject()
    run(qloop, until(lambda: not window.isWindowModified(), 30, "the save"))
    assert _saved_draft(target)["m"]["title"] == "Lisbon"
    assert window.project_path == target and window.windowTitle() == "chosen[*] — NemoDesk"
    run(qloop, until(lambda: _file_dialog(window) is not None, 10, "the open dialog"))
    dlg = _file_dialog(window)
    assert dlg.acceptMode() == QFileDialog.AcceptMode.AcceptOpen
    dlg.reject()


def test_a_close_from_code_does_not_ask(qloop, qtbot, window):
    window.close()  # shutting down (or a test tearing down): only Quit and the title bar ask
    assert window._unsaved_box is None and bool(window.closed_log)


def test_no_question_without_unsaved_changes(qloop, qtbot, window):
    window.setWindowModified(False)
    window.open_project_action.trigger()
    assert window._unsaved_box is None and _file_dialog(window) is not None
    _file_dialog(window).reject()


# -------------------------------------------------------------------------------- autosave remembers the file


def test_autosave_remembers_the_project_file_and_old_autosaves_still_load(tmp_path):
    draft = Draft.new(320, 180, title="Lisbon")
    auto = projects.Autosave(tmp_path / "autosave")
    auto.start()
    trip = tmp_path / "projects" / "trip.nemodesk"
    auto.save(draft, lambda _src: None, trip)
    assert auto.load(tmp_path / "m").origin == trip.absolute()
    assert projects.project_origin(auto.file) == trip.absolute()
    auto.save(draft, lambda _src: None)  # untitled work names no file
    assert auto.load(tmp_path / "m").origin is None and projects.project_origin(auto.file) is None
    # an autosave written before the field existed: same format, no "origin"
    with zipfile.ZipFile(auto.file) as z:
        manifest = json.loads(z.read("manifest.json"))
    assert "origin" not in manifest
    old = tmp_path / "old.nemodesk"
    with zipfile.ZipFile(old, "w") as z:
        z.writestr("manifest.json", json.dumps(manifest))
        z.writestr("draft.json", draft.dumps())
    opened = projects.open_project(old, tmp_path / "m")
    assert opened.origin is None and opened.draft.canvas.title == "Lisbon"
    assert projects.project_origin(tmp_path / "missing.nemodesk") is None
    auto.stop()


def test_the_windows_autosave_names_its_project_file(qloop, qtbot, window, tmp_path):
    window.autosave = projects.Autosave(tmp_path / "autosave")
    assert window.start_autosave() is None
    written: list[str] = []
    window.autosaved.connect(written.append)
    window.project_path = tmp_path / "trip.nemodesk"
    window.autosave_now()
    run(qloop, until(lambda: bool(written), 30, "the autosave"))
    assert projects.project_origin(Path(written[0])) == tmp_path / "trip.nemodesk"
