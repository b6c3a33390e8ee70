"""The collector (``usage-consent collector serve`` in its own process), on SQLite and, when
USAGE_CONSENT_TEST_PG_URL names a server, on a fresh PostgreSQL database:

- ingest: ms per report accepted over HTTP (4 senders, kept-alive connections), against a raw
  INSERT of the same rows (one transaction per report, as the collector does) in the same run;
- deletion: one ``DELETE /v1/clients/{id}`` among N stored reports (1M in full mode), against the
  raw ``DELETE ... WHERE client_id = ?`` of another client on the same database;
- memory: the collector's peak RSS after N stored reports (100k in full mode) are mapped and more
  are ingested, against its peak RSS right after start on an empty database."""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from benchmarks.common import Row
from benchmarks.validation import payload

PG_ENV = "USAGE_CONSENT_TEST_PG_URL"
BIN = Path(sys.executable).parent / "usage-consent"


def backends() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get(PG_ENV) else ["sqlite"]


@contextlib.contextmanager
def fresh_database(backend: str) -> Iterator[tuple[str, str]]:
    """(folder, URL) of an empty database: a SQLite file in a temporary folder, or a new PostgreSQL
    database (dropped after)."""
    with tempfile.TemporaryDirectory() as folder:
        if backend == "sqlite":
            yield folder, f"sqlite:///{folder}/bench.sqlite3"
            return
        import psycopg

        admin = os.environ[PG_ENV]
        name = f"uc_bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        try:
            yield folder, f"{admin.rsplit('/', 1)[0]}/{name}"
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


class Served:
    """The collector serving ``db_url`` in a subprocess."""

    def __init__(self, db_url: str, folder: str) -> None:
        self.process = subprocess.Popen([str(BIN), "collector", "serve", "--db", db_url, "--port", "0",
                                         "--min-clients", "1"], cwd=folder, stderr=subprocess.PIPE, text=True)
        line = self.process.stderr.readline() if self.process.stderr else ""
        if "listening on" not in line:
            raise RuntimeError(f"the collector did not start: {line}")
        self.url = line.rsplit(" ", 1)[1].strip()

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)


def _report(client_id: str | None = None) -> dict:
    report = payload()
    if client_id:
        report["client_id"] = client_id
    return report


