"""A small argparse host that mounts the usage commands: ``python examples/host_argparse.py usage explain``.

The two lines a host adds are marked; its users then type ``mytool usage set false`` and so on.
"""

from __future__ import annotations

import argparse
import sys

from usage_consent.cli.host import add_argparse  # 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mytool")
    commands = parser.add_subparsers(dest="command", required=True)
    hello = commands.add_parser("hello", help="the host's own command")
    hello.set_defaults(func=lambda args: print("hello") or 0)
    add_argparse(commands, "usage")  # 2 (policy=None: the embedded one; a host passes its own)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
