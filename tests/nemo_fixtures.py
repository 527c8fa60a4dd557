"""Pytest fixtures for the NemoVideo client tests (loaded with `pytest_plugins = ["nemo_fixtures"]`).

One test server for the whole run (reset before each test); keyrings swapped in and restored.
"""

from __future__ import annotations

import keyring
import pytest

from helpers_nemo import BrokenKeyring, MemoryKeyring
from nemo_test_server import NemoTestServer


@pytest.fixture
def memory_keyring():
    previous = keyring.get_keyring()
    kr = MemoryKeyring()
    keyring.set_keyring(kr)
    yield kr
    keyring.set_keyring(previous)


@pytest.fixture
def broken_keyring():
    previous = keyring.get_keyring()
    keyring.set_keyring(BrokenKeyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture(scope="session")
def _nemo_server_session():
    server = NemoTestServer().start()
    yield server
    server.stop()


@pytest.fixture
def nemo_server(_nemo_server_session: NemoTestServer) -> NemoTestServer:
    _nemo_server_session.reset()
    return _nemo_server_session
