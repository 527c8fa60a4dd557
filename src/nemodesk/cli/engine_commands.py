"""`nemodesk-cli engine`: run the local engine (the NemoVideo protocol on 127.0.0.1).

The first line on stdout is the URL the engine listens on (flushed at once), so whoever started it (the
app's launcher, a script, a person) can read the port even when `--port 0` picked a free one. Nothing
else goes to stdout; logs go to stderr.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
from pathlib import Path

ENV_TOKEN = "NEMODESK_ENGINE_TOKEN"


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's subcommands to the parser."""
    p = sub.add_parser("engine", help="run the local engine (NemoVideo protocol on 127.0.0.1)")
    p.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1, this computer only)"
    )
    p.add_argument("--port", type=int, default=0, help="port (default 0: any free port; the URL is printed)")
    p.add_argument("--data-dir", type=Path, default=None, help="where sessions, media and renders are kept")
    p.add_argument(
        "--token",
        default=None,
        help=f"a fixed bearer token (required with a non-loopback --host); also read from ${ENV_TOKEN}",
    )
    p.add_argument("--workers", type=int, default=1, help="renders run at the same time (default 1)")
    p.add_argument("--max-upload-mb", type=int, default=200, help=argparse.SUPPRESS)
    p.add_argument("--exit-with-stdin", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from nemodesk.core import paths
    from nemodesk.core.errors import UserError
    from nemodesk.engine.server import EngineConfig, EngineServer

    if not 0 <= args.port <= 65535:
        raise UserError("--port must be between 0 and 65535.")
    if not 1 <= args.workers <= 16:
        raise UserError("--workers must be between 1 and 16.")
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    data_dir = args.data_dir or (paths.data_dir() / "engine")
    token = args.token or os.environ.get(ENV_TOKEN) or None
    config = EngineConfig(
        data_dir=Path(data_dir).expanduser().resolve(),
        host=args.host,
        port=args.port,
        token=token,
        workers=args.workers,
        max_upload_bytes=args.max_upload_mb * 1024 * 1024,
    )

    def ready(url: str) -> None:
        print(url, flush=True)
        logging.getLogger("nemodesk.engine").info("listening on %s (data in %s)", url, config.data_dir)

    server = EngineServer(config, on_ready=ready)
    if args.exit_with_stdin:
        # The app that started us holds our stdin: when it goes away (even killed), stdin closes and we stop.
        def watch() -> None:
            try:
                while sys.stdin.buffer.read(1024):
                    pass
            except (OSError, ValueError):
                pass
            server.should_exit = True

        threading.Thread(target=watch, name="stdin-watch", daemon=True).start()
    server.run_forever()
    return 0
