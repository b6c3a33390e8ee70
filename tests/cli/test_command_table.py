"""One command table builds every command line: `usage-consent`'s own parser and the group a host
mounts with argparse, click or Typer offer the table's commands, no more and no fewer, with the
same words, arguments, help lines and exit codes."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
import typer
import typer.main
from click.testing import CliRunner
from typer.testing import CliRunner as TyperRunner

from usage_consent.cli._commands import COMMANDS, GROUPS, HOST_GROUP_HELP, Command, Param, offered
from usage_consent.cli._main import build_parser, main
from usage_consent.cli.host import add_argparse, click_group, typer_app

TREES = ["usage-consent", "argparse", "click", "typer"]
HOST_TREES = ["argparse", "click", "typer"]
WIDE = {"COLUMNS": "200", "TERM": "dumb", "NO_COLOR": "1"}  # no help line wrapped or coloured


# --- each tree, built and walked ------------------------------------------------------------------

def host_argparse() -> argparse.ArgumentParser:
    """A host's argparse parser ``mytool`` with the group mounted as ``usage``."""
    parser = argparse.ArgumentParser(prog="mytool")
    add_argparse(parser.add_subparsers(dest="command", required=True), "usage")
    return parser


def host_click() -> click.Group:
    @click.group()
    def mytool() -> None:
        """mytool"""

    mytool.add_command(click_group("usage"))
    return mytool


def host_typer() -> typer.Typer:
    app = typer.Typer(name="mytool", add_completion=False)

    @app.command()
    def hello() -> None:
        """the host's own command"""

    app.add_typer(typer_app(), name="usage")
    return app


def argparse_leaves(parser: argparse.ArgumentParser, words: tuple[str, ...] = ()) -> dict[tuple[str, ...], str]:
    """Every command under ``parser`` (a parser without subcommands), with its help line in its parent's list."""
    found: dict[tuple[str, ...], str] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, sub in action.choices.items():
                below = argparse_leaves(sub, (*words, name))
                found.update(below or {(*words, name): helps[name]})
    return found


def click_leaves(group: click.Group, words: tuple[str, ...] = ()) -> dict[tuple[str, ...], str]:
    found: dict[tuple[str, ...], str] = {}
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            found.update(click_leaves(command, (*words, name)))
        else:
            found[(*words, name)] = command.help
    return found


def leaves(tree: str) -> dict[tuple[str, ...], str]:
    """The commands the tree offers (under the host's ``usage``), each with its help line."""
    if tree == "usage-consent":
        return argparse_leaves(build_parser())
    if tree == "argparse":
        found = argparse_leaves(host_argparse())
    elif tree == "click":
        found = click_leaves(host_click())
    else:
        found = click_leaves(typer.main.get_command(host_typer()))  # Typer's own click
    assert all(words[0] in ("usage", "hello") for words in found)
    return {words[1:]: helptext for words, helptext in found.items() if words[0] == "usage"}


def where(tree: str) -> str:
    return "usage-consent" if tree == "usage-consent" else "host"


# --- arguments: a sample command line for each row, and what it parses to -------------------------

SAMPLE = {int: "3", float: "2.5", Path: "some/dir", str: "x"}


def sample(param: Param) -> tuple[list[str], Any]:
    """A command line giving ``param``, and the value the command must read from it."""
    if param.flag:
        return [param.flags], True
    text = param.choices[-1] if param.choices else SAMPLE.get(param.type, "x")
    value = text if param.choices else param.type(text)
    return ([text] if param.positional else [param.flags, text]), value


def parse(tree: str, words: tuple[str, ...], argv: list[str], names: list[str]) -> dict[str, Any]:
    """The values of ``names`` the tree's real parser reads from ``WORDS ARGV`` (nothing runs)."""
    if tree == "usage-consent":
        parsed = vars(build_parser().parse_args([*words, *argv]))
    elif tree == "argparse":
        parsed = vars(host_argparse().parse_args(["usage", *words, *argv]))
    else:
        command: Any = host_click() if tree == "click" else typer.main.get_command(host_typer())
        for word in ("usage", *words):
            command = command.commands[word]
        parsed = command.make_context(words[-1], list(argv)).params
    return {name: parsed[name] for name in names}


ROWS = [pytest.param(command, id=" ".join(command.words)) for command in COMMANDS]
PAIRS = [pytest.param(tree, command, id=f"{tree}: {' '.join(words)}")
         for tree in TREES for words, command in offered(where(tree))]


# --- the specs --------------------------------------------------------------------------------------

@pytest.mark.parametrize("tree", TREES)
def test_each_tree_offers_exactly_the_tables_commands(tree):
    """The tree's commands are the rows offered there, in the table's words: one added to a tree by hand, or
    missing from it, fails here."""
    assert sorted(leaves(tree)) == sorted(words for words, _ in offered(where(tree)))


@pytest.mark.parametrize("tree", TREES)
def test_each_tree_shows_the_rows_help_line(tree):
    """Each command's line in its group's list is its row's help line, in every tree."""
    shown = leaves(tree)
    assert {words: shown[words] for words, _ in offered(where(tree))} == {
        words: command.help for words, command in offered(where(tree))}


def test_the_hosts_commands_are_the_rows_marked_for_hosts():
    """A host's group offers the rows whose `host` column says so; usage-consent offers every row."""
    assert [" ".join(words) for words, _ in offered("host")] == [
        "init", "explain", "notice", "records list", "records show", "records path", "forget", "history", "set",
        "get", "unset"]
    assert [command for _, command in offered("usage-consent")] == list(COMMANDS)


