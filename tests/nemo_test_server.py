"""A protocol-faithful NemoVideo test server: a real uvicorn on 127.0.0.1 in a background thread.

It follows nemo-protocol.md (both envelopes, ADK events, keep-alives, render jobs) and injects every
fault the issue lists through `server.faults` (reset before each test by the `nemo_server` fixture).
`server.requests` records every request (method, path, headers) so tests can check what the client sent.
Not ASGITransport: that buffers whole responses, and streaming is what these tests are about.
"""

from __future__ import annotations

import asyncio
import io
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

ATTRIBUTION = ("x-skill-source", "x-skill-version", "x-skill-platform")


class AbortStream(Exception):
    """Raised inside a streaming body: uvicorn drops the connection mid-response (an abrupt disconnect)."""


@dataclass
class Faults:
    auth_error: str | None = None  # "1001" | "1010" | "1011" | "401": the next `auth_error_count` calls fail
    auth_error_count: int = 1
    lose_session: bool = False  # every existing session disappears (1002 / HTTP 404 on /run_sse)
    no_credits: bool = False  # chat answers code 2001
    rate_limit: int = 0  # the next N requests answer 429
    retry_after: str | None = "0"  # Retry-After header of those 429s (None: no header)
    reject_client_id: int = 0  # the next N anonymous-token calls answer 400
    export_blocked: bool = False  # 402 on render submit (free plan)
    fail_submit: int = 0  # the next N render submits answer {"success": false}
    server_error: int = 0  # the next N non-auth requests answer 500
    render_fails: bool = False
    result_form: str = "output.url"  # output.url | data.outputUrl | data.output.url | none
    render_polls: int = 2  # polls that report pending/processing before completion
    stream: str = "normal"  # see _scenario()
    keepalive_seconds: float = 0.6
    max_upload_bytes: int = 200 * 1024 * 1024
    upload_form: str = "files"  # files | uploaded_files
    state_form: str = "draft"  # draft | project
    truncate_download: bool = False
    credits_available: int = 100
    result_host: str | None = None  # e.g. "localhost": the result URL on another origin (a "CDN")
    only_path: str | None = None  # when set, auth_error / rate_limit / server_error hit only this path


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""


@dataclass
class SessionData:
    sid: str
    user_id: str
    draft: dict[str, Any] = field(default_factory=lambda: {"m": {"width": 1920, "height": 1080}, "t": []})
    files: list[dict[str, Any]] = field(default_factory=list)


def make_mp4(frames: int = 12, size: int = 64) -> bytes:
    """A tiny real H.264 MP4, so downloads can be checked by decoding."""
    import av
    import numpy as np

    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        st = out.add_stream("libx264", rate=12)
        st.width = st.height = size
        st.pix_fmt = "yuv420p"
        for i in range(frames):
            img = np.full((size, size, 3), (i * 20) % 255, dtype=np.uint8)
            for pkt in st.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(pkt)
        for pkt in st.encode():
            out.mux(pkt)
    return buf.getvalue()


def sse(obj: Any) -> bytes:
    return b"data: " + json.dumps(obj, ensure_ascii=False).encode() + b"\n\n"


def env(data: Any = None, code: int = 0, message: str = "ok", status: int = 200) -> JSONResponse:
    return JSONResponse({"code": code, "message": message, "data": data}, status_code=status)


