"""nemodesk-cli: the headless face of NemoDesk.

Each group of subcommands lives in its own module with a `register(subparsers)` function; this file only
builds the parser and turns every `UserError` into one clear line on stderr and a non-zero exit, never a
traceback.
"""

from __future__ import annotations

import argparse
import sys

from nemodesk import __version__
from nemodesk.core.errors import UserError


def build_parser() -> argparse.ArgumentParser:
    from nemodesk.cli import cloud_commands, engine_commands, render_commands

    p = argparse.ArgumentParser(prog="nemodesk-cli", description="NemoDesk from the command line.")
    p.add_argument("--version", action="version", version=f"nemodesk {__version__}")
    p.add_argument(
        "--api-url",
        default=None,
        help="backend: 'local' (start the local engine), a URL, or the NemoVideo cloud (default)",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for module in (cloud_commands, render_commands, engine_commands):
        module.register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except UserError as err:
        print(f"nemodesk-cli: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("nemodesk-cli: cancelled", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
