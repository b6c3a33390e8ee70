"""The table of source kinds: for each kind a policy may name, its reader, the inputs it looks at
and its rule. Adding a kind (or giving one a rule of its own) is a row here, not a branch in the
resolve loop (policy/_resolve.py)."""

from typing import Any

from usage_consent.policy._model import OnInvalid, Policy
from usage_consent.policy._sources.base import NO_INPUTS, Inputs, Kind, Reading
from usage_consent.policy._sources.ci import ci_inputs, read_ci
from usage_consent.policy._sources.config_file import file_inputs, read_config_file
from usage_consent.policy._sources.default import read_default
from usage_consent.policy._sources.do_not_track import do_not_track_inputs, read_do_not_track
from usage_consent.policy._sources.env import env_inputs, read_env
from usage_consent.policy._sources.notice import notice_inputs, read_notice

KINDS: dict[str, Kind] = {
    "env": Kind(read_env, env_inputs),
    "do_not_track": Kind(read_do_not_track, do_not_track_inputs),
    "config_file": Kind(read_config_file, file_inputs),
    "ci": Kind(read_ci, ci_inputs),
    # An administrator's machine-wide file, read as a config file is: "off" decides off whatever
    # the other sources say, "local" turns an "on" below it into "local", "on" or no value changes
    # nothing; a file that cannot be read or holds a bad value fails closed, whatever the policy's
    # on_invalid says.
    "managed": Kind(read_config_file, file_inputs, ceiling=True, on_invalid="off"),
    "notice": Kind(read_notice, notice_inputs),
    "default": Kind(read_default),
}



def on_invalid(policy: Policy, spec: Any) -> OnInvalid:
    """What an invalid value of this source does: its kind's fixed rule, else the source's own,
    else the policy's."""
    return KINDS[spec.kind].on_invalid or getattr(spec, "on_invalid", None) or policy.on_invalid


__all__ = ["KINDS", "NO_INPUTS", "Inputs", "Kind", "Reading", "on_invalid"]
