"""``usage-consent collector serve|migrate``: run the other end (``pip install 'usage-consent[collector]'``).
Nothing of the collector is imported until one of these commands runs."""

from __future__ import annotations

import argparse
import sys

from usage_consent.errors import UsageConsentError

__all__ = ["run_migrate", "run_serve"]


def _collector():  # -> the usage_consent.collector package, its extra checked
    try:
        import fastapi  # noqa: F401
        import sqlalchemy  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as error:
        raise UsageConsentError(f"the collector needs {error.name}: pip install 'usage-consent[collector]'",
                                layer="collector", key=error.name) from None
    from usage_consent import collector

    return collector


def run_serve(args: argparse.Namespace) -> int:
    collector = _collector()
    policy = args.policy_model
    if args.serve_policy:
        from usage_consent.policy import load_policy

        policy = load_policy(args.serve_policy)
    from usage_consent._locations import locations

    defaults = collector.CollectorSettings()
    settings = collector.CollectorSettings(
        db_url=args.db or defaults.db_url, host=args.host, port=args.port, schema_name=policy.schema_name,
        schemas_dir=locations(policy).schemas_dir,
        max_body=args.max_body, min_clients=args.min_clients,
        retain_days=args.retain_days, request_timeout_s=args.request_timeout)
    return collector.serve(settings)


def run_migrate(args: argparse.Namespace) -> int:
    collector = _collector()
    before, after = collector.migrate(args.db or collector.CollectorSettings().db_url)
    if before == after:
        print(f"database already at revision {after} (the newest)")
    else:
        print(f"database migrated from revision {before or '(empty)'} to {after}", file=sys.stdout)
    return 0
