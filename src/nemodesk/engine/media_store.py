"""Uploaded media, stored by content: `<data>/media/ab/<sha256>.<ext>`.

Content addressing makes an upload of the same photo twice cost one file, and it means nothing a client
sends (a file name, a path in a draft) ever chooses where bytes land or which file is read: the store
maps `media:<sha256>` ids to its own paths and never shows those paths to anyone.

The type is decided by the bytes (magic numbers, then a real decode with Pillow or PyAV), never by the
name or the Content-Type a client claims; the decode also gives the metadata the agent and the state
endpoint need (size, duration).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from nemodesk.core.errors import UserError
from nemodesk.core.heif import register_heif
from nemodesk.engine.store import Blob

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
ACCEPTED = "jpg, png, gif, webp, heic, mp4, mov, avi, webm, mkv, mp3, wav, m4a, aac"


class UnsupportedMedia(UserError):
    """Code 4001: the bytes are not a photo, video or audio file the engine can read."""

    code = 4001


class MediaTooLarge(UserError):
    """Code 4002: a file over the per-file limit."""

    code = 4002


def sanitize_name(name: str | None, fallback: str = "upload") -> str:
    """A display name safe to show and store: the last path component, no control characters, <= 120 chars.

    It is only ever a label: the store never uses it to build a path.
    """
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = name.strip().strip(".").strip()
    if len(name) > 120:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 120 - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else name[:120]
    return name or fallback


def sniff(head: bytes) -> tuple[str, str, str] | None:
    """(kind guess, ext, mime) from the first bytes, or None. ISO-BMFF kinds are refined by probing."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image", "jpg", "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image", "png", "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image", "gif", "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image", "webp", "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio", "wav", "audio/wav"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "video", "avi", "video/x-msvideo"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif"):
            return "image", "heic", "image/heic"
        if brand in (b"M4A ", b"M4B "):
            return "audio", "m4a", "audio/mp4"
        if brand == b"qt  ":
            return "video", "mov", "video/quicktime"
        return "video", "mp4", "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        if b"webm" in head[:64]:
            return "video", "webm", "video/webm"
        return "video", "mkv", "video/x-matroska"
    frame_sync = len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0
    if frame_sync and head[1] & 0x06 == 0:  # MPEG "layer 0": an ADTS AAC header
        return "audio", "aac", "audio/aac"
    if head.startswith(b"ID3") or frame_sync:
        return "audio", "mp3", "audio/mpeg"
    return None


@dataclass
class Probe:
    kind: str
    width: int | None
    height: int | None
    duration_ms: int | None


def probe(path: Path, kind: str, ext: str) -> Probe:
    """Decode enough of the file to be sure it is what it claims and to read its size and duration."""
    try:
        if kind == "image":
            return _probe_image(path)
        return _probe_av(path)
    except UnsupportedMedia:
        raise
    except Exception as err:  # a corrupt file: every decoder raises its own exception types
        raise UnsupportedMedia(
            f"This file looks like {ext.upper()} but cannot be read ({type(err).__name__}).",
            f"Supported formats: {ACCEPTED}.",
        ) from None


def _probe_image(path: Path) -> Probe:
    from PIL import Image

    register_heif()
    with Image.open(path) as im:
        w, h = im.size
        orientation = im.getexif().get(0x0112, 1)
        im.load() if (w * h) <= 64_000_000 else None  # decode (proves the file is whole) unless huge
    if orientation in (5, 6, 7, 8):
        w, h = h, w
    return Probe("image", w, h, None)


