"""argparse parsers from the command table: ``usage-consent``'s own, and the group a host adds
with :func:`usage_consent.cli.host.add_argparse`.

One nested parser per word; each command's and each group's parser shows its help line as its
description too, so ``--help`` at any level says what it does.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from usage_consent.cli._commands import GROUPS, Command, Param, Where, offered

__all__ = ["add_argument", "add_commands"]


def add_argument(parser: argparse.ArgumentParser, param: Param) -> None:
    """``param`` as one argparse argument or option."""
    if param.flag:
        parser.add_argument(param.flags, action="store_true", help=param.help)
    elif param.positional:
        parser.add_argument(param.flags, nargs="?" if param.optional else None, type=param.type, default=param.default,
                            metavar=param.metavar, choices=param.choices, help=param.help)
    else:
        parser.add_argument(param.flags, dest=param.name, type=param.type, default=param.default,
                            metavar=param.metavar, choices=param.choices, help=param.help)


def add_commands(top: argparse.ArgumentParser, where: Where, leaf: Callable[[Command, argparse.ArgumentParser], None],
                 names: Callable[[tuple[str, ...]], tuple[str, str]]) -> dict[tuple[str, ...], argparse.ArgumentParser]:
    """Add every command offered ``where`` under ``top``; ``leaf(command, parser)`` finishes each
    command's parser (what runs it), ``names(words)`` gives the dest and metavar of the commands
    under ``words``. Returns every parser made, by its words (``()``: ``top``)."""
    parsers: dict[tuple[str, ...], argparse.ArgumentParser] = {(): top}
    actions: dict[tuple[str, ...], argparse._SubParsersAction] = {}
    for words, command in offered(where):
        for depth in range(1, len(words) + 1):
            path, above = words[:depth], words[:depth - 1]
            if path in parsers and depth < len(words):
                continue
            if above not in actions:
                dest, metavar = names(above)
                actions[above] = parsers[above].add_subparsers(dest=dest, metavar=metavar, required=True)
            helptext = command.help if depth == len(words) else GROUPS[path]
            parsers[path] = actions[above].add_parser(path[-1], help=helptext, description=helptext)
        for param in command.params_in(where):
            add_argument(parsers[words], param)
        leaf(command, parsers[words])
    return parsers
