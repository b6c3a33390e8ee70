"""``usage-consent explain [--json]``: why collection would be on or off for a transfer started now
(changes no setting or record; it may refresh the decision memo); ``usage-consent decide [--json]``:
what a host does before a transfer, for hosts that are not Python (shows and records the notice
when due, on stderr; prints the mode)."""

from __future__ import annotations

import sys

from usage_consent.errors import ConsentValueError
from usage_consent.policy._decide import decide, explain

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

    from usage_consent.policy._decision import Decision

__all__ = ["run_decide", "run_explain", "show_decision", "show_explanation"]


def _given(args: argparse.Namespace) -> object:
    """The policy as the command was given it (a file, a shipped name, None: the embedded one), so
    that the decision memo, keyed by the policy's file, answers; else the loaded policy."""
    return args.policy_source if hasattr(args, "policy_source") else args.policy_model


def run_decide(args: argparse.Namespace) -> int:
    try:
        decision = decide(_given(args))  # type: ignore[arg-type]
    except ConsentValueError as error:  # the policy asks the caller to see this value's error
        print(f"usage-consent: {error}", file=sys.stderr)
        return 1
    show_decision(decision, args.json)
    return 0


def show_decision(decision: Decision, as_json: bool) -> None:
    """What ``decide`` prints (also answered from the memo by usage_consent/cli/_fast.py)."""
    print(_as_json(decision) if as_json else decision.mode)


def run_explain(args: argparse.Namespace) -> int:
    decision = explain(_given(args))  # type: ignore[arg-type]
    show_explanation(decision, args.policy_model.notice.enabled, args.json)
    return 0


def show_explanation(decision: Decision, notice_enabled: bool, as_json: bool) -> None:
    """What ``explain`` prints (also answered from the memo by usage_consent/cli/_fast.py)."""
    if as_json:
        print(_as_json(decision))
        return
    print(decision)
    state = decision.notice
    if not notice_enabled:
        print("notice: none (this policy shows no notice)")
    elif state is not None:
        last = f"v{state.shown_version}" if state.shown_version else "never"
        verb = "would be shown" if state.due else "not due"
        print(f"notice: {verb} (current v{state.current_version}; last shown: {last})")
    if decision.mode == "on":
        print("endpoints: " + (", ".join(decision.endpoints) or "none (reports are recorded, not sent)"))


def _as_json(decision: Decision) -> str:
    """The decision as ``--json`` prints it (json is loaded only then: the memo's answer of the
    plain command does not pay for it)."""
    import json

    return json.dumps(decision.to_dict(), indent=2, ensure_ascii=False)
