"""The table of source kinds: for each kind a policy may name, its reader, the inputs it looks at
and its rule. Adding a kind (or giving one a rule of its own) is a row here, not a branch in the
resolve loop (policy/_resolve.py)."""

from __future__ import annotations

from usage_consent.policy._sources.base import NO_INPUTS, Inputs, Kind, Reading
from usage_consent.policy._sources.ci import ci_inputs, read_ci
from usage_consent.policy._sources.config_file import file_inputs, read_config_file
from usage_consent.policy._sources.default import read_default
from usage_consent.policy._sources.do_not_track import do_not_track_inputs, read_do_not_track
from usage_consent.policy._sources.env import env_inputs, read_env
from usage_consent.policy._sources.notice import marker_inputs, read_marker

TYPE_CHECKING = False  # not typing's
if TYPE_CHECKING:
    from typing import Any

    from usage_consent.policy._model import OnInvalid, Policy


def _conditioned(kind: Kind) -> Kind:
    """The row with the keys every source takes (``when``, ``unless``): the source reads only when
    ``when`` holds and ``unless`` does not, else it is skipped (unset), the condition in its trace
    (policy/_conditions.py is loaded only for a source that has one)."""
    read, inputs = kind.read, kind.inputs

    def read_when(context: Any, spec: Any) -> Reading:
        when, unless = getattr(spec, "when", None), getattr(spec, "unless", None)
        if when is None and unless is None:
            return read(context, spec)
        from usage_consent.policy._conditions import describe, holds

        if when is not None and not holds(when, context.run):
            return Reading(spec.name, spec.kind, "when", None, reason=f"skipped: when {describe(when)} does not hold",
                           notes=(f"skipped: when {describe(when)} does not hold",), status="skipped")
        if unless is not None and holds(unless, context.run):
            return Reading(spec.name, spec.kind, "unless", None, reason=f"skipped: unless {describe(unless)} holds",
                           notes=(f"skipped: unless {describe(unless)} holds",), status="skipped")
        return read(context, spec)

    def inputs_when(policy: Policy, spec: Any) -> Inputs:
        when, unless = getattr(spec, "when", None), getattr(spec, "unless", None)
        if when is None and unless is None:
            return inputs(policy, spec)
        from usage_consent.policy._conditions import condition_inputs

        return inputs(policy, spec) + condition_inputs(when) + condition_inputs(unless)

    return Kind(read_when, inputs_when, kind.ceiling, kind.on_invalid)


KINDS: dict[str, Kind] = {name: _conditioned(kind) for name, kind in {
    "env": Kind(read_env, env_inputs),
    "do_not_track": Kind(read_do_not_track, do_not_track_inputs),
    "config_file": Kind(read_config_file, file_inputs),
    "ci": Kind(read_ci, ci_inputs),
    # An administrator's machine-wide file, read as a config file is: "off" decides off whatever
    # the other sources say, "local" turns an "on" below it into "local", "on" or no value changes
    # nothing; a file that cannot be read or holds a bad value fails closed, whatever the policy's
    # on_invalid says.
    "managed": Kind(read_config_file, file_inputs, ceiling=True, on_invalid="off"),
    "notice": Kind(read_marker, marker_inputs),
    # A fixed value whenever its conditions hold (``when``/``unless``).
    "fixed": Kind(read_default),
    "default": Kind(read_default),
}.items()}



def on_invalid(policy: Policy, spec: Any) -> OnInvalid:
    """What an invalid value of this source does: its kind's fixed rule, else the source's own,
    else the policy's."""
    return KINDS[spec.kind].on_invalid or getattr(spec, "on_invalid", None) or policy.on_invalid


__all__ = ["KINDS", "NO_INPUTS", "Inputs", "Kind", "Reading", "on_invalid"]
