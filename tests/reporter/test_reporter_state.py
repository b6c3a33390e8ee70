"""The reporter's state is objects: one store over one records root, one process-wide reporter
(lanes, sender) replaced in a forked child, and an exit warning that counts reports only."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import STATS, TRANSFER, policy_with

import usage_consent.reporter
from usage_consent._locations import locations
from usage_consent.policy import embedded_policy
from usage_consent.policy._load import policy_to_toml
from usage_consent.reporter._store import Store

REPORTER = Path(usage_consent.reporter.__file__).resolve().parent

BURST = """
import sys, threading
from usage_consent.policy import decide, load_policy
from usage_consent.reporter import start_session, _worker as worker

policy = load_policy(sys.argv[1])
start_session(decide(policy))  # the client id is stored first
assert worker.wait(10)
outcomes = []

def transfers():
    for _ in range({per_thread}):
        outcomes.append(start_session(decide(policy), **{fields!r}).report(stats={stats!r}))

threads = [threading.Thread(target=transfers) for _ in range({threads})]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
assert worker.wait(120)  # everything queued is done: what is lost is what was dropped
print(outcomes.count("recorded"), outcomes.count("dropped"), flush=True)
"""
LOST = re.compile(r"(\d+) usage report\(s\) not recorded or sent: (\d+) dropped from a full queue, (\d+) unfinished")


def test_the_exit_warning_counts_dropped_reports_not_dropped_prune_jobs(home, tmp_path):
    """A local-mode burst past the lane's bound, pruning after every report: the exit warning's count
    of reports not recorded is exactly the reports session.report() said were dropped (prune jobs
    dropped from the full lane are housekeeping, not reports)."""
    home.write_config({"usage_stats": "local"})
    home.mark_notice_shown()
    policy = tmp_path / "policy.toml"
    policy.write_text(policy_to_toml(policy_with(keep_sessions=10, exit_wait_s=30)))  # a prune per report
    script = BURST.format(per_thread=1000, threads=8, fields=TRANSFER, stats=STATS)
    result = subprocess.run([sys.executable, "-c", script, str(policy)], env=home.env(), capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    recorded, dropped = map(int, result.stdout.split())
    assert recorded + dropped == 8000
    lost = LOST.findall(result.stderr)
    if dropped:
        assert lost == [(str(dropped), str(dropped), "0")], result.stderr
        assert result.stderr.count("the background queue is full") == 1
    else:
        assert lost == [] and "the background queue is full" not in result.stderr, result.stderr


FORK = """
import os, threading
from usage_consent.policy import decide
from usage_consent.reporter import start_session, _worker as worker
from usage_consent.reporter._process import process

start_session(decide())  # the client id is stored first
assert worker.wait(10)
blocked = threading.Event()
worker.submit(blocked.wait, 0.5, lane="write")  # the parent's write lane stays busy
parent = process()
pid = os.fork()
if pid == 0:
    fresh = process() is not parent and process().lanes is not parent.lanes
    session = start_session(decide(), **{fields!r})
    outcome = session.report(stats={stats!r})
    os.write(1, f"{{fresh}} {{outcome}} {{worker.wait(10)}} {{os.path.exists(session.path)}}\\n".encode())
    os._exit(0)
os.waitpid(pid, 0)
blocked.set()
"""


def test_a_forked_child_has_a_reporter_of_its_own(home):
    """After a fork the child's reporter is a new one: the parent's busy lane does not hold up the
    child's report, which is recorded and waited for in the child."""
    home.write_config({"usage_stats": "local"})
    home.mark_notice_shown()
    script = FORK.format(fields=TRANSFER, stats=STATS)
    result = subprocess.run([sys.executable, "-c", script], env=home.env(), capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "recorded", "True", "True"]


def _status(endpoint: str | None) -> dict:
    return {"mode": "on", "endpoints": {endpoint: {"outcome": "pending", "attempts": 0}} if endpoint else {}}


@pytest.fixture
def store(home) -> Store:
    """The embedded policy's store under the test's HOME and TMPDIR."""
    return Store(locations(embedded_policy()))


