"""Off while the user has not been shown the notice for the current schema version."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from usage_consent.errors import UsageConsentError
from usage_consent.policy._model import NoticeSource, Policy
from usage_consent.policy._notice_state import notice_state
from usage_consent.policy._sources.base import Inputs, Reading, invalid, reading
from usage_consent.policy._state import StateFile

if TYPE_CHECKING:
    from usage_consent._context import Context

__all__ = ["notice_inputs", "read_notice"]


def notice_inputs(policy: Policy, spec: object = None) -> Inputs:
    """What the notice rule reads, with or without a notice source (the decision's ``notice`` is
    read from them): the state file, and a host's own schemas folder (it can gain a version while
    we run)."""
    if policy.schemas_dir:
        return Inputs(files=(policy.state_file, os.path.join(policy.schemas_dir, policy.schema_name)))
    return Inputs(files=(policy.state_file,))


def read_notice(context: Context, spec: NoticeSource) -> Reading:
    """The state file's record of the notice, read once; the NoticeState made of it is what this
    reading parsed (the decision's ``notice``)."""
    policy, where = context.policy, context.locations
    path = where.state_file
    name = policy.schema_name
    if not policy.notice.enabled:
        return reading(spec, "policy: notice.enabled", "false", None, "the policy shows no notice")
    try:
        state = notice_state(policy, StateFile(path, where).read(), where)
    except UsageConsentError as error:
        reason = f"{error.message}; the notice counts as not shown"
        return invalid(spec, f"{where.display(path)}: {name}", None, reason, path=path, key=name)
    location = f"{where.display(path)}: {name} v{state.current_version}"
    if not state.due:
        return reading(spec, location, f"shown v{state.shown_version}", None, parsed=state)
    return reading(spec, location, "pending", "off", parsed=state)
