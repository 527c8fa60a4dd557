"""`python -m nemodesk` starts the window; `python -m nemodesk engine ...` runs the local engine.

The frozen app is one executable, so the engine subprocess is started as that same executable with a
subcommand (design.md: PyInstaller pitfalls). `--self-test` checks a frozen build end to end
(nemodesk/selftest.py).
"""

import sys


def main() -> int:
    # A frozen app started as a multiprocessing child must act as that child, not open another window.
    import multiprocessing

    multiprocessing.freeze_support()
    if len(sys.argv) > 1 and sys.argv[1] in ("engine", "cli"):
        from nemodesk.cli.main import main as cli_main

        args = sys.argv[2:] if sys.argv[1] == "cli" else sys.argv[1:]
        return cli_main(args)
    if len(sys.argv) > 1 and sys.argv[1] == "--self-test":
        from nemodesk.selftest import main as selftest_main

        return selftest_main(sys.argv[2:])
    from nemodesk.ui.launch import main as ui_main

    return ui_main()


if __name__ == "__main__":
    sys.exit(main())
