"""``usage-consent schema list|show|diff|check|bump``: the released usage-stats schemas."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from usage_consent.schemas.build import DEFAULT_MODEL, dump
from usage_consent.schemas.diff import diff, wrap
from usage_consent.schemas.registry import load, schema_fingerprint
from usage_consent.schemas.release import bump, compare
from usage_consent.schemas.versions import current_version, list_versions

__all__ = ["register", "run_bump", "run_check", "run_diff", "run_list", "run_show"]


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("schema", help="list, show, compare and release usage-stats schemas")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--schemas-dir", type=Path, metavar="DIR", help="folder holding <name>/v<N>.json")
    actions.add_parser("list", parents=[common], help="released versions").set_defaults(run=run_list)
    show = actions.add_parser("show", parents=[common], help="one version's JSON Schema")
    show.add_argument("version", nargs="?", type=int)
    show.set_defaults(run=run_show)
    differ = actions.add_parser("diff", parents=[common], help="fields added, removed, changed from A to B")
    differ.add_argument("a", type=int)
    differ.add_argument("b", type=int)
    differ.set_defaults(run=run_diff)
    for action, helptext, run in (("check", "fail when the model differs from the newest release", run_check),
                                  ("bump", "release the model as the next version", run_bump)):
        sub = actions.add_parser(action, parents=[common], help=helptext)
        sub.add_argument("--model", default=DEFAULT_MODEL, metavar="MODULE:CLASS",
                         help="the model (MODULE:CLASS or FILE.py:CLASS)")
        if action == "bump":
            sub.add_argument("--changelog", type=Path, metavar="FILE", help="default: the project's CHANGELOG.md")
        sub.set_defaults(run=run)


def _root(args: argparse.Namespace) -> Path | None:
    if args.schemas_dir:
        return args.schemas_dir
    from usage_consent.policy import schemas_root

    return schemas_root(args.policy_model)


def run_list(args: argparse.Namespace) -> int:
    name, root = args.policy_model.schema_name, _root(args)
    current = current_version(name, root)
    for version in list_versions(name, root):
        mark = "  (current)" if version == current else ""
        print(f"{name} v{version}  {schema_fingerprint(name, version, root)}{mark}")
    return 0


def run_show(args: argparse.Namespace) -> int:
    sys.stdout.write(dump(load(args.policy_model.schema_name, args.version, _root(args))))
    return 0


def run_diff(args: argparse.Namespace) -> int:
    name, root = args.policy_model.schema_name, _root(args)
    changes = diff(load(name, args.a, root), load(name, args.b, root))
    for line in wrap(f"{name} v{args.a} -> v{args.b}: {changes.summary()}") + changes.lines():
        print(line)
    return 0


def run_check(args: argparse.Namespace) -> int:
    name = args.policy_model.schema_name
    comparison = compare(args.model, _root(args), name)
    if not comparison.differs:
        print(comparison.report(name)[0])
        return 0
    for line in comparison.report(name):
        print(line, file=sys.stderr)
    where = f" --schemas-dir {args.schemas_dir}" if args.schemas_dir else ""
    model = f" --model {args.model}" if args.model != DEFAULT_MODEL else ""
    print(f"fix: usage-consent schema bump{where}{model}   (releases v{comparison.released + 1}; "
          "users are shown the notice again)", file=sys.stderr)
    return 1


def run_bump(args: argparse.Namespace) -> int:
    name = args.policy_model.schema_name
    target, comparison = bump(args.model, _root(args), args.changelog, name)
    print(f"wrote {target}: {comparison.changes.summary()}")
    return 0
