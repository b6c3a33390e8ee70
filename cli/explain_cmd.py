"""``usage-consent explain [--json]``: why collection would be on or off for a transfer started now."""

from __future__ import annotations

import argparse
import json

from usage_consent.policy import explain


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("explain", help="show the decision and what every source said")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    decision = explain(args.policy_model)
    if args.json:
        print(json.dumps(decision.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(decision)
        state = decision.notice
        if state:
            last = f"v{state['shown_version']}" if state["shown_version"] else "never"
            verb = "would be shown" if state["would_show"] else "not due"
            print(f"notice: {verb} (current v{state['current_version']}; last shown: {last})")
        if decision.mode == "on":
            print("endpoints: " + (", ".join(decision.endpoints) or "none (reports are recorded, not sent)"))
    return 0
