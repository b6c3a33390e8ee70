"""examples/transfer.py, a real host, against a real HTTP server on 127.0.0.1: every answer the
server can give, and the copy always finishes with no exception and a bounded delay."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from report_server import refused_url

pytestmark = pytest.mark.slow  # a host process per test, waiting out its exit bound

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "transfer.py"
EXIT_WAIT = 2.0  # the embedded policy's reporter.exit_wait_s


def transfer(home, env=None) -> tuple[subprocess.CompletedProcess[str], float]:
    source, destination = home.root / "data.bin", home.root / "copy.bin"
    source.write_bytes(b"\x00payload" * 1000)
    destination.unlink(missing_ok=True)
    started = time.monotonic()
    result = subprocess.run([sys.executable, str(EXAMPLE), "cp", str(source), str(destination)],
                            env=home.env(**(env or {})), capture_output=True, text=True, timeout=60)
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert destination.read_bytes() == source.read_bytes()
    return result, elapsed


def opt_in(home, url: str, **config) -> None:
    home.write_config({"usage_stats": True, "usage_stats_endpoint": url, **config})
    home.mark_notice_shown()


def records(home) -> list[Path]:
    return sorted((home.tmp / "skyplane" / "usage").glob("*/*/usage_stats.json"))


def status_of(record: Path) -> dict:
    return json.loads((record.parent / "status.json").read_text())


def test_on_the_server_receives_exactly_the_local_record(home, server):
    """On: one POST of application/json whose bytes are the local record's, and the status says sent."""
    opt_in(home, server.url)
    transfer(home)
    [record] = records(home)
    assert len(server.received) == 1
    path, content_type, body = server.received[0]
    assert (path, content_type) == ("/report", "application/json")
    assert body == record.read_bytes()
    assert status_of(record)["endpoints"][server.url]["outcome"] == "sent"
    assert not list((home.tmp / "skyplane" / "usage" / ".pending").iterdir())


@pytest.mark.parametrize("opt_out", [{"SKYPLANE_USAGE_STATS_ENABLED": "0"}, {"DO_NOT_TRACK": "1"}],
                         ids=["env-0", "do-not-track"])
def test_off_writes_nothing_and_connects_nowhere(home, server, opt_out):
    """Off: no file under the temp folder and not one connection."""
    opt_in(home, server.url)
    transfer(home, env=opt_out)
    assert not (home.tmp / "skyplane").exists()
    assert server.connections == 0


def test_local_records_and_connects_nowhere(home, server):
    """Local: the report is written, and no connection is opened."""
    opt_in(home, server.url)
    home.write_config({"usage_stats": "local", "usage_stats_endpoint": server.url})
    transfer(home)
    [record] = records(home)
    assert json.loads(record.read_text())["command"] == "cp"
    assert status_of(record)["mode"] == "local" and status_of(record)["endpoints"] == {}
    assert server.connections == 0


@pytest.mark.parametrize(("behaviour", "outcome", "pending"), [
    ("never", "pending", True), ("500", "failed", True), ("redirect", "dropped", False),
    ("huge", "sent", False), ("400", "dropped", False), ("redirect-same", "sent", False),
], ids=["never-answers", "500", "redirect-elsewhere", "huge-body", "400", "redirect-same-host"])
def test_a_bad_server_never_hurts_the_transfer(home, server, behaviour, outcome, pending):
    """Whatever the server does, the copy finishes, no exception escapes, and the time added stays
    within the policy's exit bound; the report is kept pending only when a retry can help."""
    _, baseline = transfer(home, env={"SKYPLANE_USAGE_STATS_ENABLED": "0"})
    opt_in(home, server.url)
    server.behaviour = behaviour
    _, elapsed = transfer(home)
    assert elapsed - baseline < EXIT_WAIT + 1.5  # unbounded, a silent server would hold it 30 s
    [record] = records(home)
    assert status_of(record)["endpoints"][server.url]["outcome"] == outcome
    assert bool(list((home.tmp / "skyplane" / "usage" / ".pending").iterdir())) is pending
    if behaviour == "redirect":
        assert [p for p, _, _ in server.received] == ["/report"]


