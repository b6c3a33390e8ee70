"""A key of a config file in the host's format (policy/_fileformats.py), optionally in a section.

The file is where policy/_locate.py finds it: the source's ``path`` or ``paths`` (templates), its
``project`` files, the value of its ``path_variable`` when that is set and not empty (a config_file
source only: a managed file's path is fixed), else the policy's ``config_file``. A location that
does not resolve counts as ``on_unresolved`` says. A ``mode_line`` value may carry a date: with
``as_of``, "on" is ``as_of.until`` until ``as_of.days`` full days have passed since it (UTC). With
``indirection`` a string value that starts with its prefix names a variable read instead
(policy/_sources/_values.py).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from usage_consent._frozen import Frozen
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
    lookup_path,
    options_of,
    parse_value,
    read_mapping,
    section_name,
    written,
)
from usage_consent.policy._locate import Located, locate, location_inputs
from usage_consent.policy._plain import EXACT, TODAY
from usage_consent.policy._sources import _values as values
from usage_consent.policy._sources._values import equal
from usage_consent.policy._sources.base import Inputs, Reading, clip, invalid

if TYPE_CHECKING:
    from usage_consent._context import Context
    from usage_consent.policy._model import AsOf, ConfigFileSource, FileFormat, ManagedSource, Mode, Policy

    FileSpec = ConfigFileSource | ManagedSource

__all__ = ["FileReading", "config_target", "file_inputs", "file_path", "holds", "key_named", "placed",
           "read_config_file", "read_file_value", "target_spec"]

ALWAYS = "a requirement with always = true: an error whatever the other sources decide (decide exits 1)"


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
    files: list[ConfigFileSource] = [s for s in policy.sources if s.kind == "config_file"]
    chosen = next((s for s in files if s.writable), files[0] if files else None)
    if chosen is None:
        from usage_consent.policy._model import ConfigFileSource

        chosen = ConfigFileSource.model_construct(kind="config_file", name="config_file")
    return chosen


def placed(policy: Policy, spec: FileSpec) -> tuple[str | None, str] | None:
    """Where ``config set`` writes this source's key: ``[section] key``, or its key path's one or
    two steps; None for a deeper key path (it is read, never written)."""
    steps = spec.key_path
    if steps is None:
        return spec.section, spec.key or policy.key
    return (None, steps[0]) if len(steps) == 1 else (steps[0], steps[1]) if len(steps) == 2 else None


def holds(spec: FileSpec, mode: Mode, fmt: FileFormat) -> bool:
    """Whether the value ``config set`` writes for ``mode`` reads back as ``mode`` from this source:
    by its value map, else unless it is "local" where ``accept_local = false``."""
    if spec.values:
        return values.map_value(written(mode, fmt), spec.values, spec.match or TODAY).mode == mode
    return mode != "local" or getattr(spec, "accept_local", True)


def key_named(policy: Policy, spec: FileSpec) -> str:
    """The key as messages name it: its key path joined with dots, else ``key``."""
    return ".".join(spec.key_path) if spec.key_path else spec.key or policy.key


def config_target(policy: Policy, where: Locations | None = None) -> tuple[str, str]:
    """The file and key that ``config set`` writes."""
    spec = target_spec(policy)
    return file_path(policy, spec, where), key_named(policy, spec)


class FileReading(Frozen):
    """What one file source found: where, the raw value, its mode, and why it is not usable
    (``always``: a requirement with ``always = true`` is not met); the notes of its rules
    (``ignored``: the value map's explicit fail-open passed over its value)."""

    __slots__ = ("always", "data", "date", "fmt", "ignored", "key", "location", "mode", "notes", "path", "problem",
                 "raw", "unreadable", "value")
    path: str
    fmt: FileFormat
    key: str
    location: str
    data: dict[str, Any] | None
    raw: str | None
    value: object
    mode: str | None
    problem: ConfigFileError | None
    unreadable: bool
    notes: tuple[str, ...]
    date: str | None  # a mode_line value's date
    ignored: bool
    always: bool

    def __init__(self, path: str, fmt: FileFormat, key: str, location: str, data: dict[str, Any] | None,
                 raw: str | None = None, value: object = UNSET, mode: str | None = None,
                 problem: ConfigFileError | None = None, unreadable: bool = False, notes: tuple[str, ...] = (),
                 date: str | None = None, ignored: bool = False, always: bool = False) -> None:
        self._set(path=path, fmt=fmt, key=key, location=location, data=data, raw=raw, value=value, mode=mode,
                  problem=problem, unreadable=unreadable, notes=notes, date=date, ignored=ignored, always=always)


def _unmet(spec: FileSpec, data: dict[str, Any], fmt: FileFormat, shown: str) -> ConfigFileError | None:
    """The first requirement the file's contents do not meet, as an error naming the file, the key,
    the value required and the value found."""
    for need in spec.requires or ():
        found = lookup_path(data, need.key_path, fmt)
        if not equal(need.equals, found, EXACT):
            key = ".".join(need.key_path)
            got = "nothing (the key is missing)" if found is UNSET else values.shown(found)
            return ConfigFileError(f"{shown}: key {key!r} must be {values.shown(need.equals)} (the file is refused "
                                   f"otherwise); got {got}", layer=spec.name, key=key,
                                   value=None if found is UNSET else found, accepted=values.shown(need.equals))
    return None


def _unreadable(spec: FileSpec, error: ConfigFileError, found: FileReading, shown: str) -> FileReading:
    """A file that cannot be read or parsed (or whose section is not a table): unreadable, unless
    its reading is ambiguous (invalid, never "unset") or it must meet a requirement (it fails it)."""
    problem = error
    if error.path is None:  # the section is not a table
        problem = ConfigFileError(f"{shown}: {error.message}", layer=spec.name, path=found.path, key=found.key)
    if spec.requires:
        wanted = ", ".join(f"{'.'.join(need.key_path)} = {values.shown(need.equals)}" for need in spec.requires)
        problem = ConfigFileError(f"{problem.message}; it must hold {wanted}", layer=spec.name, path=found.path,
                                  key=found.key)
        return found.replace(problem=problem, always=any(need.always for need in spec.requires))
    return found.replace(problem=problem, unreadable=not isinstance(error, ConfigAmbiguousError))


def _mapped(policy: Policy, spec: FileSpec, value: object, fmt: FileFormat, raw: str) -> values.Mapped:
    """The mode ``value`` stands for: by the source's value map, else by the format's own values;
    an unrecognised value as ``on_unrecognised`` says (a managed source has none: invalid)."""
    if spec.values:
        found = values.map_value(value, spec.values, spec.match or TODAY)
    else:
        mode = parse_value(value, fmt, getattr(spec, "accept_local", True))
        found = values.Mapped(mode, recognised=mode is not None)
    if found.recognised:
        return found
    return values.unrecognised(getattr(spec, "on_unrecognised", "invalid"), policy.app, raw) or found


def _contents(spec: FileSpec, found: FileReading, shown: str) -> tuple[dict[str, Any] | None, object,
                                                                       ConfigFileError | None]:
    """The file's contents, the value at the source's key (UNSET: none), and the first requirement
    they do not meet (the value is then not looked up)."""
    options = options_of(spec)
    steps = spec.key_path
    if steps and found.fmt == "ini":
        steps = (section_name(steps[0], options.ini), *steps[1:])
    unique = steps or ((spec.section, found.key) if spec.section else (found.key,))
    data = read_mapping(found.path, found.fmt, layer=spec.name, unique=unique, options=options)
    unmet = None if data is None else _unmet(spec, data, found.fmt, shown)
    if data is None or unmet is not None:
        return data, UNSET, unmet
    if steps:
        return data, lookup_path(data, steps, found.fmt), None
    section = section_name(spec.section, options.ini) if spec.section else None
    return data, lookup(data, section, found.key, found.fmt), None

def read_file_value(policy: Policy, spec: FileSpec, where: Locations | None = None,
                    located: Located | None = None) -> FileReading:
    where = where or Locations(policy, current())
    located = located or locate(policy, spec, where)
    shown = where.display(path := located.path or "")
    fmt = file_format(path, spec.format)
    key, location = _key_and_location(policy, spec, fmt, shown)
    found = FileReading(path, fmt, key, location, None, notes=located.notes)
    try:
        data, value, unmet = _contents(spec, found, shown)
    except ConfigFileError as error:
        return _unreadable(spec, error, found, shown)
    found = found.replace(data=data)
    if unmet is not None:
        problem = ConfigFileError(unmet.message, layer=spec.name, path=path, key=unmet.key, value=unmet.value,
                                  accepted=unmet.accepted)
        return found.replace(problem=problem, always=any(need.always for need in spec.requires or ()))
    if value is UNSET or (value is None and not spec.values):  # a JSON null is unset (without a value map)
        return found.replace(raw="null" if value is None else None)
    rule = getattr(spec, "indirection", None)
    value = conservative(value, lambda item: _mapped(policy, spec, values.indirect(item, rule)[0], fmt, "").mode)
    raw = _raw(value, fmt)
    value, read = values.indirect(value, rule)  # the variable a value names, read instead
    got = f"{_raw(value, fmt)} ({read[0]})" if read else raw
    mapped = _mapped(policy, spec, value, fmt, got)
    date = data.get(MODE_LINE_DATE) if fmt == "mode_line" and data else None
    found = found.replace(raw=raw, value=value, notes=found.notes + read)
    if not mapped.recognised:
        return found.replace(problem=_bad_value(policy, spec, found, shown, value, got))
    return found.replace(mode=mapped.mode, notes=found.notes + mapped.notes, date=date, ignored=mapped.ignored)


def _raw(value: object, fmt: FileFormat) -> str:
    """A value as the trace shows it: a text format's string as written, any other value as JSON."""
    text = isinstance(value, str) and FORMATS[fmt].words is not None
    return clip(str(value) if text else json.dumps(value, ensure_ascii=False))


def _key_and_location(policy: Policy, spec: FileSpec, fmt: FileFormat, shown: str) -> tuple[str, str]:
    """The key read (a mode_line file has one value) and the location the trace shows."""
    if spec.key_path:
        return spec.key_path[-1], f"{shown}: {key_named(policy, spec)}"
    key = MODE_LINE_VALUE if fmt == "mode_line" else spec.key or policy.key
    shown_key = "" if fmt == "mode_line" else f": {spec.section + '.' if spec.section else ''}{key}"
    return key, f"{shown}{shown_key}"


def _bad_value(policy: Policy, spec: FileSpec, found: FileReading, shown: str, value: object,
               raw: str) -> ConfigFileError:
    """The error of a value neither the value map nor the format accepts, naming the file, the key
    and what is accepted."""
    allowed = (values.accepted_entries(spec.values) + values.described(spec.match or TODAY) if spec.values
               else accepted(found.fmt, getattr(spec, "accept_local", True)))
    in_section = f"[{spec.section}] " if spec.section else ""
    named = "its value" if found.fmt == "mode_line" else f"{in_section}key {key_named(policy, spec)!r}"
    return ConfigFileError(f"{shown}: {named} must be {allowed}; got {raw}",
                           layer=spec.name, path=found.path, key=found.key, value=value, accepted=allowed)


def file_inputs(policy: Policy, spec: FileSpec) -> Inputs:
    """Where the file is (policy/_locate.py); a date read with ``as_of`` (today) or a variable named
    by the file's value (``indirection``: the cache cannot declare it) makes it volatile."""
    found = location_inputs(policy, spec)
    volatile = any(getattr(spec, name, None) is not None for name in ("as_of", "indirection"))
    return found + Inputs(volatile=True) if volatile else found


def read_config_file(context: Context, spec: FileSpec) -> Reading:
    """The key of the file, as a Reading; the file's contents are kept as what it parsed: the
    endpoints are read from it too."""
    located = locate(context.view, spec, context.locations)
    if located.path is None:
        return _unresolved(spec, located)
    found = read_file_value(context.view, spec, context.locations, located)
    parsed = found.data
    if found.problem is None:
        mode, notes = _as_of(getattr(spec, "as_of", None), found.mode, found.date, context)  # type: ignore[arg-type]
        return Reading(spec.name, spec.kind, found.location, found.raw, mode, parsed=parsed, path=found.path,
                       notes=found.notes + notes, status="ignored" if found.ignored else None)
    if found.unreadable and getattr(spec, "on_unreadable", "invalid") == "unset":
        reason = f"{found.problem.message}; counted as unset"
        return Reading(spec.name, spec.kind, found.location, None, reason=reason, parsed=parsed, path=found.path,
                       notes=found.notes)
    problem = found.problem
    return invalid(spec, found.location, found.raw, problem.message, path=found.path, key=found.key,
                   bad=problem.value, accepted=problem.accepted, parsed=parsed,
                   notes=found.notes + ((ALWAYS,) if found.always else ()), rule="always" if found.always else None)


def _unresolved(spec: FileSpec, located: Located) -> Reading:
    """A location that does not resolve, as ``on_unresolved`` says: unset, invalid, or a mode."""
    rule = spec.on_unresolved
    location = "(unresolved) " + " | ".join(spec.templates() or ("path",))
    reason = f"its file does not resolve: {located.why}"
    if rule == "invalid":
        return invalid(spec, location, None, f"source {spec.name!r}: {reason}", key="path").replace(
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
