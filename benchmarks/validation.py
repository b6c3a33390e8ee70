"""One report validated with the cached compiled validator, against jsonschema.validate(); and by the
plain validator a report process uses (schemas/_plain_check.py), against the cached jsonschema one."""

from __future__ import annotations

import uuid

from benchmarks.common import Row, interleaved


def payload() -> dict:
    """A complete report of the current schema version (v2: Skyplane 0.3.2's fields)."""
    from usage_consent.schemas._versions import current_version

    return {
        "schema_version": current_version("usage_stats"),
        "client_id": str(uuid.uuid4()), "session_id": str(uuid.uuid4()),
        "tool_version": "0.3.2", "python_version": "3.11.7", "os": "linux", "command": "cp",
        "source": {"provider": "aws", "region": "us-east-1"},
        "destinations": [{"provider": "gcp", "region": "us-west1"}],
        "session_start_timestamp_ms": 1_795_000_000_000,
        "options": {"recursive": True, "multipart": False, "max_instances": 1, "solver": "direct",
                    "max_connections": 32, "debug": False, "confirm": True},
        "stats": {"monitor_status": "completed", "runtime_s": 1.0,
                  "throughput_gbits": 1.0, "bytes_transferred": 1, "objects_transferred": 1},
    }


def run(quick: bool) -> list[Row]:
    import jsonschema

    from usage_consent.schemas import _registry as registry
    from usage_consent.schemas._report_check import plain_validator

    report = payload()
    schema = registry.load("usage_stats", report["schema_version"])
    cached = registry.validator("usage_stats", report["schema_version"])
    ours, baseline = interleaved(lambda: cached.validate(report), lambda: jsonschema.validate(report, schema),
                                 rounds=3 if quick else 9, calls=5 if quick else 20)
    plain = plain_validator("usage_stats", report["schema_version"])
    assert plain is not None and plain.problems(report) == []
    fast, reference = interleaved(lambda: plain.problems(report), lambda: registry.problems(report, "usage_stats"),
                                  rounds=3 if quick else 9, calls=20 if quick else 200)
    return [Row("validate one report (cached validator)", ours * 1e6, baseline * 1e6, "us/call",
                note="baseline: jsonschema.validate() on the same schema and payload"),
            Row("validate one report (plain validator)", fast * 1e6, reference * 1e6, "us/call",
                note="baseline: registry.problems(), the cached jsonschema validator, on the same report")]
