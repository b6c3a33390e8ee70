"""What an operator relies on: health, metrics, retention, the OpenAPI description, migrations,
the command's bad input, and slow clients cut by the request timeout."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from collector_helpers import make_report

pytestmark = pytest.mark.slow  # a real collector in a thread or a subprocess, or many random examples

BIN = Path(sys.executable).parent / "usage-consent"
JSON = {"Content-Type": "application/json"}


def test_health_and_metrics_count_what_happened(collector):
    """/healthz answers with the database and revision; /metrics counts accepted, refused, deleted, tombstones."""
    assert requests.get(f"{collector.url}/healthz", timeout=10).json()["revision"] == "0001"
    client = str(uuid.uuid4())
    requests.post(f"{collector.url}/v1/report", data=json.dumps(make_report(client_id=client)), headers=JSON,
                  timeout=10)
    requests.post(f"{collector.url}/v1/report", data="{", headers=JSON, timeout=10)
    requests.delete(f"{collector.url}/v1/clients/{client}", timeout=10)
    answer = requests.get(f"{collector.url}/metrics", timeout=10)
    assert answer.headers["content-type"].startswith("text/plain")
    lines = set(answer.text.splitlines())
    assert {"usage_collector_reports_accepted_total 1", 'usage_collector_reports_refused_total{reason="not_json"} 1',
            "usage_collector_deletion_requests_total 1", "usage_collector_reports_deleted_total 1",
            "usage_collector_tombstones 1", "usage_collector_reports_stored 0"} <= lines


def test_retention_deletes_old_reports_and_keeps_recent_ones(collector):
    """Reports received more than retain_days ago go; the others stay."""
    from sqlalchemy import text

    from usage_consent.collector._retention import purge_expired

    for _ in range(2):
        requests.post(f"{collector.url}/v1/report", data=json.dumps(make_report()), headers=JSON, timeout=10)
    db = collector.database()
    with db.write() as conn:
        old = conn.execute(text("SELECT session_id FROM reports LIMIT 1")).scalar_one()
        for table in ("reports", "report_pairs"):
            conn.execute(text(f"UPDATE {table} SET received_ms = received_ms - :ago WHERE session_id = :id"),
                         {"ago": 366 * 86_400_000, "id": old})
    assert purge_expired(db, 365) == 1
    db.dispose()
    assert collector.count("reports") == 1 and collector.count("report_pairs") == 1


def test_the_openapi_description_names_every_endpoint(collector):
    """FastAPI's OpenAPI description lists the five operations and the refusals of /v1/report."""
    described = requests.get(f"{collector.url}/openapi.json", timeout=10).json()
    assert {"/v1/report", "/v1/clients/{client_id}", "/v1/map", "/map", "/healthz", "/metrics"} <= set(
        described["paths"])
    assert {"400", "413", "415", "422", "410"} <= set(described["paths"]["/v1/report"]["post"]["responses"])


def _cut_within(url: str, request: bytes, trickle: bytes, limit: float) -> float:
    """Send ``request`` then one byte of ``trickle`` every 0.2 s; how long until the server closes."""
    host, port = url.removeprefix("http://").split(":")
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=limit) as sock:
        sock.sendall(request)
        for byte in trickle:
            try:
                sock.sendall(bytes((byte,)))
            except OSError:
                break
            sock.settimeout(0.2)
            try:
                if sock.recv(1000) == b"":
                    break
            except TimeoutError:
                pass
            except OSError:
                break
            assert time.monotonic() - started < limit, "the trickling connection was not cut"
    return time.monotonic() - started


@pytest.mark.parametrize("part", ["headers", "body"])
def test_a_trickling_connection_is_cut_by_the_request_timeout(start_collector, part):
    """Headers or body arriving one byte at a time: the connection is cut after --request-timeout,
    and the collector keeps answering others."""
    collector = start_collector(request_timeout_s=1.0)
    body = json.dumps(make_report()).encode()
    if part == "headers":
        start, trickle = b"POST /v1/report HTTP/1.1\r\n", b"X-Slow: " + b"a" * 1000
    else:
        start = b"POST /v1/report HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
        start, trickle = start % len(body), body
    took = _cut_within(collector.url, start, trickle, limit=20)
    assert took < 5, f"cut after {took:.1f} s"
    assert requests.get(f"{collector.url}/healthz", timeout=10).status_code == 200
    assert collector.count("reports") == 0


def test_migrate_brings_an_empty_database_up_to_date_once(db_url, tmp_path):
    """`collector migrate` creates the tables the first time and says it is up to date the second."""
    first = subprocess.run([str(BIN), "collector", "migrate", "--db", db_url], capture_output=True, text=True,
                           timeout=120, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "database migrated from revision (empty) to 0001"
    again = subprocess.run([str(BIN), "collector", "migrate", "--db", db_url], capture_output=True, text=True,
                           timeout=120, cwd=tmp_path)
    assert again.stdout.strip() == "database already at revision 0001 (the newest)"


@pytest.mark.parametrize(("args", "message"), [
    (["migrate", "--db", "mysql://h/db"], "--db must be sqlite:///PATH or postgresql://...; got 'mysql://h/db'"),
    (["serve", "--min-clients", "0"], "--min-clients must be at least 1; got 0"),
    (["serve", "--max-body", "-5"], "--max-body must be at least 1; got -5"),
    (["serve", "--port", "x"], "argument --port: invalid int value: 'x'"),
], ids=["unknown-database", "k-zero", "negative-cap", "port-not-a-number"])
def test_bad_options_get_one_line_and_exit_2(tmp_path, args, message):
    """A bad option is one line on stderr naming it and what is accepted; nothing starts."""
    done = subprocess.run([str(BIN), "collector", *args], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_api_reference_page_is_the_one_the_openapi_description_writes():
    """docs/reference/collector-api.md is exactly what `python -m usage_consent.collector._apidoc` writes."""
    from usage_consent.collector import CollectorSettings, create_app
    from usage_consent.collector._apidoc import markdown

    page = Path(__file__).resolve().parents[2] / "docs" / "reference" / "collector-api.md"
    assert page.read_text() == markdown(create_app(CollectorSettings()).openapi()), (
        "run: python -m usage_consent.collector._apidoc > docs/reference/collector-api.md")
