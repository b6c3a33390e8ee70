"""What the Skyplane adapter (examples/skyplane/skyplane_uc.py) adds to the real Skyplane 0.3.2,
beside stock Skyplane in the same run: ``skyplane --help``, and a ``cp`` (local->local, which
Skyplane 0.3.2 plans and then refuses, so the adapter reports the failure) with usage stats off
(the decision answered from the memo, or resolved in full in every run) and on (the report sent to
a loopback collector in its own process).

Measured as benchmarks/cold.py measures a fresh process: the two commands run as pairs of fresh
processes, in alternating order (stock first in one pair, the adapter first in the next), after
warm-up runs; the ratio is the median of the pairs' CPU-time ratios (user + system, from
``os.wait4``), which a busy 2-core machine disturbs far less than wall time. Both run under one
python, a virtual environment where usage_consent is laid out and compiled as a wheel installs it
and Skyplane's packages come from its environment (tests/skyplane_env.py); the adapter's files
are copied beside it and compiled, as a host that runs them has them (the script itself, run by
name, is compiled by Python in every run, as in a host's). A memo case is checked
before it is timed (``-X importtime``: a hit imports no pydantic_settings, a miss does).

Part of ``python -m benchmarks`` (suite ``skyplane``; skipped, saying why, when Skyplane 0.3.2's
environment cannot be built); ``python -m benchmarks.skyplane_overhead [--runs N] [--quick]`` runs
it alone.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.cold import installed_layout
from benchmarks.common import Row, mark_notice_shown, temp_home, write_config

ROOT = Path(__file__).resolve().parent.parent
ADAPTER = ROOT / "examples" / "skyplane"
CLOUDS_OFF = "".join(f"[{c}]\n{c}_enabled = False\n" for c in ("aws", "gcp", "azure", "ibmcloud", "cloudflare"))
# Skyplane 0.3.2's console script (its entry point, as pip writes it): stock Skyplane.
STOCK_SCRIPT = """import re
import sys
from skyplane.cli.cli import app
if __name__ == '__main__':
    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])
    sys.exit(app())
