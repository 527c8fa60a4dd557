"""Export a video from the frozen NemoDesk window, as a person would: open a project, press Ctrl+E, get an MP4.

    .venv/bin/python packaging/smoke_export.py [--exe dist/NemoDesk/nemodesk] [--screenshot shot.png]
                                               [--report build/smoke-export.json]

Makes a `.nemodesk` project of the sample photos and music (../shared/media, or $NEMODESK_SAMPLE_MEDIA) with
NemoDesk's own project code, then on Xvfb starts the frozen app with that project as its argument (what a
double-click does), with HOME in a fresh temporary folder. It waits until the window's title names the project
(the photos are in the app's own engine and the timeline is in place), presses Ctrl+E in the window with
xdotool, and waits for the MP4 in the Videos folder. The MP4 is then decoded: H.264 at 1920x1080, the
timeline's length, pictures that change, and the music. Last, the window is closed the way a window manager
does and must exit 0 leaving no process behind, as in smoke_window.py.

Runs with the project's .venv (it imports nemodesk and PyAV); needs Xvfb and xdotool (Debian: xvfb xdotool).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from smoke_window import X11, session_pids, start_xvfb, stop_app  # noqa: E402

PROJECT = "Smoke trip"
PHOTOS = ("rocket.jpg", "coffee.png", "chelsea.png", "astronaut.png", "hubble_deep_field.jpg")
SECONDS_PER_PHOTO = 2.0


def sample_media() -> Path:
    media = Path(os.environ.get("NEMODESK_SAMPLE_MEDIA", ROOT.parent / "shared" / "media"))
    missing = [n for n in (*PHOTOS, "music-120bpm.m4a") if not (media / n).is_file()]
    if missing:
        raise SystemExit(f"sample media missing in {media}: {missing} (set NEMODESK_SAMPLE_MEDIA)")
    return media


def make_project(folder: Path) -> tuple[Path, float]:
    """A slideshow project built and saved by NemoDesk's own code; returns it and its length in seconds."""
    from nemodesk.core.project import save_project
    from nemodesk.core.slideshow import MediaRef, build_slideshow

    media = sample_media()
    files = {f"media:{i:04x}": media / name for i, name in enumerate(PHOTOS)}
    files["media:music"] = media / "music-120bpm.m4a"
    photos = [MediaRef(src, path.name) for src, path in files.items() if src != "media:music"]
    draft = build_slideshow(
        photos,
        music=MediaRef("media:music", "music-120bpm.m4a", duration_ms=32_000),
        seconds=SECONDS_PER_PHOTO,
        title=PROJECT,
    )
    target = save_project(folder / f"{PROJECT}.nemodesk", draft, files.get)
    return target, draft.duration_ms() / 1000


def check_mp4(path: Path, seconds: float) -> dict:
    """Decode the export: H.264 1080p, the timeline's length, changing pictures, an audio track."""
    import av
    import numpy as np

    with av.open(str(path)) as c:
        v = c.streams.video[0]
        info = {
            "codec": v.codec_context.name,
            "size": [v.codec_context.width, v.codec_context.height],
            "seconds": round(float(c.duration or 0) / av.time_base, 2),
            "audio": [a.codec_context.name for a in c.streams.audio],
        }
        frames = [f.to_ndarray(format="gray").astype(np.int16) for f in c.decode(video=0)]
    info["frames"] = len(frames)
    picks = [frames[int(len(frames) * q)] for q in (0.1, 0.5, 0.9)] if frames else []
    info["picture_change"] = [round(float(np.abs(a - b).mean()), 1) for a, b in itertools.pairwise(picks)]
    problems = []
    if info["codec"] != "h264":
        problems.append(f"codec {info['codec']}")
    if info["size"] != [1920, 1080]:
        problems.append(f"size {info['size']}")
    if abs(info["seconds"] - seconds) > 0.5:
        problems.append(f"length {info['seconds']} s, the timeline is {seconds:.2f} s")
    if not info["audio"]:
        problems.append("no audio track")
    if len(picks) < 3 or min(info["picture_change"]) < 2 or max(float(p.std()) for p in picks) < 5:
        problems.append(f"the pictures do not change or are blank: {info['picture_change']}")
    info["problems"] = problems
    return info


def xdotool(display: str, *args: str) -> None:
    subprocess.run(["xdotool", *args], env={**os.environ, "DISPLAY": display}, check=True, timeout=30)


