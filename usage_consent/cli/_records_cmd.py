"""``usage-consent records list|show|path`` and ``forget``: transparency and control."""

from __future__ import annotations

import argparse
import json
import sys

from usage_consent.errors import ReportError
from usage_consent.reporter._store import forget, list_records, record_path, show_record, usage_root

__all__ = ["run_forget", "run_list", "run_path", "run_show"]


def run_list(args: argparse.Namespace) -> int:
    records = list_records(args.policy_model)
    if args.json:
        print(json.dumps([r.to_dict() for r in records], indent=2))
        return 0
    if not records:
        print(f"no records under {usage_root(args.policy_model)}")
    for r in records:
        print(f"{r.created_at}  {r.session_id}  {r.mode:<5}  {r.send_status}  (client {r.client_id})")
    return 0


def run_show(args: argparse.Namespace) -> int:
    chosen, body = show_record(args.policy_model, args.session_id)
    path = record_path(args.policy_model, chosen.client_id, chosen.session_id)
    try:
        json.loads(body.decode("utf-8"), parse_constant=_not_json)
    except UnicodeDecodeError as error:
        raise ReportError(f"{path}: not UTF-8 text (byte {error.start}); not a report", layer="records",
                          path=path) from None
    except (ValueError, RecursionError) as error:
        reason = error.msg if isinstance(error, json.JSONDecodeError) else str(error)[:80] or "nested too deeply"
        raise ReportError(f"{path}: not JSON ({reason}); not a report", layer="records", path=path) from None
    sys.stdout.write(body.decode("utf-8") + "\n")
    return 0


def _not_json(constant: str) -> None:
    raise ValueError(f"{constant} is not JSON")


def run_path(args: argparse.Namespace) -> int:
    print(usage_root(args.policy_model))
    return 0


def run_forget(args: argparse.Namespace) -> int:
    policy = args.policy_model
    done = forget(policy)
    print(f"deleted {done.records} local record(s) and every pending report under {usage_root(policy)}")
    if not done.old_id:
        print("no client_id had been created yet: nothing was ever sent")
    else:
        print(f"your old client_id: {done.old_id}")
    for deletion in done.deletions:
        if deletion.outcome == "confirmed":
            count = f" ({deletion.deleted} report(s) deleted)" if deletion.deleted is not None else ""
            print(f"deletion confirmed by {deletion.url}{count}")
        elif deletion.outcome == "pending":
            print(f"deletion request to {deletion.url} not answered now ({deletion.detail}): "
                  "it will be retried, keeping the old id until then")
        else:
            print(f"no deletion at {deletion.endpoint}: {deletion.detail}; ask by email (below)")
    unconfirmed = not done.deletions or any(d.outcome != "confirmed" for d in done.deletions)
    if done.old_id and unconfirmed and policy.reporter.deletion_contact:
        print(f"to have data sent under it deleted where no deletion was confirmed, email "
              f"{policy.reporter.deletion_contact} quoting that id")
    elif done.old_id and unconfirmed:
        print(f"to have data sent under it deleted where no deletion was confirmed, ask {policy.app}'s "
              "maintainers quoting that id (the policy names no deletion contact)")
    print("a new client_id will be used from now on")
    return 0
