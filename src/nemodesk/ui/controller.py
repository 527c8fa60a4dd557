"""AppController: the one place that builds NemoDesk's objects and connects them (the app wiring).

Widgets never build clients, start engines or talk to the network themselves: they read the
controller's state, call its methods and listen to its signals. Everything network-bound runs as a task
on the qasync loop; the controller keeps a reference to every task it creates (an unreferenced asyncio
task can be garbage-collected mid-flight) and cancels them in `aclose()`.

Stable API for widgets (the timeline, preview and export queue rely on it; keep it stable):

- `controller.draft -> Draft | None`: the current draft (the one source of truth for the timeline).
- `controller.draftChanged(object)`: emitted with the new `Draft` (or None when a new session starts).
  `controller.draft_source` says what made it, read in the slot: "chat" (a chat turn), "timeline" (a
  turn sent with `source="timeline"`), "session" (new session), "project" (opened or recovered), "refresh".
- `controller.draftEdited()`: the draft changed by an edit (a turn, an opened project): autosave listens.
- `await controller.send_message(text, source="chat")`: one chat turn (or a locally routed command). The
  chat and the timeline's direct edits (source="timeline") both use it; it refreshes `draft` afterwards. `controller.submit(text)` does
  the same as a task the controller owns (for plain slots).
- `controller.resolve_media(src) -> Path | None`: the user's original file for a draft `src` (a media id
  or URL from an upload), so the compositor can draw local files; None when not known locally.
- `controller.client`: the NemoClient of the current backend (None until the backend is ready).
- `controller.session_id -> str | None`, `controller.backend_name -> "local" | "cloud"`.
- `controller.exportRequested()`: the user asked to export (chat route, GUI-speak link, menu).
- `controller.showTimelineRequested()`: bring the timeline into view.
- `controller.backendStatus(state, text)`: state is "starting" | "ready" | "failed"; text is for people.
- `await controller.open_project(path) -> ProjectOpened` / `await controller.restore_project(opened)`: a
  new session holding a saved project: its media uploaded again, the draft's ids remapped, the draft put
  into the local engine (the cloud cannot take one: there it is viewed, previewed and exported locally).
- `await controller.save_project(path) -> Path`: the draft and its media as a `.nemodesk` file.
- `controller.runner`: the TaskRunner for CPU work off the GUI thread.
- `controller.settings`: the AppSettings (QSettings in paths.config_dir()).

Chat-turn signals (the chat pane is their view): turnStarted(str), agentText(str text_so_far, bool final),
activity(str), notice(str), appReply(str), errorShown(str), turnFinished(), busyChanged(bool).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QSettings, Signal

from nemodesk.core import paths
from nemodesk.core.diff import draft_diff
from nemodesk.core.draft import TT_VIDEO, Draft, DraftError, Segment
from nemodesk.core.errors import UserError
from nemodesk.core.routing import Route, route
from nemodesk.core.summary import timeline_summary
from nemodesk.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

CLOUD_URL = "https://mega-api-prod.nemovideo.ai"
STILL_WORKING_S = 120.0  # nemo-protocol.md: tell the user every 2 minutes of keep-alives
LOW_CREDITS = 20


class AppSettings:
    """The user's settings, in an INI file under paths.config_dir() (never the registry or ~/.config)."""

    def __init__(self, path: Path | None = None):
        self.path = path or (paths.config_dir() / "nemodesk.ini")
        self.q = QSettings(str(self.path), QSettings.Format.IniFormat)

    def get(self, key: str, default: Any = None) -> Any:
        v = self.q.value(key, default)
        if isinstance(default, bool) and isinstance(v, str):
            return v.lower() in ("1", "true", "yes")
        if isinstance(default, int) and not isinstance(default, bool) and isinstance(v, str):
            try:
                return int(float(v))
            except ValueError:
                return default
        if isinstance(default, float) and isinstance(v, str):
            try:
                return float(v)
            except ValueError:
                return default
        return v

    def set(self, key: str, value: Any) -> None:
        self.q.setValue(key, value)
        self.q.sync()

    # The settings the dialog edits.
    api_url = property(
        lambda s: s.get("cloud/api_url", CLOUD_URL) or CLOUD_URL, lambda s, v: s.set("cloud/api_url", v)
    )
    backend = property(lambda s: s.get("backend", "local"), lambda s, v: s.set("backend", v))
    output_dir = property(
        lambda s: s.get("export/output_dir", "") or str(default_output_dir()),
        lambda s, v: s.set("export/output_dir", v),
    )
    default_seconds = property(
        lambda s: s.get("defaults/seconds", 3.0), lambda s, v: s.set("defaults/seconds", v)
    )
    default_transition = property(
        lambda s: s.get("defaults/transition", "crossfade"), lambda s, v: s.set("defaults/transition", v)
    )
    language = property(lambda s: s.get("language", "system"), lambda s, v: s.set("language", v))
    last_folder = property(lambda s: s.get("tray/last_folder", ""), lambda s, v: s.set("tray/last_folder", v))