def run(exe: Path, timeout: float, screenshot: Path | None) -> dict:
    work = Path(tempfile.mkdtemp(prefix="nemodesk-export-smoke-"))
    home = work / "home"
    videos = home / "Videos"
    home.mkdir()
    project, seconds = make_project(work)
    result: dict = {"ok": False, "project": project.name, "timeline_seconds": round(seconds, 2)}
    xvfb, display = start_xvfb()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "PYTHONPATH") and not k.startswith("XDG_")
    }
    env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb", HOME=str(home), NEMODESK_HOME=str(work / "nemodesk"))
    x11 = X11(display)
    log = (work / "stdout.txt").open("wb")
    t0 = time.monotonic()
    app = subprocess.Popen(
        [str(exe), str(project)], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )

    def wait_for(what: str, probe, limit: float):
        end = time.monotonic() + limit
        while time.monotonic() < end:
            if app.poll() is not None:
                raise RuntimeError(f"the app exited with {app.returncode} while waiting for {what}")
            found = probe()
            if found:
                return found
            time.sleep(0.1)
        raise RuntimeError(f"no {what} within {limit:.0f} s")

    try:
        win, title, _ = wait_for("window", lambda: x11.find("NemoDesk"), timeout)
        result["seconds_to_window"] = round(time.monotonic() - t0, 2)
        win, title, _ = wait_for(f"window titled '{PROJECT}'", lambda: x11.find(PROJECT), timeout)
        result["seconds_to_project"] = round(time.monotonic() - t0, 2)
        result["title"] = title
        xdotool(display, "windowfocus", "--sync", str(win))
        xdotool(display, "key", "--clearmodifiers", "ctrl+e")
        t_export = time.monotonic()
        mp4 = wait_for("MP4 in ~/Videos", lambda: next(iter(sorted(videos.glob("*.mp4"))), None), 300)
        result["export_seconds"] = round(time.monotonic() - t_export, 1)
        result["mp4"] = mp4.name
        result["mp4_bytes"] = mp4.stat().st_size
        result["decoded"] = check_mp4(mp4, seconds)
        time.sleep(1.0)  # let the queue show "done" for the screenshot
        if screenshot and shutil.which("import"):
            subprocess.run(["import", "-display", display, "-window", "root", str(screenshot)], timeout=30)
        others = [p.name for p in videos.iterdir() if p != mp4]
        if others:
            result["decoded"]["problems"].append(f"other files left in Videos: {others}")
        x11.request_close(win)
        code = app.wait(timeout=20)
        time.sleep(0.5)
        left = session_pids(app.pid)
        result["exit_code"] = code
        problems = list(result["decoded"]["problems"])
        if code != 0:
            problems.append(f"exit status {code}")
        if left:
            problems.append(f"left processes running after closing: {left}")
        result["error"] = "; ".join(problems)
        result["ok"] = not problems
    except (RuntimeError, subprocess.SubprocessError) as err:
        result["error"] = str(err)
    finally:
        stop_app(app)
        log.close()
        if not result["ok"]:
            result["output_tail"] = (work / "stdout.txt").read_text(errors="replace")[-3000:]
        x11.close()
        xvfb.terminate()
        xvfb.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
    return result


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--exe", type=Path, default=ROOT / "dist" / "NemoDesk" / "nemodesk")
    ap.add_argument(
        "--timeout", type=float, default=60.0, help="seconds to wait for the window and the project"
    )
    ap.add_argument("--screenshot", type=Path, default=None, help="save the screen once the export is done")
    ap.add_argument("--report", type=Path, default=None, help="write the result as JSON")
    args = ap.parse_args(argv)
    if not args.exe.exists():
        print(f"no app at {args.exe}: build it first with `python3 run.py build`", file=sys.stderr)
        return 2
    if not shutil.which("xdotool"):
        print("xdotool is not installed (Debian/Ubuntu: apt-get install xdotool)", file=sys.stderr)
        return 2
    r = run(args.exe.resolve(), args.timeout, args.screenshot)
    d = r.get("decoded", {})
    print(
        f"export smoke: {'ok' if r['ok'] else 'FAILED'}: window {r.get('seconds_to_window')} s, project open "
        f"{r.get('seconds_to_project')} s, export {r.get('export_seconds')} s -> {r.get('mp4')} "
        f"({d.get('codec')} {d.get('size')} {d.get('seconds')} s of {r['timeline_seconds']} s, "
        f"{d.get('frames')} frames, audio {d.get('audio')})" + (f"; {r['error']}" if r.get("error") else ""),
        flush=True,
    )
    if r.get("output_tail"):
        print(r["output_tail"])
    if args.report:
        args.report.write_text(json.dumps(r, indent=2))
    return 0 if r["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
