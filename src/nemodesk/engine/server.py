"""The local engine: the NemoVideo protocol (shared/nemo-protocol.md) served on 127.0.0.1.

Same paths, envelopes, codes and field names as the cloud, emitting the first form the protocol lists
wherever variants exist, so NemoDesk's client (and anyone with curl and the seed documents) drives it
unchanged. Local differences, all additive:

- Credits: the engine is free. `/api/credits/balance/simple` answers `available = total = 1000000`,
  `frozen = 0`, plus `unlimited: true`, `plan: "local"` and `label: "Local, unlimited"`; a UI that sees
  `unlimited` shows the label instead of a number.
- Uploads answer 4001 for `{"urls": [...]}`: the engine works offline and never fetches anything.
- Each uploaded file also carries `media_id` (`media:<sha256>`), the id drafts use in `m.src`.
- Render `progress` is a fraction 0..1 (like Remotion Lambda's overallProgress); cancelling makes the job
  `failed` with `cancelled: true`, since the protocol has no fifth status.
- A finished render's URL is given as top-level `output.url` (the protocol's first form) and, with the
  same value, as `data.output.url`.
- `PUT /api/state/nemo_agent/me/<sid>/draft` with `{"draft": ...}` sets the session's draft (validated, media
  of the session only, agent undo history cleared; 422 for a draft it refuses): how an opened project reaches
  a new session.
- Status codes: a bad token is HTTP 401 with code 1001, an unknown session HTTP 404 with code 1002, so
  a client reading either the status or the code understands it; upload problems are HTTP 200 with
  code 4001/4002 like the cloud; oversized JSON bodies HTTP 413 with code 4002; too many chat streams
  (or a second message while one is being answered in the same session) HTTP 429 with Retry-After.

Speed with big sessions (benchmarks/bench_engine.py, 1,000 photos): what derives from a session's media list
is computed once per version of that list (the store caches it and drops it on upload or on a commit by
another connection); `state` splices the stored draft text and the cached media JSON into its answer; a
chat turn validates the new draft once and writes only the undo entry it made (store.save_turn).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import secrets
import socket
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvicorn
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from nemodesk import __version__
from nemodesk.core.draft import Canvas, Draft, DraftError, validate
from nemodesk.core.errors import UserError
from nemodesk.engine import security
from nemodesk.engine.jobs import JobManager
from nemodesk.engine.media_store import (
    MAX_UPLOAD_BYTES,
    Incoming,
    MediaStore,
    MediaTooLarge,
    UnsupportedMedia,
)
from nemodesk.engine.store import Blob, Session, SessionMedia, Store, media_id, remember, sha_of_media_id

log = logging.getLogger("nemodesk.engine")

APP_NAME = "nemo_agent"
LOCAL_CREDITS = 1_000_000
LOCAL_USER = "local"
ATTRIBUTION_HEADERS = ("x-skill-source", "x-skill-version", "x-skill-platform")
JOB_ID_RE = re.compile(r"^[A-Za-z0-9_.-]{1,80}$")
OFFLINE_URLS = (
    "The local engine works offline and cannot fetch files from URLs.",
    "Upload the files themselves (multipart/form-data, field 'files').",
)


@dataclass
class EngineConfig:
    """Everything `nemodesk-cli engine` can set; the defaults are the safe ones."""

    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 0
    token: str | None = None  # an explicit token (always valid); required for a non-loopback host
    workers: int = 1
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    max_files_per_request: int = 100
    max_json_bytes: int = 4 * 1024 * 1024
    max_streams: int = 8
    ping_interval_s: float = 10.0
    stream_timeout_s: float = 15 * 60


class ApiError(Exception):
    """An answer other than success: HTTP status, protocol code, message (and Retry-After for 429)."""

    def __init__(self, status: int, code: int, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after


class RenderApiError(ApiError):
    """An error on a render endpoint, which uses `{"success": false, "error": ...}`."""


def ok(data: Any) -> JSONResponse:
    return JSONResponse({"code": 0, "message": "success", "data": data})


def _error_response(err: ApiError) -> JSONResponse:
    headers = {"Retry-After": str(err.retry_after)} if err.retry_after else None
    if isinstance(err, RenderApiError):
        body: dict[str, Any] = {"success": False, "error": err.message, "code": err.code}
    else:
        body = {"code": err.code, "message": err.message, "data": None}
    return JSONResponse(body, status_code=err.status, headers=headers)


@dataclass
class Engine:
    """The state one running engine holds; built in the app's lifespan."""

    config: EngineConfig
    store: Store
    media: MediaStore
    jobs: JobManager
    bundled: dict[str, Blob] = field(default_factory=dict)  # media id -> bundled blob (music bed)
    bundled_names: dict[str, str] = field(default_factory=dict)
    streams: int = 0
    busy_sessions: set[str] = field(default_factory=set)
    background: set[asyncio.Task[Any]] = field(default_factory=set)
    media_views: dict[str, _MediaView] = field(default_factory=dict)  # session id -> derived media lists
    canvases: dict[str, tuple[int, str, dict[str, Any]]] = field(default_factory=dict)  # sid -> version, text

    # -------------------------------------------------------------------------------------------- helpers

    def user(self, request: Request, render: bool = False) -> str:
        """The user behind the bearer token, or a 401 with code 1001."""
        token = security.bearer(request.scope.get("headers") or [])
        user = None
        if token:
            if self.config.token and security.constant_time_equal(token, self.config.token):
                user = LOCAL_USER
            else:
                user = self.store.user_for_token(token)
        if user is None:
            cls = RenderApiError if render else ApiError
            msg = "Missing bearer token." if not token else "The token is not valid or has expired."
            raise cls(401, 1001, msg + " Get one from POST /api/auth/anonymous-token.")
        return user

    def session(self, sid: str, user: str, render: bool = False) -> Session:
        found = self.store.session(sid, user)
        if found is None:
            cls = RenderApiError if render else ApiError
            raise cls(
                404,
                1002,
                "Session not found. Create a new one with POST /api/tasks/me/with-session/nemo_agent.",
            )
        return found

    def resolve_media(self, session_id: str, src: str) -> Path | None:
        """The stored file behind a draft's `src`, if that media belongs to the session (or is bundled)."""
        blob = self.bundled.get(src)
        if blob is None:
            sha = sha_of_media_id(src)
            if sha is None or not self.store.session_has_media(session_id, sha):
                return None
            blob = self.store.blob(sha)
        return None if blob is None else self.media.path_for(blob.sha, blob.ext)

    def media_view(self, session_id: str) -> _MediaView:
        """What the endpoints derive from the session's media list, computed once per version of the list
        (the store hands back the same tuple until an upload changes it)."""
        media = self.store.session_media(session_id)
        view = self.media_views.get(session_id)
        if view is None or view.media is not media:
            view = _MediaView(media, self)
            remember(self.media_views, session_id, view)
        return view

    def check_media(self, session_id: str, doc: dict[str, Any]) -> None:
        """A draft may name only media of its own session (or bundled media), by id: never a path."""
        allowed = self.media_view(session_id).allowed
        for i, track in enumerate(doc.get("t") or []):
            for j, seg in enumerate(track.get("sg") or []):
                src = (seg.get("m") or {}).get("src")
                if src is not None and src not in allowed:
                    shown = src if len(str(src)) <= 80 else str(src)[:77] + "..."
                    raise DraftError(
                        [
                            (
                                f"t[{i}].sg[{j}].m.src",
                                f"{shown!r} is not media of this session (use the media_id of an upload)",
                            )
                        ]
                    )

    def media_infos(self, session_id: str) -> list[Any]:
        """The agent's view of the session's media (uploads in order, then the bundled bed): a new list
        of shared, read-only MediaInfo objects."""
        return list(self.media_view(session_id).infos)

    def canvas_config(self, session_id: str, version: int, text: str | None) -> dict[str, Any]:
        """The state's canvas_config for this stored draft text; parsed once per draft version.

        Parsing also proves the text is JSON, which lets `state` send the stored text as it is.
        """
        cached = self.canvases.get(session_id)
        if cached is not None and cached[0] == version and cached[1] == text:
            return cached[2]
        doc = json.loads(text) if text else Draft.new().raw
        config = _canvas_config(doc)
        remember(self.canvases, session_id, (version, text or "", config))
        return config

    def spawn(self, coro: Any) -> asyncio.Task[Any]:
        """A task that outlives the request that started it (kept referenced until done)."""
        task = asyncio.ensure_future(coro)
        self.background.add(task)
        task.add_done_callback(self.background.discard)
        return task


