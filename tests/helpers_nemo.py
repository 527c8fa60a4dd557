"""Test helpers for the NemoVideo client: an in-memory keyring (the conftest installs the null one)."""

from __future__ import annotations

import keyring
import keyring.backend
import keyring.errors


class MemoryKeyring(keyring.backend.KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.store:
            raise keyring.errors.PasswordDeleteError("not found")
        del self.store[(service, username)]


class BrokenKeyring(keyring.backend.KeyringBackend):
    """Like headless Linux: every call raises NoKeyringError."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.NoKeyringError("no backend")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.NoKeyringError("no backend")

    def delete_password(self, service: str, username: str) -> None:
        raise keyring.errors.NoKeyringError("no backend")


def run(coro):
    """Run one coroutine on a fresh loop (the tests stay sync; no async plugin needed)."""
    import asyncio

    return asyncio.run(coro)


def make_client(server, **kw):
    """A NemoClient on the test server with fast timings (every interval is injectable)."""
    from nemodesk.core.client import NemoClient
    from nemodesk.core.identity import Identity

    opts = dict(poll_interval=0.02, retry_base=0.01, rate_limit_wait=0.05, notice_interval=30.0)
    opts.update(kw)
    identity = opts.pop("identity", None) or Identity(server.url)
    return NemoClient(server.url, identity=identity, **opts)


async def collect(turn) -> list:
    """Every update of a chat turn, in order."""
    return [u async for u in turn]


def text_shown(updates) -> str:
    """What a chat bubble shows: deltas appended live, each TextFinal replacing the chunks before it."""
    from nemodesk.core.chat_events import TextDelta, TextFinal

    done: list[str] = []
    live = ""
    for u in updates:
        if isinstance(u, TextDelta):
            live += u.text
        elif isinstance(u, TextFinal):
            done.append(u.text)
            live = ""
    return "\n\n".join([*done, live] if live else done)
