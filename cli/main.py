"""``usage-consent [--policy FILE] COMMAND``: exit 0 on success, 1 on failure, 2 on bad usage.

Results go to stdout, messages to stderr.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from usage_consent.cli import (
    config_cmd,
    explain_cmd,
    notice_cmd,
    policy_cmd,
    records_cmd,
    schema_cmd,
)
from usage_consent.policy import embedded_policy, load_policy
from usage_consent.schemas.errors import ConsentValueError, UsageConsentError

COMMANDS = (explain_cmd, config_cmd, notice_cmd, records_cmd, schema_cmd, policy_cmd)


class UsageError(Exception):
    """Bad usage of the command: exit 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="usage-consent",
        description="Decide, explain and control anonymous usage-stats collection.",
    )
    parser.add_argument("--policy", metavar="FILE", help="a policy TOML file (default: Skyplane's)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMANDS:
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(format="usage-consent: warning: %(message)s", level=logging.WARNING)
    args = build_parser().parse_args(argv)
    try:
        args.policy_model = load_policy(args.policy) if args.policy else embedded_policy()
        return int(args.run(args) or 0)
    except (ConsentValueError, UsageError) as error:
        print(f"usage-consent: {error}", file=sys.stderr)
        return 2
    except UsageConsentError as error:
        print(f"usage-consent: {error}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 1
    except OSError as error:  # a file the command had to touch: say which, without a traceback
        where = f"{error.filename}: " if error.filename else ""
        print(f"usage-consent: {where}{error.strerror or error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