def test_two_stores_over_one_root_agree(home, store):
    """A store holds nothing but where it is: what one writes, marks and erases, another over the same root sees."""
    other = Store(locations(embedded_policy()))
    path = store.write("c1", "s1", b'{"a":1}', _status("https://x.example/"))
    store.mark("c1", "s1")
    assert Path(path).read_bytes() == b'{"a":1}' and path == other.record_path("c1", "s1")
    assert other.read("c1", "s1") == (b'{"a":1}', _status("https://x.example/"))
    assert other.has_pending() and other.pending() == [("c1", "s1")]
    assert store.forget() == 1
    assert other.records() == [] and not other.has_pending() and not Path(store.root).exists()


def test_pending_lists_oldest_first_and_leaves_out_what_was_tried(home, store):
    """Markers are listed oldest first; ``skip`` leaves out the reports already tried."""
    for number in range(3):
        store.write("c", f"s{number}", b"{}", _status("https://x.example/"))
        store.mark("c", f"s{number}")
        os.utime(Path(store.root) / ".pending" / f"c__s{number}", ns=(10**18 - number, 10**18 - number))
    assert store.pending() == [("c", "s2"), ("c", "s1"), ("c", "s0")]
    assert store.pending(skip={("c", "s1")}) == [("c", "s2"), ("c", "s0")]
    store.unmark("c", "s2")
    assert store.pending() == [("c", "s1"), ("c", "s0")]


@pytest.mark.parametrize(("keep", "pending", "kept"), [
    pytest.param(2, set(), {"s3", "s4"}, id="newest-kept"),
    pytest.param(2, {"s0"}, {"s0", "s3", "s4"}, id="pending-never-pruned"),
    pytest.param(10, set(), {"s0", "s1", "s2", "s3", "s4"}, id="under-the-bound"),
])
def test_prune_keeps_the_newest_and_every_pending_record(home, store, keep, pending, kept):
    """Pruning keeps the ``keep`` newest records and every pending one."""
    for number in range(5):
        session = f"s{number}"
        store.write("c", session, b"{}", _status("https://x.example/" if session in pending else None))
        if session in pending:
            store.mark("c", session)
        stamp = time.time_ns() - (5 - number) * 10**9
        os.utime(Path(store.root) / "c" / session, ns=(stamp, stamp))
    store.prune(keep)
    assert {r.session_id for r in store.records()} == kept


def _module_state(path: Path) -> list[str]:
    """Names a module binds at its top level that are neither constants (ALL_CAPS), types
    (Capitalized), ``log`` nor ``__all__``."""
    tree = ast.parse(path.read_text())
    names = []
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, ast.AnnAssign) else []
        names += [t.id for t in targets if isinstance(t, ast.Name)]
    return [n for n in names if n.lstrip("_")[:1].islower() and n not in ("log", "__all__")]


def test_the_reporter_keeps_one_module_level_store():
    """In the whole reporter, the process-wide reporter is the one module-level mutable state, and
    only its module rebinds a global."""
    modules = sorted(REPORTER.rglob("*.py"))
    found = {str(m.relative_to(REPORTER)): _module_state(m) for m in modules if _module_state(m)}
    assert found == {"_process.py": ["_process"]}
    rebinding = [str(m.relative_to(REPORTER)) for m in modules
                 if any(isinstance(n, ast.Global) for n in ast.walk(ast.parse(m.read_text())))]
    assert rebinding == ["_process.py"]


@pytest.mark.parametrize(("clients", "sessions", "keep", "over"), [
    pytest.param(0, 0, 5, False, id="no-records-folder"),
    pytest.param(1, 5, 5, False, id="at-the-bound"),
    pytest.param(1, 6, 5, True, id="one-past-the-bound"),
    pytest.param(3, 2, 5, True, id="three-clients-past-it-together"),
    pytest.param(9, 1, 100, True, id="many-client-folders-not-counted"),
])
def test_may_exceed_tells_from_link_counts_whether_a_first_prune_is_needed(store, clients, sessions, keep, over):
    """A process's first report prunes only when the records may number more than the bound: told from
    the folders' link counts (a stat each), and True whenever they cannot tell."""
    for client in range(clients):
        for session in range(sessions):
            store.write(f"c{client}", f"s{session}", b"{}", _status(None))
    assert store.may_exceed(keep) is over
