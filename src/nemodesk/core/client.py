"""The NemoVideo client: every endpoint of nemo-protocol.md, for the cloud and the local engine alike.

Policies (the protocol's error table, the anthropic SDK's client as a model):
- every request carries the attribution headers; both envelopes (`{code,message,data}` and
  `{success,data,error}`) are understood; answers become data or one typed `NemoError`;
- idempotent reads retry on connection errors and 5xx with capped, jittered backoff honouring
  `Retry-After`; 429 waits `Retry-After` (or `rate_limit_wait`, 30 s) and retries once;
- 1001/1010/1011/401 with an anonymous token fetch a new one (same client id) and retry once; with a
  user-set token the user is asked for a new one (`TokenRejected`);
- 1002 starts a new session and says so (`on_session_replaced`, `on_notice`);
- a chat message is never re-sent after its stream started: the service charges per message;
- the token goes only to the API's own origin (never to a CDN that serves a result), never in a URL.
All responses are closed on every path (non-streaming requests read the body; streams use `async with`).
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import json
import logging
import os
import random
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from nemodesk import __version__
from nemodesk.core import nemo_errors as ne
from nemodesk.core import uploads
from nemodesk.core.chat_events import (
    STILL_WORKING,
    ChatError,
    ChatUpdate,
    Notice,
    TextFinal,
    TurnAssembler,
    TurnEnd,
)
from nemodesk.core.diff import draft_diff
from nemodesk.core.draft import Draft, DraftError
from nemodesk.core.identity import Identity
from nemodesk.core.redact import redact
from nemodesk.core.sse import KEEPALIVE, iter_events

log = logging.getLogger(__name__)

CLOUD_URL = "https://mega-api-prod.nemovideo.ai"
APP_NAME = "nemo_agent"
CLOUD_POLL_S, LOCAL_POLL_S = 30.0, 0.5
STREAM_CAP_S = 15 * 60
NOTICE_EVERY_S = 120.0
RATE_LIMIT_WAIT_S = 30.0
UPLOAD_BATCH = 8
MP4_FIRST_BOXES = (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")


def platform_name() -> str:
    if sys.platform.startswith("win"):
        return "windows"
    if sys.platform == "darwin":
        return "macos"
    return "linux"


def attribution_headers() -> dict[str, str]:
    return {"X-Skill-Source": "nemodesk", "X-Skill-Version": __version__, "X-Skill-Platform": platform_name()}


# ------------------------------------------------------------------------------------------------ results
@dataclass(frozen=True)
class Session:
    session_id: str
    task_id: str | None = None
    user_id: str | None = None


@dataclass(frozen=True)
class UploadedFile:
    filename: str
    file_type: str | None
    url: str | None
    duration: float | None = None
    width: int | None = None
    height: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Credits:
    available: float
    frozen: float
    total: float
    unlimited: bool = False


@dataclass
class SessionState:
    session_id: str
    draft: Draft | None
    raw: dict[str, Any]
    raw_draft: Any = None  # the draft exactly as fetched: export sends this back unchanged
    draft_error: str | None = None  # why `draft` is None although the state had one

    @property
    def exportable(self) -> bool:
        d = self.raw_draft
        return isinstance(d, dict) and any(isinstance(t, dict) and t.get("sg") for t in d.get("t") or [])


@dataclass(frozen=True)
class RenderJob:
    id: str
    status: str  # pending | processing | completed | failed | cancelled
    progress: float | None = None  # 0..1
    url: str | None = None
    error: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class ExportProgress:
    stage: str  # submitted | rendering | downloading | done
    job_id: str
    fraction: float | None = None  # of the current stage, 0..1, when known
    status: str = ""
    bytes_done: int = 0
    bytes_total: int | None = None


# ------------------------------------------------------------------------------------------------ helpers
def _retry_after(resp: httpx.Response) -> float | None:
    value = resp.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    when = email.utils.parsedate_to_datetime(value) if value else None
    return max(0.0, when.timestamp() - time.time()) if when else None


def _unwrap(body: Any) -> tuple[bool, int | None, str | None, Any]:
    """(ok, code, message, data) from either envelope; a bare object is its own data."""
    if not isinstance(body, dict):
        return True, None, None, body
    if "code" in body and not isinstance(body.get("code"), dict | list):
        try:
            code = int(body["code"])
        except (TypeError, ValueError):
            code = None
        msg = body.get("message") or body.get("msg")
        return code in (0, None), code, str(msg) if msg else None, body.get("data")
    if "success" in body:
        err = body.get("error")
        code = None
        if isinstance(err, dict):
            with contextlib.suppress(TypeError, ValueError):
                code = int(err.get("code")) if err.get("code") is not None else None
            err = err.get("message") or err.get("detail") or json.dumps(err)
        return bool(body["success"]), code, str(err) if err else None, body.get("data")
    if "detail" in body and len(body) == 1:  # FastAPI/ADK style error body
        return False, None, str(body["detail"]), None
    return True, None, None, body


def _body_json(resp: httpx.Response) -> Any:
    try:
        return resp.json()
    except (ValueError, UnicodeDecodeError):
        return None


def _result_url(raw: dict[str, Any]) -> str | None:
    """The render result in any of its three published places (plus the envelope-less variants)."""
    data = raw.get("data") if isinstance(raw.get("data"), dict) else raw
    for holder in (raw, data):
        out = holder.get("output")
        if isinstance(out, dict) and isinstance(out.get("url"), str):
            return out["url"]
        for key in ("outputUrl", "output_url", "url", "downloadUrl", "download_url"):
            if isinstance(holder.get(key), str) and holder[key]:
                return holder[key]
    return None


def _norm_progress(p: Any) -> float | None:
    if not isinstance(p, int | float) or isinstance(p, bool):
        return None
    return max(0.0, min(1.0, p / 100 if p > 1 else float(p)))


# ------------------------------------------------------------------------------------------------ client
class NemoClient:
    """One backend (cloud or local engine). Create, use from one event loop, `await aclose()`.

    `poll_interval` defaults to 30 s for the cloud and 0.5 s for a local engine. The remaining keyword
    arguments exist for tests and the UI: `retry_base` (backoff), `rate_limit_wait` (429 without
    Retry-After), `notice_interval` ("Still working..."), `stream_cap` (15 minutes), `read_timeout`,
    `max_upload_bytes`, `on_notice(text)` and `on_session_replaced(old_id, Session)`.
    """

    def __init__(
        self,
        base_url: str,
        *,
        identity: Identity,
        is_local: bool = False,
        http: httpx.AsyncClient | None = None,
        poll_interval: float | None = None,
        retry_base: float = 0.5,
        max_retries: int = 2,
        rate_limit_wait: float = RATE_LIMIT_WAIT_S,
        notice_interval: float = NOTICE_EVERY_S,
        stream_cap: float = STREAM_CAP_S,
        read_timeout: float = 60.0,
        max_upload_bytes: int = uploads.MAX_UPLOAD_BYTES,
        language: str = "en",
        on_notice: Callable[[str], None] | None = None,
        on_session_replaced: Callable[[str, Session], None] | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.identity = identity
        self.is_local = is_local
        # A backend on this computer (the engine, or one started by hand) answers at once: poll fast.
        on_this_machine = is_local or (urlsplit(base_url).hostname or "") in LOOPBACK_HOSTS
        self.poll_interval = (
            poll_interval
            if poll_interval is not None
            else (LOCAL_POLL_S if on_this_machine else CLOUD_POLL_S)
        )
        self.retry_base, self.max_retries = retry_base, max_retries
        self.rate_limit_wait = rate_limit_wait
        self.notice_interval, self.stream_cap = notice_interval, stream_cap
        self.max_upload_bytes = max_upload_bytes
        self.language = language
        self.on_notice = on_notice
        self.on_session_replaced = on_session_replaced
        self._own_http = http is None
        self.http = http or httpx.AsyncClient(timeout=httpx.Timeout(read_timeout, connect=5.0))
        self._origin = urlsplit(self.base_url)[:2]
        self._token_lock = asyncio.Lock()

    async def __aenter__(self) -> NemoClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._own_http:
            await self.http.aclose()

    # ----------------------------------------------------------------------------------- plumbing
    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else self.base_url + path

    def _same_origin(self, url: str) -> bool:
        return urlsplit(url)[:2] == self._origin

    def _headers(self, auth: bool = True, extra: dict[str, str] | None = None) -> dict[str, str]:
        h = attribution_headers()
        if auth and self.identity.token:
            h["Authorization"] = f"Bearer {self.identity.token}"
        if extra:
            h.update(extra)
        return h

    def _notify(self, text: str) -> None:
        log.info("notice: %s", text)
        if self.on_notice is not None:
            self.on_notice(text)

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, 60.0)
        return min(8.0, self.retry_base * 2**attempt) * (0.5 + random.random() / 2)

    def _error(self, status: int | None, code: int | None, message: str | None) -> ne.NemoError:
        err = ne.error_for(status, code, message)
        if isinstance(err, ne.NoCredits):
            return ne.NoCredits.for_user(
                self.identity.user_id,
                self.identity.is_anonymous,
                status=status,
                code=code,
                server_message=message,
            )
        return err

    async def _request(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool = False,
        auth: bool = True,
        build: Callable[[], dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        want_body: bool = False,
        **kwargs: Any,
    ) -> Any:
        """Send, apply the retry policies, unwrap the envelope; returns `data` or raises a NemoError.

        With `want_body` the whole decoded body is returned, also for a `success: false` answer that still
        carries a `data.status` (a failed render reports itself that way)."""
        if auth:
            await self.ensure_token()
        attempt = 0
        recovered: set[str] = set() if auth else {"auth"}  # an unauthenticated call has no token to renew
        while True:
            req_kwargs = dict(kwargs)
            if build is not None:
                req_kwargs.update(build())
            try:
                resp = await self.http.request(
                    method, self.url(path), headers=self._headers(auth, headers), **req_kwargs
                )
            except httpx.TimeoutException as err:
                if idempotent and attempt < self.max_retries:
                    await asyncio.sleep(self._backoff(attempt, None))
                    attempt += 1
                    continue
                raise ne.NemoTimeout() from err
            except httpx.TransportError as err:
                if idempotent and attempt < self.max_retries:
                    await asyncio.sleep(self._backoff(attempt, None))
                    attempt += 1
                    continue
                raise ne.NemoConnectionError() from err
            body = _body_json(resp)
            ok, code, message, data = _unwrap(body)
            if resp.status_code < 400 and ok:
                return body if want_body else data
            if want_body and resp.status_code < 400 and isinstance(data, dict) and "status" in data:
                return body
            err = self._error(
                resp.status_code if resp.status_code >= 400 else None,
                code,
                message or (resp.text[:200] if body is None else None),
            )
            if await self._recover_once(err, resp, recovered):
                continue
            if isinstance(err, ne.ServerError) and idempotent and attempt < self.max_retries:
                await asyncio.sleep(self._backoff(attempt, _retry_after(resp)))
                attempt += 1
                continue
            if isinstance(err, ne.RateLimited):
                err.retry_after = _retry_after(resp)
            raise err

    async def _recover_once(self, err: ne.NemoError, resp: httpx.Response, recovered: set[str]) -> bool:
        """The recoveries any call makes once each before giving up: a renewed token after an auth error, a
        wait after HTTP 429 (Retry-After, capped at 2 minutes). True means: send the request again.

        Shared by plain requests and the chat stream's opening, which reaches the agent only on success, so
        sending it again is not a re-send of a processed message."""
        if isinstance(err, ne.AuthError) and "auth" not in recovered:
            recovered.add("auth")
            await self._renew_token(rejected=self.identity.token)
            return True
        if isinstance(err, ne.RateLimited) and "rate" not in recovered:
            recovered.add("rate")
            wait = _retry_after(resp)
            await asyncio.sleep(self.rate_limit_wait if wait is None else min(wait, 120.0))
            return True
        return False

    # ----------------------------------------------------------------------------------- auth
    async def ensure_token(self) -> None:
        """Have a token: NEMO_TOKEN, the keyring, else a new anonymous one (saved to the keyring)."""
        if self.identity.token:
            return
        async with self._token_lock:
            if self.identity.token or self.identity.load():
                return
            await self._fetch_anonymous()

    async def _renew_token(self, rejected: str | None) -> None:
        """After an auth error: an anonymous token is renewed once; a user's token is theirs to replace."""
        async with self._token_lock:
            if self.identity.token != rejected:  # someone else already renewed it
                return
            if not self.identity.is_anonymous:
                raise ne.TokenRejected()
            await self._fetch_anonymous()

    async def _fetch_anonymous(self) -> None:
        retried_client_id = False
        while True:
            try:
                data = await self._request(
                    "POST",
                    "/api/auth/anonymous-token",
                    auth=False,
                    headers={"X-Client-Id": self.identity.client_id},
                )
            except ne.ClientIdMissing:
                if retried_client_id:
                    raise
                retried_client_id = True
                _ = self.identity.client_id  # make sure the file exists and is attached next time
                continue
            except ne.RateLimited as err:
                raise ne.RateLimited(
                    "NemoVideo gives one free token per installation every 7 days, and this one already "
                    "has had it.",
                    "Try again later, set NEMO_TOKEN, or save a token from your account with "
                    "`nemodesk-cli token set` (a token is only kept between runs where a system keyring works).",
                    status=err.status,
                    code=err.code,
                    retry_after=err.retry_after,
                ) from err
            break
        if not isinstance(data, dict) or not isinstance(data.get("token"), str):
            raise ne.ProtocolError("The service did not return a token.")
        saved = self.identity.store_anonymous(data["token"], data.get("user_id"), data.get("expires_at"))
        if not saved and self.identity.unsaved_notice:
            self._notify(self.identity.unsaved_notice)

    async def login(self) -> None:
        """Fetch an anonymous token now (replacing a stored anonymous one)."""
        async with self._token_lock:
            await self._fetch_anonymous()

    # ----------------------------------------------------------------------------------- sessions
    async def create_session(self, language: str | None = None) -> Session:
        data = await self._request(
            "POST",
            f"/api/tasks/me/with-session/{APP_NAME}",
            json={"task_name": "project", "language": language or self.language},
        )
        if not isinstance(data, dict) or data.get("session_id") in (None, ""):
            raise ne.ProtocolError("The service did not return a session id.")
        sess = Session(
            str(data["session_id"]),
            None if data.get("task_id") is None else str(data["task_id"]),
            data.get("user_id"),
        )
        self.identity.set_user_id(sess.user_id)
        return sess

    async def _replace_session(self, old_id: str) -> Session:
        new = await self.create_session()
        self._notify(
            f"The session {old_id} was not found on the service; started a new one ({new.session_id})."
        )
        if self.on_session_replaced is not None:
            self.on_session_replaced(old_id, new)
        return new

    async def _with_session(self, session_id: str, op: Callable[[str], Awaitable[Any]]) -> Any:
        try:
            return await op(session_id)
        except ne.SessionNotFound:
            new = await self._replace_session(session_id)
            return await op(new.session_id)

    # ----------------------------------------------------------------------------------- reads
    async def credits(self) -> Credits:
        data = await self._request("GET", "/api/credits/balance/simple", idempotent=True) or {}
        if not isinstance(data, dict):
            raise ne.ProtocolError()

        def num(k: str) -> float:
            v = data.get(k)
            return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else 0.0

        available, frozen = num("available"), num("frozen")
        total = num("total") if "total" in data else available + frozen
        unlimited = bool(data.get("unlimited")) or (self.is_local and "available" not in data)
        return Credits(available, frozen, total, unlimited)

    async def state(self, session_id: str) -> SessionState:
        """The session's state; a lost session is replaced by a new (empty) one, and the user told."""
        return await self._with_session(session_id, self._state)

    async def _state(self, session_id: str) -> SessionState:
        data = await self._request("GET", f"/api/state/{APP_NAME}/me/{session_id}/latest", idempotent=True)
        data = data if isinstance(data, dict) else {}
        st = data.get("state") if isinstance(data.get("state"), dict) else {}
        raw_draft = st.get("draft")
        if raw_draft is None and isinstance(st.get("project"), dict):
            raw_draft = st["project"].get("timeline_draft")
        if isinstance(raw_draft, str):
            with contextlib.suppress(ValueError):
                raw_draft = json.loads(raw_draft)
        draft: Draft | None = None
        problem = None
        if raw_draft is not None:
            try:
                draft = Draft.decode(raw_draft)
            except DraftError as err:
                problem = str(err)
                log.warning("the session's draft did not validate: %s", problem)
        return SessionState(str(data.get("session_id") or session_id), draft, data, raw_draft, problem)

    async def put_draft(self, session_id: str, raw_draft: Any) -> int:
        """Set the session's draft (the local engine's addition to the protocol; how an opened project gets
        into a new session). Returns the new draft version. The cloud has no such endpoint: callers check
        `is_local` first. Not retried on a lost session: a new, empty session would not hold the media."""
        if not self.is_local:
            raise ne.ProtocolError(
                "Only the local engine can take a whole timeline; the cloud has no way to set one."
            )
        data = await self._request(
            "PUT", f"/api/state/{APP_NAME}/me/{session_id}/draft", json={"draft": raw_draft}
        )
        version = data.get("draft_version") if isinstance(data, dict) else None
        if not isinstance(version, int):
            raise ne.ProtocolError("The engine did not confirm the new timeline.")
        return version

    async def _state_quiet(self, session_id: str) -> SessionState | None:
        try:
            return await self._state(session_id)
        except ne.NemoError as err:
            log.info("state fetch failed: %s", err)
            return None

    # ----------------------------------------------------------------------------------- uploads
    async def upload(
        self, session_id: str, paths: list[Path], progress: Callable[[int, int], None] | None = None
    ) -> list[UploadedFile]:
        """Check every file by content, then send them (several per request) with byte progress."""
        prepared = await asyncio.to_thread(
            uploads.prepare,
            [Path(p) for p in paths],
            for_cloud=not self.is_local,
            max_bytes=self.max_upload_bytes,
        )
        total = sum(p.size for p in prepared)
        sent = [0]

        def tick(n: int) -> None:
            sent[0] += n
            if progress is not None:
                progress(min(sent[0], total), total)

        out: list[UploadedFile] = []
        try:
            for i in range(0, len(prepared), UPLOAD_BATCH):
                batch = prepared[i : i + UPLOAD_BATCH]
                start = sent[0]

                async def send(
                    sid: str, batch: list[uploads.PreparedFile] = batch, start: int = start
                ) -> Any:
                    return await self._request(
                        "POST",
                        f"/api/upload-video/{APP_NAME}/me/{sid}",
                        build=lambda: self._multipart(batch, tick, start, sent),
                    )

                out += self._parse_uploads(await self._with_session(session_id, send))
        finally:
            for p in prepared:
                if p.converted:
                    with contextlib.suppress(OSError):
                        p.send_path.unlink()
                        p.send_path.parent.rmdir()
        return out

    def _multipart(
        self, batch: list[uploads.PreparedFile], tick: Callable[[int], None], start: int, sent: list[int]
    ) -> dict[str, Any]:
        sent[0] = start  # a retried request starts the batch's progress again
        return {"files": [("files", (p.send_name, _ProgressFile(p.send_path, tick), p.mime)) for p in batch]}

    async def upload_urls(self, session_id: str, urls: list[str]) -> list[UploadedFile]:
        """The JSON form of the upload endpoint: the service fetches the files itself."""

        async def send(sid: str) -> Any:
            return await self._request(
                "POST", f"/api/upload-video/{APP_NAME}/me/{sid}", json={"urls": urls, "source_type": "url"}
            )

        return self._parse_uploads(await self._with_session(session_id, send))

    @staticmethod
    def _parse_uploads(data: Any) -> list[UploadedFile]:
        data = data if isinstance(data, dict) else {}
        items = data.get("files") or data.get("uploaded_files") or []
        out = []
        for f in items if isinstance(items, list) else []:
            if not isinstance(f, dict):
                continue
            out.append(
                UploadedFile(
                    str(f.get("filename") or f.get("name") or ""),
                    f.get("file_type") or f.get("type"),
                    f.get("cdn_url") or f.get("url"),
                    f.get("duration"),
                    f.get("width"),
                    f.get("height"),
                    f,
                )
            )
        return out

    # ----------------------------------------------------------------------------------- chat
    def chat(self, session_id: str, message: str) -> ChatTurn:
        """One turn: iterate it for ChatUpdates (TurnEnd last); `turn.cancel()` stops it."""
        return ChatTurn(self, session_id, message)

    # ----------------------------------------------------------------------------------- export
    async def submit_render(self, session_id: str, raw_draft: Any) -> RenderJob:
        """Start a render of the draft exactly as fetched; a failed submit is retried once with a new id."""
        last: ne.NemoError | None = None
        used: set[str] = set()
        for _ in range(2):
            job_id = f"render_{int(time.time() * 1000)}"
            while job_id in used:
                await asyncio.sleep(0.002)
                job_id = f"render_{int(time.time() * 1000)}"
            used.add(job_id)
            body = {
                "id": job_id,
                "sessionId": session_id,
                "draft": raw_draft,
                "output": {"format": "mp4", "quality": "high"},
            }
            try:
                data = await self._request("POST", "/api/render/proxy/lambda", json=body)
            except (ne.ExportBlocked, ne.AuthError, ne.NoCredits, ne.SessionNotFound) as err:
                raise err
            except ne.NemoError as err:
                log.warning("render submit failed (%s); retrying once with a new id", err)
                last = err
                continue
            data = data if isinstance(data, dict) else {}
            return RenderJob(
                str(data.get("id") or job_id),
                str(data.get("status") or "pending"),
                _norm_progress(data.get("progress")),
                raw=data,
            )
        raise ne.RenderFailed(
            "The render could not be started.",
            "Try exporting again in a minute.",
            status=last.status if last else None,
            code=last.code if last else None,
        ) from last

    async def render_status(self, job_id: str) -> RenderJob:
        """One poll. The result URL may sit in output.url, data.outputUrl or data.output.url."""
        try:
            body = await self._request(
                "GET", f"/api/render/proxy/lambda/{job_id}", idempotent=True, want_body=True
            )
        except ne.SessionNotFound as err:  # a 404 here is the job, not the session
            raise ne.RenderFailed(
                f"The render job {job_id} is no longer known to the service.", "Export again."
            ) from err
        raw = body if isinstance(body, dict) else {}
        ok, _, message, data = _unwrap(raw)
        data = data if isinstance(data, dict) else {}
        status = str(data.get("status") or raw.get("status") or ("failed" if not ok else "pending")).lower()
        error = data.get("error") or (message if not ok else None)
        return RenderJob(
            str(data.get("id") or job_id),
            status,
            _norm_progress(data.get("progress")),
            _result_url(raw),
            str(error) if error else None,
            raw,
        )

    async def cancel_render(self, job_id: str) -> None:
        """Ask the service to stop a job; a job it no longer knows is as good as cancelled."""
        with contextlib.suppress(ne.SessionNotFound):
            await self._request("POST", f"/api/render/proxy/lambda/{job_id}/cancel")

    async def wait_render(
        self,
        job_id: str,
        progress: Callable[[ExportProgress], None] | None = None,
        cancel: asyncio.Event | None = None,
    ) -> RenderJob:
        """Poll until the job is done. Keeps polling while the job lives (resumable after a restart)."""
        while True:
            if cancel is not None and cancel.is_set():
                with contextlib.suppress(ne.NemoError):
                    await self.cancel_render(job_id)
                raise ne.ExportCancelled()
            job = await self.render_status(job_id)
            if progress is not None:
                progress(ExportProgress("rendering", job_id, job.progress, job.status))
            if job.status in ("completed", "complete", "succeeded", "success", "done"):
                return job
            if job.status in ("failed", "error"):
                raise ne.RenderFailed(f"The render failed: {redact(job.error)}." if job.error else None)
            if job.status in ("cancelled", "canceled"):
                raise ne.ExportCancelled("The render was cancelled on the service.")
            if cancel is None:
                await asyncio.sleep(self.poll_interval)
            else:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(cancel.wait(), self.poll_interval)

    async def download(
        self,
        job: RenderJob | str,
        target: Path,
        progress: Callable[[ExportProgress], None] | None = None,
        cancel: asyncio.Event | None = None,
    ) -> Path:
        """Stream the result to a temp file beside `target`; rename only when complete and plausible.

        Tries the job's result URL, then the fallback download endpoint. An existing `target` is only
        replaced by a complete download.
        """
        job_id = job if isinstance(job, str) else job.id
        url = None if isinstance(job, str) else job.url
        target = Path(target)
        candidates = ([url] if url else []) + [f"/api/render/proxy/{job_id}/download"]
        last: Exception | None = None
        for cand in candidates:
            try:
                full = (
                    cand
                    if cand.startswith(("http://", "https://", "/"))
                    else urljoin(self.base_url + "/", cand)
                )
                return await self._download_one(self.url(full), job_id, target, progress, cancel)
            except ne.ExportCancelled:
                raise
            except (ne.NemoError, httpx.HTTPError, OSError) as err:
                log.warning("download from %s failed: %s", urlsplit(self.url(cand)).path, err)
                last = err
        if isinstance(last, ne.NemoError) and not isinstance(
            last, ne.DownloadFailed | ne.ServerError | ne.SessionNotFound
        ):
            raise last
        raise ne.DownloadFailed() from last

    async def _download_one(
        self,
        url: str,
        job_id: str,
        target: Path,
        progress: Callable[[ExportProgress], None] | None,
        cancel: asyncio.Event | None,
        depth: int = 0,
    ) -> Path:
        headers = self._headers(auth=self._same_origin(url))
        target.parent.mkdir(parents=True, exist_ok=True)
        async with self.http.stream("GET", url, headers=headers, follow_redirects=True) as resp:
            if resp.status_code >= 400:
                await resp.aread()
                _, code, message, _ = _unwrap(_body_json(resp))
                raise self._error(resp.status_code, code, message)
            ctype = resp.headers.get("content-type", "")
            if "json" in ctype:  # the fallback endpoint may answer with where the file is
                await resp.aread()
                ok, code, message, data = _unwrap(_body_json(resp))
                inner = _result_url({"data": data}) if isinstance(data, dict) else None
                if not ok or not inner or depth:
                    raise ne.DownloadFailed() if ok else self._error(None, code, message)
                return await self._download_one(self.url(inner), job_id, target, progress, cancel, depth + 1)
            total = (
                int(resp.headers["content-length"])
                if resp.headers.get("content-length", "").isdigit()
                else None
            )
            fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
            tmp = Path(tmp_name)
            done = 0
            try:
                with os.fdopen(fd, "wb") as fh:
                    async for chunk in resp.aiter_bytes(1 << 16):
                        if cancel is not None and cancel.is_set():
                            raise ne.ExportCancelled()
                        fh.write(chunk)
                        done += len(chunk)
                        if progress is not None:
                            progress(
                                ExportProgress(
                                    "downloading",
                                    job_id,
                                    done / total if total else None,
                                    "downloading",
                                    done,
                                    total,
                                )
                            )
                    fh.flush()
                    os.fsync(fh.fileno())
                if total is not None and done != total:
                    raise ne.DownloadFailed(f"The download stopped early ({done} of {total} bytes).")
                with open(tmp, "rb") as fh:
                    head = fh.read(12)
                if len(head) < 12 or head[4:8] not in MP4_FIRST_BOXES:
                    raise ne.DownloadFailed("The service sent something that is not an MP4 video.")
                os.chmod(tmp, _file_mode(target))  # mkstemp makes 0600; a video is an ordinary file
                os.replace(tmp, target)
            except BaseException:
                with contextlib.suppress(OSError):
                    tmp.unlink()
                raise
        if progress is not None:
            progress(ExportProgress("done", job_id, 1.0, "completed", done, total))
        return target

    async def export(
        self,
        session_id: str,
        target: Path,
        progress: Callable[[ExportProgress], None] | None = None,
        cancel: asyncio.Event | None = None,
        job_id: str | None = None,
    ) -> Path:
        """The export flow: state -> submit -> poll -> download. Pass `job_id` to resume a job."""
        target = Path(target)
        if not target.parent.exists():
            raise ne.DownloadFailed(
                f"The folder {target.parent} does not exist.", "Choose another place to save."
            )
        if job_id is None:
            st = await self.state(session_id)
            if not st.exportable:
                raise ne.NothingToExport()
            job = await self.submit_render(st.session_id, st.raw_draft)
            job_id = job.id
            if progress is not None:
                progress(ExportProgress("submitted", job_id, 0.0, job.status))
        job = await self.wait_render(job_id, progress, cancel)
        return await self.download(job, target, progress, cancel)