def test_every_group_word_has_one_help_line():
    """Every word that groups commands, in either tree, has its help line in GROUPS, and GROUPS has no other."""
    groups = {words[:depth] for where_ in ("usage-consent", "host") for words, _ in offered(where_)
              for depth in range(1, len(words))}
    assert groups == set(GROUPS)


@pytest.mark.parametrize(("tree", "command"), PAIRS)
def test_every_tree_reads_the_same_arguments(tree, command: Command):
    """The same command line parses to the same values in every tree: every argument and option given, then only
    the required ones (the rest read as their defaults)."""
    words = command.words_in(where(tree))
    params = command.params_in(where(tree))
    names = [param.name for param in params]
    given = {param.name: sample(param) for param in params}
    argv = [text for texts, _ in given.values() for text in texts]
    assert parse(tree, words, argv, names) == {name: value for name, (_, value) in given.items()}
    needed = [param.name for param in params if param.positional and not param.optional]
    least = [text for name in needed for text in given[name][0]]
    assert parse(tree, words, least, names) == {
        param.name: given[param.name][1] if param.name in needed else param.value for param in params}


@pytest.mark.parametrize("tree", HOST_TREES)
@pytest.mark.parametrize(("words", "command"), [pytest.param(words, command, id=" ".join(words))
                                                for words, command in offered("host")])
def test_each_host_commands_help_says_what_it_does(tree, words, command, capsys, monkeypatch):
    """`mytool usage WORDS --help`, run through the tree's real parser or runner, exits 0 and shows the row's help
    line and each option's help."""
    if tree == "argparse":
        monkeypatch.setenv("COLUMNS", "200")
        with pytest.raises(SystemExit) as exited:
            host_argparse().parse_args(["usage", *words, "--help"])
        code, out = exited.value.code, capsys.readouterr().out
    else:
        runner = CliRunner() if tree == "click" else TyperRunner()
        app = host_click() if tree == "click" else host_typer()
        result = runner.invoke(app, ["usage", *words, "--help"], prog_name="mytool", env=WIDE, terminal_width=200)
        code, out = result.exit_code, result.output
    assert code == 0
    assert command.help in out
    for param in command.params_in("host"):
        assert param.help is None or param.help in out


@pytest.mark.parametrize(("tree", "command"), PAIRS)
def test_bad_usage_exits_2_in_every_tree(tree, command, capsys):
    """An option the command does not have is bad usage: exit 2, in every tree, before anything runs."""
    words = command.words_in(where(tree))
    argv = [*words, *(text for param in command.params_in(where(tree)) if param.positional and not param.optional
                      for text in sample(param)[0]), "--no-such-option"]
    if tree in ("usage-consent", "argparse"):
        parser = build_parser() if tree == "usage-consent" else host_argparse()
        with pytest.raises(SystemExit) as exited:
            parser.parse_args(argv if tree == "usage-consent" else ["usage", *argv])
        code, said = exited.value.code, capsys.readouterr().err
    else:
        runner = CliRunner() if tree == "click" else TyperRunner()
        result = runner.invoke(host_click() if tree == "click" else host_typer(), ["usage", *argv],
                               prog_name="mytool", env=WIDE)
        code, said = result.exit_code, result.output
    assert code == 2
    assert "--no-such-option" in said


@pytest.mark.parametrize("tree", HOST_TREES)
def test_a_mounted_command_runs_the_rows_function(home, tree, capsys):
    """`mytool usage set local` then `get`, run through the tree's real runner, write and read the file as
    `usage-consent config set|get usage_stats` do, with the same output and exit code."""
    def run(*words: str) -> tuple[int, str]:
        if tree == "argparse":
            args = host_argparse().parse_args(["usage", *words])
            code = args.func(args)
            return code, capsys.readouterr().out
        runner = CliRunner() if tree == "click" else TyperRunner()
        result = runner.invoke(host_click() if tree == "click" else host_typer(), ["usage", *words],
                               prog_name="mytool", env=WIDE)
        return result.exit_code, result.stdout

    code, said = run("set", "local")
    assert code == 0 and said
    written = home.config.read_bytes()
    assert run("get") == (0, "local\n")
    home.config.unlink()
    assert main(["config", "set", "usage_stats", "local"]) == 0
    assert capsys.readouterr().out == said
    assert home.config.read_bytes() == written
    assert main(["config", "get", "usage_stats"]) == 0
    assert capsys.readouterr().out == "local\n"


def test_usage_consent_help_loads_no_command_module_and_no_pydantic():
    """`usage-consent --help` builds its parser from the table alone: no command's module, no pydantic."""
    code = ("import sys, json\nfrom usage_consent.cli._main import main\ntry:\n    main(['--help'])\n"
            "except SystemExit:\n    pass\nprint(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('pydantic', 'jsonschema', 'requests') or m.endswith('_cmd'))), file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "usage: usage-consent" in result.stdout
    assert json.loads(result.stderr) == []


def test_the_host_group_says_what_it_is():
    """The group a host mounts has one help line, the same in each tree."""
    parser = host_argparse()
    group = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert [choice.help for choice in group._choices_actions] == [HOST_GROUP_HELP]
    assert click_group().help == HOST_GROUP_HELP
    assert typer.main.get_command(typer_app()).help == HOST_GROUP_HELP
