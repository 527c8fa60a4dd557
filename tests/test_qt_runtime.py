"""The pinned Qt binding must not corrupt the interpreter in long loops.

PySide6 6.12.0 on CPython 3.11 drops a reference to None on every call of a void Qt method: after some
thousands of painter calls None's count reaches zero and the process aborts ("none_dealloc"). A render
makes tens of such calls per frame, and so does the window over a long session, so the pin is checked
here, in a child process, where the abort cannot take the test run down with it.
"""

from __future__ import annotations

import os
import subprocess
import sys

SNIPPET = """
import sys
from PySide6.QtGui import QGuiApplication, QImage, QPainter
app = QGuiApplication([])
img = QImage(8, 8, QImage.Format.Format_RGB32)
p = QPainter(img)
before = sys.getrefcount(None)
for _ in range(200_000):
    p.setOpacity(0.5)
p.end()
print(before - sys.getrefcount(None))
"""


def test_void_qt_calls_keep_none_alive():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run(
        [sys.executable, "-c", SNIPPET], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, f"Qt loop aborted the interpreter: {out.stderr[-500:]}"
    lost = int(out.stdout.strip())
    assert lost < 1000, f"None lost {lost} references in 200,000 Qt calls"
