"""Subcommands of nemodesk-cli (see main.py): filled in by the feature that owns them."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's subcommands to the parser."""
