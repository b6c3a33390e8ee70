"""``usage-consent policy show|check|json-schema``: the policy as data."""

from __future__ import annotations

import argparse
import json
import sys

from usage_consent.errors import PolicyError
from usage_consent.policy import Policy, load_policy
from usage_consent.policy._load import policy_to_toml

__all__ = ["policy_json_schema", "run_check", "run_json_schema", "run_show"]


def run_show(args: argparse.Namespace) -> int:
    if args.json:
        print(json.dumps(args.policy_model.model_dump(mode="json", exclude_none=True), indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(policy_to_toml(args.policy_model))
    return 0


def run_check(args: argparse.Namespace) -> int:
    try:
        policy = load_policy(args.file)
    except PolicyError as error:
        print(error, file=sys.stderr)
        print(f"{args.file}: {len(error.problems)} problem(s)", file=sys.stderr)
        return 1
    missing = _missing_relative_paths(args.file, policy)
    if missing:
        print(PolicyError(args.file, missing), file=sys.stderr)
        print(f"{args.file}: {len(missing)} problem(s)", file=sys.stderr)
        return 1
    print(f"{args.file}: ok ({policy.app}, {len(policy.sources)} sources)")
    return 0


def _missing_relative_paths(file: str, policy: Policy) -> list[tuple[str, str]]:
    """Each path the file writes relative to itself that does not exist (a shipped policy has none)."""
    from usage_consent.policy._load import SHIPPED
    from usage_consent.policy._paths import missing_relative, relative_paths

    if file in SHIPPED:
        return []
    with open(file, encoding="utf-8") as text:
        return missing_relative(policy, relative_paths(text.read()))


def policy_json_schema() -> dict:
    schema = Policy.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "usage-consent/policy.schema.json"
    return schema


def run_json_schema(args: argparse.Namespace) -> int:
    print(json.dumps(policy_json_schema(), indent=2, sort_keys=True))
    return 0
