"""NemoDesk: turn photos into short videos by chat, on the desktop."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("nemodesk")
except PackageNotFoundError:  # frozen builds without metadata
    __version__ = "0.1.0"
