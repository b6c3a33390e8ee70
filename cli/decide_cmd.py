"""``usage-consent decide [--json]``: what a host does before a transfer, for hosts that are not Python.

It takes the decision (showing and recording the notice when it is due, on stderr) and prints
the mode (on, off or local) on stdout.
"""

from __future__ import annotations

import argparse
import json

from usage_consent.policy import decide


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("decide", help="take the decision for a transfer starting now; print the mode")
    parser.add_argument("--json", action="store_true", help="print the decision as one JSON object")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    decision = decide(args.policy_model)
    print(json.dumps(decision.to_dict(), indent=2) if args.json else decision.mode)
    return 0