class _MediaView:
    """Derived forms of one version of a session's media list (ids, agent infos, state JSON)."""

    def __init__(self, media: tuple[SessionMedia, ...], eng: Engine):
        from nemodesk.engine.agent.model import MediaInfo

        self.media = media
        self.allowed = frozenset(m.media_id for m in media) | frozenset(eng.bundled)
        infos = [
            MediaInfo(m.media_id, m.name, m.blob.kind, m.blob.width, m.blob.height, m.blob.duration_ms,
                      beats_ms=m.blob.beats, bundled=False)
            for m in media
        ]  # fmt: skip
        for mid, blob in eng.bundled.items():
            infos.append(MediaInfo(mid, eng.bundled_names.get(mid, "music"), blob.kind, None, None, blob.duration_ms,
                                   beats_ms=blob.beats, bundled=True))  # fmt: skip
        self.infos = tuple(infos)
        self.analyses = _dumps({m.media_id: {"beats_ms": m.blob.beats} for m in media if m.blob.beats})
        self._entries: tuple[str, str, str] | None = None  # (base url, session id, JSON list)

    def entries_json(self, base: str, sid: str) -> str:
        """The state's `video_infos` as JSON text (it holds absolute URLs, so it depends on the base)."""
        cached = self._entries
        if cached is None or cached[0] != base or cached[1] != sid:
            cached = self._entries = (base, sid, _dumps([_media_entry(base, sid, m) for m in self.media]))
        return cached[2]


