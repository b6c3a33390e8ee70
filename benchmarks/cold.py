"""A fresh process that imports the consent check and decides, against one that only imports
pydantic_settings (the floor the required library sets); runs interleaved in pairs, and the
ratio is the median of the pairs' CPU-time ratios (a busy machine moves both runs of a pair).

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
CASES = [
    ("cold start: import usage_consent.policy + decide()", "import usage_consent.policy as p; p.decide()"),
]
IMPORT = ("import usage_consent (the public face, before any call)", "import usage_consent", "pass")


def _time(code: str, python: str = sys.executable) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one fresh process. The ratio is taken on CPU time,
    which a busy 2-core machine disturbs far less than wall time."""
    started = time.perf_counter()
    process = subprocess.Popen([python, "-c", code], env=os.environ.copy(), cwd=os.path.dirname(python),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise RuntimeError(f"{code!r} exited {process.returncode}")
    return time.perf_counter() - started, usage.ru_utime + usage.ru_stime


def installed_layout(root: Path) -> str:
    """A venv whose site-packages holds usage_consent as a wheel lays it out; returns its python."""
    import usage_consent.policy

    venv.EnvBuilder(with_pip=False).create(root)
    python = root / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    (Path(purelib) / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    source = Path(usage_consent.policy.__file__).resolve().parent.parent
    # usage_consent/policy, /schemas, /reporter and /cli are links to the top-level folders: copied
    # through them, as a wheel holds them.
    shutil.copytree(source / "usage_consent", Path(purelib) / "usage_consent",
                    ignore=shutil.ignore_patterns("__pycache__"))
    # pip compiles a wheel's modules when it installs them; so does this layout (PYTHONDONTWRITEBYTECODE,
    # set on some machines, would otherwise make every fresh process compile our sources again).
    subprocess.run([str(python), "-m", "compileall", "-q", str(Path(purelib) / "usage_consent")], check=True)
    return str(python)


def run(quick: bool) -> list[Row]:
    rounds = 3 if quick else 21
    rows = []
    with temp_home() as home:
        write_config(home, {"usage_stats": True})
        mark_notice_shown(home)
        installed = installed_layout(home / "venv")
        for layout, python in (("installed", installed), ("editable", sys.executable)):
            for name, code in CASES:
                if layout == "editable" and "decide" not in code:
                    continue
                _time(code, python), _time(FLOOR, python)  # warm the file cache and the .pyc files
                ours, floor = [], []
                for _ in range(rounds):
                    ours.append(_time(code, python))
                    floor.append(_time(FLOOR, python))
                wall = statistics.median(w for w, _ in ours), statistics.median(w for w, _ in floor)
                rows.append(Row(f"{name} ({layout})", statistics.median(c for _, c in ours) * 1e3,
                                statistics.median(c for _, c in floor) * 1e3, "ms cpu",
                                target=1.10 if "decide" in code and layout == "installed" else None,
                                paired_ratio=statistics.median(a[1] / b[1] for a, b in zip(ours, floor, strict=True)),
                                note=f"baseline: python -c '{FLOOR}'; {rounds} runs each, interleaved; "
                                     f"wall {wall[0] * 1e3:.0f} vs {wall[1] * 1e3:.0f} ms"))
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
               note=f"baseline: python -c pass; {rounds} runs each, interleaved; cpu "
                    f"{statistics.median(c for _, c in ours) * 1e3:.1f} vs "
                    f"{statistics.median(c for _, c in floor) * 1e3:.1f} ms")
