"""Under load and faults: a burst (32 threads x 25 transfers, reports received / pending / lost),
a trickling endpoint (one send's total time against its bound), memory with many reports behind
a hanging endpoint, and the worst single call on the transfer's thread (the first session after
`forget` included)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

from benchmarks.common import Row, mark_notice_shown, temp_home, write_config
from benchmarks.transfer_cost import FIELDS, SERVER, STATS, collector

MEMORY_SCRIPT = """
from usage_consent.policy import decide
from usage_consent.reporter import start_session, _worker as worker
fields, stats, count = {fields!r}, {stats!r}, {count}
def rss_mib():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024
for _ in range(200):  # warm: every module loaded, the lanes running
    start_session(decide(), **fields).report(stats=stats)
worker.wait(5)
before = rss_mib()
for _ in range(count):
    start_session(decide(), **fields).report(stats=stats)
after = rss_mib()
print(before, after, worker.dropped()["write"], worker.dropped()["send"], flush=True)
"""


def _burst(threads: int, per_thread: int) -> tuple[int, int, int, float]:
    """Reports received by a healthy server, pending with a record, and lost; and seconds."""
    from usage_consent.policy import decide
    from usage_consent.reporter import start_session, wait
    from usage_consent.testing._server import ReportServer

    server = ReportServer()
    try:
        with temp_home() as home:
            write_config(home, {"usage_stats": True, "usage_stats_endpoint": server.url})
            mark_notice_shown(home)

            def transfers() -> None:
                for _ in range(per_thread):
                    start_session(decide(), **FIELDS).report(stats=STATS)

            started = time.perf_counter()
            workers = [threading.Thread(target=transfers) for _ in range(threads)]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join()
            wait(120)
            took = time.perf_counter() - started
            pending_folder = home / "tmp" / "skyplane" / "usage" / ".pending"
            pending = len(list(pending_folder.iterdir())) if pending_folder.exists() else 0
    finally:
        server.stop()
    received = len({json.loads(body)["session_id"] for _, _, body in server.received})
    return received, pending, threads * per_thread - received - pending, took


def _trickle() -> tuple[float, float]:
    """Seconds one send to a server trickling its headers takes, and the policy's bound."""
    from usage_consent.policy import decide
    from usage_consent.reporter._send import send_report
    from usage_consent.testing._server import ReportServer

    server = ReportServer("trickle-head")
    try:
        with temp_home() as home:
            write_config(home, {"usage_stats": True, "usage_stats_endpoint": server.url})
            mark_notice_shown(home)
            decision = decide()
            settings = decision.policy.reporter
            started = time.perf_counter()
            outcome = send_report(decision, server.url, b"{}")
            took = time.perf_counter() - started
            assert outcome.outcome == "failed", outcome
    finally:
        server.stop()
    return took, settings.connect_timeout_s + settings.read_timeout_s


