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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Any

from usage_consent.cli._execute import execute

if TYPE_CHECKING:
    from typing import TypeAlias

    import click
    import typer

    from usage_consent.policy import Policy
    from usage_consent.policy._paths import PolicySource

    PolicyLike: TypeAlias = Policy | PolicySource | None  # the policy, or its TOML file or resource

@dataclass(frozen=True)
class Command:
    """One mounted command: its words, help, the implementation (``module:function`` in
    ``usage_consent.cli``), and its options."""

    words: tuple[str, ...]
    help: str
    target: str
    json: bool = False
    argument: str | None = None
    optional: bool = False


COMMANDS = (
    Command(("init",), "first run: show and record the notice, default the setting to true, say the state",
            "notice_cmd:run_init"),
    Command(("explain",), "show the decision and what every source said; changes no file",
            "explain_cmd:run_explain", json=True),
    Command(("notice",), "print the notice for the current schema (not recorded)", "notice_cmd:run_notice"),
    Command(("records", "list"), "sessions with time, mode and send status", "records_cmd:run_list", json=True),
    Command(("records", "show"), "the exact JSON of one report (the newest by default)", "records_cmd:run_show",
            argument="session_id", optional=True),
    Command(("records", "path"), "where reports are kept", "records_cmd:run_path"),
    Command(("forget",), "delete local records and pending reports; start a new client id", "records_cmd:run_forget"),
    Command(("history",), "the notices shown and choices made, oldest first", "notice_cmd:run_history", json=True),
    Command(("set",), "set usage stats: true/false, 1/0, yes/no, on/off, or local", "config_cmd:run_set",
            argument="value"),
    Command(("get",), "print the config file's value, or unset", "config_cmd:run_get"),
    Command(("unset",), "remove the setting from the config file", "config_cmd:run_unset"),
)
SUBGROUP_HELP = "the local copy of every report"
GROUP_HELP = "anonymous usage statistics: why they are on or off, what was sent, and your choice"


def _load(policy: PolicyLike) -> Policy:
    from usage_consent.policy._load import policy_from

    return policy_from(policy)


def runner(command: Command, policy: PolicyLike, prog: str) -> Callable[[argparse.Namespace], int]:
    """What the host calls with the parsed arguments: runs ``command`` and returns its exit code."""
    module, name = command.target.split(":")

    def run(args: argparse.Namespace) -> int | None:
        args.policy_model = _load(policy)
        args.key = args.policy_model.key  # set/get/unset manage the policy's one key
        args.command_prefix = prog
        return getattr(import_module(f"usage_consent.cli._{module}"), name)(args)

    def func(args: argparse.Namespace) -> int:
        given = {"json": False, "session_id": None, "value": None, **vars(args)}
        with _warnings_shown(prog):
            return execute(run, argparse.Namespace(**given), prog)

    return func


@contextlib.contextmanager
def _warnings_shown(prog: str) -> Iterator[None]:
    """While a command runs in a host that set up no logging, warnings read ``<prog>: warning: ...``
    on stderr, as ``usage-consent`` prints them (not Python's bare last-resort line)."""
    import logging
    import sys

    logger = logging.getLogger("usage_consent")
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
    group = subparsers.add_parser(name, help=GROUP_HELP, description=GROUP_HELP)
    prog = group.prog
    parents: dict[tuple[str, ...], argparse._SubParsersAction] = {}

    def actions(words: tuple[str, ...], parser: argparse.ArgumentParser) -> argparse._SubParsersAction:
        if words not in parents:
            parents[words] = parser.add_subparsers(dest=f"usage_{'_'.join(words) or 'command'}",
                                                   metavar="COMMAND", required=True)
            parser.set_defaults(func=lambda args, parser=parser: (parser.print_usage(), 2)[1])
        return parents[words]

    nested: dict[tuple[str, ...], argparse.ArgumentParser] = {(): group}
    for command in COMMANDS:
        for depth in range(1, len(command.words)):
            words = command.words[:depth]
            if words not in nested:
                nested[words] = actions(words[:-1], nested[words[:-1]]).add_parser(words[-1], help=SUBGROUP_HELP)
        parser = actions(command.words[:-1], nested[command.words[:-1]]).add_parser(
            command.words[-1], help=command.help, description=command.help)
        if command.json:
            parser.add_argument("--json", action="store_true", help="print JSON")
        if command.argument:
            parser.add_argument(command.argument, nargs="?" if command.optional else None)
        parser.set_defaults(func=runner(command, policy, prog))
    return group


def click_group(name: str = "usage", policy: PolicyLike = None) -> click.Group:
    """The same commands as a click group (for click apps, and Typer before 0.29); needs ``usage-consent[click]``."""
    try:
        import click
    except ImportError:
        raise ImportError("usage_consent.cli.host.click_group needs click: pip install 'usage-consent[click]'",
                          name="click") from None

    group = click.Group(name, help=GROUP_HELP)
    groups: dict[tuple[str, ...], click.Group] = {(): group}
    for command in COMMANDS:
        for depth in range(1, len(command.words)):
            words = command.words[:depth]
            if words not in groups:
                groups[words] = click.Group(words[-1], help=SUBGROUP_HELP)
                groups[words[:-1]].add_command(groups[words])
        params: list[click.Parameter] = []
        if command.json:
            params.append(click.Option(["--json"], is_flag=True, help="print JSON"))
        if command.argument:
            params.append(click.Argument([command.argument], required=not command.optional))
        groups[command.words[:-1]].add_command(click.Command(
            command.words[-1], params=params, help=command.help, callback=_click_callback(command, policy)))
    return group


def _click_callback(command: Command, policy: PolicyLike) -> Callable[..., None]:
    def callback(**params: Any) -> None:
        import click

        context = click.get_current_context()
        prog = " ".join(context.command_path.split()[: -len(command.words)])
        context.exit(runner(command, policy, prog)(argparse.Namespace(**params)))

    return callback


def typer_app(name: str = "usage", policy: PolicyLike = None) -> typer.Typer:
    """The same commands as a Typer app, for Typer hosts (``app.add_typer(typer_app(), name="usage")``);
    needs ``usage-consent[typer]``. Typer 0.29 and later bundle their own click, so they cannot
    take :func:`click_group`."""
    from usage_consent.cli._host_typer import typer_app as build

    return build(name, policy)


__all__ = ["COMMANDS", "Command", "add_argparse", "click_group", "runner", "typer_app"]
