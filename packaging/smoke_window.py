"""Start the frozen NemoDesk window on a virtual X screen and confirm it comes up, then close it.

    python3 packaging/smoke_window.py [--exe dist/NemoDesk/nemodesk] [--runs 3] [--screenshot shot.png]

For each run: start Xvfb, start the app (NEMODESK_HOME in a fresh temporary folder, as a first start), wait
until a top-level window whose title contains "NemoDesk" is mapped, and time it from the moment the process was
started. The window must still be there a moment later (no crash right after showing); then it is asked to close
the way a window manager does (WM_DELETE_WINDOW), must exit with status 0, and must leave no process behind (the
engine it started). Exits 0 only if every run did all that. The figures go to stdout and, with --report, to JSON.

Talks to X through libX11 with ctypes, so it needs nothing beyond Xvfb (Debian: xvfb, xauth) and the libX11
that Qt's xcb platform already needs.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TITLE = "NemoDesk"
IS_VIEWABLE = 2
CLIENT_MESSAGE = 33


class XClientMessageEvent(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("serial", ctypes.c_ulong),
        ("send_event", ctypes.c_int),
        ("display", ctypes.c_void_p),
        ("window", ctypes.c_ulong),
        ("message_type", ctypes.c_ulong),
        ("format", ctypes.c_int),
        ("l", ctypes.c_long * 5),
    ]


class XEvent(ctypes.Union):
    _fields_ = [("xclient", XClientMessageEvent), ("pad", ctypes.c_long * 24)]


class XWindowAttributes(ctypes.Structure):
    _fields_ = [
        ("x", ctypes.c_int),
        ("y", ctypes.c_int),
        ("width", ctypes.c_int),
        ("height", ctypes.c_int),
        ("border_width", ctypes.c_int),
        ("depth", ctypes.c_int),
        ("visual", ctypes.c_void_p),
        ("root", ctypes.c_ulong),
        ("class_", ctypes.c_int),
        ("bit_gravity", ctypes.c_int),
        ("win_gravity", ctypes.c_int),
        ("backing_store", ctypes.c_int),
        ("backing_planes", ctypes.c_ulong),
        ("backing_pixel", ctypes.c_ulong),
        ("save_under", ctypes.c_int),
        ("colormap", ctypes.c_ulong),
        ("map_installed", ctypes.c_int),
        ("map_state", ctypes.c_int),
        ("all_event_masks", ctypes.c_long),
        ("your_event_mask", ctypes.c_long),
        ("do_not_propagate_mask", ctypes.c_long),
        ("override_redirect", ctypes.c_int),
        ("screen", ctypes.c_void_p),
    ]


class X11:
    """The few Xlib calls this needs: list top-level windows, read a title, ask a window to close."""

    def __init__(self, display: str):
        name = ctypes.util.find_library("X11") or "libX11.so.6"
        x = self.x = ctypes.CDLL(name)
        x.XOpenDisplay.restype = ctypes.c_void_p
        x.XOpenDisplay.argtypes = [ctypes.c_char_p]
        x.XDefaultRootWindow.restype = ctypes.c_ulong
        x.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        x.XInternAtom.restype = ctypes.c_ulong
        x.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
        x.XQueryTree.argtypes = [
            ctypes.c_void_p,
            ctypes.c_ulong,
            ctypes.POINTER(ctypes.c_ulong),
            ctypes.POINTER(ctypes.c_ulong),
            ctypes.POINTER(ctypes.POINTER(ctypes.c_ulong)),
            ctypes.POINTER(ctypes.c_uint),
        ]
        x.XGetWindowAttributes.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(XWindowAttributes)]
        x.XGetWindowProperty.argtypes = [
            ctypes.c_void_p,
            ctypes.c_ulong,
            ctypes.c_ulong,
            ctypes.c_long,
            ctypes.c_long,
            ctypes.c_int,
            ctypes.c_ulong,
            ctypes.POINTER(ctypes.c_ulong),
            ctypes.POINTER(ctypes.c_int),
            ctypes.POINTER(ctypes.c_ulong),
            ctypes.POINTER(ctypes.c_ulong),
            ctypes.POINTER(ctypes.c_void_p),
        ]
        x.XSendEvent.argtypes = [
            ctypes.c_void_p,
            ctypes.c_ulong,
            ctypes.c_int,
            ctypes.c_long,
            ctypes.POINTER(XEvent),
        ]
        x.XFree.argtypes = [ctypes.c_void_p]
        x.XFlush.argtypes = [ctypes.c_void_p]
        x.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
        x.XCloseDisplay.argtypes = [ctypes.c_void_p]
        # A window that vanishes between listing and reading must not abort the whole process.
        self._handler = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)(lambda d, e: 0)
        x.XSetErrorHandler(self._handler)
        self.dpy = x.XOpenDisplay(display.encode())
        if not self.dpy:
            raise RuntimeError(f"cannot open X display {display}")
        self.root = x.XDefaultRootWindow(self.dpy)
        self.atoms = {
            n: x.XInternAtom(self.dpy, n.encode(), 0)
            for n in ("_NET_WM_NAME", "WM_NAME", "WM_PROTOCOLS", "WM_DELETE_WINDOW")
        }

    def close(self) -> None:
        self.x.XCloseDisplay(self.dpy)

    def children(self, win: int) -> list[int]:
        root, parent = ctypes.c_ulong(), ctypes.c_ulong()
        kids, n = ctypes.POINTER(ctypes.c_ulong)(), ctypes.c_uint()
        if not self.x.XQueryTree(
            self.dpy, win, ctypes.byref(root), ctypes.byref(parent), ctypes.byref(kids), ctypes.byref(n)
        ):
            return []
        out = [kids[i] for i in range(n.value)]
        if kids:
            self.x.XFree(kids)
        return out

    def prop(self, win: int, atom: str) -> bytes:
        typ, fmt = ctypes.c_ulong(), ctypes.c_int()
        n, after, data = ctypes.c_ulong(), ctypes.c_ulong(), ctypes.c_void_p()
        status = self.x.XGetWindowProperty(
            self.dpy,
            win,
            self.atoms[atom],
            0,
            1024,
            0,
            0,
            ctypes.byref(typ),
            ctypes.byref(fmt),
            ctypes.byref(n),
            ctypes.byref(after),
            ctypes.byref(data),
        )
        if status != 0 or not data.value:
            return b""
        raw = ctypes.string_at(data.value, n.value * max(fmt.value, 8) // 8)
        self.x.XFree(data)
        return raw

    def title(self, win: int) -> str:
        return (self.prop(win, "_NET_WM_NAME") or self.prop(win, "WM_NAME")).decode("utf-8", "replace")

    def viewable(self, win: int) -> tuple[bool, tuple[int, int]]:
        attrs = XWindowAttributes()
        if not self.x.XGetWindowAttributes(self.dpy, win, ctypes.byref(attrs)):
            return False, (0, 0)
        return attrs.map_state == IS_VIEWABLE, (attrs.width, attrs.height)

    def find(self, needle: str) -> tuple[int, str, tuple[int, int]] | None:
        """The first mapped top-level window whose title contains `needle` (no window manager: root's children)."""
        for win in self.children(self.root):
            name = self.title(win)
            if needle.lower() in name.lower():
                shown, size = self.viewable(win)
                if shown:
                    return win, name, size
        return None

    def request_close(self, win: int) -> None:
        ev = XEvent()
        ev.xclient.type = CLIENT_MESSAGE
        ev.xclient.window = win
        ev.xclient.message_type = self.atoms["WM_PROTOCOLS"]
        ev.xclient.format = 32
        ev.xclient.l[0] = self.atoms["WM_DELETE_WINDOW"]
        ev.xclient.l[1] = 0  # CurrentTime
        self.x.XSendEvent(self.dpy, win, 0, 0, ctypes.byref(ev))
        self.x.XFlush(self.dpy)


def start_xvfb() -> tuple[subprocess.Popen, str]:
    xvfb = shutil.which("Xvfb")
    if not xvfb:
        raise SystemExit("Xvfb is not installed (Debian/Ubuntu: apt-get install xvfb xauth)")
    r, w = os.pipe()
    proc = subprocess.Popen(
        [xvfb, "-displayfd", str(w), "-screen", "0", "1440x900x24", "-nolisten", "tcp"],
        pass_fds=(w,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(w)
    with os.fdopen(r) as f:
        num = f.readline().strip()
    if not num:
        proc.kill()
        raise SystemExit("Xvfb did not start")
    return proc, f":{num}"


def session_pids(sid: int) -> list[int]:
    """Processes still alive in a session (the app was started as its own session's leader)."""
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[3]) == sid and fields[0] != "Z":  # fields: state ppid pgrp session ...
                out.append(int(d.name))
    return out


def stop_app(app: subprocess.Popen) -> None:
    """End the app if it is still running, and whatever it started (the engine), by its session's pids."""
    if app.poll() is None:
        app.terminate()
        try:
            app.wait(timeout=5)
        except subprocess.TimeoutExpired:
            app.kill()
    for pid in session_pids(app.pid):  # only what this app started, by pid
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def one_run(cmd: list[str], timeout: float, screenshot: Path | None) -> dict:
    xvfb, display = start_xvfb()
    home = Path(tempfile.mkdtemp(prefix="nemodesk-smoke-"))
    env = {
        k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "PYTHONPATH")
    }
    env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb", NEMODESK_HOME=str(home))
    result: dict = {"ok": False, "display": display}
    x11 = X11(display)
    log = (home / "stdout.txt").open("wb")
    t0 = time.monotonic()
    app = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        found = None
        while time.monotonic() - t0 < timeout and app.poll() is None:
            found = x11.find(TITLE)
            if found:
                break
            time.sleep(0.01)
        if not found:
            result["error"] = (
                f"exited with {app.returncode} before" if app.poll() is not None else "no"
            ) + f" window titled '{TITLE}' within {timeout:.0f} s"
            return result
        result["seconds_to_window"] = round(time.monotonic() - t0, 3)
        win, title, size = found
        result.update(title=title, size=list(size))
        time.sleep(1.5)  # it must stay up: a crash right after showing is still a crash
        if app.poll() is not None or not x11.find(TITLE):
            result["error"] = f"window went away by itself (exit {app.returncode})"
            return result
        if screenshot and shutil.which("import"):
            subprocess.run(
                ["import", "-display", display, "-window", "root", str(screenshot)], check=False, timeout=30
            )
        x11.request_close(win)
        try:
            code = app.wait(timeout=15)
        except subprocess.TimeoutExpired:
            result["error"] = "did not exit within 15 s of being asked to close"
            return result
        result["exit_code"] = code
        time.sleep(0.5)
        left = session_pids(app.pid)
        if left:
            result["error"] = f"left processes running after closing: {left}"
            return result
        result["ok"] = code == 0
        if code != 0:
            result["error"] = f"exit status {code}"
        return result
    finally:
        stop_app(app)
        log.close()
        if not result["ok"]:
            result["output_tail"] = (home / "stdout.txt").read_text(errors="replace")[-2000:]
        x11.close()
        xvfb.terminate()
        xvfb.wait(timeout=10)
        shutil.rmtree(home, ignore_errors=True)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--exe", type=Path, default=ROOT / "dist" / "NemoDesk" / "nemodesk")
    ap.add_argument(
        "command", nargs="*", help="run this instead of --exe (e.g. -- .venv/bin/python -m nemodesk)"
    )
    ap.add_argument("--runs", type=int, default=3, help="starts to time (the first one runs on a cold cache)")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the window")
    ap.add_argument(
        "--screenshot", type=Path, default=None, help="save the screen of the first run (ImageMagick)"
    )
    ap.add_argument("--report", type=Path, default=None, help="write the results as JSON")
    args = ap.parse_args(argv)
    cmd = args.command or [str(args.exe.resolve())]
    if not args.command and not args.exe.exists():
        print(f"no app at {args.exe}: build it first with `python3 run.py build`", file=sys.stderr)
        return 2
    runs = []
    for i in range(args.runs):
        r = one_run(cmd, args.timeout, args.screenshot if i == 0 else None)
        runs.append(r)
        shown = (
            f"window '{r.get('title')}' {r.get('size')} after {r['seconds_to_window']:.2f} s"
            if "seconds_to_window" in r
            else "no window"
        )
        print(
            f"run {i + 1}: {'ok' if r['ok'] else 'FAILED'}: {shown}"
            + (f"; {r['error']}" if r.get("error") else ""),
            flush=True,
        )
        if r.get("output_tail"):
            print(r["output_tail"])
    times = [r["seconds_to_window"] for r in runs if "seconds_to_window" in r]
    summary = {
        "ok": all(r["ok"] for r in runs),
        "runs": runs,
        "median_seconds_to_window": statistics.median(times) if times else None,
    }
    if times:
        print(
            f"window appeared in {min(times):.2f}-{max(times):.2f} s (median {summary['median_seconds_to_window']:.2f} s)"
        )
    if args.report:
        args.report.write_text(json.dumps(summary, indent=2))
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
