"""The command table: every command of ``usage-consent`` and of the group a host mounts, written once.

Each row is one command: its words, its help line, the function that runs it (``module:function``
in ``usage_consent.cli``, imported only when the command runs), its arguments and options, and
where it is offered (``host``: also in the group a host mounts, under the same words or others).
Every parser is built from this table and from nothing else: ``usage-consent``'s own and a host's
argparse group (``_parser.py``), a host's click group (``_host_click.py``) and Typer app
(``_host_typer.py``). The exit codes are those of ``_execute.execute`` for every command in every
tree: 0 success, 1 failure, 2 bad usage (a command line the parser refuses is 2 in argparse, click
and Typer alike).

Importing this module loads nothing heavy: no pydantic, no command module.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any, Literal

__all__ = ["CLIS", "COMMANDS", "DESCRIPTION", "GROUPS", "HOST_GROUP_HELP", "OPTIONS", "PROG", "Command", "Param",
           "Where", "offered"]

Where = Literal["usage-consent", "host"]  # usage-consent's own command line, or the group a host mounts


def policy_argument(value: str) -> str:
    """``--policy``'s value: a file or a shipped name; an empty one is bad usage (it would silently
    mean the embedded policy)."""
    if not value.strip():
        from usage_consent.policy._load import SHIPPED

        raise argparse.ArgumentTypeError(f"must name a policy file or a shipped policy ({', '.join(SHIPPED)}); "
                                         f"got {value!r}")
    return value


@dataclass(frozen=True)
class Param:
    """One argument (``flags`` without a dash: ``session_id``) or option (``--json``) of a command."""

    flags: str
    help: str | None = None
    type: Callable[[str], Any] = str
    default: Any = None
    metavar: str | None = None
    dest: str | None = None  # the name the command reads, when not the flag's
    choices: tuple[str, ...] | None = None
    flag: bool = False  # an option that takes no value: True when given
    optional: bool = False  # an argument that may be left out (then ``default``)
    host: bool = True  # False: not asked in a host's group, which fills it (the policy's one consent key)

    @property
    def name(self) -> str:
        return self.dest or self.flags.lstrip("-").replace("-", "_")

    @property
    def positional(self) -> bool:
        return not self.flags.startswith("-")

    @property
    def value(self) -> Any:
        """What the command reads when the parameter is not given."""
        return False if self.flag else self.default


@dataclass(frozen=True)
class Command:
    """One command: ``usage-consent WORDS...``; and ``<host> usage WORDS...`` when ``host`` is True,
    or ``<host> usage HOST...`` when ``host`` names other words."""

    words: tuple[str, ...]
    help: str
    target: str  # "module:function" in usage_consent.cli; the function takes the parsed arguments
    params: tuple[Param, ...] = ()
    host: bool | tuple[str, ...] = False

    def words_in(self, where: Where) -> tuple[str, ...] | None:
        """The command's words there, or None where it is not offered."""
        if where == "usage-consent":
            return self.words
        if self.host is False:
            return None
        return self.words if self.host is True else self.host

    def params_in(self, where: Where) -> tuple[Param, ...]:
        return tuple(param for param in self.params if where == "usage-consent" or param.host)

    def defaults(self) -> dict[str, Any]:
        """Every parameter's value when not given (a click or Typer command passes only its own)."""
        return {param.name: param.value for param in self.params}

    def run(self, args: argparse.Namespace) -> int | None:
        module, name = self.target.split(":")
        function: Callable[[argparse.Namespace], int | None] = getattr(
            import_module(f"usage_consent.cli.{module}"), name)
        return function(args)


PROG = "usage-consent"
DESCRIPTION = "Decide, explain and control anonymous usage-stats collection."
HOST_GROUP_HELP = "anonymous usage statistics: why they are on or off, what was sent, and your choice"
# usage-consent's options before the command
OPTIONS = (Param("--policy", metavar="FILE|NAME", type=policy_argument,
                 help="a policy TOML file, or a shipped policy: skyplane (the default), skyplane-0.3"),)
# The help line of each word that groups commands.
GROUPS: dict[tuple[str, ...], str] = {
    ("records",): "the local copy of every report",
    ("config",): "read or change the consent key in the config file",
    ("schema",): "list, show, compare and release usage-stats schemas",
    ("policy",): "show or check a consent policy",
    ("collector",): "run a collector: ingest, deletion, the open map",
}
CLIS = ("argparse", "click", "typer")  # what ``new-host --cli`` writes a host with

_JSON_OBJECT = Param("--json", "print one JSON object", flag=True)
_JSON_LIST = Param("--json", "print a JSON list", flag=True)
_KEY = Param("key", host=False)
_SCHEMAS_DIR = Param("--schemas-dir", "folder holding <name>/v<N>.json", type=Path, metavar="DIR")
_MODEL = Param("--model", "the model (MODULE:CLASS or FILE.py:CLASS; default: the policy's schema_model)",
               metavar="MODULE:CLASS")
