"""A small, real host: ``python examples/transfer.py cp SRC DST [-r] [--multipart]``.

It copies a file (or, with -r, a folder) the way Skyplane runs a transfer: the consent
decision is taken once before the copy, the session is bound to it, and one report is made
after the copy (or, if the copy fails, the error's class and stage), never slowing it down.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time

from usage_consent.policy import decide, load_policy
from usage_consent.reporter import start_session

TOOL_VERSION = "0.3.2"


def count_files(path: str) -> tuple[int, int]:
    if os.path.isfile(path):
        return 1, os.path.getsize(path)
    files = [os.path.join(d, f) for d, _, names in os.walk(path) for f in names]
    return len(files), sum(os.path.getsize(f) for f in files)


def copy(source: str, destination: str, recursive: bool) -> None:
    if os.path.isdir(source):
        if not recursive:
            raise IsADirectoryError(f"{source} is a folder; use -r")
        shutil.copytree(source, destination, dirs_exist_ok=True)
    else:
        shutil.copyfile(source, destination)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="transfer", description="copy files, reporting usage as Skyplane does")
    parser.add_argument("command", choices=["cp", "sync"])
    parser.add_argument("source")
    parser.add_argument("destination")
    parser.add_argument("-r", "--recursive", action="store_true")
    parser.add_argument("--multipart", action="store_true")
    parser.add_argument("--policy", help="a usage-consent policy file (default: Skyplane's)")
    args = parser.parse_args(argv)

    decision = decide(load_policy(args.policy) if args.policy else None)  # once, before the transfer
    session = start_session(
        decision, command=args.command, tool_version=TOOL_VERSION,
        source={"provider": "local", "region": "local"}, destinations=[{"provider": "local", "region": "local"}],
        options={"recursive": args.recursive, "multipart": args.multipart, "max_instances": 1, "solver": "direct",
                 "max_connections": 1, "debug": False, "confirm": True},
    )
    started = time.monotonic()
    try:
        with session:
            session.set_stage("transfer")
            copy(args.source, args.destination, args.recursive)
            runtime = time.monotonic() - started
            objects, size = count_files(args.destination)
            session.report(stats={"monitor_status": "completed", "runtime_s": runtime,
                                  "objects_transferred": objects, "bytes_transferred": size,
                                  "throughput_gbits": size * 8 / 1e9 / max(runtime, 1e-9)})
    except OSError as error:
        print(f"transfer: {error}", file=sys.stderr)
        return 1
    print(f"copied {size} bytes in {objects} object(s) in {runtime:.3f} s")
    if session.path:
        print(f"usage report ({session.outcome}): {session.path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
