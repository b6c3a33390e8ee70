"""Off while the user has not been shown the notice for the current schema version; or, with a
host's own first-run ``marker`` (``show = false``), off until that marker holds."""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from usage_consent.errors import ConfigFileError, UsageConsentError
from usage_consent.policy._fileformats import (
    MODE_LINE_VALUE,
    UNSET,
    Repeated,
    file_format,
    lookup,
    options_of,
    read_mapping,
    section_name,
)
from usage_consent.policy._locate import locate, location_inputs
from usage_consent.policy._notice_state import notice_state, read_notice_state
from usage_consent.policy._sources.base import Inputs, Reading, clip, invalid, reading
from usage_consent.policy._state import StateFile

if TYPE_CHECKING:
    from usage_consent._context import Context
    from usage_consent.policy._model import NoticeMarker, NoticeSource, Policy

__all__ = ["marker_inputs", "notice_inputs", "read_marker", "read_notice"]


def notice_inputs(policy: Policy, spec: object = None) -> Inputs:
    """What the notice rule reads, with or without a notice source (the decision's ``notice`` is
    read from them): the state file, and a host's own schemas folder (it can gain a version while
    we run)."""
    if policy.schemas_dir:
        return Inputs(files=(policy.state_file, os.path.join(policy.schemas_dir, policy.schema_name)))
    return Inputs(files=(policy.state_file,))


def read_notice(context: Context, spec: NoticeSource) -> Reading:
    """The state file's record of the notice, read once; the NoticeState made of it is what this
    reading parsed (the decision's ``notice``)."""
    policy, where = context.view, context.locations
    path = where.state_file
    name = policy.schema_name
    if not policy.notice.enabled:
        return reading(spec, "policy: notice.enabled", "false", None, "the policy shows no notice")
    try:
        state = notice_state(policy, StateFile(path, where).read(), where)
    except UsageConsentError as error:
        reason = f"{error.message}; the notice counts as not shown"
        return invalid(spec, f"{where.display(path)}: {name}", None, reason, path=path, key=name)
    location = f"{where.display(path)}: {name} v{state.current_version}"
    if not state.due:
        return reading(spec, location, f"shown v{state.shown_version}", None, parsed=state)
    return reading(spec, location, "pending", "off", parsed=state)


def marker_inputs(policy: Policy, spec: NoticeSource) -> Inputs:
    """The state file (the decision's notice), and the host's marker file where it has one."""
    found = notice_inputs(policy, spec)
    return found + location_inputs(policy, spec.marker) if spec.marker is not None else found


def _marker_holds(context: Context, marker: NoticeMarker) -> tuple[bool, str, tuple[str, ...]]:
    """Whether the host's marker holds, where it was looked for, and what was found (a marker that
    cannot be read does not hold)."""
    where = context.locations
    located = locate(context.view, marker, where)
    if located.path is None:
        return False, "(unresolved)", (*located.notes, f"marker: does not resolve: {located.why}")
    fmt = file_format(located.path, marker.format)
    key = MODE_LINE_VALUE if fmt == "mode_line" else marker.key or context.view.key
    in_section = f"{marker.section}." if marker.section else ""
    shown = where.display(located.path) + ("" if marker.exists else f": {in_section}{key}")
    if marker.exists:
        found = os.path.exists(located.path)
        return found, shown, (*located.notes, f"marker {'found' if found else 'not found'}: {shown}")
    options = options_of(marker)
    try:
        data = read_mapping(located.path, fmt, layer="marker", options=options)
        value = UNSET if data is None else lookup(data, section_name(marker.section, options.ini)
                                                  if marker.section else None, key, fmt)
    except ConfigFileError as error:
        return False, shown, (*located.notes, f"marker not found: {error.message}")
    value = value[-1] if isinstance(value, Repeated) else value
    found = value is not UNSET and _matches(marker, value)
    seen = "no value" if value is UNSET else f"value {clip(str(value))!r}"
    return found, shown, (*located.notes, f"marker {'found' if found else 'not found'}: {shown} ({seen})")


def _matches(marker: NoticeMarker, value: object) -> bool:
    if marker.version is not None:
        match = re.search(marker.version.pattern, value) if isinstance(value, str) else None
        return bool(match and match.group(1) and match.group(1).isdigit()
                    and int(match.group(1)) >= marker.version.at_least)
    return type(value) is type(marker.equals) and value == marker.equals


def read_marker(context: Context, spec: NoticeSource) -> Reading:
    """The notice source: with a host's marker, off ("pending") until the marker holds, then
    unset; usage-consent never shows its own notice for it. Without one: the state file's record."""
    marker = spec.marker
    if marker is None:
        return read_notice(context, spec)
    found, location, notes = _marker_holds(context, marker)
    state = read_notice_state(context.view, context.locations).replace(
        due=False, why=f"{context.view.app} shows its own notice")
    if found:
        return Reading(spec.name, spec.kind, location, "shown", None, parsed=state, notes=notes)
    reason = f"pending: {context.view.app}'s own notice has not been shown"
    return Reading(spec.name, spec.kind, location, "pending", "off", reason=reason, parsed=state, notes=notes)
