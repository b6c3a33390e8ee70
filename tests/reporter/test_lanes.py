"""The background lanes run on threads started with ``_thread``, so a process that records a report
need not import threading. A lane's thread is never the first to import threading (threading would
take it for the main thread and the interpreter would wait for it at exit): each process below is
real, and each must exit within its bound, name its own main thread, and count what it left undone."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest
from helpers import LANE_WATCH, STATS, TRANSFER, opt_in, usage

from usage_consent.policy._state import StateFile
from usage_consent.reporter._identity import new_id

# Every script starts like this: nothing imported but the library, the lanes idle.
START = f"""
import os, sys, time
import usage_consent
from usage_consent.reporter import _worker as worker
decision = usage_consent.decide()
session = usage_consent.start_session(decision, **{TRANSFER!r})
"""
# Every script ends like this: the main thread imports threading last, and asks who the main thread is.
END = """
import threading
print(f"main thread: {threading.main_thread() is threading.current_thread()}", flush=True)  # one write
"""
LOST = re.compile(r"(\d+) usage report\(s\) not recorded or sent: (\d+) dropped from a full queue, (\d+) unfinished")


def run(home, body: str, timeout: float = 60) -> tuple[subprocess.CompletedProcess[str], float]:
    """One fresh process: START, ``body``, END; what it printed, and how long it took."""
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-c", START + body + END], env=home.env(), capture_output=True,
                            text=True, timeout=timeout)
    return result, time.monotonic() - started


@pytest.fixture
def local(home):
    """Local mode, the notice shown, a client id stored, the decision memoized (a later process imports
    neither pydantic nor threading to decide): a report is recorded, never sent."""
    home.write_config({"usage_stats": "local"})
    home.mark_notice_shown()
    StateFile(str(home.state)).update(lambda data: data.setdefault("client_id", new_id()))
    memoized = subprocess.run([sys.executable, "-c", "import usage_consent; usage_consent.decide()"], env=home.env(),
                              capture_output=True, text=True, timeout=60)  # later processes decide from the memo
    assert memoized.returncode == 0, memoized.stderr
    return home


CASES = {
    "a-report-waited-for": ("""
print(session.report(stats={stats!r}), worker.wait(20), "threading" in sys.modules, flush=True)
""", "recorded True False", None),
    "a-report-left-to-exit": ("""
print(session.report(stats={stats!r}), "threading" in sys.modules, flush=True)
""", "recorded False", None),
    "a-lane-job-that-warns": ("""
print(session.report(stats={{"runtime_s": "slow"}}, strict=False), worker.wait(20), flush=True)
""", "recorded True", "it breaks schema"),
    "a-lane-job-that-warns-at-exit": ("""
print(session.report(stats={{"runtime_s": "slow"}}, strict=False), flush=True)
""", "recorded", "it breaks schema"),
    "a-plain-job-that-imports-logging": ("""
session.report(stats={stats!r})
worker.submit(lambda: __import__("logging").getLogger("usage_consent").warning("logged from a lane"), 5, "write",
              plain=True)
time.sleep(0.5)
print("threading" in sys.modules, worker.wait(20), flush=True)
""", "False True", "logged from a lane"),
    "a-plain-job-that-imports-threading-left-to-exit": ("""
session.report(stats={stats!r})
worker.submit(lambda: os.write(1, ("ran with " + __import__("threading").current_thread().name + "\\n").encode()), 5,
              "write", plain=True)
""", "ran with Dummy", None),
    "threading-imported-after-the-lanes-started": ("""
