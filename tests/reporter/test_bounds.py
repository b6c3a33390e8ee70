"""Nothing hangs: a lock held by another process, a forked child, a FIFO or device in place of a
file, a trickling server. Time is checked only as "returns within a generous multiple of its
bound", never as speed."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import STATS, TRANSFER, opt_in, policy_with, usage
from report_server import ReportServer

from usage_consent._files.atomic import TRANSFER_LOCK_WAIT_S, exclusive_lock
from usage_consent.policy import decide, explain
from usage_consent.reporter import start_session, wait
from usage_consent.reporter._send import send_report

pytestmark = pytest.mark.slow  # locks held by other processes, forks and trickling servers, each waited out

HOLDER = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.read()
"""


@contextlib.contextmanager
def held_by_another_process(path: Path) -> Iterator[None]:
    """A real flock on ``path`` held by another process until the block ends."""
    path.parent.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        yield
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)


def state_lock(home) -> Path:
    return home.skyplane / ".usage_stats_state.json.lock"


def test_first_decide_fails_closed_while_the_state_lock_is_held(home, capsys, caplog):
    """A first run whose notice cannot be recorded (lock busy) is off at once, naming the lock file;
    once the lock is free the notice is shown and the decision is on."""
    home.write_config({"usage_stats": True})
    with held_by_another_process(state_lock(home)), caplog.at_level(logging.WARNING, "usage_consent"):
        started = time.monotonic()
        decision = decide()
        took = time.monotonic() - started
    assert decision.mode == "off" and took < 3 * 1.0  # the bound is 0.2 s; generous for a loaded CI
    assert ".usage_stats_state.json.lock" in caplog.text and "held by another process" in caplog.text
    assert decision.trace.layers[-1].status == "invalid" and "lock" in decision.trace.layers[-1].reason
    assert "collects anonymous usage statistics" not in capsys.readouterr().err
    assert decide().mode == "on" and "collects anonymous usage statistics" in capsys.readouterr().err


def test_start_session_and_report_do_not_wait_for_a_held_state_lock(home, server, caplog):
    """With no client id yet and the state lock held, the session starts and reports at once; the
    report is recorded and sent under the id it was made with; the id is stored on a later run."""
    opt_in(home, server.url)
    state = json.loads(home.state.read_text())
    assert "client_id" not in state
    with held_by_another_process(state_lock(home)), caplog.at_level(logging.WARNING, "usage_consent"):
        started = time.monotonic()
        session = start_session(decide(), **TRANSFER)
        outcome = session.report(stats=STATS)
        took = time.monotonic() - started
        assert wait(10)
    assert outcome == "queued" and took < 3 * TRANSFER_LOCK_WAIT_S + 0.5
    assert ".usage_stats_state.json.lock" in caplog.text
    assert json.loads(server.received[0][2])["client_id"] == session.client_id
    assert (usage(home) / session.client_id / session.session_id).is_dir()
    later = start_session(decide(), **TRANSFER)
    assert wait(10)
    assert json.loads(home.state.read_text())["client_id"] == later.client_id


def test_config_set_gives_up_on_a_held_lock_naming_it(home):
    """`config set` waits a few seconds for a held lock, then exits 1 naming the lock file;
    the file is unchanged."""
    home.write_config({"usage_stats": True, "other": 1})
    with held_by_another_process(home.skyplane / ".config.json.lock"):
        result = home.run("config", "set", "usage_stats", "false", timeout=30)
    assert result.returncode == 1
    assert ".config.json.lock: held by another process" in result.stderr and "Traceback" not in result.stderr
    assert home.config_data() == {"usage_stats": True, "other": 1}


def test_a_forked_child_never_holds_its_parents_lock(home):
    """A child forked while the parent holds the state lock does not keep it: once the parent lets
    go, a `config set` in another process takes it and records its history at once."""
    home.write_config({"usage_stats": True})
    with exclusive_lock(str(home.state)):
        pid = os.fork()
        if pid == 0:  # the child lives on, doing nothing, far longer than the command below
            time.sleep(60)
            os._exit(0)
    try:
        result = home.run("config", "set", "usage_stats", "false", timeout=30)
        assert result.returncode == 0, result.stderr
        assert "held by another process" not in result.stderr
        history = json.loads(home.state.read_text())["history"]
        assert history[-1]["event"] == "config set"
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)