def _dumps(value: Any) -> str:
    """JSON as Starlette's JSONResponse writes it (so spliced pieces read like the rest of a response)."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _canvas_config(doc: dict[str, Any]) -> dict[str, Any]:
    canvas = Canvas(
        doc["m"] if isinstance(doc.get("m"), dict) else {}
    )  # Draft.canvas would add a missing "m"
    return {"width": canvas.width, "height": canvas.height, "fps": canvas.fps, "fit": canvas.fit,
            "aspect_ratio": canvas.aspect_name}  # fmt: skip


def _engine(request: Request) -> Engine:
    return request.app.state.engine


async def read_json(request: Request, limit: int, render: bool = False) -> dict[str, Any]:
    """The JSON object in the body, read with a size bound (413 / code 4002 past `limit`)."""
    cls = RenderApiError if render else ApiError
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > limit:
        raise cls(413, 4002, f"The request body is larger than {limit // 1024} KB.")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise cls(413, 4002, f"The request body is larger than {limit // 1024} KB.")
    if not body:
        return {}
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        raise cls(400, 400, "The request body is not valid JSON.") from None
    if not isinstance(doc, dict):
        raise cls(400, 400, "The request body must be a JSON object.")
    return doc


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


# ---------------------------------------------------------------------------------------------- endpoints


async def anonymous_token(request: Request) -> Response:
    eng = _engine(request)
    client_id = (request.headers.get("x-client-id") or "").strip()
    if not client_id:
        return JSONResponse({"code": 400, "message": "The X-Client-Id header is required.", "data": None},
                            status_code=400)  # fmt: skip
    if len(client_id) > 128 or not client_id.isprintable():
        return JSONResponse({"code": 400, "message": "X-Client-Id must be at most 128 printable characters.",
                             "data": None}, status_code=400)  # fmt: skip
    if not security.is_loopback(eng.config.host):
        raise ApiError(403, 1001, "Anonymous tokens are disabled on an engine reachable from the network: "
                                  "use the token it was started with.")  # fmt: skip
    info = eng.store.anonymous_token(client_id)
    return ok({"token": info.token, "user_id": info.user_id, "expires_at": _iso(info.expires_at),
               "credits": LOCAL_CREDITS})  # fmt: skip


async def create_session(request: Request) -> Response:
    eng = _engine(request)
    user = eng.user(request)
    body = await read_json(request, eng.config.max_json_bytes)
    task_name = body.get("task_name", "project")
    language = body.get("language", "en")
    if not isinstance(task_name, str) or not 0 < len(task_name) <= 200:
        raise ApiError(400, 400, "task_name must be a string of 1 to 200 characters.")
    if not isinstance(language, str) or not re.fullmatch(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*", language):
        raise ApiError(400, 400, "language must be an ISO code such as 'en' or 'zh-CN'.")
    draft = Draft.new(title=None).dumps()
    s = eng.store.create_session(user, task_name, language, draft)
    return ok({"task_id": s.task_id, "session_id": s.session_id, "user_id": user})


async def credits(request: Request) -> Response:
    eng = _engine(request)
    eng.user(request)
    return ok({"available": LOCAL_CREDITS, "frozen": 0, "total": LOCAL_CREDITS, "unlimited": True,
               "plan": "local", "label": "Local, unlimited"})  # fmt: skip


def _media_entry(base: str, sid: str, m: Any) -> dict[str, Any]:
    b: Blob = m.blob
    return {
        "filename": m.name,
        "file_type": b.kind,
        "cdn_url": f"{base}/api/media/{APP_NAME}/me/{sid}/{b.sha}",
        "duration": None if b.duration_ms is None else round(b.duration_ms / 1000, 3),
        "width": b.width,
        "height": b.height,
        "media_id": media_id(b.sha),
        "duration_ms": b.duration_ms,
        "size": b.size,
    }


_SPLICE = "nemodesk-splice-" + secrets.token_hex(12)  # placeholders no JSON string can spell


async def state(request: Request) -> Response:
    """The session's state. With 1,000 photos the draft and the media list are most of a 600 KB answer,
    so they are not decoded and encoded again: the stored draft text (proved to be JSON when its canvas
    was first read) and the cached media JSON are spliced into the envelope."""
    eng = _engine(request)
    user = eng.user(request)
    s = eng.session(request.path_params["sid"], user)
    base = _base_url(request)
    view = eng.media_view(s.session_id)
    canvas = eng.canvas_config(s.session_id, s.draft_version, s.draft)
    draft_text = s.draft if s.draft else _dumps(Draft.new().raw)
    envelope = _dumps({"code": 0, "message": "success", "data": {
        "session_id": s.session_id,
        "task_id": s.task_id,
        "task_name": s.task_name,
        "state": {
            "draft": _SPLICE + "d",
            "video_infos": _SPLICE + "v",
            "generated_media": [],
            "canvas_config": canvas,
            "video_analyses": _SPLICE + "a",
        },
        "draft_version": s.draft_version,
    }})  # fmt: skip
    pieces = {"d": draft_text, "v": view.entries_json(base, s.session_id), "a": view.analyses}
    head, *rest = envelope.split(f'"{_SPLICE}')
    out = [head]
    for part in rest:  # each part starts with the piece's letter and its closing quote
        out += [pieces[part[0]], part[2:]]
    return Response("".join(out).encode(), media_type="application/json")


async def put_draft(request: Request) -> Response:
    """Replace the session's draft (a local addition: the protocol has no way to set one).

    It is how an opened project reaches a new session: the app uploads the project's media, rewrites the ids,
    and sends the draft here. The same checks as a render apply: a bearer token, a draft that validates, and
    media that belong to this session (or are bundled), so a draft can never point at another user's upload
    or at a path. The agent's undo history is cleared: its entries are patches of the draft this replaces.
    Body: `{"draft": {...}}` (or the draft's JSON text); answers the new `draft_version`, or 422 with the
    problems.
    """
    from nemodesk.engine.agent.model import AgentMemory

    eng = _engine(request)
    user = eng.user(request)
    s = eng.session(request.path_params["sid"], user)
    body = await read_json(request, eng.config.max_json_bytes)
    # A body that parses but holds no usable draft is 422 (not 400, which clients read as "client id
    # missing"), with the draft's problems named by path.
    if "draft" not in body:
        raise ApiError(422, 422, 'The body must be {"draft": <the draft>}.')
    doc = body["draft"]
    if isinstance(doc, str):
        try:
            doc = json.loads(doc)
        except (ValueError, RecursionError):
            raise ApiError(422, 422, "The draft text is not valid JSON.") from None
    try:
        draft = Draft.decode(doc)
        eng.check_media(s.session_id, draft.raw)
    except DraftError as err:
        raise ApiError(422, 422, f"The draft is not valid: {err}") from None
    if s.session_id in eng.busy_sessions:
        raise ApiError(
            429, 429, "A message in this session is still being answered; wait for it.", retry_after=5
        )
    text = json.dumps(draft.raw, ensure_ascii=False, separators=(",", ":"))
    memory = AgentMemory.from_json(s.memory)
    memory.undo, memory.redo, memory.selected = [], [], None
    eng.busy_sessions.add(s.session_id)  # no chat turn starts on the old draft while this one is stored
    try:
        version = await asyncio.to_thread(
            eng.store.save_turn, s.session_id, text, memory.to_json(stacks=False), {"undo": [], "redo": []}
        )
    finally:
        eng.busy_sessions.discard(s.session_id)
    remember(eng.canvases, s.session_id, (version, text, _canvas_config(draft.raw)))
    return ok({"session_id": s.session_id, "draft_version": version})


async def media_file(request: Request) -> Response:
    """The bytes of one upload of the session (thumbnails for the UI); bearer-protected like the rest."""
    eng = _engine(request)
    user = eng.user(request)
    s = eng.session(request.path_params["sid"], user)
    sha = request.path_params["sha"]
    path = eng.resolve_media(s.session_id, media_id(sha))
    if path is None or not path.exists():
        raise ApiError(404, 404, "No such media in this session.")
    blob = eng.store.blob(sha)
    return FileResponse(path, media_type=blob.mime if blob else None)


# ------------------------------------------------------------------------------------------------ uploads


class _UploadReceiver:
    """Streams a multipart body into the media store: each `files` part goes to its own temp file while it
    is hashed; nothing is buffered in memory beyond one chunk."""

    def __init__(self, media: MediaStore, max_files: int):
        self.media = media
        self.max_files = max_files
        self.files: list[Incoming] = []
        self._current: Incoming | None = None
        self._header_name = b""
        self._header_value = b""
        self._disposition = b""
        self.error: ApiError | None = None

    def on_part_begin(self) -> None:
        self._current = None
        self._disposition = b""

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        if self._header_name.lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name = self._header_value = b""

    def on_headers_finished(self) -> None:
        _, opts = parse_options_header(self._disposition)
        name = opts.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" not in opts or name not in ("files", "file"):
            return  # other fields are ignored
        if len(self.files) >= self.max_files:
            self.error = self.error or ApiError(
                413, 4002, f"At most {self.max_files} files per upload request."
            )
            return
        self._current = self.media.incoming(opts[b"filename"].decode("utf-8", "replace"))
        self.files.append(self._current)

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._current is not None:
            self._current.write(data[start:end])

    def on_part_end(self) -> None:
        if self._current is not None:
            self._current.close()
        self._current = None

    def discard(self) -> None:
        for up in self.files:
            up.discard()


async def upload(request: Request) -> Response:
    eng = _engine(request)
    user = eng.user(request)
    s = eng.session(request.path_params["sid"], user)
    ctype, params = parse_options_header(request.headers.get("content-type", ""))
    if ctype == b"application/json":
        body = await read_json(request, eng.config.max_json_bytes)
        if body.get("urls"):
            raise ApiError(200, 4001, " ".join(OFFLINE_URLS))
        raise ApiError(200, 4001, "Nothing to upload. " + OFFLINE_URLS[1])
    if ctype != b"multipart/form-data" or b"boundary" not in params:
        raise ApiError(200, 4001, "Send the files as multipart/form-data in the field 'files'.")
    receiver = _UploadReceiver(eng.media, eng.config.max_files_per_request)
    parser = MultipartParser(params[b"boundary"], {
        "on_part_begin": receiver.on_part_begin, "on_part_data": receiver.on_part_data,
        "on_part_end": receiver.on_part_end, "on_header_field": receiver.on_header_field,
        "on_header_value": receiver.on_header_value, "on_header_end": receiver.on_header_end,
        "on_headers_finished": receiver.on_headers_finished,
    })  # fmt: skip
    hard_cap = eng.config.max_upload_bytes * 10 + (1 << 20)
    received = 0
    blobs: list[tuple[Blob, str]] = []
    try:
        try:
            async for chunk in request.stream():
                received += len(chunk)
                if received > hard_cap:
                    raise ApiError(
                        413, 4002, "The upload request is too large; send fewer files per request."
                    )
                parser.write(chunk)
            parser.finalize()
        except ApiError:
            raise
        except Exception as err:  # python-multipart's parse errors
            raise ApiError(
                400, 400, f"The multipart body could not be read ({type(err).__name__})."
            ) from None
        if receiver.error:
            raise receiver.error
        if not receiver.files:
            raise ApiError(200, 4001, "No files found: send them in the multipart field 'files'.")
        for up in receiver.files:
            try:
                blob = await asyncio.to_thread(
                    eng.media.commit, up, eng.store.blob(up.sha) if not up.too_large else None
                )
            except (UnsupportedMedia, MediaTooLarge) as err:
                raise ApiError(200, err.code, str(err)) from None
            blobs.append((blob, up.name))
    finally:
        receiver.discard()
    for blob, _name in blobs:
        eng.store.put_blob(blob)
        if blob.kind == "audio" and blob.beats is None:
            beats = await asyncio.to_thread(_beats_of, eng.media.path_for(blob.sha, blob.ext))
            if beats is not None:
                eng.store.set_beats(blob.sha, beats)
    base = _base_url(request)
    entries = [_media_entry(base, s.session_id, eng.store.add_session_media(s.session_id, blob.sha, name))
               for blob, name in blobs]  # fmt: skip
    return ok({"files": entries, "session_state_applied": True})


def _beats_of(path: Path) -> list[float] | None:
    """Beat times (ms) of a music file, for "sync to the beat"; None when it has no detectable beat."""
    from nemodesk.engine import audio_analysis

    try:
        beats = audio_analysis.detect_beats(path)
    except Exception:  # a song without a beat, or one the analysis cannot decode: not an upload error
        log.warning("beat analysis failed for an upload", exc_info=True)
        return None
    return [round(float(b), 1) for b in beats]


# --------------------------------------------------------------------------------------------------- chat


def _event(
    invocation: str,
    parts: list[dict[str, Any]],
    *,
    role: str = "model",
    partial: bool = False,
    state_delta: dict[str, Any] | None = None,
    final: bool = False,
) -> bytes:
    ev: dict[str, Any] = {
        "content": {"role": role, "parts": parts},
        "author": APP_NAME,
        "id": str(uuid.uuid4()),
        "invocationId": invocation,
        "timestamp": time.time(),
    }
    if partial:
        ev["partial"] = True
    if final:
        ev["turnComplete"] = True
    ev["actions"] = {"stateDelta": state_delta or {}, "artifactDelta": {}, "requestedAuthConfigs": {}}
    return b"data: " + json.dumps(ev, ensure_ascii=False, separators=(",", ":")).encode() + b"\n\n"


def _chunks(text: str, size: int = 24) -> list[str]:
    """Split the reply into small pieces for the partial events (word boundaries where there are words)."""
    pieces = re.findall(r"\S+\s*|\s+", text)
    out: list[str] = []
    buf = ""
    for p in pieces:
        if len(p) > size:  # long runs without spaces (Chinese): cut by characters
            for i in range(0, len(p), size):
                if buf:
                    out.append(buf)
                    buf = ""
                out.append(p[i : i + size])
            continue
        if len(buf) + len(p) > size and buf:
            out.append(buf)
            buf = ""
        buf += p
    if buf:
        out.append(buf)
    return out


@dataclass
class TurnResult:
    text: str
    calls: list[tuple[str, dict[str, Any], dict[str, Any]]]  # (name, args, response)
    draft_version: int


def _agent_turn(eng: Engine, s: Session, message: str) -> TurnResult:
    """Run the agent on the session's draft and store what it did (in a worker thread).

    The stored draft was validated when it was saved, so it is loaded without a second validation or a
    deep copy (json.loads already gives a private object): with 1,000 photos that is most of the budget.
    A changed draft is validated once (by the agent, which says so in `turn.validated`, else here) and
    its media ids checked against the session before anything is stored. The undo history comes from
    the store's cache and only the entries this turn made are written.
    """
    from nemodesk.engine.agent.model import UNDO_LIMIT, AgentMemory
    from nemodesk.engine.agent.respond import respond

    try:
        doc = json.loads(s.draft) if s.draft else Draft.new().raw
    except ValueError:
        raise UserError("This session's stored timeline is damaged.", "Start a new session.") from None
    if not isinstance(doc, dict):
        raise UserError("This session's stored timeline is damaged.", "Start a new session.")
    memory = AgentMemory.from_json(s.memory)
    if not (memory.undo or memory.redo):  # lists in the record: written before the stacks had rows
        stacks = eng.store.load_stacks(s.session_id)
        memory.undo, memory.redo = stacks["undo"][-UNDO_LIMIT:], stacks["redo"][-UNDO_LIMIT:]
    turn = respond(Draft(doc), message, eng.media_infos(s.session_id), memory, language_hint=s.language)
    text = None
    if turn.changed:
        new_doc = turn.draft.raw
        if not turn.validated:  # the agent validates each draft it makes (editor.finish): once is enough
            validate(new_doc)
        eng.check_media(s.session_id, new_doc)
        text = json.dumps(new_doc, ensure_ascii=False, separators=(",", ":"))
    version = eng.store.save_turn(s.session_id, text, memory.to_json(stacks=False),
                                  {"undo": memory.undo, "redo": memory.redo})  # fmt: skip
    if text is not None:
        remember(eng.canvases, s.session_id, (version, text, _canvas_config(new_doc)))
    calls = [_call_triplet(c) for c in turn.calls or []]
    return TurnResult(turn.text or "", calls, version)


def _call_triplet(call: Any) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(name, args, response) from whatever shape the agent uses for a call."""
    if isinstance(call, dict):
        return call.get("name", "edit_multitrack"), call.get("args") or {}, call.get("response") or {}
    if isinstance(call, tuple | list):
        name, args, *rest = call
        return name, args or {}, (rest[0] if rest else {}) or {}
    return (getattr(call, "name", "edit_multitrack"), getattr(call, "args", {}) or {},
            getattr(call, "result", None) or getattr(call, "response", None) or {})  # fmt: skip


async def run_sse(request: Request) -> Response:
    eng = _engine(request)
    user = eng.user(request)
    body = await read_json(request, eng.config.max_json_bytes)
    sid = body.get("session_id")
    if not isinstance(sid, str) or not sid:
        raise ApiError(400, 400, "session_id is required.")
    app_name = body.get("app_name", APP_NAME)
    if app_name != APP_NAME:
        raise ApiError(404, 1002, f"Unknown app {app_name!r}: this engine serves {APP_NAME!r}.")
    s = eng.session(sid, user)
    parts = (
        (body.get("new_message") or {}).get("parts") if isinstance(body.get("new_message"), dict) else None
    )
    if not isinstance(parts, list):
        raise ApiError(400, 400, 'new_message.parts must be a list of {"text": ...} parts.')
    message = "".join(
        p.get("text", "") for p in parts if isinstance(p, dict) and isinstance(p.get("text"), str)
    )
    if not message.strip():
        raise ApiError(400, 400, "The message has no text.")
    if len(message) > 10_000:
        raise ApiError(413, 4002, "The message is too long (10,000 characters at most).")
    if eng.streams >= eng.config.max_streams:
        raise ApiError(429, 429, "Too many chat streams are open; wait for one to finish.", retry_after=5)
    if s.session_id in eng.busy_sessions:
        raise ApiError(
            429, 429, "A message in this session is still being answered; wait for it.", retry_after=5
        )
    eng.streams += 1
    eng.busy_sessions.add(s.session_id)
    released = False

    def release() -> None:
        nonlocal released
        if not released:
            released = True
            eng.streams -= 1

    invocation = "e-" + uuid.uuid4().hex
    # The turn runs as its own task: a client that hangs up mid-turn still gets its edit stored.
    work = eng.spawn(asyncio.to_thread(_agent_turn, eng, s, message))
    work.add_done_callback(lambda _t: eng.busy_sessions.discard(s.session_id))

    async def events() -> AsyncIterator[bytes]:
        try:
            deadline = time.monotonic() + eng.config.stream_timeout_s
            if not work.done():
                yield b": ping\n\n"  # at once: the client knows the stream is open before any work is done
            while not work.done():
                done, _ = await asyncio.wait({work}, timeout=eng.config.ping_interval_s)
                if not done:
                    if time.monotonic() > deadline:
                        yield _error_event("The agent took too long to answer.")
                        return
                    yield b": ping\n\n"
            try:
                result = work.result()
            except (UserError, DraftError) as err:
                yield _error_event(str(err))
                return
            except Exception as err:
                log.exception("agent turn failed")
                yield _error_event(f"The agent failed: {type(err).__name__}: {err}")
                return
            for n, (name, args, response) in enumerate(result.calls):
                call_id = f"call_{invocation[2:14]}_{n}"
                yield _event(invocation, [{"functionCall": {"id": call_id, "name": name, "args": args}}])
                yield _event(invocation, [{"functionResponse": {"id": call_id, "name": name, "response": response}}],
                             role="user", state_delta={"draft_version": result.draft_version})  # fmt: skip
            if result.text:
                for piece in _chunks(result.text):
                    yield _event(invocation, [{"text": piece}], partial=True)
                yield _event(invocation, [{"text": result.text}], final=True)
        finally:
            release()

    return _Stream(events(), release, media_type="text/event-stream",
                   headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})  # fmt: skip


