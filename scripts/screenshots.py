#!/usr/bin/env python3
"""Screenshots of NemoDesk at work, for the README: `python scripts/screenshots.py`.

Runs the real app (real local engine, real uploads, real agent turn) under a private Xvfb display,
drops copies of the sample photos into the tray, chats, and captures the whole screen with ImageMagick's
`import -window root` into docs/screenshots/*.png. Nothing of the user's is touched: NEMODESK_HOME
points at a temporary folder. Regenerate whenever the UI changes.

Needs Xvfb and ImageMagick (`apt-get install -y xvfb imagemagick`). `--offscreen` grabs the window with
Qt instead (no X server needed; no window decorations).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MEDIA = Path(os.environ.get("NEMODESK_SAMPLE_MEDIA", ROOT.parent / "shared" / "media"))
PHOTOS = (
    "rocket.jpg",
    "coffee.png",
    "chelsea.png",
    "astronaut.png",
    "grace_hopper.jpg",
    "hubble_deep_field.jpg",
)
SIZE = (1440, 900)


def _free_display() -> int:
    for n in range(91, 140):
        if not Path(f"/tmp/.X{n}-lock").exists() and not Path(f"/tmp/.X11-unix/X{n}").exists():
            return n
    raise SystemExit("no free X display number")


def run_under_xvfb(args: argparse.Namespace) -> int:
    if not shutil.which("Xvfb") or not shutil.which("import"):
        raise SystemExit(
            "Xvfb and ImageMagick are needed: apt-get install -y xvfb imagemagick (or use --offscreen)"
        )
    n = _free_display()
    xvfb = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", f"{SIZE[0]}x{SIZE[1]}x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        for _ in range(100):
            if Path(f"/tmp/.X11-unix/X{n}").exists():
                break
            time.sleep(0.05)
        env = dict(os.environ, DISPLAY=f":{n}", QT_QPA_PLATFORM="xcb")
        cmd = [sys.executable, __file__, "--driver", "--out", str(args.out), "--lang", args.lang]
        return subprocess.call(cmd, env=env, timeout=600)
    finally:
        xvfb.terminate()
        xvfb.wait(10)


def driver(args: argparse.Namespace) -> int:
    home = Path(tempfile.mkdtemp(prefix="nemodesk-shots-"))
    os.environ["NEMODESK_HOME"] = str(home)
    os.environ.pop("NEMO_TOKEN", None)
    os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    os.environ.setdefault("QT_API", "pyside6")
    photos = home / "My photos"
    photos.mkdir()
    for name in PHOTOS:
        shutil.copyfile(MEDIA / name, photos / name)
    shutil.copyfile(MEDIA / "music-120bpm.m4a", photos / "music-120bpm.m4a")

    sys.path.insert(0, str(ROOT / "src"))
    from PySide6.QtWidgets import QApplication

    # isort: split
    import qasync

    from nemodesk.ui import theme
    from nemodesk.ui.controller import AppController, AppSettings
    from nemodesk.ui.error_dialog import asyncio_handler
    from nemodesk.ui.launch import install_translators, setup_logging

    setup_logging()
    theme.setup_high_dpi()
    app = QApplication([sys.argv[0]])
    app.setApplicationName("NemoDesk")
    app.setQuitOnLastWindowClosed(False)
    settings = AppSettings()
    settings.language = args.lang
    settings.output_dir = str(home / "Videos")
    install_translators(app, args.lang)
    theme.apply_theme(app)
    from nemodesk.ui.main_window import MainWindow

    controller = AppController(settings)
    window = MainWindow(controller)
    window.setGeometry(0, 0, *SIZE)
    window.show()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    suffix = "" if args.lang == "en" else f"-{args.lang}"
    shots: list[Path] = []

    async def settle(seconds: float = 0.6) -> None:
        await asyncio.sleep(seconds)
        app.processEvents()

    async def until(cond, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout
        while not cond():
            if time.monotonic() > deadline:
                raise SystemExit(f"timed out waiting for {what}")
            await asyncio.sleep(0.1)

    async def shot(name: str) -> None:
        await settle()
        path = out / f"{name}{suffix}.png"
        if os.environ.get("QT_QPA_PLATFORM") == "offscreen":
            window.grab().save(str(path))
        else:
            proc = await asyncio.create_subprocess_exec("import", "-window", "root", str(path))
            await proc.wait()
        shots.append(path)
        print(f"wrote {path}")

    async def script() -> None:
        controller.start()
        await until(lambda: controller.ready, 60, "the local engine")
        await shot("01-start")
        window.tray.add_paths([photos])
        await until(
            lambda: window.tray.list.count() == len(PHOTOS) + 1 and not window.tray.checking, 60, "checks"
        )
        await until(lambda: all(d.media_src for d in window.tray.item_data()), 60, "uploads")
        window.tray.list.setCurrentRow(1)
        await shot("02-photos")
        window.chat.send(window.chat.starter_examples()[0])
        await until(lambda: not controller.busy and controller.draft is not None, 120, "the agent")
        timeline = window.pane("timeline")
        wait_media = getattr(getattr(timeline, "canvas", None), "wait_media", None)
        if wait_media:
            wait_media(10_000)
        await settle(1.5)
        await shot("03-slideshow")
        exports = window.pane("exports")
        finished: list[str] = []
        if hasattr(exports, "exportFinished"):
            exports.exportFinished.connect(lambda _job, path: finished.append(path))
            window.chat.send("export" if args.lang == "en" else "导出")
            await until(lambda: bool(finished), 300, "the export")
            await settle(1.0)
            await shot("04-exported")
        window.chat.send("make it vertical for TikTok" if args.lang == "en" else "改成竖屏，适合抖音")
        await until(lambda: not controller.busy, 120, "the agent")
        await settle(1.5)
        await shot("05-vertical")

    async def main() -> None:
        try:
            await script()
        finally:
            window.close()
            await window.aclose()
            await controller.aclose()

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    loop.set_exception_handler(asyncio_handler)
    with loop:
        loop.run_until_complete(main())
    from nemodesk.ui.launch import dispose

    dispose(app, window)
    shutil.rmtree(home, ignore_errors=True)
    return 0 if shots else 1


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    p.add_argument("--lang", default="en", choices=("en", "zh_CN"))
    p.add_argument("--offscreen", action="store_true", help="grab with Qt, no X server")
    p.add_argument("--driver", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.driver:
        return driver(args)
    if args.offscreen:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        return driver(args)
    return run_under_xvfb(args)


if __name__ == "__main__":
    sys.exit(main())