_DB = Param("--db", "sqlite:///PATH (default: sqlite:///usage-collector.sqlite3 here) or postgresql://USER@HOST/DB")

COMMANDS = (
    Command(("init",), "first run: show and record the notice, default the setting to true, say the state",
            "_notice_cmd:run_init", host=True),
    Command(("explain",), "show the decision and what every source said; changes no setting or record",
            "_explain_cmd:run_explain", (_JSON_OBJECT,), host=True),
    Command(("decide",), "take the decision for a transfer starting now; print on, off or local",
            "_explain_cmd:run_decide", (_JSON_OBJECT,)),
    Command(("notice",), "print the notice for the current schema (not recorded)", "_notice_cmd:run_notice",
            host=True),
    Command(("records", "list"), "sessions with time, mode and send status", "_records_cmd:run_list",
            (_JSON_LIST,), host=True),
    Command(("records", "show"), "the exact JSON of one report (the newest by default)", "_records_cmd:run_show",
            (Param("session_id", optional=True),), host=True),
    Command(("records", "path"), "where reports are kept", "_records_cmd:run_path", host=True),
    Command(("forget",), "delete local records and pending reports; start a new client id",
            "_records_cmd:run_forget", host=True),
    Command(("history",), "the notices shown and choices made, oldest first", "_notice_cmd:run_history",
            (_JSON_LIST,), host=True),
    Command(("config", "set"), "set usage stats: true/false, 1/0, yes/no, on/off, or local", "_config_cmd:run_set",
            (_KEY, Param("value")), host=("set",)),
    Command(("config", "get"), "print the config file's value, or unset", "_config_cmd:run_get", (_KEY,),
            host=("get",)),
    Command(("config", "unset"), "remove the setting from the config file", "_config_cmd:run_unset", (_KEY,),
            host=("unset",)),
    Command(("schema", "list"), "released versions", "_schema_cmd:run_list", (_SCHEMAS_DIR,)),
    Command(("schema", "show"), "one version's JSON Schema", "_schema_cmd:run_show",
            (_SCHEMAS_DIR, Param("version", type=int, optional=True))),
    Command(("schema", "diff"), "fields added, removed, changed from A to B", "_schema_cmd:run_diff",
            (_SCHEMAS_DIR, Param("a", type=int), Param("b", type=int))),
    Command(("schema", "init"), "release the host's model as v1 (refused when one exists)", "_schema_cmd:run_init",
            (_SCHEMAS_DIR, _MODEL)),
    Command(("schema", "check"), "fail when the model differs from the newest release", "_schema_cmd:run_check",
            (_SCHEMAS_DIR, _MODEL)),
    Command(("schema", "bump"), "release the model as the next version", "_schema_cmd:run_bump",
            (_SCHEMAS_DIR, _MODEL, Param("--changelog", type=Path, metavar="FILE",
                                         help="where the release is recorded (default: CHANGELOG.md in the "
                                              "schemas folder)"))),
    Command(("policy", "show"), "print the effective policy as TOML", "_policy_cmd:run_show",
            (Param("--json", "print it as JSON instead", flag=True),)),
    Command(("policy", "check"), "validate a policy file", "_policy_cmd:run_check", (Param("file"),)),
    Command(("policy", "json-schema"), "print the JSON Schema of policy files (for editors)",
            "_policy_cmd:run_json_schema"),
    Command(("new-host",), "write a complete, working host package for a tool called NAME", "_new_host:run_new_host",
            (Param("name", "the tool's command (its package: NAME with - as _)", metavar="NAME"),
             Param("--dir", "where to write it (default: ./NAME); must not exist or be empty", type=Path,
                   metavar="DIR"),
             Param("--cli", "the command-line library (default: argparse)", choices=CLIS, default="argparse"))),
    Command(("collector", "serve"), "serve the collector (migrates the database first)", "_collector_cmd:run_serve",
            (_DB,
             Param("--host", "address to listen on (default 127.0.0.1)", default="127.0.0.1"),
             Param("--port", "port (default 8080; 0: any free port)", type=int, default=8080),
             Param("--policy", "the policy whose schemas reports must follow (default: the embedded one)",
                   dest="serve_policy", metavar="FILE|NAME"),
             Param("--max-body", "bytes of one request body (default 1 MiB)", type=int, default=1 << 20),
             Param("--min-clients", "the map shows a pair once this many distinct clients sent it (default 5)",
                   type=int, default=5),
             Param("--retain-days", "raw reports are kept this long (default 365)", type=int, default=365),
             Param("--request-timeout", "seconds for a request to arrive whole, else its connection is cut "
                   "(default 10)", type=float, default=10.0))),
    Command(("collector", "migrate"), "bring the database to the newest schema revision", "_collector_cmd:run_migrate",
            (_DB,)),
)


def offered(where: Where) -> list[tuple[tuple[str, ...], Command]]:
    """The commands offered ``where``, each with its words there, in the table's order."""
    return [(words, command) for command in COMMANDS if (words := command.words_in(where)) is not None]
