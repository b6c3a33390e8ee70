"""``usage-consent config set|get|unset usage_stats``: the user's config file, written safely."""

from __future__ import annotations

import argparse
import sys

from usage_consent._locations import display, locations
from usage_consent.errors import ConsentValueError, UsageConsentError
from usage_consent.policy import Decision, explain, remove_consent, set_consent
from usage_consent.policy._config_write import MODE_TO_JSON, read_consent
from usage_consent.policy._fileformats import shown_consent
from usage_consent.policy._sources.config_file import config_target, target_spec
from usage_consent.policy._state import StateFile

__all__ = ["run_get", "run_set", "run_unset"]


def _check_key(args: argparse.Namespace) -> None:
    key = config_target(args.policy_model)[1]
    if args.key != key:
        raise ConsentValueError(
            f"unknown key {args.key!r}; this command manages {key!r}",
            layer="command", key=args.key, accepted=key,
        )


def _remember(args: argparse.Namespace, event: str, **detail: object) -> None:
    """The choice goes into the state file's history; the config file is already written."""
    try:
        StateFile(locations(args.policy_model).state_file).record_choice(event, **detail)
    except (OSError, UsageConsentError) as error:
        print(f"usage-consent: warning: choice not added to history: {error}", file=sys.stderr)


def _still_decided_elsewhere(args: argparse.Namespace, mode: str, written: set[str]) -> Decision:
    """After a change, say on stderr which source still decides above the files written (or caps
    them); the decision a transfer started now would get."""
    policy = args.policy_model
    target = target_spec(policy).name
    decision = explain(policy)
    names = [spec.name for spec in policy.sources]
    for layer in decision.trace:
        if layer.kind == "managed" and layer.status in ("decided", "shadowed", "invalid") and (
                layer.status == "invalid" or (layer.value, mode) in (("off", "on"), ("off", "local"), ("local", "on"))):
            cap = "off" if layer.status == "invalid" else layer.value
            print(f"usage-consent: note: the administrator's file {layer.location.split(': ')[0]} caps usage stats "
                  f"at {cap}: {layer.name} decides over this setting", file=sys.stderr)
            return decision
    by = decision.decided_by
    if by and by not in written and target in names and by in names and names.index(by) < names.index(target):
        layer = decision.trace[by]
        print(f"usage-consent: note: {by} still decides ({layer.location} = {layer.raw}): usage stats are "
              f"{decision.mode} until it is unset", file=sys.stderr)
    return decision


def run_set(args: argparse.Namespace) -> int:
    _check_key(args)
    mode, changes = set_consent(args.value, args.policy_model)
    key = config_target(args.policy_model)[1]
    _remember(args, "config set", key=key, value=MODE_TO_JSON[mode])
    for change in changes:
        print(change)
    decision = _still_decided_elsewhere(args, mode, {change.source for change in changes})
    if mode == "off" and decision.mode == "off":  # never while a source above still collects
        _what_stays(args)
    return 0


def _what_stays(args: argparse.Namespace) -> None:
    """Opting out stops collection; it does not erase: say what is still kept, and how to erase it."""
    policy = args.policy_model
    forget = f"{getattr(args, 'command_prefix', 'usage-consent')} forget"
    print(f"nothing more will be collected; still kept on this machine until `{forget}` deletes them:\n"
          f"  local records: {locations(policy).records_root}\n"
          f"  client id:     {display(locations(policy).state_file)}", file=sys.stderr)


def run_get(args: argparse.Namespace) -> int:
    _check_key(args)
    print(shown_consent(read_consent(args.policy_model)))
    return 0


def run_unset(args: argparse.Namespace) -> int:
    _check_key(args)
    path, key = config_target(args.policy_model)
    changes = remove_consent(args.policy_model)
    if changes:
        _remember(args, "config unset", key=key)
    for change in changes:
        print(change)
    if not changes:
        print(f"{display(path)}: {key} was not set")
    return 0
