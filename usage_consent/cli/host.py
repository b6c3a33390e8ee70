"""The commands a host mounts in its own command line, bound to the host's policy.

    # argparse: every parser added sets ``func``; the host runs ``sys.exit(args.func(args))``
    from usage_consent.cli.host import add_argparse
    add_argparse(subparsers, policy="skyplane_policy.toml")

    # click: pip install 'usage-consent[click]'
    from usage_consent.cli.host import click_group
    cli.add_command(click_group(policy=POLICY))

    # Typer (0.29 and later bundle their own click): pip install 'usage-consent[typer]'
    from usage_consent.cli.host import typer_app
    app.add_typer(typer_app(policy=POLICY), name="usage")

Its users then type ``<host> usage init``, ``explain [--json]``, ``notice``, ``records list|show|path``,
``forget``, ``history``, ``set VALUE``, ``get`` and ``unset`` (the last three: the policy's
consent key in its config file). Each runs the same code as ``usage-consent`` does, with the same
output, exit codes and files. Building the group loads nothing heavy: the policy is loaded and
the command's module imported only when a command runs.
"""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from usage_consent.cli._commands import HOST_GROUP_HELP, Command, offered
from usage_consent.cli._execute import execute
from usage_consent.cli._parser import add_commands

if TYPE_CHECKING:
    from typing import TypeAlias

    import click
    import typer

    from usage_consent.policy import Policy
    from usage_consent.policy._paths import PolicySource

    PolicyLike: TypeAlias = Policy | PolicySource | None  # the policy, or its TOML file or resource

COMMANDS = tuple(command for _, command in offered("host"))  # the rows of the command table a host mounts


def _load(policy: PolicyLike) -> Policy:
    from usage_consent.policy._load import policy_from

    return policy_from(policy)


def runner(command: Command, policy: PolicyLike, prog: str) -> Callable[[argparse.Namespace], int]:
    """What the host calls with the parsed arguments: runs ``command`` and returns its exit code."""

    def run(args: argparse.Namespace) -> int | None:
        args.policy_model = _load(policy)
        if policy is None or isinstance(policy, str | os.PathLike):
            args.policy_source = policy  # decide/explain pass it on: the decision memo is keyed by the file
        args.key = args.policy_model.key  # set/get/unset manage the policy's one key
        args.command_prefix = prog
        return command.run(args)

    def func(args: argparse.Namespace) -> int:
        given = {**command.defaults(), **vars(args)}
        with _warnings_shown(prog):
            return execute(run, argparse.Namespace(**given), prog)

    return func


@contextlib.contextmanager
def _warnings_shown(prog: str) -> Iterator[None]:
    """While a command runs in a host that set up no logging, warnings read ``<prog>: warning: ...``
    on stderr, as ``usage-consent`` prints them (not Python's bare last-resort line)."""
    import logging
    import sys

    from usage_consent._log import NAME

    logger = logging.getLogger(NAME)
    if logger.hasHandlers():  # the host's own logging shows them
        yield
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(f"{prog}: warning: %(message)s"))
    handler.setLevel(logging.WARNING)
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)


def add_argparse(subparsers: argparse._SubParsersAction, name: str = "usage", policy: PolicyLike = None,
                 ) -> argparse.ArgumentParser:
    """Add the group ``name`` to a host's argparse ``subparsers``; returns the group's parser."""
    group = subparsers.add_parser(name, help=HOST_GROUP_HELP, description=HOST_GROUP_HELP)
    prog = group.prog
    parsers = add_commands(group, "host", lambda command, leaf: leaf.set_defaults(func=runner(command, policy, prog)),
                           lambda words: (f"usage_{'_'.join(words) or 'command'}", "COMMAND"))
    commands = {command.words_in("host") for command in COMMANDS}
    for words, parser in parsers.items():
        if words not in commands:  # a group run without its command: its usage, exit 2
            parser.set_defaults(func=lambda args, parser=parser: (parser.print_usage(), 2)[1])
    return group


def click_group(name: str = "usage", policy: PolicyLike = None) -> click.Group:
    """The same commands as a click group (for click apps, and Typer before 0.29); needs ``usage-consent[click]``."""
    from usage_consent.cli._host_click import click_group as build

    return build(name, policy)


def typer_app(name: str = "usage", policy: PolicyLike = None) -> typer.Typer:
    """The same commands as a Typer app, for Typer hosts (``app.add_typer(typer_app(), name="usage")``);
    needs ``usage-consent[typer]``. Typer 0.29 and later bundle their own click, so they cannot
    take :func:`click_group`."""
    from usage_consent.cli._host_typer import typer_app as build

    return build(name, policy)


__all__ = ["COMMANDS", "Command", "add_argparse", "click_group", "runner", "typer_app"]
