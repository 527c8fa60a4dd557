#!/usr/bin/env python3
"""Refresh the translations: lupdate over the UI, fill from zh_CN.py, compile with lrelease.

`python resources/i18n/update.py` (uses pyside6-lupdate / pyside6-lrelease from the same environment).
Writes nemodesk_zh_CN.ts/.qm (every string) and nemodesk_en.ts/.qm (English plural forms only).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
from zh_CN import EN_PLURALS, ZH_CN  # noqa: E402


def tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found: install PySide6 (it ships {name})")
    return found


def fill(ts: Path, lookup) -> list[str]:  # type: ignore[no-untyped-def]
    tree = ET.parse(ts)
    missing = []
    for msg in tree.getroot().iter("message"):
        src = msg.findtext("source") or ""
        tr = msg.find("translation")
        value = lookup(src)
        if value is None:
            missing.append(src)
            continue
        tr.attrib.pop("type", None)
        for child in list(tr):
            tr.remove(child)
        if msg.get("numerus") == "yes":
            tr.text = None
            for form in value if isinstance(value, tuple) else (value,):
                ET.SubElement(tr, "numerusform").text = form
        else:
            tr.text = value
    tree.write(ts, encoding="utf-8", xml_declaration=True)
    return missing


def main() -> int:
    sources = sorted(str(p) for p in (ROOT / "src" / "nemodesk" / "ui").glob("*.py"))
    zh, en = HERE / "nemodesk_zh_CN.ts", HERE / "nemodesk_en.ts"
    subprocess.run([tool("pyside6-lupdate"), *sources, "-no-obsolete", "-target-language", "zh_CN", "-ts", str(zh)],
                   check=True)  # fmt: skip
    subprocess.run([tool("pyside6-lupdate"), *sources, "-no-obsolete", "-pluralonly", "-target-language", "en",
                    "-ts", str(en)], check=True)  # fmt: skip
    missing = fill(zh, ZH_CN.get)
    missing += fill(en, EN_PLURALS.get)
    for ts in (zh, en):
        subprocess.run([tool("pyside6-lrelease"), str(ts), "-qm", str(ts.with_suffix(".qm"))], check=True)
    for m in missing:
        print(f"untranslated: {m!r}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
