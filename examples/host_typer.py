"""A small Typer host that mounts the usage commands: ``python examples/host_typer.py usage explain``.

Typer 0.29 and later bundle their own click, so a Typer app mounts ``typer_app()``, not ``click_group()``.
"""

import typer

from usage_consent.cli.host import typer_app

app = typer.Typer(name="mytool", add_completion=False, help="mytool: a host with its own commands.")


@app.command()
def hello() -> None:
    """The host's own command."""
    typer.echo("hello")


app.add_typer(typer_app(), name="usage")

if __name__ == "__main__":
    app(prog_name="mytool")
