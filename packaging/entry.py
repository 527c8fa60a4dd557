"""The frozen app's entry script: the same `main()` as `python -m nemodesk`.

A separate file rather than src/nemodesk/__main__.py itself, because PyInstaller puts the entry script's
folder on the import path, and src/nemodesk/ on the path would make `core`, `ui` and `engine` importable as
top-level packages.
"""

import sys

from nemodesk.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
