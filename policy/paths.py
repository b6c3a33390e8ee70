"""Paths as users write them (``~`` is HOME) and as they are shown back."""

from __future__ import annotations

import os


def expand(path: str) -> str:
    """``~`` means the user's home, taken from HOME at the time of the call."""
    return os.path.expanduser(path)


def records_dir(app: str) -> str:
    """Where an app's reports are kept: ``<tempdir>/<app>/usage`` (TMPDIR is honoured)."""
    import tempfile

    return os.path.join(tempfile.gettempdir(), app, "usage")


def display(path: str) -> str:
    """A path shown with the user's home as ``~``."""
    home = os.environ.get("HOME", "")
    if home and home != "/" and (path == home or path.startswith(home.rstrip("/") + "/")):
        return "~" + path[len(home.rstrip("/")) :]
    return path