def _probe_av(path: Path) -> Probe:
    import av

    with av.open(str(path)) as container:
        video = [s for s in container.streams.video if s.codec_context is not None]
        audio = list(container.streams.audio)
        if not video and not audio:
            raise UnsupportedMedia(
                "This file holds no video or audio stream.", f"Supported formats: {ACCEPTED}."
            )
        duration = None
        if container.duration:
            duration = round(container.duration / 1000)  # microseconds -> ms
        else:
            stream = (video or audio)[0]
            if stream.duration and stream.time_base:
                duration = round(float(stream.duration * stream.time_base) * 1000)
        # Decode one frame so a truncated or mislabelled file is refused now, not at render time.
        stream = (video or audio)[0]
        for _frame in container.decode(stream):
            break
        if video:
            v = video[0]
            return Probe("video", v.codec_context.width, v.codec_context.height, duration)
        return Probe("audio", None, None, duration)


class Incoming:
    """One file being received: written to a temp file in the store while hashed; over the limit it is
    discarded (not written further) and remembered as too large."""

    def __init__(self, tmp_dir: Path, name: str, limit: int):
        self.name = name
        self.limit = limit
        self.size = 0
        self.too_large = False
        self._hash = hashlib.sha256()
        fd, tmp = tempfile.mkstemp(dir=tmp_dir, prefix="up-", suffix=".part")
        self.path = Path(tmp)
        self._file = os.fdopen(fd, "wb")
        self.head = b""

    def write(self, data: bytes) -> None:
        if self.too_large:
            return
        self.size += len(data)
        if self.size > self.limit:
            self.too_large = True
            self._file.close()
            self.path.unlink(missing_ok=True)
            return
        if len(self.head) < 64:
            self.head = (self.head + data[:64])[:64]
        self._hash.update(data)
        self._file.write(data)

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()

    def discard(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)

    @property
    def sha(self) -> str:
        return self._hash.hexdigest()


class MediaStore:
    """The files behind `media:<sha>` ids. Blocking methods: call them from a worker thread."""

    def __init__(self, root: Path, max_bytes: int = MAX_UPLOAD_BYTES):
        self.root = root
        self.max_bytes = max_bytes
        self.media_dir = root / "media"
        self.tmp_dir = root / "tmp"
        self.media_dir.mkdir(parents=True, exist_ok=True)
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        for stale in self.tmp_dir.glob("up-*.part"):  # uploads cut off by a crash
            stale.unlink(missing_ok=True)

    def incoming(self, name: str | None) -> Incoming:
        return Incoming(self.tmp_dir, sanitize_name(name), self.max_bytes)

    def path_for(self, sha: str, ext: str) -> Path:
        return self.media_dir / sha[:2] / f"{sha}.{ext}"

    def commit(self, up: Incoming, known: Blob | None) -> Blob:
        """Check the received file by content and move it into place (or drop it when already stored)."""
        up.close()
        try:
            if up.too_large:
                raise MediaTooLarge(
                    f"{up.name} is larger than {self.max_bytes // (1024 * 1024)} MB.",
                    "Compress or trim it, then upload it again.",
                )
            if known is not None and self.path_for(known.sha, known.ext).exists():
                return known
            found = sniff(up.head)
            if found is None:
                raise UnsupportedMedia(
                    f"{up.name} is not a photo, video or audio file the engine can read.",
                    f"Supported formats: {ACCEPTED}.",
                )
            kind, ext, mime = found
            info = probe(up.path, kind, ext)
            if info.kind == "audio" and ext == "mp4":
                ext, mime = "m4a", "audio/mp4"
            dst = self.path_for(up.sha, ext)
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.replace(up.path, dst)
            return Blob(
                up.sha, info.kind, ext, mime, up.size, info.width, info.height, info.duration_ms, None
            )
        finally:
            up.discard()

    def import_file(self, src: Path) -> Blob:
        """Store a file shipped with the app (the bundled music bed) by content, like an upload."""
        up = self.incoming(src.name)
        with open(src, "rb") as f:
            while chunk := f.read(1 << 20):
                up.write(chunk)
        return self.commit(up, None)

    def copy_to(self, blob: Blob, dst: Path) -> None:  # pragma: no cover - convenience for tools
        shutil.copyfile(self.path_for(blob.sha, blob.ext), dst)
