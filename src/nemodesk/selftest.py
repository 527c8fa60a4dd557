"""`nemodesk --self-test [--report PATH]`: prove that a (frozen) NemoDesk works on this machine.

A packaged app fails in ways the test suite never sees: a module PyInstaller did not collect, a Qt image
plugin left out, a codec missing from a wheel, an engine subprocess that cannot start because the frozen
executable does not route its subcommand. So this runs the real thing: it imports every module, decodes
each photo format we accept, starts the local engine exactly as the window does, renders a 2-second MP4
through it over HTTP, decodes that MP4 back, and asks for the keyring. It writes a JSON report and exits 0
only if every check passed.

A windowed build has no console, so logging (to a file) and `sys.excepthook` are set up before anything else
can fail, and the report is the way to read the result (CI prints it).
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import platform
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger("nemodesk.selftest")

# Modules the app loads by name at run time, which PyInstaller cannot see from import statements (the
# nemodesk modules themselves are all imported, so their static imports are covered): a missing one is a
# packaging bug that only shows up when that code path runs.
RUNTIME_MODULES = (
    "PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets", "qasync", "httpx", "httpx_sse", "keyring",
    "platformdirs", "PIL.Image", "PIL.JpegImagePlugin", "PIL.PngImagePlugin", "PIL.WebPImagePlugin",
    "PIL.GifImagePlugin", "pi_heif", "av", "numpy", "starlette", "uvicorn", "uvicorn.loops.auto",
    "uvicorn.protocols.http.auto", "uvicorn.lifespan.on", "python_multipart", "sqlite3", "certifi",
)  # fmt: skip
# The keyring backend each OS needs, with the library it loads lazily.
KEYRING_MODULES = {
    "win32": ("keyring.backends.Windows", "win32ctypes.pywin32.win32cred"),
    "darwin": ("keyring.backends.macOS", "keyring.backends.macOS.api"),
    "linux": ("keyring.backends.SecretService", "secretstorage", "jeepney"),
}
PHOTO_FORMATS = ("JPEG", "PNG", "WEBP", "HEIC")
RENDER_SECONDS = 2.0
RENDER_SIZE = (320, 180)


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    seconds: float


@dataclass
class Report:
    version: str
    frozen: bool
    executable: str
    platform: str
    python: str
    started: str
    checks: list[Check] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, **asdict(self)}


# --- set-up that must come first --------------------------------------------------------------------------


def setup_logging(log_file: Path) -> None:
    """Log to a file (and to stderr when there is one), and send every uncaught exception to the log."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    handlers: list[logging.Handler] = [logging.FileHandler(log_file, encoding="utf-8")]
    if sys.stderr is not None and getattr(sys.stderr, "isatty", lambda: False)():
        handlers.append(logging.StreamHandler(sys.stderr))
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=handlers,
        force=True,
    )

    def excepthook(exc_type: type[BaseException], exc: BaseException, tb: Any) -> None:
        log.critical("uncaught exception", exc_info=(exc_type, exc, tb))

    def thread_excepthook(args: threading.ExceptHookArgs) -> None:
        log.critical(
            "uncaught exception in thread %s",
            getattr(args.thread, "name", "?"),
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
        )  # type: ignore[arg-type]

    sys.excepthook = excepthook
    threading.excepthook = thread_excepthook


# --- checks -----------------------------------------------------------------------------------------------


def check_imports() -> str:
    """Import every nemodesk module and every third-party module the app needs."""
    import importlib
    import pkgutil

    import nemodesk

    names = ["nemodesk"]
    failed: list[str] = []

    def onerror(name: str) -> None:
        failed.append(f"{name}: {sys.exc_info()[1]!r}")

    for mod in pkgutil.walk_packages(nemodesk.__path__, "nemodesk.", onerror=onerror):
        names.append(mod.name)
    for name in [*names, *RUNTIME_MODULES]:
        if name == "nemodesk.__main__":
            continue  # the entry point itself: importing it would be harmless but proves nothing
        try:
            importlib.import_module(name)
        except Exception as err:  # any failure here is what the check reports
            failed.append(f"{name}: {err!r}")
    if failed:
        raise AssertionError("could not import " + "; ".join(failed))
    if len(names) < 5:
        raise AssertionError(f"found only {len(names)} nemodesk modules: {names}")
    return f"{len(names)} nemodesk modules and {len(RUNTIME_MODULES)} run-time modules"


