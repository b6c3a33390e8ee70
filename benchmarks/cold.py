"""Fresh processes, each beside its baseline in the same run, interleaved in pairs (the ratio is the
median of the pairs' CPU-time ratios: a busy machine moves both runs of a pair): a decision
answered from the memo against ``python -c pass``; the ``usage-consent`` commands on a memo hit
against ``python -c pass``; a decision resolved in full (a memo miss) against ``import
pydantic_settings`` (the floor the required library sets); a process that also reports, against
one that only decides, and against its floor (one that only decides and does what recording a report
cannot do without: start the write lane's thread, with _thread, and import atexit).

Both run in a throwaway virtual environment where usage_consent is laid out as a wheel installs
it (the four packages copied into site-packages) and the dependencies come from this
environment: an editable checkout's import hook costs ~20 ms that an installed host never pays.
The editable figure is reported too (where PYTHONDONTWRITEBYTECODE is set, as on the machines
this project is built on, an editable checkout compiles its sources in every process)."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import time
import venv
from pathlib import Path

from benchmarks.common import Row, mark_notice_shown, temp_home, write_config

FLOOR = "import pydantic_settings"
PASS = "pass"
HIT = "import usage_consent; usage_consent.decide()"
# A miss in every run: the variable takes another spelling of "on" each time (the memo then holds
# the last one only), so each process resolves in full through pydantic-settings.
MISS = "import os, usage_consent; os.environ['SKYPLANE_USAGE_STATS_ENABLED'] = ' ' * {n} + '1'; usage_consent.decide()"
_MISSING = "import os, usage_consent; os.environ['SKYPLANE_USAGE_STATS_ENABLED'] = ' ' * {n} + 'local';"
REPORT = ("import usage_consent; d = usage_consent.decide(); "
          "usage_consent.start_session(d, **{fields!r}).report(stats={stats!r})")
# The floor of a report after a memo hit: a decide-only hit that also does what recording a report
# cannot do without: start the thread the record is written from (the transfer's thread never writes),
# with _thread as the write lane does, and register the exit wait (atexit). The lanes need no threading
# and no queue (docs/design.md), the report is validated by the plain validator (no jsonschema), its
# body written by json's own C encoder and the state file read by its C scanner (_json, which the
# decide-only hit already loads: no json, no re). Measured: beyond these, a local report process
# imports nothing from the standard library; the rest is our own modules, compiling the report schema's
# plain validator and validating, the record's two writes.
REPORT_FLOOR = HIT + "; import _thread, atexit; _thread.start_new_thread(int, ())"
FLOOR_WORK = "start one thread with _thread, import atexit"
IMPORT = ("import usage_consent (the public face, before any call)", "import usage_consent", "pass")
# The console script pip writes for `usage-consent` (pyproject.toml, [project.scripts]).
SCRIPT = """import re
import sys
from usage_consent.cli._fast import main
if __name__ == '__main__':
    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])
    sys.exit(main())
