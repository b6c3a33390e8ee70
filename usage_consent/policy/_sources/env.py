"""An environment variable spelled with the policy's (or its own) spellings, or mapped by its own
value map (``values``); with ``overlays``, as ``key_lines`` files loaded over the environment leave
it (Homebrew's brew.env files).

By default only ASCII spaces and tabs around the value are removed, it is compared in any ASCII
case, and an empty value is unset; ``strip = false`` compares it exactly, ``match`` says how
otherwise (policy/_sources/_values.py), ``empty = "invalid"`` makes an empty value invalid, and
``on_unrecognised`` says what a value no spelling or entry maps does. With ``variables`` the first
that is set and not empty is read.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from usage_consent.errors import ConfigFileError
from usage_consent.policy._fileformats import Options, Repeated, read_mapping
from usage_consent.policy._locate import locate, location_inputs
from usage_consent.policy._sources._values import (
    UNRECOGNISED,
    accepted_entries,
    described,
    map_value,
    spelled,
    trimmed,
    unrecognised,
)
from usage_consent.policy._sources.base import Inputs, Reading, clip, invalid, reading

if TYPE_CHECKING:
    from usage_consent._context import Context
    from usage_consent.policy._model import EnvSource, Policy

__all__ = ["env_inputs", "read_env"]
_FS_ENCODING = sys.getfilesystemencoding()  # os.environ's encoding of names and values (POSIX)


def env_inputs(policy: Policy, spec: EnvSource) -> Inputs:
    found = Inputs(variables=spec.names)
    for overlay in spec.overlays or ():
        found = found + location_inputs(policy, overlay)
    return found


def _environ_value(name: str) -> str | None:
    """``os.environ.get(name)``: from the dictionary CPython's ``os.environ`` keeps (bytes), decoded
    as it decodes (on every miss: ``get`` is four Python calls), else through ``get`` (a host
    replaced ``os.environ``)."""
    environ = os.environ
    if type(environ) is not os._Environ:
        return environ.get(name)
    value = environ._data.get(name.encode(_FS_ENCODING, "surrogateescape"))  # type: ignore[attr-defined]
    return None if value is None else value.decode(_FS_ENCODING, "surrogateescape")


def _value(context: Context, spec: EnvSource, name: str) -> tuple[str | None, str, tuple[str, ...]]:
    """The variable's value: the environment's, unless an overlay file assigns it (the last
    assignment, in the overlays' order, wins); where it came from; the overlays' notes."""
    raw, location = os.environ.get(name), f"${name}"
    notes: list[str] = []
    for overlay in spec.overlays or ():
        located = locate(context.view, overlay, context.locations)
        notes += located.notes
        if located.path is None:
            continue
        options = Options(overlay.key_lines or spec.key_lines, None)
        try:
            data = read_mapping(located.path, "key_lines", layer=spec.name, options=options)
        except ConfigFileError as error:
            notes.append(f"overlay not read: {error.message}")
            continue
        value = (data or {}).get(name)
        if value is not None:
            raw = value[-1] if isinstance(value, Repeated) else value
            location = f"{context.locations.display(located.path)}: {name}"
            notes.append(f"{location} assigns it")
    return raw, location, tuple(notes)


def _read(context: Context, spec: EnvSource) -> tuple[str, str, str | None, tuple[str, ...]]:
    """Where the source looked, the variable, its value, and the notes (the overlays', and which
    variable a fallback read): as Python's ``os.environ.get(A) or os.environ.get(B)``, the first
    set and not empty, else the last's value."""
    names = spec.names
    notes: list[str] = []
    for index, name in enumerate(names):
        raw, location, found = _value(context, spec, name)
        notes += found
        if raw or index == len(names) - 1:
            break
    if raw is None and len(names) > 1:
        location = " or ".join(f"${name}" for name in names)
    elif raw is not None and index:
        notes.append(f"read ${name}: {', '.join(f'${other}' for other in names[:index])} unset or empty")
    return location, name, raw, tuple(notes)


def read_env(context: Context, spec: EnvSource) -> Reading:
    if spec.variables or spec.overlays:
        location, name, raw, notes = _read(context, spec)
    else:  # one variable, no overlay (on every miss): ``_read``'s answer without its loop
        name = spec.variable or ""
        raw, location, notes = _environ_value(name), "$" + name, ()
    if raw is None:
        return reading(spec, location, raw, None, notes=notes)
    match = spec.compared
    word = trimmed(raw, match)
    if not word and spec.empty == "unset":
        return reading(spec, location, raw, None, notes=notes)
    empty = not word
    found = UNRECOGNISED if empty else map_value(raw, spec.values, match) if spec.values else spelled(
        word, spec.spellings or context.view.spellings, match)
    if not found.recognised:
        return _unrecognised(context, spec, raw, location, name, notes, empty)
    return reading(spec, location, raw, found.mode, notes=notes + found.notes if notes else found.notes,
                   ignored=found.ignored)


def _unrecognised(context: Context, spec: EnvSource, raw: str, location: str, name: str, notes: tuple[str, ...],
                  empty: bool) -> Reading:
    """A value no spelling or entry maps (``empty``: nothing but blanks): what ``on_unrecognised``
    makes of it, else invalid, saying what is accepted."""
    found = None if empty else unrecognised(spec.on_unrecognised, context.view.app, repr(clip(raw)))
    if found is not None:
        return reading(spec, location, raw, found.mode, notes=notes + found.notes, ignored=found.ignored)
    match = spec.compared
    spellings = spec.spellings or context.view.spellings
    accepted = (accepted_entries(spec.values) if spec.values else spellings.accepted()) + described(match)
    reason = f"${name} must be one of {accepted}; got {clip(raw)!r}" if not spec.values else (
        f"${name} must be {accepted}; got {clip(raw)!r}")
    return invalid(spec, location, clip(raw), reason, path=location, key=name, bad=raw, accepted=accepted,
                   notes=notes)
