"""The mounted commands as a Typer app, built from the command table (``_commands.py``), for hosts
built with Typer (Skyplane is one).

Typer 0.29 and later bundle their own copy of click, so a click group from
:func:`usage_consent.cli.host.click_group` cannot be added to their apps; this builds the same
commands with Typer's public API instead. Needs ``usage-consent[typer]``::

    from usage_consent.cli.host import typer_app
    app.add_typer(typer_app(policy=POLICY), name="usage")

Each command runs the same code as ``usage-consent`` (through :func:`usage_consent.cli.host.runner`),
so output, exit codes and files are the same. Typer reads a command's parameters from its
function's signature: each command gets one, written from its row's parameters. Annotations here
are real objects (no ``from __future__ import annotations``): Typer reads them at run time.
"""

import argparse
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, Optional

from usage_consent.cli._commands import GROUPS, HOST_GROUP_HELP, Command, Param, offered
from usage_consent.cli.host import runner

try:
    import typer
except ImportError:  # this module is imported only by typer_app(), so a host without Typer never gets here
    raise ImportError("usage_consent.cli.host.typer_app needs Typer: pip install 'usage-consent[typer]'",
                      name="typer") from None

if TYPE_CHECKING:
    from usage_consent.cli.host import PolicyLike

__all__ = ["typer_app", "typer_param"]


def typer_param(param: Param) -> inspect.Parameter:
    """``param`` as one parameter of a command function, the way Typer reads it."""
    kind: Any = Literal.__getitem__(param.choices) if param.choices else param.type  # a closed set: a Literal
    default = param.default
    if param.flag:
        info, kind = typer.Option(False, param.flags, help=param.help), bool
    elif param.positional:
        info = typer.Argument(default if param.optional else ..., metavar=param.metavar or param.name.upper(),
                              help=param.help)
    else:
        info = typer.Option(default, param.flags, metavar=param.metavar, help=param.help)
    annotation = kind if param.flag or default is not None else Optional[kind]  # noqa: UP045 - a run-time object
    return inspect.Parameter(param.name, inspect.Parameter.KEYWORD_ONLY, default=info, annotation=annotation)


def _callback(command: Command, words: tuple[str, ...], policy: "PolicyLike") -> Callable[..., None]:
    """The command's function: its signature is the row's parameters (and Typer's context)."""

    def run(ctx: typer.Context, **params: Any) -> None:
        prog = " ".join(ctx.command_path.split()[: -len(words)])
        raise typer.Exit(runner(command, policy, prog)(argparse.Namespace(**params)))

    context = inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context)
    run.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [context, *(typer_param(param) for param in command.params_in("host"))])
    return run


def typer_app(name: str = "usage", policy: "PolicyLike" = None) -> typer.Typer:
    """The usage commands as a ``typer.Typer`` to add with ``app.add_typer(..., name=name)``."""
    app = typer.Typer(name=name, help=HOST_GROUP_HELP, no_args_is_help=True, add_completion=False)
    apps: dict[tuple[str, ...], typer.Typer] = {(): app}
    for words, command in offered("host"):
        for depth in range(1, len(words)):
            path = words[:depth]
            if path not in apps:
                apps[path] = typer.Typer(help=GROUPS[path], no_args_is_help=True)
                apps[path[:-1]].add_typer(apps[path], name=path[-1])
        apps[words[:-1]].command(words[-1], help=command.help)(_callback(command, words, policy))
    return app