print(session.report(stats={stats!r}), flush=True)
import threading
print(worker.wait(20), flush=True)
""", "recorded\nTrue", None),
}


@pytest.mark.parametrize(("body", "printed", "warned"), list(CASES.values()), ids=list(CASES))
def test_a_process_that_reports_exits_with_its_own_main_thread(local, body, printed, warned):
    """Whatever its jobs import or log, and whether it waits or leaves it to exit: the process ends
    promptly, threading's main thread is the process's, what a lane logged reaches stderr once, and
    the report is recorded."""
    result, took = run(local, body.format(stats=STATS))
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert printed in result.stdout and "main thread: True" in result.stdout, result.stdout
    assert took < 30
    if warned:
        assert result.stderr.count(warned) == 1, result.stderr
    else:
        assert "usage report" not in result.stderr, result.stderr
    records = list(usage(local).glob("*/*/usage_stats.json"))
    assert len(records) == (0 if "breaks" in (warned or "") else 1)


@pytest.mark.parametrize("threading_first", [False, True], ids=["lanes-on-their-own", "host-imported-threading"])
def test_exit_with_jobs_still_running_waits_the_bound_and_counts_them(local, threading_first):
    """Two report jobs that never finish in time (one running, one waiting behind it): the process
    waits the policy's bound, not longer, and its one warning counts both as unfinished."""
    body = ("import threading\n" if threading_first else "") + """
print(session.report(stats={stats!r}), worker.wait(20), flush=True)
for _ in range(2):
    worker.submit(lambda: time.sleep(60), 1.0, "write", report=True, plain=True)
"""
    result, took = run(local, body.format(stats=STATS))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("recorded True")
    assert result.stdout.rstrip().endswith("main thread: True")
    assert LOST.findall(result.stderr) == [("2", "0", "2")], result.stderr
    assert took < 20


FORK = """
print(session.report(stats={stats!r}), worker.wait(20), flush=True)
worker.submit(lambda: time.sleep(2), 5, "write", plain=True)  # the parent's lane is busy when it forks
pid = os.fork()
if pid == 0:
    child = usage_consent.start_session(usage_consent.decide(), **{fields!r})
    outcome = child.report(stats={stats!r})
    os.write(1, f"child {{outcome}} {{worker.wait(10)}} {{os.path.exists(child.path)}}\\n".encode())
    os._exit(0)
print("child exit", os.waitpid(pid, 0)[1], flush=True)
"""


def test_a_forked_child_of_a_process_without_threading_records_its_report(local):
    """The parent's lanes run without threading; its forked child gets lanes of its own, records its
    report and waits for it, and neither process hangs."""
    result, _ = run(local, FORK.format(stats=STATS, fields=TRANSFER))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:3] == ["recorded True", "child recorded True True", "child exit 0"], result.stdout
    assert lines[-1] == "main thread: True"
    assert len(list(usage(local).glob("*/*/usage_stats.json"))) == 2


MULTIPROCESSING = """
import multiprocessing
import usage_consent

def transfer():
    child = usage_consent.start_session(usage_consent.decide(), **{fields!r})
    child.report(stats={stats!r})  # not waited for: the child's finalizer waits

if __name__ == "__main__":
    session = usage_consent.start_session(usage_consent.decide(), **{fields!r})
    print(session.report(stats={stats!r}), flush=True)
    for method in ("fork", "spawn"):
        process = multiprocessing.get_context(method).Process(target=transfer)
        process.start()
        process.join(60)
        print(method, process.exitcode, flush=True)
    import threading
    print("main thread:", threading.main_thread() is threading.current_thread(), flush=True)
"""