def _error_event(message: str) -> bytes:
    return b"data: " + json.dumps({"error": message}, ensure_ascii=False).encode() + b"\n\n"


class _Stream(StreamingResponse):
    """A streaming response that gives back its stream slot however it ends (even if never started)."""

    def __init__(self, content: AsyncIterator[bytes], release: Callable[[], None], **kw: Any):
        super().__init__(content, **kw)
        self._release = release

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._release()


# ------------------------------------------------------------------------------------------------- render


def _job_view(request: Request, job: Any) -> dict[str, Any]:
    eng = _engine(request)
    live = eng.jobs.live.get(job.id)
    progress = live.progress if live else job.progress
    eta = live.eta_s if live else job.eta_s
    data: dict[str, Any] = {"id": job.id, "status": job.status, "progress": progress, "eta_s": eta,
                            "created_at": _iso(job.created_at)}  # fmt: skip
    if job.error:
        data["error"] = job.error
    if job.cancelled:
        data["cancelled"] = True
    body: dict[str, Any] = {"success": True, "data": data}
    if job.status == "completed":
        url = f"{_base_url(request)}/api/render/proxy/{job.id}/download"
        body["output"] = {"url": url}
        data["output"] = {"url": url}
    return body


async def render_submit(request: Request) -> Response:
    eng = _engine(request)
    user = eng.user(request, render=True)
    missing = [h for h in ATTRIBUTION_HEADERS if not request.headers.get(h, "").strip()]
    if missing:
        raise RenderApiError(402, 402, "Export needs the attribution headers "
                                       + ", ".join(h.title() for h in missing) + ".")  # fmt: skip
    body = await read_json(request, eng.config.max_json_bytes, render=True)
    job_id = body.get("id") or f"render_{int(time.time() * 1000)}"
    if not isinstance(job_id, str) or not JOB_ID_RE.match(job_id):
        raise RenderApiError(
            400, 400, "id must be 1-80 letters, digits, '_', '-' or '.' (e.g. render_<unix ms>)."
        )
    sid = body.get("sessionId", body.get("session_id"))
    if not isinstance(sid, str):
        raise RenderApiError(400, 400, "sessionId is required.")
    s = eng.session(sid, user, render=True)
    output = body.get("output") or {}
    if not isinstance(output, dict) or output.get("format", "mp4") != "mp4":
        raise RenderApiError(400, 400, "Only output.format 'mp4' is supported.")
    doc = body.get("draft")
    if doc is None:
        doc = json.loads(s.draft) if s.draft else {}
    try:
        draft = Draft.decode(doc)
        eng.check_media(s.session_id, draft.raw)
    except DraftError as err:
        raise RenderApiError(422, 422, f"The draft is not valid: {err}") from None
    if not draft.exportable() or not any(t.raw.get("sg") for t in draft.tracks_of(0)):
        raise RenderApiError(422, 422, "There is nothing to export yet: the timeline has no video segments.")
    job = eng.store.create_job(job_id, user, s.session_id, draft.dumps())
    if job is None:
        existing = eng.store.job(job_id, user)
        if existing is None:
            raise RenderApiError(409, 409, "That render id is taken; use a new one.")
        return JSONResponse(_job_view(request, existing))
    eng.jobs.submit(job.id)
    return JSONResponse({"success": True, "data": {"id": job.id, "status": "pending", "progress": 0}})


