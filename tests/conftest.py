"""Shared test set-up: offscreen Qt, the sample media, and guards against leaked threads.

Every test runs with Qt offscreen and with no real keyring or user directories touched: the
`isolated_dirs` fixture points platformdirs and the keyring at a temporary folder.
"""

from __future__ import annotations

import gc
import os
import shutil
import threading
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")

ROOT = Path(__file__).resolve().parents[1]
SHARED_MEDIA = ROOT.parent / "shared" / "media"


def _find_media() -> Path:
    env = os.environ.get("NEMODESK_SAMPLE_MEDIA")
    for cand in ([Path(env)] if env else []) + [SHARED_MEDIA]:
        if (cand / "rocket.jpg").exists():
            return cand
    raise RuntimeError(
        "The sample media are missing: expected ../shared/media beside the project root "
        "(or set NEMODESK_SAMPLE_MEDIA)."
    )


@pytest.fixture(scope="session")
def media_dir() -> Path:
    return _find_media()


@pytest.fixture
def photos(media_dir: Path, tmp_path: Path) -> list[Path]:
    """Copies of the sample photos, so no test can touch the originals."""
    out = []
    for name in (
        "rocket.jpg",
        "coffee.png",
        "chelsea.png",
        "astronaut.png",
        "grace_hopper.jpg",
        "hubble_deep_field.jpg",
    ):
        dst = tmp_path / "photos" / name
        dst.parent.mkdir(exist_ok=True)
        shutil.copyfile(media_dir / name, dst)
        out.append(dst)
    return out


@pytest.fixture
def music(media_dir: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "music-120bpm.m4a"
    shutil.copyfile(media_dir / "music-120bpm.m4a", dst)
    return dst


@pytest.fixture(scope="session", autouse=True)
def _one_qapplication(qapp):
    """Create the session's QApplication before any test runs.

    The renderer creates a bare QGuiApplication when none exists (the engine process has no widgets); if a
    render test ran first, every widget test after it would abort. One QApplication from the start, as
    Picard's conftest does, serves both.
    """
    return qapp


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep every test away from the real config, data and log dirs, keyring and NEMO_TOKEN."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("NEMODESK_HOME", str(home))
    monkeypatch.delenv("NEMO_TOKEN", raising=False)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    return home


@pytest.fixture(autouse=True)
def collect_qt_garbage_on_the_main_thread():
    """Collect each test's cyclic garbage here, on the main thread.

    Otherwise a Qt object from a finished test (a window, a controller) is freed whenever the collector next
    runs, which may be inside a worker thread or a later test's event loop: PySide then deletes a QObject
    from the wrong thread and the process crashes.
    """
    yield
    gc.collect()


@pytest.fixture(autouse=True)
def no_leaked_threads():
    """Fail a test that leaves non-daemon threads running (napari's guard, in small)."""
    before = set(threading.enumerate())
    yield
    leaked = []
    for t in set(threading.enumerate()) - before:
        if t.is_alive() and not t.daemon:
            t.join(timeout=5)
            if t.is_alive():
                leaked.append(t.name)
    assert not leaked, f"test left threads running: {leaked}"
