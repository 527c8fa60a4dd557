"""Start the local engine as a separate process and learn its URL.

The app (and `nemodesk-cli --api-url local`) runs the engine in its own process so a render never stalls
the GUI's interpreter. The engine prints its URL as its first stdout line; we wait for that line. The
engine's stdin is a pipe we hold: if this process dies, the pipe closes and the engine shuts itself down
instead of lingering. A per-launch token is passed in the environment (never on the command line, where
other users could read it in the process list) and is available as `.token`.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType

from nemodesk.core import paths
from nemodesk.core.errors import UserError

START_TIMEOUT_S = 60.0


class EngineStartError(UserError):
    pass


def engine_command() -> list[str]:
    """How to run the engine: this interpreter with `-m nemodesk`, or the frozen executable itself."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "engine"]
    return [sys.executable, "-m", "nemodesk", "engine"]


class EngineProcess:
    """A running engine. `.url`, `.token`, `.pid`; `.stop()` or use it as a context manager."""

    def __init__(self, proc: subprocess.Popen[bytes], url: str, token: str, log_path: Path):
        self.proc = proc
        self.url = url
        self.token = token
        self.log_path = log_path

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, timeout: float = 10.0) -> int | None:
        """Ask the engine to finish (closing its stdin, then SIGTERM), kill it if it does not."""
        if self.proc.poll() is None:
            try:
                if self.proc.stdin:
                    self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(timeout / 2)
            except subprocess.TimeoutExpired:
                self.proc.terminate()
                try:
                    self.proc.wait(timeout / 2)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(5)
        return self.proc.returncode

    def __enter__(self) -> EngineProcess:
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def start_engine(
    data_dir: Path | None = None,
    port: int = 0,
    *,
    workers: int = 1,
    extra_args: list[str] | None = None,
    timeout: float = START_TIMEOUT_S,
) -> EngineProcess:
    """Start `nemodesk engine` on 127.0.0.1 and return once it prints its URL (or raise EngineStartError)."""
    token = "nd_" + secrets.token_urlsafe(32)
    cmd = [*engine_command(), "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
           "--exit-with-stdin"]  # fmt: skip
    if data_dir is not None:
        cmd += ["--data-dir", str(data_dir)]
    cmd += extra_args or []
    env = dict(os.environ, NEMODESK_ENGINE_TOKEN=token, PYTHONUNBUFFERED="1")
    log_path = paths.log_dir() / "engine.log"
    log_file = open(log_path, "ab")  # noqa: SIM115 - handed to the child, closed below
    kwargs: dict[str, object] = {}
    if sys.platform == "win32":
        kwargs["creationflags"] = subprocess.CREATE_NO_WINDOW  # type: ignore[attr-defined]
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log_file, env=env,
                                **kwargs)  # type: ignore[call-overload]  # fmt: skip
    finally:
        log_file.close()
    line: list[bytes] = []
    reader = threading.Thread(target=lambda: line.append(proc.stdout.readline()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    deadline = time.monotonic() + timeout
    while reader.is_alive() and time.monotonic() < deadline and proc.poll() is None:
        reader.join(0.05)
    url = line[0].decode("utf-8", "replace").strip() if line else ""
    if not url.startswith("http://"):
        if proc.poll() is None:
            proc.kill()
        proc.wait(5)
        tail = _tail(log_path)
        raise EngineStartError(
            "The local engine did not start" + (f": {tail}" if tail else "."),
            f"See the engine log at {log_path}.",
        )
    # Keep draining stdout so stray prints (a library, a render worker sharing the fd) never fill the pipe.
    threading.Thread(target=_drain, args=(proc.stdout,), name="engine-stdout", daemon=True).start()
    return EngineProcess(proc, url, token, log_path)


def _drain(stream: object) -> None:
    try:
        while stream.read(65536):  # type: ignore[attr-defined]
            pass
    except (OSError, ValueError):
        pass


def _tail(path: Path, lines: int = 1) -> str:
    try:
        text = path.read_text("utf-8", "replace").strip().splitlines()
    except OSError:
        return ""
    return " ".join(text[-lines:])[-300:]
