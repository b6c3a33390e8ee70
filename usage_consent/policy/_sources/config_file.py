"""A key of a config file in the host's format (JSON, INI or TOML), optionally in a section.

The path is the source's ``path`` (default: the policy's ``config_file``), or the value of its
``path_variable`` when that is set and not empty (a config_file source only: a managed file's path
is fixed).
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any, NamedTuple

from usage_consent._locations import Locations
from usage_consent._run import current
from usage_consent.errors import ConfigAmbiguousError, ConfigFileError
from usage_consent.policy._fileformats import UNSET, accepted, file_format, lookup, parse_value, read_mapping
from usage_consent.policy._model import ConfigFileSource, FileFormat, ManagedSource, Policy
from usage_consent.policy._sources.base import Inputs, Reading, clip, invalid

if TYPE_CHECKING:
    from usage_consent._context import Context

__all__ = ["FileReading", "config_target", "file_inputs", "file_path", "read_config_file", "read_file_value",
           "target_spec"]

FileSpec = ConfigFileSource | ManagedSource


def file_path(policy: Policy, spec: FileSpec, where: Locations | None = None) -> str:
    """The expanded path this source reads now (``where``: the decision's locations; by default
    those of the run configuration in use)."""
    variable = getattr(spec, "path_variable", None)  # a managed source has none: its path is fixed
    named = os.environ.get(variable) if variable else None
    where = where or Locations(policy, current())
    return where.path(named or spec.path or policy.config_file)


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


def read_file_value(policy: Policy, spec: FileSpec, where: Locations | None = None) -> FileReading:
    where = where or Locations(policy, current())
    display = where.display
    path = file_path(policy, spec, where)
    fmt = file_format(path, spec.format)
    key = spec.key or policy.key
    location = f"{display(path)}: {spec.section + '.' if spec.section else ''}{key}"
    try:
        data = read_mapping(path, fmt, layer=spec.name, unique=(spec.section, key) if spec.section else (key,))
        value = UNSET if data is None else lookup(data, spec.section, key, fmt)
    except ConfigFileError as error:
        problem = error
        if error.path is None:  # the section is not a table
            problem = ConfigFileError(f"{display(path)}: {error.message}", layer=spec.name, path=path, key=key)
        unreadable = not isinstance(error, ConfigAmbiguousError)  # ambiguous is invalid, never "unset"
        return FileReading(path, fmt, key, location, None, problem=problem, unreadable=unreadable)
    if value is UNSET or value is None:  # a JSON null is unset
        return FileReading(path, fmt, key, location, data, "null" if value is None else None)
    raw = clip(value if fmt == "ini" and isinstance(value, str) else json.dumps(value, ensure_ascii=False))
    accept_local = getattr(spec, "accept_local", True)
    mode = parse_value(value, fmt, accept_local)
    if mode is None:
        allowed = accepted(fmt, accept_local)
        in_section = f"[{spec.section}] " if spec.section else ""
        bad = ConfigFileError(f"{display(path)}: {in_section}key {key!r} must be {allowed}; got {raw}",
                              layer=spec.name, path=path, key=key, value=value, accepted=allowed)
        return FileReading(path, fmt, key, location, data, raw, value, problem=bad)
    return FileReading(path, fmt, key, location, data, raw, value, mode)


def file_inputs(policy: Policy, spec: FileSpec) -> Inputs:
    variable = getattr(spec, "path_variable", None)
    named = (variable,) if variable else ()
    return Inputs(variables=named, files=(spec.path or policy.config_file,), named_files=named)


def read_config_file(context: Context, spec: FileSpec) -> Reading:
    """The key of the file, as a Reading; the file's contents are kept as what it parsed: the
    endpoints are read from it too."""
    found = read_file_value(context.policy, spec, context.locations)
    parsed = found.data
    if found.problem is None:
        return Reading(spec.name, spec.kind, found.location, found.raw, found.mode,  # type: ignore[arg-type]
                       parsed=parsed, path=found.path)
    if found.unreadable and getattr(spec, "on_unreadable", "invalid") == "unset":
        reason = f"{found.problem.message}; counted as unset"
        return Reading(spec.name, spec.kind, found.location, None, reason=reason, parsed=parsed, path=found.path)
    problem = found.problem
    return invalid(spec, found.location, found.raw, problem.message, path=found.path, key=found.key,
                   bad=problem.value, accepted=problem.accepted, parsed=parsed)
