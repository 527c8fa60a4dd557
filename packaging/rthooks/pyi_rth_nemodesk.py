"""Runtime hook: runs in the frozen app before any NemoDesk code, on every OS.

A windowed build on Windows (and an app started from the macOS Finder) may have no stdout or stderr at all
(`None`): the first library that writes a warning there (uvicorn's log handler, tqdm, a `print`) would crash
the engine subprocess or the self-test before NemoDesk's logging is set up. Point missing streams at the
null device; NemoDesk's own logging goes to its log file.
"""

import os
import sys


def _fix_streams() -> None:
    for name, mode in (("stdin", "r"), ("stdout", "w"), ("stderr", "w")):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, mode, encoding="utf-8"))  # noqa: SIM115 (lives with the app)


_fix_streams()
