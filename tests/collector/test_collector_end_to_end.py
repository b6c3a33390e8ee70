"""End to end: a real host's transfers (examples/transfer.py, the real reporter) reach a collector
started with one command; the open map shows them; `usage-consent forget` removes them from the
collector, and a deletion the collector could not receive is retried until it can."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from collector_helpers import CollectorProcess, rows_of

pytestmark = pytest.mark.slow  # a real collector in a thread or a subprocess, or many random examples

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "transfer.py"


def patient_policy(home) -> Path:
    """Skyplane's policy, waiting up to 20 s at exit for the background send (a loaded CI machine
    must not leave a report pending that the test then misses)."""
    import tomli_w

    from usage_consent.policy import embedded_policy

    data = embedded_policy().model_dump(mode="json", exclude_none=True)
    data["reporter"]["exit_wait_s"] = 20.0
    path = home.root / "patient-policy.toml"
    path.write_text(tomli_w.dumps(data))
    return path


def transfer(home) -> None:
    source, destination = home.root / "data.bin", home.root / "copy.bin"
    source.write_bytes(b"payload" * 1000)
    done = subprocess.run([sys.executable, str(EXAMPLE), "cp", str(source), str(destination),
                           "--policy", str(patient_policy(home))],
                          env=home.env(), capture_output=True, text=True, timeout=90)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr


def client_id(home) -> str:
    return json.loads(home.state.read_text())["client_id"]


def wait_for_rows(db_url: str, count: int, timeout: float = 15) -> list[tuple]:
    deadline = time.monotonic() + timeout
    while True:
        found = rows_of(db_url, "SELECT client_id, session_id FROM reports")
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


@pytest.fixture
def running(db_url, tmp_path):
    started = CollectorProcess(db_url, str(tmp_path), 0, "--min-clients", "1")
    yield started
    started.stop()


def test_a_hosts_reports_reach_the_collector_show_on_the_map_and_forget_deletes_them(home, running, db_url):
    """Two transfers are stored and mapped; forget's DELETE is confirmed, the rows are gone and
    the old id is neither in the collector's tables nor on the user's disk."""
    home.write_config({"usage_stats": True, "usage_stats_endpoint": running.report_url})
    home.mark_notice_shown()
    transfer(home)
    transfer(home)
    old = client_id(home)
    assert [row[0] for row in wait_for_rows(db_url, 2)] == [old, old]
    pairs = requests.get(f"{running.url}/v1/map", timeout=10).json()["pairs"]
    assert pairs == [{"source": "local:local", "destination": "local:local", "transfers": 2, "clients": 1,
                      "throughput_gbits_median": pairs[0]["throughput_gbits_median"],
                      "throughput_gbits_p90": pairs[0]["throughput_gbits_p90"]}]

    forgot = home.run("forget")
    assert forgot.returncode == 0, forgot.stderr
    assert f"deletion confirmed by {running.url}/v1/clients/{old} (2 report(s) deleted)" in forgot.stdout
    assert "email" not in forgot.stdout
    assert rows_of(db_url, "SELECT * FROM reports") == [] and rows_of(db_url, "SELECT * FROM report_pairs") == []
    found = subprocess.run(["grep", "-rl", old, str(home.root)], capture_output=True, text=True)
    assert found.stdout == ""


def test_an_unreachable_collector_gets_the_deletion_later(home, db_url, tmp_path):
    """Collector down at forget: the request stays pending (the only place the old id remains);
    once the collector is back, the next transfer's session sends it and the rows go."""
    first = CollectorProcess(db_url, str(tmp_path), 0)
    home.write_config({"usage_stats": True, "usage_stats_endpoint": first.report_url})
    home.mark_notice_shown()
    transfer(home)
    old = client_id(home)
    assert len(wait_for_rows(db_url, 1)) == 1
    first.stop()

    forgot = home.run("forget")
    assert f"deletion request to {first.url}/v1/clients/{old} not answered now" in forgot.stdout, forgot.stdout
    assert "it will be retried" in forgot.stdout
    pending = json.loads(home.state.read_text())["pending_deletions"]
    assert [(p["client_id"], p["endpoint"]) for p in pending] == [(old, first.report_url)]
    holding = subprocess.run(["grep", "-rl", old, str(home.root)], capture_output=True, text=True)
    assert holding.stdout.split() == [str(home.state)]

    again = CollectorProcess(db_url, str(tmp_path), first.port)
    try:
        transfer(home)  # a session that may send retries the pending deletion in the background
        deadline = time.monotonic() + 15
        while old in home.state.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "pending_deletions" not in json.loads(home.state.read_text())
        assert old not in [row[0] for row in rows_of(db_url, "SELECT client_id FROM reports")]
        assert len(rows_of(db_url, "SELECT * FROM tombstones")) == 1
    finally:
        again.stop()


def test_an_accepting_endpoint_is_remembered_in_the_state_file(home, running, db_url):
    """When a send is accepted, the state file keeps that endpoint under the client id (records are pruned)."""
    from usage_consent.policy import decide
    from usage_consent.reporter import start_session, wait

    home.write_config({"usage_stats": True, "usage_stats_endpoint": running.report_url})
    home.mark_notice_shown()
    session = start_session(decide(), command="cp", tool_version="1.0", source={"provider": "aws", "region": "x"},
                            destinations=[{"provider": "aws", "region": "y"}],
                            options={"recursive": False, "multipart": False, "max_instances": 1})
    assert session.report() == "queued" and wait(15)
    assert json.loads(home.state.read_text())["accepted_endpoints"] == {session.client_id: [running.report_url]}
