"""The two entry points: ``decide()`` before each transfer, ``explain()`` for people asking why.

Both build one context (the policy, the run configuration, the locations: usage_consent/_context.py)
and resolve it, or take the cached decision for it (policy/_cache.py); the decision carries it
(``Decision.context``) to the notice, the state file and the session.
"""

from __future__ import annotations

import sys
from operator import attrgetter

from usage_consent._files._platform import platform_problem
from usage_consent._locations import home_problem_of
from usage_consent._log import log
from usage_consent._run import current
from usage_consent.errors import ConfigFileError, UsageConsentError
from usage_consent.policy._cache import CACHE, loaded
from usage_consent.policy._decision import Decision, Layer, Trace, notice_is_due

TYPE_CHECKING = False  # not typing's: a cold decide() answered from the memo must not pay for it
if TYPE_CHECKING:
    from usage_consent._run import RunConfig
    from usage_consent.policy._model import Policy
    from usage_consent.policy._paths import PolicySource

__all__ = ["decide", "explain"]
_KIND_STATUS = attrgetter("kind", "status")  # a trace row's, compared in C: on every call


def _warn(message: str) -> None:
    """One warning on the library's logger (``logging`` is loaded only when there is one)."""
    log.warning("%s", message)


def _failed_closed(policy: Policy | None, error: BaseException) -> Decision:
    if isinstance(error, UsageConsentError):  # a named file or variable: say which, and what is wrong
        reason = f"{error.message}; usage stats off"
        layer = Layer(error.layer or "usage-consent", error.layer or "internal", error.path or "usage_consent",
                      None, None, "invalid", reason)
    else:
        reason = f"internal error, usage stats off: {type(error).__name__}: {error}"
        layer = Layer("usage-consent", "internal", "usage_consent", None, None, "invalid", reason)
    _warn(reason)
    app, key = (policy.app, policy.key) if policy else ("unknown", "usage_stats")
    return Decision(app, key, "off", None, Trace((layer,)), policy_given=policy)


def _not_shown(decision: Decision, error: BaseException) -> Decision:
    """The notice could not be shown and recorded now (the state file's lock is busy beyond the
    transfer's bound): nothing is collected this time; the notice is shown by a later run."""
    reason = f"usage stats off for this transfer: the notice could not be shown and recorded: {error}"
    _warn(reason)
    layer = Layer("usage-consent", "notice", "usage_consent", None, None, "invalid", reason)
    return decision.replace(mode="off", endpoints=(), decided_by=layer.name,
                            trace=Trace((*decision.trace, layer)))


def _check_platform() -> None:
    """Raises on a platform usage-consent does not support (first: nothing is read, shown or
    written on such a platform)."""
    unsupported = platform_problem()
    if unsupported:
        raise UsageConsentError(unsupported, layer="platform", path=sys.platform, accepted="Linux or macOS")


def _check_home(home: str | None) -> None:
    """Raises when HOME (as the run configuration gives it) cannot hold the user's files."""
    problem = home_problem_of(home)
    if problem:
        raise ConfigFileError(problem, layer="home", path="$HOME")


def _set_aside_unusable_state(decision: Decision) -> None:
    """The notice source could not use the state file (its trace row is invalid): set it aside and start
    afresh, so the next run works (this one stays as decided: off, with the trace naming the file)."""
    from usage_consent._files.atomic import TRANSFER_LOCK_WAIT_S
    from usage_consent.policy._state import StateFile

    assert decision.context is not None
    where = decision.context.locations
    try:
        StateFile(where.state_file, where).usable(wait=TRANSFER_LOCK_WAIT_S)
    except UsageConsentError:
        pass  # not a matter of contents (a link, unreadable): the trace already says why
    except OSError as error:
        _warn(f"{error.filename}: cannot be set aside: {error.strerror}")


def _resolved(given: Policy | PolicySource | None, run: RunConfig | None) -> Decision:
    """The decision for ``given`` under ``run``: cached, from the memo, or resolved now."""
    run = run or current()
    _check_platform()
    home = run.home_dir()  # read once per call: the cache's key holds it
    found, seen = CACHE.lookup(given, run, home)
    if found is not None and found.decision is not None:
        return found.decision  # resolved (here, or by the process that memoized it) at this HOME
    if seen is None:  # a slot seen at this HOME was resolved after HOME was checked: it is the same text
        _check_home(home)
    # Only for a full resolution (pydantic-settings): loaded by the first one.
    resolver = loaded("usage_consent.policy._resolve")
    return CACHE.decision(given, run, home, resolver.resolve_again, seen)


def _policy_or_none(given: Policy | PolicySource | None) -> Policy | None:
    """The policy ``given`` stands for, for a decision that failed closed; None if it cannot be loaded."""
    try:
        from usage_consent.policy._load import policy_from

        return policy_from(given)
    except Exception:
        return None


def explain(given: Policy | PolicySource | None = None, *, run: RunConfig | None = None) -> Decision:
    """The decision a transfer started now would get, with its trace; changes none of the user's
    files (a clean decision is kept in the decision memo, a cache beside the state file). ``given``:
    a policy, or its file or resource as ``load_policy`` takes it (default: the embedded one).
    ``run``: the run configuration (home, temporary folder, clock, HTTP session; by default the
    one in use)."""
    try:
        decision = _resolved(given, run)
        if decision.for_this_run_only and decision.notice is not None:
            return decision.replace(notice=decision.notice.replace(due=False, why="decided for this run only"))
        return decision
    except Exception as error:  # usage reporting must never hurt the host
        return _failed_closed(_policy_or_none(given), error)


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
    try:
        decision = _resolved(given, run)
        # The notice source could not use the state file (its trace row is invalid): told in C, on every call.
        if decision.context is not None and ("notice", "invalid") in map(_KIND_STATUS, decision.trace.layers):
            _set_aside_unusable_state(decision)
        state = decision.notice  # a notice that is not due is the usual case: told without a call
        if decision.error is None and state is not None and state.due and notice_is_due(decision):
            from usage_consent._files.atomic import LockBusy
            from usage_consent.policy import _notice as notice

            try:
                shown = notice.show(decision.policy, how="decide", state=decision.notice, context=decision.context)
                decision = decision.replace(notice=shown)
            except LockBusy as error:
                return _not_shown(decision, error)
    except Exception as error:  # usage reporting must never hurt the host
        return _failed_closed(_policy_or_none(given), error)
    if decision.error is not None:
        raise _fresh(decision.error)
    return decision


def _fresh(error: Exception) -> Exception:
    """A new exception equal to ``error`` (same class, message and fields) with no traceback: the
    cached decision's own one is never raised, so its traceback cannot grow from call to call."""
    import copy

    return copy.copy(error).with_traceback(None)
