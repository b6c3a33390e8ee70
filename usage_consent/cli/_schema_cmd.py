"""``usage-consent schema list|show|diff|init|check|bump``: the released usage-stats schemas."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from usage_consent.errors import SchemaError
from usage_consent.schemas._build import DEFAULT_MODEL, dump
from usage_consent.schemas._diff import diff, wrap
from usage_consent.schemas._registry import load, schema_fingerprint
from usage_consent.schemas._release import bump, compare, init
from usage_consent.schemas._versions import current_version, list_versions

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = ["run_bump", "run_check", "run_diff", "run_init", "run_list", "run_show"]


def _root(args: argparse.Namespace) -> Path | None:
    if args.schemas_dir:
        return args.schemas_dir
    from usage_consent.policy._notice_state import schemas_root

    return schemas_root(args.policy_model)


def _model(args: argparse.Namespace) -> type[BaseModel]:
    """The model to release: ``--model``, else the policy's ``schema_model`` (a BaseReport subclass),
    else usage-consent's own (only for its own schemas)."""
    from usage_consent.schemas._base_report import BaseReport
    from usage_consent.schemas._build import load_model

    policy = args.policy_model
    if args.model:
        return load_model(args.model)
    if policy.schema_model:
        return load_model(policy.schema_model, given_as="policy: schema_model", base=BaseReport)
    if _root(args) is None:
        return load_model(DEFAULT_MODEL)
    raise SchemaError('the policy names no schema_model: add schema_model = "MODULE:CLASS" (a subclass of '
                      "usage_consent.BaseReport) to it, or pass --model", layer="policy", key="schema_model")


def _command(args: argparse.Namespace, *words: str) -> str:
    """The whole command that repeats this one's choices (policy, schemas folder, model) for ``words``."""
    parts = ["usage-consent"]
    if getattr(args, "policy", None):
        parts += ["--policy", args.policy]
    parts += ["schema", *words]
    if args.schemas_dir:
        parts += ["--schemas-dir", str(args.schemas_dir)]
    if getattr(args, "model", None):
        parts += ["--model", args.model]
    return shlex.join(parts)


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


def run_init(args: argparse.Namespace) -> int:
    target = init(_model(args), _root(args), args.policy_model.schema_name)
    print(f"wrote {target}: {args.policy_model.schema_name} v1 released")
    return 0


def run_check(args: argparse.Namespace) -> int:
    name, root = args.policy_model.schema_name, _root(args)
    model = _model(args)
    if root is not None and not (root / name).is_dir():
        print(f"{name}: no version released in {root / name}", file=sys.stderr)
        print(f"fix: {_command(args, 'init')}   (releases v1)", file=sys.stderr)
        return 1
    agreed = _check_plain(name, root)
    comparison = compare(model, root, name)
    if not comparison.differs:
        print(comparison.report(name)[0])
        return 0 if agreed else 1
    for line in comparison.report(name):
        print(line, file=sys.stderr)
    print(f"fix: {_command(args, 'bump')}   (releases v{comparison.released + 1}; "
          "users are shown the notice again)", file=sys.stderr)
    return 1


def _check_plain(name: str, root: Path | None) -> bool:
    """Each released version against the plain validator that checks reports: it must agree with
    jsonschema (the authority) on a valid report and its mutations; usage-consent's own versions
    must be within its subset (a host's that is not is checked with jsonschema, and said so)."""
    from usage_consent.schemas._agreement import agreement

    agreed = True
    for version in list_versions(name, root):
        schema = load(name, version, root)
        found = agreement(schema, schema.get("$id", f"urn:usage-consent:{name}:v{version}"))
        if found.outside is not None:
            line = (f"{name} v{version}: outside the plain validator's subset ({found.outside}); "
                    "its reports are checked with jsonschema")
            agreed = agreed and root is not None  # usage-consent's own must be within it
            print(line, file=sys.stdout if root is not None else sys.stderr)
        elif found.disagreements:
            agreed = False
            instance, ours, theirs = found.disagreements[0]
            print(f"{name} v{version}: the plain validator and jsonschema disagree on {len(found.disagreements)} of "
                  f"{found.compared} reports (a usage-consent bug: please report it); the first: "
                  f"{json.dumps(instance)[:300]}: plain {ours}; jsonschema {theirs}", file=sys.stderr)
        else:
            print(f"{name} v{version}: the plain validator agrees with jsonschema on {found.compared} reports")
    return agreed


def run_bump(args: argparse.Namespace) -> int:
    name = args.policy_model.schema_name
    target, comparison = bump(_model(args), _root(args), args.changelog, name)
    print(f"wrote {target}: {comparison.changes.summary()}")
    return 0
