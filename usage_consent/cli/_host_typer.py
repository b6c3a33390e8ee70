"""The mounted commands as a Typer app, for hosts built with Typer (Skyplane is one).

Typer 0.29 and later bundle their own copy of click, so a click group from
:func:`usage_consent.cli.host.click_group` cannot be added to their apps; this builds the same
commands with Typer's public API instead. Needs ``usage-consent[typer]``::

    from usage_consent.cli.host import typer_app
    app.add_typer(typer_app(policy=POLICY), name="usage")

Each command runs the same code as ``usage-consent`` (through :func:`usage_consent.cli.host.runner`),
so output, exit codes and files are the same. Annotations here are real objects (no ``from
__future__ import annotations``): Typer reads them at run time.
"""

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Optional

from usage_consent.cli.host import COMMANDS, GROUP_HELP, SUBGROUP_HELP, Command, runner

try:
    import typer
except ImportError:  # this module is imported only by typer_app(), so a host without Typer never gets here
    raise ImportError("usage_consent.cli.host.typer_app needs Typer: pip install 'usage-consent[typer]'",
                      name="typer") from None

if TYPE_CHECKING:
    from usage_consent.cli.host import PolicyLike

__all__ = ["typer_app"]


def _callback(command: Command, policy: "PolicyLike") -> Callable[..., None]:
    """A function whose signature Typer turns into the command's options and argument."""

    def run(ctx: typer.Context, **params: Any) -> None:
        prog = " ".join(ctx.command_path.split()[: -len(command.words)])
        raise typer.Exit(runner(command, policy, prog)(argparse.Namespace(**params)))

    if command.json:
        def with_json(ctx: typer.Context, json: bool = typer.Option(False, "--json", help="print JSON")) -> None:
            run(ctx, json=json)
        return with_json
    if command.argument:
        argument = command.argument
        metavar = argument.upper()
        default = None if command.optional else ...

        def with_argument(ctx: typer.Context,
                          value: Optional[str] = typer.Argument(default, metavar=metavar)) -> None:  # noqa: UP045
            run(ctx, **{argument: value})
        return with_argument

    def plain(ctx: typer.Context) -> None:
        run(ctx)
    return plain


def typer_app(name: str = "usage", policy: "PolicyLike" = None) -> typer.Typer:
    """The usage commands as a ``typer.Typer`` to add with ``app.add_typer(..., name=name)``."""
    app = typer.Typer(name=name, help=GROUP_HELP, no_args_is_help=True, add_completion=False)
    apps: dict[tuple[str, ...], typer.Typer] = {(): app}
    for command in COMMANDS:
        for depth in range(1, len(command.words)):
            words = command.words[:depth]
            if words not in apps:
                apps[words] = typer.Typer(help=SUBGROUP_HELP, no_args_is_help=True)
                apps[words[:-1]].add_typer(apps[words], name=words[-1])
        apps[command.words[:-1]].command(command.words[-1], help=command.help)(_callback(command, policy))
    return app
