"""Nothing is lost: every report is sent, or kept pending with its record and retried, or counted
in a warning; pruning never removes a pending record; markers without records go; queues are
bounded; the notice is recorded once; a crash's temporary files do not stay."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from helpers import BIN, STATS, TRANSFER, opt_in, policy_with, usage

from usage_consent.policy import decide
from usage_consent.policy._load import policy_to_toml
from usage_consent.reporter import start_session, wait
from usage_consent.reporter._store import prune

pytestmark = pytest.mark.slow  # forked children, multiprocessing pools and retries waited out

RETRY_SCRIPT = """
from usage_consent.policy import decide
from usage_consent.reporter import start_session, wait
start_session(decide())
assert wait(20)
"""


def retry_in_a_new_process(home) -> None:
    """A later `on` session, in a process of its own (each process tries a pending report once)."""
    result = subprocess.run([sys.executable, "-c", RETRY_SCRIPT], env=home.env(), capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def markers(home) -> list[str]:
    folder = usage(home) / ".pending"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def records(home) -> list[str]:
    return sorted(p.parent.name for p in usage(home).glob("*/*/usage_stats.json"))


def test_a_burst_of_transfers_loses_no_report(home, server):
    """32 threads x 25 transfers to a healthy server: all 800 are received, no marker remains."""
    opt_in(home, server.url)

    def transfers() -> None:
        for _ in range(25):
            start_session(decide(), **TRANSFER).report(stats=STATS)

    threads = [threading.Thread(target=transfers) for _ in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wait(60)
    sessions = {json.loads(body)["session_id"] for _, _, body in server.received}
    assert len(server.received) == 800 and len(sessions) == 800
    assert markers(home) == []


def test_markers_without_records_are_removed_and_never_starve_a_real_one(home, server):
    """300 older markers whose records are gone do not hold back a real pending report: the next
    `on` session sends it and removes every orphan."""
    opt_in(home, server.url)
    server.behaviour = "500"
    session = start_session(decide(), **TRANSFER)
    session.report(stats=STATS)
    assert wait(10)
    pending = usage(home) / ".pending"
    real = f"{session.client_id}__{session.session_id}"
    assert markers(home) == [real]
    old = time.time() - 3600
    for index in range(300):
        orphan = pending / f"{session.client_id}__00000000-0000-4000-8000-{index:012d}"
        orphan.touch()
        os.utime(orphan, (old, old))
    server.behaviour = "200"
    retry_in_a_new_process(home)
    assert markers(home) == []
    assert [json.loads(body)["session_id"] for _, _, body in server.received[1:]] == [session.session_id]


def test_pruning_keeps_every_pending_record_until_it_is_sent(home, server):
    """keep_sessions = 3 and six reports the server refuses (500): all six records are kept,
    pending; a later session sends every one; then pruning brings the folder back to three."""
    policy = policy_with(keep_sessions=3)
    opt_in(home, server.url)
    server.behaviour = "500"
    ids = []
    for _ in range(6):
        session = start_session(decide(policy), **TRANSFER)
        session.report(stats=STATS)
        ids.append(session.session_id)
        assert wait(10)
    assert records(home) == sorted(ids) and len(markers(home)) == 6
    server.behaviour = "200"
    retry_in_a_new_process(home)
    assert sorted(json.loads(body)["session_id"] for _, _, body in server.received[6:]) == sorted(ids)
    assert markers(home) == []
    assert prune(policy) == 3 and len(records(home)) == 3


def test_per_session_client_ids_are_pruned_by_the_same_bound(home, server):
    """client_id = "per_session": one folder per session, and still at most keep_sessions records."""
    policy = policy_with(keep_sessions=3, client_id="per_session")
    opt_in(home, server.url)
    for _ in range(8):
        start_session(decide(policy), **TRANSFER).report(stats=STATS)
        assert wait(10)
    prune(policy)
    assert len(records(home)) == 3
    assert len([p for p in usage(home).iterdir() if not p.name.startswith(".")]) == 3


def test_opt_out_deletes_pending_reports_in_the_background(home, server):
    """After an opt-out, the next session deletes every pending report and its record, off the
    transfer's thread (the session is returned first)."""
    opt_in(home, server.url)
    server.behaviour = "500"
    for _ in range(3):
        start_session(decide(), **TRANSFER).report(stats=STATS)
        assert wait(10)
    assert len(markers(home)) == 3
    home.write_config({"usage_stats": False})
    assert start_session(decide()).report(stats=STATS) == "off"
    assert wait(10)
    assert markers(home) == [] and records(home) == []