class NemoTestServer:
    def __init__(self) -> None:
        self.faults = Faults()
        self.requests: list[Recorded] = []
        self.tokens: dict[str, dict[str, Any]] = {}  # token -> {"user_id", "anonymous"}
        self.client_tokens: dict[str, int] = {}
        self.sessions: dict[str, SessionData] = {}
        self.renders: dict[str, dict[str, Any]] = {}
        self.chat_messages: list[str] = []
        self.mp4 = make_mp4()
        self._n = 0
        self.app = Starlette(
            routes=[
                Route("/api/auth/anonymous-token", self.anonymous_token, methods=["POST"]),
                Route("/api/tasks/me/with-session/nemo_agent", self.create_session, methods=["POST"]),
                Route("/run_sse", self.run_sse, methods=["POST"]),
                Route("/api/upload-video/nemo_agent/me/{sid}", self.upload, methods=["POST"]),
                Route("/api/credits/balance/simple", self.credits, methods=["GET"]),
                Route("/api/state/nemo_agent/me/{sid}/latest", self.state, methods=["GET"]),
                Route("/api/render/proxy/lambda", self.render_submit, methods=["POST"]),
                Route("/api/render/proxy/lambda/{rid}", self.render_status, methods=["GET"]),
                Route("/api/render/proxy/lambda/{rid}/cancel", self.render_cancel, methods=["POST"]),
                Route("/api/render/proxy/{rid}/download", self.render_download, methods=["GET"]),
                Route("/files/{rid}.mp4", self.result_file, methods=["GET"]),
            ]
        )
        self.url = ""
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> NemoTestServer:
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=0, log_level="critical", lifespan="off", access_log=False
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="nemo-test-server", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("test server did not start")
            time.sleep(0.01)
        port = self._server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)

    def reset(self) -> None:
        self.faults = Faults()
        self.requests.clear()
        self.tokens.clear()
        self.client_tokens.clear()
        self.sessions.clear()
        self.renders.clear()
        self.chat_messages.clear()

    def issue_user_token(self, token: str = "user-token-registered", user_id: str = "user_42") -> str:
        self.tokens[token] = {"user_id": user_id, "anonymous": False}
        return token

    # ------------------------------------------------------------------ common checks
    async def _record(self, request: Request) -> Recorded:
        rec = Recorded(request.method, request.url.path, {k.lower(): v for k, v in request.headers.items()})
        self.requests.append(rec)
        return rec

    def _targeted(self, path: str) -> bool:
        return self.faults.only_path is None or self.faults.only_path == path

    def _global_faults(self, path: str = "") -> Response | None:
        f = self.faults
        if not self._targeted(path):
            return None
        if f.rate_limit > 0:
            f.rate_limit -= 1
            headers = {"Retry-After": f.retry_after} if f.retry_after is not None else {}
            return JSONResponse({"code": 429, "message": "rate limited", "data": None}, 429, headers=headers)
        if f.server_error > 0:
            f.server_error -= 1
            return JSONResponse({"code": 500, "message": "internal error", "data": None}, 500)
        return None

    def _auth(self, rec: Recorded) -> tuple[dict[str, Any] | None, Response | None]:
        f = self.faults
        if f.auth_error and f.auth_error_count > 0 and self._targeted(rec.path):
            f.auth_error_count -= 1
            if f.auth_error == "401":
                return None, JSONResponse({"detail": "Unauthorized"}, 401)
            return None, env(None, int(f.auth_error), "token expired or invalid")
        auth = rec.headers.get("authorization", "")
        token = auth[7:] if auth.lower().startswith("bearer ") else ""
        info = self.tokens.get(token)
        if info is None:
            return None, env(None, 1001, "invalid token")
        return info, None

    # ------------------------------------------------------------------ auth
    async def anonymous_token(self, request: Request) -> Response:
        rec = await self._record(request)
        if (r := self._global_faults(rec.path)) is not None:
            return r
        cid = rec.headers.get("x-client-id")
        if self.faults.reject_client_id > 0 or not cid:
            self.faults.reject_client_id = max(0, self.faults.reject_client_id - 1)
            return JSONResponse({"code": 400, "message": "X-Client-Id header is required", "data": None}, 400)
        self._n += 1
        self.client_tokens[cid] = self.client_tokens.get(cid, 0) + 1
        token = f"anon-token-{self._n}-{uuid.uuid4().hex[:8]}"
        user_id = f"anon_{cid[:8]}"
        self.tokens[token] = {"user_id": user_id, "anonymous": True}
        return env({"token": token, "user_id": user_id, "expires_at": "2999-01-01T00:00:00Z", "credits": 100})

    # ------------------------------------------------------------------ session
    async def create_session(self, request: Request) -> Response:
        rec = await self._record(request)
        if (r := self._global_faults(rec.path)) is not None:
            return r
        info, err = self._auth(rec)
        if err:
            return err
        body = await request.json()
        if body.get("task_name") != "project" or not body.get("language"):
            return env(None, 400, "task_name and language are required", 400)
        self._n += 1
        sid = str(1000 + self._n)
        self.sessions[sid] = SessionData(sid, info["user_id"])
        return env({"task_id": f"task_{sid}", "session_id": sid, "user_id": info["user_id"]})

    def _session(self, sid: str) -> SessionData | None:
        if self.faults.lose_session:
            self.sessions.clear()
            self.faults.lose_session = False
        return self.sessions.get(sid)

    # ------------------------------------------------------------------ credits / state
    async def credits(self, request: Request) -> Response:
        rec = await self._record(request)
        if (r := self._global_faults(rec.path)) is not None:
            return r
        _, err = self._auth(rec)
        if err:
            return err
        a = self.faults.credits_available
        return env({"available": a, "frozen": 5, "total": a + 5})

    async def state(self, request: Request) -> Response:
        rec = await self._record(request)
        if (r := self._global_faults(rec.path)) is not None:
            return r
        _, err = self._auth(rec)
        if err:
            return err
        s = self._session(request.path_params["sid"])
        if s is None:
            return env(None, 1002, "session not found")
        state: dict[str, Any] = {
            "video_infos": [],
            "generated_media": [],
            "canvas_config": {},
            "video_analyses": [],
        }
        if self.faults.state_form == "project":
            state["project"] = {"timeline_draft": s.draft}
        else:
            state["draft"] = s.draft
        return env({"session_id": s.sid, "task_id": f"task_{s.sid}", "task_name": "project", "state": state})

    # ------------------------------------------------------------------ upload
    async def upload(self, request: Request) -> Response:
        rec = await self._record(request)
        if (r := self._global_faults(rec.path)) is not None:
            return r
        _, err = self._auth(rec)
        if err:
            return err
        s = self._session(request.path_params["sid"])
        if s is None:
            return env(None, 1002, "session not found")
        accepted = {
            "mp4",
            "mov",
            "avi",
            "webm",
            "mkv",
            "jpg",
            "jpeg",
            "png",
            "gif",
            "webp",
            "mp3",
            "wav",
            "m4a",
            "aac",
        }
        out = []
        if request.headers.get("content-type", "").startswith("application/json"):
            body = await request.json()
            for u in body.get("urls", []):
                out.append({"filename": u.rsplit("/", 1)[-1], "file_type": "image", "cdn_url": u})
        else:
            form = await request.form(max_files=100, max_part_size=1 << 30)
            files = form.getlist("files")
            if not files:
                return env(None, 4001, "no files")
            for f in files:
                data = await f.read()
                ext = f.filename.rsplit(".", 1)[-1].lower()
                if ext not in accepted:
                    return env(None, 4001, f"unsupported file type: {ext}")
                if len(data) > self.faults.max_upload_bytes:
                    return env(None, 4002, "file too large")
                kind = (
                    "image"
                    if ext in {"jpg", "jpeg", "png", "gif", "webp"}
                    else ("audio" if ext in {"mp3", "wav", "m4a", "aac"} else "video")
                )
                item = {
                    "filename": f.filename,
                    "file_type": kind,
                    "cdn_url": f"{self.url}/cdn/{s.sid}/{f.filename}",
                    "duration": 32.0 if kind == "audio" else None,
                    "width": None,
                    "height": None,
                    "size": len(data),
                }
                s.files.append(item)
                out.append(item)
        if self.faults.upload_form == "uploaded_files":
            return env({"uploaded_files": [{"url": i["cdn_url"], "name": i["filename"]} for i in out]})
        return env({"files": out, "session_state_applied": True})

    # ------------------------------------------------------------------ chat
    def _agent_edit(self, s: SessionData, message: str) -> str:
        """A tiny rule-based agent: enough to change the draft the way the tests describe."""
        d = s.draft
        msg = message.lower()
        photos = [f for f in s.files if f["file_type"] == "image"]
        video = next((t for t in d["t"] if t.get("tt") == 0), None)
        if video is None and photos:
            video = {
                "tt": 0,
                "m": {"name": "Photos"},
                "sg": [
                    {
                        "d": 3000,
                        "m": {
                            "src": f"cdn:{p['filename']}",
                            "name": p["filename"],
                            "fx": {"type": "kenburns"},
                            "tr": {"type": "crossfade", "d": 500},
                        },
                    }
                    for p in photos
                ],
            }
            d["t"].insert(0, video)
            music = [f for f in s.files if f["file_type"] == "audio"]
            if music:
                d["t"].append(
                    {
                        "tt": 1,
                        "m": {"name": "BGM"},
                        "sg": [
                            {
                                "s": 0,
                                "d": 9000,
                                "m": {"src": f"cdn:{music[0]['filename']}", "name": "Lo-fi", "vol": 0.35},
                            }
                        ],
                    }
                )
            return f"I made a slideshow of your {len(photos)} photos with crossfades."
        if "volume" in msg:
            for t in d["t"]:
                if t.get("tt") == 1:
                    for sg in t["sg"]:
                        sg["m"]["vol"] = 0.5
            return "Music volume set to 50%."
        if "2 s" in msg and video:
            for sg in video["sg"]:
                sg["d"] = 2000
            return "Every photo now lasts 2 seconds."
        if "9:16" in msg:
            d["m"]["width"], d["m"]["height"] = 1080, 1920
            return "Switched to 9:16."
        return "Done."

    async def run_sse(self, request: Request) -> Response:
        rec = await self._record(request)
        if (r := self._global_faults(rec.path)) is not None:
            return r
        _, err = self._auth(rec)
        if err:
            return err
        body = await request.json()
        if body.get("app_name") != "nemo_agent" or "new_message" not in body:
            return JSONResponse({"detail": "bad request"}, 422)
        s = self._session(str(body.get("session_id")))
        if s is None:
            return JSONResponse({"detail": "Session not found"}, 404)
        if self.faults.no_credits:
            return env(None, 2001, "insufficient credits")
        message = body["new_message"]["parts"][0]["text"]
        self.chat_messages.append(message)
        return StreamingResponse(
            self._scenario(s, message), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
        )

    async def _scenario(self, s: SessionData, message: str):
        kind = self.faults.stream
        inv = f"e-{uuid.uuid4().hex[:6]}"

        def ev(
            parts: list[dict[str, Any]], role: str = "model", partial: bool | None = None, snake: bool = False
        ):
            e: dict[str, Any] = {
                "content": {"role": role, "parts": parts},
                "author": "nemo_agent",
                "id": uuid.uuid4().hex[:8],
                "timestamp": time.time(),
                "actions": {"stateDelta": {}},
            }
            e["invocation_id" if snake else "invocationId"] = inv
            if partial is not None:
                e["partial"] = partial
            return e

        async def tick() -> None:
            await asyncio.sleep(0.02)

        call = {"functionCall": {"id": "c1", "name": "edit_multitrack", "args": {"op": "edit"}}}
        resp = {"functionResponse": {"id": "c1", "name": "edit_multitrack", "response": {"ok": True}}}
        if kind == "keepalive_only":
            end = time.monotonic() + self.faults.keepalive_seconds
            i = 0
            while time.monotonic() < end:
                yield [
                    b": ping\n\n",
                    b"data: \n\n",
                    sse({"type": "heartbeat"}),
                    b"event: heartbeat\ndata: {}\n\n",
                ][i % 4]
                i += 1
                await asyncio.sleep(0.05)
            return
        yield b": ping\n\n"
        await tick()
        if kind in (
            "normal",
            "no_text",
            "tools_only",
            "snake_case",
            "invalid_json",
            "utf8_split",
            "disconnect",
        ):
            snake = kind == "snake_case"
            yield sse(ev([call], snake=snake))
            await tick()
            text = self._agent_edit(s, message)
            yield sse(ev([resp], role="user", snake=snake))
            await tick()
            if kind in ("no_text", "tools_only"):
                return
            if kind == "invalid_json":
                yield b"data: {this is not json\n\n"
                await tick()
            if kind == "utf8_split":
                text = "Café ☕ 完成了！" + text
                raw = sse(ev([{"text": text}], partial=True))
                cut = raw.index("☕".encode()) + 1  # inside the 3-byte character
                yield raw[:cut]
                await tick()
                yield raw[cut:]
                await tick()
            else:
                words = text.split(" ")
                for i, w in enumerate(words):
                    yield sse(
                        ev([{"text": w + (" " if i < len(words) - 1 else "")}], partial=True, snake=snake)
                    )
                    await tick()
                    if kind == "disconnect" and i == 1:
                        raise AbortStream("abrupt disconnect")
            yield b": ping\n\ndata: \n\n"
            yield sse(ev([{"text": text}], snake=snake) | {"turnComplete": True})
            return
        if kind == "error_event":
            yield sse(ev([{"text": "Working on it"}], partial=True))
            await tick()
            yield sse({"error": "Tool edit_multitrack crashed: index out of range"})
            return
        if kind == "adk_error":
            yield sse(ev([]) | {"errorCode": "MALFORMED_FUNCTION_CALL", "errorMessage": "model failed"})
            return
        if kind == "type_variant":
            text = self._agent_edit(s, message)
            yield sse({"type": "heartbeat"})
            yield sse({"type": "tool_call", "name": "edit_multitrack", "args": {}})
            await tick()
            yield sse({"type": "tool_result", "name": "edit_multitrack", "result": {"ok": True}})
            for w in text.split(" "):
                yield sse({"type": "text", "content": w + " "})
                await tick()
            return
        raise AssertionError(f"unknown scenario {kind}")

    # ------------------------------------------------------------------ render
    async def render_submit(self, request: Request) -> Response:
        rec = await self._record(request)
        if (r := self._global_faults(rec.path)) is not None:
            return r
        if any(h not in rec.headers for h in ATTRIBUTION) or self.faults.export_blocked:
            return JSONResponse({"success": False, "error": "Payment required: upgrade to export"}, 402)
        _, err = self._auth(rec)
        if err:
            return err
        body = await request.json()
        rid = body.get("id", "")
        if (
            not rid.startswith("render_")
            or "sessionId" not in body
            or not isinstance(body.get("draft"), dict)
        ):
            return JSONResponse({"success": False, "error": "bad render request"}, 400)
        if self.faults.fail_submit > 0:
            self.faults.fail_submit -= 1
            self.renders[rid] = {"rejected": True, "body": body}
            return JSONResponse({"success": False, "error": "render queue unavailable"})
        if rid in self.renders:
            return JSONResponse({"success": False, "error": "duplicate id"}, 409)
        self.renders[rid] = {"status": "pending", "polls": 0, "body": body}
        return JSONResponse({"success": True, "data": {"id": rid, "status": "pending", "progress": 0}})

    async def render_status(self, request: Request) -> Response:
        rec = await self._record(request)
        if (r := self._global_faults(rec.path)) is not None:
            return r
        _, err = self._auth(rec)
        if err:
            return err
        rid = request.path_params["rid"]
        job = self.renders.get(rid)
        if job is None or job.get("rejected"):
            return JSONResponse({"success": False, "error": "render not found"}, 404)
        if job["status"] in ("pending", "processing"):
            job["polls"] += 1
            if job["polls"] > self.faults.render_polls:
                job["status"] = "failed" if self.faults.render_fails else "completed"
            else:
                job["status"] = "processing" if job["polls"] > 1 else "pending"
        data: dict[str, Any] = {
            "id": rid,
            "status": job["status"],
            "progress": min(100, job["polls"] * 100 // (self.faults.render_polls + 1)),
        }
        out: dict[str, Any] = {"success": True, "data": data}
        if job["status"] == "failed":
            data["error"] = "Renderer crashed on segment 2"
        if job["status"] == "completed":
            url = f"{self.url}/files/{rid}.mp4"
            if self.faults.result_host:
                url = url.replace("127.0.0.1", self.faults.result_host)
            form = self.faults.result_form
            if form == "output.url":
                out["output"] = {"url": url}
            elif form == "data.outputUrl":
                data["outputUrl"] = url
            elif form == "data.output.url":
                data["output"] = {"url": url}
        return JSONResponse(out)

    async def render_cancel(self, request: Request) -> Response:
        await self._record(request)
        job = self.renders.get(request.path_params["rid"])
        if job is None:
            return JSONResponse({"success": False, "error": "render not found"}, 404)
        job["status"] = "cancelled"
        return JSONResponse(
            {"success": True, "data": {"id": request.path_params["rid"], "status": "cancelled"}}
        )

    def _file_response(self, rid: str) -> Response:
        job = self.renders.get(rid)
        if job is None or job.get("status") != "completed":
            return JSONResponse({"success": False, "error": "not ready"}, 404)
        data = self.mp4
        if self.faults.truncate_download:

            async def body():
                yield data[: len(data) // 2]
                await asyncio.sleep(0.02)
                raise AbortStream("truncated")

            return StreamingResponse(
                body(), media_type="video/mp4", headers={"Content-Length": str(len(data))}
            )
        return Response(data, media_type="video/mp4")

    async def render_download(self, request: Request) -> Response:
        rec = await self._record(request)
        _, err = self._auth(rec)
        if err:
            return err
        return self._file_response(request.path_params["rid"])

    async def result_file(self, request: Request) -> Response:
        await self._record(request)  # a "CDN": no auth needed (and the client must not send its token here)
        return self._file_response(request.path_params["rid"])