def sample_photo(size: tuple[int, int] = (96, 64)) -> Any:
    """A photo-like RGB image: a colour gradient with a bright disc, so a broken decode cannot look right."""
    from PIL import Image, ImageDraw

    w, h = size
    img = Image.new("RGB", size)
    img.putdata([(int(255 * x / (w - 1)), int(255 * y / (h - 1)), 128) for y in range(h) for x in range(w)])
    ImageDraw.Draw(img).ellipse((w * 0.55, h * 0.15, w * 0.85, h * 0.6), fill=(250, 240, 60))
    return img


def encode_photo(fmt: str, size: tuple[int, int] = (96, 64)) -> bytes:
    """The sample photo in `fmt` (JPEG, PNG, WEBP or HEIC), encoded in memory."""
    img = sample_photo(size)
    buf = io.BytesIO()
    if fmt == "HEIC":
        from nemodesk.core.paths import resources_dir

        # The app only decodes HEIC (pi-heif has no encoder): the sample was written once with pillow-heif
        # from sample_photo() and ships in resources/samples.
        return (resources_dir() / "samples" / "selftest.heic").read_bytes()
    else:
        img.save(buf, format=fmt, **({"quality": 90} if fmt in ("JPEG", "WEBP") else {}))
    return buf.getvalue()


def _close(a: tuple[int, ...], b: tuple[int, ...], tol: int) -> bool:
    return all(abs(x - y) <= tol for x, y in zip(a[:3], b[:3], strict=True))


def check_decode(fmt: str) -> str:
    """Decode `fmt` with Pillow (pi-heif for HEIC) and, where Qt has a plugin for it, with QImage."""
    from PIL import Image

    from nemodesk.core.heif import register_heif

    if fmt == "HEIC" and not register_heif():
        raise AssertionError("the HEIC decoder (pi-heif) is missing from this build")
    want = sample_photo()
    data = encode_photo(fmt)
    img = Image.open(io.BytesIO(data))
    img.load()
    img = img.convert("RGB")
    if img.size != want.size:
        raise AssertionError(f"Pillow decoded {fmt} as {img.size}, expected {want.size}")
    tol = 0 if fmt == "PNG" else 40  # lossy codecs move colours a little, never this far
    probes = [(5, 5), (90, 60), (67, 20)]
    for xy in probes:
        if not _close(img.getpixel(xy), want.getpixel(xy), tol):
            raise AssertionError(
                f"Pillow decoded {fmt} wrongly at {xy}: {img.getpixel(xy)} vs {want.getpixel(xy)}"
            )
    detail = f"Pillow {len(data)} bytes"
    if fmt != "HEIC":  # Qt has no HEIC plugin; the app decodes HEIC with pi-heif
        from PySide6.QtGui import QImage

        q = QImage.fromData(data)
        if q.isNull():
            raise AssertionError(f"QImage could not decode {fmt}: the Qt image format plugin is missing")
        for x, y in probes:
            c = q.pixelColor(x, y)
            if not _close((c.red(), c.green(), c.blue()), want.getpixel((x, y)), tol):
                raise AssertionError(f"QImage decoded {fmt} wrongly at {(x, y)}")
        detail += ", QImage ok"
    return detail


def check_icu() -> str:
    """Qt's ICU data still answers what Qt asks of it (the Linux bundle ships a slimmed copy of it).

    Qt reaches ICU for collation (the file dialog sorts names with it), time-zone names and legacy text
    codecs. Chinese must sort by pinyin, which root collation does not do, so a missing Chinese collation
    table shows here rather than as a user's oddly sorted folder.
    """
    from PySide6.QtCore import QCollator, QLocale, QStringDecoder, QTimeZone

    words = ["张", "阿", "波"]  # zhang, a, bo
    got = sorted(words, key=QCollator(QLocale("zh_CN")).sortKey)
    if got != ["阿", "波", "张"]:
        raise AssertionError(f"Chinese collation sorted {got}, not by pinyin (阿 波 张)")
    missing = [
        c
        for c in ("GB18030", "Big5", "Shift_JIS", "EUC-KR", "windows-1252")
        if not QStringDecoder(c).isValid()
    ]
    if missing:
        raise AssertionError(f"text codecs missing: {missing}")
    detail = f"pinyin collation; {len(QStringDecoder.availableCodecs())} text codecs"
    if sys.platform.startswith("linux"):  # Windows and macOS name zones in the system's language, not ICU's
        zone = QTimeZone(b"Asia/Shanghai").displayName(
            QTimeZone.TimeType.StandardTime, QTimeZone.NameType.LongName, QLocale("zh_CN")
        )
        if "中国" not in zone:
            raise AssertionError(f"Asia/Shanghai in Chinese is {zone!r}, expected 中国标准时间")
        detail += f"; Asia/Shanghai is {zone}"
    return detail


