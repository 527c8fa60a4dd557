"""`nemodesk`: the desktop app's entry point.

Order matters here:
1. Logging to the platform log dir and `sys.excepthook` come first: a windowed (frozen) app has no
   stderr, so anything that fails later (even importing Qt) must still leave a trace in the log.
2. PySide6 is imported before qasync (qasync picks the Qt binding that is already loaded).
3. The window is shown before anything slow happens; the backend (the local engine, or the cloud)
   starts afterwards on the loop with a visible status, so the window is up in well under 1.5 s.
4. On close the controller cancels its tasks and awaits `client.aclose()` while the loop still runs.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
import time
from pathlib import Path

T0 = time.perf_counter()
log = logging.getLogger("nemodesk.launch")


def setup_logging() -> Path:
    """A rotating, redacted log in paths.log_dir(); stderr too when there is one."""
    from nemodesk.core import paths
    from nemodesk.core.redact import install

    path = paths.log_dir() / "nemodesk.log"
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(fmt)
    root.addHandler(handler)
    if sys.stderr is not None:
        err = logging.StreamHandler()
        err.setFormatter(fmt)
        err.setLevel(logging.WARNING)
        root.addHandler(err)
    install("nemodesk", "httpx", "httpcore", "uvicorn")
    return path


def _log_only_hook(exc_type, exc, tb) -> None:  # type: ignore[no-untyped-def]
    """Until Qt is up, an uncaught exception can only go to the log."""
    logging.getLogger("nemodesk").critical(
        "unexpected error before the window opened", exc_info=(exc_type, exc, tb)
    )


def install_translators(app, language: str) -> list:  # type: ignore[no-untyped-def]
    """NemoDesk's .qm (Simplified Chinese; or English plural forms) and Qt's own for standard buttons."""
    from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator

    from nemodesk.core import paths

    locale = QLocale.system() if language in ("", "system") else QLocale(language)
    chinese = locale.language() == QLocale.Language.Chinese
    out = []
    if chinese:
        qt = QTranslator(app)
        if qt.load("qtbase_zh_CN", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
            app.installTranslator(qt)
            out.append(qt)
    ours = QTranslator(app)
    name = "nemodesk_zh_CN" if chinese else "nemodesk_en"
    if ours.load(name, str(paths.resources_dir() / "i18n")):
        app.installTranslator(ours)
        out.append(ours)
    else:
        log.warning("translation %s not found in %s", name, paths.resources_dir() / "i18n")
    return out


def app_icon():  # type: ignore[no-untyped-def]
    """The window and taskbar icon: every size resources/icons holds, so each place picks a sharp one."""
    from PySide6.QtGui import QIcon

    from nemodesk.core import paths

    icons = paths.resources_dir() / "icons"
    icon = QIcon()
    for png in sorted(icons.glob("nemodesk-*.png")):
        icon.addFile(str(png))
    if icon.isNull() and (icons / "nemodesk.png").is_file():
        icon = QIcon(str(icons / "nemodesk.png"))
    if icon.isNull():
        log.warning("no app icon in %s", icons)
    return icon


def project_args(args: list[str]) -> list[Path]:
    """The `.nemodesk` files named on the command line (`nemodesk trip.nemodesk`), made absolute."""
    return [Path(a).absolute() for a in args if a.lower().endswith(".nemodesk") and not a.startswith("-")]


def main(argv: list[str] | None = None) -> int:
    log_path = setup_logging()
    sys.excepthook = _log_only_hook
    log.info("starting NemoDesk (log: %s)", log_path)
    os.environ.setdefault("QT_API", "pyside6")

    import asyncio

    from PySide6.QtWidgets import QApplication  # before qasync: it picks the loaded binding

    # isort: split
    import qasync

    from nemodesk import __version__
    from nemodesk.ui import theme
    from nemodesk.ui.error_dialog import asyncio_handler, install_excepthook

    theme.setup_high_dpi()
    app = QApplication.instance() or QApplication(sys.argv if argv is None else [sys.argv[0], *argv])
    app.setApplicationName("NemoDesk")
    app.setApplicationDisplayName("NemoDesk")
    app.setApplicationVersion(__version__)
    app.setOrganizationName("NemoDesk")
    app.setDesktopFileName("nemodesk")
    app.setWindowIcon(app_icon())
    app.setQuitOnLastWindowClosed(False)  # we quit after the controller has closed its client

    from nemodesk.ui.controller import AppController, AppSettings

    settings = AppSettings()
    install_translators(app, str(settings.language))
    theme.apply_theme(app)
    theme.follow_os(app)

    from nemodesk.core.project import Autosave
    from nemodesk.ui.main_window import FileOpener, MainWindow

    controller = AppController(settings)
    window = MainWindow(controller, autosave=Autosave())
    install_excepthook(lambda: window)
    window.show()
    log.info("window shown %.0f ms after start", (time.perf_counter() - T0) * 1000)
    window.start_autosave()  # offers recovery (in a bar) when the last run did not end cleanly
    opener = FileOpener(window, app)  # macOS: a double-clicked .nemodesk arrives as a QFileOpenEvent
    app.installEventFilter(opener)
    for path in project_args(sys.argv[1:] if argv is None else argv):
        window.open_project_file(path)  # opens once the backend is ready
        break

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    loop.set_exception_handler(asyncio_handler)

    async def run() -> None:
        closed = asyncio.Event()
        window.closed.connect(closed.set)
        controller.start()  # the engine starts in the background, with its status in the window
        await closed.wait()
        await window.aclose()
        await controller.aclose()

    try:
        with loop:
            loop.run_until_complete(run())
        dispose(app, window)
    finally:
        log.info("NemoDesk closed")
    return 0


def dispose(app, window) -> None:  # type: ignore[no-untyped-def]
    """Destroy the widgets while Qt and Python are both still whole. Left to the interpreter's final
    garbage collection, PySide objects can be freed in an order that crashes at exit."""
    import gc

    window.deleteLater()
    app.sendPostedEvents(None, 0)  # 0 = QEvent.DeferredDelete: runs the deleteLater now
    app.processEvents()
    gc.collect()


if __name__ == "__main__":
    sys.exit(main())