FORK_STORM = """
import os, signal, sys, threading, time
from usage_consent.policy import write_consent

def lock_descriptors():
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            found.append(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            pass
    return [name for name in found if name.endswith(".lock")]

stop = threading.Event()

def write_forever():
    while not stop.is_set():
        write_consent(True)

writer = threading.Thread(target=write_forever)
writer.start()
holding = []
for _ in range(int(sys.argv[1])):
    pid = os.fork()
    if pid == 0:  # a child holding a lock descriptor lives on, past the command the test runs next
        if lock_descriptors():
            time.sleep(120)
        os._exit(0)
    time.sleep(0.001)
    if os.waitpid(pid, os.WNOHANG) == (0, 0):
        holding.append(pid)
stop.set()
writer.join()
time.sleep(0.5)
holding = [pid for pid in holding if os.waitpid(pid, os.WNOHANG) == (0, 0)]
print(len(holding), flush=True)
sys.stdin.read()
for pid in holding:
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
"""


def test_no_lock_descriptor_reaches_a_child_forked_while_another_thread_writes(home):
    """Children forked while another thread keeps writing the config and state files hold no lock
    descriptor, and `config set` in another process afterwards takes both locks at once."""
    storm = subprocess.Popen([sys.executable, "-c", FORK_STORM, "400"], env=home.env(), stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        children_holding_a_lock = int(storm.stdout.readline())
        result = home.run("config", "set", "usage_stats", "false", timeout=60)
        assert children_holding_a_lock == 0
        assert result.returncode == 0, result.stderr
        assert "held by another process" not in result.stderr
        assert home.config_data() == {"usage_stats": False}
    finally:
        storm.stdin.close()
        storm.wait(timeout=60)


def test_a_symlink_at_a_lock_files_name_is_not_followed(home, tmp_path):
    """A dangling symlink at the lock file's name is refused (exit 1, named); its target is not created."""
    home.write_config({"usage_stats": True})
    target = tmp_path / "created-through-the-link"
    (home.skyplane / ".config.json.lock").symlink_to(target)
    result = home.run("config", "set", "usage_stats", "false")
    assert result.returncode == 1 and ".config.json.lock: is a symlink" in result.stderr
    assert not target.exists() and home.config_data() == {"usage_stats": True}


SPECIAL = [("fifo", "a FIFO"), ("dev-zero", "a character device"), ("folder", "a directory")]


def make_special(path: Path, kind: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    else:
        path.mkdir()


@pytest.mark.parametrize(("kind", "named"), SPECIAL, ids=[s[0] for s in SPECIAL])
def test_a_special_file_as_the_config_is_invalid_at_once(home, kind, named):
    """A FIFO, /dev/zero or a folder in place of the config file: `decide` is off with the reason,
    and returns (a FIFO with no writer would block a plain open for ever)."""
    make_special(home.config, kind)
    result = home.run("explain", "--json", timeout=30)
    assert result.returncode == 0, result.stderr
    layer = next(layer for layer in json.loads(result.stdout)["layers"] if layer["kind"] == "config_file")
    assert json.loads(result.stdout)["mode"] == "off"
    assert layer["status"] == "invalid" and f"is {named}, not a" in layer["reason"]


def test_a_fifo_as_the_state_file_does_not_hang_decide(home):
    """A FIFO in place of the state file: `decide` and `history` return (no hang) without a traceback."""
    home.write_config({"usage_stats": True})
    make_special(home.state, "fifo")
    for command in (["decide"], ["history"]):
        result = home.run(*command, timeout=30)
        assert result.returncode in (0, 1) and "Traceback" not in result.stderr


def test_a_fifo_as_the_policy_file_is_refused(home):
    """`--policy FIFO` exits 1 naming the file as a FIFO."""
    fifo = home.root / "policy.toml"
    os.mkfifo(fifo)
    result = home.run("--policy", str(fifo), "explain", timeout=30)
    assert result.returncode == 1 and "is a FIFO, not a regular file" in result.stderr


def test_files_above_the_size_cap_are_invalid(home):
    """A config file above MAX_FILE_BYTES is invalid (off), with the reason."""
    home.write_config('{"usage_stats": true, "pad": "' + "x" * (1 << 20) + '"}')
    decision = explain()
    assert decision.mode == "off"
    assert "larger than 1048576 bytes" in decision.trace["config_file"].reason


def test_a_fifo_in_place_of_a_record_does_not_hang(home, server):
    """A FIFO in place of a record: `records show` exits 1 naming it; the spool drops its marker."""
    opt_in(home, server.url)
    session = start_session(decide(), **TRANSFER)
    session.report(stats=STATS)
    assert wait(10)
    record = usage(home) / session.client_id / session.session_id / "usage_stats.json"
    record.unlink()
    os.mkfifo(record)
    result = home.run("records", "show", timeout=30)
    assert result.returncode == 1 and "FIFO" in result.stderr and "Traceback" not in result.stderr


TRICKLES = [("head-cut-in-status-line", "trickle-head", 0.5), ("head-cut-in-headers", "trickle-head", 1.5),
            ("body", "trickle-body", 0.5)]


@pytest.mark.parametrize(("behaviour", "each"), [t[1:] for t in TRICKLES], ids=[t[0] for t in TRICKLES])
def test_a_trickling_server_holds_one_send_no_longer_than_its_bound(home, behaviour, each):
    """One byte every 0.1 s of the headers or the body: the send fails (kept pending) within its
    total bound, connect_timeout_s + read_timeout_s, not one read timeout per byte; an answer cut
    short at the bound is never taken for a whole one."""
    policy = policy_with(connect_timeout_s=each, read_timeout_s=each)
    trickling = ReportServer(behaviour)
    try:
        opt_in(home, trickling.url)
        decision = decide(policy)
        started = time.monotonic()
        outcome = send_report(decision, trickling.url, b"{}")
        took = time.monotonic() - started
    finally:
        trickling.stop()
    assert outcome.outcome == "failed" and "timed out" in outcome.detail
    assert took < 3 * 2 * each


def test_a_trickling_endpoint_does_not_hold_back_later_reports(home):
    """Five transfers against a trickling endpoint: one send waits its bound, the others are kept
    pending at once (the endpoint rests); every lane is done within a few bounds; nothing is lost."""
    policy = policy_with(connect_timeout_s=0.5, read_timeout_s=0.5)
    trickling = ReportServer("trickle-head")
    try:
        opt_in(home, trickling.url)
        sessions = []
        for _ in range(5):
            session = start_session(decide(policy), **TRANSFER)
            session.report(stats=STATS)
            sessions.append(session)
        started = time.monotonic()
        assert wait(3 * 1.0 + 2)
        took = time.monotonic() - started
        connections = trickling.connections
    finally:
        trickling.stop()
    assert connections == 1 and took < 3 * 1.0 + 2
    markers = sorted(p.name for p in (usage(home) / ".pending").iterdir())
    assert markers == sorted(f"{s.client_id}__{s.session_id}" for s in sessions)


def test_plain_http_never_goes_through_the_proxy(home, server, monkeypatch):
    """With HTTP_PROXY (and http_proxy) set, a report to http://127.0.0.1 goes straight to it."""
    proxy = ReportServer()
    try:
        for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY"):
            monkeypatch.setenv(name, proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        opt_in(home, server.url)
        start_session(decide(), **TRANSFER).report(stats=STATS)
        assert wait(10)
        assert len(server.received) == 1 and proxy.connections == 0
    finally:
        proxy.stop()


def test_https_uses_the_environments_proxy(monkeypatch):
    """https sends use HTTPS_PROXY, as the machine's other https clients do (NO_PROXY honoured)."""
    import requests

    from usage_consent.reporter._send import _proxies

    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "internal.example")
    assert _proxies(requests, "https://usage.example/v1")["https"] == "http://proxy.example:3128"
    assert not _proxies(requests, "https://internal.example/v1").get("https")
    assert _proxies(requests, "http://127.0.0.1:9/v1") == {}


CREDENTIALS = [
    ("user-and-password", "https://alice:s3cret@usage.example/v1"),
    ("user-only", "https://alice@usage.example/v1"),
    ("loopback-password", "http://bob:s3cret@127.0.0.1:9/v1"),
]


@pytest.mark.parametrize("url", [c[1] for c in CREDENTIALS], ids=[c[0] for c in CREDENTIALS])
def test_an_endpoint_with_credentials_is_left_out_without_repeating_them(home, url):
    """An endpoint URL with a user name or password is never used; the warning hides them and no
    output or file holds them."""
    home.write_config({"usage_stats": True, "usage_stats_endpoint": "https://ok.example/v1",
                       "usage_stats_additional_endpoints": [url]})
    home.mark_notice_shown()
    result = home.run("explain")
    assert result.returncode == 0
    assert "must not hold a user name or password" in result.stderr and "***@" in result.stderr
    assert "s3cret" not in result.stdout + result.stderr and "alice" not in result.stdout + result.stderr
    assert home.explain()["endpoints"] == ["https://ok.example/v1"]
