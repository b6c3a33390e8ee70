"""A key of a config file in the host's format (policy/_fileformats.py), optionally in a section.

The file is where policy/_locate.py finds it: the source's ``path`` or ``paths`` (templates), its
``project`` files, the value of its ``path_variable`` when that is set and not empty (a config_file
source only: a managed file's path is fixed), else the policy's ``config_file``. A location that
does not resolve counts as ``on_unresolved`` says. A ``mode_line`` value may carry a date: with
``as_of``, "on" is ``as_of.until`` until ``as_of.days`` full days have passed since it (UTC).
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING, Any, NamedTuple

from usage_consent._locations import Locations
from usage_consent._run import current
from usage_consent.errors import ConfigAmbiguousError, ConfigFileError
from usage_consent.policy._fileformats import (
    FORMATS,
    MODE_LINE_DATE,
    MODE_LINE_VALUE,
    UNSET,
    accepted,
    conservative,
    file_format,
    lookup,
    options_of,
    parse_value,
    read_mapping,
    section_name,
)
from usage_consent.policy._locate import Located, locate, location_inputs
from usage_consent.policy._model import AsOf, ConfigFileSource, FileFormat, ManagedSource, Mode, Policy
from usage_consent.policy._sources.base import Inputs, Reading, clip, invalid

if TYPE_CHECKING:
    from usage_consent._context import Context

__all__ = ["FileReading", "config_target", "file_inputs", "file_path", "read_config_file", "read_file_value",
           "target_spec"]

FileSpec = ConfigFileSource | ManagedSource


def file_path(policy: Policy, spec: FileSpec, where: Locations | None = None) -> str:
    """The expanded path this source reads now (``where``: the decision's locations; by default
    those of the run configuration in use); ConfigFileError when it does not resolve now."""
    found = locate(policy, spec, where or Locations(policy, current()))
    if found.path is None:
        raise ConfigFileError(f"source {spec.name!r}: its file does not resolve now: {found.why}", layer=spec.name,
                              path=None)
    return found.path


def target_spec(policy: Policy) -> ConfigFileSource:
    """The source ``config get`` reads and ``config set`` writes first (other config files that would
    still decide get the change too, see config_write.py): the first config_file source with
    ``writable = true``, else the first config_file source, else the policy's ``config_file`` as JSON."""
    files = [s for s in policy.sources if isinstance(s, ConfigFileSource)]
    chosen = next((s for s in files if s.writable), files[0] if files else None)
    return chosen or ConfigFileSource.model_construct(kind="config_file", name="config_file")


def config_target(policy: Policy, where: Locations | None = None) -> tuple[str, str]:
    """The file and key that ``config set`` writes."""
    spec = target_spec(policy)
    return file_path(policy, spec, where), spec.key or policy.key


class FileReading(NamedTuple):
    """What one file source found: where, the raw value, its mode, and why it is not usable."""

    path: str
    fmt: FileFormat
    key: str
    location: str
    data: dict[str, Any] | None
    raw: str | None = None
    value: object = UNSET
    mode: str | None = None
    problem: ConfigFileError | None = None
    unreadable: bool = False
    notes: tuple[str, ...] = ()
    date: str | None = None  # a mode_line value's date

def read_file_value(policy: Policy, spec: FileSpec, where: Locations | None = None,
                    located: Located | None = None) -> FileReading:
    where = where or Locations(policy, current())
    display = where.display
    located = located or locate(policy, spec, where)
    path = located.path or ""
    fmt = file_format(path, spec.format)
    key, location = _key_and_location(policy, spec, fmt, display(path))
    options = options_of(spec)
    section = section_name(spec.section, options.ini) if spec.section else None
    notes = located.notes
    try:
        data = read_mapping(path, fmt, layer=spec.name, unique=(spec.section, key) if spec.section else (key,),
                            options=options)
        value = UNSET if data is None else lookup(data, section, key, fmt)
    except ConfigFileError as error:
        problem = error
        if error.path is None:  # the section is not a table
            problem = ConfigFileError(f"{display(path)}: {error.message}", layer=spec.name, path=path, key=key)
        unreadable = not isinstance(error, ConfigAmbiguousError)  # ambiguous is invalid, never "unset"
        return FileReading(path, fmt, key, location, None, problem=problem, unreadable=unreadable, notes=notes)
    if value is UNSET or value is None:  # a JSON null is unset
        return FileReading(path, fmt, key, location, data, "null" if value is None else None, notes=notes)
    accept_local = getattr(spec, "accept_local", True)
    value = conservative(value, lambda item: parse_value(item, fmt, accept_local))
    text = isinstance(value, str) and FORMATS[fmt].words is not None  # a text format's value: as written
    raw = clip(str(value) if text else json.dumps(value, ensure_ascii=False))
    mode = parse_value(value, fmt, accept_local)
    date = data.get(MODE_LINE_DATE) if fmt == "mode_line" and data else None
    if mode is None:
        bad = _bad_value(spec, fmt, key, display(path), path, value, raw, accept_local)
        return FileReading(path, fmt, key, location, data, raw, value, problem=bad, notes=notes)
    return FileReading(path, fmt, key, location, data, raw, value, mode, notes=notes, date=date)


