"""``python -m benchmarks [--quick] [--json FILE] [--only NAME ...]``: every figure beside its
baseline, as a table of medians and ratios, also written as JSON. It never fails on a timing."""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

from benchmarks import cold, collector, faults, growth, skyplane_overhead, transfer_cost, validation, warm

SUITES = {"warm": warm, "cold": cold, "validation": validation, "transfer": transfer_cost, "growth": growth,
          "faults": faults, "collector": collector, "skyplane": skyplane_overhead}
DEFAULT_JSON = Path(__file__).resolve().parent / "results" / "latest.json"


def _fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def table(rows) -> str:
    header = ("benchmark", "ours", "baseline", "unit", "ratio", "target", "met")
    lines = [header] + [
        (r.name, _fmt(r.ours), _fmt(r.baseline), r.unit, _fmt(r.ratio),
         "-" if r.target is None else ("<= " + _fmt(r.target)), {True: "yes", False: "NO", None: "-"}[r.meets_target])
        for r in rows
    ]
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(header))]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--quick", action="store_true", help="a few iterations (CI: keeps the code from rotting)")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help=f"where to write results ({DEFAULT_JSON})")
    parser.add_argument("--only", nargs="+", choices=sorted(SUITES), help="run only these suites")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rows = []
    for name, suite in SUITES.items():
        if args.only and name not in args.only:
            continue
        rows.extend(suite.run(args.quick))
    elapsed = time.perf_counter() - started
    print(table(rows))
    print(f"\n{len(rows)} figures in {elapsed:.1f} s ({'quick' if args.quick else 'full'} run, "
          f"Python {platform.python_version()}, {platform.machine()})")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"quick": args.quick, "seconds": elapsed, "python": platform.python_version(),
                                     "rows": [r.to_dict() for r in rows]}, indent=2))
    print(f"written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
