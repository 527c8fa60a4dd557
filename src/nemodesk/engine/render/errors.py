"""Errors a render can end with: a `RenderError` the user can act on, or a `RenderCancelled` they asked for."""

from __future__ import annotations

from nemodesk.core.errors import UserError


class RenderError(UserError):
    """A render failed because of its input: the message names the file or segment at fault."""


class RenderCancelled(Exception):
    """The caller set the cancel event; the partial output has already been removed."""


def seg_label(track_index: int, seg_index: int, name: str | None) -> str:
    """How a message names a segment: its name when it has one, and always its path in the draft."""
    path = f"t[{track_index}].sg[{seg_index}]"
    return f"'{name}' ({path})" if name else path