def test_multiprocessing_children_record_their_reports_before_they_leave(local, tmp_path):
    """A parent whose lanes started without threading runs a fork and a spawn child that each report
    without waiting: each child's finalizer waits for its lanes, so all three reports are recorded."""
    script = tmp_path / "transfers.py"
    script.write_text(MULTIPROCESSING.format(stats=STATS, fields=TRANSFER))
    result = subprocess.run([sys.executable, str(script)], env=local.env(), capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["recorded", "fork 0", "spawn 0", "main thread: True"], result.stdout
    assert len(list(usage(local).glob("*/*/usage_stats.json"))) == 3, result.stderr


def test_a_process_that_sends_names_its_own_main_thread(home, server):
    """Mode on: the send needs requests (which imports threading), so the thread that submits it
    imports threading first; the report is sent and the process ends with its own main thread."""
    opt_in(home, server.url)
    body = """
print(session.report(stats={stats!r}), worker.wait(20), flush=True)
"""
    result, _ = run(home, body.format(stats=STATS))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["queued True", "main thread: True"]
    assert len(server.reports) == 1


def test_a_plain_job_that_needs_jsonschema_runs_once_threading_is_loaded(local, tmp_path):
    """A host schema outside the plain subset (format) is checked by jsonschema, which imports threading:
    a lane's thread may not be the first to, so the job is parked (threading still not loaded) and run
    again from its start once the waiting thread has imported it; it then gets jsonschema's answer."""
    import json
    from pathlib import Path

    import usage_consent.schemas

    packaged = Path(usage_consent.schemas.__file__).parent / "usage_stats" / "v1.json"
    schema = json.loads(packaged.read_text())
    schema["properties"]["tool_version"] = {"type": "string", "format": "date", "maxLength": 10}
    (tmp_path / "usage_stats").mkdir()
    (tmp_path / "usage_stats" / "v1.json").write_text(json.dumps(schema))
    body = f"""
from usage_consent.schemas._report_check import prepare, report_problems
report = {{"tool_version": "2026-02-30"}}
prepare(report, "usage_stats", 1, {str(tmp_path)!r})  # as a session does: the caller imports what the check needs
check = lambda: print("problems:", report_problems(report, "usage_stats", 1, {str(tmp_path)!r}))
worker.submit(check, 5, "write", plain=True)
time.sleep(0.5)
print("parked:", "threading" not in sys.modules, flush=True)
print("waited:", worker.wait(20), flush=True)
"""
    result, _ = run(local, body)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "parked: True" and lines[-2:] == ["waited: True", "main thread: True"], result.stdout
    assert lines[1].startswith("problems:") and "'2026-02-30' is not a 'date'" in lines[1], result.stdout


@pytest.mark.parametrize(("stats", "final", "plain_validator"), [
    pytest.param(STATS, "recorded", False, id="valid-the-generated-check-only"),
    pytest.param({"runtime_s": "slow"}, "invalid", True, id="invalid-the-plain-validator-names-the-field"),
])
def test_a_lanes_thread_imports_none_of_our_modules(local, stats, final, plain_validator):
    """A report checked by its packaged schema's generated check (valid) or also by the plain validator, which
    the thread that makes the report imports (invalid: the warning names the field): every module of ours
    this process imports after deciding is imported by the main thread, none by a lane's."""
    body = LANE_WATCH + f"""
session.report(stats={stats!r}, strict=False)
print(worker.wait(20), session.outcome, "usage_consent.schemas._plain_check" in sys.modules, lanes, flush=True)
"""
    result, _ = run(local, body)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"True {final} {plain_validator} []", result.stdout
    assert ("stats.runtime_s: 'slow' is not valid" in result.stderr) is plain_validator, result.stderr


def test_a_sending_lanes_thread_imports_none_of_our_modules(home):
    """Mode on, a collector that refuses connections: a first process leaves its report pending, and a
    second one (a memo hit) sends its own and retries the pending one, whose notice is checked again;
    every module of ours either process imports after deciding is imported by its main thread, none by a
    lane's (the send's deadline, the endpoint check, the notice's state)."""
    from usage_consent.testing._server import refused_url

    opt_in(home, refused_url())
    StateFile(str(home.state)).update(lambda data: data.setdefault("client_id", new_id()))
    script = """
import sys
import usage_consent
from usage_consent.reporter import _worker as worker
decision = usage_consent.decide()
""" + LANE_WATCH + f"""
session = usage_consent.start_session(decision, **{TRANSFER!r})
print(session.report(stats={STATS!r}), worker.wait(20), lanes, flush=True)
"""
    for _ in range(2):
        result = subprocess.run([sys.executable, "-c", script], env=home.env(), capture_output=True, text=True,
                                timeout=60)
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines() == ["queued True []"], result.stdout
    assert len(list((usage(home) / ".pending").iterdir())) == 2
