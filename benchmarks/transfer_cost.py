"""Time spent inside the library on the transfer's thread, per transfer (decide + start_session +
report, around a real 1 MiB file copy as in examples/transfer.py), with the endpoint healthy,
never answering, refusing connections and answering 500; and the wait at process exit, against
the policy's bound. The endpoint runs in a process of its own."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.common import Row, mark_notice_shown, percentile, temp_home, write_config

SERVER = ["-m", "usage_consent.testing._server"]  # the loopback collector of the tests and usage_stats_sandbox

FIELDS = {
    "command": "cp", "tool_version": "0.3.2",
    "source": {"provider": "aws", "region": "us-east-1"}, "destinations": [{"provider": "gcp", "region": "us-west1"}],
    "options": {"recursive": False, "multipart": False, "max_instances": 1, "solver": "direct"},
}
STATS = {"runtime_s": 1.0, "throughput_gbits": 1.0, "bytes_transferred": 1000, "objects_transferred": 1}
CASES = ["200", "never", "refused", "500"]
EXIT_SCRIPT = """
import sys, time
from usage_consent.policy import decide
from usage_consent.reporter import start_session
fields, stats = {fields!r}, {stats!r}
for _ in range(3):
    start_session(decide(), **fields).report(stats=stats)
print(time.time(), flush=True)
"""


def _refused_url() -> str:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/report"


def _transfers(count: int, home: Path) -> list[float]:
    """``count`` transfers as examples/transfer.py makes them: decide, start a session, copy a
    1 MiB file (the transfer itself, not timed), report. Only the library's calls are timed."""
    from usage_consent.policy import decide
    from usage_consent.reporter import start_session

    source, destination = home / "data.bin", home / "copy.bin"
    source.write_bytes(os.urandom(1 << 20))
    costs = []
    for _ in range(count):
        started = time.perf_counter()
        session = start_session(decide(), **FIELDS)
        before_copy = time.perf_counter()
        shutil.copyfile(source, destination)
        after_copy = time.perf_counter()
        outcome = session.report(stats=STATS)
        costs.append((before_copy - started) + (time.perf_counter() - after_copy))
        assert outcome == "queued", outcome
    return costs


@contextmanager
def collector(case: str) -> Iterator[str]:
    """The URL of a loopback collector that answers as ``case`` says, in a process of its own, so
    that it does not compete with the host for the interpreter (its lock), as a real collector
    never does; "refused": a port nothing listens on."""
    if case == "refused":
        yield _refused_url()
        return
    server = subprocess.Popen([sys.executable, *SERVER, case], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    try:
        yield server.stdout.readline().strip()
    finally:
        server.stdin.close()
        server.wait(timeout=30)


def _exit_wait(env_home: Path) -> float:
    """Seconds between the host's last line and its process ending."""
    script = EXIT_SCRIPT.format(fields=FIELDS, stats=STATS)
    process = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    ended = time.time()
    return ended - float(process.stdout.strip().splitlines()[-1])


def run(quick: bool) -> list[Row]:
    from usage_consent.policy._load import embedded_policy
    from usage_consent.reporter import wait

    count = 20 if quick else 200
    bound = embedded_policy().reporter.exit_wait_s
    rows = []
    for case in CASES:
        with collector(case) as url, temp_home() as home:
            write_config(home, {"usage_stats": True, "usage_stats_endpoint": url})
            mark_notice_shown(home)
            costs = _transfers(count, home)
            waited = _exit_wait(home)
            wait(0.1 if case == "never" else bound)
        note = f"{count} transfers; exit wait {waited:.2f} s (bound {bound:.1f} s)"
        rows.append(Row(f"transfer cost, endpoint {case}: median", statistics.median(costs) * 1e3, None, "ms",
                        note=note))
        # with few transfers (quick mode) the 99th percentile is the maximum, and is called so
        label, worst = ("max", max(costs)) if quick else ("p99", percentile(costs, 0.99))
        rows.append(Row(f"transfer cost, endpoint {case}: {label}", worst * 1e3, None, f"ms {label}",
                        target=5.0, note=note))
        rows.append(Row(f"exit wait, endpoint {case}", waited, bound, "s", target=1.0 + 0.25 / bound,
                        note="ratio to the policy's exit_wait_s (0.25 s allowed for interpreter shutdown)"))
    return rows


if __name__ == "__main__":
    print(json.dumps([r.to_dict() for r in run(True)], indent=2))
