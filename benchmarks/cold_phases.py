"""``python -m benchmarks.cold_phases [DIR]``: where the instructions of a cold ``decide()`` on a memo
miss go, beside ``import pydantic_settings`` (benchmarks/cold.py's floor), counted by valgrind's
callgrind in the installed layout (built in DIR, default a temporary folder).

callgrind cannot see Python functions, so the driver marks each phase by calling ``os.getppid()``
(a C function nothing else here calls) and callgrind writes a profile part before each call
(``--dump-before=os_getppid``): the instructions between two marks are the part's total. Each of
our modules' imports is split into the import machinery (finding it, the module object, the locks:
``imp``), reading and unmarshalling its .pyc (``load``) and running its body (``body``); what
``decide()`` does outside imports is one line; the exit (module teardown, the final collections) is
compared with the floor's. The split runs with the collector paused (its collections would land in
whichever phase allocates when a threshold is crossed); the totals are also counted with it on, as
the benchmark runs. Needs valgrind; prints a table, never fails on a figure.
"""

from __future__ import annotations

import collections
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.cold import FLOOR, MISS, installed_layout
from benchmarks.common import mark_notice_shown, write_config

# The driver: the miss (as benchmarks/cold.py runs it, collector paused) with a mark around each of
# our modules' imports and around decide(); the marks' names are written to argv[2].
DRIVER = '''
import gc, os, sys
gc.disable()
import pydantic_settings
import _frozen_importlib as bootstrap
from importlib import _bootstrap_external as external
marks = []
def mark(name):
    marks.append(name)
    os.getppid()
find_and_load = bootstrap._find_and_load
def traced_find_and_load(name, import_):
    if not name.startswith("usage_consent"):
        return find_and_load(name, import_)
    mark("enter imp:" + name)
    try:
        return find_and_load(name, import_)
    finally:
        mark("exit imp:" + name)
exec_source = external.SourceFileLoader.exec_module
def exec_module(self, module):
    name = module.__name__
    if not name.startswith("usage_consent"):
        return exec_source(self, module)
    mark("enter load:" + name)
    code = self.get_code(name)
    mark("exit load:" + name)
    mark("enter body:" + name)
    exec(code, module.__dict__)
    mark("exit body:" + name)
bootstrap._find_and_load = traced_find_and_load
external.SourceFileLoader.exec_module = exec_module
mark("start")
import usage_consent
os.environ["SKYPLANE_USAGE_STATS_ENABLED"] = " " * int(sys.argv[1]) + "1"
mark("decide")
usage_consent.decide()
mark("exit")
with open(sys.argv[2], "w") as file:
    file.write("\\n".join(marks))
'''


def _environment(root: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env.update(HOME=str(root / "home"), TMPDIR=str(root / "tmp"), PYTHONHASHSEED="0")
    return env


def _callgrind(python: str, args: list[str], root: Path, out: str = "/dev/null", dump: bool = False) -> int:
    """The instructions a fresh process executes (run from an empty folder: the current folder is on
    ``sys.path`` for ``-c``, and a crowded one, /tmp, moves every count by megabytes)."""
    command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
               *(["--dump-before=os_getppid"] if dump else []), python, *args]
    done = subprocess.run(command, env=_environment(root), cwd=root / "empty", capture_output=True, text=True,
                          check=True)
    return int(next(line for line in done.stderr.splitlines() if "Collected" in line).split()[-1])


def _parts(prefix: str, count: int) -> list[int]:
    """The totals of callgrind's profile parts: ``prefix.1`` ... ``prefix.count``, then ``prefix``."""
    def total(path: str) -> int:
        with open(path) as file:
            return next(int(line.split()[1]) for line in file if line.startswith("totals:"))

    return [total(f"{prefix}.{index}") for index in range(1, count + 1)] + [total(prefix)]


def _split(marks: list[str], parts: list[int]) -> collections.Counter[str]:
    """Each part between two marks, given to the innermost phase open there (outside our imports:
    to the last of start, decide and exit)."""
    open_phases: list[str] = []
    own: collections.Counter[str] = collections.Counter()
    own["before"], top = parts[0], "before"
    for index, name in enumerate(marks):
        event, _, phase = name.partition(" ")
        if event == "enter":
            open_phases.append(phase)
        elif phase:
            open_phases.pop()
        else:
            top = name
        own[open_phases[-1] if open_phases else "top:" + top] += parts[index + 1]
    return own


def main(argv: list[str]) -> int:
    root = Path(argv[0]) if argv else Path(tempfile.mkdtemp(prefix="cold-phases-"))
    for folder in ("home", "tmp", "empty"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    os.environ["HOME"] = str(root / "home")
    write_config(root / "home", {"usage_stats": "local"})
    mark_notice_shown(root / "home")
    python = installed_layout(root / "venv") if not (root / "venv").exists() else str(root / "venv" / "bin" / "python")
    driver = root / "driver.py"
    driver.write_text(DRIVER)
    runs = iter(range(1, 1000))
    for _ in range(2):  # warm-up: .pyc files written, the memo there
        for args in (["-c", MISS.format(n=next(runs))], [str(driver), str(next(runs)), os.devnull]):
            subprocess.run([python, *args], env=_environment(root), cwd=root / "empty", check=True)
    floor = _callgrind(python, ["-c", FLOOR], root)
    miss = _callgrind(python, ["-c", MISS.format(n=next(runs))], root)
    print(f"with the collector on: miss {miss / 1e6:.1f} M, floor {floor / 1e6:.1f} M, ratio {miss / floor:.4f}")
    prefix = str(root / "parts" / "cg")
    (root / "parts").mkdir(exist_ok=True)
    for old in (root / "parts").iterdir():
        old.unlink()
    marks_file = root / "marks.txt"
    _callgrind(python, [str(driver), str(next(runs)), str(marks_file)], root, prefix, dump=True)
    marks = marks_file.read_text().split("\n")
    own = _split(marks, _parts(prefix, len(marks)))
    floor_parts = root / "parts" / "floor"
    _callgrind(python, ["-c", "import gc, os; gc.disable(); import pydantic_settings; os.getppid()"], root,
               str(floor_parts), dump=True)
    floor_main, floor_exit = _parts(str(floor_parts), 1)
    by_kind: collections.Counter[str] = collections.Counter()
    modules: dict[str, dict[str, int]] = collections.defaultdict(dict)
    for phase, count in own.items():
        kind, _, module = phase.partition(":")
        if kind in ("imp", "load", "body"):
            by_kind[kind] += count
            modules[module][kind] = count
    ours = sum(by_kind.values()) + own["top:decide"]
    print(f"collector paused; {len(modules)} modules of ours imported; millions of instructions")
    print(f"  ours before the exit {ours / 1e6:6.2f}: import machinery {by_kind['imp'] / 1e6:.2f}, .pyc read and "
          f"unmarshalled {by_kind['load'] / 1e6:.2f}, module bodies {by_kind['body'] / 1e6:.2f}, decide() outside "
          f"imports {own['top:decide'] / 1e6:.2f}")
    print(f"  exit: ours {own['top:exit'] / 1e6:.2f} (includes writing the marks), floor's {floor_exit / 1e6:.2f}; "
          f"floor before its exit {floor_main / 1e6:.2f}")
    print("     imp   load   body  module")
    for module, costs in sorted(modules.items(), key=lambda item: -sum(item[1].values())):
        print(f"  {costs.get('imp', 0) / 1e6:6.2f} {costs.get('load', 0) / 1e6:6.2f} {costs.get('body', 0) / 1e6:6.2f}"
              f"  {module}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
