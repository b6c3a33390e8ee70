"""A CI runner or container build: one of the CI variables set (not empty, 0 or false) decides
the source's value, "off" or "local", for this run only (no notice, no state file)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from usage_consent.policy._plain import strip_blanks
from usage_consent.policy._sources.base import Inputs, Reading, clip, reading
from usage_consent.policy._sources.do_not_track import NOT_A_REQUEST

if TYPE_CHECKING:
    from usage_consent._context import Context
    from usage_consent.policy._model import CiSource, Policy

__all__ = ["ci_inputs", "read_ci"]


def ci_inputs(policy: Policy, spec: CiSource) -> Inputs:
    return Inputs(variables=tuple(spec.variables))


def read_ci(context: Context, spec: CiSource) -> Reading:
    for name in spec.variables:
        raw = os.environ.get(name)
        if raw is not None and strip_blanks(raw).lower() not in NOT_A_REQUEST:
            return reading(spec, f"${name}", clip(raw), spec.value)
    more = len(spec.variables) - 1
    return reading(spec, f"${spec.variables[0]}" + (f" and {more} more" if more else ""), None, None)
