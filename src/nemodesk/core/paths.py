"""Where NemoDesk keeps its files: the platform's config, data, cache and log dirs.

`NEMODESK_HOME` replaces all of them with one folder (tests, portable installs), so nothing a test does
can touch a user's real settings.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "NemoDesk"


def _base(kind: str) -> Path:
    home = os.environ.get("NEMODESK_HOME")
    if home:
        return Path(home) / kind
    getter = {
        "config": platformdirs.user_config_path,
        "data": platformdirs.user_data_path,
        "cache": platformdirs.user_cache_path,
        "log": platformdirs.user_log_path,
    }[kind]
    return getter(APP, appauthor=False)


def _ensure(p: Path) -> Path:
    p.mkdir(parents=True, exist_ok=True)
    return p


def config_dir() -> Path:
    return _ensure(_base("config"))


def data_dir() -> Path:
    return _ensure(_base("data"))


def cache_dir() -> Path:
    return _ensure(_base("cache"))


def log_dir() -> Path:
    return _ensure(_base("log"))


def resources_dir() -> Path:
    """The shipped resources: beside the package in a frozen build, the repo's resources/ from source."""
    import sys

    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parents[3] / "resources"
