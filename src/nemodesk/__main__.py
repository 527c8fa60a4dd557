"""`python -m nemodesk` starts the window; `python -m nemodesk engine ...` runs the local engine.

The frozen app is one executable, so the engine subprocess is started as that same executable with a
subcommand (design.md: PyInstaller pitfalls).
"""

import sys


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] in ("engine", "cli"):
        from nemodesk.cli.main import main as cli_main

        args = sys.argv[2:] if sys.argv[1] == "cli" else sys.argv[1:]
        return cli_main(args)
    from nemodesk.ui.launch import main as ui_main

    return ui_main()


if __name__ == "__main__":
    sys.exit(main())