WRONG_TYPES = [
    ("created_ms-text", lambda status: status.update(created_ms="yesterday"), "'created_ms' must be int; got str"),
    ("created_ms-bool", lambda status: status.update(created_ms=True), "'created_ms' must be int; got bool"),
    ("schema_version-text", lambda status: status.update(schema_version="1"), "'schema_version' must be int"),
    ("notice_shown-text", lambda status: status.update(notice_shown="yes"), "'notice_shown' must be bool"),
    ("endpoints-list", lambda status: status.update(endpoints=[]), "'endpoints' must be dict; got list"),
    ("endpoint-text", lambda status: status["endpoints"].update({next(iter(status["endpoints"])): "pending"}),
     "must be an object; got str"),
    ("attempts-text", lambda status: next(iter(status["endpoints"].values())).update(attempts="3"),
     ".attempts must be int; got str"),
    ("outcome-number", lambda status: next(iter(status["endpoints"].values())).update(outcome=1),
     ".outcome must be str; got int"),
]


def retry_in_a_new_process_logging(home) -> str:
    """As retry_in_a_new_process, returning what it logged."""
    result = subprocess.run([sys.executable, "-c", RETRY_SCRIPT], env=home.env(), capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stderr


@pytest.mark.parametrize(("change", "problem"), [w[1:] for w in WRONG_TYPES], ids=[w[0] for w in WRONG_TYPES])
def test_a_pending_record_with_a_wrong_typed_status_field_does_not_stop_the_others(home, server, change, problem):
    """The oldest of three pending reports has a status.json field of the wrong type: it is given up
    (marker removed, record kept, one warning naming the file and field) and the other two are sent."""
    opt_in(home, server.url)
    server.behaviour = "500"
    sessions = []
    for _ in range(3):
        session = start_session(decide(), **TRANSFER)
        session.report(stats=STATS)
        assert wait(10)
        sessions.append(session)
        time.sleep(0.02)  # markers are retried oldest first: the broken one is first
    broken = usage(home) / sessions[0].client_id / sessions[0].session_id / "status.json"
    status = json.loads(broken.read_text())
    change(status)
    broken.write_text(json.dumps(status))
    server.behaviour = "200"
    logged = retry_in_a_new_process_logging(home)
    sent = sorted(json.loads(body)["session_id"] for _, _, body in server.received[3:])
    assert sent == sorted(s.session_id for s in sessions[1:])
    assert markers(home) == [] and sessions[0].session_id in records(home)
    assert f"{sessions[0].session_id}/status.json: " in logged and problem in logged and "given up" in logged
    assert "TypeError" not in logged


FULL_LANE = """
import threading
from usage_consent.policy import decide
from usage_consent.reporter import start_session, _worker as worker
start_session(decide())  # the client id is stored first
assert worker.wait(10)
blocked = threading.Event()
worker.submit(blocked.wait, 0.5, lane="write")  # the write lane is busy with this for the rest of the run
fields = {fields!r}
outcomes = [start_session(decide(), **fields).report(stats={stats!r}) for _ in range(worker.LANE_BOUND + 5)]
print(outcomes.count("queued"), outcomes.count("dropped"))
"""


def test_a_full_queue_drops_with_one_warning_and_counts_at_exit(home, server):
    """Beyond the lane's bound a report is dropped: one warning at the first drop, and at exit one
    warning counting every report not recorded."""
    opt_in(home, server.url)
    script = FULL_LANE.format(fields=TRANSFER, stats=STATS)
    result = subprocess.run([sys.executable, "-c", script], env=home.env(), capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1000", "5"]
    assert result.stderr.count("the background queue is full") == 1
    assert "5 dropped from a full queue" in result.stderr and "usage report(s) not recorded or sent" in result.stderr


CHILDREN = """
import multiprocessing, sys
from usage_consent.policy import decide, load_policy
from usage_consent.reporter import start_session, _worker as worker

policy = load_policy(sys.argv[2])

def transfers(_=None):
    if {blocked!r}:  # the write lane is busy for longer than the exit wait: the child counts what is left
        worker.submit(lambda: __import__("time").sleep(60), 0, lane="write")
    for _ in range(5):
        start_session(decide(policy), **{fields!r}).report(stats={stats!r})

if __name__ == "__main__":
    how = sys.argv[1]
    start_session(decide(policy))  # the client id is stored first
    assert worker.wait(10)
    context = multiprocessing.get_context("fork" if how == "pool" else how)
    if how == "pool":
        pool = context.Pool(4)
        pool.map(transfers, range(4), chunksize=1)
        pool.close()
        pool.join()
    else:
        children = [context.Process(target=transfers) for _ in range(4)]
        for child in children:
            child.start()
        for child in children:
            child.join()
"""


def run_children(home, how: str, blocked: bool, exit_wait_s: float
                 ) -> tuple[subprocess.CompletedProcess[str], list[Path], list[str]]:
    """The script above, run from a file (spawn and forkserver children import their __main__ from
    it) with a TMPDIR short enough for the forkserver's socket; the records it made and the
    reports left pending."""
    script, policy = home.root / "children.py", home.root / "policy.toml"
    script.write_text(CHILDREN.format(blocked=blocked, fields=TRANSFER, stats=STATS))
    policy.write_text(policy_to_toml(policy_with(exit_wait_s=exit_wait_s)))
    short = Path(tempfile.mkdtemp(prefix="uc-", dir="/tmp"))
    try:
        result = subprocess.run([sys.executable, str(script), how, str(policy)], env=home.env(TMPDIR=str(short)),
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        made = sorted(short.glob("skyplane/usage/*/*/usage_stats.json"))
        left = sorted(p.name for p in (short / "skyplane" / "usage" / ".pending").glob("*"))
        return result, made, left
    finally:
        shutil.rmtree(short, ignore_errors=True)


@pytest.mark.parametrize("how", ["fork", "forkserver", "spawn", "pool"])
def test_reports_made_in_multiprocessing_children_are_all_recorded(home, server, how):
    """4 multiprocessing children (or a fork Pool's 4 workers, closed and joined) x 5 reports:
    every child waits for its reports at exit, so all 20 are recorded, and each is sent or kept
    pending (a send left undone within the exit wait is counted in a warning)."""
    opt_in(home, server.url)
    result, made, pending = run_children(home, how, blocked=False, exit_wait_s=30)  # a loaded machine is slow
    assert len(made) == 20, result.stderr
    sent = {json.loads(body)["session_id"] for _, _, body in server.received}
    assert {p.parent.name for p in made} <= sent | {name.split("__")[1] for name in pending}


def test_a_multiprocessing_child_counts_what_it_could_not_finish(home, server):
    """A fork child whose write lane stays busy past the exit wait (0.5 s) says, at its exit, how many
    reports were not recorded."""
    opt_in(home, server.url)
    result, _, _ = run_children(home, "fork", blocked=True, exit_wait_s=0.5)
    assert result.stderr.count("usage report(s) not recorded or sent: 0 dropped from a full queue") == 4


def test_concurrent_first_runs_show_and_record_the_notice_once(home):
    """Eight first runs at once: the notice is printed by one and recorded once."""
    home.write_config({"usage_stats": True})
    runs = [subprocess.Popen([str(BIN), "decide"], env=home.env(), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(8)]
    outputs = [run.communicate(timeout=60) for run in runs]
    printed = sum("collects anonymous usage statistics" in err for _, err in outputs)
    history = json.loads(home.state.read_text())["history"]
    assert printed == 1 and [e["event"] for e in history].count("notice") == 1


def test_a_crashs_temporary_copy_is_removed_on_the_next_write(home):
    """A temporary copy of the config file left by a crash (our naming) goes on the next write;
    another file of a similar name stays."""
    home.write_config({"usage_stats": True, "secret_key": "kept private"})
    leftover = home.skyplane / ".config.json.0123456789ab.tmp"
    leftover.write_text(home.config.read_text())
    unrelated = home.skyplane / ".config.json.notours.tmp"
    unrelated.write_text("x")
    old = time.time() - 3600
    os.utime(leftover, (old, old))
    assert home.run("config", "set", "usage_stats", "false").returncode == 0
    assert not leftover.exists() and unrelated.exists()
    assert [p.name for p in home.skyplane.iterdir() if p.name.endswith(".tmp")] == [unrelated.name]


LEFT_BY_A_CRASH = [("config-file", "config.json"), ("state-file", "usage_stats_state.json")]


@pytest.mark.parametrize("name", [c[1] for c in LEFT_BY_A_CRASH], ids=[c[0] for c in LEFT_BY_A_CRASH])
def test_the_next_write_removes_a_temporary_copy_made_a_moment_ago(home, name):
    """Whatever its age (here: just made), a temporary copy of ours goes on the next write of its
    file (under the write lock no writer holds one); a file not of our naming stays."""
    home.write_config({"usage_stats": True})
    home.mark_notice_shown()
    ours = home.skyplane / f".{name}.0123456789ab.tmp"
    not_ours = home.skyplane / f".{name}.backup.tmp"
    for path in (ours, not_ours):
        path.write_text('{"usage_stats": tr')
    result = home.run("config", "set", "usage_stats", "false")
    assert result.returncode == 0, result.stderr
    assert not ours.exists() and not_ours.exists()
