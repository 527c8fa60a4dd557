"""HEIC decoding goes through pi-heif, the decoder the packaged app ships (pillow-heif is test-only)."""

from __future__ import annotations

import os
import subprocess
import sys

SNIPPET = """
import sys
from PIL import Image
from nemodesk.core.heif import register_heif
from nemodesk.core.paths import resources_dir
assert register_heif()
with Image.open(resources_dir() / "samples" / "selftest.heic") as im:
    im.load()
    print(im.format, im.size, type(im).__module__)
assert "pillow_heif" not in sys.modules, "the app's HEIC path pulled in pillow-heif"
"""


def test_heic_opens_with_the_shipped_decoder_alone():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, "-c", SNIPPET], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-800:]
    fmt, _, rest = out.stdout.strip().partition(" ")
    assert fmt == "HEIF" and "(96, 64)" in rest and "pi_heif" in rest
