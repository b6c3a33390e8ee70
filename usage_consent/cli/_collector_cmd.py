"""``usage-consent collector serve|migrate``: run the other end (``pip install 'usage-consent[collector]'``).
Nothing of the collector is imported until one of these commands runs."""

from __future__ import annotations

import argparse
import sys

from usage_consent.errors import UsageConsentError

__all__ = ["register", "run_migrate", "run_serve"]

DB_HELP = "sqlite:///PATH (default: sqlite:///usage-collector.sqlite3 here) or postgresql://USER@HOST/DB"


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("collector", help="run a collector: ingest, deletion, the open map")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    serve = actions.add_parser("serve", help="serve the collector (migrates the database first)")
    serve.add_argument("--db", help=DB_HELP)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080, help="port (default 8080; 0: any free port)")
    serve.add_argument("--policy", dest="serve_policy", metavar="FILE|NAME",
                       help="the policy whose schemas reports must follow (default: the embedded one)")
    serve.add_argument("--max-body", type=int, default=1 << 20, help="bytes of one request body (default 1 MiB)")
    serve.add_argument("--min-clients", type=int, default=5,
                       help="the map shows a pair once this many distinct clients sent it (default 5)")
    serve.add_argument("--retain-days", type=int, default=365, help="raw reports are kept this long (default 365)")
    serve.add_argument("--request-timeout", type=float, default=10.0,
                       help="seconds for a request to arrive whole, else its connection is cut (default 10)")
    serve.set_defaults(run=run_serve)
    migrate = actions.add_parser("migrate", help="bring the database to the newest schema revision")
    migrate.add_argument("--db", help=DB_HELP)
    migrate.set_defaults(run=run_migrate)


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
