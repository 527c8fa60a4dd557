"""`.nemodesk` project files, the recent-projects list, autosave and crash recovery.

A project is a zip holding `draft.json` (the draft's text exactly as saved, so a cloud draft goes back byte for
byte), `manifest.json` (format version, the title, and where each media id of the draft lives) and the media
files under `media/`. Media are addressed by the draft's own ids (`media:9f2c...`); the app maps them back to
files with the manifest, so opening a project never needs the engine's media store to still hold them.

Autosave writes the same format, but *links* the media by path instead of copying them: a 30-photo project of
12 MP images would otherwise copy 150 MB every few seconds. A marker file says a session is running; finding it
at the next start means the last run did not end cleanly, and the autosave is offered for recovery.

Every write goes to a temporary file in the target folder and is then renamed over the target, so a crash or
a full disk never leaves a half-written project in place of a good one.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from nemodesk.core import paths
from nemodesk.core.draft import Draft, DraftError
from nemodesk.core.errors import UserError

SUFFIX = ".nemodesk"
FORMAT = "nemodesk-project"
FORMAT_VERSION = 1
MAX_RECENT = 10
MAX_DRAFT_BYTES = 64 * 1024 * 1024  # a draft is a few KB; anything near this is not one

Resolver = Callable[[str], Path | None]


class ProjectError(UserError):
    """A project file could not be read or written; says which file and why."""


@dataclass
class OpenedProject:
    """A project read back from disk: the draft, its exact text, and a file for each media id found."""

    path: Path
    draft: Draft
    draft_text: str
    media: dict[str, Path]
    missing: list[str] = field(default_factory=list)  # media ids the project names but could not provide
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return self.draft.canvas.title or self.path.stem

    @property
    def origin(self) -> Path | None:
        """For an autosave: the project file the work belongs to (None if untitled or an older autosave)."""
        return _origin_of(self.manifest)


def _origin_of(manifest: dict[str, Any]) -> Path | None:
    origin = manifest.get("origin")
    return Path(origin) if isinstance(origin, str) and origin else None


def project_origin(path: Path) -> Path | None:
    """The `origin` an autosave names (see save_project), read from its manifest alone; None when it names
    none (untitled work, an autosave from before this field) or the file cannot be read."""
    try:
        with zipfile.ZipFile(path) as z:
            manifest = json.loads(z.read("manifest.json"))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return None
    return _origin_of(manifest) if isinstance(manifest, dict) else None


# ------------------------------------------------------------------------------------------------- saving


def _safe_name(name: str) -> str:
    """A file name that is safe inside a zip and on every OS (no separators, no control chars)."""
    name = re.sub(r"[\\/:*?\"<>|\x00-\x1f]+", "_", name).strip(" .")
    return name[:120] or "media"


def _write_atomically(target: Path, write: Callable[[Path], None]) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def save_project(
    target: Path,
    draft: Draft | str,
    resolve: Resolver,
    *,
    embed_media: bool = True,
    origin: Path | None = None,
) -> Path:
    """Write `draft` and its media to `target` (a `.nemodesk` zip), replacing it only once complete.

    `draft` may be the exact JSON text to keep (a cloud draft is stored byte for byte). `resolve` maps a media
    id to its file; ids it cannot resolve are listed in the manifest as missing rather than failing the save,
    because a draft fetched from the cloud may name media that only the cloud holds. `origin` (autosaves
    only) is the project file the work belongs to, so a recovery reopens under that name and path.
    """
    target = Path(target)
    text = draft if isinstance(draft, str) else draft.dumps()
    try:
        parsed = Draft.loads(text)  # never save something we could not open again
    except DraftError as err:
        raise ProjectError(f"The timeline cannot be saved: {err}.") from err
    media: dict[str, dict[str, Any]] = {}
    files: list[tuple[str, Path]] = []
    used: set[str] = set()
    for i, src in enumerate(dict.fromkeys(parsed.media_ids())):
        path = resolve(src)
        if path is None or not Path(path).is_file():
            media[src] = {"missing": True}
            continue
        path = Path(path)
        if not embed_media:
            media[src] = {"path": str(path.resolve()), "size": path.stat().st_size}
            continue
        arc = f"media/{i:03d}_{_safe_name(path.name)}"
        while arc in used:
            arc = f"media/{i:03d}_{len(used)}_{_safe_name(path.name)}"
        used.add(arc)
        media[src] = {"file": arc, "name": path.name, "size": path.stat().st_size}
        files.append((arc, path))
    manifest = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "title": parsed.canvas.title or target.stem,
        "saved_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "app": _app_version(),
        "media": media,
    }
    if origin is not None:
        manifest["origin"] = str(Path(origin).absolute())

    def write(tmp: Path) -> None:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
            z.writestr("draft.json", text.encode("utf-8"))
            for arc, path in files:
                # photos and music are already compressed: storing them is as small and much faster
                z.write(path, arc, compress_type=zipfile.ZIP_STORED)

    try:
        _write_atomically(target, write)
    except OSError as err:
        raise ProjectError(
            f"Could not save the project to {target}: {err.strerror or err}.",
            "Choose another folder or free some disk space.",
        ) from err
    return target


def _app_version() -> str:
    try:
        from importlib.metadata import version

        return version("nemodesk")
    except Exception:
        return "unknown"


# ------------------------------------------------------------------------------------------------ opening


def _member_ok(name: str) -> bool:
    p = PurePosixPath(name)
    return not p.is_absolute() and ".." not in p.parts and "\\" not in name and ":" not in name


def open_project(path: Path, media_dir: Path | None = None) -> OpenedProject:
    """Read a project; embedded media are extracted into `media_dir` (default: a folder of the data dir
    named for the project), linked media are used where they still exist.

    Raises ProjectError naming the file for anything that is not a readable project: not a zip, no draft,
    a draft that fails validation, a member that tries to escape the folder.
    """
    path = Path(path)
    if not path.is_file():
        raise ProjectError(
            f"The project {path} does not exist.", "Check the file name, or open another project."
        )
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            if "draft.json" not in names:
                raise ProjectError(f"{path.name} is not a NemoDesk project (it holds no draft.json).")
            manifest = _read_manifest(z, names, path)
            info = z.getinfo("draft.json")
            if info.file_size > MAX_DRAFT_BYTES:
                raise ProjectError(
                    f"{path.name}: its draft is {info.file_size} bytes, too large to be a draft."
                )
            raw = z.read("draft.json")
            try:
                text = raw.decode("utf-8")
                draft = Draft.loads(text)
            except (UnicodeDecodeError, DraftError) as err:
                raise ProjectError(
                    f"{path.name}: the draft is damaged ({err}).", "Open an autosave or an earlier copy."
                ) from err
            media, missing = _extract_media(z, names, manifest, draft, path, media_dir)
    except zipfile.BadZipFile as err:
        raise ProjectError(f"{path.name} is not a NemoDesk project or is damaged ({err}).") from err
    except OSError as err:
        raise ProjectError(f"Could not read {path}: {err.strerror or err}.") from err
    return OpenedProject(path, draft, text, media, missing, manifest)


def _read_manifest(z: zipfile.ZipFile, names: set[str], path: Path) -> dict[str, Any]:
    if "manifest.json" not in names:
        return {"format": FORMAT, "version": FORMAT_VERSION, "media": {}}
    try:
        manifest = json.loads(z.read("manifest.json"))
    except ValueError as err:
        raise ProjectError(f"{path.name}: its manifest is damaged ({err}).") from err
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ProjectError(f"{path.name} is not a NemoDesk project (unknown manifest).")
    version = manifest.get("version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ProjectError(
            f"{path.name} was saved by a newer NemoDesk (format {version}).", "Update NemoDesk to open it."
        )
    if not isinstance(manifest.get("media"), dict):
        manifest["media"] = {}
    return manifest


def _default_media_dir(path: Path) -> Path:
    import hashlib

    key = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:10]
    return paths.data_dir() / "projects" / f"{_safe_name(path.stem)}-{key}"


def _extract_media(
    z: zipfile.ZipFile,
    names: set[str],
    manifest: dict[str, Any],
    draft: Draft,
    path: Path,
    media_dir: Path | None,
) -> tuple[dict[str, Path], list[str]]:
    media: dict[str, Path] = {}
    missing: list[str] = []
    out_dir = media_dir
    entries = manifest.get("media", {})
    for src in dict.fromkeys(draft.media_ids()):
        entry = entries.get(src)
        if not isinstance(entry, dict):
            missing.append(src)
            continue
        arc = entry.get("file")
        if isinstance(arc, str) and arc in names:
            if not _member_ok(arc):
                raise ProjectError(f"{path.name}: the member {arc!r} points outside the project.")
            if out_dir is None:
                out_dir = _default_media_dir(path)
            # Each member gets a folder of its own (the archive name is unique) so the file keeps the name the
            # user gave it: the tray shows "rocket.jpg", not the archive's "000_rocket.jpg".
            name = entry.get("name")
            name = _safe_name(name) if isinstance(name, str) and name.strip(" .") else PurePosixPath(arc).name
            dest = out_dir / PurePosixPath(arc).stem / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            info = z.getinfo(arc)
            if not (dest.is_file() and dest.stat().st_size == info.file_size):
                _write_atomically(dest, lambda tmp, arc=arc: _copy_member(z, arc, tmp))
            media[src] = dest
        elif isinstance(entry.get("path"), str) and Path(entry["path"]).is_file():
            media[src] = Path(entry["path"])
        else:
            missing.append(src)
    return media, missing


def _copy_member(z: zipfile.ZipFile, arc: str, dest: Path) -> None:
    with z.open(arc) as src, open(dest, "wb") as out:
        shutil.copyfileobj(src, out, 1024 * 1024)


# ------------------------------------------------------------------------------------------ recent projects


def _recent_file() -> Path:
    return paths.config_dir() / "recent-projects.json"


def recent_projects() -> list[Path]:
    """The recent projects, newest first, leaving out those that no longer exist."""
    try:
        items = json.loads(_recent_file().read_text("utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(items, list):
        return []
    return [Path(p) for p in items if isinstance(p, str) and Path(p).is_file()][:MAX_RECENT]


def add_recent(path: Path) -> list[Path]:
    path = Path(path).resolve()
    items = [path] + [p for p in recent_projects() if p.resolve() != path]
    items = items[:MAX_RECENT]
    target = _recent_file()
    _write_atomically(
        target, lambda tmp: tmp.write_text(json.dumps([str(p) for p in items], indent=1), "utf-8")
    )
    return items


def clear_recent() -> None:
    _recent_file().unlink(missing_ok=True)


# ------------------------------------------------------------------------------------- autosave and recovery


class Autosave:
    """The autosave of the running session and the marker that tells a crash from a clean exit.

    Call `start()` once at launch: it returns the autosave to offer for recovery when the previous run did
    not end cleanly (its marker is still there) and left one. `save()` after each change (the UI debounces),
    `stop()` at a clean exit (removes the marker and the autosave: nothing to recover).
    """

    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root is not None else paths.data_dir() / "autosave"
        self.file = self.root / f"autosave{SUFFIX}"
        self.marker = self.root / "running.lock"
        self._started = False

    def start(self) -> Path | None:
        self.root.mkdir(parents=True, exist_ok=True)
        crashed = False
        if self.marker.exists():
            pid = _read_pid(self.marker)
            crashed = pid is None or pid == os.getpid() or not _pid_alive(pid)
        recover = self.file if crashed and self.file.is_file() else None
        if not crashed and self.file.exists() and not self.marker.exists():
            # a clean run removes its autosave; one lying around without a marker is stale
            self.file.unlink(missing_ok=True)
        self.marker.write_text(json.dumps({"pid": os.getpid(), "started": time.time()}), "utf-8")
        self._started = True
        return recover

    def save(self, draft: Draft | str, resolve: Resolver, project: Path | None = None) -> Path:
        """`project`: the file the work was opened from or saved to, remembered for the recovery."""
        return save_project(self.file, draft, resolve, embed_media=False, origin=project)

    def load(self, media_dir: Path | None = None) -> OpenedProject:
        return open_project(self.file, media_dir)

    def discard(self) -> None:
        self.file.unlink(missing_ok=True)

    def stop(self) -> None:
        self.discard()
        self.marker.unlink(missing_ok=True)
        self._started = False


def _read_pid(marker: Path) -> int | None:
    try:
        pid = json.loads(marker.read_text("utf-8")).get("pid")
    except (OSError, ValueError, AttributeError):
        return None
    return pid if isinstance(pid, int) else None


def _pid_alive(pid: int) -> bool:
    """Whether another NemoDesk could still be running (a live pid); errs on the side of 'not alive'."""
    if pid <= 0:
        return False
    if os.name == "nt":  # pragma: no cover - exercised on Windows only
        import ctypes

        handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)
        if not handle:
            return False
        ctypes.windll.kernel32.CloseHandle(handle)
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def autosave_session(root: Path | None = None) -> Iterator[tuple[Autosave, Path | None]]:
    """`with autosave_session() as (autosave, recover):` for scripts and tests; a clean exit clears it."""
    a = Autosave(root)
    recover = a.start()
    try:
        yield a, recover
    finally:
        a.stop()
