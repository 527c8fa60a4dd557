"""Fast checks of the packaging: the spec and its config, the icons, the self-test's pieces, the window smoke.

The full PyInstaller build takes minutes and runs in CI as its own step (`python3 run.py build --self-test`);
these catch the mistakes that do not need a build: a spec missing a required setting, an icon out of date
with its source, a Qt module that NemoDesk starts to use while the spec still excludes it, a self-test check
that cannot fail.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import plistlib
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from nemodesk import selftest

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"
ICONS = ROOT / "resources" / "icons"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"_nd_{name}", PACKAGING / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(PACKAGING))
    try:
        spec.loader.exec_module(mod)
    finally:
        sys.path.remove(str(PACKAGING))
    return mod


cfg = _load("bundle_config")


# --- the spec ---------------------------------------------------------------------------------------------


def _spec_calls() -> dict[str, dict[str, ast.expr]]:
    tree = ast.parse((PACKAGING / "nemodesk.spec").read_text(encoding="utf-8"))
    calls: dict[str, dict[str, ast.expr]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id[:1].isupper():
            calls[node.func.id] = {kw.arg: kw.value for kw in node.keywords if kw.arg}
    return calls


def test_spec_is_onedir_windowed_with_bundle_and_version():
    calls = _spec_calls()
    assert {"PYZ", "EXE", "COLLECT", "BUNDLE"} <= set(calls)
    exe = calls["EXE"]
    assert ast.literal_eval(exe["console"]) is False  # windowed
    assert ast.literal_eval(exe["exclude_binaries"]) is True  # onedir: binaries go to COLLECT
    assert ast.literal_eval(exe["upx"]) is False
    assert {"icon", "version", "name"} <= set(exe)
    bundle = calls["BUNDLE"]
    assert {"bundle_identifier", "version", "info_plist", "icon"} <= set(bundle)
    analysis = calls["Analysis"]
    assert {"hiddenimports", "excludes", "runtime_hooks", "datas"} <= set(analysis)
    assert (PACKAGING / "entry.py").exists()
    assert (PACKAGING / "rthooks" / "pyi_rth_nemodesk.py").exists()


def test_spec_collects_dynamic_backends():
    text = (PACKAGING / "nemodesk.spec").read_text(encoding="utf-8")
    for needed in ('collect_submodules("keyring.backends")', 'copy_metadata("keyring")', '"pi_heif"',
                   'collect_submodules("nemodesk")', 'collect_submodules("uvicorn")', "win32ctypes",
                   "secretstorage"):  # fmt: skip
        assert needed in text, needed


def test_bundle_config_version_and_names():
    with open(ROOT / "pyproject.toml", "rb") as f:
        v = tomllib.load(f)["project"]["version"]
    assert cfg.version() == v
    assert cfg.version_tuple("1.2.3") == (1, 2, 3, 0)
    assert cfg.version_tuple("0.1.0rc2") == (0, 1, 0, 0)
    assert cfg.exe_name("linux") == "nemodesk"
    assert cfg.exe_name("win32") == cfg.exe_name("darwin") == "NemoDesk"
    strings = cfg.windows_strings("1.2.3")
    assert strings["ProductVersion"] == "1.2.3" and strings["OriginalFilename"] == "NemoDesk.exe"


def test_info_plist_has_retina_principal_class_and_document_type():
    plist = cfg.info_plist("1.2.3")
    plistlib.loads(plistlib.dumps(plist))  # a plist can hold every value
    assert plist["CFBundleIdentifier"] == cfg.BUNDLE_ID
    assert plist["CFBundleShortVersionString"] == "1.2.3"
    assert plist["NSHighResolutionCapable"] is True
    assert plist["NSPrincipalClass"] == "NSApplication"
    (doc,) = plist["CFBundleDocumentTypes"]
    assert doc["CFBundleTypeExtensions"] == ["nemodesk"]
    assert doc["LSItemContentTypes"] == [cfg.DOC_UTI]
    (uti,) = plist["UTExportedTypeDeclarations"]
    assert uti["UTTypeIdentifier"] == cfg.DOC_UTI
    assert uti["UTTypeTagSpecification"]["public.filename-extension"] == ["nemodesk"]


@pytest.mark.parametrize(
    ("dest", "keep"),
    [
        ("PySide6/Qt/plugins/platforms/libqxcb.so", True),
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True),
        ("PySide6/Qt/plugins/platforms/libqvnc.so", False),
        ("PySide6/Qt/plugins/platforms/libqeglfs.so", False),
        ("PySide6/plugins/platforms/qwindows.dll", True),
        ("PySide6/Qt/plugins/platforms/libqcocoa.dylib", True),
        ("PySide6/Qt/plugins/imageformats/libqwebp.so", True),
        ("PySide6/Qt/plugins/imageformats/libqjpeg.so", True),
        ("PySide6/Qt/plugins/imageformats/libqtiff.so", False),
        ("PySide6/Qt/plugins/platforminputcontexts/libibusplatforminputcontextplugin.so", True),
        ("PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so", False),
        ("PySide6/Qt/plugins/sqldrivers/libqsqlite.so", False),
        ("PySide6/Qt/translations/qtbase_zh_CN.qm", True),
        ("PySide6/Qt/translations/qtbase_de.qm", False),
        ("PySide6/Qt/translations/assistant_en.qm", False),
        ("PySide6/Qt/qml/QtQuick/qmldir", False),
        ("PySide6/Qt/lib/libQt6Widgets.so.6", True),
        ("PySide6/Qt/lib/libQt6Network.so.6", False),
        ("PySide6/Qt6Network.dll", False),
        ("PySide6/Qt/lib/libQt6EglFSDeviceIntegration.so.6", False),
        ("PySide6/Qt/lib/libQt6WaylandClient.so.6", True),
        ("PySide6/Qt/plugins/wayland-shell-integration/libxdg-shell.so", True),
        ("PySide6/Qt/plugins/wayland-shell-integration/libivi-shell.so", False),
        ("PySide6/QtNetwork.abi3.so", True),  # a Python module: QT_EXCLUDES keeps it out, not this filter
        ("av.libs/libavcodec-1234.so.61", True),
        ("pi_heif.libs/libheif.so", True),
    ],
)
def test_qt_file_filter(dest: str, keep: bool):
    assert cfg.keep_qt_file(dest) is keep
    assert cfg.keep_qt_file(dest.replace("/", "\\")) is keep


@pytest.mark.parametrize(
    ("dest", "keep"),
    [
        ("libcairo.so.2", False),
        ("libpango-1.0.so.0", False),
        ("libatk-1.0.so.0", False),
        ("libgio-2.0.so.0", False),
        ("libglib-2.0.so.0", True),  # Qt Core needs it
        ("libgthread-2.0.so.0", True),
        ("libX11.so.6", True),
        ("libX11-xcb.so.1", True),
        ("libxkbcommon.so.0", True),
        ("libpython3.11.so.1.0", True),
        ("pillow.libs/libharfbuzz-fe5b8f8d.so.0.61121.0", True),  # a wheel's own copy, in its folder
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", False),
        ("PySide6/Qt/plugins/platformthemes/libqxdgdesktopportal.so", True),
    ],
)
def test_linux_binary_filter(dest: str, keep: bool):
    assert cfg.keep_binary(dest, "linux") is keep
    assert cfg.keep_binary("libcairo-2.dll", "win32")  # the GTK rule is for Linux only


def test_every_installed_qt_plugin_folder_has_a_decision():
    """A new PySide6 that adds a plugin folder must make someone decide whether it ships."""
    import PySide6

    plugins = Path(PySide6.__file__).parent / "Qt" / "plugins"
    if not plugins.is_dir():
        plugins = Path(PySide6.__file__).parent / "plugins"
    folders = {p.name for p in plugins.iterdir() if p.is_dir()}
    assert folders, plugins
    assert folders <= set(cfg.QT_PLUGINS), folders - set(cfg.QT_PLUGINS)


def test_nemodesk_uses_no_excluded_module():
    """The spec leaves these out; code that imports one would work from source and break frozen."""
    excluded = set(cfg.QT_EXCLUDES) | set(cfg.PY_EXCLUDES)
    used: list[str] = []
    for path in (ROOT / "src" / "nemodesk").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for n in names:
                if any(n == e or n.startswith(e + ".") for e in excluded):
                    used.append(f"{path.relative_to(ROOT)}: {n}")
    assert not used, used


def test_resources_ship_without_scripts():
    assert cfg.keep_resource("resources/icons/nemodesk.png")
    assert not cfg.keep_resource("resources/icons/make_icons.py")
    assert not cfg.keep_resource("resources\\icons\\__pycache__\\x.pyc")
    assert not cfg.keep_resource("resources/icons/nemodesk.icns")  # the bundle carries it already


# --- icons ------------------------------------------------------------------------------------------------


def test_icons_exist_in_every_size():
    from PIL import Image

    master = Image.open(ICONS / "nemodesk.png")
    assert master.size == (1024, 1024) and master.mode == "RGBA"
    for s in (16, 24, 32, 48, 64, 128, 256, 512):
        assert Image.open(ICONS / f"nemodesk-{s}.png").size == (s, s)
    ico = Image.open(ICONS / "nemodesk.ico")
    assert {(16, 16), (32, 32), (48, 48), (256, 256)} <= set(ico.info["sizes"])
    icns = Image.open(ICONS / "nemodesk.icns")
    assert icns.format == "ICNS"
    assert {(16, 16), (32, 32), (128, 128), (256, 256), (512, 512)} <= {s[:2] for s in icns.info["sizes"]}
    # transparent corners (a rounded tile), opaque middle
    assert master.getpixel((4, 4))[3] == 0 and master.getpixel((512, 512))[3] == 255


def test_committed_icons_come_from_the_master(tmp_path: Path):
    """Every derived file is what make_icons.derive() makes from the committed master, so none is stale."""
    from PIL import Image, ImageChops

    spec = importlib.util.spec_from_file_location("_nd_make_icons", ICONS / "make_icons.py")
    make_icons = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_icons)
    make_icons.derive(ICONS / "nemodesk.png", tmp_path)
    for s in (16, 48, 256):
        fresh = Image.open(tmp_path / f"nemodesk-{s}.png").convert("RGBA")
        committed = Image.open(ICONS / f"nemodesk-{s}.png").convert("RGBA")
        assert ImageChops.difference(fresh, committed).getbbox() is None, s


# --- self-test pieces -------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", selftest.PHOTO_FORMATS)
def test_selftest_decodes_every_photo_format(fmt: str):
    assert "Pillow" in selftest.check_decode(fmt)


def test_selftest_imports_everything():
    assert "nemodesk modules" in selftest.check_imports()


def test_selftest_keyring_without_backend_passes_on_linux_only(monkeypatch: pytest.MonkeyPatch):
    import keyring
    import keyring.backends.null

    monkeypatch.setattr(keyring.core, "_keyring_backend", keyring.backends.null.Keyring())
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert "no usable backend" in selftest.check_keyring()
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(selftest, "KEYRING_MODULES", {})  # the Windows backend cannot import here
    with pytest.raises(AssertionError, match="no keyring backend"):
        selftest.check_keyring()


def test_selftest_keyring_round_trips_a_working_backend(monkeypatch: pytest.MonkeyPatch):
    import keyring

    from helpers_nemo import MemoryKeyring

    kr = MemoryKeyring()
    monkeypatch.setattr(keyring.core, "_keyring_backend", kr)
    assert "stored, read back and deleted" in selftest.check_keyring()
    assert kr.store == {}  # the probe was removed


def _write_mp4(path: Path, seconds: float, size: tuple[int, int], moving: bool) -> None:
    import av
    import numpy as np

    with av.open(str(path), "w") as out:
        st = out.add_stream("libx264", rate=30)
        st.width, st.height, st.pix_fmt = size[0], size[1], "yuv420p"
        for i in range(round(seconds * 30)):
            img = np.zeros((size[1], size[0], 3), np.uint8)
            img[:, :, 0] = np.linspace(0, 255, size[0], dtype=np.uint8)[None, :]
            shift = i * 2 if moving else 0
            img[20:60, 20 + shift:80 + shift] = 255  # fmt: skip
            for pkt in st.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(pkt)
        for pkt in st.encode():
            out.mux(pkt)


def test_verify_mp4_accepts_a_good_video_and_refuses_wrong_ones(tmp_path: Path):
    good = tmp_path / "good.mp4"
    _write_mp4(good, 2.0, (160, 96), moving=True)
    assert "60 frames" in selftest.verify_mp4(good, 2.0, (160, 96))
    with pytest.raises(AssertionError, match=r"expected 3\.0 s"):
        selftest.verify_mp4(good, 3.0, (160, 96))
    with pytest.raises(AssertionError, match="expected 320x180"):
        selftest.verify_mp4(good, 2.0, (320, 180))
    still = tmp_path / "still.mp4"
    _write_mp4(still, 2.0, (160, 96), moving=False)
    with pytest.raises(AssertionError, match="did not animate"):
        selftest.verify_mp4(still, 2.0, (160, 96))


def test_run_check_records_a_failure_with_its_place():
    report = selftest.Report("0", False, "x", "p", "3", "now")

    def broken() -> str:
        raise ValueError("the codec is missing")

    check = selftest.run_check(report, "broken", broken)
    assert (
        not check.ok
        and "ValueError: the codec is missing" in check.detail
        and "test_packaging.py" in check.detail
    )
    selftest.run_check(report, "fine", lambda: "ok")
    assert not report.ok and report.to_json()["ok"] is False


@pytest.mark.slow
def test_selftest_renders_through_a_real_engine(tmp_path: Path):
    detail = selftest.check_render(tmp_path)
    assert "decoded 60 frames" in detail and "h264" in detail


def test_self_test_flag_is_routed_and_writes_a_report(tmp_path: Path):
    report = tmp_path / "r.json"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT / "src"))
    proc = subprocess.run(
        [sys.executable, "-m", "nemodesk", "--self-test", "--only", "decode:PNG", "--only", "keyring",
         "--report", str(report)],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(report.read_text())
    assert data["ok"] is True and [c["name"] for c in data["checks"]] == ["decode:PNG", "keyring"]
    assert "self-test passed" in proc.stdout
    assert (Path(env.get("NEMODESK_HOME", "")) / "log" / "selftest.log").exists()


# --- build script and window smoke ------------------------------------------------------------------------


def test_build_names_and_sizes(tmp_path: Path):
    build = _load("build")
    name = build.archive_name()
    assert name.startswith(f"NemoDesk-{cfg.version()}-") and name.endswith((".tar.gz", ".zip"))
    (tmp_path / "a").write_bytes(b"x" * 1000)
    (tmp_path / "link").symlink_to("a")
    size, files = build.tree_size(tmp_path)
    assert files == 1 and size == 1001  # the link counts as a link, not as another copy of its target


@pytest.mark.skipif(not shutil.which("Xvfb") or not sys.platform.startswith("linux"), reason="needs Xvfb")
def test_smoke_window_sees_a_real_window_and_closes_it(tmp_path: Path):
    smoke = _load("smoke_window")
    app = tmp_path / "win.py"
    app.write_text(
        "import sys\nfrom PySide6.QtWidgets import QApplication, QLabel\n"
        "app = QApplication(sys.argv)\nw = QLabel('hi')\nw.setWindowTitle('NemoDesk test')\nw.show()\n"
        "sys.exit(app.exec())\n"
    )
    result = smoke.one_run([sys.executable, str(app)], timeout=30, screenshot=None)
    assert result["ok"], result
    assert result["title"] == "NemoDesk test" and result["exit_code"] == 0
    silent = smoke.one_run(
        [sys.executable, "-c", "import time; time.sleep(30)"], timeout=1.5, screenshot=None
    )
    assert not silent["ok"] and "no window" in silent["error"]
