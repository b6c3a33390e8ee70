"""Run one command and turn its failure into a one-line message and an exit code: 0 on success,
1 on failure, 2 on bad usage. Shared by ``usage-consent`` and the commands a host mounts."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from usage_consent.errors import ConsentValueError, UsageConsentError


class UsageError(Exception):
    """Bad usage of the command: exit 2."""


def execute(run: Callable[[argparse.Namespace], int | None], args: argparse.Namespace, prog: str) -> int:  # noqa: PLR0911 - one exit per kind of error
    """``run(args)``; errors go to stderr as one line, ``<prog>: <message>``, never as a traceback,
    whatever the files and variables hold."""
    try:
        return int(run(args) or 0)
    except (ConsentValueError, UsageError) as error:
        print(f"{prog}: {error}", file=sys.stderr)
        return 2
    except UsageConsentError as error:
        print(f"{prog}: {error}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 1
    except OSError as error:  # a file the command had to touch: say which, without a traceback
        where = f"{error.filename}: " if error.filename else ""
        print(f"{prog}: {where}{error.strerror or error}", file=sys.stderr)
        return 1
    except (RecursionError, ValueError, UnicodeError, MemoryError) as error:  # input beyond what was foreseen
        print(f"{prog}: input cannot be used: {type(error).__name__}: {str(error)[:200]}", file=sys.stderr)
        return 1
    except Exception as error:  # a bug: still one line, never a traceback (please report it)
        print(f"{prog}: internal error: {type(error).__name__}: {str(error)[:200]}", file=sys.stderr)
        return 1


__all__ = ["UsageError", "execute"]
