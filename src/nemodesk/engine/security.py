"""The engine's front door: which hosts it answers to, which tokens it accepts, how big a request may be.

The engine listens on 127.0.0.1 and holds people's photos, so the threats are a web page in the user's
browser (DNS rebinding: a hostile name resolved to 127.0.0.1, then fetch() from the page) and other users
or machines reaching the port. Hence: the Host header must name the loopback address and port the engine
serves; no CORS headers, ever, so a browser never hands a page the answers; a bearer token on everything
but the token endpoint; and a network-facing bind only with an explicit token.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from nemodesk.core.errors import UserError

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]", "::1")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Refuse to listen beyond this computer unless the user chose a token for it."""
    if not is_loopback(host) and not token:
        raise UserError(
            f"Listening on {host} exposes the engine to other computers.",
            "Pass --token with a long random secret (clients then use it as their NEMO_TOKEN), "
            "or keep the default --host 127.0.0.1.",
        )
    if token is not None and len(token) < 16:
        raise UserError("The --token is too short.", "Use at least 16 random characters.")


def allowed_hosts(host: str, port: int) -> frozenset[str] | None:
    """The Host header values accepted; None means any (a network bind, where the token is the guard)."""
    if not is_loopback(host):
        return None
    names = {"127.0.0.1", "localhost", "[::1]"}
    out = {f"{n}:{port}" for n in names}
    if port == 80:
        out |= names
    return frozenset(out)


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8", "surrogatepass"), b.encode("utf-8", "surrogatepass"))


def bearer(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == b"authorization":
            text = value.decode("latin-1").strip()
            scheme, _, token = text.partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
            return None
    return None


class HostGuard:
    """ASGI middleware: reject any request whose Host is not one we serve, and strip CORS from every answer.

    It also refuses CORS preflights outright, so a browser never gets a yes from the engine.
    """

    def __init__(self, app: ASGIApp, hosts: frozenset[str] | None):
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        host = ""
        for name, value in scope.get("headers") or []:
            if name == b"host":
                host = value.decode("latin-1").lower()
                break
        if self.hosts is not None and host not in self.hosts:
            await _reject(
                send, 421, 1, "This engine answers only to its loopback address (Host header refused)."
            )
            return

        async def send_no_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    (k, v)
                    for k, v in message.get("headers") or []
                    if not k.lower().startswith(b"access-control-")
                ]
            await send(message)

        await self.app(scope, receive, send_no_cors)


async def _reject(send: Send, status: int, code: int, message: str) -> None:
    body = json.dumps({"code": code, "message": message, "data": None}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})
