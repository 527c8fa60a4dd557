"""The root of every error a user may see.

Anything that reaches the user (a CLI line, a chat notice, a dialog) is a `UserError`: a message saying
what happened and an `action` saying what to do. Code that shows errors catches this one class and shows
`str(err)`; anything else is a bug and goes to the crash dialog with details.
"""

from __future__ import annotations


class UserError(Exception):
    """An error with a human message (`message`) and, where there is one, what to do about it (`action`)."""

    def __init__(self, message: str, action: str = ""):
        super().__init__(message)
        self.message = message
        self.action = action

    def __str__(self) -> str:
        return f"{self.message} {self.action}".strip()
