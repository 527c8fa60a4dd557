"""The chat pane: keys, streaming without duplicates, chips from the seeds, GUI-speak links, Stop."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl

from nemodesk.core.routing import GuiKind
from nemodesk.ui.controller import AppController, AppSettings
from nemodesk.ui.qt_chat import ChatPane

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


@pytest.fixture
def pane(qtbot, tmp_path):
    c = AppController(AppSettings(tmp_path / "s.ini"), engine_data_dir=tmp_path / "engine")
    c.ready = True
    sent: list[str] = []
    routes: list[str] = []
    c.submit = (
        sent.append
    )  # the pane's job ends at handing the text over; the controller tests cover the rest
    c.submit_route = routes.append
    p = ChatPane(c)
    p.sent, p.routes = sent, routes
    qtbot.addWidget(p)
    p.show()
    yield p
    c.runner.shutdown()


def test_enter_sends_shift_enter_adds_a_line_up_recalls(qtbot, pane):
    box = pane.input
    box.setFocus()
    qtbot.keyClicks(box, "first line")
    qtbot.keyClick(box, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(box, "second line")
    assert box.toPlainText() == "first line\nsecond line"
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert pane.sent == ["first line\nsecond line"]
    assert box.toPlainText() == ""
    qtbot.keyClick(box, Qt.Key.Key_Up)
    assert box.toPlainText() == "first line\nsecond line"
    # Enter on an empty box sends nothing
    box.clear()
    qtbot.keyClick(box, Qt.Key.Key_Enter)
    assert len(pane.sent) == 1


def test_partial_text_is_replaced_by_the_final_text_never_shown_twice(pane):
    c = pane.controller
    c.turnStarted.emit("make a slideshow")
    c.activity.emit("working on: edit timeline")
    for chunk in ("Made ", "Made a slide", "Made a slideshow of 3 pho"):
        c.agentText.emit(chunk, False)
    assert "Made a slideshow of 3 pho …" in pane.transcript()
    c.agentText.emit("Made a slideshow of 3 photos.", True)
    c.turnFinished.emit()
    text = pane.transcript()
    assert text.count("Made a slideshow") == 1
    assert "Made a slideshow of 3 photos." in text and "pho …" not in text
    assert "⚙ working on: edit timeline" in text
    # after the first turn the chips offer follow-ups
    assert "export" in pane.chip_texts()


def test_chips_are_the_seed_examples_and_send_them(pane):
    seeds = "".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
    chips = pane.chip_texts()
    assert len(chips) == 3
    for text in chips:
        assert f'"{text}"' in seeds
    pane.chips.itemAt(1).widget().click()
    assert pane.sent == [chips[0]]


def test_gui_speak_becomes_clickable_actions(pane):
    c = pane.controller
    shown: list[bool] = []
    c.showTimelineRequested.connect(lambda: shown.append(True))
    c.turnStarted.emit("make a slideshow")
    c.agentText.emit(
        "Done! Preview it in the timeline. Drag photo 3 to the front. Click Export to download.", True
    )
    c.turnFinished.emit()
    pane.transcript()  # paints what was waiting
    html = pane.view.toHtml()
    assert "action:0" in html and "action:2" in html
    kinds = [a.kind for a in pane._actions]
    assert kinds == [GuiKind.SHOW_TIMELINE, GuiKind.SEND_EDIT, GuiKind.EXPORT]
    pane._anchor(QUrl("action:0"))
    assert shown and pane.routes == ["status"]
    pane._anchor(QUrl("action:1"))
    assert pane.sent == ["move photo 3 to the front."]
    pane._anchor(QUrl("action:2"))
    assert pane.routes[-1] == "export"
    assert "Export the video" in pane.transcript()


def test_send_becomes_stop_while_busy_and_stop_cancels(pane):
    c = pane.controller
    stopped: list[bool] = []
    c.stop_turn = lambda: stopped.append(True)
    c.busyChanged.emit(True)
    assert pane.send_button.text() == "Stop" and pane.send_button.isEnabled()
    pane.input.setPlainText("another message")
    pane.send_button.click()
    assert stopped == [True] and pane.sent == []  # nothing is sent (or re-sent) while a turn runs
    c.busyChanged.emit(False)
    assert pane.send_button.text() == "Send"
    pane.send_button.click()
    assert pane.sent == ["another message"]


def test_not_ready_backend_says_so_instead_of_sending(pane):
    pane.controller.ready = False
    pane.send("hello")
    assert pane.sent == []
    assert "not ready" in pane.transcript()


def test_errors_notices_and_local_replies_are_shown(pane):
    c = pane.controller
    c.errorShown.emit("You have run out of NemoVideo credits. Register to get more credits: https://x")
    c.notice.emit("Still working...")
    c.appReply.emit("Local engine: unlimited.")
    text = pane.transcript()
    assert "⚠ You have run out" in text and "Still working..." in text and "NemoDesk" in text


def test_chips_follow_the_timeline_an_opened_project_gets_follow_ups(pane, photos):
    from nemodesk.core.draft import Draft
    from nemodesk.core.slideshow import MediaRef, build_slideshow

    starters = pane.chip_texts()
    draft = build_slideshow([MediaRef(f"media:{i}", p.name) for i, p in enumerate(photos[:3])])
    pane.controller.draftChanged.emit(draft)  # what opening a project does, without a chat turn
    assert pane.chip_texts() == pane.followup_examples() and "export" in pane.chip_texts()
    pane.controller.busyChanged.emit(True)
    pane.controller.draftChanged.emit(Draft.new())  # a new, empty project while a turn is running
    assert pane.chip_texts() == starters
    chips = [pane.chips.itemAt(i).widget() for i in range(1, pane.chips.count())]
    assert chips and not any(w.isEnabled() for w in chips)
    pane.controller.draftChanged.emit(None)
    assert pane.chip_texts() == starters