def _send_all(url: str, bodies: list[bytes], senders: int = 4) -> float:
    """Seconds to have every body accepted, ``senders`` threads each on one kept-alive connection."""
    import requests

    failures: list[int] = []

    def send(part: list[bytes]) -> None:
        with requests.Session() as http:
            for body in part:
                answer = http.post(f"{url}/v1/report", data=body, headers={"Content-Type": "application/json"})
                if answer.status_code != 200:
                    failures.append(answer.status_code)

    threads = [threading.Thread(target=send, args=(bodies[n::senders],)) for n in range(senders)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(f"{len(failures)} reports refused: {sorted(set(failures))}")
    return time.perf_counter() - started


def _rows(report: dict, received: int) -> tuple[dict, list[dict]]:
    row = {"session_id": report["session_id"], "client_id": report["client_id"], "schema_version": 2,
           "received_ms": received, "body": json.dumps(report, sort_keys=True, separators=(",", ":"))}
    pairs = [{"session_id": report["session_id"], "position": 0, "client_id": report["client_id"],
              "received_ms": received, "source": "aws:us-east-1", "destination": "gcp:us-west1",
              "throughput_gbits": 1.0}]
    return row, pairs


def _raw_inserts(db, reports: list[dict]) -> float:
    """Seconds to INSERT the same rows directly, one transaction per report."""
    from usage_consent.collector._tables import report_pairs
    from usage_consent.collector._tables import reports as table

    started = time.perf_counter()
    for report in reports:
        row, pairs = _rows(report, int(time.time() * 1000))
        with db.write() as conn:
            conn.execute(table.insert(), row)
            conn.execute(report_pairs.insert(), pairs)
    return time.perf_counter() - started


def _fill(db, count: int) -> list[str]:
    """``count`` stored reports of count/4 clients, inserted in bulk; returns the clients."""
    from usage_consent.collector._tables import report_pairs, reports

    now = int(time.time() * 1000)
    clients = [str(uuid.uuid4()) for _ in range(max(1, count // 4))]
    for start in range(0, count, 20_000):
        made = [_rows(_report(clients[n % len(clients)]), now) for n in range(start, min(count, start + 20_000))]
        with db.write() as conn:
            conn.execute(reports.insert(), [row for row, _ in made])
            conn.execute(report_pairs.insert(), [pair for _, pairs in made for pair in pairs])
    return clients


def _deletions(served: Served, db, clients: list[str], tries: int) -> tuple[float, float]:
    """Median seconds of one DELETE over HTTP, and of the raw DELETEs of another client."""
    import requests
    from sqlalchemy import text

    ours, raw = [], []
    for ours_id, raw_id in zip(clients[: 2 * tries: 2], clients[1: 2 * tries: 2], strict=True):
        started = time.perf_counter()
        answer = requests.delete(f"{served.url}/v1/clients/{ours_id}", timeout=300)
        ours.append(time.perf_counter() - started)
        if answer.status_code != 200 or answer.json()["deleted"] < 1:
            raise RuntimeError(f"deletion failed: {answer.status_code} {answer.text[:200]}")
        started = time.perf_counter()
        with db.write() as conn:
            conn.execute(text("DELETE FROM report_pairs WHERE client_id = :c"), {"c": raw_id})
            conn.execute(text("DELETE FROM reports WHERE client_id = :c"), {"c": raw_id})
        raw.append(time.perf_counter() - started)
    return statistics.median(ours), statistics.median(raw)


def _backend(backend: str, folder: str, url: str, quick: bool) -> list[Row]:
    """One collector process on an empty database: idle memory, ingest, then N stored reports for
    the deletion and memory figures."""
    import requests

    from usage_consent.collector._db import connect

    sent, stored, tries = (100, 5_000, 3) if quick else (5_000, 1_000_000, 9)
    served = Served(url, folder)
    db = connect(url)
    try:
        requests.get(f"{served.url}/v1/map", timeout=60)
        idle = served.peak_rss_mb()
        _send_all(served.url, [json.dumps(_report()).encode() for _ in range(20)])  # warm up
        took = _send_all(served.url, [json.dumps(_report()).encode() for _ in range(sent)])
        baseline = _raw_inserts(db, [_report() for _ in range(sent)])
        clients = _fill(db, stored)
        deletion, raw_deletion = _deletions(served, db, clients, tries)
        mapped = requests.get(f"{served.url}/v1/map", params={"days": 365}, timeout=900).json()
        if mapped["pairs"][0]["transfers"] < stored // 2:
            raise RuntimeError(f"the map misses stored reports: {str(mapped)[:200]}")
        _send_all(served.url, [json.dumps(_report()).encode() for _ in range(100)])
        peak = served.peak_rss_mb()
    finally:
        served.stop()
        db.dispose()
    return [
        Row(f"collector ingest, {backend}", took / sent * 1000, baseline / sent * 1000, "ms/report",
            note=f"{sent / took:.0f} reports/s accepted over HTTP (4 senders) vs {sent / baseline:.0f}/s raw "
                 "INSERT, one transaction per report"),
        Row(f"collector deletion among {stored:,} reports, {backend}", deletion * 1000, raw_deletion * 1000, "ms",
            note="DELETE /v1/clients/{id} (4 reports) vs the raw DELETEs of another client"),
        Row(f"collector peak memory, {stored:,} reports, {backend}", peak, idle, "MiB",
            note="after mapping them all (days=365) and ingesting 100 more; baseline: just started, empty"),
    ]


def run(quick: bool) -> list[Row]:
    rows = []
    for backend in backends():
        with fresh_database(backend) as (folder, url):
            rows.extend(_backend(backend, folder, url, quick))
    return rows
