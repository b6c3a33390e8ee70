"""An environment variable spelled with the policy's (or its own) spellings; with ``overlays``,
as ``key_lines`` files loaded over the environment leave it (Homebrew's brew.env files).

By default only ASCII spaces and tabs around the value are removed, it is compared in any ASCII
case, and an empty value is unset; ``strip = false`` compares it exactly, ``empty = "invalid"``
makes an empty value invalid.
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import TYPE_CHECKING

from usage_consent.errors import ConfigFileError
from usage_consent.policy._fileformats import Options, Repeated, read_mapping
from usage_consent.policy._locate import locate, location_inputs
from usage_consent.policy._model import EnvSource, Policy, strip_blanks
from usage_consent.policy._sources.base import Inputs, Reading, clip, invalid, reading

if TYPE_CHECKING:
    from usage_consent._context import Context

__all__ = ["env_inputs", "read_env"]


def env_inputs(policy: Policy, spec: EnvSource) -> Inputs:
    found = Inputs(variables=(spec.variable,))
    for overlay in spec.overlays or ():
        found = found + location_inputs(policy, overlay)
    return found


def _value(context: Context, spec: EnvSource) -> tuple[str | None, str, tuple[str, ...]]:
    """The variable's value: the environment's, unless an overlay file assigns it (the last
    assignment, in the overlays' order, wins); where it came from; the overlays' notes."""
    raw, location = os.environ.get(spec.variable), f"${spec.variable}"
    notes: list[str] = []
    for overlay in spec.overlays or ():
        located = locate(context.policy, overlay, context.locations)
        notes += located.notes
        if located.path is None:
            continue
        options = Options(overlay.key_lines or spec.key_lines, None)
        try:
            data = read_mapping(located.path, "key_lines", layer=spec.name, options=options)
        except ConfigFileError as error:
            notes.append(f"overlay not read: {error.message}")
            continue
        value = (data or {}).get(spec.variable)
        if value is not None:
            raw = value[-1] if isinstance(value, Repeated) else value
            location = f"{context.locations.display(located.path)}: {spec.variable}"
            notes.append(f"{location} assigns it")
    return raw, location, tuple(notes)


def read_env(context: Context, spec: EnvSource) -> Reading:
    if spec.overlays:
        raw, location, notes = _value(context, spec)
        return replace(_read_value(context, spec, raw, location), notes=notes)
    return _read_value(context, spec, os.environ.get(spec.variable), f"${spec.variable}")


def _read_value(context: Context, spec: EnvSource, raw: str | None, location: str) -> Reading:
    if raw is None:
        return reading(spec, location, raw, None)
    spellings = spec.spellings or context.policy.spellings
    empty = raw == "" if not spec.strip else not strip_blanks(raw)
    mode = None if empty else spellings.parse(raw, exact=not spec.strip)
    if empty and spec.empty == "unset":
        return reading(spec, location, raw, None)
    if mode is None:
        accepted = spellings.accepted() + ("" if spec.strip else " (exactly)")
        reason = f"${spec.variable} must be one of {accepted}; got {clip(raw)!r}"
        return invalid(spec, location, clip(raw), reason, path=location, key=spec.variable, bad=raw,
                       accepted=accepted)
    return reading(spec, location, raw, mode)