def default_output_dir() -> Path:
    from PySide6.QtCore import QStandardPaths

    movies = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.MoviesLocation)
    return Path(movies) if movies else Path.home()


def session_language(setting: str) -> str:
    """The protocol's language code for the session (`en`, `zh-CN`)."""
    if setting == "system":
        from PySide6.QtCore import QLocale

        return "zh-CN" if QLocale.system().language() == QLocale.Language.Chinese else "en"
    return "zh-CN" if setting.startswith("zh") else "en"


class AppController(QObject):
    """See the module docstring for the API widgets use."""

    draftChanged = Signal(object)
    draftEdited = Signal()
    backendStatus = Signal(str, str)  # state, human text
    backendChanged = Signal(str)  # "local" | "cloud"
    sessionChanged = Signal(str)
    creditsChanged = Signal(object)  # dict(available, frozen, total, local: bool, low: bool, register_url)
    busyChanged = Signal(bool)
    turnStarted = Signal(str)
    agentText = Signal(str, bool)
    activity = Signal(str)
    notice = Signal(str)
    appReply = Signal(str)
    errorShown = Signal(str)
    turnFinished = Signal()
    exportRequested = Signal()
    showTimelineRequested = Signal()
    uploadRouteRequested = Signal()
    uploadProgress = Signal(str, float)  # path, 0..1
    uploadDone = Signal(str, str)  # path, src
    uploadFailed = Signal(str, str)  # path, message

    def __init__(
        self,
        settings: AppSettings | None = None,
        parent: QObject | None = None,
        engine_data_dir: Path | None = None,
    ):
        super().__init__(parent)
        self.settings = settings or AppSettings()
        self.runner = TaskRunner(self)
        self.engine_data_dir = engine_data_dir or (paths.data_dir() / "engine")
        self.client: Any = None
        self.engine: Any = None
        self.identity: Any = None
        self.session_id: str | None = None
        self.backend_name: str = (
            self.settings.backend if self.settings.backend in ("local", "cloud") else "local"
        )
        self.draft: Draft | None = None
        self.draft_source = "session"
        self.project_name: str | None = None  # the open project's file name (the window sets it)
        # True while the draft is a project opened on a backend that cannot take it (the cloud has no way to
        # set a session's draft): it is viewed, previewed and exported here, and the next agent edit, made on
        # the session's own draft, replaces it.
        self.local_only = False
        self._turn_source = "chat"
        self.ready = False
        self.busy = False
        self.credits: dict[str, Any] | None = None
        self.media: dict[Path, str] = {}  # uploaded file -> src (media id or URL) from the upload response
        self._src_to_path: dict[str, Path] = {}
        self._hashes: dict[Path, str] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._turn: asyncio.Task[Any] | None = None
        self._chat: Any = None  # the running ChatTurn
        self._uploads: set[asyncio.Task[Any]] = set()
        # Set by the window: the tray's files that are fine but not uploaded yet, in tray order.
        self.pending_files: Callable[[], list[Path]] = list
        self._backend_task: asyncio.Task[Any] | None = None
        self._lock: asyncio.Lock | None = None
        self.still_working_s = STILL_WORKING_S
        self._closed = False
        self._bed: tuple[str, Path] | None = None

    # ------------------------------------------------------------------------------------------ tasks

    def spawn(self, coro: Awaitable[Any], name: str = "") -> asyncio.Task[Any]:
        """Run a coroutine as a task the controller keeps (and cancels on close); errors are reported."""
        task = asyncio.ensure_future(coro)
        if name:
            task.set_name(name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        err = task.exception()
        if err is None:
            return
        if isinstance(err, UserError):
            self.errorShown.emit(human_error(err))
        else:
            from nemodesk.ui.error_dialog import _report

            _report(type(err), err, err.__traceback__)

    # ---------------------------------------------------------------------------------------- backend

    def start(self) -> None:
        """Start the chosen backend in the background (the window is already up)."""
        if self._backend_task is not None and not self._backend_task.done():
            self._backend_task.cancel()
        self._backend_task = self.spawn(self._start_backend(self.backend_name), "backend")

    def retry(self) -> None:
        self.start()

    def switch_backend(self, name: str) -> None:
        if name not in ("local", "cloud") or (name == self.backend_name and self.ready):
            return
        self.backend_name = name
        self.settings.backend = name
        self.backendChanged.emit(name)
        self.start()

    async def _start_backend(self, name: str) -> None:
        self._set_ready(False)
        self.credits = None  # the old backend's figures mean nothing for the new one
        await self._close_backend()
        try:
            if name == "local":
                self.backendStatus.emit("starting", self.tr("Starting the local engine…"))
                self.engine = await self._start_engine()
                url = self.engine.url
            else:
                url = self.settings.api_url
                self.backendStatus.emit("starting", self.tr("Connecting to NemoVideo…"))
            self.client = self._make_client(url, name)
            await self._ensure_token()
            await self.new_session(announce=False)
            self._set_ready(True)
            self.backendStatus.emit("ready", self._ready_text())
            self.spawn(self.refresh_credits(), "credits")
        except asyncio.CancelledError:
            raise
        except Exception as err:
            log.warning("backend %s failed to start: %s", name, err, exc_info=not isinstance(err, UserError))
            why = human_error(err) if isinstance(err, UserError) else f"{type(err).__name__}: {err}"
            what = (
                self.tr("The local engine could not start")
                if name == "local"
                else self.tr("Could not connect to NemoVideo")
            )
            self.backendStatus.emit("failed", f"{what}: {why}")

    def _ready_text(self) -> str:
        if self.backend_name == "local":
            return self.tr("Local engine ready")
        return self.tr("Connected to NemoVideo")

    def _set_ready(self, ready: bool) -> None:
        self.ready = ready

    async def _start_engine(self) -> Any:
        from nemodesk.engine.launcher import start_engine

        self.engine_data_dir.mkdir(parents=True, exist_ok=True)
        if inspect.iscoroutinefunction(start_engine):
            return await start_engine(data_dir=self.engine_data_dir)
        # A blocking start (spawn + wait for the URL) goes to a worker thread, never the GUI thread.
        return await self.runner.run(start_engine, data_dir=self.engine_data_dir)

    def _make_client(self, url: str, name: str) -> Any:
        from nemodesk.core.client import NemoClient
        from nemodesk.core.identity import Identity, TokenRecord, TokenSource
        from nemodesk.core.redact import register_secret

        local = name == "local"
        self.identity = Identity(url, use_env=not local)
        if local and getattr(self.engine, "token", None):
            # The engine's per-launch token: kept in memory only (a new port each launch would otherwise
            # leave a keyring entry per launch).
            register_secret(self.engine.token)
            self.identity.record = TokenRecord(self.engine.token, anonymous=False)
            self.identity.source = TokenSource.USER
        return NemoClient(
            url,
            identity=self.identity,
            is_local=local,
            language=session_language(self.settings.language),
            notice_interval=self.still_working_s,
            on_notice=lambda text: self.notice.emit(notice_text(text)),
            on_session_replaced=self._session_replaced,
        )

    def _session_replaced(self, old_id: str, new: Any) -> None:
        self.session_id = str(new.session_id)
        self.sessionChanged.emit(self.session_id)

    async def _ensure_token(self) -> None:
        await self.client.ensure_token()  # the client tells on_notice when the keyring could not keep it

    async def new_session(self, announce: bool = True) -> str:
        """A new editing session (new project); the draft starts empty."""
        sess = await self.client.create_session(language=session_language(self.settings.language))
        self.session_id = str(getattr(sess, "session_id", sess))
        self.media.clear()
        self._src_to_path.clear()
        self.local_only = False
        self._set_draft(None, "session")
        self.sessionChanged.emit(self.session_id)
        if announce:
            self.notice.emit(self.tr("Started a new project."))
        return self.session_id

    async def _close_backend(self) -> None:
        client, engine = self.client, self.engine
        self.client = self.engine = None
        self.session_id = None
        if client is not None:
            with contextlib.suppress(Exception):
                await client.aclose()
        if engine is not None:
            await self.runner.run(engine.stop)

    # ------------------------------------------------------------------------------------------ draft

    def _set_draft(self, draft: Draft | None, source: str = "refresh") -> None:
        before = self.draft
        self.draft = draft
        self.draft_source = source
        self.draftChanged.emit(draft)
        if (
            source in ("chat", "timeline", "project")
            and draft is not None
            and (before is None or before.raw != draft.raw)
        ):
            self.draftEdited.emit()

    def set_draft_local(self, draft: Draft | None) -> None:
        """A draft from elsewhere (opened project, recovery) becomes the current one."""
        self._set_draft(draft, "project")

    async def refresh_state(self, source: str = "refresh") -> Draft | None:
        if self.client is None or self.session_id is None:
            return self.draft
        if self.local_only and source == "refresh":
            return self.draft  # a project opened for viewing only: the backend's session does not hold it
        state = await self.client.state(self.session_id)
        draft = _draft_of(state)
        if draft is not None or self.draft is not None:
            self.local_only = False
            self._set_draft(draft, source)
        return draft

    def resolve_media(self, src: str | None) -> Path | None:
        """The user's own file behind a draft `src`, when this app uploaded it."""
        if not src:
            return None
        p = self._src_to_path.get(src)
        if p is not None and p.exists():
            return p
        # The local engine names media by content hash: `media:<sha256>` (a prefix is enough).
        key = src.split(":", 1)[1] if src.startswith("media:") else None
        if key:
            for path, known in self.media.items():
                if known == src and path.exists():
                    return path
            for path, sha in self._hashes.items():
                if sha.startswith(key) and path.exists():
                    return path
        bed = self._bundled_bed() if key else None
        if bed is not None and bed[0] == src:
            return bed[1]
        # A cloud draft may name an upload by URL or `scheme:filename`: match the file name of an upload.
        tail = src.rsplit("/", 1)[-1].rsplit(":", 1)[-1].split("?", 1)[0]
        for path in self.media:
            if tail and path.name == tail and path.exists():
                return path
        return None

    def add_local_media(self, files: dict[str, Path]) -> None:
        """Draft ids whose files are known here without an upload (a project opened for local viewing), so
        the preview, the timeline's thumbnails and a local export can draw them."""
        for src, path in files.items():
            self._src_to_path[src] = Path(path)

    def _bundled_bed(self) -> tuple[str, Path] | None:
        """The engine's bundled music bed (its media id and file): drafts of the local engine name it."""
        if self._bed is None:
            try:
                from nemodesk.engine.agent.music import bundled_music, bundled_music_info

                self._bed = (bundled_music_info().id, bundled_music())
            except Exception as err:  # an installation without it: nothing to resolve
                log.info("no bundled music: %s", err)
                self._bed = ("", Path())
        return self._bed if self._bed[0] else None

    def remember_hash(self, path: Path, sha256: str) -> None:
        """The tray tells us each file's content hash, so `media:<sha>` ids resolve without a round trip."""
        if sha256:
            self._hashes[Path(path)] = sha256

    # ------------------------------------------------------------------------------------------- chat

    def submit(self, text: str) -> asyncio.Task[Any]:
        """`send_message` as a task the controller owns (what the chat pane calls)."""
        task = self.spawn(self.send_message(text), "turn")
        self._turn = task
        return task

    def submit_route(self, name: str) -> asyncio.Task[Any]:
        return self.spawn(self.run_route(Route(name)), f"route-{name}")

    def stop_turn(self) -> None:
        """Stop the running turn. The message is never re-sent (the service charges per message)."""
        if self._chat is not None:
            self._chat.cancel()  # the stream stops; the turn still ends with the state and its diff
        elif self._turn is not None and not self._turn.done():
            self._turn.cancel()

    async def send_message(self, text: str, source: str = "chat") -> None:
        """One user message: routed locally (export, credits, status, upload) or one agent turn.

        `source` names who sent it ("chat", or "timeline" for its direct edits); the draft it yields carries
        it in `draft_source`, so the timeline keeps its undo stack for its own edits only."""
        text = text.strip()
        if not text:
            return
        target = route(text)
        if target is not Route.CHAT:
            self.turnStarted.emit(text)
            try:
                await self.run_route(target)
            finally:
                self.turnFinished.emit()
            return
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            self._turn_source = source
            try:
                await self._chat_turn(text)
            finally:
                self._turn_source = "chat"

    async def run_route(self, target: Route) -> None:
        """The routing table's local actions (no agent, no credits)."""
        if target is Route.EXPORT:
            if self.draft is None:
                await self._guard(self.refresh_state())
            if self.draft is None or not self.draft.exportable():
                self.appReply.emit(
                    self.tr("There is nothing to export yet: add photos and ask for a video first.")
                )
                return
            self.appReply.emit(self.tr("Exporting the video: see the export queue for progress."))
            self.exportRequested.emit()
        elif target is Route.CREDITS:
            await self._guard(self.refresh_credits())
            self.appReply.emit(self.credits_text())
        elif target is Route.STATUS:
            await self._guard(self.refresh_state())
            self.appReply.emit(
                timeline_summary(self.draft) if self.draft is not None else self.tr("The timeline is empty.")
            )
            self.showTimelineRequested.emit()
        elif target is Route.UPLOAD:
            self.appReply.emit(self.tr("Uploading the photos in the tray."))
            self.uploadRouteRequested.emit()

    async def _guard(self, coro: Awaitable[Any]) -> Any:
        try:
            return await coro
        except UserError as err:
            self.errorShown.emit(human_error(err))
            return None

    def _require_ready(self) -> None:
        if not self.ready or self.client is None or self.session_id is None:
            raise UserError(
                self.tr("The backend is not ready yet."), self.tr("Wait for it to start, or retry.")
            )

    async def _chat_turn(self, text: str) -> None:
        self.turnStarted.emit(text)
        self._set_busy(True)
        before = self.draft.copy() if self.draft is not None else None
        end: Any = None
        got_text = False
        try:
            self._require_ready()
            await self.flush_uploads()
            got_text, end = await self._stream(text)
        except asyncio.CancelledError:
            self.notice.emit(self.tr("Stopped. The message was not re-sent."))
        except UserError as err:
            self.errorShown.emit(human_error(err))
            await self._after_error(err)
        finally:
            self._set_busy(False)
        after = _draft_of(_field(end, "state")) if end is not None else None
        if after is not None:
            self.local_only = False
            self._set_draft(after, self._turn_source)
        else:
            try:
                after = await self.refresh_state(self._turn_source)
            except UserError as err:
                self.errorShown.emit(human_error(err))
                after = self.draft
        if not got_text:
            changes = list(_field(end, "diff_sentences") or []) if end is not None else []
            changes = changes or draft_diff(before, after)
            self.appReply.emit(
                self.tr("The timeline changed:") + "".join(f"\n• {c}" for c in changes)
                if changes
                else self.tr("The agent finished without changing the timeline.")
            )
        self.turnFinished.emit()
        follow = self.defaults_message(before, after)
        if follow:
            await self._chat_turn(follow)

    def defaults_message(self, before: Draft | None, after: Draft | None) -> str:
        """The user's default photo length and transition (Settings), as an edit for a slideshow the
        agent has just made with its own defaults. Only for the local engine: there a message is free,
        while the cloud charges per message, so there the user's words alone decide."""
        if self.backend_name != "local" or after is None or _video_count(before) or not _video_count(after):
            return ""
        video = after.video_track()
        segs = video.segments if video is not None else []
        want_ms = round(float(self.settings.default_seconds) * 1000)
        want_tr = str(self.settings.default_transition)
        parts = []
        if want_ms > 0 and any(round(seg.d) != want_ms for seg in segs):
            parts.append(f"make each photo {want_ms / 1000:g} seconds")
        kinds = {(seg.tr.type if seg.tr is not None else "cut") for seg in segs[:-1]}
        if want_tr in TRANSITION_WORDS and segs[:-1] and kinds != {want_tr}:
            parts.append(TRANSITION_WORDS[want_tr])
        return " and ".join(parts)

    async def _stream(self, text: str) -> tuple[bool, Any]:
        """Show one streamed turn. Returns (whether the agent said anything, the TurnEnd if one came)."""
        got_text = False
        live = ""
        end: Any = None
        self._chat = self.client.chat(self.session_id, text)
        try:
            async for ev in self._chat:
                kind = type(ev).__name__
                if kind == "TextDelta":
                    live += ev.text
                    self.agentText.emit(live, False)
                elif kind == "TextFinal":
                    live = ""
                    got_text = got_text or bool(ev.text.strip())
                    self.agentText.emit(ev.text, True)
                elif kind == "Activity":
                    if getattr(ev, "phase", "call") == "call":
                        self.activity.emit(activity_text(ev))
                elif kind == "Notice":
                    if getattr(ev, "session_id", None):
                        self.session_id = str(ev.session_id)
                        self.sessionChanged.emit(self.session_id)
                    self.notice.emit(notice_text(ev.text))
                elif kind == "ChatError":
                    err = getattr(ev, "error", None)
                    self.errorShown.emit(human_error(err) if isinstance(err, UserError) else str(ev))
                    if getattr(ev, "error", None) is not None:
                        await self._after_error(ev.error)
                elif kind == "TurnEnd":
                    end = ev
                    got_text = got_text or bool((getattr(ev, "text", "") or "").strip())
            if live:  # a stream that ended on partial chunks: keep what arrived
                self.agentText.emit(live, True)
                got_text = True
        finally:
            self._chat = None
        return got_text, end

    async def _after_error(self, err: UserError) -> None:
        from nemodesk.core import nemo_errors

        if isinstance(err, nemo_errors.SessionNotFound):
            with contextlib.suppress(UserError):
                await self.new_session(announce=True)
        elif isinstance(err, nemo_errors.NoCredits):
            self.spawn(self.refresh_credits(), "credits")

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.busyChanged.emit(busy)

    # ---------------------------------------------------------------------------------------- credits

    async def refresh_credits(self) -> dict[str, Any] | None:
        if self.client is None:
            return None
        if self.backend_name == "local":
            info: dict[str, Any] = {
                "local": True,
                "available": None,
                "frozen": 0,
                "total": None,
                "low": False,
            }
        else:
            raw = await self.client.credits()
            info = dict(raw) if isinstance(raw, dict) else dict(vars(raw))
            info["local"] = bool(info.get("unlimited"))
            avail = info.get("available")
            info["low"] = isinstance(avail, int | float) and avail < LOW_CREDITS
        user = getattr(self.identity, "user_id", None)
        anonymous = getattr(self.identity, "is_anonymous", False)
        if anonymous and user:
            from nemodesk.core.nemo_errors import REGISTER_URL

            info["register_url"] = REGISTER_URL.format(user_id=user)
        self.credits = info
        self.creditsChanged.emit(info)
        return info

    def credits_text(self) -> str:
        c = self.credits
        if c is None:
            return self.tr("Credits are not known yet.")
        if c.get("local"):
            return self.tr("Local engine: unlimited. Rendering on this computer costs nothing.")
        text = (
            self.tr("Credits: %1 available, %2 reserved.")
            .replace("%1", _num(c.get("available")))
            .replace("%2", _num(c.get("frozen")))
        )
        if c.get("low"):
            text += " " + self.tr("You are running low.")
            if c.get("register_url"):
                text += " " + self.tr("Register for more: %1").replace("%1", c["register_url"])
        return text

    # ----------------------------------------------------------------------------------------- upload

    def upload(self, files: Iterable[Path]) -> asyncio.Task[Any]:
        task = self.spawn(self.upload_files(list(files)), "upload")
        self._uploads.add(task)
        task.add_done_callback(self._uploads.discard)
        return task

    async def flush_uploads(self) -> None:
        """Before a chat turn: wait for running uploads and send what is still waiting, so the agent
        sees every photo the user put in the tray."""
        if self._uploads:
            await asyncio.gather(*self._uploads, return_exceptions=True)
        pending = self.pending_files()
        if pending:
            await self.upload_files(pending)

    async def upload_files(self, files: list[Path]) -> dict[Path, str]:
        """Upload files one request each, so every file has its own progress and its own error."""
        self._require_ready()
        done: dict[Path, str] = {}
        for path in files:
            key = str(path)
            self.uploadProgress.emit(key, 0.0)

            def progress(sent: int, total: int, key: str = key) -> None:
                self.uploadProgress.emit(key, sent / total if total else 0.0)

            try:
                result = await self.client.upload(self.session_id, [path], progress=progress)
            except UserError as err:
                self.uploadFailed.emit(key, human_error(err))
                continue
            src = _src_of(result, path)
            if not src:
                self.uploadFailed.emit(key, self.tr("The backend did not say where the file went."))
                continue
            self.media[Path(path)] = src
            self._src_to_path[src] = Path(path)
            done[Path(path)] = src
            self.uploadDone.emit(key, src)
        if done:
            self.notice.emit(self.tr("%n file(s) uploaded.", "", len(done)))
        return done

    # --------------------------------------------------------------------------------------- projects

    async def save_project(self, path: Path) -> Path:
        """Write the draft and the files behind it to `path` (off the GUI thread, replaced only once whole)."""
        from nemodesk.core.project import ProjectError, save_project

        if self.draft is None:
            raise ProjectError(
                self.tr("There is nothing to save yet: the timeline is empty."),
                self.tr("Add photos and make a video first."),
            )
        text = self.draft.dumps()
        files = {src: self.resolve_media(src) for src in dict.fromkeys(self.draft.media_ids())}
        return await self.runner.run(save_project, Path(path), text, files.get)

    async def open_project(self, path: Path) -> ProjectOpened:
        """Open a `.nemodesk` file into a new session of the current backend (see restore_project)."""
        from nemodesk.core.project import open_project

        opened = await self.runner.run(open_project, Path(path))
        return await self.restore_project(opened)

    async def restore_project(self, opened: Any) -> ProjectOpened:
        """A new session holding an opened project (an OpenedProject: the draft and a file per media id).

        Each file is uploaded again (the ids of the old session mean nothing to the new one) and the draft's
        ids are rewritten to the new ones. Segments whose file is missing or failed to upload are left out
        and named in the result, so the rest opens. The local engine then takes the draft (PUT draft); the
        cloud has no way to, so there the draft is kept here only (`local_only`): viewed, previewed and
        exported on this computer, until an agent edit replaces it with the cloud session's own draft.
        """
        self._require_ready()
        await self.new_session(announce=False)
        local = self.backend_name == "local" and getattr(self.client, "is_local", True)
        bed = self._bundled_bed()
        keep: dict[str, str] = {}
        paths: dict[str, Path] = {}
        for src, file in opened.media.items():
            if local and bed is not None and src == bed[0]:
                keep[src] = src  # the engine's own music bed: every local session has it
            else:
                paths[src] = Path(file)
        uploaded = await self.upload_files(list(dict.fromkeys(paths.values()))) if paths else {}
        mapping = dict(keep)
        for src, file in paths.items():
            if file in uploaded:
                mapping[src] = uploaded[file]
        draft, dropped = remap_media(opened.draft, mapping)
        names = _missing_names(opened, dropped)
        if local:
            await self.client.put_draft(self.session_id, draft.raw)
            await self.refresh_state("project")
        else:
            self.add_local_media({mapping[src]: paths[src] for src in paths if src in mapping})
            self._set_draft(draft, "project")
            self.local_only = True
        return ProjectOpened(Path(opened.path), opened.title, names, self.local_only, dict(uploaded))

    # ------------------------------------------------------------------------------------------ close

    async def aclose(self) -> None:
        """Cancel every task, close the client (before the loop ends), stop the engine and the pool."""
        if self._closed:
            return
        self._closed = True
        for t in list(self._tasks):
            t.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._close_backend()
        self.runner.shutdown()


# ------------------------------------------------------------------------------------------ projects


@dataclass
class ProjectOpened:
    """What opening a project did: its file, its title, the media it could not bring back (file names),
    whether the draft lives only here (the cloud), and the files uploaded for it (file -> new src)."""

    path: Path
    title: str
    missing: list[str] = field(default_factory=list)
    local_only: bool = False
    uploaded: dict[Path, str] = field(default_factory=dict)


def remap_media(draft: Draft, mapping: dict[str, str]) -> tuple[Draft, list[Segment]]:
    """A copy of `draft` with each segment's `src` rewritten by `mapping`; segments with a `src` that is not
    in it are left out (returned), and the video track laid out again if any of its photos went."""
    out = draft.copy()
    dropped: list[Segment] = []
    for track in out.tracks:
        kept = []
        for seg in track.segments:
            if seg.src is None:
                kept.append(seg)
            elif seg.src in mapping:
                seg.src = mapping[seg.src]
                kept.append(seg)
            else:
                dropped.append(seg)
        if len(kept) != len(track.segments):
            if kept and track.tt == TT_VIDEO:
                kept[-1].tr = None  # no transition out of the last photo
            track.set_segments(kept)
    if any(track.tt == TT_VIDEO for track in out.tracks) and dropped:
        out.relayout()
    return out, dropped


def _missing_names(opened: Any, dropped: list[Segment]) -> list[str]:
    """File names of the media a project could not bring back, from the manifest or the segments."""
    entries = (getattr(opened, "manifest", None) or {}).get("media") or {}
    names: dict[str, None] = {}
    for seg in dropped:
        entry = entries.get(seg.src) if isinstance(entries, dict) else None
        name = (entry or {}).get("name") if isinstance(entry, dict) else None
        if not name and isinstance(entry, dict) and entry.get("path"):
            name = Path(str(entry["path"])).name
        names[str(name or seg.name or seg.src)] = None
    return list(names)


# ------------------------------------------------------------------------------- tolerant readers


def _field(ev: Any, name: str) -> Any:
    if isinstance(ev, dict):
        return ev.get(name)
    return getattr(ev, name, None)


TRANSITION_WORDS = {
    "cut": "use hard cuts",
    "crossfade": "use crossfade transitions",
    "dip_black": "use dip to black transitions",
    "slide_left": "use slide left transitions",
    "slide_right": "use slide right transitions",
    "slide_up": "use slide up transitions",
    "wipe_left": "use wipe transitions",
    "wipe_right": "use wipe right transitions",
    "zoom": "use zoom transitions",
    "blur": "use blur transitions",
}


def _video_count(draft: Draft | None) -> int:
    track = draft.video_track() if draft is not None else None
    return len(track.segments) if track is not None else 0


def _draft_of(state: Any) -> Draft | None:
    """The draft inside a state answer, in any of the shapes the protocol lists."""
    if state is None:
        return None
    if isinstance(state, Draft):
        return state
    draft = _field(state, "draft")
    if isinstance(draft, Draft):
        return draft
    if draft is None and isinstance(state, dict):
        inner = state.get("state") or {}
        draft = inner.get("draft") or (inner.get("project") or {}).get("timeline_draft")
    if not draft:
        return None
    try:
        return Draft.decode(draft)
    except DraftError as err:
        raise UserError(f"The backend sent a timeline NemoDesk cannot read ({err}).") from err


def _src_of(result: Any, path: Path) -> str:
    """The media reference for an uploaded file, from any upload-answer shape."""
    files = (
        _field(result, "files")
        or _field(result, "uploaded_files")
        or (result if isinstance(result, list) else [])
    )
    for f in files or []:
        raw = _field(f, "raw") or {}
        for v in (raw.get("media_id"), _field(f, "media_id"), _field(f, "url"), raw.get("cdn_url")):
            if v:
                return str(v)
    return ""


def _num(v: Any) -> str:
    if v is None:
        return "?"
    return f"{v:g}" if isinstance(v, float) else str(v)


# ------------------------------------------------------------------------------- words for people


def _error_texts() -> dict[str, tuple[str, str | None]]:
    """The protocol's error messages in the UI's language, with actions that point at the GUI (Settings)
    rather than the CLI. Keyed by the core exception's class name; None keeps the core's action."""
    return {
        "AuthError": (QCoreApplication.translate("Errors", "Your NemoVideo sign-in has expired or is not valid."),
                      QCoreApplication.translate("Errors", "Open Settings to paste a new token, or sign out to get a new free one.")),
        "TokenRejected": (QCoreApplication.translate("Errors", "The NemoVideo token you set was refused (bad or expired)."),
                          QCoreApplication.translate("Errors", "Paste a new one in Settings, or unset NEMO_TOKEN.")),
        "SessionNotFound": (QCoreApplication.translate("Errors", "The editing session was not found on the service."),
                            QCoreApplication.translate("Errors", "A new session has been started.")),
        "NoCredits": (QCoreApplication.translate("Errors", "You have run out of NemoVideo credits."), None),
        "UnsupportedFile": (QCoreApplication.translate("Errors", "This file type is not supported."), None),
        "FileTooLarge": (QCoreApplication.translate("Errors", "The file is too large (the limit is 200 MB per file)."),
                         QCoreApplication.translate("Errors", "Compress it or trim it, then try again.")),
        "ClientIdMissing": (QCoreApplication.translate("Errors", "The service did not accept this installation's client id."), None),
        "ExportBlocked": (QCoreApplication.translate("Errors", "Export is not available on the free plan."),
                          QCoreApplication.translate("Errors", "Register or upgrade your plan to unlock export.")),
        "RateLimited": (QCoreApplication.translate("Errors", "The service is busy or you made too many requests."), QCoreApplication.translate("Errors", "Wait a minute and try again.")),
        "ServerError": (QCoreApplication.translate("Errors", "The NemoVideo service had a problem."), QCoreApplication.translate("Errors", "Try again in a few minutes.")),
        "NemoTimeout": (QCoreApplication.translate("Errors", "The NemoVideo service did not answer in time."), QCoreApplication.translate("Errors", "Check your connection and try again.")),
        "NemoConnectionError": (QCoreApplication.translate("Errors", "Could not reach the NemoVideo service."),
                                QCoreApplication.translate("Errors", "Check your internet connection (or that the local engine is running) and try "
                                   "again.")),
        "ProtocolError": (QCoreApplication.translate("Errors", "The service sent an answer NemoDesk does not understand."),
                          QCoreApplication.translate("Errors", "Try again; if it persists, check for a NemoDesk update.")),
        "StreamBroken": (QCoreApplication.translate("Errors", "The connection broke before the agent finished."), None),
        "NothingToExport": (QCoreApplication.translate("Errors", "There is nothing to export yet: the timeline is empty."),
                            QCoreApplication.translate("Errors", "Add photos or ask the agent to make a video first.")),
        "RenderFailed": (QCoreApplication.translate("Errors", "The render failed."), QCoreApplication.translate("Errors", "Try exporting again.")),
        "DownloadFailed": (QCoreApplication.translate("Errors", "The finished video could not be downloaded."), None),
        "ExportCancelled": (QCoreApplication.translate("Errors", "Export cancelled."), None),
        "NotSignedIn": (QCoreApplication.translate("Errors", "Not signed in to NemoVideo."), QCoreApplication.translate("Errors", "Open Settings to paste a token, or use the cloud to "
                                                              "get a free one.")),
    }  # fmt: skip


def human_error(err: BaseException) -> str:
    """What the user reads for an error: the protocol's message and action, in the UI's language."""
    if not isinstance(err, UserError):
        return str(err)
    cls = type(err)
    entry = None
    for klass in cls.__mro__:
        entry = _error_texts().get(klass.__name__)
        if entry is not None:
            break
    message, action = err.message, err.action
    if entry is not None:
        if message == getattr(cls, "default_message", None):
            message = entry[0]
        if entry[1] is not None and action == getattr(cls, "default_action", None):
            action = entry[1]
        elif action.startswith("Register to get more credits:"):
            action = QCoreApplication.translate("Errors", "Register to get more credits: %1").replace(
                "%1", action.split(":", 1)[1].strip()
            )
    return f"{message} {action}".strip()


def activity_text(ev: Any) -> str:
    """The compact tool line ("Working on: editing the timeline"), in the UI's language."""
    tool = getattr(ev, "tool", "") or ""
    labels = {
        "edit_multitrack": QCoreApplication.translate("Errors", "editing the timeline"),
        "generate_video": QCoreApplication.translate(
            "Errors", "generating a video (this can take a few minutes)"
        ),
        "generate_video_with_seedance": QCoreApplication.translate(
            "Errors", "generating a video (this can take a few minutes)"
        ),
        "generate_music": QCoreApplication.translate(
            "Errors", "generating music (this can take a few minutes)"
        ),
    }
    if tool in labels:
        return QCoreApplication.translate("Errors", "Working on: %1").replace("%1", labels[tool])
    return str(getattr(ev, "text", "") or tool)


def notice_text(text: str) -> str:
    known = {
        "Still working...": QCoreApplication.translate("Errors", "Still working..."),
        "Stopped waiting for the agent (your message had already been sent).":
            QCoreApplication.translate("Errors", "Stopped. Your message had already been sent and will not be sent again."),
    }  # fmt: skip
    return known.get(text, text)
