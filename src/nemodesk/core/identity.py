"""Who NemoDesk is to the service: the installation's client id and the token for each API URL.

- The client id is one UUID per installation, kept in the platform config dir and reused: the service
  issues at most one anonymous token per client id per 7 days, so a fresh id per run would be wrong.
- The token comes from `NEMO_TOKEN` (it overrides everything), else the OS keyring (one entry per API
  URL, so the cloud and a local engine never share a token), else a new anonymous token that the client
  fetches and hands to `store_anonymous`.
- With no usable keyring (headless Linux) the token lives in memory for this run only, and
  `unsaved_notice` says so, for the UI/CLI to tell the user.
Tokens are registered with the log redactor as soon as they are seen.
"""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import keyring
import keyring.errors

from nemodesk.core import paths
from nemodesk.core.redact import register_secret

log = logging.getLogger(__name__)
SERVICE = "nemodesk"
ENV_TOKEN = "NEMO_TOKEN"
UNSAVED_NOTICE = (
    "No usable system keyring was found, so your NemoVideo token was not saved: it will be used for this "
    "session only."
)


class TokenSource:
    ENV = "env"
    KEYRING = "keyring"
    ANONYMOUS = "anonymous"  # fetched in this run
    USER = "user"  # set by the user in this run
    NONE = "none"


@dataclass
class TokenRecord:
    token: str
    anonymous: bool
    user_id: str | None = None
    expires_at: str | None = None  # ISO 8601, anonymous tokens only

    def expired(self, now: float | None = None) -> bool:
        if not self.expires_at:
            return False
        try:
            when = datetime.fromisoformat(self.expires_at.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return False
        return when <= (time.time() if now is None else now)


def normalize_api_url(url: str) -> str:
    return url.strip().rstrip("/").lower()


def client_id_path() -> Path:
    return paths.config_dir() / "client_id"


def load_client_id(regenerate: bool = False) -> str:
    """The installation's UUID, created on first use (or when the file is unreadable/invalid)."""
    p = client_id_path()
    if not regenerate:
        try:
            return str(uuid.UUID(p.read_text(encoding="utf-8").strip()))
        except (OSError, ValueError):
            pass
    cid = str(uuid.uuid4())
    tmp = p.with_suffix(".tmp")
    tmp.write_text(cid + "\n", encoding="utf-8")
    os.replace(tmp, p)
    return cid


class Identity:
    """Client id + token for one API URL. Not thread-safe; use from the event loop."""

    def __init__(self, api_url: str, *, use_env: bool = True):
        self.api_url = normalize_api_url(api_url)
        self.use_env = use_env
        self._client_id: str | None = None
        self.record: TokenRecord | None = None
        self.source = TokenSource.NONE
        self.saved = False
        self.unsaved_notice: str | None = None

    # ------------------------------------------------------------------ client id
    @property
    def client_id(self) -> str:
        if self._client_id is None:
            self._client_id = load_client_id()
        return self._client_id

    def regenerate_client_id(self) -> str:
        """Only for a file that became invalid; the service's one-token-per-id rule depends on reuse."""
        self._client_id = load_client_id(regenerate=True)
        return self._client_id

    # ------------------------------------------------------------------ token
    @property
    def keyring_user(self) -> str:
        return f"token:{self.api_url}"

    @property
    def token(self) -> str | None:
        return self.record.token if self.record else None

    @property
    def user_id(self) -> str | None:
        return self.record.user_id if self.record else None

    @property
    def is_anonymous(self) -> bool:
        """True when a new token may be fetched on our own (not for NEMO_TOKEN or a user-set token)."""
        return self.record is None or self.record.anonymous

    def load(self) -> str | None:
        """Find a token without the network: NEMO_TOKEN, else the keyring (expired anonymous ones skipped)."""
        env = os.environ.get(ENV_TOKEN, "").strip() if self.use_env else ""
        if env:
            register_secret(env)
            self.record = TokenRecord(env, anonymous=False)
            self.source = TokenSource.ENV
            return env
        rec = self._read_keyring()
        if rec is not None and not (rec.anonymous and rec.expired()):
            register_secret(rec.token)
            self.record, self.source, self.saved = rec, TokenSource.KEYRING, True
            return rec.token
        return None

    def store_anonymous(self, token: str, user_id: str | None = None, expires_at: str | None = None) -> bool:
        register_secret(token)
        self.record = TokenRecord(token, anonymous=True, user_id=user_id, expires_at=expires_at)
        self.source = TokenSource.ANONYMOUS
        return self._save()

    def set_user_token(self, token: str) -> bool:
        """A token the user pasted: saved to the keyring; never renewed behind the user's back."""
        token = token.strip()
        register_secret(token)
        self.record = TokenRecord(token, anonymous=False)
        self.source = TokenSource.USER
        return self._save()

    def use_session_token(self, token: str) -> None:
        """A token for this run only (the local engine's per-launch token): never written anywhere."""
        register_secret(token)
        self.record = TokenRecord(token, anonymous=False)
        self.source = TokenSource.USER
        self.saved = False

    def set_user_id(self, user_id: str | None) -> None:
        if self.record is not None and user_id and self.record.user_id != user_id:
            self.record.user_id = user_id
            if self.saved:
                self._save()

    def forget(self) -> None:
        """Logout: drop the token from memory and the keyring (NEMO_TOKEN is the user's to unset)."""
        self.record, self.source, self.saved = None, TokenSource.NONE, False
        try:
            keyring.delete_password(SERVICE, self.keyring_user)
        except (keyring.errors.KeyringError, RuntimeError):
            pass

    # ------------------------------------------------------------------ keyring
    def _read_keyring(self) -> TokenRecord | None:
        try:
            raw = keyring.get_password(SERVICE, self.keyring_user)
        except (keyring.errors.KeyringError, RuntimeError) as err:
            log.info("keyring unavailable: %s", type(err).__name__)
            return None
        if not raw:
            return None
        try:
            d = json.loads(raw)
            return TokenRecord(
                str(d["token"]), bool(d.get("anonymous")), d.get("user_id"), d.get("expires_at")
            )
        except (ValueError, KeyError, TypeError):
            return TokenRecord(raw, anonymous=False)

    def _save(self) -> bool:
        assert self.record is not None
        blob = json.dumps(
            {
                "token": self.record.token,
                "anonymous": self.record.anonymous,
                "user_id": self.record.user_id,
                "expires_at": self.record.expires_at,
            }
        )
        try:
            keyring.set_password(SERVICE, self.keyring_user, blob)
            # The null backend accepts writes and forgets them: only a read-back proves it was saved.
            ok = keyring.get_password(SERVICE, self.keyring_user) == blob
        except (keyring.errors.KeyringError, RuntimeError) as err:
            log.info("keyring unavailable: %s", type(err).__name__)
            ok = False
        self.saved = ok
        self.unsaved_notice = None if ok else UNSAVED_NOTICE
        return ok
