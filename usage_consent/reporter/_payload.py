"""One report's fields: what the host gives, what the library fills in, and every problem with it.

The library fills in only what the host did not give (``tool_version``, ``python_version``,
``os``, ``session_start_timestamp_ms``). Three fields are the library's alone (``OWNED``); a host
that gives one gets an invalid report naming the field, never a silent overwrite.
"""

from __future__ import annotations

import sys

from usage_consent._run import now_ms
from usage_consent.schemas._packaged_checks import packaged_check  # imported here, by the caller (see schema_problems)

TYPE_CHECKING = False  # not typing's: a process that records a report must not pay for it
if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path
    from typing import Any

    from usage_consent.policy import Policy

OWNED = ("client_id", "schema_version", "session_id")
OS_FAMILIES = {"linux": "linux", "darwin": "darwin", "win32": "windows", "cygwin": "windows"}


def _plain(value: Any) -> Any:
    return value.model_dump(exclude_none=True) if hasattr(value, "model_dump") else value


def host_fields(*parts: Any) -> dict[str, Any]:
    """The host's fields, merged left to right from mappings or pydantic models; None values dropped."""
    merged: dict[str, Any] = {}
    for part in parts:
        merged.update(_plain(part) if hasattr(part, "model_dump") else dict(part or {}))
    return {key: _plain(value) for key, value in merged.items() if value is not None}


def build(host: Mapping[str, Any], *, client_id: str | None, session_id: str | None, schema_version: int,
          started_ms: int) -> dict[str, Any]:
    """The report: the library's defaults, then the host's fields, then the owned fields."""
    defaults = {"tool_version": "unknown", "python_version": python_version(),
                "os": OS_FAMILIES.get(sys.platform, "other"), "session_start_timestamp_ms": started_ms}
    return {**defaults, **host, "schema_version": schema_version, "client_id": client_id, "session_id": session_id}


def python_version() -> str:
    """``major.minor.micro`` of this interpreter (platform.python_version() without its release
    level: a pre-release's "3.13.0rc1" would break the schema's pattern; and no platform import)."""
    return ".".join(str(part) for part in sys.version_info[:3])


def owned_problems(host: Mapping[str, Any]) -> list[str]:
    """A problem for each field the host gave that only usage-consent fills in."""
    return [f"{key}: filled in by usage-consent; a host may not give it (got {host[key]!r:.60})"
            for key in OWNED if key in host]


def _accepted(report: Mapping[str, Any], schema_name: str, root: Path | str | None) -> bool:
    """Whether the packaged schema's generated check of the version ``report`` names accepts it
    (False for a host's schema: ``root`` given)."""
    check = packaged_check(schema_name, report.get("schema_version"), root)
    return check is not None and check(report)


def schema_problems(report: Mapping[str, Any], schema_name: str, root: Path | str | None) -> list[str]:
    """Every way ``report`` breaks schema ``schema_name`` (the version it names; ``root``: the host's
    schemas folder, None: the packaged one), each with its JSON path: none when the packaged schema's
    generated check accepts it, else the plain validator's answer where the schema is within its subset,
    jsonschema's otherwise (schemas/_report_check.py). The generated check is imported with this module,
    on the thread that imports the reporter; the rest (schemas/_report_check.py and the plain validator)
    by ``prepare_check`` on the thread that makes a report the check refuses, not by the write lane's
    thread when it checks that report: a process forked while that thread was importing them would find
    them half initialized for ever."""
    if _accepted(report, schema_name, root):
        return []
    from usage_consent.schemas._report_check import report_problems  # loaded by prepare_check

    return report_problems(dict(report), schema_name, report.get("schema_version"), root)


def prepare_check(report: Mapping[str, Any], schema_name: str, root: Path | str | None) -> None:
    """On the thread that makes the report: import what ``schema_problems`` will need for it beyond the
    packaged schema's generated check (for a report that check refuses, or a host's schema: the report's
    check and the plain validator), so that the lane's thread imports nothing."""
    if not _accepted(report, schema_name, root):
        from usage_consent.schemas._report_check import prepare

        prepare(report, schema_name, report.get("schema_version"), root)


def non_finite_problems(data: Any, path: str = "") -> list[str]:
    """A problem for each NaN or infinity in a report: they are not JSON, so such a report is invalid."""
    if isinstance(data, float) and data - data != 0:  # an infinity or NaN (math.isfinite, without math)
        return [f"{path or '(top level)'}: {data} is not a finite number (NaN and infinities are not JSON)"]
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list | tuple) else ()
    return [problem for key, value in items
            for problem in non_finite_problems(value, f"{path}.{key}" if path else str(key))]


def problems(host: Mapping[str, Any], report: Mapping[str, Any], schema_name: str,
             root: Path | str | None) -> list[str]:
    return sorted(owned_problems(host) + non_finite_problems(report) + schema_problems(report, schema_name, root))


def validate_report(fields: Any = None, policy: Policy | None = None, **more: Any) -> list[str]:
    """Every problem a host's report would have, each with its JSON path
    (``options.solver: 'x' is not one of [...]``); ``[]`` when it is valid. Synchronous; writes
    and sends nothing. ``fields`` is what the host would pass to ``session.report()``."""
    from usage_consent.policy import embedded_policy
    from usage_consent.policy._notice_state import schemas_root
    from usage_consent.reporter._identity import new_id
    from usage_consent.schemas._versions import current_version

    policy = embedded_policy() if policy is None else policy
    host, root = host_fields(fields, more), schemas_root(policy)
    report = build(host, client_id=new_id(), session_id=new_id(),
                   schema_version=current_version(policy.schema_name, root), started_ms=now_ms())
    return problems(host, report, policy.schema_name, root)


__all__ = [
    "OWNED",
    "build",
    "host_fields",
    "non_finite_problems",
    "owned_problems",
    "prepare_check",
    "problems",
    "python_version",
    "schema_problems",
    "validate_report",
]
