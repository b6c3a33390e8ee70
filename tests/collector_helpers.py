"""Helpers shared by the collector's tests (tests/collector/), imported by name (tests/ is on sys.path)."""

from __future__ import annotations

import uuid
from typing import Any


def make_report(version: int = 2, client_id: str | None = None, **fields: Any) -> dict[str, Any]:
    report: dict[str, Any] = {
        "schema_version": version, "client_id": client_id or str(uuid.uuid4()), "session_id": str(uuid.uuid4()),
        "tool_version": "0.3.2", "python_version": "3.11.2", "os": "linux", "command": "cp",
        "source": {"provider": "aws", "region": "us-east-1"}, "session_start_timestamp_ms": 1_700_000_000_000,
        "options": {"recursive": False, "multipart": True, "max_instances": 2, "solver": "direct"},
        "stats": {"throughput_gbits": 2.0, "runtime_s": 3.0, "bytes_transferred": 10, "objects_transferred": 1},
    }
    if version == 1:
        report["destination"] = {"provider": "gcp", "region": "us-central1"}
    else:
        report["destinations"] = [{"provider": "gcp", "region": "us-central1"}]
    report.update(fields)
    return report


class CollectorProcess:
    """``usage-consent collector serve`` in a subprocess on 127.0.0.1 (``port=0``: a free port, read
    from the line it prints once it listens); stopped with SIGTERM."""

    def __init__(self, db_url: str, cwd: str, port: int = 0, *options: str) -> None:
        import subprocess
        import sys
        from pathlib import Path

        command = [str(Path(sys.executable).parent / "usage-consent"), "collector", "serve", "--db", db_url,
                   "--port", str(port), *options]
        self.process = subprocess.Popen(command, cwd=cwd, stderr=subprocess.PIPE, text=True)
        assert self.process.stderr is not None
        line = self.process.stderr.readline()
        assert "listening on http://" in line, f"the collector did not start: {line}"
        self.url = line.rsplit(" ", 1)[1].strip()
        self.port = int(self.url.rsplit(":", 1)[1])

    @property
    def report_url(self) -> str:
        return f"{self.url}/v1/report"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)
        if self.process.stderr is not None:
            self.process.stderr.close()


def rows_of(db_url: str, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    """The rows ``sql`` selects from the collector's database."""
    from sqlalchemy import text

    from usage_consent.collector._db import connect

    db = connect(db_url)
    try:
        with db.read() as conn:
            return [tuple(row) for row in conn.execute(text(sql), params)]
    finally:
        db.dispose()
