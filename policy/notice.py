"""The notice: what is collected (from the current schema's descriptions), how to opt out,
where every report is kept, and what changed since the version the user last saw."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any, TextIO

from usage_consent.policy.model import Policy
from usage_consent.policy.paths import expand, records_dir
from usage_consent.policy.state import StateFile, shown_version_in
from usage_consent.schemas.errors import UsageConsentError

log = logging.getLogger("usage_consent")


def schemas_root(policy: Policy) -> Path | None:
    return Path(expand(policy.schemas_dir)) if policy.schemas_dir else None


def status(policy: Policy, state: dict[str, Any] | None = None) -> dict[str, Any]:
    """Whether the notice is still to be shown: ``{would_show, shown_version, current_version}``
    (from ``state``, the state file's contents, when the caller has already read them)."""
    from usage_consent.schemas.versions import current_version

    current = current_version(policy.schema_name, schemas_root(policy))
    try:
        data = StateFile(expand(policy.state_file)).read() if state is None else state
    except UsageConsentError:
        data = {}
    shown = shown_version_in(data, policy.schema_name)
    due = policy.notice.enabled and (shown is None or shown < current)
    return {"would_show": due, "shown_version": shown, "current_version": current}


def render(policy: Policy, since: int | None = None) -> str:
    """The notice for the current schema version; with ``since``, what changed after that version."""
    from usage_consent.schemas.diff import diff, fields
    from usage_consent.schemas.registry import load

    root, name = schemas_root(policy), policy.schema_name
    current = load(name, None, root)
    version = current["properties"]["schema_version"]["const"]
    listed = fields(current)
    width = min(max(len(path) for path in listed), 34)
    lines = [f"== {policy.notice.title} ({name} v{version}) ==", "",
             policy.notice.body.strip("\n").replace("{record_dir}", records_dir(policy.app)), "",
             f"What is collected ({name} v{version}):"]
    lines += [f"  {path.ljust(width)}  {description}" for path, (description, _) in listed.items()]
    if since is not None and since < version:
        try:
            changes = diff(load(name, since, root), current)
        except UsageConsentError:
            changes = None
        lines += ["", f"Changed since v{since}, the version you were last shown:"]
        lines += changes.lines() if changes else ["  (the list of changes is not available)"]
    return "\n".join(lines) + "\n"


def show(policy: Policy, how: str, stream: TextIO | None = None) -> dict[str, Any]:
    """Print the notice (to stderr by default) and record that it was shown."""
    from usage_consent.schemas.registry import schema_fingerprint

    before = status(policy)
    text = render(policy, before["shown_version"])
    (stream or sys.stderr).write(text)
    (stream or sys.stderr).flush()
    version = before["current_version"]
    try:
        fingerprint = schema_fingerprint(policy.schema_name, version, schemas_root(policy))
        StateFile(expand(policy.state_file)).record_notice(policy.schema_name, version, fingerprint, how)
    except (OSError, UsageConsentError) as error:
        log.warning("the notice was shown but could not be recorded: %s", error)
    return {"shown": True, "version": version, "since": before["shown_version"]}