"""
OFF = "SKYPLANE_USAGE_STATS_ENABLED"
TARGET = 1.05  # issue 21: the adapter's `cp` <= 1.05x stock Skyplane's
Env = dict[str, str]


def _cpu(command: list[str], env: Env) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one fresh process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(process.pid, 0)
    return time.perf_counter() - started, usage.ru_utime + usage.ru_stime


def _paired(name: str, ours: Callable[[int], tuple[list[str], Env]], stock: tuple[list[str], Env], rounds: int,
            note: str, target: float | None = None, warm: int = 0) -> Row:
    """``ours`` (called with the run's index) against ``stock``, in pairs of fresh processes whose
    order alternates; the ratio is the median of the pairs' CPU-time ratios."""
    for index in range(warm):  # the file cache, and the memo a hit reads
        _cpu(*ours(-1 - index)), _cpu(*stock)
    pairs = []
    for index in range(rounds):
        if index % 2:
            mine = _cpu(*ours(index))
            theirs = _cpu(*stock)
        else:
            theirs = _cpu(*stock)
            mine = _cpu(*ours(index))
        pairs.append((mine, theirs))
    wall = statistics.median(m[0] for m, _ in pairs), statistics.median(t[0] for _, t in pairs)
    ratios = sorted(m[1] / t[1] for m, t in pairs)
    spread = f"pair ratios {ratios[len(ratios) // 4]:.2f}-{ratios[(3 * len(ratios)) // 4]:.2f} (quartiles)"
    return Row(name, statistics.median(m[1] for m, _ in pairs) * 1e3, statistics.median(t[1] for _, t in pairs) * 1e3,
               "ms cpu", target=target, paired_ratio=statistics.median(ratios),
               note=f"{note}; {rounds} pairs, alternating order, after {warm} warm-up pair(s); {spread}; "
                    f"wall {wall[0] * 1e3:.0f} vs {wall[1] * 1e3:.0f} ms")


def _memo_case(command: list[str], env: Env) -> str:
    """``hit`` or ``miss``: whether this run's decision came from the memo (a full resolution imports
    pydantic_settings; Skyplane itself never does)."""
    found = subprocess.run([command[0], "-X", "importtime", *command[1:]], env=env, capture_output=True, text=True,
                           timeout=300)
    lines = found.stderr.splitlines()
    imported = {line.rpartition("|")[2].strip() for line in lines if line.startswith("import time:")}
    return "miss" if "pydantic_settings" in imported else "hit"


def _memoized(command: list[str], env: Env) -> str:
    """Run ``command`` until its decision comes from the memo (at most three runs: the first resolves
    and memoizes; a first report also stores the client id in the state file, a watched input);
    returns the last run's case."""
    for _ in range(3):
        case = _memo_case(command, env)
        if case == "hit":
            break
    return case


def _adapter_copy(folder: Path, python: str) -> Path:
    """The adapter's files copied into ``folder`` and compiled (an installed host's __pycache__)."""
    folder.mkdir()
    for path in ADAPTER.glob("*.py"):
        shutil.copy2(path, folder / path.name)
    subprocess.run([python, "-m", "compileall", "-q", str(folder)], check=True)
    return folder / "skyplane_uc.py"


def run(quick: bool, rounds: int | None = None) -> list[Row]:
    sys.path.insert(0, str(ROOT / "tests"))
    from skyplane_env import Unavailable, ensure

    try:
        skyenv = ensure()
    except Unavailable as error:
        print(f"benchmarks: the skyplane suite is skipped: {error}", file=sys.stderr)
        return []
    # quick: one pair per figure (CI: keeps the code from rotting). Full: a pair's ratio varies by +-10 %
    # on a shared 2-core machine, so the target's figure takes 41 pairs (the median's standard error is
    # then about 2 %), the others 8.
    rounds = rounds or (1 if quick else 41)
    others = max(1, min(8, rounds))
    with temp_home() as home:
        python = installed_layout(home / "venv", dependencies=str(skyenv.python))
        (home / "venv" / "bin" / "skyplane").write_text(STOCK_SCRIPT)
        stock, ours = [python, str(home / "venv" / "bin" / "skyplane")], [python, str(_adapter_copy(home / "adapter",
                                                                                                   python))]
        server = subprocess.Popen([python, "-m", "usage_consent.testing._server", "200"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            assert server.stdout is not None
            url = server.stdout.readline().strip()
            (home / ".skyplane").mkdir(parents=True, exist_ok=True)
            (home / ".skyplane" / "config").write_text(CLOUDS_OFF)
            write_config(home, {"usage_stats": True, "usage_stats_endpoint": url})
            mark_notice_shown(home)
            (home / "a.txt").write_text("hello\n")
            on = {k: v for k, v in os.environ.items() if k != OFF}
            off = {**on, OFF: "0"}
            cp = ["cp", str(home / "a.txt"), str(home / "b.txt")]
            rows = _rows(ours, stock, cp, on, off, rounds, others, quick)
        finally:
            server.stdin.close()  # type: ignore[union-attr]
            server.wait(10)
    return rows


def _rows(ours: list[str], stock: list[str], cp: list[str], on: Env, off: Env, rounds: int, others: int,
          quick: bool) -> list[Row]:
    baseline = "baseline: stock skyplane 0.3.2 (its console script), same python, same run"
    stock_off = ([*stock, *cp], off)
    warm = 0 if quick else 1
    rows = []
    if not quick:  # quick (CI): the two memo-hit figures only, one pair each
        rows.append(_paired("skyplane --help through the adapter", lambda _: ([*ours, "--help"], off),
                            ([*stock, "--help"], off), others, baseline, warm=warm))
    # Usage stats off, answered from the memo: a first run resolves and memoizes the decision.
    case = _memoized([*ours, *cp], off)
    rows.append(_paired("skyplane cp (usage stats off)", lambda _: ([*ours, *cp], off), stock_off, rounds,
                        f"{baseline}; {OFF}=0, the decision answered from the memo (inputs unchanged: "
                        f"checked, a {case})", target=TARGET, warm=warm))
    # Usage stats off, resolved in full in every run: the variable takes another spelling of "0".
    spelled = lambda n: ([*ours, *cp], {**off, OFF: " " * (n % 40 + 1) + "0"})  # noqa: E731
    if not quick:
        case = _memo_case(*spelled(41))
        rows.append(_paired("skyplane cp (usage stats off, memo miss)", spelled, stock_off, others,
                            f"{baseline}; {OFF} spelled anew in every run: resolved in full (checked, a {case})",
                            warm=warm))
    # Usage stats on: one report, sent to the loopback collector, against stock with its usage stats off
    # (stock with them on posts to Skyplane's server on the internet, which a benchmark does not reach).
    case = _memoized([*ours, *cp], on)
    rows.append(_paired("skyplane cp (reported, sent to loopback)", lambda _: ([*ours, *cp], on), stock_off, others,
                        f"{baseline}, its usage stats off; the adapter's report sent to a loopback collector, "
                        f"the decision from the memo (checked, a {case})", warm=warm))
    return rows


def main(argv: list[str] | None = None) -> int:
    from benchmarks.__main__ import table

    parser = argparse.ArgumentParser(prog="python -m benchmarks.skyplane_overhead")
    parser.add_argument("--quick", action="store_true", help="one pair per figure")
    parser.add_argument("--runs", type=int, help="pairs for the target's figure (default: 41; 1 with --quick)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rows = run(args.quick, args.runs)
    print(table(rows))
    for row in rows:
        print(f"- {row.name}: {row.note}")
    print(f"\n{time.perf_counter() - started:.1f} s; load average {os.getloadavg()[0]:.2f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
