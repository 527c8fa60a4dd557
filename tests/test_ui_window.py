"""The main window: panes, remembered layout, translations, themes, settings, error dialog, the launcher."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QLabel

from nemodesk.core import paths
from nemodesk.core.redact import register_secret
from nemodesk.ui import main_window as mw
from nemodesk.ui.controller import AppController, AppSettings
from nemodesk.ui.error_dialog import ErrorDialog, install_excepthook, show_exception
from nemodesk.ui.main_window import MainWindow
from nemodesk.ui.settings_dialog import SettingsDialog
from nemodesk.ui.theme import DARK, LIGHT, apply_theme, colors

pytest_plugins = ["nemo_fixtures"]
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def settings(tmp_path) -> AppSettings:
    return AppSettings(tmp_path / "nemodesk.ini")


@pytest.fixture
def window(qtbot, settings, tmp_path):
    c = AppController(settings, engine_data_dir=tmp_path / "engine")
    w = MainWindow(c)
    qtbot.addWidget(w)
    w.show()
    yield w
    for pane in w.panes.values():  # no loop here: stop the panes' sync parts
        stop = getattr(pane, "shutdown", None)
        if callable(stop):
            stop()
    c.runner.shutdown()


def test_window_has_every_pane_menus_and_accessible_names(window):
    from nemodesk.ui.qt_export_queue import ExportQueueWidget
    from nemodesk.ui.qt_preview import PreviewWidget
    from nemodesk.ui.qt_timeline import TimelineView

    assert isinstance(window.pane("timeline"), TimelineView)
    assert isinstance(window.pane("preview"), PreviewWidget)
    assert isinstance(window.pane("exports"), ExportQueueWidget)
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus == ["&File", "&Edit", "&View", "&Help"]
    assert window.tray.list.accessibleName() and window.chat.input.accessibleName()
    assert window.account.backend.accessibleName() == "Backend"
    assert window.tray.open_action.shortcut().toString() == "Ctrl+O"
    # the export route reaches the export queue
    started = []
    window.pane("exports").start_export = lambda *a: started.append(
        a
    )  # instance attribute: not the connection
    assert window.controller.receivers("2exportRequested()") >= 1


def test_missing_pane_shows_a_labelled_empty_area(qtbot, settings, tmp_path, monkeypatch):
    monkeypatch.setitem(mw.OPTIONAL_PANES, "preview", ("nemodesk.ui.no_such_module", "PreviewWidget"))
    c = AppController(settings, engine_data_dir=tmp_path / "engine")
    w = MainWindow(c)
    qtbot.addWidget(w)
    pane = w.pane("preview")
    assert isinstance(pane, QLabel) and "Preview is not available" in pane.text()
    for p in w.panes.values():
        getattr(p, "shutdown", lambda: None)()
    c.runner.shutdown()


def test_geometry_splitters_and_last_folder_are_remembered(qtbot, settings, tmp_path):
    c = AppController(settings, engine_data_dir=tmp_path / "engine")
    w = MainWindow(c)
    qtbot.addWidget(w)
    w.show()
    w.resize(1111, 777)
    w.main.setSizes([250, 600, 261])
    w.tray.last_folder = str(tmp_path)
    sizes = w.main.sizes()
    w.close()
    assert Path(settings.path).exists() and str(paths.config_dir()) != ""
    for p in w.panes.values():
        getattr(p, "shutdown", lambda: None)()
    c.runner.shutdown()

    c2 = AppController(AppSettings(settings.path), engine_data_dir=tmp_path / "engine")
    w2 = MainWindow(c2)
    qtbot.addWidget(w2)
    w2.show()
    # (the offscreen screen is smaller than the window, so Qt fits the restored geometry into it)
    assert w2.restoreGeometry(AppSettings(settings.path).q.value("window/geometry"))
    assert w2.height() != 840  # not the default size: the saved one, fitted to the screen
    saved = AppSettings(settings.path).q
    w2.resize(1111, 777)  # the size the first window had; then the splitter state gives its sizes back
    assert w2.main.restoreState(saved.value("window/main_splitter"))
    assert w2.main.sizes() == sizes
    assert w2.center.restoreState(saved.value("window/center_splitter"))
    assert w2.tray.last_folder == str(tmp_path)
    for p in w2.panes.values():
        getattr(p, "shutdown", lambda: None)()
    c2.runner.shutdown()


def test_simplified_chinese_translation_covers_the_window(qtbot, settings, tmp_path):
    qm = ROOT / "resources" / "i18n" / "nemodesk_zh_CN.qm"
    assert qm.exists(), "run resources/i18n/update.py"
    tr = QTranslator()
    assert tr.load(str(qm))
    QCoreApplication.installTranslator(tr)
    try:
        c = AppController(settings, engine_data_dir=tmp_path / "engine")
        w = MainWindow(c)
        qtbot.addWidget(w)
        assert [a.text() for a in w.menuBar().actions()] == ["文件(&F)", "编辑(&E)", "视图(&V)", "帮助(&H)"]
        assert w.chat.send_button.text() == "发送"
        assert w.chat.chip_texts()[0] == "把我的照片做成幻灯片视频，加上转场和音乐"
        assert w.tray.add_button.text() == "添加照片…"
        assert (w.open_project_action.text(), w.save_action.text()) == ("打开项目(&O)…", "保存项目(&S)")
        assert w.recover_button.text() == "恢复" and w.windowTitle() == "未命名[*] — NemoDesk"
        from nemodesk.core import nemo_errors as ne
        from nemodesk.ui.controller import human_error

        assert human_error(ne.NoCredits()).startswith("你的 NemoVideo 积分已用完。")
        for p in w.panes.values():
            getattr(p, "shutdown", lambda: None)()
        c.runner.shutdown()
    finally:
        QCoreApplication.removeTranslator(tr)


def test_every_ui_string_has_a_chinese_translation():
    ts = (ROOT / "resources" / "i18n" / "nemodesk_zh_CN.ts").read_text(encoding="utf-8")
    assert 'type="unfinished"' not in ts and "<translation></translation>" not in ts


def test_dark_and_light_themes(qapp):
    before = qapp.palette()
    try:
        apply_theme(qapp, dark=True)
        assert colors() is DARK
        assert qapp.palette().color(QPalette.ColorRole.Window).lightness() < 80
        apply_theme(qapp, dark=False)
        assert colors() is LIGHT
        assert qapp.palette().color(QPalette.ColorRole.Window).lightness() > 180
    finally:
        qapp.setProperty("nemodesk_dark", None)
        qapp.setPalette(before)
        qapp.setStyleSheet("")


def test_settings_dialog_keeps_the_token_in_the_keyring_and_signs_out(
    qtbot, settings, tmp_path, memory_keyring
):
    c = AppController(settings, engine_data_dir=tmp_path / "engine")
    dlg = SettingsDialog(c)
    qtbot.addWidget(dlg)
    dlg.open()
    assert "Not signed in" in dlg.token_state.text()
    dlg.api_url.setText("http://127.0.0.1:9/")
    dlg.token.setText("nd_user_token_123456")
    dlg.output_dir.setText(str(tmp_path / "out"))
    dlg.seconds.setValue(2.5)
    dlg.transition.setCurrentIndex(dlg.transition.findData("dip_black"))
    dlg.language.setCurrentIndex(dlg.language.findData("zh_CN"))
    changed: list[list[str]] = []
    dlg.applied.connect(changed.append)
    dlg.accept()
    assert set(changed[0]) >= {
        "api_url",
        "token",
        "output_dir",
        "default_seconds",
        "default_transition",
        "language",
    }
    s2 = AppSettings(settings.path)
    assert (s2.api_url, s2.output_dir, s2.default_seconds, s2.default_transition, s2.language) == (
        "http://127.0.0.1:9", str(tmp_path / "out"), 2.5, "dip_black", "zh_CN")  # fmt: skip
    stored = [v for (_svc, user), v in memory_keyring.store.items() if "127.0.0.1:9" in user]
    assert len(stored) == 1 and "nd_user_token_123456" in stored[0]  # in the keyring...
    assert "nd_user_token_123456" not in Path(settings.path).read_text()  # ...never in the settings file
    dlg2 = SettingsDialog(c)
    qtbot.addWidget(dlg2)
    assert "your token" in dlg2.token_state.text() and dlg2.token.text() == ""  # never pre-filled
    dlg2.sign_out.click()
    assert "Not signed in" in dlg2.token_state.text()
    assert not memory_keyring.store
    c.runner.shutdown()


def test_error_dialog_redacts_tokens_copies_details_and_names_the_log(qtbot, tmp_path):
    register_secret("nd_supersecret_token_42")
    try:
        raise RuntimeError("request failed with Bearer nd_supersecret_token_42 and token=abcdef123456")
    except RuntimeError as err:
        dlg = show_exception(err)
    qtbot.addWidget(dlg)
    assert isinstance(dlg, ErrorDialog) and dlg.isVisible()
    assert "nd_supersecret_token_42" not in dlg.details_text and "abcdef123456" not in dlg.details_text
    assert "RuntimeError" in dlg.details_text
    assert str(paths.log_dir()) in dlg.log_label.text()
    dlg.copy_details()
    copied = QGuiApplication.clipboard().text()
    assert "RuntimeError" in copied and "nd_supersecret" not in copied
    dlg.close()


def test_uncaught_exception_goes_to_the_log_and_a_dialog(qtbot, caplog):
    old_hook = sys.excepthook
    try:
        install_excepthook()
        with caplog.at_level(logging.CRITICAL):
            try:
                raise ValueError("boom")
            except ValueError:
                sys.excepthook(*sys.exc_info())
        assert "unexpected error" in caplog.text and "boom" in caplog.text

        def ours() -> list[ErrorDialog]:
            return [w for w in QApplication.topLevelWidgets()
                    if isinstance(w, ErrorDialog) and w.isVisible() and "boom" in w.details_text]  # fmt: skip

        qtbot.waitUntil(lambda: bool(ours()), timeout=10_000)
        assert "ValueError: boom" in ours()[0].summary_label.text()
        for w in ours():
            w.close()
            w.deleteLater()
    finally:
        sys.excepthook = old_hook
        import threading

        threading.excepthook = threading.__excepthook__


def test_nemodesk_entry_point_opens_fast_starts_the_engine_and_exits_cleanly(tmp_path):
    """`nemodesk` for real, in a subprocess: window, local engine, close, client closed, exit 0."""
    script = textwrap.dedent(
        """
        import sys, time
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        app = QApplication([sys.argv[0]])
        from nemodesk.ui import launch

        def poll():
            for w in app.topLevelWidgets():
                c = getattr(w, "controller", None)
                if c is not None and c.ready:
                    print("READY", c.backend_name, flush=True)
                    print("ICON", sorted(s.width() for s in app.windowIcon().availableSizes()), flush=True)
                    w.close()
                    return
            QTimer.singleShot(100, poll)

        QTimer.singleShot(100, poll)
        sys.exit(launch.main([]))
        """
    )
    env = dict(os.environ, NEMODESK_HOME=str(tmp_path / "home"), QT_QPA_PLATFORM="offscreen",
               PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring")  # fmt: skip
    env.pop("NEMO_TOKEN", None)
    proc = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "READY local" in proc.stdout
    assert "ICON [16, 24, 32, 48, 64, 128, 256, 512]" in proc.stdout  # the app's own icon, every size
    log = (tmp_path / "home" / "log" / "nemodesk.log").read_text()
    assert "window shown" in log and "NemoDesk closed" in log
    assert "Traceback" not in log


def test_app_icon_has_every_size_of_resources_icons(qapp):
    from nemodesk.ui.launch import app_icon

    icon = app_icon()
    assert not icon.isNull()
    sizes = sorted(s.width() for s in icon.availableSizes())
    assert {16, 32, 256} <= set(sizes)
    assert icon.pixmap(32, 32).width() == 32


def test_timeline_and_preview_share_one_playhead(window, qtbot, photos, music):
    """Scrubbing the timeline shows that exact frame in the preview; the preview's slider (and playback) moves
    the timeline's playhead."""
    from helpers_timeline import sample_draft

    draft, media = sample_draft(photos, music, durations=(1200, 900, 1300))
    c = window.controller
    c.add_local_media(media)
    c.set_draft_local(draft)
    timeline, preview = window.pane("timeline"), window.pane("preview")
    qtbot.waitUntil(preview.frames_idle, timeout=10_000)
    with qtbot.waitSignal(preview.frameShown, timeout=10_000, check_params_cb=lambda t: t == 1500.0):
        timeline.canvas._scrub_to(1500.0)  # what a click or drag on the ruler does
    assert preview.t_ms == 1500.0 and preview.slider.value() == 1500
    preview.slider.setValue(2100)  # the user drags the preview's slider
    assert timeline.canvas.playhead_ms == 2100.0
    qtbot.waitUntil(lambda: preview.shown_t == 2100.0 and preview.frames_idle(), timeout=10_000)
