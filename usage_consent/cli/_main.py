"""``usage-consent [--policy FILE] COMMAND``: exit 0 on success, 1 on failure, 2 on bad usage.

Results go to stdout, messages to stderr. The commands are the rows of the command table
(``_commands.py``); a command's module is imported only when it runs, so ``--help`` loads no pydantic.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from usage_consent.cli._commands import DESCRIPTION, OPTIONS, PROG
from usage_consent.cli._execute import execute
from usage_consent.cli._parser import add_argument, add_commands

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description=DESCRIPTION)
    for option in OPTIONS:
        add_argument(parser, option)
    add_commands(parser, "usage-consent", lambda command, leaf: leaf.set_defaults(run=command.run),
                 lambda words: ("action", "ACTION") if words else ("command", "COMMAND"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):  # a lone surrogate in a file or variable is shown escaped
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    logging.basicConfig(format="usage-consent: warning: %(message)s", level=logging.WARNING)
    args = build_parser().parse_args(argv)

    def run(args: argparse.Namespace) -> int | None:
        from usage_consent.policy import embedded_policy, load_policy

        args.policy_model = load_policy(args.policy) if args.policy is not None else embedded_policy()
        args.policy_source = args.policy  # decide/explain pass it on: the decision memo is keyed by the file
        return args.run(args)

    return execute(run, args, "usage-consent")


if __name__ == "__main__":
    sys.exit(main())
