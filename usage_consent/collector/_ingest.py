"""``POST /v1/report``'s work once the body is JSON: validate it against the released schema of
its own ``schema_version`` (the client's files, through the schema registry: the server-side
allowlist), then store it once per session_id, unless its client was deleted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from usage_consent._run import now_ms
from usage_consent.collector._db import Database, insert_if_absent, lock_client
from usage_consent.collector._tables import report_pairs, reports, tombstones
from usage_consent.collector._tombstone import client_hash
from usage_consent.errors import RequestRefused, SchemaError
from usage_consent.schemas._registry import problems as schema_problems
from usage_consent.schemas._versions import list_versions

__all__ = ["location", "pairs", "store", "validate"]


def validate(report: Any, schema_name: str, schemas_dir: str | None = None) -> int:
    """The report's schema version, or RequestRefused(422) listing every problem."""
    root = Path(schemas_dir) if schemas_dir else None
    if not isinstance(report, dict):
        raise RequestRefused(422, "invalid", "a report is a JSON object",
                             (f"(top level): not an object: {type(report).__name__}",))
    version = report.get("schema_version")
    released = list_versions(schema_name, root)
    if not isinstance(version, int) or isinstance(version, bool) or version not in released:
        raise RequestRefused(422, "invalid", "unknown schema version",
                             (f"schema_version: must be one of {released}; got {json.dumps(version)[:40]}",))
    try:
        found = schema_problems(report, schema_name, version, root)
    except SchemaError as error:  # a broken installation: not the client's fault
        raise RequestRefused(500, "schema_unusable", error.message) from None
    if found:
        raise RequestRefused(422, "invalid", f"the report breaks schema {schema_name} v{version}", tuple(found))
    return version


def location(place: dict[str, Any]) -> str:
    return f"{place['provider']}:{place['region']}"


def pairs(report: dict[str, Any]) -> list[tuple[str, str]]:
    """source -> destination once per destination (v1: ``destination``; v2 on: ``destinations``)."""
    if "destinations" in report:
        targets = report["destinations"]
    else:
        targets = [report["destination"]] if "destination" in report else []
    return [(location(report["source"]), location(target)) for target in targets]


def _throughput(report: dict[str, Any]) -> float | None:
    stats = report.get("stats")
    value = stats.get("throughput_gbits") if isinstance(stats, dict) else None
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def store(db: Database, salt: str, report: dict[str, Any], version: int) -> bool:
    """Store a validated report; True when stored now, False when this session was stored before
    (a retry: answered like the first). RequestRefused(410) for a deleted client, (409) for a
    session id already stored for another client."""
    client_id, session_id = report["client_id"], report["session_id"]
    hashed = client_hash(salt, client_id)
    received = now_ms()
    with db.write() as conn:
        lock_client(conn, hashed)
        if conn.execute(select(tombstones.c.client_hash).where(tombstones.c.client_hash == hashed)).first():
            raise RequestRefused(410, "deleted_client", "this client's data was deleted on request: "
                                 "reports under its id are no longer accepted")
        body = json.dumps(report, sort_keys=True, separators=(",", ":"))
        row = {"session_id": session_id, "client_id": client_id, "schema_version": version,
               "received_ms": received, "body": body}
        if not insert_if_absent(conn, reports, row):
            owner = conn.execute(select(reports.c.client_id).where(reports.c.session_id == session_id)).scalar()
            if owner != client_id:
                raise RequestRefused(409, "session_conflict", "this session_id is stored for another client")
            return False
        throughput = _throughput(report)
        rows = [{"session_id": session_id, "position": n, "client_id": client_id, "received_ms": received,
                 "source": source, "destination": destination, "throughput_gbits": throughput}
                for n, (source, destination) in enumerate(pairs(report))]
        if rows:
            conn.execute(report_pairs.insert(), rows)
    return True
