"""Client id per installation, token lookup order, keyring per API URL, redaction of tokens in logs."""

from __future__ import annotations

import logging
import uuid

import keyring
import pytest

from nemodesk.core import identity as ident
from nemodesk.core.identity import Identity, TokenSource
from nemodesk.core.redact import RedactingFilter, redact, register_secret

pytest_plugins = ["nemo_fixtures"]


def test_client_id_is_persisted_and_reused(isolated_dirs):
    a = Identity("https://x.example").client_id
    b = Identity("https://other.example").client_id
    assert a == b and uuid.UUID(a)
    assert ident.client_id_path().read_text().strip() == a
    ident.client_id_path().write_text("garbage")
    c = Identity("https://x.example").client_id
    assert c != a and uuid.UUID(c)


@pytest.mark.usefixtures("memory_keyring")
def test_env_token_wins_over_keyring(monkeypatch):
    idn = Identity("https://x.example")
    assert idn.store_anonymous("anon-token-123", "anon_1", "2999-01-01T00:00:00Z")
    monkeypatch.setenv("NEMO_TOKEN", "env-token-456")
    fresh = Identity("https://x.example")
    assert fresh.load() == "env-token-456" and fresh.source == TokenSource.ENV and not fresh.is_anonymous
    monkeypatch.delenv("NEMO_TOKEN")
    fresh = Identity("https://x.example/")
    assert fresh.load() == "anon-token-123" and fresh.source == TokenSource.KEYRING and fresh.is_anonymous
    assert fresh.user_id == "anon_1"


@pytest.mark.usefixtures("memory_keyring")
def test_keyring_entries_are_per_api_url():
    Identity("https://cloud.example").set_user_token("cloud-token-1")
    Identity("http://127.0.0.1:9999").store_anonymous("local-token-2")
    assert Identity("https://cloud.example").load() == "cloud-token-1"
    assert Identity("http://127.0.0.1:9999").load() == "local-token-2"
    assert Identity("http://127.0.0.1:1").load() is None
    assert len(keyring.get_keyring().store) == 2


@pytest.mark.usefixtures("memory_keyring")
def test_expired_anonymous_token_is_not_used():
    Identity("https://x.example").store_anonymous("old-token-789", "anon_1", "2001-01-01T00:00:00Z")
    assert Identity("https://x.example").load() is None


@pytest.mark.usefixtures("memory_keyring")
def test_logout_forgets():
    idn = Identity("https://x.example")
    idn.set_user_token("user-token-abc")
    idn.forget()
    assert idn.token is None and Identity("https://x.example").load() is None


@pytest.mark.usefixtures("broken_keyring")
def test_no_usable_keyring_keeps_token_in_memory_and_says_so():
    idn = Identity("https://x.example")
    assert idn.load() is None
    assert idn.store_anonymous("anon-token-mem") is False
    assert idn.token == "anon-token-mem" and not idn.saved
    assert "not saved" in idn.unsaved_notice


def test_null_keyring_is_detected_as_unsaved():
    # The conftest's null backend silently drops writes: only the read-back notices.
    idn = Identity("https://x.example")
    assert idn.set_user_token("user-token-null") is False and idn.unsaved_notice


def test_redaction_of_tokens_in_logs(caplog):
    register_secret("sekrit-token-value")
    assert "sekrit" not in redact("Authorization: Bearer abc.def-ghi and sekrit-token-value")
    assert redact('{"token": "zzz", "user_id": "anon_1"}') == '{"token": "***", "user_id": "anon_1"}'
    assert redact("GET /x?token=abc&b=1") == "GET /x?token=***&b=1"
    logger = logging.getLogger("nemodesk.test.redact")
    handler = logging.Handler()
    records: list[str] = []
    handler.emit = lambda r: records.append(handler.format(r))  # type: ignore[method-assign]
    handler.addFilter(RedactingFilter())
    logger.addHandler(handler)
    try:
        logger.warning("sending %s with %s", "Bearer sekrit-token-value", {"token": "t0k3n-abcdef"})
    finally:
        logger.removeHandler(handler)
    assert records and "sekrit" not in records[0] and "t0k3n" not in records[0] and "***" in records[0]
