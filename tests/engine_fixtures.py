"""Pytest fixtures for the engine's HTTP tests (loaded with `pytest_plugins = ["engine_fixtures"]`): a real
engine on 127.0.0.1 in a thread, and an httpx client on it, as a curl user would talk to it."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from helpers_engine import engine_thread


@pytest.fixture
def eng(tmp_path: Path):
    with engine_thread(tmp_path / "data") as running:
        yield running


@pytest.fixture
def client(eng):
    with httpx.Client(base_url=eng.url, timeout=60) as c:
        yield c