def _memory(count: int) -> tuple[float, float, int, int]:
    """RSS before and after ``count`` transfers behind a hanging endpoint, in a process of its own."""
    server = subprocess.Popen([sys.executable, *SERVER, "never"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        url = server.stdout.readline().strip()
        with temp_home() as home:
            write_config(home, {"usage_stats": True, "usage_stats_endpoint": url})
            mark_notice_shown(home)
            script = MEMORY_SCRIPT.format(fields=FIELDS, stats=STATS, count=count)
            done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=900)
            before, after, dropped_writes, dropped_sends = done.stdout.split()
    finally:
        server.stdin.close()
        server.wait(timeout=60)
    return float(before), float(after), int(dropped_writes), int(dropped_sends)


class _Collections:
    """The time CPython's garbage collector spends on one thread (``gc.callbacks``): a collection
    runs on whichever thread allocates when a threshold is crossed, and a full one walks every
    object of the process, the host's included."""

    def __init__(self, thread: int) -> None:
        self.thread, self.total, self._started = thread, 0.0, 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if threading.get_ident() != self.thread:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.total += time.perf_counter() - self._started


WARM_TRANSFERS = 20


def _worst_call(count: int) -> tuple[float, str, float]:
    """The worst call (``_worst_call_here``) measured in a process of its own, as the collector and the
    memory figure are: the suites run before it in this process (10,000 records listed, a 32-thread
    burst, the validators) leave tens of thousands of objects behind, and those, not the library,
    would set when CPython's next full collection falls."""
    code = ("import json; from benchmarks.faults import _worst_call_here; "
            f"print(json.dumps(_worst_call_here({count})))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, check=True,
                          cwd=str(Path(__file__).resolve().parent.parent))
    worst, where, worst_ours = json.loads(done.stdout.strip().splitlines()[-1])
    return worst, where, worst_ours


def _worst_call_here(count: int) -> tuple[float, str, float]:
    """The longest single library call on the transfer's thread over ``count`` transfers, with a
    `forget` half way (the next session creates a new client id); and the longest once the
    collector's time inside each call is taken out (what the library itself did or waited for).
    First ``WARM_TRANSFERS`` transfers, not counted, as a host's first ones: every module loaded, the
    decision resolved and memoized, the lanes running."""
    import gc

    from usage_consent.policy import decide
    from usage_consent.policy._load import embedded_policy
    from usage_consent.reporter import start_session, wait
    from usage_consent.reporter._store import forget

    collections = _Collections(threading.get_ident())
    gc.callbacks.append(collections)
    worst, where, worst_ours = 0.0, "", 0.0
    try:
        with collector("200") as url, temp_home() as home:
            write_config(home, {"usage_stats": True, "usage_stats_endpoint": url})
            mark_notice_shown(home)
            for _ in range(WARM_TRANSFERS):
                start_session(decide(), **FIELDS).report(stats=STATS)
            wait(10)
            for index in range(count):
                if index == count // 2:
                    wait(10)
                    forget(embedded_policy())
                marks = [(time.perf_counter(), time.thread_time(), collections.total)]
                decision = decide()
                marks.append((time.perf_counter(), time.thread_time(), collections.total))
                session = start_session(decision, **FIELDS)
                marks.append((time.perf_counter(), time.thread_time(), collections.total))
                session.report(stats=STATS)
                marks.append((time.perf_counter(), time.thread_time(), collections.total))
                for name, before, after in zip(("decide", "start_session", "report"), marks, marks[1:],
                                               strict=False):
                    took, running, collecting = (a - b for a, b in zip(after, before, strict=True))
                    worst_ours = max(worst_ours, took - collecting)
                    if took > worst:
                        worst, where = took, f"{name}, transfer {index}" + (
                            " (first after forget)" if index == count // 2 else "") + (
                            f"; {running * 1e3:.1f} ms of it running on its thread's CPU") + (
                            f"; {collecting * 1e3:.1f} ms of it the garbage collector's" if collecting else "")
            wait(10)
    finally:
        gc.callbacks.remove(collections)
    return worst, where, worst_ours


def run(quick: bool) -> list[Row]:
    threads, per_thread = (8, 10) if quick else (32, 25)
    received, pending, lost, took = _burst(threads, per_thread)
    total = threads * per_thread
    note = (f"{threads} threads x {per_thread} transfers in {took:.1f} s: {received} received, {pending} pending, "
            f"{lost} lost")
    rows = [Row(f"burst {threads}x{per_thread}: reports received", received, total, "reports", note=note),
            Row(f"burst {threads}x{per_thread}: reports lost", lost, None, "reports", target=0, note=note)]
    took, bound = _trickle()
    rows.append(Row("trickling endpoint: one send, total", took, bound, "s", target=1.1,
                    note="server sends one header byte every 0.1 s; bound = connect_timeout_s + read_timeout_s"))
    count = 10_000 if quick else 100_000
    before, after, dropped_writes, dropped_sends = _memory(count)
    rows.append(Row(f"memory, {count} reports behind a hanging endpoint", after - before, before, "MiB growth",
                    note=f"RSS {before:.0f} -> {after:.0f} MiB; {dropped_writes} reports dropped beyond the "
                         f"write lane's bound (counted), {dropped_sends} sends left pending"))
    worst, where, worst_ours = _worst_call(40 if quick else 400)
    rows.append(Row("worst single call on the transfer's thread", worst * 1e3, None, "ms max", target=5.0,
                    note=where))
    rows.append(Row("worst single call on the transfer's thread, less the garbage collector's time in it",
                    worst_ours * 1e3, None, "ms max",
                    note="a collection runs on whichever thread allocates when a threshold is crossed"))
    return rows


if __name__ == "__main__":
    print(json.dumps([r.to_dict() for r in run(True)], indent=2))
