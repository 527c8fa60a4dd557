"""The app wiring against real backends: the local engine (a real subprocess) and the protocol test server."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from helpers_ui import make_qloop, run, until
from nemodesk.core import nemo_errors as ne
from nemodesk.core.draft import TT_AUDIO, TT_VIDEO
from nemodesk.core.errors import UserError
from nemodesk.ui.controller import AppController, AppSettings, human_error
from nemodesk.ui.main_window import MainWindow
from nemodesk.ui.tasks import TaskRunner

pytest_plugins = ["nemo_fixtures"]


@pytest.fixture
def qloop(qapp):
    yield from make_qloop(qapp)


class Recorder:
    """Collects what the controller's signals said."""

    def __init__(self, c: AppController):
        self.replies: list[str] = []
        self.errors: list[str] = []
        self.notices: list[str] = []
        self.texts: list[tuple[str, bool]] = []
        self.exports = 0
        c.appReply.connect(self.replies.append)
        c.errorShown.connect(self.errors.append)
        c.notice.connect(self.notices.append)
        c.agentText.connect(lambda t, f: self.texts.append((t, f)))
        c.exportRequested.connect(self._export)

    def _export(self) -> None:
        self.exports += 1


@pytest.fixture
def make_window(qtbot, qloop, tmp_path):
    made: list[tuple[MainWindow, AppController]] = []

    def make(backend: str = "local", api_url: str = "") -> tuple[MainWindow, AppController]:
        settings = AppSettings(tmp_path / f"settings-{len(made)}.ini")
        settings.backend = backend
        if api_url:
            settings.api_url = api_url
        c = AppController(settings, engine_data_dir=tmp_path / "engine")
        w = MainWindow(c)
        qtbot.addWidget(w)
        w.show()
        made.append((w, c))
        return w, c

    yield make
    for w, c in made:
        w.close()
        run(qloop, w.aclose(), 60)
        run(qloop, c.aclose(), 60)


def test_chat_turn_with_the_real_local_engine_builds_the_timeline_the_window_shows(
    qloop,
    make_window,
    photos,
    music,
):
    window, c = make_window()
    rec = Recorder(c)
    states: list[str] = []
    c.backendStatus.connect(lambda s, _t: states.append(s))
    c.start()
    run(qloop, until(lambda: c.ready, 90, "the local engine"))
    assert states[0] == "starting" and states[-1] == "ready"
    assert window.account.credits.text() == "Local, unlimited"

    # photos dropped in the tray are checked, then uploaded in tray order with per-file progress
    progress: list[tuple[str, float]] = []
    c.uploadProgress.connect(lambda p, f: progress.append((p, f)))
    window.tray.add_paths([*photos[:3], music])
    run(qloop, until(lambda: len(window.tray.item_data()) == 4 and all(d.media_src for d in window.tray.item_data()),
                     60, "uploads"))  # fmt: skip
    assert {Path(p) for p, _f in progress} == {p.absolute() for p in [*photos[:3], music]}
    assert any(f == 1.0 for _p, f in progress)

    run(qloop, c.send_message("turn my photos into a slideshow video with transitions and music"))
    assert not rec.errors, rec.errors
    draft = c.draft
    assert draft is not None
    video = draft.first_track(TT_VIDEO)
    assert video is not None and len(video.segments) == 3
    assert draft.first_track(TT_AUDIO) is not None
    # the compositor can find the user's own files behind the draft's media ids
    resolved = [c.resolve_media(s.src) for s in video.segments]
    assert resolved == [p.absolute() for p in photos[:3]]
    # the agent's words streamed in and ended with one final text; the chat shows it once
    assert rec.texts and rec.texts[-1][1] is True
    final = rec.texts[-1][0]
    assert window.chat.transcript().count(final.splitlines()[0]) == 1
    # the timeline pane shows that draft
    timeline = window.pane("timeline")
    assert timeline.canvas.draft is not None
    assert len(timeline.canvas.draft.first_track(TT_VIDEO).segments) == 3
    assert timeline.canvas.total_ms() == pytest.approx(draft.duration_ms())

    # the routing table acts locally: no agent turn for credits, status, export (English and Chinese)
    n_texts = len(rec.texts)
    run(qloop, c.send_message("credits"))
    assert "unlimited" in rec.replies[-1]
    run(qloop, c.send_message("状态"))
    assert rec.replies[-1].startswith("Timeline (")
    run(qloop, c.send_message("导出"))
    assert rec.exports == 1
    assert len(rec.texts) == n_texts  # the agent was never asked


