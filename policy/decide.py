"""The two entry points: ``decide()`` before each transfer, ``explain()`` for people asking why."""

from __future__ import annotations

import logging

from usage_consent.policy.decision import Decision, Layer, Trace
from usage_consent.policy.load import embedded_policy
from usage_consent.policy.model import Policy
from usage_consent.policy.resolve import resolve

log = logging.getLogger("usage_consent")


def _failed_closed(policy: Policy | None, error: BaseException) -> Decision:
    reason = f"internal error, usage stats off: {type(error).__name__}: {error}"
    log.warning("%s", reason)
    layer = Layer("usage-consent", "internal", "usage_consent", None, None, "invalid", reason)
    app, key = (policy.app, policy.key) if policy else ("unknown", "usage_stats")
    return Decision(app, key, "off", None, Trace((layer,)))


def explain(policy: Policy | None = None) -> Decision:
    """The decision a transfer started now would get, with its trace; changes no file."""
    try:
        policy = policy or embedded_policy()
        return resolve(policy)
    except Exception as error:  # usage reporting must never hurt the host
        return _failed_closed(policy, error)


def decide(policy: Policy | None = None) -> Decision:
    """Decide once, at the start of a transfer, whether usage stats may be collected.

    Never raises for bad environment or file input; an invalid value makes the decision off.
    """
    return explain(policy)