def _file_mode(target: Path) -> int:
    """The mode a new file would get here (the existing target's, else 0666 minus the umask)."""
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


class _ProgressFile:
    """A file object for httpx's multipart encoder that reports bytes as they are read."""

    def __init__(self, path: Path, tick: Callable[[int], None]):
        self._fh = open(path, "rb")  # noqa: SIM115 - closed when fully read or garbage collected
        self._tick = tick

    def read(self, n: int = -1) -> bytes:
        chunk = self._fh.read(n)
        if chunk:
            self._tick(len(chunk))
        else:
            self._fh.close()
        return chunk

    def seek(self, *a: int) -> int:
        return self._fh.seek(*a)

    def tell(self) -> int:
        return self._fh.tell()

    def fileno(self) -> int:
        return self._fh.fileno()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self._fh.close()


# ------------------------------------------------------------------------------------------------ chat turn
_END = object()


class ChatTurn:
    """An async iterator of ChatUpdate for one message; always ends with a TurnEnd.

    The stream is read by a background task; the iterator adds a "Still working..." Notice after every
    `notice_interval` seconds without content (keep-alives do not count), stops at `stream_cap`, and
    `cancel()` stops reading (the message was already sent and is not re-sent). After the stream the
    state is fetched and diffed against the one from before the message.
    """

    def __init__(self, client: NemoClient, session_id: str, message: str):
        self.client = client
        self.session_id = session_id
        self.message = message
        self._queue: asyncio.Queue[Any] = asyncio.Queue()
        self._producer: asyncio.Task[None] | None = None
        self._stream_task: asyncio.Task[None] | None = None
        self._cancelled = False
        self.assembler = TurnAssembler()

    def cancel(self) -> None:
        self._cancelled = True
        if self._stream_task is not None and not self._stream_task.done():
            self._stream_task.cancel()

    def __aiter__(self) -> AsyncIterator[ChatUpdate]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[ChatUpdate]:
        loop = asyncio.get_running_loop()
        self._producer = asyncio.create_task(self._produce())
        last = loop.time()
        try:
            while True:
                wait = self.client.notice_interval - (loop.time() - last)
                try:
                    item = await asyncio.wait_for(self._queue.get(), timeout=max(0.0, wait))
                except TimeoutError:
                    last = loop.time()
                    yield Notice(STILL_WORKING)
                    continue
                if item is _END:
                    break
                if item is KEEPALIVE:
                    continue
                last = loop.time()
                yield item
        finally:
            if not self._producer.done():
                self.cancel()
                self._producer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._producer

    async def _produce(self) -> None:
        put = self._queue.put_nowait
        completed = False
        try:
            before = await self.client._state_quiet(self.session_id)
            self._stream_task = asyncio.create_task(self._stream())
            try:
                await self._stream_task
                completed = not self.assembler.errors
            except asyncio.CancelledError:
                if not self._cancelled:
                    raise
                put(Notice("Stopped waiting for the agent (your message had already been sent)."))
            except TimeoutError:
                put(
                    ChatError(
                        "The agent took longer than 15 minutes; NemoDesk stopped waiting.",
                        "Check the timeline; the edit may still finish on the service.",
                    )
                )
            except ne.StreamBroken as err:
                put(ChatError(err.message, err.action, err))
            except ne.NemoError as err:
                put(ChatError(err.message, err.action, err))
                if isinstance(err, ne.SessionNotFound | ne.AuthError | ne.NoCredits | ne.RateLimited):
                    put(TurnEnd([], None, "", False))
                    return
            for u in self.assembler.finish():
                put(u)
            after = await self.client._state_quiet(self.session_id)
            diff = (
                draft_diff(before.draft if before else None, after.draft if after else None) if after else []
            )
            put(TurnEnd(diff, after, self.assembler.text, completed))
        except Exception as err:  # never leave the iterator hanging
            log.exception("chat turn failed")
            put(ChatError("Something went wrong while talking to the agent.", str(type(err).__name__), err))
            put(TurnEnd([], None, self.assembler.text, False))
        finally:
            put(_END)

    async def _open(self) -> httpx.Response:
        """POST /run_sse and return the open response once its status says a stream follows."""
        c = self.client
        body = {
            "app_name": APP_NAME,
            "user_id": "me",
            "session_id": self.session_id,
            "new_message": {"parts": [{"text": self.message}]},
        }
        # Keep-alives arrive every few seconds; a read timeout only catches a stream that went silent.
        timeout = httpx.Timeout(max(300.0, c.http.timeout.read or 0.0), connect=5.0)
        recovered: set[str] = set()
        await c.ensure_token()
        while True:
            req = c.http.build_request(
                "POST",
                c.url("/run_sse"),
                json=body,
                timeout=timeout,
                headers=c._headers(
                    extra={
                        "Accept": "text/event-stream",
                        "Content-Type": "application/json",
                        "Cache-Control": "no-store",
                    }
                ),
            )
            try:
                resp = await c.http.send(req, stream=True)
            except httpx.TimeoutException as err:
                raise ne.NemoTimeout() from err
            except httpx.TransportError as err:
                raise ne.NemoConnectionError() from err
            ctype = resp.headers.get("content-type", "")
            if resp.status_code == 200 and "text/event-stream" in ctype:
                return resp
            try:
                await resp.aread()
            finally:
                await resp.aclose()
            body_json = _body_json(resp)
            ok, code, message, _ = _unwrap(body_json)
            if resp.status_code == 200 and ok and isinstance(body_json, list):
                # a server answering with all events at once (ADK's /run): feed them
                self._whole = body_json
                return resp
            status = resp.status_code if resp.status_code >= 400 else None
            if status is None and ok:
                raise ne.ProtocolError("The agent answered without a stream.")
            err = c._error(status, code, message)
            # None of these reached the agent, so sending again is not a re-send of a processed message.
            if await c._recover_once(err, resp, recovered):
                continue
            if isinstance(err, ne.SessionNotFound):
                new = await c._replace_session(self.session_id)
                self._queue.put_nowait(
                    Notice(
                        f"Started a new session ({new.session_id}) because the old one was "
                        "not found. Send your message again.",
                        new.session_id,
                    )
                )
                self.session_id = new.session_id
            raise err

    async def _stream(self) -> None:
        self._whole: list[Any] | None = None
        resp = await self._open()
        put = self._queue.put_nowait
        if self._whole is not None:
            for u in self.assembler.feed(self._whole):
                put(u)
            return
        try:
            async with asyncio.timeout(self.client.stream_cap):
                async for ev in iter_events(resp):
                    if ev is KEEPALIVE:
                        put(KEEPALIVE)
                        continue
                    for u in self.assembler.feed(ev):
                        put(u)
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.ReadTimeout) as err:
            raise ne.StreamBroken() from err
        finally:
            await resp.aclose()


__all__ = [
    "CLOUD_URL",
    "ChatTurn",
    "Credits",
    "ExportProgress",
    "NemoClient",
    "RenderJob",
    "Session",
    "SessionState",
    "TextFinal",
    "UploadedFile",
    "attribution_headers",
]
