"""The mounted commands as a click group, built from the command table (``_commands.py``), for
click apps and Typer before 0.29. Needs ``usage-consent[click]``::

    from usage_consent.cli.host import click_group
    cli.add_command(click_group(policy=POLICY))

Each command runs the same code as ``usage-consent`` (through :func:`usage_consent.cli.host.runner`),
so output, exit codes and files are the same.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from usage_consent.cli._commands import GROUPS, HOST_GROUP_HELP, Command, Param, offered
from usage_consent.cli.host import runner

try:
    import click
except ImportError:  # imported only by click_group(), so a host without click never gets here
    raise ImportError("usage_consent.cli.host.click_group needs click: pip install 'usage-consent[click]'",
                      name="click") from None

if TYPE_CHECKING:
    from usage_consent.cli.host import PolicyLike

__all__ = ["click_group", "click_param"]


def click_param(param: Param) -> click.Parameter:
    """``param`` as one click argument or option."""
    kind: Any = click.Choice(param.choices) if param.choices else param.type
    if param.flag:
        return click.Option([param.flags], is_flag=True, help=param.help)
    if param.positional:
        return click.Argument([param.name], required=not param.optional, type=kind, default=param.default,
                              metavar=param.metavar)
    return click.Option([param.flags, param.name], type=kind, default=param.default, metavar=param.metavar,
                        help=param.help)


def _callback(command: Command, words: tuple[str, ...], policy: PolicyLike) -> Callable[..., None]:
    def callback(**params: Any) -> None:
        context = click.get_current_context()
        prog = " ".join(context.command_path.split()[: -len(words)])
        context.exit(runner(command, policy, prog)(argparse.Namespace(**params)))

    return callback


def click_group(name: str = "usage", policy: PolicyLike = None) -> click.Group:
    """The commands a host mounts, as the click group ``name``."""
    group = click.Group(name, help=HOST_GROUP_HELP)
    groups: dict[tuple[str, ...], click.Group] = {(): group}
    for words, command in offered("host"):
        for depth in range(1, len(words)):
            path = words[:depth]
            if path not in groups:
                groups[path] = click.Group(path[-1], help=GROUPS[path])
                groups[path[:-1]].add_command(groups[path])
        groups[words[:-1]].add_command(click.Command(
            words[-1], params=[click_param(param) for param in command.params_in("host")], help=command.help,
            callback=_callback(command, words, policy)))
    return group