def test_export_route_with_an_empty_timeline_says_so(qloop, make_window):
    window, c = make_window()
    rec = Recorder(c)
    c.start()
    run(qloop, until(lambda: c.ready, 90, "the local engine"))
    run(qloop, c.send_message("export"))
    assert rec.exports == 0
    assert "nothing to export" in rec.replies[-1]
    assert "nothing to export" in window.chat.transcript()


def test_engine_that_cannot_start_says_why_and_offers_retry(qloop, make_window, monkeypatch):
    from nemodesk.engine import launcher

    def broken(**_kw):
        raise launcher.EngineStartError("The local engine did not start: port in use.", "See the log.")

    monkeypatch.setattr(launcher, "start_engine", broken)
    window, c = make_window()
    c.start()
    run(qloop, until(lambda: window.account.retry.isVisible(), 30, "the failure"))
    assert "port in use" in window.account.status.text()
    assert not c.ready
    monkeypatch.undo()
    window.account.retry.click()
    run(qloop, until(lambda: c.ready, 90, "the retried engine"))
    assert not window.account.retry.isVisible()


# ------------------------------------------------------------------------------------- cloud + errors


def test_cloud_backend_low_credits_and_2001_show_the_register_link(qloop, make_window, nemo_server):
    nemo_server.faults.credits_available = 3
    window, c = make_window("cloud", nemo_server.url)
    rec = Recorder(c)
    c.start()
    run(qloop, until(lambda: c.ready and c.credits is not None, 30, "the cloud"))
    assert c.credits["low"] and "register" in c.credits["register_url"]
    assert "running low" in window.account.credits.text()
    assert "nemovideo.com/register?bind=" in window.account.credits.text()
    nemo_server.faults.no_credits = True
    run(qloop, c.send_message("make the photos shorter"))
    shown = window.chat.transcript()
    assert ne.NoCredits.default_message in shown
    assert "nemovideo.com/register?bind=" in shown
    assert any(ne.NoCredits.default_message in e for e in rec.errors)


def test_lost_session_starts_a_new_one_and_says_so(qloop, make_window, nemo_server):
    window, c = make_window("cloud", nemo_server.url)
    rec = Recorder(c)
    c.start()
    run(qloop, until(lambda: c.ready, 30, "the cloud"))
    old = c.session_id
    nemo_server.faults.lose_session = True
    run(qloop, c.send_message("make the photos shorter"))
    assert c.session_id != old
    assert any(ne.SessionNotFound.default_message in e for e in rec.errors)
    assert "new project" in window.chat.transcript().lower() or "new one" in window.chat.transcript().lower()


ERRORS = sorted({*((None, code) for code in ne.CODE_TABLE), *((status, None) for status in ne.STATUS_TABLE),
                 (500, None), (503, None)}, key=str)  # fmt: skip


@pytest.mark.parametrize(("status", "code"), ERRORS)
def test_every_protocol_error_is_shown_as_its_human_message(qloop, qtbot, status, code, tmp_path):
    """Errors from any task the controller runs reach the chat as the protocol's message and action."""
    from nemodesk.ui.qt_chat import ChatPane

    c = AppController(AppSettings(tmp_path / "s.ini"), engine_data_dir=tmp_path / "engine")
    pane = ChatPane(c)
    qtbot.addWidget(pane)
    err = ne.error_for(status, code)
    assert isinstance(err, UserError)

    async def failing() -> None:
        raise err

    task = c.spawn(failing())
    run(qloop, asyncio.wait([task]))
    qtbot.waitUntil(lambda: err.message in pane.transcript(), timeout=5000)
    shown = pane.transcript()
    assert err.message in shown  # the protocol's message, word for word
    assert human_error(err) in shown  # with its action (pointing at Settings where the CLI's would not fit)
    assert "Traceback" not in shown
    assert "nemodesk-cli" not in shown
    run(qloop, c.aclose())


def test_task_runner_delivers_results_and_errors_on_the_gui_thread(qtbot):
    import threading

    runner = TaskRunner()
    got: list[object] = []
    main = threading.get_ident()
    runner.run_task(
        lambda: threading.get_ident(), on_result=lambda r: got.append((r != main, threading.get_ident()))
    )
    runner.run_task(lambda: 1 / 0, on_error=lambda e: got.append(type(e).__name__))
    qtbot.waitUntil(lambda: len(got) == 2, timeout=5000)
    assert (True, main) in got and "ZeroDivisionError" in got
    runner.shutdown()