def _job(request: Request) -> Any:
    eng = _engine(request)
    user = eng.user(request, render=True)
    job = eng.store.job(request.path_params["job_id"], user)
    if job is None:
        raise RenderApiError(404, 404, "No render with that id.")
    return job


async def render_status(request: Request) -> Response:
    return JSONResponse(_job_view(request, _job(request)))


async def render_cancel(request: Request) -> Response:
    eng = _engine(request)
    job = _job(request)
    eng.jobs.cancel(job.id)
    return JSONResponse(_job_view(request, eng.store.job(job.id)))


async def render_download(request: Request) -> Response:
    eng = _engine(request)
    job = _job(request)
    if job.status != "completed" or not job.output:
        raise RenderApiError(409, 409, f"The render is {job.status}, not completed.")
    path = eng.jobs.output_path(job.output)
    if not path.exists():
        raise RenderApiError(
            410, 410, "The rendered file is gone from the engine's data folder; export again."
        )
    return FileResponse(path, media_type="video/mp4", filename=f"{job.id}.mp4")


# ---------------------------------------------------------------------------------------------------- app


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return _error_response(exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return JSONResponse({"code": exc.status_code, "message": exc.detail, "data": None}, status_code=exc.status_code,
                        headers=exc.headers)  # fmt: skip


async def _draft_error(request: Request, exc: Exception) -> Response:
    return JSONResponse(
        {"code": 400, "message": f"The draft is not valid: {exc}", "data": None}, status_code=400
    )


def _import_bundled(eng: Engine) -> None:
    """Put the agent's music bed in the media store (by content, like an upload) so drafts can name it."""
    from nemodesk.engine.agent.music import bundled_music, bundled_music_info

    try:
        path = bundled_music()
        info = bundled_music_info()
    except UserError as err:
        log.warning("no bundled music: %s", err)
        return
    blob = eng.media.import_file(path)
    eng.store.put_blob(blob)
    if info.beats_ms:
        eng.store.set_beats(blob.sha, [float(b) for b in info.beats_ms])
    stored = eng.store.blob(blob.sha)
    if stored is not None:
        eng.bundled[media_id(stored.sha)] = stored
        eng.bundled_names[media_id(stored.sha)] = info.name


def create_app(config: EngineConfig, port: int | None = None) -> Starlette:
    """The ASGI app for `config`; `port` is the one actually bound (for the Host check)."""
    config.data_dir.mkdir(parents=True, exist_ok=True)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        store = Store(config.data_dir / "engine.sqlite3")
        media = MediaStore(config.data_dir, config.max_upload_bytes)
        holder: dict[str, Engine] = {}
        jobs = JobManager(store, config.data_dir / "renders",
                          lambda sid, src: holder["e"].resolve_media(sid, src), config.workers)  # fmt: skip
        eng = holder["e"] = Engine(config, store, media, jobs)
        await asyncio.to_thread(_import_bundled, eng)
        await jobs.start()
        app.state.engine = eng
        try:
            yield
        finally:
            for task in list(eng.background):
                with contextlib.suppress(BaseException):
                    await asyncio.wait_for(task, 5)
            await jobs.stop()
            store.close()

    routes = [
        Route("/api/auth/anonymous-token", anonymous_token, methods=["POST"]),
        Route(f"/api/tasks/me/with-session/{APP_NAME}", create_session, methods=["POST"]),
        Route("/run_sse", run_sse, methods=["POST"]),
        Route(f"/api/upload-video/{APP_NAME}/me/{{sid}}", upload, methods=["POST"]),
        Route("/api/credits/balance/simple", credits, methods=["GET"]),
        Route(f"/api/state/{APP_NAME}/me/{{sid}}/latest", state, methods=["GET"]),
        Route(f"/api/state/{APP_NAME}/me/{{sid}}/draft", put_draft, methods=["PUT"]),
        Route(f"/api/media/{APP_NAME}/me/{{sid}}/{{sha:str}}", media_file, methods=["GET"]),
        Route("/api/render/proxy/lambda", render_submit, methods=["POST"]),
        Route("/api/render/proxy/lambda/{job_id}", render_status, methods=["GET"]),
        Route("/api/render/proxy/lambda/{job_id}/cancel", render_cancel, methods=["POST"]),
        Route("/api/render/proxy/{job_id}/download", render_download, methods=["GET"]),
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={ApiError: _api_error, HTTPException: _http_error, DraftError: _draft_error},
    )
    app.state.version = __version__
    hosts = security.allowed_hosts(config.host, port if port is not None else config.port)
    app.add_middleware(_HostGuardMiddleware, hosts=hosts)
    return app


class _HostGuardMiddleware(security.HostGuard):
    """security.HostGuard in the shape Starlette's add_middleware expects."""

    def __init__(self, app: Any, hosts: frozenset[str] | None):
        super().__init__(app, hosts)


def new_token() -> str:
    return "nd_" + secrets.token_urlsafe(32)


# ------------------------------------------------------------------------------------------------ running


def bind(host: str, port: int) -> socket.socket:
    """Bind the listening socket first, so port 0 becomes a real port before the app is built."""
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted sockets only when the listener says
    # TCP; with proto 0 every keep-alive response waited ~40 ms for a delayed ACK (Nagle).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    if sys.platform != "win32":
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as err:
        sock.close()
        raise UserError(f"Cannot listen on {host}:{port} ({err.strerror}).",
                        "Choose another --port, or 0 for any free one.") from None  # fmt: skip
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def url_of(host: str, port: int) -> str:
    h = host.strip("[]")
    return f"http://[{h}]:{port}" if ":" in h else f"http://{h}:{port}"


class EngineServer(uvicorn.Server):
    """uvicorn's server, calling `on_ready(url)` once the app has started and the socket is accepting."""

    def __init__(self, config: EngineConfig, on_ready: Callable[[str], None] | None = None):
        security.check_bind(config.host, config.token)
        self.sock = bind(config.host, config.port)
        self.port = self.sock.getsockname()[1]
        self.url = url_of(config.host, self.port)
        self.engine_config = config
        self.on_ready = on_ready
        self.app = create_app(config, self.port)
        super().__init__(uvicorn.Config(
            self.app, lifespan="on", log_level="warning", access_log=False,
            timeout_graceful_shutdown=5, limit_concurrency=256, server_header=False,
            timeout_keep_alive=5,
        ))  # fmt: skip

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started and self.on_ready is not None:
            self.on_ready(self.url)

    def run_forever(self) -> None:
        try:
            self.run(sockets=[self.sock])
        finally:
            self.sock.close()
