"""``usage-consent [--policy FILE] COMMAND``: exit 0 on success, 1 on failure, 2 on bad usage.

Results go to stdout, messages to stderr.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from usage_consent.cli import _collector_cmd as collector_cmd
from usage_consent.cli import _config_cmd as config_cmd
from usage_consent.cli import _explain_cmd as explain_cmd
from usage_consent.cli import _new_host as new_host_cmd
from usage_consent.cli import _notice_cmd as notice_cmd
from usage_consent.cli import _policy_cmd as policy_cmd
from usage_consent.cli import _records_cmd as records_cmd
from usage_consent.cli import _schema_cmd as schema_cmd
from usage_consent.cli._execute import execute
from usage_consent.policy import embedded_policy, load_policy

__all__ = ["COMMANDS", "build_parser", "main"]

COMMANDS = (explain_cmd, config_cmd, notice_cmd, records_cmd, schema_cmd, policy_cmd, new_host_cmd, collector_cmd)


def _policy_argument(value: str) -> str:
    """``--policy``'s value: a file or a shipped name; an empty one is bad usage (it would silently
    mean the embedded policy)."""
    if not value.strip():
        from usage_consent.policy._load import SHIPPED

        raise argparse.ArgumentTypeError(f"must name a policy file or a shipped policy ({', '.join(SHIPPED)}); "
                                         f"got {value!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="usage-consent",
        description="Decide, explain and control anonymous usage-stats collection.",
    )
    parser.add_argument("--policy", metavar="FILE|NAME", type=_policy_argument,
                        help="a policy TOML file, or a shipped policy: skyplane (the default), skyplane-0.3")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMANDS:
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):  # a lone surrogate in a file or variable is shown escaped
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    logging.basicConfig(format="usage-consent: warning: %(message)s", level=logging.WARNING)
    args = build_parser().parse_args(argv)

    def run(args: argparse.Namespace) -> int | None:
        args.policy_model = load_policy(args.policy) if args.policy is not None else embedded_policy()
        return args.run(args)

    return execute(run, args, "usage-consent")


if __name__ == "__main__":
    sys.exit(main())
