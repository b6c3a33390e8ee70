"""``usage-consent explain [--json]``: why collection would be on or off for a transfer started now
(changes no file); ``usage-consent decide [--json]``: what a host does before a transfer, for hosts
that are not Python (shows and records the notice when due, on stderr; prints the mode)."""

from __future__ import annotations

import argparse
import json
import sys

from usage_consent.policy import ConsentValueError, decide, explain

__all__ = ["run_decide", "run_explain"]


def run_decide(args: argparse.Namespace) -> int:
    try:
        decision = decide(args.policy_model)
    except ConsentValueError as error:  # the policy asks the caller to see this value's error
        print(f"usage-consent: {error}", file=sys.stderr)
        return 1
    print(json.dumps(decision.to_dict(), indent=2, ensure_ascii=False) if args.json else decision.mode)
    return 0


def run_explain(args: argparse.Namespace) -> int:
    decision = explain(args.policy_model)
    if args.json:
        print(json.dumps(decision.to_dict(), indent=2, ensure_ascii=False))
        return 0
    print(decision)
    state = decision.notice
    if not args.policy_model.notice.enabled:
        print("notice: none (this policy shows no notice)")
    elif state is not None:
        last = f"v{state.shown_version}" if state.shown_version else "never"
        verb = "would be shown" if state.due else "not due"
        print(f"notice: {verb} (current v{state.current_version}; last shown: {last})")
    if decision.mode == "on":
        print("endpoints: " + (", ".join(decision.endpoints) or "none (reports are recorded, not sent)"))
    return 0
