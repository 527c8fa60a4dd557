"""`nemodesk-cli render` and `nemodesk-cli slideshow`: the renderer from a terminal.

`render` takes a draft file whose `src` values are file paths (relative to the draft's folder); that is
trusted local input, unlike the engine's server, which accepts only media ids. `slideshow` builds the very
draft the agent builds (core.slideshow) and renders it: the quick path for batch users.
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from nemodesk.core.draft import TRANSITION_TYPES, Draft, DraftError
from nemodesk.core.errors import UserError

FX_CHOICES = ("kenburns", "none", "zoom_in", "zoom_out", "pan_left", "pan_right", "pan_up", "pan_down")
ASPECTS = ("16:9", "9:16", "1:1", "4:5")


def register(sub: argparse._SubParsersAction) -> None:
    """Add `render` and `slideshow` to the parser."""
    p = sub.add_parser(
        "render",
        help="render a draft (JSON) to an MP4",
        description="Render a draft file to an H.264 MP4. Segment `src` values are file paths, "
        "relative to the draft's folder.",
    )
    p.add_argument("draft", type=Path, help="the draft JSON file")
    p.add_argument("-o", "--output", type=Path, required=True, help="the MP4 to write")
    p.add_argument("--preview", action="store_true", help="a third of the size, fastest settings")
    p.set_defaults(func=cmd_render)

    s = sub.add_parser(
        "slideshow",
        help="photos (+ music) to an MP4 in one go",
        description="Build the same slideshow the assistant would and render it.",
    )
    s.add_argument("photos", type=Path, nargs="+", metavar="PHOTO")
    s.add_argument("-o", "--output", type=Path, required=True, help="the MP4 to write")
    s.add_argument("--music", type=Path, help="a song (MP3, WAV, M4A, FLAC, OGG) under the whole video")
    s.add_argument("--aspect", default="16:9", choices=ASPECTS)
    s.add_argument("--seconds", type=float, default=3.0, help="seconds per photo (default 3)")
    s.add_argument("--transition", default="crossfade", choices=TRANSITION_TYPES)
    s.add_argument("--transition-ms", type=int, default=600)
    s.add_argument("--title", help="a title over the first seconds")
    s.add_argument("--fx", default="kenburns", choices=FX_CHOICES, help="camera move on each photo")
    s.add_argument("--fps", type=float, default=30, choices=(24, 25, 30, 60))
    s.add_argument("--preview", action="store_true", help="a third of the size, fastest settings")
    s.set_defaults(func=cmd_slideshow)


def _path_resolver(base: Path) -> Callable[[str], Path]:
    from nemodesk.engine.render import RenderError

    def resolve(src: str) -> Path:
        if src.startswith("media:"):
            raise RenderError(
                f"{src} is a media id of the engine's store, which the command line cannot read.",
                "Use file paths as `src` in drafts rendered with nemodesk-cli.",
            )
        if src.startswith("file://"):
            src = src[len("file://") :]
        path = Path(src).expanduser()
        return path if path.is_absolute() else (base / path)

    return resolve


def _check_output(out: Path, inputs: list[Path]) -> Path:
    out = out.expanduser()
    target = out.resolve()
    for p in inputs:
        try:
            if p.exists() and p.resolve() == target:
                raise UserError(
                    f"The output {out} is one of the inputs.", "Choose another name for the video."
                )
        except OSError:
            continue
    if out.is_dir():
        raise UserError(f"The output {out} is a folder.", "Give a file name such as video.mp4.")
    if not out.parent.is_dir():
        raise UserError(
            f"The folder {out.parent} does not exist.", "Create it or choose another output path."
        )
    return out


def _run(draft: Draft, out: Path, resolve: Callable[[str], Path], preview: bool) -> int:
    from nemodesk.engine.render import RenderCancelled, RenderProgress, ensure_qt_gui, render

    ensure_qt_gui()
    bar = None
    if sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(
            total=100,
            unit="%",
            desc="Rendering",
            file=sys.stderr,
            bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed}<{postfix}",
        )

    def progress(p: RenderProgress) -> None:
        if bar is not None:
            bar.n = round(p.fraction * 100)
            bar.set_postfix_str(f"{p.eta_s:.0f}s left" if p.eta_s is not None else "…", refresh=False)
            bar.refresh()

    cancel = threading.Event()
    try:
        result = render(draft, out, resolve=resolve, preview=preview, progress=progress, cancel=cancel)
    except RenderCancelled:
        print("nemodesk-cli: cancelled; no video written", file=sys.stderr)
        return 130
    finally:
        if bar is not None:
            bar.close()
    for w in result.warnings:
        print(f"nemodesk-cli: warning: {w}", file=sys.stderr)
    print(
        f"{result.path}  {result.width}x{result.height}  {result.duration_s:.2f}s  {result.frames} frames  "
        f"{result.encoder}  rendered in {result.wall_s:.1f}s"
    )
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    path: Path = args.draft.expanduser()
    try:
        text = path.read_bytes()
    except FileNotFoundError:
        raise UserError(f"The draft {path} does not exist.", "Check the path.") from None
    except OSError as err:
        raise UserError(f"Cannot read the draft {path}: {err.strerror or err}.") from None
    try:
        draft = Draft.loads(text)
    except DraftError as err:
        raise UserError(
            f"The draft {path} is not valid: {err}.", "Fix the named field and try again."
        ) from None
    resolve = _path_resolver(path.parent.resolve())
    inputs = [path] + [resolve(s) for s in draft.media_ids() if not s.startswith("media:")]
    out = _check_output(args.output, inputs)
    return _run(draft, out, resolve, args.preview)


def _music_ref(path: Path):
    import av

    from nemodesk.core.slideshow import MediaRef

    try:
        with av.open(str(path)) as c:
            if not c.streams.audio:
                raise UserError(
                    f"The music {path} has no sound track.", "Use an MP3, WAV, M4A, FLAC or OGG file."
                )
            dur = float(c.duration) / 1_000_000 * 1000 if c.duration else None
    except av.error.FFmpegError as err:
        raise UserError(
            f"Cannot read the music {path}: it is damaged or not a sound file ({err}).",
            "Use an MP3, WAV, M4A, FLAC or OGG file.",
        ) from None
    return MediaRef(str(path.resolve()), path.name, duration_ms=dur)


def cmd_slideshow(args: argparse.Namespace) -> int:
    from nemodesk.core.slideshow import MediaRef, build_slideshow

    photos: list[Path] = [p.expanduser() for p in args.photos]
    for p in photos:
        if not p.is_file():
            raise UserError(
                f"The photo {p} does not exist." if not p.exists() else f"{p} is not a file.",
                "Check the path.",
            )
    music = args.music.expanduser() if args.music else None
    if music is not None and not music.is_file():
        raise UserError(f"The music file {music} does not exist.", "Check the path.")
    out = _check_output(args.output, photos + ([music] if music else []))
    refs = [MediaRef(str(p.resolve()), p.name) for p in photos]
    try:
        draft = build_slideshow(
            refs,
            music=_music_ref(music) if music else None,
            aspect=args.aspect,
            seconds=args.seconds,
            transition=args.transition,
            transition_ms=args.transition_ms,
            title=args.title,
            fx=args.fx,
            fps=args.fps,
        )
    except ValueError as err:
        raise UserError(f"Cannot build the slideshow: {err}.") from None
    return _run(draft, out, Path, args.preview)