# H.264 is what NemoDesk exports; the Linux bundle replaces the HEVC and AV1 encoder libraries that PyAV's
# FFmpeg links with stand-ins that refuse (packaging/slim_linux.py): they must refuse, never crash.
EXPORT_ENCODER = "libx264"
STUBBED_ENCODERS = ("libx265", "libsvtav1")


def _encode_three_frames(codec: str) -> int:
    import av
    import numpy as np

    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        stream = out.add_stream(codec, rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        for i in range(3):
            frame = av.VideoFrame.from_ndarray(np.full((64, 64, 3), 40 * i, np.uint8), format="rgb24")
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    return len(buf.getvalue())


def check_encoders() -> str:
    """libx264 encodes; each encoder the Linux bundle stubs out either works or refuses with an error."""
    import av

    size = _encode_three_frames(EXPORT_ENCODER)
    if size < 200:
        raise AssertionError(f"{EXPORT_ENCODER} wrote only {size} bytes for three frames")
    states = []
    for codec in STUBBED_ENCODERS:
        try:
            _encode_three_frames(codec)
            states.append(f"{codec} works")
        except (av.FFmpegError, ValueError) as err:
            states.append(f"{codec} refuses ({type(err).__name__})")
    return f"{EXPORT_ENCODER} encodes ({size} bytes); " + ", ".join(states)


def check_keyring() -> str:
    """Report the keyring backend, and round-trip a dummy secret through it when there is a real one.

    The OS's backend module must be in the bundle everywhere. Headless Linux has no Secret Service: that
    passes as long as NemoDesk copes, i.e. core.identity keeps the token in memory and says it was not
    saved. Windows and macOS always have a backend, so none there is a failure.
    """
    import importlib

    import keyring
    import keyring.backends.fail
    import keyring.backends.null

    plat = "linux" if sys.platform.startswith("linux") else sys.platform
    for mod in KEYRING_MODULES.get(plat, ()):
        importlib.import_module(mod)
    kr = keyring.get_keyring()
    name = f"{type(kr).__module__}.{type(kr).__qualname__}"
    if isinstance(kr, keyring.backends.fail.Keyring | keyring.backends.null.Keyring):
        if plat in ("win32", "darwin") and not os.environ.get("PYTHON_KEYRING_BACKEND"):
            raise AssertionError(f"no keyring backend on {plat} (got {name}): were the backends collected?")
        return f"no usable backend ({name}); {_identity_copes()}"
    service, user = "NemoDesk self-test", f"probe-{uuid.uuid4().hex[:8]}"
    secret = uuid.uuid4().hex
    try:
        keyring.set_password(service, user, secret)
        got = keyring.get_password(service, user)
    finally:
        try:
            keyring.delete_password(service, user)
        except Exception:
            log.warning("could not delete the self-test keyring entry", exc_info=True)
    if got != secret:
        raise AssertionError(f"{name} returned a different secret than was stored")
    return f"{name}: stored, read back and deleted a test entry"


def _identity_copes() -> str:
    """With no keyring, the app's token store must keep the token for the session and say it was not saved."""
    from nemodesk.core.identity import Identity

    ident = Identity("http://127.0.0.1:9/nemodesk-self-test", use_env=False)
    token = "selftest-" + uuid.uuid4().hex
    saved = ident.store_anonymous(token)
    if saved or ident.token != token or not ident.unsaved_notice:
        raise AssertionError(
            "with no keyring the token store neither kept the token nor said it was not saved"
        )
    return "the token is kept in memory and the user is told it was not saved"


def check_render(work: Path) -> str:
    """Start the local engine the way the window does and render a 2-second MP4 through its HTTP API."""
    import httpx

    from nemodesk.engine.launcher import start_engine

    t0 = time.monotonic()
    engine = start_engine(work / "engine-data")
    started = time.monotonic() - t0
    try:
        out = work / "selftest.mp4"
        _render_via_api(engine.url, out)
    finally:
        engine.stop()
    info = verify_mp4(out, RENDER_SECONDS, RENDER_SIZE)
    return f"engine up in {started:.1f}s at {httpx.URL(engine.url).host}; {info}"


def _render_via_api(base_url: str, out: Path) -> None:
    """token -> session -> upload a photo -> submit a draft -> poll -> download, per nemo-protocol.md."""
    import httpx

    from nemodesk import __version__
    from nemodesk.core.draft import TT_VIDEO, Draft, Effect, Segment, Track

    plat = {"win32": "windows", "darwin": "macos"}.get(sys.platform, "linux")
    headers = {"X-Skill-Source": "nemodesk", "X-Skill-Version": __version__, "X-Skill-Platform": plat}
    with httpx.Client(base_url=base_url, headers=headers, timeout=httpx.Timeout(60, connect=5)) as http:

        def ok(resp: httpx.Response, what: str) -> dict[str, Any]:
            if resp.status_code >= 400:
                raise AssertionError(f"{what}: HTTP {resp.status_code} {resp.text[:300]}")
            body = resp.json()
            if body.get("code", 0) != 0 or body.get("success") is False:
                raise AssertionError(f"{what}: {body.get('message') or body.get('error')}")
            return body.get("data") or {}

        tok = ok(http.post("/api/auth/anonymous-token", headers={"X-Client-Id": str(uuid.uuid4())}), "token")
        http.headers["Authorization"] = f"Bearer {tok['token']}"
        sess = ok(
            http.post(
                "/api/tasks/me/with-session/nemo_agent", json={"task_name": "self-test", "language": "en"}
            ),
            "session",
        )
        sid = str(sess["session_id"])
        photo = encode_photo("JPEG", (640, 360))
        up = ok(
            http.post(
                f"/api/upload-video/nemo_agent/me/{sid}",
                files=[("files", ("selftest.jpg", photo, "image/jpeg"))],
            ),
            "upload",
        )
        files = up.get("files") or up.get("uploaded_files") or []
        if not files:
            raise AssertionError(f"upload: no files in the answer {up}")
        src = files[0].get("media_id") or files[0].get("cdn_url") or files[0].get("url")
        draft = Draft.new(width=RENDER_SIZE[0], height=RENDER_SIZE[1], fps=30, title="self-test")
        seg = Segment.make(
            RENDER_SECONDS * 1000,
            src=src,
            name="selftest.jpg",
            fx=Effect.make("zoom_in", (0, 0, 1.0), (0, 0, 1.2)),
        )
        draft.add_track(Track.make(TT_VIDEO, "Photos", [seg]))
        job_id = f"render_{int(time.time() * 1000)}"
        job = ok(
            http.post(
                "/api/render/proxy/lambda",
                json={
                    "id": job_id,
                    "sessionId": sid,
                    "draft": draft.encode(),
                    "output": {"format": "mp4", "quality": "high"},
                },
            ),
            "render submit",
        )
        job_id = job.get("id", job_id)
        deadline = time.monotonic() + 180
        while True:
            status = ok(http.get(f"/api/render/proxy/lambda/{job_id}"), "render poll")
            state = status.get("status")
            if state == "completed":
                break
            if state == "failed":
                raise AssertionError(f"render failed: {status.get('error') or status}")
            if time.monotonic() > deadline:
                raise AssertionError(f"render still {state} after 180 s")
            time.sleep(0.5)
        url = (
            (status.get("output") or {}).get("url")
            or status.get("outputUrl")
            or f"/api/render/proxy/{job_id}/download"
        )
        tmp = out.with_suffix(".part")
        with http.stream("GET", url) as resp:
            if resp.status_code >= 400:
                raise AssertionError(f"download: HTTP {resp.status_code}")
            with open(tmp, "wb") as f:
                for chunk in resp.iter_bytes():
                    f.write(chunk)
        tmp.replace(out)


def verify_mp4(path: Path, seconds: float, size: tuple[int, int], *, motion: bool = True) -> str:
    """Decode every frame of `path` with PyAV: codec, size, length, a picture in it, and (with `motion`) that it moves."""
    import av

    with av.open(str(path)) as container:
        vs = container.streams.video[0]
        codec = vs.codec_context.name
        frames = 0
        last_t = 0.0
        first = last = None
        for frame in container.decode(vs):
            if (frame.width, frame.height) != size:
                raise AssertionError(f"frame is {frame.width}x{frame.height}, expected {size[0]}x{size[1]}")
            last = frame.to_ndarray(format="rgb24").astype("float32")
            if first is None:
                first = last
            frames += 1
            if frame.time is not None:
                last_t = frame.time
    fps = float(vs.average_rate or 30)
    length = last_t + 1 / fps
    if codec != "h264":
        raise AssertionError(f"video codec is {codec}, expected h264")
    if abs(length - seconds) > 0.2 or frames < seconds * fps * 0.9:
        raise AssertionError(f"decoded {frames} frames, {length:.2f} s; expected {seconds:.1f} s")
    if first is None or last is None or first.std() < 10:
        raise AssertionError("the video is blank: the photo did not reach the frames")
    if motion and float(abs(first - last).mean()) < 1.0:
        raise AssertionError("first and last frames are the same: the zoom did not animate")
    return (
        f"decoded {frames} frames ({length:.2f} s, {codec}, {size[0]}x{size[1]}, {path.stat().st_size} bytes)"
    )


# --- running ----------------------------------------------------------------------------------------------


def run_check(report: Report, name: str, fn: Callable[[], str]) -> Check:
    t0 = time.monotonic()
    try:
        check = Check(name, True, fn(), 0.0)
    except BaseException as err:  # a self-test reports every failure, even SystemExit from a library
        if isinstance(err, KeyboardInterrupt):
            raise
        log.error("self-test check %s failed", name, exc_info=True)
        tb = traceback.extract_tb(err.__traceback__)
        where = f" (at {Path(tb[-1].filename).name}:{tb[-1].lineno})" if tb else ""
        check = Check(name, False, f"{type(err).__name__}: {err}{where}", 0.0)
    check.seconds = round(time.monotonic() - t0, 3)
    report.checks.append(check)
    log.info("%s %s: %s", "PASS" if check.ok else "FAIL", name, check.detail)
    return check


def default_report_path() -> Path:
    from nemodesk.core.paths import log_dir

    return log_dir() / "selftest-report.json"


def run(report_path: Path | None = None, *, only: set[str] | None = None) -> Report:
    """Run the checks (all, or those named in `only`) and write the report; never raises for a failed check."""
    from nemodesk import __version__

    t0 = time.monotonic()
    report = Report(
        version=__version__,
        frozen=bool(getattr(sys, "frozen", False)),
        executable=sys.executable,
        platform=f"{platform.system()} {platform.release()} {platform.machine()}",
        python=platform.python_version(),
        started=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    )

    def want(name: str) -> bool:
        return only is None or name in only

    with tempfile.TemporaryDirectory(prefix="nemodesk-selftest-") as tmp:
        if want("imports"):
            run_check(report, "imports", check_imports)
        for fmt in PHOTO_FORMATS:
            if want(f"decode:{fmt}"):
                run_check(report, f"decode:{fmt}", lambda fmt=fmt: check_decode(fmt))
        if want("icu"):
            run_check(report, "icu", check_icu)
        if want("encoders"):
            run_check(report, "encoders", check_encoders)
        if want("keyring"):
            run_check(report, "keyring", check_keyring)
        if want("render"):
            run_check(report, "render", lambda: check_render(Path(tmp)))
    report.seconds = round(time.monotonic() - t0, 2)
    if report_path is not None:
        write_report(report, report_path)
    return report


def write_report(report: Report, path: Path) -> None:
    """Write the JSON report atomically, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(json.dumps(report.to_json(), indent=2), encoding="utf-8")
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nemodesk --self-test", description=__doc__.splitlines()[0])
    parser.add_argument("--report", type=Path, default=None, help="where to write the JSON report")
    parser.add_argument(
        "--only",
        action="append",
        default=None,
        help="run only this check (imports, decode:JPEG, ..., icu, encoders, keyring, render); repeatable",
    )
    args = parser.parse_args(argv)
    from nemodesk.core.paths import log_dir

    setup_logging(log_dir() / "selftest.log")
    report_path = args.report or default_report_path()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no window is shown; works on a headless CI too
    report = run(report_path, only=set(args.only) if args.only else None)
    for c in report.checks:
        print(f"{'PASS' if c.ok else 'FAIL'}  {c.name:<12} {c.seconds:6.2f}s  {c.detail}")
    print(f"self-test {'passed' if report.ok else 'FAILED'} in {report.seconds:.1f}s; report: {report_path}")
    return 0 if report.ok else 1