def test_refused_connection_is_kept_pending(home):
    """Nothing listening: the copy finishes at once and the report waits for a later session."""
    url = refused_url()
    opt_in(home, url)
    transfer(home)
    [record] = records(home)
    assert status_of(record)["endpoints"][url]["outcome"] == "failed"


def test_pending_report_is_sent_by_a_later_session(home, server):
    """A report that met a 500 is sent by the next transfer whose decision is on."""
    opt_in(home, server.url)
    server.behaviour = "500"
    transfer(home)
    server.behaviour = "200"
    transfer(home)
    server.wait_for(3)
    first, second = records(home), None
    bodies = sorted(body for _, _, body in server.received)
    assert len(server.received) == 3
    assert sorted(r.read_bytes() for r in first) == sorted(set(bodies))
    assert all(status_of(r)["endpoints"][server.url]["outcome"] == "sent" for r in first), second


@pytest.mark.parametrize(("later", "kept"), [({"SKYPLANE_USAGE_STATS_ENABLED": "0"}, 0),
                                             ({"SKYPLANE_USAGE_STATS_ENABLED": "local"}, 1)],
                         ids=["opted-out", "moved-to-local"])
def test_pending_reports_are_deleted_unsent_after_an_opt_out(home, server, later, kept):
    """After the user opts out or moves to local, a pending report is deleted, never sent."""
    opt_in(home, server.url)
    server.behaviour = "500"
    transfer(home)
    connections = server.connections
    server.behaviour = "200"
    transfer(home, env=later)
    assert server.connections == connections
    assert len(records(home)) == kept  # local mode records its own transfer
    assert not list((home.tmp / "skyplane" / "usage" / ".pending").iterdir())


def test_failed_transfer_reports_error_class_and_stage(home, server):
    """A copy that fails reports its error class and stage, never the message (which names paths)."""
    opt_in(home, server.url)
    result = subprocess.run([sys.executable, str(EXAMPLE), "cp", str(home.root / "secret-missing.txt"),
                             str(home.root / "out.txt")], env=home.env(), capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "secret-missing.txt" in result.stderr
    [record] = records(home)
    report = json.loads(record.read_text())
    assert report["error"] == {"error_class": "FileNotFoundError", "location": "transfer"}
    assert "secret-missing" not in record.read_text()
    assert server.received[0][2] == record.read_bytes()


def test_pending_report_is_given_up_after_its_attempts(home, server):
    """With retry_attempts = 0 a report that failed once is marked expired by the next session
    and never sent again."""
    import tomli_w

    from usage_consent.policy import embedded_policy

    data = embedded_policy().model_dump(mode="json", exclude_none=True)
    data["reporter"]["retry_attempts"] = 0
    policy = home.root / "policy.toml"
    policy.write_text(tomli_w.dumps(data))
    opt_in(home, server.url)
    server.behaviour = "500"
    source = home.root / "data.bin"
    source.write_bytes(b"x")
    for _ in range(2):
        subprocess.run([sys.executable, str(EXAMPLE), "cp", str(source), str(home.root / "copy.bin"), "--policy",
                        str(policy)], env=home.env(), capture_output=True, text=True, timeout=60, check=True)
    first, second = sorted(records(home), key=lambda r: status_of(r)["created_ms"])
    assert status_of(first)["endpoints"][server.url]["outcome"] == "expired"
    assert status_of(second)["endpoints"][server.url]["outcome"] == "failed"
    assert len(server.received) == 2  # each report was tried once, none twice


def test_a_host_run_by_a_test_sends_nowhere_but_loopback(home):
    """A host the tests start inherits the plugin's guard: its report to a non-loopback endpoint is
    dropped before any connection, with the reason in the record's status."""
    from usage_consent._runtime import LOOPBACK_ENV

    opt_in(home, "https://10.255.255.1/report")
    assert home.env()[LOOPBACK_ENV] == "1"  # the plugin set it for every command a test starts
    transfer(home)
    [record] = records(home)
    entry = status_of(record)["endpoints"]["https://10.255.255.1/report"]
    assert entry["outcome"] == "dropped"
    assert "is not 127.0.0.0/8 or ::1" in entry["detail"]
