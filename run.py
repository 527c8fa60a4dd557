#!/usr/bin/env python3
"""NemoDesk from a source checkout: one script a new user can run on a fresh machine.

    python3 run.py            start the NemoDesk window
    python3 run.py test       run lint, the layering contract and the whole test suite
    python3 run.py cli ...    run nemodesk-cli (for example: python3 run.py cli slideshow a.jpg b.jpg -o out.mp4)
    python3 run.py bench      run the benchmarks (add --quick for the short CI variant)
    python3 run.py build      build the packaged app for this platform (PyInstaller)

It keeps its own virtual environment in .venv and installs the pinned dependencies into it the first time
(and again whenever pyproject.toml or requirements/constraints.txt change), so nothing touches the system
Python. Standard library only: it must run before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".nemodesk-installed"
EXTRAS = {"app": "", "test": "[dev]", "bench": "[dev,bench]", "build": "[dev,build]"}


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def venv_bin(name: str) -> Path:
    return VENV / ("Scripts" if os.name == "nt" else "bin") / (name + (".exe" if os.name == "nt" else ""))


def pins_digest() -> str:
    h = hashlib.sha256()
    for f in ("pyproject.toml", "requirements/constraints.txt"):
        h.update((ROOT / f).read_bytes())
    return h.hexdigest()


def ensure_env(kind: str) -> None:
    """Create .venv and install what `kind` needs, once per change of the pins.

    The stamp records which kinds were installed against which pins; every kind includes the app itself.
    """
    if sys.version_info < (3, 11):  # noqa: UP036 - this script must still say so on an old Python
        sys.exit(f"NemoDesk needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    if not venv_python().exists():
        print("Setting up NemoDesk's environment in .venv (first run only)...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = pins_digest()
    done = {
        line.split(":")[0]
        for line in (STAMP.read_text().splitlines() if STAMP.exists() else [])
        if line.endswith(":" + digest)
    }
    if kind in done or (kind == "app" and done) or (kind == "test" and done & {"bench", "build"}):
        return
    extras = EXTRAS[kind]
    print(f"Installing NemoDesk and its pinned dependencies {extras}...", flush=True)
    cmd = [
        str(venv_python()),
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "-q",
        "-c",
        str(ROOT / "requirements/constraints.txt"),
        "-e",
        f"{ROOT}{extras}",
    ]
    subprocess.run(cmd, check=True)
    STAMP.write_text("".join(f"{k}:{digest}\n" for k in sorted(done | {kind})))


def run(cmd: list[str], env: dict[str, str] | None = None) -> int:
    return subprocess.call(cmd, cwd=ROOT, env=env)


LINTED = ("src", "tests", "benchmarks", "packaging", "scripts", "resources", "run.py")


def run_tests(args: list[str]) -> int:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONUTF8="1")
    steps = [
        ("lint", [str(venv_bin("ruff")), "check", *LINTED]),
        ("format", [str(venv_bin("ruff")), "format", "--check", *LINTED]),
        ("layers", [str(venv_bin("lint-imports"))]),
    ]
    for name, cmd in steps:
        print(f"== {name}: {' '.join(Path(c).name if i == 0 else c for i, c in enumerate(cmd))}", flush=True)
        if run(cmd, env) != 0:
            print(f"== {name} failed", flush=True)
            return 1
    print("== tests", flush=True)
    return run([str(venv_python()), "-m", "pytest", *args], env)


def main(argv: list[str]) -> int:
    cmd, rest = (argv[0], argv[1:]) if argv else ("app", [])
    if cmd in ("app", "run"):
        ensure_env("app")
        return run([str(venv_python()), "-m", "nemodesk", *rest])
    if cmd == "test":
        ensure_env("test")
        return run_tests(rest)
    if cmd == "cli":
        ensure_env("app")
        return run([str(venv_python()), "-m", "nemodesk.cli.main", *rest])
    if cmd == "bench":
        ensure_env("bench")
        return run([str(venv_python()), "-m", "benchmarks.run_all", *rest])
    if cmd == "build":
        ensure_env("build")
        return run([str(venv_python()), str(ROOT / "packaging/build.py"), *rest])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
