"""An environment variable spelled with the policy's (or its own) spellings.

By default only ASCII spaces and tabs around the value are removed, it is compared in any ASCII
case, and an empty value is unset; ``strip = false`` compares it exactly, ``empty = "invalid"``
makes an empty value invalid.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from usage_consent.policy._model import EnvSource, Policy, strip_blanks
from usage_consent.policy._sources.base import Inputs, Reading, clip, invalid, reading

if TYPE_CHECKING:
    from usage_consent._context import Context

__all__ = ["env_inputs", "read_env"]


def env_inputs(policy: Policy, spec: EnvSource) -> Inputs:
    return Inputs(variables=(spec.variable,))


def read_env(context: Context, spec: EnvSource) -> Reading:
    raw = os.environ.get(spec.variable)
    location = f"${spec.variable}"
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
