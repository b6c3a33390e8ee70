"""``usage-consent notice | init | history``: the notice, the first-run step, and the receipt."""

from __future__ import annotations

import argparse
import json
import sys

from usage_consent._locations import display, locations
from usage_consent.policy import Decision, Policy, explain, write_consent
from usage_consent.policy._config_write import MODE_TO_JSON, read_consent
from usage_consent.policy._notice import commands as notice_commands
from usage_consent.policy._notice import render as render_notice
from usage_consent.policy._notice import show as show_notice
from usage_consent.policy._notice import status as notice_status
from usage_consent.policy._sources.config_file import config_target
from usage_consent.policy._state import UNCHANGED, StateFile

__all__ = ["run_history", "run_init", "run_notice"]


def run_notice(args: argparse.Namespace) -> int:
    sys.stdout.write(render_notice(args.policy_model, notice_status(args.policy_model).shown_version))
    return 0


def _held_elsewhere(policy: Policy) -> bool:
    """Whether another config file of the policy already holds the key (a choice ``init`` keeps:
    writing ``true`` would go to that file too)."""
    return any(layer.kind == "config_file" and layer.status != "unset" for layer in explain(policy).trace)


def run_init(args: argparse.Namespace) -> int:
    policy = args.policy_model
    state = StateFile(locations(policy).state_file)
    state.update(lambda _: UNCHANGED)  # a state file that cannot be used fails init before any change
    before = notice_status(policy)
    if before.due:
        show_notice(policy, how="init")
    else:
        sys.stderr.write(render_notice(policy))
    path, key = config_target(policy)
    opt_out = notice_commands(policy)["opt_out"]
    if read_consent(policy) is None and not _held_elsewhere(policy):
        write_consent(True, policy)
        state.record_choice("init", key=key, value=MODE_TO_JSON["on"])
        print(f"{display(path)}: {key} = true (change it any time: {opt_out})")
    else:
        print(f"{display(path)}: {key} already set; left as it is")
    print(state_line(explain(policy)))
    return 0


def state_line(decision: Decision) -> str:
    """What collection is now, and which source says so (``init`` ends with it)."""
    said = {"on": "on: reports are sent", "local": "local: reports are kept on this machine only",
            "off": "off: nothing is collected"}[decision.mode]
    return f"usage stats {said} (decided by {decision.decided_by or 'no source'})"


def run_history(args: argparse.Namespace) -> int:
    entries = StateFile(locations(args.policy_model).state_file).history()
    if args.json:
        print(json.dumps(entries, indent=2, ensure_ascii=False))
        return 0
    if not entries:
        print("no notice shown and no choice recorded yet")
    for entry in entries:
        shown = {k: v if isinstance(v, str) else json.dumps(v) for k, v in entry.items() if k not in ("at", "event")}
        detail = " ".join(f"{k}={v}" for k, v in shown.items())
        print(f"{entry.get('at', '?')!s}  {entry.get('event', '?')!s:<10}  {detail}")
    return 0
