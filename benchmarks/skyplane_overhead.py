"""``python -m benchmarks.skyplane_overhead [--runs N]``: what the Skyplane adapter
(examples/skyplane/skyplane_uc.py) adds to the real Skyplane 0.3.2, beside stock Skyplane in the
same run: ``skyplane --help``, and a ``cp`` (local->local, which Skyplane 0.3.2 plans and then
refuses, so the adapter reports the failure) with usage stats on (sent to a loopback collector in
its own process) and off. Commands alternate run by run; medians and the median of paired ratios.

Not part of ``python -m benchmarks`` (it builds Skyplane's virtual environment, tests/skyplane_env.py).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import Row, mark_notice_shown, temp_home, write_config

ROOT = Path(__file__).resolve().parent.parent
UC = ROOT / "examples" / "skyplane" / "skyplane_uc.py"
CLOUDS_OFF = "".join(f"[{c}]\n{c}_enabled = False\n" for c in ("aws", "gcp", "azure", "ibmcloud", "cloudflare"))


def _time(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
    return time.perf_counter() - started


def _row(name: str, pairs: list[tuple[float, float]], note: str) -> Row:
    ours, stock = zip(*pairs, strict=True)
    return Row(name, statistics.median(ours) * 1e3, statistics.median(stock) * 1e3, "ms", note=note,
               paired_ratio=statistics.median(o / s for o, s in pairs))


def run(runs: int) -> list[Row]:
    sys.path.insert(0, str(ROOT / "tests"))
    from skyplane_env import ensure

    skyenv = ensure()
    stock, ours = [str(skyenv.skyplane)], [str(skyenv.python), str(UC)]
    with temp_home() as home:
        server = subprocess.Popen([str(skyenv.python), "-m", "usage_consent.testing._server", "200"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            url = server.stdout.readline().strip()
            (home / ".skyplane").mkdir(parents=True, exist_ok=True)
            (home / ".skyplane" / "config").write_text(CLOUDS_OFF)
            write_config(home, {"usage_stats": True, "usage_stats_endpoint": url})
            mark_notice_shown(home)
            (home / "a.txt").write_text("hello\n")
            env = dict(os.environ)
            off = {**env, "SKYPLANE_USAGE_STATS_ENABLED": "0"}
            cp = ["cp", str(home / "a.txt"), str(home / "b.txt")]
            measured: dict[str, list[tuple[float, float]]] = {"help": [], "cp-on": [], "cp-off": []}
            for _ in range(runs):
                measured["help"].append((_time([*ours, "--help"], env), _time([*stock, "--help"], env)))
                measured["cp-on"].append((_time([*ours, *cp], env), _time([*stock, *cp], env)))
                measured["cp-off"].append((_time([*ours, *cp], off), _time([*stock, *cp], off)))
        finally:
            server.stdin.close()
            server.wait(10)
    note = f"baseline: stock skyplane 0.3.2, same run, {runs} alternating runs"
    return [_row("skyplane --help through the adapter", measured["help"], note),
             _row("skyplane cp (reported, sent to loopback)", measured["cp-on"], note),
             _row("skyplane cp (usage stats off)", measured["cp-off"], note)]


def main(argv: list[str] | None = None) -> int:
    from benchmarks.__main__ import table

    parser = argparse.ArgumentParser(prog="python -m benchmarks.skyplane_overhead")
    parser.add_argument("--runs", type=int, default=7)
    rows = run(parser.parse_args(argv).runs)
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
