"""Run every benchmark and print ONE table: `python -m benchmarks.run_all [--quick]` (`python3 run.py bench`).

A benchmark module joins by being listed in MODULES and offering either `run(quick) -> list[Row]`
(bench_render) or `main(quick) -> list[dict]` with case/n/median_ms/p95_ms/target_ms/ok/note keys
(bench_engine); both become rows of the one table.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from typing import Any

from benchmarks.bench_render import Row, print_table

MODULES = [
    "benchmarks.bench_render",  # renderer: speed vs the libx264 floor and peers, smoothness, memory
    "benchmarks.bench_engine",  # engine: API latency with a big session
]


def _from_dict(r: dict[str, Any]) -> Row:
    p95 = "" if r.get("p95_ms") is None else f" / p95 {r['p95_ms']}"
    value = f"{r['median_ms']}{p95} ms (n={r.get('n')})"
    target = "" if r.get("target_ms") is None else f"median < {r['target_ms']:g} ms"
    metric = f"engine latency{': ' + r['note'] if r.get('note') else ''}"
    return Row(f"engine: {r['case']}", metric, value, target, r.get("ok"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="NemoDesk benchmarks: one table of ratios measured in this run.")
    ap.add_argument("--quick", action="store_true", help="the short CI variant (well under a minute)")
    a = ap.parse_args(argv)
    rows: list[Row] = []
    t = time.perf_counter()
    for name in MODULES:
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as err:
            if err.name == name:  # not written yet
                continue
            raise
        print(f"running {name}{' (quick)' if a.quick else ''} ...", file=sys.stderr, flush=True)
        if hasattr(mod, "run"):
            rows += mod.run(quick=a.quick)
        else:
            rows += [_from_dict(r) for r in mod.main(quick=a.quick)]
    print_table(rows)
    print(
        f"\n{len(rows)} rows in {time.perf_counter() - t:.0f}s; "
        f"{sum(r.ok is False for r in rows)} target(s) missed"
        + (
            " (quick mode: inputs too small for the renderer's ratios to mean anything; run without --quick)"
            if a.quick
            else ""
        ),
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
