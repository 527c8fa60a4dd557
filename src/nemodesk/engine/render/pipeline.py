"""render(): draft -> MP4, with painting and encoding overlapped.

A producer thread paints each frame (QPainter releases the GIL) and converts it to yuv420p (swscale, also
outside the GIL) into a small bounded queue; the calling thread only feeds libx264, whose own frame threads
use the cores. The output goes to a hidden temporary file beside the target and is renamed over it only
once complete, so a cancelled or failed render never leaves a broken video where the user expects one.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from nemodesk.core.draft import Draft

from . import audio
from .compositor import Compositor
from .encoder import FrameCanvas, Mp4Writer, VideoSettings, pick_video_encoder
from .errors import RenderCancelled, RenderError

log = logging.getLogger(__name__)

QUEUE_FRAMES = 6
PREVIEW_DIVISOR = 3


@dataclass
class RenderProgress:
    fraction: float
    eta_s: float | None
    frame: int
    frames: int


@dataclass
class RenderResult:
    path: Path
    duration_s: float
    frames: int
    encoder: str
    width: int = 0
    height: int = 0
    wall_s: float = 0.0
    warnings: list[str] = field(default_factory=list)


def output_size(draft: Draft, preview: bool) -> tuple[int, int]:
    w, h = draft.canvas.size
    if preview:
        w, h = w / PREVIEW_DIVISOR, h / PREVIEW_DIVISOR
    # yuv420p needs even sides
    return max(2, round(w / 2) * 2), max(2, round(h / 2) * 2)


def frame_count(draft: Draft) -> int:
    return max(1, round(draft.duration_ms() * float(draft.canvas.fps) / 1000))


class _Stop(Exception):
    pass


def _producer(comp: Compositor, frames: int, fps: float, q: queue.Queue, stop: threading.Event) -> None:
    def put(item: object) -> None:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return
            except queue.Full:
                continue
        raise _Stop

    try:
        canvas = FrameCanvas(*comp.size)
        for i in range(frames):
            if stop.is_set():
                raise _Stop
            t = i * 1000.0 / fps
            comp.prefetch(t)
            comp.frame_at(t, into=canvas.image)
            comp.release_before(t)
            put(canvas.to_yuv())
        put(None)
    except _Stop:
        pass
    except BaseException as err:  # handed to the encoding thread, which re-raises it
        try:
            put(err)
        except _Stop:
            pass


def render(
    draft: Draft,
    out: Path,
    *,
    resolve: Callable[[str], Path],
    preview: bool = False,
    progress: Callable[[RenderProgress], None] | None = None,
    cancel: threading.Event | None = None,
) -> RenderResult:
    """Render `draft` to the MP4 `out`. Raises RenderError (bad input) or RenderCancelled (cancel set)."""
    t0 = time.perf_counter()
    out = Path(out)
    duration_ms = draft.duration_ms()
    if duration_ms <= 0:
        raise RenderError(
            "The draft has no photos on its video track: there is nothing to render.",
            "Add photos to the timeline, then render again.",
        )
    if not out.parent.is_dir():
        raise RenderError(
            f"Cannot write {out}: the folder {out.parent} does not exist.",
            "Choose an existing folder for the video.",
        )
    fps = float(draft.canvas.fps)
    frames = frame_count(draft)
    size = output_size(draft, preview)
    encoder = pick_video_encoder(preview)
    cancel = cancel or threading.Event()

    comp = Compositor(draft, resolve, size)
    tmp = out.with_name(f".{out.stem}.{uuid.uuid4().hex[:8]}.part.mp4")
    stop = threading.Event()
    q: queue.Queue = queue.Queue(maxsize=QUEUE_FRAMES)
    worker: threading.Thread | None = None
    writer: Mp4Writer | None = None
    done = False
    mixed: dict[str, object] = {}

    def mix_soundtrack() -> None:  # numpy and FFmpeg work outside the GIL: overlaps the first frames
        try:
            mixed["mix"] = audio.mix(draft, resolve, frames * 1000.0 / fps)
        except BaseException as err:
            mixed["error"] = err

    mixer = threading.Thread(target=mix_soundtrack, name="nemodesk-audio", daemon=True)

    def take_soundtrack(wait: bool) -> None:
        if writer is None or writer.soundtrack is not None or (not wait and mixer.is_alive()):
            return
        mixer.join()
        if "error" in mixed:
            raise mixed["error"]  # type: ignore[misc]
        writer.set_soundtrack(mixed["mix"])  # type: ignore[arg-type]

    try:
        mixer.start()
        try:
            writer = Mp4Writer(tmp, VideoSettings(size[0], size[1], fps, preview, encoder))
        except OSError as err:
            raise RenderError(
                f"Cannot write the video beside {out}: {err}.",
                "Choose a folder you can write to, with free space.",
            ) from None
        worker = threading.Thread(
            target=_producer, args=(comp, frames, fps, q, stop), name="nemodesk-compose", daemon=True
        )
        worker.start()
        last_report = 0.0
        for i in range(frames):
            while True:
                if cancel.is_set():
                    raise RenderCancelled()
                try:
                    item = q.get(timeout=0.1)
                    break
                except queue.Empty:
                    if not worker.is_alive() and q.empty():
                        raise RenderError("The renderer stopped unexpectedly.", "Try again.") from None
            if isinstance(item, BaseException):
                raise item
            if item is None:
                break
            writer.write(item)
            take_soundtrack(wait=False)
            now = time.perf_counter()
            if progress is not None and (now - last_report >= 0.1 or i == frames - 1):
                last_report = now
                frac = (i + 1) / frames
                elapsed = now - t0
                eta = elapsed / frac * (1 - frac) if frac > 0.02 else None
                progress(RenderProgress(frac, eta, i + 1, frames))
        if cancel.is_set():
            raise RenderCancelled()
        take_soundtrack(wait=True)
        try:
            writer.finish()
        except OSError as err:
            raise RenderError(
                f"Cannot finish writing {out}: {err}.", "Free some disk space and try again."
            ) from None
        writer = None
        os.replace(tmp, out)
        done = True
    finally:
        stop.set()
        if worker is not None:
            worker.join()
        if mixer.ident is not None:
            mixer.join()
        comp.close()
        if not done:
            if writer is not None:
                writer.abort()
            try:
                tmp.unlink()
            except FileNotFoundError:
                pass
    return RenderResult(
        out, frames / fps, frames, encoder, size[0], size[1], time.perf_counter() - t0, list(comp.warnings)
    )
