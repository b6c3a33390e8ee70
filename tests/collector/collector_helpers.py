"""Helpers shared by the collector's tests (imported by name: pytest puts this folder on sys.path)."""

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
