"""Checking files before they are uploaded: type by content, size cap, HEIC -> JPEG for the cloud.

A file's extension is a guess; its content is the truth. Images are sniffed with Pillow (with the HEIF
opener registered), audio and video with PyAV, and the file is sent under a name whose extension matches
what it really is. The cloud's list of types has no HEIC, so HEIC photos are converted to JPEG (in a
temp folder; the original is never touched). This module reads files: call it off the GUI thread.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from nemodesk.core.heif import register_heif
from nemodesk.core.nemo_errors import FileTooLarge, UnsupportedFile

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
IMAGE_FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "GIF": ("gif", "image/gif"),
    "WEBP": ("webp", "image/webp"),
    "HEIF": ("heic", "image/heic"),
    "HEIC": ("heic", "image/heic"),
}
# PyAV container names (first of a comma list) -> (extension, mime)
CONTAINERS = {
    "mov": ("mp4", "video/mp4"),
    "mp4": ("mp4", "video/mp4"),
    "avi": ("avi", "video/x-msvideo"),
    "matroska": ("mkv", "video/x-matroska"),
    "webm": ("webm", "video/webm"),
    "mp3": ("mp3", "audio/mpeg"),
    "wav": ("wav", "audio/wav"),
    "aac": ("aac", "audio/aac"),
}


@dataclass(frozen=True)
class PreparedFile:
    """A file ready to send: `send_path` may be a converted temp copy of `source`."""

    source: Path
    send_path: Path
    send_name: str
    mime: str
    kind: str  # image | video | audio
    size: int
    converted: bool = False


def _sniff_image(path: Path) -> tuple[str, str] | None:
    from PIL import Image, UnidentifiedImageError

    register_heif()
    try:
        with Image.open(path) as im:
            fmt = (im.format or "").upper()
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    return IMAGE_FORMATS.get(fmt)


def _sniff_media(path: Path) -> tuple[str, str, str] | None:
    import av

    try:
        with av.open(str(path), metadata_errors="ignore") as c:
            fmt_names = c.format.name.split(",")
            has_video = any(s.type == "video" and not _is_cover_art(s) for s in c.streams)
            has_audio = any(s.type == "audio" for s in c.streams)
    except (av.FFmpegError, OSError, ValueError, UnicodeDecodeError):
        return None
    if not (has_video or has_audio):
        return None
    kind = "video" if has_video else "audio"
    name = fmt_names[0]
    if name == "mov" and kind == "audio":
        return "m4a", "audio/mp4", kind
    if name == "matroska" and "webm" in fmt_names and path.suffix.lower() == ".webm":
        name = "webm"
    if name not in CONTAINERS:
        return None
    ext, mime = CONTAINERS[name]
    if kind == "audio" and mime.startswith("video/"):
        return None
    return ext, mime, kind


def _is_cover_art(stream: object) -> bool:
    disp = getattr(stream, "disposition", None)
    try:
        return bool(disp and "attached_pic" in str(disp).lower())
    except Exception:
        return False


def sniff(path: Path) -> tuple[str, str, str]:
    """(extension, mime, kind) from the content; UnsupportedFile when it is none of the accepted types."""
    img = _sniff_image(path)
    if img is not None:
        return img[0], img[1], "image"
    media = _sniff_media(path)
    if media is not None:
        return media
    raise UnsupportedFile(f"{path.name} is not a supported photo, video or audio file.")


def heic_to_jpeg(src: Path, out_dir: Path) -> Path:
    """A JPEG copy of a HEIC photo, upright (EXIF orientation applied)."""
    from PIL import Image, ImageOps

    register_heif()
    dst = out_dir / (src.stem + ".jpg")
    with Image.open(src) as im:
        im = ImageOps.exif_transpose(im)
        im.convert("RGB").save(dst, "JPEG", quality=92)
    return dst


def prepare(
    paths: list[Path], *, for_cloud: bool, max_bytes: int = MAX_UPLOAD_BYTES, temp_dir: Path | None = None
) -> list[PreparedFile]:
    """Check every file first (nothing is sent if any is bad), converting HEIC for the cloud."""
    out: list[PreparedFile] = []
    for raw in paths:
        path = Path(raw)
        if not path.is_file():
            raise UnsupportedFile(
                f"{path.name} was not found or is not a file.", "Check the path and try again."
            )
        size = path.stat().st_size
        if size > max_bytes:
            raise FileTooLarge(
                f"{path.name} is {size / 1048576:.0f} MB; the limit is {max_bytes / 1048576:.0f} MB."
            )
        if size == 0:
            raise UnsupportedFile(f"{path.name} is empty.")
        ext, mime, kind = sniff(path)
        if ext == "heic" and for_cloud:
            tmp = temp_dir or Path(tempfile.mkdtemp(prefix="nemodesk-upload-"))
            jpg = heic_to_jpeg(path, tmp)
            out.append(PreparedFile(path, jpg, jpg.name, "image/jpeg", "image", jpg.stat().st_size, True))
            continue
        name = (
            path.name
            if path.suffix.lower().lstrip(".") == ext
            or (ext, path.suffix.lower())
            in {("jpg", ".jpeg"), ("mp4", ".mov"), ("mp4", ".m4v"), ("heic", ".heif")}
            else f"{path.stem}.{ext}"
        )
        out.append(PreparedFile(path, path, name, mime, kind, size))
    return out
