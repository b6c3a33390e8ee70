"""A small click host that mounts the usage commands: ``python examples/host_click.py usage explain``.

Typer apps (0.29 and later bundle their own click) mount ``typer_app()`` instead: see host_typer.py.
"""

from __future__ import annotations

import click

from usage_consent.cli.host import click_group


@click.group()
def cli() -> None:
    """mytool: a host with its own commands."""


@cli.command()
def hello() -> None:
    """The host's own command."""
    click.echo("hello")


cli.add_command(click_group("usage"))

if __name__ == "__main__":
    cli(prog_name="mytool")
