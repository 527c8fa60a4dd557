"""Keep tokens out of logs: a logging filter and the redaction it applies.

Tokens must never reach a log, a file other than the keyring, a URL or an error message. The identity
registers every token it handles with `register_secret`; besides those exact strings, anything that
looks like a bearer value or a `token` field is masked too, so an unregistered token in a server's
error text is caught as well.
"""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path

MASK = "***"
_secrets: set[str] = set()
_lock = threading.Lock()
_PATTERNS = [
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(r'(?i)("(?:access_|refresh_)?token"\s*:\s*")[^"]*(")'),
    re.compile(r"(?i)('(?:access_|refresh_)?token'\s*:\s*')[^']*(')"),
    re.compile(r"(?i)\b((?:access_|refresh_)?token=)[^&\s\"']+"),
    re.compile(r"(?i)(NEMO_TOKEN\s*=\s*)\S+"),
]


def register_secret(secret: str | None) -> None:
    """Mask this exact string wherever it appears from now on (short strings are ignored)."""
    if secret and len(secret) >= 6:
        with _lock:
            _secrets.add(secret)


def redact(text: str) -> str:
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for s in secrets:
        if s in text:
            text = text.replace(s, MASK)
    for p in _PATTERNS:
        text = p.sub(
            lambda m: m.group(1) + MASK + (m.group(2) if m.lastindex and m.lastindex >= 2 else ""), text
        )
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record's message (and exception text) with tokens masked; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            msg = record.getMessage()
        except Exception:
            msg = str(record.msg)
        record.msg = redact(msg)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


_FILTER = RedactingFilter()


def install(*loggers: logging.Logger | str) -> RedactingFilter:
    """Attach the filter to the root logger's handlers and to the given loggers (and their handlers).

    Filters on a logger only see records logged on that logger, so handlers are where it must sit.
    """
    targets = [logging.getLogger()] + [logging.getLogger(lg) if isinstance(lg, str) else lg for lg in loggers]
    for lg in targets:
        if _FILTER not in lg.filters:
            lg.addFilter(_FILTER)
        for h in lg.handlers:
            if _FILTER not in h.filters:
                h.addFilter(_FILTER)
    return _FILTER


def setup_logging(level: int = logging.INFO, log_file: Path | None = None) -> None:
    """Logging for the app and the CLI: stderr (and optionally a file), always redacted."""
    root = logging.getLogger()
    root.setLevel(level)
    handlers: list[logging.Handler] = [logging.StreamHandler()]
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    for h in handlers:
        h.setFormatter(fmt)
        h.addFilter(_FILTER)
        root.addHandler(h)
    install("nemodesk", "httpx", "httpcore")
