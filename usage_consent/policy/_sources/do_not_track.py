"""The DO_NOT_TRACK convention (https://consoledonottrack.com): it can only turn collection off."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from usage_consent.policy._plain import strip_blanks
from usage_consent.policy._sources.base import Inputs, Reading, clip, reading

if TYPE_CHECKING:
    from usage_consent._context import Context
    from usage_consent.policy._model import DoNotTrackSource, Policy

__all__ = ["NOT_A_REQUEST", "do_not_track_inputs", "read_do_not_track"]

NOT_A_REQUEST = ("", "0", "false")


def do_not_track_inputs(policy: Policy, spec: DoNotTrackSource) -> Inputs:
    return Inputs(variables=(spec.variable,))


def read_do_not_track(context: Context, spec: DoNotTrackSource) -> Reading:
    raw = os.environ.get(spec.variable)
    location = f"${spec.variable}"
    if raw is None or strip_blanks(raw).lower() in NOT_A_REQUEST:
        return reading(spec, location, raw, None)
    return reading(spec, location, clip(raw), "off")