def _key_and_location(policy: Policy, spec: FileSpec, fmt: FileFormat, shown: str) -> tuple[str, str]:
    """The key read (a mode_line file has one value) and the location the trace shows."""
    key = MODE_LINE_VALUE if fmt == "mode_line" else spec.key or policy.key
    shown_key = "" if fmt == "mode_line" else f": {spec.section + '.' if spec.section else ''}{key}"
    return key, f"{shown}{shown_key}"


def _bad_value(spec: FileSpec, fmt: FileFormat, key: str, shown: str, path: str, value: object, raw: str,
               accept_local: bool) -> ConfigFileError:
    """The error of a value the format does not accept, naming the file, the key and what is accepted."""
    allowed = accepted(fmt, accept_local)
    in_section = f"[{spec.section}] " if spec.section else ""
    named = "its value" if fmt == "mode_line" else f"{in_section}key {key!r}"
    return ConfigFileError(f"{shown}: {named} must be {allowed}; got {raw}",
                           layer=spec.name, path=path, key=key, value=value, accepted=allowed)


def file_inputs(policy: Policy, spec: FileSpec) -> Inputs:
    """Where the file is (policy/_locate.py); a date read with ``as_of`` makes it volatile (today)."""
    found = location_inputs(policy, spec)
    return found + Inputs(volatile=True) if getattr(spec, "as_of", None) is not None else found


def read_config_file(context: Context, spec: FileSpec) -> Reading:
    """The key of the file, as a Reading; the file's contents are kept as what it parsed: the
    endpoints are read from it too."""
    located = locate(context.policy, spec, context.locations)
    if located.path is None:
        return _unresolved(spec, located)
    found = read_file_value(context.policy, spec, context.locations, located)
    parsed = found.data
    if found.problem is None:
        mode, notes = _as_of(getattr(spec, "as_of", None), found.mode, found.date, context)  # type: ignore[arg-type]
        return Reading(spec.name, spec.kind, found.location, found.raw, mode, parsed=parsed, path=found.path,
                       notes=found.notes + notes)
    if found.unreadable and getattr(spec, "on_unreadable", "invalid") == "unset":
        reason = f"{found.problem.message}; counted as unset"
        return Reading(spec.name, spec.kind, found.location, None, reason=reason, parsed=parsed, path=found.path,
                       notes=found.notes)
    problem = found.problem
    return replace(invalid(spec, found.location, found.raw, problem.message, path=found.path, key=found.key,
                           bad=problem.value, accepted=problem.accepted, parsed=parsed), notes=found.notes)


def _unresolved(spec: FileSpec, located: Located) -> Reading:
    """A location that does not resolve, as ``on_unresolved`` says: unset, invalid, or a mode."""
    rule = spec.on_unresolved
    location = "(unresolved) " + " | ".join(spec.templates() or ("path",))
    reason = f"its file does not resolve: {located.why}"
    if rule == "invalid":
        return replace(invalid(spec, location, None, f"source {spec.name!r}: {reason}", key="path"),
                       notes=located.notes)
    mode: Mode | None = None if rule == "unset" else rule
    return Reading(spec.name, spec.kind, location, None, mode, reason=reason, notes=located.notes)


def _as_of(rule: AsOf | None, mode: Mode | None, date: str | None, context: Context) -> tuple[Mode | None,
                                                                                            tuple[str, ...]]:
    """``on`` with a date, under ``as_of``: ``until`` until ``days`` full days have passed since the
    date (UTC); the note says the date and the days left."""
    if rule is None or mode != "on":
        return mode, ()
    if date is None:
        return mode, ("as of: no date with the value: on",)
    import datetime

    today = datetime.datetime.fromtimestamp(context.run.clock(), datetime.UTC).date()
    since = datetime.date.fromisoformat(date)
    left = rule.days - (today - since).days
    if left <= 0:
        return mode, (f"as of {date}: {rule.days} days have passed (UTC): on",)
    ready = since + datetime.timedelta(days=rule.days)
    return rule.until, (f"as of {date}: {left} day{'s' if left != 1 else ''} left ({rule.until} until {ready}, UTC)",)
