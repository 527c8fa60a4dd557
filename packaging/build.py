"""Build the packaged NemoDesk for this platform: `python3 run.py build` (runs this file).

1. Make a clean virtual environment in build/venv and install NemoDesk into it (not editable) with the
   pinned constraints and PyInstaller, so the bundle holds exactly the pinned packages and nothing a
   developer happened to install.
2. Run PyInstaller with packaging/nemodesk.spec (onedir, windowed).
3. Pack the platform's archive under dist/: a zip on Windows, a zip made by `ditto` that keeps the bundle's
   symlinks on macOS, a tar.gz on Linux. Print the sizes.

Options: --reuse-venv skips step 1 when build/venv already matches the pins (for iterating on the spec);
--self-test runs the frozen app's self-test (offscreen) after packing and fails the build if it fails.
Standard library only: it must run before anything is installed in the build environment.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build"
VENV = BUILD / "venv"
DIST = ROOT / "dist"
SPEC = ROOT / "packaging" / "nemodesk.spec"
sys.path.insert(0, str(ROOT / "packaging"))
import bundle_config as cfg  # noqa: E402

IS_WIN = sys.platform == "win32"
IS_MAC = sys.platform == "darwin"


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if IS_WIN else "bin/python")


def step(msg: str) -> None:
    print(f"== {msg}", flush=True)


def pins_digest() -> str:
    h = hashlib.sha256()
    for f in ("pyproject.toml", "requirements/constraints.txt"):
        h.update((ROOT / f).read_bytes())
    return h.hexdigest()


def make_venv(reuse: bool) -> None:
    """A fresh environment with only NemoDesk's pinned run-time packages and PyInstaller."""
    stamp = VENV / ".nemodesk-build"
    # setuptools builds the wheel in build/lib and never deletes files there: a module removed from src/
    # would ship from a stale copy.
    for stale in [BUILD / "lib", *BUILD.glob("bdist.*")]:
        shutil.rmtree(stale, ignore_errors=True)
    pip = [str(venv_python()), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    if reuse and stamp.exists() and stamp.read_text() == pins_digest() and venv_python().exists():
        step(f"reusing {VENV.relative_to(ROOT)} (pins unchanged); reinstalling NemoDesk itself")
        subprocess.run([*pip, "--no-deps", "--force-reinstall", str(ROOT)], check=True, cwd=BUILD)
        return
    if VENV.exists():
        shutil.rmtree(VENV)
    step(f"creating a clean virtual environment in {VENV.relative_to(ROOT)}")
    venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    constraints = ["-c", str(ROOT / "requirements" / "constraints.txt")]
    step("installing NemoDesk and PyInstaller with the pinned constraints")
    subprocess.run([*pip, *constraints, f"{ROOT}[build]"], check=True, cwd=BUILD)
    stamp.write_text(pins_digest())


def run_pyinstaller() -> None:
    step("running PyInstaller")
    env = dict(os.environ, PYTHONHASHSEED="0", PYTHONDONTWRITEBYTECODE="1")
    env.pop("PYTHONPATH", None)  # the bundle must come from build/venv only
    subprocess.run(
        [
            str(venv_python()),
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--clean",
            "--log-level",
            "WARN",
            "--distpath",
            str(DIST),
            "--workpath",
            str(BUILD / "pyinstaller"),
            str(SPEC),
        ],
        check=True,
        cwd=ROOT,
        env=env,
    )


def strip_debug_info(root: Path) -> int:
    """Linux: drop DWARF debug sections from the bundle's ELF files; returns the bytes saved.

    The interpreter (pyenv and python.org builds) and several wheels' extension modules ship with debug
    info, about 45 MB that nobody debugs from a user's machine. Only files that have .debug_* sections are
    touched, and only those sections go (--strip-debug keeps every symbol), so the libraries that auditwheel
    patched are rewritten only where they must be; the self-test then proves they still load.
    """
    if not sys.platform.startswith("linux") or not (shutil.which("strip") and shutil.which("readelf")):
        return 0
    saved = 0
    for path in sorted(root.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        with open(path, "rb") as f:
            if f.read(4) != b"\x7fELF":
                continue
        sections = subprocess.run(["readelf", "-S", "-W", str(path)], capture_output=True, text=True).stdout
        if ".debug_info" not in sections:
            continue
        before = path.stat().st_size
        subprocess.run(["strip", "--strip-debug", str(path)], check=True)
        saved += before - path.stat().st_size
    return saved


def bundle_dir() -> Path:
    """What gets archived: NemoDesk.app on macOS, the onedir folder elsewhere."""
    return DIST / (f"{cfg.APP_NAME}.app" if IS_MAC else cfg.APP_NAME)


def executable() -> Path:
    if IS_MAC:
        return bundle_dir() / "Contents" / "MacOS" / cfg.exe_name()
    return bundle_dir() / (cfg.exe_name() + (".exe" if IS_WIN else ""))


def archive_name() -> str:
    osname = {"win32": "windows", "darwin": "macos"}.get(sys.platform, "linux")
    machine = platform.machine().lower().replace("amd64", "x86_64").replace("aarch64", "arm64")
    ext = "tar.gz" if osname == "linux" else "zip"
    return f"{cfg.APP_NAME}-{cfg.version()}-{osname}-{machine}.{ext}"


def make_archive() -> Path:
    """Pack the bundle; the archive is written beside its final name and renamed when complete."""
    src = bundle_dir()
    out = DIST / archive_name()
    tmp = out.with_name(out.name + ".part")
    tmp.unlink(missing_ok=True)
    step(f"packing {out.relative_to(ROOT)}")
    if IS_MAC:
        # ditto keeps the symlinks inside Qt's frameworks and the bundle's extended attributes; a plain
        # zip would copy each symlink's target and break the code signature.
        subprocess.run(
            ["ditto", "-c", "-k", "--sequesterRsrc", "--keepParent", str(src), str(tmp)], check=True
        )
    elif IS_WIN:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
            for path in sorted(src.rglob("*")):
                z.write(path, path.relative_to(src.parent))
    else:
        with tarfile.open(tmp, "w:gz", compresslevel=9) as t:
            t.add(src, arcname=src.name)
    tmp.replace(out)
    return out


def tree_size(path: Path) -> tuple[int, int]:
    """Bytes and file count of a folder, counting symlinks as links (as they unpack), not their targets."""
    total = files = 0
    for p in path.rglob("*"):
        if p.is_symlink():
            total += len(os.readlink(p))
        elif p.is_file():
            total += p.stat().st_size
            files += 1
    return total, files


def over_budget(bundle_bytes: int, archive_bytes: int) -> list[str]:
    """The budgets in cfg.SIZE_BUDGET_MB that this build exceeds (none are set for this platform: none)."""
    budget = cfg.SIZE_BUDGET_MB.get(sys.platform.rstrip("0123456789"), {})
    measured = {"bundle": bundle_bytes / 1e6, "archive": archive_bytes / 1e6}
    for what, mb in budget.items():
        print(f"budget   {what}: {measured[what]:.1f} MB of {mb} MB", flush=True)
    return [f"{what} {measured[what]:.1f} MB > {mb} MB" for what, mb in budget.items() if measured[what] > mb]


def run_self_test() -> dict:
    exe = executable()
    report = BUILD / "selftest-report.json"
    report.unlink(missing_ok=True)
    step(f"self-test: {exe.relative_to(ROOT)} --self-test")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("PYTHONPATH", None)
    proc = subprocess.run([str(exe), "--self-test", "--report", str(report)], env=env, timeout=600)
    data = json.loads(report.read_text(encoding="utf-8")) if report.exists() else {"ok": False, "checks": []}
    for c in data.get("checks", []):
        print(f"   {'PASS' if c['ok'] else 'FAIL'}  {c['name']:<12} {c['seconds']:6.2f}s  {c['detail']}")
    data["exit_code"] = proc.returncode
    return data


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(
        prog="run.py build", description="Build the packaged NemoDesk for this platform."
    )
    ap.add_argument("--reuse-venv", action="store_true", help="keep build/venv if the pins have not changed")
    ap.add_argument("--self-test", action="store_true", help="run the frozen app's self-test after packing")
    args = ap.parse_args(argv)
    t0 = time.monotonic()
    BUILD.mkdir(exist_ok=True)
    make_venv(args.reuse_venv)
    t_venv = time.monotonic() - t0
    run_pyinstaller()
    saved = strip_debug_info(bundle_dir())
    if saved:
        print(f"stripped {saved / 1e6:.1f} MB of debug info", flush=True)
    if sys.platform.startswith("linux"):
        import slim_linux

        step(
            "trimming what NemoDesk never uses from Qt's ICU data and PyAV's encoders (packaging/slim_linux.py)"
        )
        try:
            for what, n in slim_linux.slim_bundle(bundle_dir(), cfg.QT_LIB_DROPS).items():
                print(f"   {what}: {n / 1e6:.1f} MB saved", flush=True)
        except slim_linux.SlimError as err:
            print(f"build FAILED: {err}", flush=True)
            return 1
    t_freeze = time.monotonic() - t0 - t_venv
    archive = make_archive()
    size, files = tree_size(bundle_dir())
    print(f"bundle   {bundle_dir().relative_to(ROOT)}: {size / 1e6:.1f} MB in {files} files")
    print(f"archive  {archive.relative_to(ROOT)}: {archive.stat().st_size / 1e6:.1f} MB")
    over = over_budget(size, archive.stat().st_size)
    print(f"time     venv {t_venv:.0f}s, PyInstaller {t_freeze:.0f}s, total {time.monotonic() - t0:.0f}s")
    print(f"run it:  {executable().relative_to(ROOT)}")
    if over:
        print("build FAILED: over the size budget: " + "; ".join(over), flush=True)
        return 1
    if args.self_test:
        result = run_self_test()
        if not result.get("ok") or result["exit_code"] != 0:
            print(f"self-test FAILED (exit {result['exit_code']})", flush=True)
            return 1
        print("self-test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