"""
COMMANDS = [("decide",), ("explain",), ("config", "get", "usage_stats")]


def _time(code: str | list[str], python: str = sys.executable) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one fresh process (``python -c code``, or ``python
    *code``). The ratio is taken on CPU time, which a busy 2-core machine disturbs far less than wall
    time."""
    started = time.perf_counter()
    command = [python, *code] if isinstance(code, list) else [python, "-c", code]
    process = subprocess.Popen(command, env=os.environ.copy(), cwd=os.path.dirname(python),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise RuntimeError(f"{code!r} exited {process.returncode}")
    return time.perf_counter() - started, usage.ru_utime + usage.ru_stime


def _purelib(python: str) -> str:
    return subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()


def installed_layout(root: Path, dependencies: str | None = None) -> str:
    """A venv whose site-packages holds usage_consent as a wheel lays it out; returns its python.
    The dependencies come from the site-packages of ``dependencies`` (a python; default: this one's),
    whose own .pth files (an editable install's import hook) are not run."""
    import usage_consent

    venv.EnvBuilder(with_pip=False).create(root)
    python = root / "bin" / "python"
    purelib = _purelib(str(python))
    found = _purelib(dependencies) if dependencies else sysconfig.get_paths()["purelib"]
    (Path(purelib) / "dependencies.pth").write_text(found + "\n")
    source = Path(usage_consent.__file__).resolve().parent  # the package folder, as a wheel holds it
    shutil.copytree(source, Path(purelib) / "usage_consent",
                    ignore=shutil.ignore_patterns("__pycache__"))
    # pip compiles a wheel's modules when it installs them; so does this layout (PYTHONDONTWRITEBYTECODE,
    # set on some machines, would otherwise make every fresh process compile our sources again).
    subprocess.run([str(python), "-m", "compileall", "-q", str(Path(purelib) / "usage_consent")], check=True)
    return str(python)


def _alternating(ours, floor, rounds: int) -> tuple[list, list]:
    """``rounds`` pairs of runs (each called with the run's index, from 1), the order alternating from one
    pair to the next (as in the Skyplane suite): neither side always runs first, right after the other."""
    mine, theirs = [], []
    for index in range(1, rounds + 1):
        if index % 2:
            mine.append(ours(index))
            theirs.append(floor(index))
        else:
            theirs.append(floor(index))
            mine.append(ours(index))
    return mine, theirs


def _paired(name: str, ours_code, floor_code, python: str, rounds: int, floor_name: str,
            target: float | None = None, layout: str = "installed") -> Row:
    """``ours_code`` against ``floor_code``, run interleaved in pairs whose order alternates; the ratio
    is the median of the pairs' CPU-time ratios. A callable code is called with the run's index (a new
    input each run)."""
    def code(which, index: int):
        return which(index) if callable(which) else which

    _time(code(ours_code, 0), python), _time(code(floor_code, 0), python)  # warm the file cache and .pyc files
    ours, floor = _alternating(lambda index: _time(code(ours_code, index), python),
                               lambda index: _time(code(floor_code, index), python), rounds)
    wall = statistics.median(w for w, _ in ours), statistics.median(w for w, _ in floor)
    return Row(f"{name} ({layout})", statistics.median(c for _, c in ours) * 1e3,
               statistics.median(c for _, c in floor) * 1e3, "ms cpu", target=target,
               paired_ratio=statistics.median(a[1] / b[1] for a, b in zip(ours, floor, strict=True)),
               note=f"baseline: {floor_name}; {rounds} runs each, interleaved, alternating order; "
                    f"wall {wall[0] * 1e3:.0f} vs {wall[1] * 1e3:.0f} ms")


def run(quick: bool) -> list[Row]:
    from benchmarks.transfer_cost import FIELDS, STATS

    rounds = 3 if quick else 21
    rows = []
    with temp_home() as home:
        write_config(home, {"usage_stats": "local"})  # recorded, not sent: no network in these figures
        mark_notice_shown(home)
        installed = installed_layout(home / "venv")
        script = home / "venv" / "bin" / "usage-consent"
        script.write_text(SCRIPT)
        _time(HIT, installed)  # the first decision is resolved in full and memoized
        rows.append(_paired("cold decide(), memo hit: import usage_consent + decide()", HIT, PASS, installed, rounds,
                            "python -c pass", target=2.0))
        for words in COMMANDS:
            rows.append(_paired(f"usage-consent {' '.join(words)}, memo hit", [str(script), *words], PASS, installed,
                                rounds, "python -c pass", target=3.0))
        miss = lambda n: MISS.format(n=n % 50)  # noqa: E731 - a new spelling of "on" in every run
        rows.append(_paired("cold decide(), memo miss: import usage_consent + decide()", miss, FLOOR, installed,
                            rounds, f"python -c '{FLOOR}'", target=1.10))
        rows.append(_paired("cold decide(), memo miss (editable)", miss, FLOOR, sys.executable, rounds,
                            f"python -c '{FLOOR}'", layout="editable"))
        _time(HIT, installed)
        rows.append(_paired("decide + start_session + report process, memo hit",
                            REPORT.format(fields=FIELDS, stats=STATS), HIT, installed, rounds,
                            "a decide-only process (memo hit)", target=1.3))
        rows.append(_paired(f"floor of a report process, memo hit: decide-only + {FLOOR_WORK}",
                            REPORT_FLOOR, HIT, installed, rounds, "a decide-only process (memo hit)"))
        rows.append(_paired("decide + start_session + report process, memo hit, against its floor",
                            REPORT.format(fields=FIELDS, stats=STATS), REPORT_FLOOR, installed, rounds,
                            f"a decide-only process (memo hit) that does its floor's work ({FLOOR_WORK})"))
        report = REPORT.format(fields=FIELDS, stats=STATS)
        rows.append(_paired("decide + start_session + report process, memo miss",
                            lambda n: report.replace("import usage_consent;", _MISSING.format(n=2 * (n % 25))),
                            lambda n: HIT.replace("import usage_consent;", _MISSING.format(n=2 * (n % 25) + 1)),
                            installed,
                            rounds, "a decide-only process (memo miss)"))
        rows.append(_import_row(installed, rounds))
    return rows


def _import_row(python: str, rounds: int) -> Row:
    """What a host's ``--help`` pays for ``import usage_consent``: beside ``python -c pass``."""
    name, code, floor_code = IMPORT
    _time(code, python), _time(floor_code, python)
    ours, floor = [], []
    for _ in range(rounds):
        ours.append(_time(code, python))
        floor.append(_time(floor_code, python))
    return Row(f"{name} (installed)", statistics.median(w for w, _ in ours) * 1e3,
               statistics.median(w for w, _ in floor) * 1e3, "ms wall",
               paired_ratio=statistics.median(a[0] / b[0] for a, b in zip(ours, floor, strict=True)),
               note=f"baseline: python -c pass; {rounds} runs each, interleaved, alternating order; cpu "
                    f"{statistics.median(c for _, c in ours) * 1e3:.1f} vs "
                    f"{statistics.median(c for _, c in floor) * 1e3:.1f} ms")
