"""The two entry points: ``decide()`` before each transfer, ``explain()`` for people asking why.

Both build one context (the policy, the run configuration, the locations: usage_consent/_context.py)
and resolve it, or take the cached decision for it (policy/_cache.py); the decision carries it
(``Decision.context``) to the notice, the state file and the session.
"""

from __future__ import annotations

import logging
import sys

from usage_consent._files.atomic import TRANSFER_LOCK_WAIT_S, LockBusy, platform_problem
from usage_consent._locations import home_problem
from usage_consent._run import RunConfig, current
from usage_consent.errors import ConfigFileError, UsageConsentError
from usage_consent.policy._cache import CACHE
from usage_consent.policy._decision import Decision, Layer, Trace
from usage_consent.policy._load import policy_from
from usage_consent.policy._model import Policy
from usage_consent.policy._resolve import notice_is_due, resolve

TYPE_CHECKING = False
if TYPE_CHECKING:
    from usage_consent.policy._paths import PolicySource

__all__ = ["decide", "explain"]

log = logging.getLogger("usage_consent")


def _failed_closed(policy: Policy | None, error: BaseException) -> Decision:
    if isinstance(error, UsageConsentError):  # a named file or variable: say which, and what is wrong
        reason = f"{error.message}; usage stats off"
        layer = Layer(error.layer or "usage-consent", error.layer or "internal", error.path or "usage_consent",
                      None, None, "invalid", reason)
    else:
        reason = f"internal error, usage stats off: {type(error).__name__}: {error}"
        layer = Layer("usage-consent", "internal", "usage_consent", None, None, "invalid", reason)
    log.warning("%s", reason)
    app, key = (policy.app, policy.key) if policy else ("unknown", "usage_stats")
    return Decision(app, key, "off", None, Trace((layer,)), policy=policy)


def _not_shown(decision: Decision, error: BaseException) -> Decision:
    """The notice could not be shown and recorded now (the state file's lock is busy beyond the
    transfer's bound): nothing is collected this time; the notice is shown by a later run."""
    reason = f"usage stats off for this transfer: the notice could not be shown and recorded: {error}"
    log.warning("%s", reason)
    layer = Layer("usage-consent", "notice", "usage_consent", None, None, "invalid", reason)
    return decision.replace(mode="off", endpoints=(), decided_by=layer.name,
                            trace=Trace((*decision.trace, layer)))


def _check_home(run: RunConfig) -> None:
    unsupported = platform_problem()  # first: nothing is read, shown or written on such a platform
    if unsupported:
        raise UsageConsentError(unsupported, layer="platform", path=sys.platform, accepted="Linux or macOS")
    problem = home_problem(run)
    if problem:
        raise ConfigFileError(problem, layer="home", path="$HOME")


def _set_aside_unusable_state(decision: Decision) -> None:
    """When the notice source could not use the state file, set it aside and start afresh, so the
    next run works (this one stays as decided: off, with the trace naming the file)."""
    if decision.context is not None and any(
            layer.kind == "notice" and layer.status == "invalid" for layer in decision.trace):
        from usage_consent.policy._state import StateFile

        where = decision.context.locations
        try:
            StateFile(where.state_file, where).usable(wait=TRANSFER_LOCK_WAIT_S)
        except UsageConsentError:
            pass  # not a matter of contents (a link, unreadable): the trace already says why
        except OSError as error:
            log.warning("%s: cannot be set aside: %s", error.filename, error.strerror)


def _resolved(policy: Policy, run: RunConfig | None) -> Decision:
    run = run or current()
    _check_home(run)
    return CACHE.decision(policy, run, resolve)


def explain(given: Policy | PolicySource | None = None, *, run: RunConfig | None = None) -> Decision:
    """The decision a transfer started now would get, with its trace; changes no file. ``given``:
    a policy, or its file or resource as ``load_policy`` takes it (default: the embedded one).
    ``run``: the run configuration (home, temporary folder, clock, HTTP session; by default the
    one in use)."""
    policy: Policy | None = None
    try:
        policy = policy_from(given)
        decision = _resolved(policy, run)
        if decision.for_this_run_only and decision.notice is not None:
            return decision.replace(notice=decision.notice.replace(due=False, why="decided for this run only"))
        return decision
    except Exception as error:  # usage reporting must never hurt the host
        return _failed_closed(policy, error)


def decide(given: Policy | PolicySource | None = None, *, run: RunConfig | None = None) -> Decision:
    """Decide once, at the start of a transfer, whether usage stats may be collected. ``given``:
    a policy, or its file or resource as ``load_policy`` takes it (a policy that cannot be loaded
    makes the decision off, with the reason in the trace and a logged warning); default: the
    embedded one.

    Never raises for bad environment or file input (an invalid value makes the decision off),
    except where the policy asks for it: when the source that decides is invalid and its
    ``on_invalid`` is "raise", ConsentValueError is raised (``explain()`` never raises).
    When the user has not been shown the notice for the current schema version (and has not
    opted out), the notice is printed to stderr and recorded before anything is collected.
    ``run``: the run configuration (home, temporary folder, clock, HTTP session) the decision's
    context carries; by default the one in use (the process's own).
    """
    policy: Policy | None = None
    try:
        policy = policy_from(given)
        decision = _resolved(policy, run)
        _set_aside_unusable_state(decision)
        if decision.error is None and notice_is_due(decision):
            from usage_consent.policy import _notice as notice

            try:
                shown = notice.show(policy, how="decide", state=decision.notice, context=decision.context)
                decision = decision.replace(notice=shown)
            except LockBusy as error:
                return _not_shown(decision, error)
    except Exception as error:  # usage reporting must never hurt the host
        return _failed_closed(policy, error)
    if decision.error is not None:
        raise _fresh(decision.error)
    return decision


def _fresh(error: Exception) -> Exception:
    """A new exception equal to ``error`` (same class, message and fields) with no traceback: the
    cached decision's own one is never raised, so its traceback cannot grow from call to call."""
    import copy

    return copy.copy(error).with_traceback(None)