def test_silent_turn_reports_the_draft_diff_and_stop_never_resends(
    qtbot, qloop, make_window, nemo_server, photos
):
    window, c = make_window("cloud", nemo_server.url)
    c.still_working_s = 0.3  # the client says "Still working..." after this long with only keep-alives
    rec = Recorder(c)
    c.start()
    run(qloop, until(lambda: c.ready, 30, "the cloud"))
    window.tray.add_paths(photos[:2])
    run(qloop, until(lambda: len(window.tray.item_data()) == 2 and all(d.media_src for d in window.tray.item_data()),
                     30, "uploads"))  # fmt: skip
    nemo_server.faults.stream = "no_text"
    run(qloop, c.send_message("make a slideshow"))
    assert c.draft is not None and len(c.draft.first_track(0).segments) == 2
    assert not rec.texts  # the agent said nothing...
    assert rec.replies and "photo 2" in rec.replies[-1].lower()  # ...so the chat says what changed
    # cloud drafts name uploads their own way; the compositor still finds the user's files
    assert [c.resolve_media(s.src) for s in c.draft.first_track(0).segments] == [
        p.absolute() for p in photos[:2]
    ]
    qtbot.waitUntil(lambda: rec.replies[-1].splitlines()[-1] in window.chat.transcript(), timeout=3000)

    # keep-alives only: "Still working..." appears; Stop ends the turn and the message is not re-sent
    nemo_server.faults.stream = "keepalive_only"
    nemo_server.faults.keepalive_seconds = 20
    busy: list[bool] = []
    c.busyChanged.connect(busy.append)
    before = sum(1 for r in nemo_server.requests if r.path == "/run_sse")
    c.submit("add a title")
    run(qloop, until(lambda: any("Still working" in n for n in rec.notices), 10, "the still-working notice"))
    assert window.chat.send_button.text() == "Stop"
    window.chat.send_button.click()
    run(qloop, until(lambda: busy and busy[-1] is False, 10, "the stop"))
    run(qloop, until(lambda: not c._tasks, 10, "the turn to end"))
    assert sum(1 for r in nemo_server.requests if r.path == "/run_sse") == before + 1
    assert any("not re-sent" in n or "already been sent" in n for n in rec.notices)
    assert window.chat.send_button.text() == "Send"


def test_default_length_and_transition_from_settings_apply_to_a_new_local_slideshow(
    qloop, make_window, photos
):
    window, c = make_window()
    c.settings.default_seconds = 2.0
    c.settings.default_transition = "dip_black"
    rec = Recorder(c)
    c.start()
    run(qloop, until(lambda: c.ready, 90, "the local engine"))
    window.tray.add_paths(photos[:3])
    run(qloop, until(lambda: len(window.tray.item_data()) == 3 and all(d.media_src for d in window.tray.item_data()),
                     60, "uploads"))  # fmt: skip
    run(qloop, c.send_message("turn my photos into a slideshow video with transitions and music"))
    assert not rec.errors, rec.errors
    segs = c.draft.first_track(TT_VIDEO).segments
    assert [s.d for s in segs] == [2000, 2000, 2000]
    assert {s.tr.type for s in segs[:-1]} == {"dip_black"}
    # the follow-up edit is visible in the chat, not hidden
    assert "make each photo 2 seconds" in window.chat.transcript()
    # a second request does not re-apply defaults (the slideshow already exists)
    assert c.defaults_message(c.draft, c.draft) == ""


def test_switching_backends_stops_the_engine_and_forgets_uploads(qloop, make_window, nemo_server, photos):
    window, c = make_window()
    c.settings.api_url = nemo_server.url
    c.start()
    run(qloop, until(lambda: c.ready, 90, "the local engine"))
    engine = c.engine
    window.tray.add_paths(photos[:1])
    run(qloop, until(lambda: window.tray.item_data() and window.tray.item_data()[0].media_src, 60, "upload"))
    local_src = window.tray.item_data()[0].media_src
    window.account.backend.setCurrentIndex(window.account.backend.findData("cloud"))
    run(
        qloop, until(lambda: c.ready and c.backend_name == "cloud" and c.credits is not None, 30, "the cloud")
    )
    assert not engine.alive()
    assert c.settings.backend == "cloud"
    assert window.account.credits.text().startswith("Credits: 100")
    # the photo is sent again, to the new backend's session
    run(qloop, until(lambda: window.tray.item_data()[0].media_src not in ("", local_src), 30, "re-upload"))
    assert any(r.path.startswith("/api/upload-video/") for r in nemo_server.requests)
